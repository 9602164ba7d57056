"""Acknowledging and snoozing the items a daily review flagged, and reading what was done.

The records live in the review actions table (`data.review_actions`), one per item key. An item's
key is the same every day the daily check finds the same problem, so a snooze holds across the
next days' reviews until its date; an acknowledgement answers for one review. Both are
idempotent: a second click finds the action recorded and changes nothing. The first of them is
the item's first action and resolves its accountability record (`reviews.accountability`).
"""
from datetime import date, datetime, timedelta

from pynamodb.exceptions import PutError

from chalicelib.core import times
from chalicelib.core.errors import Conflict
from chalicelib.core.validation import Fields, parse_date
from chalicelib.data import batch
from chalicelib.data.review_actions import MAX_ACKNOWLEDGED, MAX_LOG, ReviewActionModel
from chalicelib.reviews import accountability

MAX_SNOOZE_DAYS = 366
MAX_REASON = 500
WRITE_ATTEMPTS = 5


def review_ref(period: str, day: str) -> str:
    return f"{period}/{day}"


def records(keys) -> dict[str, ReviewActionModel]:
    """The action records of these item keys (one BatchGetItem per 100), by key."""
    found = batch.batch_get([(ReviewActionModel, key, None) for key in dict.fromkeys(keys)])
    return {record.item_key: record for record in found.values()}


def active_snooze(record: ReviewActionModel | None, today: date) -> dict | None:
    """The record's snooze while it holds: until the day before its `until` date (on that date
    the item is back)."""
    snooze = record.snooze if record is not None else None
    if snooze and date.fromisoformat(snooze["until"]) > today:
        return snooze
    return None


def state(record: ReviewActionModel | None, review: str, today: date) -> dict:
    """{"state": open|acknowledged|snoozed, "acknowledged": {by, at} or None, "snooze": ... or
    None} of one item in `review` as of local date `today`."""
    acknowledged = (record.acknowledged or {}).get(review) if record is not None else None
    snooze = active_snooze(record, today)
    name = "snoozed" if snooze else "acknowledged" if acknowledged else "open"
    return {"state": name, "acknowledged": acknowledged, "snooze": snooze}


def awake(items: list[dict], today: date) -> list[dict]:
    """The items not snoozed on `today`."""
    if not items:
        return []
    found = records(i["key"] for i in items)
    return [i for i in items if active_snooze(found.get(i["key"]), today) is None]


def read_snooze(body: dict, today: date) -> tuple[str, str]:
    """(until, reason) from a snooze request: a local date after today (at most MAX_SNOOZE_DAYS
    ahead) and a reason; 422 naming each wrong field."""
    fields = Fields(body)
    raw_until = fields.text("until", 10)
    reason = fields.text("reason", MAX_REASON, multiline=True)
    until = None
    if raw_until is not None:
        try:
            until = parse_date(raw_until)
        except ValueError:
            fields.error("until", "must be a date, YYYY-MM-DD")
    if until is not None and until <= today:
        fields.error("until", f"must be after today ({today.isoformat()})")
    elif until is not None and until > today + timedelta(days=MAX_SNOOZE_DAYS):
        fields.error("until", f"must be at most {MAX_SNOOZE_DAYS} days ahead")
    fields.raise_if_errors("The snooze is not valid.")
    return until.isoformat(), reason


def _write(item: dict, change) -> ReviewActionModel:
    """Read the item's record (or start one), apply `change` (it returns the log entry, or None
    when there is nothing to do) and save it conditional on the version read; read again when
    someone wrote in between."""
    for _ in range(WRITE_ATTEMPTS):
        try:
            record = ReviewActionModel.get(item["key"], consistent_read=True)
        except ReviewActionModel.DoesNotExist:
            record = ReviewActionModel(item["key"], order_id=item.get("order_id"))
        entry = change(record)
        if entry is None:
            return record
        record.log = (list(record.log or []) + [entry])[-MAX_LOG:]
        try:
            record.save()
            return record
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    raise Conflict("This review item was changed by someone else meanwhile; try again.", {"key": item["key"]})


def acknowledge(item: dict, review: str, user_id: str, now: datetime) -> ReviewActionModel:
    """Record that `user_id` acknowledged the item in `review`; the first acknowledgement stands."""
    at = times.iso(now)

    def change(record):
        acknowledged = dict(record.acknowledged or {})
        if review in acknowledged:
            return None
        acknowledged[review] = {"by": user_id, "at": at}
        record.acknowledged = dict(sorted(acknowledged.items())[-MAX_ACKNOWLEDGED:])
        record.updated_at = now
        accountability.note_action(record, "acknowledged", now)
        return {"action": "acknowledge", "by": user_id, "at": at, "review": review}

    return _write(item, change)


def snooze(item: dict, review: str, until: str, reason: str, user_id: str, now: datetime) -> ReviewActionModel:
    """Snooze the item until `until` (a local date) with a reason. The same snooze again (a double
    click) changes nothing; a different one replaces it, and both stay in the log."""
    at = times.iso(now)

    def change(record):
        current = record.snooze or {}
        if (current.get("until"), current.get("reason"), current.get("by")) == (until, reason, user_id):
            return None
        record.snooze = {"until": until, "reason": reason, "by": user_id, "at": at, "review": review}
        record.updated_at = now
        accountability.note_action(record, "snoozed", now)
        return {"action": "snooze", "by": user_id, "at": at, "review": review, "until": until, "reason": reason}

    return _write(item, change)
