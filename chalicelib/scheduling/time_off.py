"""Time off against the calendar: a technician's time off over booked jobs is refused (409, the
clashing orders listed) unless forced; forced, it is saved and each clashing order is offered for
reassignment (the other technicians free at that time). The daily review lists such orders
("technician away") until they are moved (`reviews.staffing`).

The clash check reads the technician's calendar items (by key, strongly consistent) for every
local day the time off touches, and the time off is written in one transaction with those items
(each conditional on the version read, a new one on not existing): a booking that reserved time
on one of those days after the check makes the transaction fail, and the check runs again.
"""
from datetime import date, datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import settings, times
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.data.batch import batch_get
from chalicelib.data.models import CalendarDayModel, OrderModel, StaffModel
from chalicelib.scheduling import availability, slots
from chalicelib.setup import business, technicians
from chalicelib.workflow import versions

ATTEMPTS = 6
# A job that began before a time off may run into it: calendars and orders are read from this long
# before its start.
LONGEST_JOB = timedelta(days=1)


def _is_open(order: OrderModel) -> bool:
    pm = versions.of(order)
    return pm.has_step(order.step) and not pm.step(order.step).is_end


def overlaps(order: OrderModel, start: datetime, end: datetime) -> bool:
    if order.appointment_start is None:
        return False
    finish = order.appointment_end or order.appointment_start
    return order.appointment_start < end and start < finish


def booked_during(technician_id: str, start: datetime, end: datetime) -> list[OrderModel]:
    """The technician's open orders whose appointment overlaps [start, end): one Query of the
    `by-technician` index (the daily review's way; the time off's own check reads calendars)."""
    found = OrderModel.by_technician.query(technician_id, OrderModel.appointment_start.between(start - LONGEST_JOB, end))
    return [o for o in found if o.technician_id == technician_id and overlaps(o, start, end) and _is_open(o)]


def local_days(start: datetime, end: datetime, zone) -> list[date]:
    first = (start - LONGEST_JOB).astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def free_instead(order: OrderModel, technician_id: str, cache: dict | None = None) -> list[dict]:
    """The other technicians qualified and free for the order's appointment (its service's skill,
    its postcode, working hours, time off, other jobs): whom the office can reassign it to."""
    cache = {} if cache is None else cache
    days = tuple(slots.days_around(order.appointment_start))
    where = (order.service_id, days)
    if where not in cache:
        try:
            cache[where] = availability.load(order.service_id, list(days))
        except (ValidationFailed, NotFound):  # the service is no longer offered: any technician
            cache[where] = availability.load(None, list(days))
    setup = cache[where]
    free = slots.free_technicians(setup, order.appointment_start, order.address.postcode if order.address else None,
                                  except_order=order.order_id, end=order.appointment_end or order.appointment_start)
    return [{"id": d.technician.user_id, "name": d.technician.name} for d in free if d.technician.user_id != technician_id]


def clash_view(order: OrderModel, technician_id: str, cache: dict | None = None) -> dict:
    return {
        "order_id": order.order_id,
        "start": times.iso(order.appointment_start),
        "end": times.iso(order.appointment_end),
        "customer": order.customer.name if order.customer else None,
        "service_name": order.service_name,
        "step": order.step,
        "version": int(order.version),
        "free_technicians": free_instead(order, technician_id, cache),
        "reassign": {"method": "POST", "path": f"/orders/{order.order_id}/assign"},
    }


def _calendars(technician_id: str, days: list[date]) -> list[CalendarDayModel]:
    found = batch_get([(CalendarDayModel, technician_id, d.isoformat()) for d in days])
    return [found.get((CalendarDayModel, technician_id, d.isoformat()))
            or CalendarDayModel(technician_id, d.isoformat(), appointments=[], booked_minutes=0) for d in days]


def _clashing(calendars: list[CalendarDayModel], start: datetime, end: datetime) -> list[OrderModel]:
    order_ids = sorted({a["order_id"] for c in calendars for a in c.appointments
                        if datetime.fromisoformat(a["start"]) < end and start < datetime.fromisoformat(a["end"])})
    if not order_ids:
        return []
    found = batch_get([(OrderModel, order_id, None) for order_id in order_ids])
    orders = [found[(OrderModel, i, None)] for i in order_ids if (OrderModel, i, None) in found]
    return sorted([o for o in orders if overlaps(o, start, end) and _is_open(o)], key=lambda o: (o.appointment_start, o.order_id))


def _write(member: StaffModel, previous_profile, calendars: list[CalendarDayModel]) -> bool:
    """The staff item (conditional on its profile as read) and the calendar items (on their
    versions) in one transaction; False when something changed meanwhile."""
    unchanged = (StaffModel.profile.does_not_exist() if previous_profile is None
                 else StaffModel.profile == previous_profile)
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            tx.save(member, condition=unchanged)
            for calendar in calendars:
                tx.save(calendar)
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            return False
        raise
    return True


def add(technician_id: str, body: dict) -> dict:
    """POST /technicians/{id}/time-off (any staff member: an office person's time off hands their
    review items to a deputy, `reviews.digests`). 409 `time_off_clash` with `details.orders`
    (each with the technicians free instead) when the time off covers booked jobs, unless `force`
    is true; then the answer lists them as `clashes`, offered for reassignment."""
    entry, force = technicians.time_off_entry(body)
    start, end = datetime.fromisoformat(entry["start"]), datetime.fromisoformat(entry["end"])
    zone = business.zone()
    days = local_days(start, end, zone)
    for _ in range(ATTEMPTS):
        try:
            member = StaffModel.get(technician_id, consistent_read=True)
        except StaffModel.DoesNotExist:
            member = None
        if member is None:
            raise NotFound(f"No staff member '{technician_id}'.")
        # Office staff have time off too (their review items go to a deputy), but no calendar.
        calendars = _calendars(technician_id, days) if member.role == "technician" else []
        clashes = _clashing(calendars, start, end)
        cache: dict = {}
        if clashes and not force:
            raise Conflict(
                f"{member.name} has {len(clashes)} booked job{'s' if len(clashes) != 1 else ''} in that time. "
                "Reassign them first, or send \"force\": true to save the time off and reassign them after.",
                {"orders": [clash_view(o, technician_id, cache) for o in clashes]}, code="time_off_clash")
        previous = member.profile
        technicians.with_time_off(member, entry)
        if _write(member, previous, calendars):
            return {**technicians.technician_view(member), "time_off_id": entry["id"],
                    "clashes": [clash_view(o, technician_id, cache) for o in clashes]}
    raise Conflict("The technician's calendar is busy changing; try again.", {"technician_id": technician_id})
