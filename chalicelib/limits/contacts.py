"""Upcoming online bookings per customer contact: at most a few per email address and per phone
number at once, so one person (or a bot using their details) cannot fill the calendars.

Each contact has a ledger item in the counters table, `entries` {order id: appointment start},
read with the booking's other items (one BatchGetItem) and written in the booking's own
transaction, conditional on the revision read: of two bookings racing for a contact's last
place one commits and the other reads again and is refused. Upcoming means an appointment in the
future in an order that is not in an end step (cancelled, closed). Cancelling needs no write
here: when a ledger is full its orders are read (one BatchGetItem, by key) and those cancelled,
moved back to be booked again, or past no longer count; the write that follows forgets them.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core import settings
from chalicelib.core.errors import TooManyRequests
from chalicelib.data.batch import batch_get
from chalicelib.data.counters import CounterModel
from chalicelib.data.models import OrderModel
from chalicelib.limits import keys, windows

# A ledger is kept this long after its last appointment, then DynamoDB may delete it (TTL).
KEEP_AFTER_LAST = timedelta(days=1)
WHAT = {"email": "this email address", "phone": "this phone number"}
FIELDS = {"email": "customer.email", "phone": "customer.phone"}


class TooManyBookings(TooManyRequests):
    code = "too_many_bookings"


@dataclass
class Ledger:
    kind: str  # "email" | "phone"
    item: CounterModel
    entries: dict  # order id -> appointment start (tz-aware)


def counter_ids(customer: dict) -> dict[str, str]:
    """{"email" | "phone": counter id} for a booking's customer."""
    return keys.contact_ids(settings.limits_secret(), customer.get("email"), customer.get("phone"))


def _ledger(kind: str, counter_id: str, item: CounterModel | None) -> Ledger:
    item = item or CounterModel(counter_id, entries={}, revision=0)
    entries = {order_id: datetime.fromisoformat(start) for order_id, start in (item.entries or {}).items()}
    return Ledger(kind, item, entries)


def _upcoming(entries: dict, now: datetime) -> dict:
    return {order_id: start for order_id, start in entries.items() if start > now}


def _still_upcoming(ledgers: list[Ledger], now: datetime) -> None:
    """Replace the entries of full ledgers with what their orders say now."""
    order_ids = sorted({order_id for ledger in ledgers for order_id in ledger.entries})
    found = batch_get([(OrderModel, order_id, None) for order_id in order_ids])
    current = {}
    for order_id in order_ids:
        order = found.get((OrderModel, order_id, None))
        if order and order.appointment_start and order.appointment_start > now and not order.closed_month:
            current[order_id] = order.appointment_start
    for ledger in ledgers:
        ledger.entries = {order_id: current[order_id] for order_id in ledger.entries if order_id in current}


def reserve(found: dict, ids: dict[str, str], order_id: str, start: datetime, now: datetime, limit: int) -> list[CounterModel]:
    """The ledger items to write with the booking of `order_id` at `start`, or TooManyBookings
    (Retry-After: until the contact's next appointment has passed) when a contact already holds
    `limit` upcoming bookings. `found` holds the items as read ({counter id: item or None})."""
    ledgers = [_ledger(kind, counter_id, found.get(counter_id)) for kind, counter_id in ids.items()]
    for ledger in ledgers:
        ledger.entries = _upcoming(ledger.entries, now)
    full = [ledger for ledger in ledgers if len(ledger.entries) >= limit]
    if full:
        _still_upcoming(full, now)
    for ledger in ledgers:
        if len(ledger.entries) >= limit:
            wait = int((min(ledger.entries.values()) - now).total_seconds())
            raise TooManyBookings(
                f"There are already {len(ledger.entries)} upcoming bookings for {WHAT[ledger.kind]}, as many as can be "
                f"booked online. Cancel one with the link in its confirmation email, or call us to book more.",
                wait, {"field": FIELDS[ledger.kind], "limit": limit, "next_place_in": windows.in_words(max(1, wait))})
    items = []
    for ledger in ledgers:
        ledger.entries[order_id] = start
        item = ledger.item
        item.entries = {oid: moment.isoformat() for oid, moment in sorted(ledger.entries.items())}
        item.revision = int(item.revision or 0) + 1
        item.expires_at = max(ledger.entries.values()) + KEEP_AFTER_LAST
        items.append(item)
    return items
