"""Online booking: the customer picks a slot on the business's website; the order lands on the
chosen (or assigned) technician's calendar in one transaction, never double-booked, and within
the customer's limit of upcoming online bookings (`limits.contacts`), counted in that same
transaction."""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from chalicelib.core import ids, link_tokens, observability, settings
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data.models import OrderModel
from chalicelib.limits import contacts
from chalicelib.orders import intake as orders_intake
from chalicelib.orders import moves
from chalicelib.scheduling import assignment, availability, calendars, slots
from chalicelib.scheduling.calendars import ATTEMPTS
from chalicelib.setup import technicians
from chalicelib.staff.auth import Principal

SYSTEM = Principal("system", "system", ("system",))
CUSTOMER = Principal("customer", "customer", ("customer",))


class SlotTaken(Conflict):
    code = "slot_taken"


@dataclass
class Booked:
    order: OrderModel
    created: bool  # False when an Idempotency-Key repeated an earlier booking
    setup: "availability.Setup | None" = None  # what the booking read, to answer without reading again


# Where a confirmed booking goes: `scheduled` means a technician and an appointment are set.
BOOKED_STEP = "scheduled"


def parse_public(body: dict) -> orders_intake.Intake:
    """The public booking form's body. Every wrong field is reported at once."""
    fields = Fields(body)
    if body.get("website"):  # the honeypot: hidden from people, filled in by form-filling bots
        fields.error("website", "must be empty")
    service_id = fields.text("service_id", 64)
    start = fields.datetime("start")
    customer, address = orders_intake.parse_contact(fields, email_required=True)
    notes = fields.text("notes", 1000, required=False, multiline=True)
    fields.raise_if_errors()
    return orders_intake.Intake(customer, address, service_id=service_id, note=notes, start=start, confirm=True)


# Not part of what is booked: a retry may carry a fresher form token (limits.form_token).
NOT_FINGERPRINTED = ("form_token",)


def fingerprint(body: dict) -> str:
    """What an Idempotency-Key stands for: the booking the body asks for."""
    booking = {k: v for k, v in body.items() if k not in NOT_FINGERPRINTED}
    return hashlib.sha256(json.dumps(booking, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _order_id_for_key(key: str) -> str:
    digest = hashlib.sha256(("booking:" + key).encode()).digest()
    return "WO-" + "".join(ids.ALPHABET[b % len(ids.ALPHABET)] for b in digest[:10])


def check_booking_rules(setup: slots.Setup, start: datetime, now: datetime, office: bool = False) -> None:
    """Customers book on the slot grid, inside opening hours, with the minimum notice and not too
    far ahead. The office may book any future time (the technician must still be free)."""
    earliest, last_day = slots.bookable_window(setup, now)
    rules = setup.settings["booking"]
    errors = []
    if start < now:
        errors.append({"field": "start", "message": "is in the past"})
    elif start < earliest and not office:
        errors.append({"field": "start", "message": f"needs at least {rules['min_notice_minutes']} minutes' notice"})
    if start.astimezone(setup.zone).date() > last_day and not office:
        errors.append({"field": "start", "message": f"is more than {rules['max_days_ahead']} days ahead"})
    if not office:
        if not slots.on_grid(setup, start):
            errors.append({"field": "start", "message": f"must be on the {rules['slot_grid_minutes']}-minute slot grid"})
        elif start not in slots.candidate_starts(setup, start.astimezone(setup.zone).date()):
            errors.append({"field": "start", "message": "is outside the opening hours"})
    if errors:
        raise ValidationFailed("The start time cannot be booked.", errors)


def taken(intake: orders_intake.Intake, now: datetime, message: str) -> SlotTaken:
    alternatives = (availability.nearest_free(intake.service_id, intake.start, intake.address.get("postcode"), now)
                    if intake.service_id else [])
    return SlotTaken(message, {"alternatives": alternatives})


def book(actor: Principal, intake: orders_intake.Intake, now: datetime, idempotency_key: str | None = None,
         fingerprint: str | None = None, source: str = "web", check_rules: bool = True) -> Booked:
    """Create an order with a technician's time reserved, in one transaction with the calendar.
    With `intake.confirm` it is booked into `scheduled`; otherwise it waits at the start step.
    A web booking also takes a place in its email's and its phone's ledgers (same transaction):
    422 `area_not_served` when nobody covers the postcode, 409 `slot_taken` when nobody is free,
    429 `too_many_bookings` when the contact holds its limit of upcoming bookings."""
    order_id = _order_id_for_key(idempotency_key) if idempotency_key else ids.new_id("WO-")
    if idempotency_key:
        earlier = _earlier_booking(order_id, fingerprint)
        if earlier is not None:
            return Booked(earlier, False)
    orders_intake.link_customer(intake, now, source)
    limit = settings.bookings_per_contact() if source == "web" else 0
    ledgers = contacts.counter_ids(intake.customer) if limit else {}
    postcode = intake.address.get("postcode")
    for _ in range(ATTEMPTS):
        setup = availability.load(intake.service_id, slots.days_around(intake.start), with_process_map=True,
                                  counter_ids=list(ledgers.values()), kind=intake.kind)
        day = intake.start.astimezone(setup.zone).date()
        if check_rules:
            check_booking_rules(setup, intake.start, now, office=source != "web")
        if intake.technician_id:
            chosen_day = chosen_technician(setup, intake, day, now)
            reason = f"Assigned {chosen_day.technician.name} ({chosen_day.technician.user_id}): chosen by {actor.user_id}; free at that time."
        else:
            availability.check_area(setup, postcode, "address.postcode")
            free = slots.free_technicians(setup, intake.start, postcode, end=intake.end)
            chosen_day = assignment.choose(free)
            if chosen_day is None:
                raise taken(intake, now, "No technician is free at that time any more.")
            reason = assignment.reason(chosen_day, free)
        job = setup.job(intake.start, intake.end)
        order = _new_order(order_id, actor, intake, setup, job, chosen_day.technician.user_id, reason, now, source,
                           fingerprint if idempotency_key else None)
        calendar = calendars.reserve(chosen_day.calendar, chosen_day.technician.user_id, day, order_id, job)
        places = contacts.reserve(setup.counters, ledgers, order_id, job.start, now, limit) if ledgers else []
        try:
            calendars.commit(order, [calendar], new_order=True, counters=places)
        except calendars.CalendarChanged:
            continue
        except calendars.OrderExists:
            earlier = _earlier_booking(order_id, fingerprint) if idempotency_key else None
            if earlier is None:
                raise Conflict("This booking is being made by another request right now; try again.")
            return Booked(earlier, False)
        observability.count("BookingCreated")
        return Booked(order, True, setup)
    raise taken(intake, now, "That time was just taken by someone else.")


def chosen_technician(setup: slots.Setup, wanted: orders_intake.Intake, day, now: datetime,
            except_order: str | None = None) -> slots.TechnicianDay:
    """The technician the office chose, checked the same way as any booking: qualified, covering
    the address's postcode (422 `area_not_served`) and free (apart from `except_order`, the order
    being moved)."""
    tech_day = setup.days.get((wanted.technician_id, day))
    if tech_day is None:
        raise ValidationFailed("The technician is not valid.", [{"field": "technician_id", "message": f"no active technician '{wanted.technician_id}'"}])
    skill = setup.service["skill"] if setup.service else None
    if skill and skill not in technicians.profile(tech_day.technician)["skills"]:
        raise ValidationFailed("The technician lacks the skill.", [{"field": "technician_id", "message": f"does not have the skill '{skill}'"}])
    postcode = (wanted.address or {}).get("postcode")
    if postcode and tech_day.technician.user_id not in {t.user_id for t in slots.covering(setup, postcode)}:
        shown = " ".join(postcode.split()).upper()
        raise availability.AreaNotServed(f"{tech_day.technician.name} does not work in {shown}.",
                            [{"field": "technician_id", "message": f"does not cover {shown}"}])
    if not slots.is_free(setup, tech_day, setup.job(wanted.start, wanted.end), except_order):
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
                               [{"field": "Idempotency-Key", "message": "was already used with another request body"}],
                               code="idempotency_key_reused")
    return order


def _new_order(order_id, actor, intake, setup, job, technician_id, reason, now, source, fingerprint) -> OrderModel:
    order = orders_intake.build(order_id, actor, intake, setup.process_map, now, source,
                         service_name=setup.service["name"] if setup.service else None)
    order.appointment_start, order.appointment_end = job.start, job.end
    order.technician_id = technician_id
    order.manage_token = link_tokens.new()
    order.booking_key_hash = fingerprint
    if intake.confirm:
        moves.apply_move(SYSTEM if actor.role == "customer" else actor, order, BOOKED_STEP, reason, now)
    else:
        first = order.history[0]
        first.note = f"{first.note}. Time reserved. {reason}"
    return order
