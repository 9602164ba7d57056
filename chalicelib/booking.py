"""Booking: customers book online, the office books by phone, and either way the order lands on
a technician's calendar, assigned by the rule in `assignment`, never double-booked.

A booking reads the technicians and their calendars for the day (two round trips), picks a
technician and writes the order and that calendar in one transaction (the third). If a calendar
changed in between, it reads again and picks again; when nobody is free any more it answers 409
with the nearest free slots. Customers manage their booking through a link carrying a long
random token; reschedule and cancel are allowed until the cancellation cut-off.
"""
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import assignment, availability, business, calendars, observability, orders, settings, workflow
from chalicelib.auth import Principal
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.models import Move, OrderModel
from chalicelib.validation import Fields

SYSTEM = Principal("system", "system", ("system",))
CUSTOMER = Principal("customer", "customer", ("customer",))
# Each retry follows someone else's successful write, so a handful always settles.
_ATTEMPTS = 8
_ALPHABET = orders._ALPHABET


class SlotTaken(Conflict):
    code = "slot_taken"


@dataclass
class Booked:
    order: OrderModel
    created: bool  # False when an Idempotency-Key repeated an earlier booking
    setup: "availability.Setup | None" = None  # what the booking read, to answer without reading again


# Where a confirmed booking goes: `scheduled` means a technician and an appointment are set.
BOOKED_STEP = "scheduled"


def parse_public(body: dict) -> orders.Intake:
    """The public booking form's body. Every wrong field is reported at once."""
    fields = Fields(body)
    if body.get("website"):  # the honeypot: hidden from people, filled in by form-filling bots
        fields.error("website", "must be empty")
    service_id = fields.text("service_id", 64)
    start = fields.datetime("start")
    customer, address = orders.parse_contact(fields, email_required=True)
    notes = fields.text("notes", 1000, required=False, multiline=True)
    fields.raise_if_errors()
    return orders.Intake(customer, address, service_id=service_id, note=notes, start=start, confirm=True)


def fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _order_id_for_key(key: str) -> str:
    digest = hashlib.sha256(("booking:" + key).encode()).digest()
    return "WO-" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:10])


def _check_rules(setup: availability.Setup, start: datetime, now: datetime, office: bool = False) -> None:
    """Customers book on the slot grid, inside opening hours, with the minimum notice and not too
    far ahead. The office may book any future time (the technician must still be free)."""
    earliest, last_day = availability.bookable_window(setup, now)
    rules = setup.settings["booking"]
    errors = []
    if start < now:
        errors.append({"field": "start", "message": "is in the past"})
    elif start < earliest and not office:
        errors.append({"field": "start", "message": f"needs at least {rules['min_notice_minutes']} minutes' notice"})
    if start.astimezone(setup.zone).date() > last_day and not office:
        errors.append({"field": "start", "message": f"is more than {rules['max_days_ahead']} days ahead"})
    if not office:
        if not availability.on_grid(setup, start):
            errors.append({"field": "start", "message": f"must be on the {rules['slot_grid_minutes']}-minute slot grid"})
        elif start not in availability.candidate_starts(setup, start.astimezone(setup.zone).date()):
            errors.append({"field": "start", "message": "is outside the opening hours"})
    if errors:
        raise ValidationFailed("The start time cannot be booked.", errors)


def _taken(intake: orders.Intake, now: datetime, message: str) -> SlotTaken:
    alternatives = (availability.nearest_free(intake.service_id, intake.start, intake.address.get("postcode"), now)
                    if intake.service_id else [])
    return SlotTaken(message, {"alternatives": alternatives})


def book(actor: Principal, intake: orders.Intake, now: datetime, idempotency_key: str | None = None,
         fingerprint: str | None = None, source: str = "web", check_rules: bool = True) -> Booked:
    """Create an order with a technician's time reserved, in one transaction with the calendar.
    With `intake.confirm` it is booked into `scheduled`; otherwise it waits at the start step."""
    order_id = _order_id_for_key(idempotency_key) if idempotency_key else orders.new_id("WO-")
    if idempotency_key:
        earlier = _earlier_booking(order_id, fingerprint)
        if earlier is not None:
            return Booked(earlier, False)
    for _ in range(_ATTEMPTS):
        setup = availability.load(intake.service_id, availability.days_around(intake.start), with_process_map=True)
        day = intake.start.astimezone(setup.zone).date()
        if check_rules:
            _check_rules(setup, intake.start, now, office=source != "web")
        if intake.technician_id:
            chosen_day = _chosen(setup, intake, day, now)
            reason = f"Assigned {chosen_day.technician.name} ({chosen_day.technician.user_id}): chosen by {actor.user_id}; free at that time."
        else:
            free = availability.free_technicians(setup, intake.start, intake.address.get("postcode"), end=intake.end)
            chosen_day = assignment.choose(free)
            if chosen_day is None:
                raise _taken(intake, now, "No technician is free at that time any more.")
            reason = assignment.reason(chosen_day, free)
        job = setup.job(intake.start, intake.end)
        order = _new_order(order_id, actor, intake, setup, job, chosen_day.technician.user_id, reason, now, source,
                           fingerprint if idempotency_key else None)
        calendar = calendars.reserve(chosen_day.calendar, chosen_day.technician.user_id, day, order_id, job)
        try:
            calendars.commit(order, [calendar], new_order=True)
        except calendars.CalendarChanged:
            continue
        except calendars.OrderExists:
            earlier = _earlier_booking(order_id, fingerprint) if idempotency_key else None
            if earlier is None:
                raise Conflict("This booking is being made by another request right now; try again.")
            return Booked(earlier, False)
        observability.count("BookingCreated")
        return Booked(order, True, setup)
    raise _taken(intake, now, "That time was just taken by someone else.")


def _chosen(setup: availability.Setup, wanted: orders.Intake, day, now: datetime,
            except_order: str | None = None) -> availability.TechnicianDay:
    """The technician the office chose, checked the same way as any booking: qualified and free
    (apart from `except_order`, the order being moved)."""
    tech_day = setup.days.get((wanted.technician_id, day))
    if tech_day is None:
        raise ValidationFailed("The technician is not valid.", [{"field": "technician_id", "message": f"no active technician '{wanted.technician_id}'"}])
    skill = setup.service["skill"] if setup.service else None
    if skill and skill not in business.profile(tech_day.technician)["skills"]:
        raise ValidationFailed("The technician lacks the skill.", [{"field": "technician_id", "message": f"does not have the skill '{skill}'"}])
    if not availability.is_free(setup, tech_day, setup.job(wanted.start, wanted.end), except_order):
        alternatives = availability.nearest_free(wanted.service_id, wanted.start, None, now) if wanted.service_id else []
        raise SlotTaken(f"{tech_day.technician.name} is not free at that time.", {"alternatives": alternatives})
    return tech_day


def _earlier_booking(order_id: str, fingerprint: str | None) -> OrderModel | None:
    try:
        order = OrderModel.get(order_id, consistent_read=True)
    except OrderModel.DoesNotExist:
        return None
    if order.booking_key_hash != fingerprint:
        raise ValidationFailed("This Idempotency-Key was used for a different booking.",
                               [{"field": "Idempotency-Key", "message": "was already used with another request body"}])
    return order


def _new_order(order_id, actor, intake, setup, job, technician_id, reason, now, source, fingerprint) -> OrderModel:
    order = orders.build(order_id, actor, intake, setup.process_map, now, source,
                         service_name=setup.service["name"] if setup.service else None)
    order.appointment_start, order.appointment_end = job.start, job.end
    order.technician_id = technician_id
    order.manage_token = secrets.token_urlsafe(32)
    order.booking_key_hash = fingerprint
    if intake.confirm:
        orders.apply_move(SYSTEM if actor.role == "customer" else actor, order, BOOKED_STEP, reason, now)
    else:
        first = order.history[0]
        first.note = f"{first.note}. Time reserved. {reason}"
    return order


# --- what the customer sees -------------------------------------------------------------------

def manage_url(order: OrderModel) -> str:
    return f"{settings.public_base_url()}/book/manage.html?order={order.order_id}&token={order.manage_token}"


def _first_name(technician_id: str | None, known=None) -> str | None:
    from chalicelib import staff

    member = known if known is not None and known.user_id == technician_id else staff.find(technician_id)
    return member.name.split()[0] if member else None


def customer_view(order: OrderModel, settings_data: dict | None = None, technician=None) -> dict:
    """What the customer may see of their booking. Pass the settings and technician when they
    are already at hand, to save the reads."""
    settings_data = settings_data or business.settings()
    tz = business.zone(settings_data)
    cutoff = _cutoff(order, settings_data)
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
    }


def booking_answer(order: OrderModel, setup: availability.Setup | None = None) -> dict:
    view = customer_view(order, setup.settings if setup else None, setup.technician(order.technician_id) if setup else None)
    return {
        "order_id": order.order_id,
        "step": order.step,
        "appointment": view["appointment"],
        "technician": view["technician"],
        "manage_url": manage_url(order),
    }


def _cutoff(order: OrderModel, settings_data: dict | None = None) -> datetime | None:
    if not order.appointment_start:
        return None
    hours = int((settings_data or business.settings())["booking"]["cancellation_cutoff_hours"])
    return order.appointment_start - timedelta(hours=hours)


def load_with_token(order_id: str, token: str | None) -> OrderModel:
    """The order if the token is its manage token; otherwise the same 404 as a missing order."""
    not_found = NotFound("No booking matches this link.")
    if not token or len(token) > 200:
        raise not_found
    try:
        order = OrderModel.get(order_id, consistent_read=True)
    except OrderModel.DoesNotExist:
        raise not_found
    if not order.manage_token or not hmac.compare_digest(order.manage_token.encode(), token.encode()):
        raise not_found
    return order


def check_changeable(order: OrderModel, now: datetime) -> None:
    if order.step != "scheduled":
        raise ValidationFailed("This booking can no longer be changed online.",
                               [{"field": "order_id", "message": f"the order is '{order.step}'; please call us"}], )
    cutoff = _cutoff(order)
    if cutoff and now >= cutoff:
        raise ValidationFailed("It is too late to change this booking online; please call us.",
                               [{"field": "start", "message": f"changes were possible until {cutoff.isoformat()}"}])


# --- changing a booking -----------------------------------------------------------------------

def reschedule(order: OrderModel, new_start: datetime, actor: Principal, now: datetime,
               technician_id: str | None = None, expected: int | None = None, new_end: datetime | None = None) -> OrderModel:
    """Move the appointment (or set the first one): the chosen technician, else the same one when
    free, else the assignment rule. The old time is released and the new reserved in the same
    transaction as the order. A job without a service keeps its length unless `new_end` is given."""
    for _ in range(_ATTEMPTS):
        if expected is not None and expected != order.version:
            raise Conflict(f"The order changed since you read it (version {order.version}, you sent {expected}).",
                           {"order_id": order.order_id, "current_version": int(order.version)})
        end = new_end
        if end is None and not order.service_id and order.appointment_start:
            end = new_start + (order.appointment_end - order.appointment_start)
        setup = availability.load(order.service_id, availability.days_around(new_start))
        tz = setup.zone
        new_day = new_start.astimezone(tz).date()
        _check_rules(setup, new_start, now, office=actor.role in ("admin", "dispatcher"))
        wanted = orders.Intake({}, {"postcode": order.address.postcode}, service_id=order.service_id,
                               technician_id=technician_id, start=new_start, end=end)
        if technician_id:
            chosen = _chosen(setup, wanted, new_day, now, except_order=order.order_id)
            reason = f"Assigned {chosen.technician.name} ({chosen.technician.user_id}): chosen by {actor.user_id}."
        else:
            free = availability.free_technicians(setup, new_start, order.address.postcode, except_order=order.order_id, end=end)
            same = [d for d in free if d.technician.user_id == order.technician_id]
            chosen = same[0] if same else assignment.choose(free)
            if chosen is None:
                raise _taken(wanted, now, "No technician is free at that time.")
            reason = "Kept the same technician." if same else assignment.reason(chosen, free)
        job = setup.job(new_start, end)
        touched = _release_old(order, tz, keep=(chosen.technician.user_id, new_day))
        calendar = calendars.reserve(chosen.calendar, chosen.technician.user_id, new_day, order.order_id, job)
        old_start = order.appointment_start
        order.appointment_start, order.appointment_end = job.start, job.end
        order.technician_id = chosen.technician.user_id
        order.manage_token = order.manage_token or secrets.token_urlsafe(32)
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
            order = orders.load(order.order_id)
    raise _taken(orders.Intake({}, {"postcode": order.address.postcode}, service_id=order.service_id, start=new_start),
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


def release_and_save(order: OrderModel, clear: bool) -> None:
    """Save an order that was just moved (cancelled, or back to the start) and free its time in
    the same transaction."""
    technician_id, day = order.technician_id, calendars.day_of(order, business.zone())
    if clear:
        order.technician_id, order.appointment_start, order.appointment_end = None, None, None
    for _ in range(_ATTEMPTS):
        calendar = calendars.load_day(technician_id, day)
        touched = [calendars.release(calendar, order.order_id)] if calendar else []
        try:
            calendars.commit(order, touched)
            return
        except calendars.CalendarChanged:
            continue
    raise Conflict("The technician's calendar is busy changing; try again.")


def cancel(order: OrderModel, actor: Principal, now: datetime, note: str = "Cancelled by the customer online") -> OrderModel:
    orders.apply_move(actor, order, "cancelled", note, now)
    release_and_save(order, clear=False)
    observability.count("BookingCancelled")
    return order


def assign(principal: Principal, order_id: str, body: dict, now: datetime) -> OrderModel:
    """POST /orders/{id}/assign: the office sets or changes the technician and the time; the
    step stays (confirming a requested order is a move to `scheduled`).

    Without `technician_id` the current technician is kept when free, else the assignment rule
    picks one; without `start` the current time is kept. A job without a service needs `end` the
    first time."""
    fields = Fields(body)
    technician_id = fields.text("technician_id", 64, required=False)
    start = fields.datetime("start", required=False)
    end = fields.datetime("end", required=False)
    expected = fields.integer("expected_version", minimum=1)
    fields.raise_if_errors()
    order = orders.load(order_id)
    if expected != order.version:
        raise Conflict(f"The order changed since you read it (version {order.version}, you sent {expected}).",
                       {"order_id": order_id, "current_version": int(order.version)})
    start = start or order.appointment_start
    problems = []
    if start is None:
        problems.append({"field": "start", "message": "is required: the order has no appointment yet"})
    elif end is not None and end <= start:
        problems.append({"field": "end", "message": "must be after the start"})
    elif not order.service_id and end is None and order.appointment_start is None:
        problems.append({"field": "end", "message": "is required for a job without a service"})
    pm = workflow.version(int(order.workflow_version))
    if pm.step(order.step).is_end:
        problems.append({"field": "order_id", "message": f"the order is '{order.step}'"})
    if problems:
        raise ValidationFailed("The order cannot be assigned.", problems)
    return reschedule(order, start, principal, now, technician_id=technician_id, expected=expected, new_end=end)


def phone_intake(principal: Principal, body: dict, now: datetime) -> tuple[OrderModel, object]:
    """POST /orders: an order with a time is booked onto a calendar (checked like any booking);
    one without waits at the start step. Returns the order and the technician, when known."""
    intake = orders.parse_intake(body)
    if intake.start is None:
        order = orders.create(principal, intake, now)
        return order, None
    booked = book(principal, intake, now, source="phone")
    return booked.order, booked.setup.technician(booked.order.technician_id)
