"""Accountable reviews: every item the daily review flags is tracked until it is resolved, and the
evaluation reports, per owner, what was done about their items and, per check, whether it ran and
was read.

The record of an item is its review action record (`data.review_actions`, one per item key):
the daily run calls `record_day` with its report, which records every flagged item
(`record_flagged`) and resolves the open records it no longer flags (`record_resolved`); the
review inbox's acknowledge and snooze call `note_action`. Every write is a conditional put (on the
record's version) of a record read strongly consistent, and a daily review's local date counts
once per record (`last_flagged_day`), so a run retried or delivered twice counts nothing twice.

Reads: by the `by-flagged-month` index, the open records (its "open" partition) and those of a
period (one Query per month the period touches, and the open partition for the same dates); the
stored runs by key (BatchGetItem).
"""
from datetime import datetime, timedelta, timezone
from statistics import median

from pynamodb.exceptions import PutError

from chalicelib.data import batch
from chalicelib.data.models import OrderModel, ReviewModel
from chalicelib.data.review_actions import OPEN, ReviewActionModel
from chalicelib.reviews import archive, periods
from chalicelib.reviews.figures import Window
from chalicelib.reviews.periods import DAILY

WRITE_ATTEMPTS = 5
ACT_WITHIN = timedelta(days=1)  # "acted on within a day" of first being flagged
CHECKED_PERIODS = ("daily", "weekly", "monthly")
NO_OWNER = "No owner (the admins)"


# --- writing the records -----------------------------------------------------------------------

def _month(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m")


def apply_flag(record: ReviewActionModel, item: dict, day: str, now: datetime) -> bool:
    """Record on `record` (in memory) that the daily review of local date `day` flagged `item` at
    `now`; False when that review was counted already (nothing changed). An item flagged again
    after the problem went away (or the order moved) is open again; one a person acknowledged
    or snoozed stays resolved that way (its owner acted)."""
    if record.last_flagged_day is not None and record.last_flagged_day >= day:
        return False
    record.kind = item.get("kind") or record.kind
    record.owner = item.get("owner")
    record.step = item.get("step") or record.step
    record.work_kind = item.get("work_kind") or record.work_kind
    record.order_id = item.get("order_id") or record.order_id
    if record.first_flagged_at is None:
        record.first_flagged_at = now
    record.last_flagged_at = now
    record.last_flagged_day = day
    record.days_flagged = int(record.days_flagged or 0) + 1
    if item.get("escalated") and record.escalated_at is None:
        record.escalated_at = now
    if record.resolution in ("order_moved", "gone"):
        record.resolved_at, record.resolution = None, None
    record.month_key = _month(record.first_flagged_at) if record.resolution else OPEN
    record.updated_at = now
    return True


def apply_resolution(record: ReviewActionModel, resolution: str, at: datetime, acted_at: datetime | None) -> bool:
    """Resolve an open `record` (in memory) at `at`; `acted_at`: when a person acted on it
    (acknowledged, snoozed, moved or changed the order), the record's first action unless one
    came earlier; None when nobody did. False when nothing changed."""
    changed = False
    if acted_at is not None and (record.first_action_at is None or acted_at < record.first_action_at):
        record.first_action_at = acted_at
        changed = True
    if record.resolution is None:
        record.resolved_at, record.resolution = at, resolution
        record.month_key = _month(record.first_flagged_at or at)
        changed = True
    return changed


def note_action(record: ReviewActionModel, action: str, now: datetime) -> None:
    """What the inbox calls on an acknowledgement (`action` "acknowledged") or a snooze
    ("snoozed") before it saves the record: the first action, and the item resolved so."""
    apply_resolution(record, action, now, now)


def _save_each(keys: list[str], change) -> int:
    """For each key: read its record (BatchGetItem, consistent; a new one when there is none),
    apply `change(record)` (True when it changed something) and save it conditional on the
    version read; on a conflict read that one again. The number of records written."""
    written, pending = 0, list(dict.fromkeys(keys))
    for _ in range(WRITE_ATTEMPTS):
        if not pending:
            break
        found = batch.batch_get([(ReviewActionModel, k, None) for k in pending])
        retry = []
        for key in pending:
            record = found.get((ReviewActionModel, key, None)) or ReviewActionModel(key)
            if not change(record):
                continue
            try:
                record.save()
                written += 1
            except PutError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
                retry.append(key)
        pending = retry
    return written


def record_flagged(items: list[dict], day: str, now: datetime) -> int:
    """Record that the daily review of local date `day` ("YYYY-MM-DD") flagged `items` (the
    report's item dicts: `key`, `kind`, `order_id`, `step`, `owner`, `work_kind`, `escalated`)
    at `now` (a timezone-aware time; the demo loader passes its own). Idempotent per `day`: the
    number of records changed (0 when this day was recorded already)."""
    by_key = {i["key"]: i for i in items}
    return _save_each(list(by_key), lambda record: apply_flag(record, by_key[record.item_key], day, now))


def _order_moved_at(record: ReviewActionModel, order: OrderModel | None, now: datetime) -> datetime | None:
    """When the item's order left the item's step (None when it has not)."""
    if order is None or record.step is None:
        return None
    entered = order.step_entered_at
    first = record.first_flagged_at
    if order.step == record.step and (entered is None or first is None or entered <= first):
        return None
    if entered is None:
        return now
    return min(max(entered, record.first_flagged_at or entered), now)


def _order_changed_at(record: ReviewActionModel, order: OrderModel | None, now: datetime) -> datetime | None:
    """When the item's order was last changed, if after the item was last flagged (a technician
    assigned, an appointment moved): someone acted on it."""
    changed = order.updated_at if order is not None else None
    if changed is None or record.last_flagged_at is None or not (record.last_flagged_at < changed <= now):
        return None
    return changed


def record_resolved(still_flagged: set[str] | list[str], day: str, now: datetime) -> int:
    """Resolve every open record that the daily review of local date `day` no longer flags
    (`still_flagged`: the keys it does flag): "order_moved" (at the time the order left the step,
    counted as its owner's action) when its order is in another step now, else "gone" (at `now`;
    an action at the order's last change when it changed after the item was last flagged).
    Reads the open records (the index's "open" partition) and their orders by key; records
    flagged on `day` itself are left alone. The number resolved."""
    keep = set(still_flagged)
    candidates = [r for r in ReviewActionModel.by_flagged_month.query(OPEN)
                  if r.item_key not in keep and (r.last_flagged_day or "") < day]
    if not candidates:
        return 0
    order_ids = sorted({r.order_id for r in candidates if r.order_id})
    found = batch.batch_get([(OrderModel, i, None) for i in order_ids]) if order_ids else {}
    orders = {k[1]: v for k, v in found.items()}

    def change(record: ReviewActionModel) -> bool:
        if record.month_key != OPEN or record.item_key in keep:
            return False
        order = orders.get(record.order_id)
        moved = _order_moved_at(record, order, now)
        if moved is not None:
            return apply_resolution(record, "order_moved", moved, moved)
        return apply_resolution(record, "gone", now, _order_changed_at(record, order, now))

    return _save_each([r.item_key for r in candidates], change)


def record_day(report: dict, now: datetime) -> dict:
    """What the daily run calls with its stored report: every flagged item recorded, the open
    records it no longer flags resolved (not when the report left items out: it cannot tell
    then). {"flagged": records changed, "resolved": n}."""
    items = report.get("items") or []
    flagged = record_flagged(items, report["date"], now)
    resolved = 0 if report.get("items_omitted") else record_resolved({i["key"] for i in items}, report["date"], now)
    return {"flagged": flagged, "resolved": resolved}


# --- per owner ----------------------------------------------------------------------------------

def _get(record, name):
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def _at(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def owner_records(records, window: Window, names: dict, now: datetime) -> list[dict]:
    """Per owner, what happened to the items first flagged in `window` (records: review action
    records, or dicts with the same fields; `names`: staff names by id). An item counts as acted
    on when a person acknowledged or snoozed it or moved its order on; `untouched` ones had none
    of these (some went away by themselves). Owners by most items first."""
    start, end = window.start, window.end
    per: dict = {}
    for record in records:
        first = _at(_get(record, "first_flagged_at"))
        if first is None or not (start <= first < end) or first > now:
            continue
        per.setdefault(_get(record, "owner"), []).append(record)
    answer = []
    for owner, group in per.items():
        hours = []
        for record in group:
            acted = _at(_get(record, "first_action_at"))
            if acted is not None and acted <= now:
                hours.append(max(0.0, (acted - _at(_get(record, "first_flagged_at"))).total_seconds() / 3600))
        within = sum(1 for h in hours if h <= ACT_WITHIN.total_seconds() / 3600)
        resolved = sum(1 for r in group if _at(_get(r, "resolved_at")) is not None and _at(_get(r, "resolved_at")) <= now)
        flagged = len(group)
        answer.append({
            "owner": owner,
            "name": names.get(owner) or (owner if owner else NO_OWNER),
            "flagged": flagged,
            "acted_within_day": within,
            "acted_later": len(hours) - within,
            "escalated": sum(1 for r in group if _at(_get(r, "escalated_at")) is not None),
            "untouched": flagged - len(hours),
            "resolved": resolved,
            "still_open": flagged - resolved,
            "median_hours_to_act": round(median(hours), 1) if hours else None,
            "percent_acted_within_day": round(100 * within / flagged, 1),
        })
    return sorted(answer, key=lambda o: (-o["flagged"], o["name"]))


def _months(window: Window) -> list[str]:
    first, last = window.start.astimezone(timezone.utc), (window.end - timedelta(microseconds=1)).astimezone(timezone.utc)
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def window_records(window: Window) -> list[ReviewActionModel]:
    """The records first flagged in `window`: one Query of `by-flagged-month` per month it touches
    (the resolved ones) and one of its "open" partition (those still open), each on the dates."""
    found = []
    dates = ReviewActionModel.first_flagged_at.between(window.start, window.end - timedelta(microseconds=1))
    for key in _months(window) + [OPEN]:
        found += list(ReviewActionModel.by_flagged_month.query(key, dates))
    return found


def owners(window: Window, now: datetime) -> list[dict]:
    """The report's `owners`: `owner_records` of the items first flagged in `window`."""
    records = window_records(window)
    return owner_records(records, window, archive.people_by_id({r.owner for r in records}), now)


# --- whether each check ran and was read --------------------------------------------------------

def expected_runs(name: str, window: Window, now: datetime) -> list[str]:
    """The stored dates (`ReviewModel.date`: each period's first day) of the `name` runs due in
    `window` by `now`: a daily check every day, a weekly review every Monday (of the week before),
    a monthly one on each first of the month (of the month before)."""
    dates = []
    for day in window.days():
        if name != DAILY and periods.first_day_of(name, day) != day:
            continue
        period = periods.period_to_review(name, day, window.zone)
        if period.due <= now:
            dates.append(period.date)
    return dates


def checks_record(window: Window, now: datetime) -> list[dict]:
    """The report's `checks`: per check (daily, weekly, monthly), how many runs were due in
    `window`, how many ran (a finished stored run) and how many a person opened, with the dates
    missed and unread. The runs are read by key (BatchGetItem, 100 a call)."""
    expected = {name: expected_runs(name, window, now) for name in CHECKED_PERIODS}
    keys = [(ReviewModel, name, day) for name, days in expected.items() for day in days]
    found = batch.batch_get(keys) if keys else {}
    answer = []
    for name in CHECKED_PERIODS:
        reviews = [found.get((ReviewModel, name, day)) for day in expected[name]]
        ran = [r for r in reviews if r is not None and r.status == "done"]
        read = [r for r in ran if r.read_at is not None]
        answer.append({
            "period": name, "expected": len(expected[name]), "ran": len(ran), "read": len(read),
            "missed": [day for day, r in zip(expected[name], reviews) if r is None or r.status != "done"],
            "unread": [r.date for r in ran if r.read_at is None],
        })
    return answer
