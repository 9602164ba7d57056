"""A new work order: the intake a booking or a phone call gives, validated, built into an order."""
from dataclasses import dataclass
from datetime import datetime

from chalicelib.core import ids
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.customers import normalise, records
from chalicelib.data import entries, models
from chalicelib.data.models import Address, Customer, Move, Note, OrderModel
from chalicelib.orders import moves
from chalicelib.staff import directory
from chalicelib.staff.auth import Principal
from chalicelib.workflow import kinds, process_map


def check_technician(user_id: str, field: str) -> models.StaffModel:
    member = directory.find(user_id)
    if member is None or member.role != "technician" or not member.active:
        raise ValidationFailed("The technician is not valid.", [{"field": field, "message": f"no active technician '{user_id}'"}])
    return member


@dataclass
class Intake:
    """A new order as the office (phone) or the booking form (web) describes it."""

    customer: dict
    address: dict
    service_id: str | None = None
    service_name: str | None = None
    description: str | None = None
    note: str | None = None
    technician_id: str | None = None
    start: datetime | None = None  # a time to book (with the service's duration)
    end: datetime | None = None  # an explicit end (a job without a service)
    confirm: bool = False  # book straight into `scheduled`
    customer_id: str | None = None  # the customer record (found or created by `link_customer`)
    kind: str | None = None  # the kind of work, for an order without a service (else the service's)


def parse_contact(fields: Fields, email_required: bool) -> tuple[dict, dict]:
    """The customer and the service address; with `email_required` off, an email or a phone."""
    customer = fields.object("customer")
    name = customer.header_text("name", 120) if customer else None
    email = customer.email("email", required=email_required) if customer else None
    phone = customer.phone("phone", required=email_required) if customer else None
    if phone:
        try:
            normalise.phone(phone)
        except normalise.NotAPhoneNumber as exc:
            customer.error("phone", str(exc))
    if customer and not (email or phone) and not any(e["field"].startswith("customer.") for e in fields.errors):
        customer.error("email", "an email or a phone number is required")
    address = fields.object("address")
    street = address.text("street", 200) if address else None
    city = address.text("city", 100) if address else None
    postcode = address.text("postcode", 10) if address else None
    if postcode and not postcode.replace(" ", "").isalnum():
        address.error("postcode", "must be letters, digits and spaces")
    return {"name": name, "email": email, "phone": phone}, {"street": street, "city": city, "postcode": postcode}


def parse_intake(body: dict) -> Intake:
    """POST /orders. With `service_id` and `start` the order is booked and scheduled at once;
    with `appointment` {start, end} the time is reserved and the order waits in the start step
    for the dispatcher to confirm; with neither it waits to be booked."""
    fields = Fields(body)
    customer, address = parse_contact(fields, email_required=False)
    intake = Intake(
        customer,
        address,
        service_id=fields.text("service_id", 64, required=False),
        service_name=fields.header_text("service_name", 120, required=False),
        description=fields.text("description", 2000, required=False, multiline=True),
        note=fields.text("note", 2000, required=False, multiline=True),
        technician_id=fields.text("technician_id", 64, required=False),
        customer_id=fields.text("customer_id", 64, required=False),
        kind=fields.text("kind", 40, required=False),
    )
    if intake.kind is not None and not process_map.KEY_PATTERN.match(intake.kind):
        fields.error("kind", "must match ^[a-z][a-z0-9_]{0,39}$")
    if "start" in body:
        intake.start = fields.datetime("start")
        intake.confirm = True
        if not intake.service_id:
            fields.error("service_id", "is required to book a time (its duration and skill)")
    appointment = fields.object("appointment", required=False)
    if appointment:
        if "start" in body:
            fields.error("appointment", "give either `start` (with a service) or `appointment`, not both")
        intake.start = appointment.datetime("start")
        intake.end = appointment.datetime("end", required=not intake.service_id)
        if intake.start and intake.end and intake.end <= intake.start:
            appointment.error("end", "must be after the start")
    fields.raise_if_errors()
    return intake


def kind_for(intake: Intake, service: dict | None) -> str | None:
    """The kind of work of a new order (`kinds.for_new_order`)."""
    return kinds.for_new_order(intake.kind, service)


def build(order_id: str, principal: Principal, intake: Intake, pm: process_map.ProcessMap, now: datetime,
          source: str, service_name: str | None = None) -> OrderModel:
    """A new order at the start step of `pm` (unsaved), of `pm`'s kind of work."""
    created = "Booked online" if source == "web" else "Created by phone intake"
    order = OrderModel(
        order_id,
        workflow_id=pm.workflow_id,
        kind=pm.kind or kinds.kind_for_workflow(pm.workflow_id),
        workflow_version=pm.version,
        step=pm.start_step,
        step_entered_at=now,
        created_at=now,
        updated_at=now,
        created_by=principal.user_id,
        source=source,
        customer=Customer(**intake.customer),
        customer_id=intake.customer_id,
        address=Address(**intake.address),
        service_id=intake.service_id,
        service_name=service_name or intake.service_name,
        description=intake.description,
        technician_id=intake.technician_id,
        line_items=[],
        notes=[Note(note_id=ids.new_id("N-"), text=intake.note, author=principal.user_id, at=now)] if intake.note else [],
        history=[Move(from_step=None, to_step=pm.start_step, by=principal.user_id, at=now, note=created)],
    )
    moves.track_step(order, pm.step(pm.start_step), now)
    entries.mark_new(order)  # nothing of it is stored yet: its first entries go with its first write
    return order


def link_customer(intake: Intake, now: datetime, source: str) -> None:
    """The customer record the order will carry: the one the office chose (`customer_id`, which
    must exist; a merged one gives the customer it went into), else the one with the intake's
    email or phone, else a new one."""
    if intake.customer_id:
        found = records.live(intake.customer_id)
        if found is None or found.erased_at is not None:
            raise ValidationFailed("The customer is not valid.",
                                   [{"field": "customer_id", "message": f"no customer '{intake.customer_id}'"}])
        intake.customer_id = found.customer_id
        return
    intake.customer_id = records.find_or_create(intake.customer, intake.address, now, source).customer_id
