"""The demo business's past: six months of finished installation jobs, so a fresh `make run` has
weekly, monthly and quarterly evaluations with real numbers and suggestions, and the quarter just
ended reviewed and stored (the Reports screen lists it from the start).

The orders are infra.history_generator's (`generate(SEED, ...)`, seeded: the same `now` gives the
same history), with the planted effects the reports should find (EFFECTS):
- the bottleneck: requests wait long in `requested` (the dispatcher, Dana, is slow to book them:
  days where the SLA is four hours);
- the installation map's version 2, published VERSION_2_AGO (inside the quarter just ended) by
  the admin with its note and its expectation ("the time in In progress gets shorter", direction
  "lower"), did shorten `in_progress`: the reports compare orders started on version 1 with those
  started on version 2 (the generator follows the stored versions, version 2 from its time);
- the daily reviews flagged items to their owners, who acted on some within the day, some later,
  some never (the generator's review items, written as the review actions' records), and the
  stored runs of past days' daily checks, most of them read.

What the generator makes is made the demo's here: only the orders that reached `closed` before
today (`finished_only`: none still open, none cancelled; an inserted order "enters" its step for
the stream, infra/local's as Lambda's, and `closed` has no automation, so loading sends no email),
on the installers' calendars (TECHNICIANS, none on a day the live demo booked: those days are
read first and given to the generator as unavailable), each on a customer record (names and
addresses drawn here, in its technician's areas) with order ids like the live ones.

The orders, their history entries (beside them, data.entries), their customers (with their
search keys), the technicians' calendar days, the review records and runs are written with batch
writes (25 items a request); nothing goes through the request path. Then the quarterly review of
the quarter just ended runs as its schedule would (reviews.runs.scheduled).
`publish_versions` runs before the live orders: each kind's first map version, published by the
demo's setup at `now`, is dated back to the start of the history (the one write here outside the
capability modules: a version is immutable once in use; these were published a moment ago by the
seed), and version 2 of the installation map is published with `versions.publish` at its past time.
"""
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from chalicelib.core import times
from chalicelib.customers import records as customer_records
from chalicelib.data.attributes import Address, Customer
from chalicelib.data.customers import CustomerModel
from chalicelib.data.entries import OrderEntryModel
from chalicelib.data.models import CalendarDayModel, OrderModel, ReviewModel, WorkflowModel
from chalicelib.data.review_actions import ReviewActionModel
from chalicelib.reviews import accountability, runs
from chalicelib.workflow import kinds as work_kinds
from chalicelib.workflow import versions
from infra import history_generator

SEED = 17
TIMEZONE = "Europe/London"
HISTORY_DAYS = 183  # about six months: the previous quarter whole and this one so far
VERSION_2_AGO = timedelta(weeks=15)  # inside the previous quarter, with orders on both sides
JUDGE_AFTER = timedelta(weeks=8)  # the expectation is judged this long after publishing
ORDERS_PER_WEEK = 18  # installation requests a week (infra.history_generator's Poisson stream)
PAY_DAYS = 0.4  # the demo's customers pay by card or transfer, mostly the same or the next day
# What the history plants (infra.history_generator.EFFECTS): requests wait long in `requested`
# (the dispatcher is slow to book them: days where the SLA is four hours), and the orders started
# on version 2 of the installation map spend less time on site (`in_progress`).
EFFECTS = {"bottleneck": {"step": "requested", "factor": 25.0}, "map_change": {"step": "in_progress", "factor": 0.6}}
TECHNICIANS = ("tech-1", "tech-2")  # the installers (infra.demo_data.TECHNICIANS' skills)
AREAS = {"tech-1": ("BS", "BA"), "tech-2": ("BS",), "tech-3": ("BS", "BA", "GL")}  # infra.demo_data.TECHNICIANS
VISIT = timedelta(minutes=150)  # a visit on the calendar: the generator's slots are three hours apart
TRAVEL_MINUTES = 30

FIRST_NAMES = ["Amelia", "Ben", "Chloe", "Daniel", "Ella", "Finn", "Georgia", "Harry", "Isla", "James",
               "Katie", "Liam", "Maya", "Noah", "Olivia", "Patrick", "Rosie", "Sophie", "Toby", "Victoria",
               "William", "Zara", "Alfie", "Bethany", "Charlie", "Daisy", "Ethan", "Freya"]
LAST_NAMES = ["Ashworth", "Barnes", "Collins", "Dawson", "Ellis", "Fletcher", "Griffiths", "Harding", "Irwin",
              "Jennings", "Kendall", "Lawrence", "Marsh", "Norris", "Osborne", "Parsons", "Quinn", "Rowe",
              "Sutton", "Tanner", "Underwood", "Vaughan", "Walsh", "Yates"]
STREETS = [("Cotham Road", "Bristol", "BS6"), ("Gloucester Road", "Bristol", "BS7"), ("Wells Road", "Bristol", "BS4"),
           ("Stapleton Road", "Bristol", "BS5"), ("Coronation Road", "Bristol", "BS3"), ("Henleaze Road", "Bristol", "BS9"),
           ("Lansdown Road", "Bath", "BA1"), ("Wellsway", "Bath", "BA2"), ("Fishponds Road", "Bristol", "BS16"),
           ("Queens Road", "Bristol", "BS8")]
CUSTOMERS = 90  # customer records; some have two or three jobs in the history
ORDER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass
class History:
    """What `load` wrote, for the tests and the start's log."""

    orders: list[OrderModel] = field(default_factory=list)
    customers: list[CustomerModel] = field(default_factory=list)
    calendar_days: int = 0
    entries: int = 0
    review_records: list = field(default_factory=list)
    review_runs: list = field(default_factory=list)
    version_2: object = None
    quarterly: dict = field(default_factory=dict)  # what the quarterly schedule answered (runs.scheduled)


def _zone() -> ZoneInfo:
    return ZoneInfo(TIMEZONE)


# --- the history: infra.history_generator's, made the demo's -----------------------------------

def _order_id(rng: random.Random) -> str:
    return "WO-" + "".join(rng.choice(ORDER_ALPHABET) for _ in range(10))


def _customers(rng: random.Random) -> list[dict]:
    people, seen = [], set()
    while len(people) < CUSTOMERS:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        street, city, area = rng.choice(STREETS)
        number = len(people)
        people.append({
            "name": f"{first} {last}",
            "email": f"{first}.{last}@example.org".lower(),
            "phone": f"+44 7700 9003{number:02d}" if number < 100 else None,
            "address": {"street": f"{rng.randint(1, 120)} {street}", "city": city,
                        "postcode": f"{area} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"},
        })
    return people


def _area(postcode: str) -> str:
    return postcode.split()[0].rstrip("0123456789")


def history_start(now: datetime) -> date:
    return now.astimezone(_zone()).date() - timedelta(days=HISTORY_DAYS)


def generate(now: datetime, maps: dict, taken: dict | None = None):
    """The history's orders (unsaved, each with its `.history` of moves), the generator's review
    items (renamed to the orders' ids), its customers ({"name", "email", "phone", "address",
    "orders": [order]}) and the calendar days' jobs ({(technician, local date): [job]}).
    `maps` gives the installation map's versions ({1: ProcessMap, 2: ProcessMap}); `taken`, the
    technicians' days already booked ({(technician, local date): [job]}): the history books no
    visit on those days. The orders come from infra.history_generator (SEED, the planted
    bottleneck on `requested` and the map change on `in_progress`), finished before today."""
    rng = random.Random(SEED)
    zone = _zone()
    today = now.astimezone(zone).date()
    taken = taken or {}
    unavailable = {(tech, date.fromisoformat(day)) for (tech, day), jobs in taken.items() if jobs}
    versions = {(history_generator.WORKFLOW_ID, n): pm for n, pm in maps.items()}
    made = history_generator.generate(
        SEED, history_start(now), today - timedelta(days=1), effects=EFFECTS, orders_per_week=ORDERS_PER_WEEK,
        technicians=TECHNICIANS, versions=versions, unavailable=unavailable, finished_only=True, pay_days=PAY_DAYS)
    people = _customers(rng)
    for person in people:
        person["orders"] = []
    days: dict = {key: list(jobs) for key, jobs in taken.items()}
    renamed, used = {}, set()
    for order in made.orders:
        new_id = _order_id(rng)
        while new_id in used:
            new_id = _order_id(rng)
        used.add(new_id)
        renamed[order.order_id] = new_id
        order.order_id = new_id
        tech = order.technician_id
        fits = [p for p in people if tech is None or _area(p["address"]["postcode"]) in AREAS[tech]]
        person = rng.choice(fits)
        order.customer = Customer(name=person["name"], email=person["email"], phone=person["phone"])
        order.address = Address(**person["address"])
        order.description = f"{order.service_name} at {person['address']['street']}."
        order.history_count, order.notes_count, order.photos_count = len(order.history), 0, 0
        order.version = 1
        if order.signature is not None:
            order.signature.signed_by = person["name"]
            order.signature.signature_id = f"SG-{new_id[3:]}"
            order.signature.s3_key = f"signatures/{new_id}.png"
        for line in order.line_items or []:
            line.added_by, line.added_at = tech, order.appointment_start
            line.recorded_at = order.appointment_start
        if order.appointment_start is not None:
            order.appointment_end = order.appointment_start + VISIT
            day = order.appointment_start.astimezone(zone).date().isoformat()
            days.setdefault((tech, day), []).append({
                "order_id": new_id, "start": order.appointment_start.isoformat(),
                "end": order.appointment_end.isoformat(),
                "blocked_until": (order.appointment_end + timedelta(minutes=TRAVEL_MINUTES)).isoformat()})
        person["orders"].append(order)
    items = []
    for item in made.review_items:
        if item["order_id"] in renamed:
            old = item["order_id"]
            items.append({**item, "order_id": renamed[old], "item_key": item["item_key"].replace(old, renamed[old])})
    return made.orders, items, people, days


# --- writing -------------------------------------------------------------------------------------

def _customer_records(people: list[dict]) -> list[CustomerModel]:
    found = []
    for person in people:
        if not person["orders"]:
            continue
        first = min(o.created_at for o in person["orders"])
        contact = customer_records.Contact(person["name"], person["email"],
                                           person["phone"].replace(" ", "") if person["phone"] else None)
        record = customer_records.new_record(contact, person["address"], first, "phone")
        record.customer_id = "C-H" + person["orders"][0].order_id[3:]  # stable for the same `now`
        record.orders_count = len(person["orders"])
        record.last_order_at = max(o.created_at for o in person["orders"])
        record.updated_at = record.last_order_at
        for order in person["orders"]:
            order.customer_id = record.customer_id
        found.append(record)
    return found


def _write(items) -> int:
    by_model = defaultdict(list)
    for item in items:
        by_model[type(item)].append(item)
    for model, group in by_model.items():
        with model.batch_write() as batch:
            for item in group:
                batch.save(item)
    return len(items)


def _date_back_first_versions(at: datetime) -> None:
    """Each kind's version 1, and its head while that is version 1, as published at `at`."""
    for kind in work_kinds.kinds():
        for number in (1, versions.HEAD):
            try:
                item = WorkflowModel.get(kind.workflow_id, number, consistent_read=True)
            except WorkflowModel.DoesNotExist:
                continue
            if number == versions.HEAD and int(item.current_version) != 1:
                continue
            item.published_at = at
            item.save()


VERSION_2_NOTE = ("Frames are measured and cut at the workshop before the visit, so the job on site is quicker: "
                  "the In progress step's SLA goes from 8 hours to 6 hours.")
VERSION_2_EXPECTATION_TEXT = "Installations take less time on site: the time in 'In progress' gets shorter."


def version_2_document(base: dict) -> dict:
    steps = [dict(s, sla_minutes=360) if s["key"] == "in_progress" else dict(s) for s in base["steps"]]
    return {**base, "steps": steps}


def publish_version_2(base: dict, now: datetime):
    """The installation map's version 2, published VERSION_2_AGO with its note and expectation."""
    at = now - VERSION_2_AGO
    expectation = {"text": VERSION_2_EXPECTATION_TEXT, "step": "in_progress", "measure": "step_median_minutes",
                   "direction": "lower", "judge_on": (at + JUDGE_AFTER).astimezone(_zone()).date().isoformat()}
    pm = versions.publish(version_2_document(base), "admin-1", at, note=VERSION_2_NOTE, expectation=expectation)
    return versions.head_of(pm.workflow_id)


def publish_versions(now: datetime):
    """Before the live demo's orders: each kind's first map version dated back to the start of
    the history, and the installation map's version 2 published VERSION_2_AGO (the live orders
    follow it, the current version)."""
    from infra import demo_data

    history_start = datetime.combine(now.astimezone(_zone()).date() - timedelta(days=HISTORY_DAYS + 1), time(8),
                                     _zone()).astimezone(timezone.utc)
    _date_back_first_versions(history_start)
    return publish_version_2(demo_data.PROCESS_MAP, now)


def _calendar_days(now: datetime) -> dict:
    """The calendar days already stored in the history's span (the live demo's), by (technician, day)."""
    today = now.astimezone(_zone()).date()
    first = (today - timedelta(days=HISTORY_DAYS + 1)).isoformat()
    found = {}
    for tech in TECHNICIANS:
        for item in CalendarDayModel.query(tech, CalendarDayModel.day.between(first, today.isoformat())):
            found[(tech, item.day)] = item
    return found


def load(now: datetime) -> History:
    """Write the demo's history (see the module's docstring), after `publish_versions` and the
    live demo's orders: the calendar days those booked are kept, the history books none of them."""
    answer = History(version_2=versions.head_of(versions.WORKFLOW_ID))
    maps = {1: versions.version(1), 2: answer.version_2}
    stored = _calendar_days(now)
    orders, items, people, days = generate(now, maps, {k: list(v.appointments) for k, v in stored.items()})
    answer.customers = _customer_records(people)
    keys = [k for c in answer.customers for k in customer_records.key_items(c)]
    moves = [OrderEntryModel(o.order_id, f"history#{i + 1:08d}", move=m) for o in orders for i, m in enumerate(o.history)]
    calendar = []
    for (tech, day), jobs in days.items():
        before = stored.get((tech, day))
        if not jobs or before is not None:
            continue  # a live demo's day: the history booked nothing on it
        calendar.append(CalendarDayModel(tech, day, version=1, appointments=sorted(jobs, key=lambda a: a["start"]),
                                         booked_minutes=sum(_minutes(a) for a in jobs)))
    answer.review_records, answer.review_runs = reviews(orders, items, maps, now)
    _write(answer.customers + keys + orders + moves + calendar + answer.review_records + answer.review_runs)
    answer.orders, answer.entries, answer.calendar_days = orders, len(moves), len(calendar)
    # The quarter just ended, reviewed and stored now as its schedule would at the next hour's
    # :20 (infra/local/scheduler.py plans a fresh start's first fire after it): the office's
    # Reports screen lists it from the start.
    answer.quarterly = runs.scheduled("quarterly", now)
    return answer


# --- the daily reviews of the past -----------------------------------------------------------------

REVIEW_HOUR = time(7)  # the daily check's local hour (reviews.periods.local_hour's default)
ESCALATE_AFTER = 3  # reviews.periods.escalate_after's default
MISSED_DAILY = 0.04  # the share of days the daily check did not run (the local system was off)
READ_DAILY = 0.8  # the share of daily runs someone opened


def _since(order: OrderModel, step: str, flagged: datetime) -> datetime:
    return max((m.at for m in order.history if m.to_step == step and m.at <= flagged), default=order.created_at)


def reviews(orders: list[OrderModel], items: list[dict], maps: dict, now: datetime):
    """(review action records, stored daily runs): the generator's review items (each visit past
    its SLA at a daily check, its owner's action) as the accountability records
    (reviews.accountability) and the daily checks' stored runs that flagged them."""
    rng = random.Random(SEED + 1)
    zone = _zone()
    by_id = {o.order_id: o for o in orders}
    per_day: dict[str, list[dict]] = defaultdict(list)
    records = []
    for found in items:
        order = by_id[found["order_id"]]
        pm = maps.get(int(order.workflow_version)) or maps[1]
        step = pm.step(found["step"])
        key = found["item_key"]
        since = _since(order, step.key, found["first_flagged_at"])
        record = ReviewActionModel(key, version=1, order_id=order.order_id, acknowledged={}, log=[])
        for n in range(int(found["days_flagged"])):
            check = found["first_flagged_at"] + timedelta(days=n)
            if check >= now:
                break
            day = check.astimezone(zone).date().isoformat()
            item = {"key": key, "kind": "sla_breach", "order_id": order.order_id, "invoice_id": None,
                    "step": step.key, "step_label": step.label, "owner": found["owner"], "deputy": None,
                    "workflow_id": order.workflow_id, "workflow_version": int(order.workflow_version),
                    "work_kind": order.kind, "since": times.iso(since), "minutes": round(times.minutes(check - since)),
                    "detail": f"Past its SLA of {_duration(step.sla_minutes)}", "link": f"/orders/{order.order_id}",
                    "checks": n + 1, "escalated": n + 1 >= ESCALATE_AFTER}
            accountability.apply_flag(record, item, day, check)
            per_day[day].append(item)
        acted, resolution = found["first_action_at"], found["resolution"]
        if resolution in ("acknowledged", "snoozed") and acted is not None:
            flagged_days = [(found["first_flagged_at"] + timedelta(days=n)) for n in range(int(found["days_flagged"]))]
            seen = [c for c in flagged_days if c <= acted] or flagged_days[:1]
            review = f"daily/{seen[-1].astimezone(zone).date().isoformat()}"
            who = found["owner"]
            if resolution == "snoozed":
                until = (acted.astimezone(zone).date() + timedelta(days=2)).isoformat()
                record.snooze = {"until": until, "reason": "Waiting for the customer to call back.", "by": who,
                                 "at": times.iso(acted), "review": review}
                record.log = [{"action": "snooze", "by": who, "at": times.iso(acted), "review": review,
                               "until": until, "reason": record.snooze["reason"]}]
            else:
                record.acknowledged = {review: {"by": who, "at": times.iso(acted)}}
                record.log = [{"action": "acknowledge", "by": who, "at": times.iso(acted), "review": review}]
            accountability.apply_resolution(record, resolution, acted, acted)
        elif resolution is not None:
            accountability.apply_resolution(record, resolution, found["resolved_at"], acted)
        record.updated_at = max(t for t in (record.resolved_at, record.last_flagged_at, since) if t is not None)
        records.append(record)
    return records, _daily_runs(rng, per_day, now)


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def _daily_runs(rng: random.Random, per_day: dict, now: datetime) -> list[ReviewModel]:
    zone = _zone()
    today = now.astimezone(zone).date()
    day = today - timedelta(days=HISTORY_DAYS)
    runs = []
    while day < today:
        name = day.isoformat()
        check = datetime.combine(day, REVIEW_HOUR, zone).astimezone(timezone.utc)
        day += timedelta(days=1)
        if rng.random() < MISSED_DAILY:
            continue
        items = sorted(per_day.get(name, []), key=lambda i: (i["since"], i["key"]))
        finished = check + timedelta(seconds=rng.randint(2, 9))
        told = []
        if items:
            told = [{"to": "dispatcher-1", "email": "dispatcher@example.com", "status": "sent", "at": times.iso(finished),
                     "items": [i["key"] for i in items], "escalated": [i["key"] for i in items if i["escalated"]]}]
        run = ReviewModel("daily", name, status="done", run_id=f"history-{name}", trigger="schedule",
                          claimed_at=check, started_at=check, finished_at=finished, told=told, report={
                              "period": "daily", "date": name, "timezone": TIMEZONE, "checked_at": times.iso(check),
                              "escalate_after": ESCALATE_AFTER,
                              "counts": {"sla_breach": len(items)} if items else {},
                              "escalated": sum(1 for i in items if i["escalated"]),
                              "items": items, "items_omitted": 0})
        if rng.random() < READ_DAILY:
            reader = "dispatcher-1" if items and rng.random() < 0.7 else "admin-1"
            run.read_by, run.read_at = reader, finished + timedelta(minutes=rng.randint(40, 240))
            run.readers = {reader}
        runs.append(run)
    return runs


def _minutes(job: dict) -> int:
    return int((datetime.fromisoformat(job["end"]) - datetime.fromisoformat(job["start"])).total_seconds() // 60)
