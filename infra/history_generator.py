"""Seeded histories of work orders with planted effects: the evaluation tested like a measuring
instrument (tests/unit/test_evaluation_planted.py, bench/evaluation_planted.py), and months of
history for a demo.

`generate(seed, start, end, effects=(...))` simulates a business like the demo's (Clearview
Windows: Europe/London, open Mon-Fri 08:00-18:00 and Sat 09:00-13:00, England's bank holidays)
taking installation orders through the installation map (infra.demo_data.PROCESS_MAP; `invoiced`
marked as waiting on the customer: the order waits for the customer's payment there). Pure: no
DynamoDB, nothing written; the same arguments give the same history, to the microsecond.

What a healthy ("null") history looks like, each step within its SLA nearly always:
- requests arrive on working days in opening hours (a Poisson stream, `orders_per_week`), one in
  ten online in the evening;
- `requested`: the dispatcher books the visit within business time (lognormal, median 1 h);
  3% are cancelled, 1% go on hold;
- `scheduled`: until the appointment, in a free slot (08:30, 11:30 or 14:30) of one of the
  technicians, about 3 working days ahead (lognormal); 2% are sent back to be booked again, some
  are cancelled or held;
- `en_route` (on the way, calendar time): about 25 min of travel; 2% find nobody in and go back to
  `scheduled` (booked again), 1% go on hold;
- `in_progress`: the job on site, about 3 h (lognormal); 3% wait on parts (`on_hold`) and go on;
- `completed` -> `invoiced`: the invoicing automation (by "system") within a few minutes;
- `invoiced` -> `paid`: the customer pays in a median of 11 days (14 days' terms);
- `paid` -> `closed`: the admin closes it within business time (median 4 h);
- `on_hold`: about a day, then back where it was (from `scheduled` or `en_route`: booked again);
  one in five is cancelled instead;
- orders still open at the end stay in their step.
With `estimates_per_week`, estimates arrive beside them on the demo's estimate map (its own
workflow, "estimate"): booked and visited the same way, measured on site and quoted within office
time, answered by the customer in about 4 days (two in five won), then closed. No effect is
planted in estimates; an overloaded owner is overloaded in every kind of work they own steps of.

Planted effects (`EFFECTS`), each optional and combinable, each with defaults (`DEFAULTS`) that a
mapping may override, e.g. `effects={"bottleneck": {"step": "requested", "factor": 40}}` or
`effects=("idle_step", "rework")`:
- `bottleneck` {"step", "factor"}: orders wait `factor` times longer in the step (requested, 60x:
  days instead of an hour; a factor should take the step well past its SLA: every process has a
  longest wait, and the evaluation names a bottleneck only where the wait is beyond the promise);
- `idle_step` {"step"}: the step changes nothing: a couple of minutes, always on to the same next
  step (en_route: the technicians tap "on the way" on arrival);
- `rework` {"step", "back_to", "share"}: that share of the orders leaving the step are sent back to
  an earlier one (scheduled -> requested, 25%: booked without what the visit needs);
- `overloaded_owner` {"owner", "days"}: the owner gets to their work only on those weekdays
  (0 = Monday; Wednesdays only): the orders they move on (out of `requested`, `on_hold`, `paid`)
  wait for the next of those days, so their SLAs are breached mostly, and they act on the daily
  review's items then too (few within a day, some never);
- `map_change` {"step", "factor", "at"}: version 2 of the map is published at `at` (default: the
  middle of the history, 10:00 on a working day) and the orders started on it spend `factor`
  times as long in the step (in_progress, 0.6).
`noop_change=True` publishes a version 2 that changes nothing but a label (a null map change).

The result, `History`: `orders` (chalicelib.data.models.OrderModel objects with `.history` set,
never saved), `versions` {(workflow_id, number): ProcessMap} (workflow "default", the demo's
installation kind), `review_items` (the daily reviews' flagged items as accountability records:
dicts with the fields of data.review_actions' record), `owners` (per owner, as the report's
`owners`: reviews.accountability.owner_records of those items over the window), `effects` (the
planted `Effect`s, with what the evaluation should say: `expected`), `window` (the whole history,
a reviews.figures.Window), `now` (the end), `calendar` (core.business_time.Calendar). Feed it to
`chalicelib.reviews.evaluation.judge(h.orders, h.versions, h.window, h.now, owners=h.owners,
calendar=h.calendar)`; `score(history, judged)` says what was found (`found`, `matches`) and what
no planted effect explains (`false_findings`, `explained`: a symptom of a planted cause is not
false), and `untrue_claims(judged)` which suggestions' words the figures do not hold.
"""
import copy
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from chalicelib.core.business_time import Calendar
from chalicelib.data.attributes import Address, Customer, LineItem, Move, Signature
from chalicelib.data.models import OrderModel
from chalicelib.reviews import accountability
from chalicelib.reviews.figures import Window
from chalicelib.workflow import process_map
from infra import demo_data

EFFECTS = ("bottleneck", "idle_step", "rework", "overloaded_owner", "map_change")
DEFAULTS = {
    "bottleneck": {"step": "requested", "factor": 60.0},
    "idle_step": {"step": "en_route"},
    "rework": {"step": "scheduled", "back_to": "requested", "share": 0.25},
    "overloaded_owner": {"owner": "dispatcher-1", "days": (2,)},
    "map_change": {"step": "in_progress", "factor": 0.6, "at": None},
}
WORKFLOW_ID = process_map.WORKFLOW_ID  # the installation kind is the demo's legacy kind
WORK_KIND = "installation"
ESTIMATE_KIND = "estimate"  # its maps are stored under its own key
TIMEZONE = demo_data.TIMEZONE
OPENING_HOURS = demo_data.BUSINESS["opening_hours"]
# England's bank holidays (gov.uk), 2025 to 2027.
HOLIDAYS = (
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
)
# Where effects can be planted: the steps whose time is drawn (a bottleneck, a map change), the
# step that can change nothing, the moves back the map allows.
TIMED_STEPS = ("requested", "en_route", "in_progress", "paid")
IDLE_STEPS = ("en_route",)
REWORK_MOVES = (("scheduled", "requested"), ("en_route", "scheduled"))
TECHNICIANS = ("tech-1", "tech-2", "tech-3")
OWNERS = {user_id: name for user_id, _, name, _ in demo_data.STAFF}
SLOTS = (time(8, 30), time(11, 30), time(14, 30))
EVENING_SHARE = 0.1  # requests made online after closing time
REVIEW_HOUR = 7  # the daily review runs at 07:00 local
MIN_VISITS = 20  # visits a step needs before its median says anything (reviews.evidence)
PUBLISHED_BY = "admin-1"
DEFAULT_START, DEFAULT_END = date(2026, 6, 1), date(2026, 8, 30)  # 13 weeks


@dataclass(frozen=True)
class Effect:
    """A planted effect: its name (EFFECTS), its options, and what the evaluation should say."""

    name: str
    options: dict

    @property
    def step(self) -> str | None:
        return self.options.get("step")

    @property
    def owner(self) -> str | None:
        return self.options.get("owner")

    @property
    def expected(self) -> str:
        """What finds it, in words shaped like a suggestion id (`kind:work_kind:step or owner`), or
        for a map change "experiment:<workflow>:1->2:<step>" (a `better` verdict on that step's
        median); `matches` is the rule itself."""
        if self.name == "bottleneck":
            return f"bottleneck:{WORK_KIND}:{self.step}"
        if self.name == "idle_step":
            return f"remove_step:{WORK_KIND}:{self.step}"
        if self.name == "rework":
            return f"add_check:{WORK_KIND}:{self.step}"
        if self.name == "overloaded_owner":
            return f"change_owner:{WORK_KIND}:{self.owner}"
        return f"experiment:{WORKFLOW_ID}:1->2:{self.step}"


@dataclass
class History:
    """A generated history (see the module docstring for each field)."""

    orders: list
    versions: dict
    review_items: list
    owners: list
    effects: tuple
    window: Window
    now: datetime
    calendar: Calendar
    seed: int
    notes: dict = field(default_factory=dict)  # counts: orders, open at the end, cancelled, on hold


def parse_effects(effects) -> tuple[Effect, ...]:
    """Effects as names, (name, options) pairs or a {name: options} mapping -> Effects."""
    if isinstance(effects, dict):
        pairs = list(effects.items())
    else:
        pairs = [(e, {}) if isinstance(e, str) else (e[0], e[1]) for e in effects]
    found = []
    for name, options in pairs:
        if name not in DEFAULTS:
            raise ValueError(f"unknown effect {name!r}; known: {', '.join(EFFECTS)}")
        found.append(Effect(name, {**DEFAULTS[name], **(options or {})}))
    if len({e.name for e in found}) != len(found):
        raise ValueError("each effect at most once")
    for e in found:
        if e.name in ("bottleneck", "map_change") and e.step not in TIMED_STEPS:
            raise ValueError(f"{e.name} on {e.step!r}: the steps whose time can be stretched are {', '.join(TIMED_STEPS)}")
        if e.name == "idle_step" and e.step not in IDLE_STEPS:
            raise ValueError(f"idle_step on {e.step!r}: the step that can be made idle is {', '.join(IDLE_STEPS)}")
        if e.name == "rework" and (e.step, e.options["back_to"]) not in REWORK_MOVES:
            raise ValueError(f"rework from {e.step!r} to {e.options['back_to']!r}: the moves back are "
                             + ", ".join(f"{a} -> {b}" for a, b in REWORK_MOVES))
    steps = {e.name: e.step for e in found}
    if steps.get("idle_step") and steps.get("idle_step") == steps.get("rework"):
        raise ValueError("an idle step sends nothing back: plant rework on another step")
    return tuple(found)


def calendar() -> Calendar:
    return Calendar(OPENING_HOURS, HOLIDAYS, ZoneInfo(TIMEZONE))


def installation_definition() -> dict:
    """The demo's installation map, `invoiced` waiting on the customer (the payment)."""
    document = copy.deepcopy(demo_data.PROCESS_MAP)
    for step in document["steps"]:
        if step["key"] == "invoiced":
            step["waits_on_customer"] = True
    return document


def _versions(effects: dict, start_at: datetime, change_at: datetime | None, noop_change: bool, judge_on: date | None):
    v1 = installation_definition()
    first = process_map.from_definition({**v1, "note": "The installation process, from first call to paid invoice."},
                                        1, start_at - timedelta(days=1), PUBLISHED_BY, WORKFLOW_ID, WORK_KIND)
    versions = {(WORKFLOW_ID, 1): first}
    if change_at is None:
        return versions
    v2 = copy.deepcopy(v1)
    if "map_change" in effects:
        key = effects["map_change"].step
        for step in v2["steps"]:
            if step["key"] == "scheduled":  # list what the job needs before the visit
                step["exit_conditions"] = sorted(set(step["exit_conditions"]) | {"has_line_items"})
        label = next(s["label"] for s in v2["steps"] if s["key"] == key)
        note = "List the parts and sizes before the visit (an exit condition on 'Scheduled'), so the job on site is quicker."
        expectation = {"text": f"Less time in '{label}'.", "step": key, "measure": "step_median_minutes",
                       "direction": "down", "judge_on": judge_on.isoformat() if judge_on else None}
    else:
        for step in v2["steps"]:
            if step["key"] == "paid":
                step["label"] = "Paid in full"
        note, expectation = "Renamed 'Paid' to 'Paid in full' (wording only).", None
    versions[(WORKFLOW_ID, 2)] = process_map.from_definition({**v2, "note": note, "expectation": expectation}, 2,
                                                             change_at, PUBLISHED_BY, WORKFLOW_ID, WORK_KIND)
    return versions


class _Simulation:
    """One history being made: the random stream, the technicians' booked slots, the counts."""

    def __init__(self, seed: int, start: date, last_day: date, now: datetime, effects: dict, technicians,
                 change_at: datetime | None, versions: dict):
        self.rng = random.Random(seed)
        self.seed = seed
        self.start, self.last_day, self.now = start, last_day, now
        self.effects, self.technicians = effects, tuple(technicians)
        self.cal = calendar()
        self.zone = self.cal.zone
        self.change_at = change_at
        self.versions = versions
        self.kind = WORK_KIND  # of the order being simulated: effects are planted in installations only
        self.booked: dict[tuple[str, date], set] = {}
        self.counts = {"orders": 0, "open": 0, "cancelled": 0, "on_hold": 0}
        self.pay_days = 11.0

    # --- random draws -----------------------------------------------------------------------------
    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.rng.gauss(0.0, sigma))

    def poisson(self, lam: float, rng: random.Random) -> int:
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    def business(self, at: datetime, minutes: float) -> datetime:
        return self.cal.add(at, max(0.5, minutes))

    # --- arrivals ---------------------------------------------------------------------------------
    def arrivals(self, per_week: float, rng: random.Random, kind: str = WORK_KIND) -> list[tuple[datetime, str, str]]:
        """Requests on open days in opening hours (Poisson), and one in ten online in the evening."""
        weekly = sum(self._open_minutes(self.start + timedelta(days=i)) for i in range(7)) or 1
        per_minute = per_week / weekly
        found = []
        day = self.start
        while day <= self.last_day:
            windows = self.cal.windows(day)
            for opens, closes in windows:
                minutes = (closes - opens).total_seconds() / 60
                for _ in range(self.poisson(per_minute * minutes * (1 - EVENING_SHARE), rng)):
                    found.append((opens + timedelta(minutes=rng.uniform(0, minutes)), rng.choice(("phone", "email"))))
            if windows and day.weekday() < 5:
                evening = datetime.combine(day, time(18), self.zone)
                for _ in range(self.poisson(per_week * EVENING_SHARE / 5, rng)):
                    found.append((evening + timedelta(minutes=rng.uniform(0, 240)), "online"))
            day += timedelta(days=1)
        return sorted((at.astimezone(timezone.utc), source, kind) for at, source in found)

    def _open_minutes(self, day: date) -> float:
        return sum((c - o).total_seconds() / 60 for o, c in self.cal.windows(day))

    # --- appointments -----------------------------------------------------------------------------
    def appointment(self, booked_at: datetime) -> tuple[str, datetime]:
        ahead = max(1, round(self.lognormal(3.0, 0.45)))
        day, working = booked_at.astimezone(self.zone).date(), 0
        while working < ahead:
            day += timedelta(days=1)
            if day.weekday() < 5 and self.cal.windows(day):
                working += 1
        while True:
            if day.weekday() < 5 and self.cal.windows(day):
                free = [(t, s) for t in self.technicians for s in SLOTS if s not in self.booked.get((t, day), set())]
                if free:
                    tech, slot = self.rng.choice(free)
                    self.booked.setdefault((tech, day), set()).add(slot)
                    return tech, datetime.combine(day, slot, self.zone).astimezone(timezone.utc)
            day += timedelta(days=1)

    def release(self, tech: str | None, at: datetime | None) -> None:
        if tech and at:
            local = at.astimezone(self.zone)
            self.booked.get((tech, local.date()), set()).discard(local.time().replace(tzinfo=None))

    # --- effects ----------------------------------------------------------------------------------
    def factor(self, step: str, mover: str | None, version: int) -> float:
        f = 1.0
        e = self.effects if self.kind == WORK_KIND else {}
        if "bottleneck" in e and e["bottleneck"].step == step:
            f *= e["bottleneck"].options["factor"]
        if "map_change" in e and version == 2 and e["map_change"].step == step:
            f *= e["map_change"].options["factor"]
        return f

    def when_owner_works(self, owner: str | None, moment: datetime) -> datetime:
        """`moment`, or for the overloaded owner the next time they get to their work: one of
        their days, in opening hours (a random moment of the working day)."""
        e = self.effects.get("overloaded_owner")
        if e is None or owner != e.owner:
            return moment
        days = tuple(e.options["days"])
        day = moment.astimezone(self.zone).date()
        for _ in range(60):
            windows = self.cal.windows(day)
            if day.weekday() in days and windows:
                opens, closes = windows[0][0], windows[-1][1]
                if closes > moment:
                    begin = max(opens, moment)
                    return begin + (closes - begin) * self.rng.uniform(0.0, 1.0)
            day += timedelta(days=1)
        return moment

    def idle(self, step: str) -> bool:
        return self.kind == WORK_KIND and "idle_step" in self.effects and self.effects["idle_step"].step == step

    def rework_share(self, step: str, back_to: str, base: float) -> float:
        e = self.effects.get("rework") if self.kind == WORK_KIND else None
        if e is not None and e.step == step and e.options["back_to"] == back_to:
            return e.options["share"]
        return base

    # --- one order --------------------------------------------------------------------------------
    def order(self, number: int, created: datetime, source: str, kind: str = WORK_KIND) -> OrderModel:
        self.kind = kind
        workflow_id = WORKFLOW_ID if kind == WORK_KIND else ESTIMATE_KIND
        version = 2 if kind == WORK_KIND and self.change_at is not None and created >= self.change_at else 1
        pm = self.versions[(workflow_id, version)]
        dispatcher = pm.step("requested").owner or "dispatcher-1"
        admin = pm.step("paid").owner if pm.has_step("paid") else "admin-1"
        creator = "system" if source == "online" else dispatcher
        moves = [Move(from_step=None, to_step="requested", by=creator, at=created, recorded_at=created)]
        state = {"tech": None, "appointment": None, "travel": None, "held_from": None}
        step, at = "requested", created
        while pm.step(step).next:
            target, when, by = self.next_move(step, at, state, version, dispatcher, admin)
            if when is None or when > self.now:
                break
            when = max(when, at + timedelta(seconds=1))
            moves.append(Move(from_step=step, to_step=target, by=by, at=when, recorded_at=when))
            if target == "on_hold":
                state["held_from"] = step
                self.counts["on_hold"] += 1
            if target == "cancelled":
                self.release(state["tech"], state["appointment"])
                self.counts["cancelled"] += 1
            step, at = target, when
        if pm.step(step).next:
            self.counts["open"] += 1
        return self.build(number, workflow_id, version, pm, moves, state, source)

    def next_move(self, step, at, state, version, dispatcher, admin):
        """(next step, when, by) for an order that entered `step` at `at`."""
        r = self.rng.random()
        if step == "requested":
            if r < 0.03:
                return "cancelled", self.business(at, self.lognormal(120, 1.0)), "customer"
            if r < 0.04:
                return "on_hold", self.business(at, self.lognormal(60, 0.8)), dispatcher
            when = self.business(at, self.lognormal(60, 0.8) * self.factor(step, dispatcher, version))
            when = self.when_owner_works(dispatcher, when)
            tech, appointment = self.appointment(when)
            state["tech"], state["appointment"] = tech, appointment
            state["travel"] = self.lognormal(25, 0.35)
            return "scheduled", when, dispatcher
        if step == "scheduled":
            span = (state["appointment"] - at).total_seconds()
            early = at + timedelta(seconds=span * self.rng.uniform(0.2, 0.9))
            rework = self.rework_share("scheduled", "requested", 0.02)
            if r < rework:
                self.release(state["tech"], state["appointment"])
                state["tech"] = state["appointment"] = None
                return "requested", early, dispatcher
            if r < rework + 0.015:
                return "cancelled", early, "customer"
            if r < rework + 0.03:
                return "on_hold", early, dispatcher
            travel = self.lognormal(2.0, 0.4) if self.idle("en_route") else state["travel"]
            state["travel"] = travel
            return "en_route", state["appointment"] - timedelta(minutes=travel), state["tech"]
        if step == "en_route":
            arrive = at + timedelta(minutes=state["travel"] * self.factor(step, None, version))
            if not self.idle("en_route"):
                if r < self.rework_share("en_route", "scheduled", 0.02):  # nobody in: booked again
                    when = arrive + timedelta(minutes=self.rng.uniform(5, 20))
                    self.release(state["tech"], state["appointment"])
                    state["tech"], state["appointment"] = self.appointment(when)
                    state["travel"] = self.lognormal(25, 0.35)
                    return "scheduled", when, state["tech"]
                if r < self.rework_share("en_route", "scheduled", 0.02) + 0.01:
                    return "on_hold", arrive + timedelta(minutes=self.rng.uniform(5, 20)), state["tech"]
            return ("in_progress" if self.kind == WORK_KIND else "on_site"), arrive, state["tech"]
        if step == "in_progress":
            work = self.lognormal(180, 0.3) * self.factor(step, None, version)
            if r < 0.03:
                return "on_hold", at + timedelta(minutes=work * self.rng.uniform(0.2, 0.8)), state["tech"]
            return "completed", at + timedelta(minutes=work), state["tech"]
        if step == "completed":
            return "invoiced", at + timedelta(minutes=self.rng.uniform(0.2, 3.0)), "system"
        if step == "invoiced":
            return "paid", at + timedelta(days=self.lognormal(self.pay_days, 0.45)), "system"
        if step == "paid":
            when = self.business(at, self.lognormal(240, 0.8) * self.factor(step, admin, version))
            return "closed", self.when_owner_works(admin, when), admin
        if step == "on_site":  # measured; the quote goes out within office time
            if r < 0.02:
                return "on_hold", at + timedelta(minutes=self.lognormal(45, 0.3)), state["tech"]
            return "quoted", self.business(at + timedelta(minutes=self.lognormal(60, 0.3)), self.lognormal(180, 0.8)), state["tech"]
        if step == "quoted":  # the customer's answer
            answer = at + timedelta(days=self.lognormal(4, 0.6))
            return ("won" if r < 0.4 else "lost"), answer, "customer"
        if step in ("won", "lost"):
            return "closed", self.business(at, self.lognormal(120, 0.8)), dispatcher
        if step == "on_hold":
            back = state["held_from"]
            when = at + timedelta(minutes=self.lognormal(1440, 0.6) * self.factor(step, dispatcher, version))
            when = self.when_owner_works(dispatcher, when)
            if r < 0.2:
                self.release(state["tech"], state["appointment"])
                return "cancelled", when, dispatcher
            if back in ("scheduled", "en_route"):  # booked again
                self.release(state["tech"], state["appointment"])
                tech, appointment = self.appointment(when)
                state["tech"], state["appointment"] = tech, appointment
                state["travel"] = self.lognormal(25, 0.35)
                return "scheduled", when, dispatcher
            return back, when, dispatcher
        raise ValueError(f"no behaviour for step {step!r}")

    def build(self, number: int, workflow_id: str, version: int, pm, moves: list, state: dict, source: str) -> OrderModel:
        last = moves[-1]
        rng = self.rng
        price = rng.choice((42000, 89000, 145000))
        reached = {m.to_step for m in moves}
        survey = workflow_id == ESTIMATE_KIND
        order = OrderModel(
            f"WO-H{self.seed:03d}-{number:05d}", workflow_id=workflow_id, workflow_version=version, kind=self.kind,
            step=last.to_step, step_entered_at=last.at, created_at=moves[0].at, updated_at=last.at,
            created_by=moves[0].by, source=source,
            customer=Customer(name=f"Customer {number}", email=f"customer{number}@example.net", phone=None),
            customer_id=None, address=Address(street=f"{number} High Street", city="Bristol", postcode="BS1 4DJ"),
            service_id="survey" if survey else "window-install",
            service_name="Measure and quote visit" if survey else "Window installation",
            technician_id=state["tech"],
            appointment_start=state["appointment"],
            appointment_end=state["appointment"] + timedelta(hours=1 if survey else 3) if state["appointment"] else None,
            line_items=[LineItem(item_id="window-casement", description="Casement window, supply and fit",
                                 quantity=1, unit_price_cents=price)] if "completed" in reached else [],
        )
        if "completed" in reached:
            signed = next(m.at for m in moves if m.to_step == "completed")
            order.signature = Signature(signature_id=f"SG-{number}", s3_key=f"signatures/{number}.png",
                                        signed_by=f"Customer {number}", captured_by=state["tech"] or "tech-1", at=signed)
        order.history = moves
        step = pm.step(last.to_step)
        if step.is_end:
            order.closed_month = last.at.astimezone(timezone.utc).strftime("%Y-%m")
        else:
            order.open_step = step.key
            if step.sla_minutes and not step.waits_on_customer:
                order.sla_due_at = self.cal.due(last.at, step.sla_minutes, step.sla_clock)
        return order

    # --- the daily reviews' items -----------------------------------------------------------------
    def review_items(self, orders: list) -> list[dict]:
        """Each visit past its SLA at a daily review (07:00 local) becomes an item of its step's
        owner, tracked as the accountability record does: first flagged, acted on (acknowledged,
        snoozed, or the order moved on), escalated (still flagged at the third review), resolved."""
        items = []
        overloaded = self.effects.get("overloaded_owner")
        limit = 3
        for order in orders:
            pm = self.versions[(order.workflow_id, int(order.workflow_version))]
            moves = [m for m in order.history if m.from_step != m.to_step]
            for i, move in enumerate(moves):
                step = pm.step(move.to_step)
                if step.is_end or step.interruption or not step.sla_minutes or step.waits_on_customer:
                    continue
                left = moves[i + 1].at if i + 1 < len(moves) else None
                if left is not None and left - move.at <= timedelta(minutes=step.sla_minutes):
                    continue  # met on any clock (business time is never ahead of the calendar)
                due = self.cal.due(move.at, step.sla_minutes, step.sla_clock)
                flagged = self._review_after(due)
                if flagged > self.now or (left is not None and left <= flagged):
                    continue
                owner = step.owner
                r = self.rng.random()
                if overloaded is not None and owner == overloaded.owner:  # on their days, if at all
                    acted = self.when_owner_works(owner, flagged) if r < 0.7 else None
                elif r < 0.85:
                    acted = flagged + timedelta(hours=self.rng.uniform(0.3, 20))
                elif r < 0.94:
                    acted = flagged + timedelta(hours=self.rng.uniform(26, 120))
                else:
                    acted = None
                moved = left
                first_action = min((t for t in (acted, moved) if t is not None), default=None)
                if first_action is not None and first_action > self.now:
                    first_action = None
                resolution = None
                if first_action is not None:
                    resolution = "order_moved" if first_action == moved else self.rng.choice(("acknowledged", "snoozed"))
                days = 1 + int(((first_action or self.now) - flagged).total_seconds() // 86400)
                escalated = flagged + timedelta(days=limit - 1) if days >= limit else None
                items.append({
                    "item_key": f"sla_breach:{order.order_id}:{step.key}", "kind": "sla_breach", "owner": owner,
                    "step": step.key, "work_kind": WORK_KIND, "order_id": order.order_id,
                    "first_flagged_at": flagged, "last_flagged_at": flagged + timedelta(days=days - 1),
                    "days_flagged": days, "first_action_at": first_action, "escalated_at": escalated,
                    "resolved_at": first_action, "resolution": resolution,
                    "flagged_month": flagged.astimezone(timezone.utc).strftime("%Y-%m"),
                })
        return sorted(items, key=lambda i: (i["first_flagged_at"], i["item_key"]))

    def _review_after(self, moment: datetime) -> datetime:
        local = moment.astimezone(self.zone)
        review = datetime.combine(local.date(), time(REVIEW_HOUR), self.zone)
        if review < local:
            review += timedelta(days=1)
        return review.astimezone(timezone.utc)


def _as_now(end, zone) -> tuple[date, datetime]:
    if isinstance(end, datetime):
        if end.tzinfo is None:
            raise ValueError("end must be timezone-aware")
        return end.astimezone(zone).date(), end.astimezone(timezone.utc)
    return end, datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(timezone.utc)


def _change_moment(start: date, last_day: date, zone, cal: Calendar, at) -> datetime:
    if at is not None:
        return at.astimezone(timezone.utc)
    day = start + (last_day - start) / 2
    while not (day.weekday() < 5 and cal.windows(day)):
        day += timedelta(days=1)
    return datetime.combine(day, time(10), zone).astimezone(timezone.utc)


def generate(seed: int = 1, start: date | None = None, end: date | datetime | None = None, *, effects=(),
             orders_per_week: float = 25, estimates_per_week: float = 0, technicians=TECHNICIANS,
             owners: dict | None = None, noop_change: bool = False, finished_only: bool = False,
             versions: dict | None = None, unavailable=(), pay_days: float = 11) -> History:
    """A seeded history of installation orders from local date `start` to `end` (a local date,
    included: the history runs to its end; or an aware datetime: now). See the module docstring
    for the process simulated, the effects and the result. `owners`: names by staff id for the
    owners' records (default: the demo's staff). `estimates_per_week`: estimates too (the demo's
    estimate map: measured on site, quoted, won or lost; no effect is planted in them).
    For a demo: `finished_only` keeps only the orders that reached the map's end (closed; not the
    ones still open at the end, nor the cancelled: nothing a stream would act on); `versions`
    gives the installation maps to follow ({(WORKFLOW_ID, 1): ProcessMap, (WORKFLOW_ID, 2): ...},
    e.g. the stored ones), version 2 from its `published_at` (a `map_change` effect then plants its
    factor in the orders started on it); `unavailable`: (technician, local date) pairs on which no
    visit is booked (days another calendar holds); `pay_days`: the customers' median days to pay
    an invoice (11: 14 days' terms; a business paid by card on the day pays in a fraction of one)."""
    start = start or DEFAULT_START
    end = end or DEFAULT_END
    cal = calendar()
    zone = cal.zone
    last_day, now = _as_now(end, zone)
    if last_day < start:
        raise ValueError("end is before start")
    planted = parse_effects(effects)
    by_name = {e.name: e for e in planted}
    start_at = datetime.combine(start, time(0), zone).astimezone(timezone.utc)
    change_at = None
    if versions is not None:
        versions = dict(versions)
        if (WORKFLOW_ID, 2) in versions:
            change_at = versions[(WORKFLOW_ID, 2)].published_at.astimezone(timezone.utc)
    else:
        if "map_change" in by_name or noop_change:
            change_at = _change_moment(start, last_day, zone, cal, by_name.get("map_change", Effect("", {})).options.get("at"))
        judge_on = (change_at + (now - change_at) * 0.8).astimezone(zone).date() if change_at else None
        versions = _versions(by_name, start_at, change_at, noop_change, judge_on)
    if estimates_per_week:
        versions[(ESTIMATE_KIND, 1)] = process_map.from_definition(
            {**demo_data.ESTIMATE_MAP, "note": "The estimate process."}, 1, start_at - timedelta(days=1), PUBLISHED_BY,
            ESTIMATE_KIND, ESTIMATE_KIND)
    sim = _Simulation(seed, start, last_day, now, by_name, technicians, change_at, versions)
    sim.pay_days = pay_days
    arrivals = sim.arrivals(orders_per_week, sim.rng)
    if estimates_per_week:
        arrivals = sorted(arrivals + sim.arrivals(estimates_per_week, random.Random(seed * 7919 + 1), ESTIMATE_KIND))
    for tech, day in unavailable:
        sim.booked[(tech, day)] = set(SLOTS)
    orders = [sim.order(i + 1, at, source, kind) for i, (at, source, kind) in enumerate(arrivals)]
    if finished_only:
        orders = [o for o in orders if _finished(versions[(o.workflow_id, int(o.workflow_version))], o)]
    sim.counts["orders"] = len(orders)
    items = sim.review_items(orders)
    window = Window(start, last_day, zone)
    names = {**OWNERS, **(owners or {})}
    records = accountability.owner_records(items, window, names, now)
    return History(orders, versions, items, records, planted, window, now, cal, seed, dict(sim.counts))


def _finished(pm, order) -> bool:
    step = pm.step(order.step)
    return step.is_end and not step.interruption


# --- scoring what the evaluation said -------------------------------------------------------------

def _owner_steps(history: History, owner: str) -> set[str]:
    return {s.key for pm in history.versions.values() for s in pm.steps if s.owner == owner}


def _owner_of(history: History, step: str) -> str | None:
    pm = history.versions[(WORKFLOW_ID, 1)]
    return pm.step(step).owner if pm.has_step(step) else None


def matches(effect: Effect, suggestion: dict) -> bool:
    """Whether `suggestion` (a judge() suggestion) is the one that finds `effect`: its kind on the
    planted step (a rework's check: on the step sent back from, or the one sent back to), or for
    the overloaded owner a `change_owner` naming that owner (for their steps' breaches or for
    their review record)."""
    kind, step, owner = suggestion.get("kind"), suggestion.get("step"), suggestion.get("owner")
    if effect.name == "overloaded_owner":  # overloaded in every kind of work they own steps of
        return kind == "change_owner" and owner == effect.owner
    if suggestion.get("work_kind") not in (WORK_KIND, None):  # effects are planted in installations
        return False
    if effect.name == "bottleneck":
        return kind == "bottleneck" and step == effect.step
    if effect.name == "idle_step":
        return kind == "remove_step" and step == effect.step
    if effect.name == "rework":
        return kind == "add_check" and step in (effect.step, effect.options["back_to"])
    return False


def explained(history: History, effect: Effect, suggestion: dict) -> bool:
    """Whether `suggestion` is not false when `effect` is planted: it finds it, or it is a symptom
    of the same cause (an SLA breached in the bottleneck, or in an overloaded owner's steps; the
    bottleneck's owner asked to share it; an idle step's SLA far looser than its minutes)."""
    if matches(effect, suggestion):
        return True
    kind, step, owner = suggestion.get("kind"), suggestion.get("step"), suggestion.get("owner")
    if effect.name == "overloaded_owner":
        mine = _owner_steps(history, effect.owner)
        return kind in ("change_sla", "bottleneck", "change_owner") and (step in mine or owner == effect.owner)
    if suggestion.get("work_kind") not in (WORK_KIND, None):
        return False
    if effect.name == "bottleneck":
        return (kind == "change_sla" and step == effect.step) or (
            kind == "change_owner" and (step == effect.step or owner == _owner_of(history, effect.step)))
    if effect.name == "idle_step":
        return kind == "change_sla" and step == effect.step
    return False


def found(effect: Effect, judged: dict) -> bool:
    """Whether the evaluation's answer (judge()'s) finds the planted effect: a matching
    suggestion, or for a map change a `better` verdict on the changed step's median in the
    experiment of version 2 against version 1."""
    if effect.name == "map_change":
        for e in judged.get("experiments") or []:
            if e.get("workflow_id") == WORKFLOW_ID and (e.get("from_version"), e.get("to_version")) == (1, 2):
                return any(m.get("measure") == "step_median_minutes" and m.get("step") == effect.step
                           and m.get("verdict") == "better" for m in e.get("measures") or [])
        return False
    return any(matches(effect, s) for s in judged.get("suggestions") or [])


def false_findings(history: History, judged: dict) -> list[str]:
    """What the evaluation said that no planted effect explains: suggestions (by id) and
    `better`/`worse` verdicts of experiments (but the planted map change's `better` on its step
    and on the cycle time, which it shortens)."""
    wrong = [s.get("id") or f"{s.get('kind')}:{s.get('work_kind')}:{s.get('step') or s.get('owner')}"
             for s in judged.get("suggestions") or []
             if not any(explained(history, e, s) for e in history.effects)]
    change = next((e for e in history.effects if e.name == "map_change"), None)
    for e in judged.get("experiments") or []:
        for m in e.get("measures") or []:
            verdict = m.get("verdict")
            if verdict not in ("better", "worse"):
                continue
            if change is not None and verdict == "better" and (
                    (m.get("measure") == "step_median_minutes" and m.get("step") == change.step)
                    or m.get("measure") == "cycle_time_hours"):
                continue
            wrong.append(f"experiment:{e.get('workflow_id')}:{e.get('from_version')}->{e.get('to_version')}:"
                         f"{m.get('measure')}:{m.get('step')}:{verdict}")
        if e.get("verdict") in ("better", "worse") and change is None:
            wrong.append(f"experiment:{e.get('workflow_id')}:{e.get('from_version')}->{e.get('to_version')}:"
                         f"verdict:{e.get('verdict')}")
    return wrong


def untrue_claims(judged: dict) -> list[str]:
    """Suggestions whose words say more than their kind's figures hold: "Orders wait longest in X"
    while another step (not one waiting on the customer, not one only the system leaves) has a
    longer median."""
    wrong = []
    for s in judged.get("suggestions") or []:
        if s.get("kind") != "bottleneck" or "wait longest in" not in (s.get("text") or ""):
            continue
        rows = judged.get("kinds", {}).get(s.get("work_kind"), [])
        mine = next((r for r in rows if r["step"] == s["step"]), None)
        longer = [r["step"] for r in rows if mine and r["step"] != s["step"] and not r["end_step"]
                  and not r.get("interruption") and not r.get("waits_on_customer")
                  and r.get("left_by_system", 0) < r["left"] and r["left"] >= MIN_VISITS
                  and (r["median_minutes"] or 0) > mine["median_minutes"]]
        if longer:
            wrong.append(f"{s['id']}: says orders wait longest there ({mine['median_minutes']} min), but "
                         f"{', '.join(longer)} has a longer median: say 'the longest wait beyond its promise'")
    return wrong


def score(history: History, judged: dict) -> dict:
    """{"planted", "found", "missed": [what was expected], "false": [false_findings]}."""
    hits = [e for e in history.effects if found(e, judged)]
    return {"planted": len(history.effects), "found": len(hits),
            "missed": [e.expected for e in history.effects if e not in hits], "false": false_findings(history, judged)}
