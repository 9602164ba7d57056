"""Technicians' calendars: reserving and releasing time, written atomically with the order.

A reservation adds the job to the technician's calendar item for the local date; the order and
every calendar item it touches are written in one DynamoDB transaction, each conditional on its
version. If anyone changed one of them in between, the whole transaction is refused and nothing
is written, so a slot can never be given twice.
"""
from datetime import date, datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import settings
from chalicelib.core.errors import Conflict
from chalicelib.customers import records as customer_records
from chalicelib.data import entries, items
from chalicelib.data.counters import CounterModel, unchanged_since_read
from chalicelib.data.models import CalendarDayModel, OrderModel
from chalicelib.scheduling.slots import Job
from chalicelib.setup import business

# Each retry follows someone else's successful write, so a handful always settles.
ATTEMPTS = 8


class CalendarChanged(Exception):
    """A calendar item changed after it was read: read again and retry."""


class OrderExists(Exception):
    """The order id is taken: an idempotent retry of a booking that was already made."""


def _entry(order_id: str, job: Job) -> dict:
    return {"order_id": order_id, "start": job.start.isoformat(), "end": job.end.isoformat(), "blocked_until": job.blocked_until.isoformat()}


def _minutes(entry: dict) -> int:
    return int((datetime.fromisoformat(entry["end"]) - datetime.fromisoformat(entry["start"])).total_seconds() // 60)


def reserve(calendar: CalendarDayModel | None, technician_id: str, day: date, order_id: str, job: Job) -> CalendarDayModel:
    cal = calendar or CalendarDayModel(technician_id, day.isoformat(), appointments=[], booked_minutes=0)
    entries = [a for a in cal.appointments if a["order_id"] != order_id] + [_entry(order_id, job)]
    cal.appointments = sorted(entries, key=lambda a: a["start"])
    cal.booked_minutes = sum(_minutes(a) for a in cal.appointments)
    return cal


def release(calendar: CalendarDayModel, order_id: str) -> CalendarDayModel:
    calendar.appointments = [a for a in calendar.appointments if a["order_id"] != order_id]
    calendar.booked_minutes = sum(_minutes(a) for a in calendar.appointments)
    return calendar


def day_of(order: OrderModel, tz) -> date | None:
    return order.appointment_start.astimezone(tz).date() if order.appointment_start else None


def load_day(technician_id: str, day: date) -> CalendarDayModel | None:
    try:
        return CalendarDayModel.get(technician_id, day.isoformat(), consistent_read=True)
    except CalendarDayModel.DoesNotExist:
        return None


def commit(order: OrderModel, calendars: list[CalendarDayModel], new_order: bool = False,
           counters: list[CounterModel] = ()) -> None:
    """Write the order, the calendar items and the `counters` (an online booking's contact
    ledgers, each conditional on the revision read) in one transaction; a new order with a
    `customer_id` also counts on its customer record (`orders_count`, `last_order_at`).

    Raises OrderExists (a new order's id is taken), CalendarChanged (a calendar item or a counter
    moved on: read again), or Conflict (the order itself changed since it was read).
    """

    condition = OrderModel.order_id.does_not_exist() if new_order else None
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            tx.save(order, condition=condition)
            for cal in calendars:
                tx.save(cal)
            for counter in counters:
                tx.save(counter, condition=unchanged_since_read(counter))
            for entry in entries.new_items(order):  # its new history entries (and notes) beside it
                tx.save(entry)
            if new_order and order.customer_id:
                customer_records.count_order(tx, order.customer_id, order.created_at)
    except TransactWriteError as exc:
        if items.is_too_large(exc):
            raise items.order_full(order.order_id)
        reasons = exc.cancellation_reasons if exc.cause_response_code == "TransactionCanceledException" else []
        codes = [r.code if r else None for r in reasons]
        if codes and codes[0] == "ConditionalCheckFailed":
            if new_order:
                raise OrderExists(order.order_id)
            raise Conflict("Someone else changed this order at the same moment; reload it and try again.",
                           {"order_id": order.order_id})
        if any(c in ("ConditionalCheckFailed", "TransactionConflict") for c in codes[1:]) or "TransactionConflict" in codes:
            raise CalendarChanged()
        raise
    entries.saved(order)


def release_and_save(order: OrderModel, clear: bool) -> None:
    """Save an order that was just moved (cancelled, or back to the start) and free its time in
    the same transaction."""
    technician_id, day = order.technician_id, day_of(order, business.zone())
    if clear:
        order.technician_id, order.appointment_start, order.appointment_end = None, None, None
    for _ in range(ATTEMPTS):
        calendar = load_day(technician_id, day)
        touched = [release(calendar, order.order_id)] if calendar else []
        try:
            commit(order, touched)
            return
        except CalendarChanged:
            continue
    raise Conflict("The technician's calendar is busy changing; try again.")
