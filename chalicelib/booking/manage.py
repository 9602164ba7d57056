"""The customer's own booking, through the manage link: see it, reschedule it, cancel it."""
from datetime import datetime, timedelta

from chalicelib.booking import online
from chalicelib.core import clock, dates, link_tokens, observability, settings
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.data.models import Move, OrderModel
from chalicelib.orders import intake, moves, storage
from chalicelib.scheduling import assignment, availability, calendars, slots
from chalicelib.scheduling.calendars import ATTEMPTS
from chalicelib.setup import business
from chalicelib.staff import directory
from chalicelib.staff.auth import Principal


def manage_url(order: OrderModel) -> str:
    return f"{settings.public_base_url()}/book/manage.html?order={order.order_id}&token={order.manage_token}"


def _first_name(technician_id: str | None, known=None) -> str | None:
    member = known if known is not None and known.user_id == technician_id else directory.find(technician_id)
    return member.name.split()[0] if member else None


def customer_view(order: OrderModel, settings_data: dict | None = None, technician=None) -> dict:
    """What the customer may see of their booking. Pass the settings and technician when they
    are already at hand, to save the reads."""
    settings_data = settings_data or business.settings()
    tz = business.zone(settings_data)
    cutoff = _cutoff(order, settings_data)
    policy = change_policy(order, settings_data, clock.now())
    return {
        "order_id": order.order_id,
        "step": order.step,
        "service": {"id": order.service_id, "name": order.service_name},
        "appointment": (
            {"start": order.appointment_start.astimezone(tz).isoformat(), "end": order.appointment_end.astimezone(tz).isoformat()}
            if order.appointment_start else None
        ),
        "technician": {"name": _first_name(order.technician_id, technician)} if order.technician_id else None,
        "address": {"street": order.address.street, "city": order.address.city, "postcode": order.address.postcode},
        "changeable_until": cutoff.astimezone(tz).isoformat() if cutoff else None,
        "can_change_online": policy["can_change_online"],
        "change_policy": policy["text"],
        "business": contact(settings_data),
    }


def contact(settings_data: dict) -> dict:
    """How a customer reaches the business: its name, phone, email and address (None when unset)."""
    return {key: settings_data.get(key) or None for key in ("name", "phone", "email", "address")}


def _reach_us(settings_data: dict) -> str:
    if settings_data.get("phone"):
        return f"call us on {settings_data['phone']}"
    if settings_data.get("email"):
        return f"email us at {settings_data['email']}"
    return "contact us"


def change_policy(order: OrderModel, settings_data: dict, now: datetime) -> dict:
    """Whether the customer can still move or cancel online, and the sentence that says so,
    computed from the cut-off rule (`booking.cancellation_cutoff_hours`) and written in the
    business's locale: "You can change or cancel online until Tuesday 3 March, 10:00 (24 hours
    before your appointment). After that, call us on ...", or, inside the cut-off, "This
    appointment is less than 24 hours away, so it can no longer be changed online; call us on
    ...". No sentence for an order that is past being booked (on the way, done, cancelled)."""
    cutoff = _cutoff(order, settings_data)
    if order.step != "scheduled" or cutoff is None:
        return {"can_change_online": False, "changeable_until": None, "text": None}
    hours = int(settings_data["booking"]["cancellation_cutoff_hours"])
    reach = _reach_us(settings_data)
    if now < cutoff:
        tz, locale = business.zone(settings_data), dates.locale_of(settings_data.get("locale"))
        until = dates.date_time(cutoff, tz, locale, year=cutoff.astimezone(tz).year != now.astimezone(tz).year)
        before = f"{dates.hours_phrase(hours)} before your appointment" if hours else "when your appointment starts"
        text = f"You can change or cancel online until {until} ({before}). After that, {reach}."
        return {"can_change_online": True, "changeable_until": cutoff, "text": text}
    if hours and now < order.appointment_start:
        text = f"This appointment is less than {dates.hours_phrase(hours)} away, so it can no longer be changed online; {reach}."
    else:
        text = f"This appointment can no longer be changed online; {reach}."
    return {"can_change_online": False, "changeable_until": cutoff, "text": text}


def booking_answer(order: OrderModel, setup: slots.Setup | None = None) -> dict:
    view = customer_view(order, setup.settings if setup else None, setup.technician(order.technician_id) if setup else None)
    return {
        "order_id": order.order_id,
        "step": order.step,
        "appointment": view["appointment"],
        "technician": view["technician"],
        "manage_url": manage_url(order),
        "changeable_until": view["changeable_until"],
        "can_change_online": view["can_change_online"],
        "change_policy": view["change_policy"],
        "business": view["business"],
    }


def _cutoff(order: OrderModel, settings_data: dict | None = None) -> datetime | None:
    if not order.appointment_start:
        return None
    hours = int((settings_data or business.settings())["booking"]["cancellation_cutoff_hours"])
    return order.appointment_start - timedelta(hours=hours)


# A wrong link costs the same whether its order exists or not: one consistent GetItem, one
# constant-time comparison (core.link_tokens), one 404. Order ids are short; a longer one reads
# this id, which no order has, instead of failing the read.
_NO_ORDER_ID = "WO-0000000000"  # 0 is not in ids.ALPHABET: never an order's id
ORDER_ID_MAX = 64


def _order_or_none(order_id: str) -> OrderModel | None:
    key = order_id if order_id and len(order_id) <= ORDER_ID_MAX else _NO_ORDER_ID
    try:
        return OrderModel.get(key, consistent_read=True)
    except OrderModel.DoesNotExist:
        return None


def load_with_token(order_id: str, token: str | None) -> OrderModel:
    """The order if the token is its manage token; otherwise the same 404 as a missing order,
    reached the same way (the same read and the same comparison)."""
    order = _order_or_none(order_id)
    if not link_tokens.matches(order.manage_token if order is not None else None, token):
        raise NotFound("No booking matches this link.")
    return order


def check_changeable(order: OrderModel, now: datetime) -> None:
    if order.step != "scheduled":
        raise ValidationFailed("This booking can no longer be changed online.",
                               [{"field": "order_id", "message": f"the order is '{order.step}'; please call us"}], )
    settings_data = business.settings()
    cutoff = _cutoff(order, settings_data)
    if cutoff and now >= cutoff:
        raise ValidationFailed(f"It is too late to change this booking online; please {_reach_us(settings_data)}.",
                               [{"field": "start", "message": f"changes were possible until {cutoff.isoformat()}"}])


def reschedule(order: OrderModel, new_start: datetime, actor: Principal, now: datetime,
               technician_id: str | None = None, expected: int | None = None, new_end: datetime | None = None) -> OrderModel:
    """Move the appointment (or set the first one): the chosen technician, else the same one when
    free, else the assignment rule. The old time is released and the new reserved in the same
    transaction as the order. A job without a service keeps its length unless `new_end` is given."""
    for _ in range(ATTEMPTS):
        if expected is not None and expected != order.version:
            raise Conflict(f"The order changed since you read it (version {order.version}, you sent {expected}).",
                           {"order_id": order.order_id, "current_version": int(order.version)})
        end = new_end
        if end is None and not order.service_id and order.appointment_start:
            end = new_start + (order.appointment_end - order.appointment_start)
        setup = availability.load(order.service_id, slots.days_around(new_start))
        tz = setup.zone
        new_day = new_start.astimezone(tz).date()
        online.check_booking_rules(setup, new_start, now, office=actor.role in ("admin", "dispatcher"))
        wanted = intake.Intake({}, {"postcode": order.address.postcode}, service_id=order.service_id,
                               technician_id=technician_id, start=new_start, end=end)
        if technician_id:
            chosen = online.chosen_technician(setup, wanted, new_day, now, except_order=order.order_id)
            reason = f"Assigned {chosen.technician.name} ({chosen.technician.user_id}): chosen by {actor.user_id}."
        else:
            free = slots.free_technicians(setup, new_start, order.address.postcode, except_order=order.order_id, end=end)
            same = [d for d in free if d.technician.user_id == order.technician_id]
            chosen = same[0] if same else assignment.choose(free)
            if chosen is None:
                raise online.taken(wanted, now, "No technician is free at that time.")
            reason = "Kept the same technician." if same else assignment.reason(chosen, free)
        job = setup.job(new_start, end)
        touched = _release_old(order, tz, keep=(chosen.technician.user_id, new_day))
        calendar = calendars.reserve(chosen.calendar, chosen.technician.user_id, new_day, order.order_id, job)
        old_start = order.appointment_start
        order.appointment_start, order.appointment_end = job.start, job.end
        order.technician_id = chosen.technician.user_id
        order.manage_token = order.manage_token or link_tokens.new()
        order.updated_at = now
        change = (f"Rescheduled from {old_start.astimezone(tz).isoformat()} to {job.start.astimezone(tz).isoformat()}. "
                  if old_start else f"Appointment set for {job.start.astimezone(tz).isoformat()}. ")
        # Not a move: the step stays; the entry keeps the change in the order's audit trail.
        order.history = list(order.history) + [Move(from_step=order.step, to_step=order.step, by=actor.user_id,
                                                    at=now, note=change + reason)]
        try:
            calendars.commit(order, touched + [calendar])
            observability.count("BookingRescheduled")
            return order
        except calendars.CalendarChanged:
            order = storage.load(order.order_id)
    raise online.taken(intake.Intake({}, {"postcode": order.address.postcode}, service_id=order.service_id, start=new_start),
                 now, "That time was just taken by someone else.")


def _release_old(order: OrderModel, tz, keep=None) -> list:
    """The calendar items to write to free the order's current time. When the new reservation
    falls on the same technician and day, the caller changes that item instead (same object)."""
    if not (order.technician_id and order.appointment_start):
        return []
    old_key = (order.technician_id, calendars.day_of(order, tz))
    calendar = calendars.load_day(*old_key)
    if calendar is None:
        return []
    calendars.release(calendar, order.order_id)
    return [] if keep == old_key else [calendar]


def cancel(order: OrderModel, actor: Principal, now: datetime, note: str = "Cancelled by the customer online") -> OrderModel:
    moves.apply_move(actor, order, "cancelled", note, now)
    calendars.release_and_save(order, clear=False)
    observability.count("BookingCancelled")
    return order
