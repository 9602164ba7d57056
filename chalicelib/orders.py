"""Work orders: intake, reading, listing, moving through the process map, notes and line items.

Every write is conditional on the order's version (optimistic locking): of two people editing
one order, one wins and the other gets 409 with nothing overwritten. History is append-only.
"""
import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

from pynamodb.exceptions import PutError, QueryError

from chalicelib import catalog, observability, settings, staff, workflow
from chalicelib.auth import Principal
from chalicelib.errors import (
    BadRequest,
    ConditionsUnmet,
    Conflict,
    Forbidden,
    MoveNotAllowed,
    NotFound,
    ValidationFailed,
)
from chalicelib.models import Address, Customer, LineItem, Move, Note, OrderModel
from chalicelib.validation import Fields, query_datetime

# Notes and line items do not need the caller's version: on a concurrent write they are
# re-applied to the fresh order, a few times at most.
_APPEND_ATTEMPTS = 5
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def id_for_key(prefix: str, scope: str, key: str | None) -> str:
    """A fresh id, or, for a client's Idempotency-Key, the same id every time the key is replayed
    for this scope (an order), so a replay finds what the first attempt wrote."""
    if not key:
        return new_id(prefix)
    digest = hashlib.sha256(f"{scope}:{key}".encode()).digest()
    return prefix + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:12])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


# --- reading ----------------------------------------------------------------------------------

def load(order_id: str) -> OrderModel:
    try:
        return OrderModel.get(order_id, consistent_read=True)
    except OrderModel.DoesNotExist:
        raise NotFound(f"No work order '{order_id}'.")


def load_for(principal: Principal, order_id: str) -> OrderModel:
    """The order, if this person may see it. A technician sees only their own orders; for any
    other the answer is the same 404 as for an order that does not exist."""
    order = load(order_id)
    if principal.is_technician and order.technician_id != principal.user_id:
        raise NotFound(f"No work order '{order_id}'.")
    return order


def next_steps(order: OrderModel, principal: Principal) -> list[dict]:
    """The steps this person may move the order to now (before exit conditions are checked)."""
    pm = workflow.version(int(order.workflow_version))
    return [
        {"key": key, "label": pm.step(key).label}
        for key in pm.step(order.step).next
        if principal.role in pm.step(key).allowed_roles
    ]


def _file_url(s3_key: str) -> str:
    """A short-lived link to a private file (photo, signature) for the person viewing the order."""
    from chalicelib.aws import client

    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": settings.files_bucket(), "Key": s3_key}, ExpiresIn=FILE_URL_SECONDS
    )


FILE_URL_SECONDS = 900


def maps_url(order: OrderModel) -> str:
    """Directions to the job: a maps search for its address (opens the maps app on a phone)."""
    address = f"{order.address.street}, {order.address.postcode} {order.address.city}"
    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(address)


def view(order: OrderModel, technician=None, principal: Principal | None = None) -> dict:
    """The order as staff see it; with `principal`, also the moves they may make next."""
    tech = technician if technician is not None else staff.profile(order.technician_id)
    pm = workflow.version(int(order.workflow_version))
    items = [
        {
            "id": li.item_id,
            "description": li.description,
            "quantity": int(li.quantity),
            "unit_price_cents": int(li.unit_price_cents),
            "total_cents": int(li.quantity) * int(li.unit_price_cents),
            "price_item_id": li.price_item_id,
            "added_by": li.added_by,
            "added_at": _iso(li.added_at),
        }
        for li in order.line_items
    ]
    return {
        "order_id": order.order_id,
        "step": order.step,
        "step_label": pm.step(order.step).label if pm.has_step(order.step) else order.step,
        "step_entered_at": _iso(order.step_entered_at),
        "version": int(order.version),
        "workflow_version": int(order.workflow_version),
        "source": order.source,
        "customer": {"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone},
        "address": {"street": order.address.street, "city": order.address.city, "postcode": order.address.postcode},
        "maps_url": maps_url(order),
        "service_id": order.service_id,
        "service_name": order.service_name,
        "description": order.description,
        "appointment": (
            {"start": _iso(order.appointment_start), "end": _iso(order.appointment_end)}
            if order.appointment_start
            else None
        ),
        "technician": (
            {"id": tech.user_id, "name": tech.name, "email": tech.email, "phone": tech.phone}
            if tech is not None
            else ({"id": order.technician_id} if order.technician_id else None)
        ),
        "line_items": items,
        "total_cents": sum(i["total_cents"] for i in items),
        "notes": [{"id": n.note_id, "text": n.text, "author": n.author, "at": _iso(n.at)} for n in order.notes],
        "history": [
            {"from": m.from_step, "to": m.to_step, "by": m.by, "at": _iso(m.at), "note": m.note}
            for m in order.history
        ],
        "photos": [
            {"id": p.photo_id, "url": _file_url(p.s3_key), "content_type": p.content_type, "size_bytes": int(p.size_bytes),
             "uploaded_by": p.uploaded_by, "uploaded_at": _iso(p.uploaded_at)}
            for p in order.photos
        ],
        "signature": (
            {"url": _file_url(order.signature.s3_key), "signed_by": order.signature.signed_by,
             "captured_by": order.signature.captured_by, "at": _iso(order.signature.at)}
            if order.signature else None
        ),
        **({"next_steps": next_steps(order, principal)} if principal else {}),
        "created_at": _iso(order.created_at),
        "updated_at": _iso(order.updated_at),
        "created_by": order.created_by,
    }


def _encode_cursor(key: dict | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _bad_cursor() -> BadRequest:
    return BadRequest("The cursor is not one this API returned.", {"field": "cursor"}, code="invalid_cursor")


def _decode_cursor(cursor: str | None, key_fields: dict | None = None) -> dict | None:
    """The start key a cursor holds. It must name exactly the key attributes of the index being
    queried (`key_fields`: attribute -> required value or None), each a string; else 400,
    never a failed query."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise _bad_cursor()
    if not isinstance(key, dict) or "order_id" not in key:
        raise _bad_cursor()
    if key_fields is not None:
        if set(key) != set(key_fields):
            raise _bad_cursor()
        for name, value in key.items():
            if not (isinstance(value, dict) and list(value) == ["S"] and isinstance(value["S"], str) and value["S"]):
                raise _bad_cursor()
            if key_fields[name] is not None and value["S"] != key_fields[name]:
                raise _bad_cursor()
    return key


def list_orders(params: dict) -> dict:
    """GET /orders. One Query on the index that fits the filters:

    - technician -> `by-technician` (technician_id, appointment_start between from/to)
    - step -> `by-step` (step, step_entered_at), appointment range as a filter
    - from/to only -> `by-appointment` (list_pk, appointment_start between from/to)
    - nothing -> `by-created` (list_pk, created_at), newest first
    """
    step = params.get("step") or None
    technician = params.get("technician") or None
    start, end = query_datetime(params, "from"), query_datetime(params, "to")
    if start and end and end < start:
        raise ValidationFailed("`to` is before `from`.", [{"field": "to", "message": "must not be before `from`"}])
    try:
        limit = int(params.get("limit") or settings.ORDERS_PAGE_CAP)
    except ValueError:
        raise ValidationFailed("`limit` is not a number.", [{"field": "limit", "message": "must be a whole number"}])
    limit = max(1, min(limit, settings.ORDERS_PAGE_CAP))
    # The key attributes (and fixed values) of a start key for the index chosen below.
    if technician:
        key_fields = {"order_id": None, "technician_id": technician, "appointment_start": None}
    elif step:
        key_fields = {"order_id": None, "step": step, "step_entered_at": None}
    elif start or end:
        key_fields = {"order_id": None, "list_pk": OrderModel.list_pk.default, "appointment_start": None}
    else:
        key_fields = {"order_id": None, "list_pk": OrderModel.list_pk.default, "created_at": None}
    cursor = _decode_cursor(params.get("cursor"), key_fields)

    def time_range(attr):
        if start and end:
            return attr.between(start, end)
        if start:
            return attr >= start
        if end:
            return attr <= end
        return None

    common = {"limit": limit, "last_evaluated_key": cursor}
    if technician:
        condition = step and (OrderModel.step == step)
        results = OrderModel.by_technician.query(
            technician, range_key_condition=time_range(OrderModel.appointment_start), filter_condition=condition, **common
        )
    elif step:
        results = OrderModel.by_step.query(
            step, filter_condition=time_range(OrderModel.appointment_start), scan_index_forward=False, **common
        )
    elif start or end:
        results = OrderModel.by_appointment.query(
            OrderModel.list_pk.default, range_key_condition=time_range(OrderModel.appointment_start), **common
        )
    else:
        results = OrderModel.by_created.query(OrderModel.list_pk.default, scan_index_forward=False, **common)
    try:
        orders = list(results)
    except QueryError as exc:
        # DynamoDB refuses a start key outside the query's range (a cursor from another filter).
        if cursor is not None and exc.cause_response_code == "ValidationException":
            raise _bad_cursor()
        raise
    technicians = {s.user_id: s for s in staff.StaffModel.batch_get({o.technician_id for o in orders if o.technician_id})}
    return {
        "orders": [view(o, technicians.get(o.technician_id, False) or None) for o in orders],
        "next_cursor": _encode_cursor(results.last_evaluated_key),
    }


# --- writing ----------------------------------------------------------------------------------

def is_too_large(exc) -> bool:
    """DynamoDB refuses an item over 400 KB: an order that gathered that much in notes, items and
    moves. A ValidationException about the item's size, from a write or a transaction."""
    return exc.cause_response_code == "ValidationException" and "size" in str(exc.cause_response_message or "")


def order_full(order_id: str) -> ValidationFailed:
    return ValidationFailed(
        "This work order has reached its size limit (400 KB): it can take no more notes, items or moves.",
        [{"field": "order_id", "message": f"'{order_id}' is full"}], code="order_too_large")


def _save(order: OrderModel, conflict_message: str) -> None:
    try:
        order.save()
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(conflict_message, {"order_id": order.order_id})
        if is_too_large(exc):
            raise order_full(order.order_id)
        raise


def _technician(user_id: str, field: str) -> staff.StaffModel:
    member = staff.find(user_id)
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


def parse_contact(fields: Fields, email_required: bool) -> tuple[dict, dict]:
    """The customer and the service address; with `email_required` off, an email or a phone."""
    customer = fields.object("customer")
    name = customer.text("name", 120) if customer else None
    email = customer.email("email", required=email_required) if customer else None
    phone = customer.phone("phone", required=email_required) if customer else None
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
        service_name=fields.text("service_name", 120, required=False),
        description=fields.text("description", 2000, required=False, multiline=True),
        note=fields.text("note", 2000, required=False, multiline=True),
        technician_id=fields.text("technician_id", 64, required=False),
    )
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


def build(order_id: str, principal: Principal, intake: Intake, pm: workflow.ProcessMap, now: datetime,
          source: str, service_name: str | None = None) -> OrderModel:
    """A new order at the start step of `pm` (unsaved)."""
    created = "Booked online" if source == "web" else "Created by phone intake"
    order = OrderModel(
        order_id,
        workflow_id=workflow.WORKFLOW_ID,
        workflow_version=pm.version,
        step=pm.start_step,
        step_entered_at=now,
        created_at=now,
        updated_at=now,
        created_by=principal.user_id,
        source=source,
        customer=Customer(**intake.customer),
        address=Address(**intake.address),
        service_id=intake.service_id,
        service_name=service_name or intake.service_name,
        description=intake.description,
        technician_id=intake.technician_id,
        line_items=[],
        notes=[Note(note_id=new_id("N-"), text=intake.note, author=principal.user_id, at=now)] if intake.note else [],
        history=[Move(from_step=None, to_step=pm.start_step, by=principal.user_id, at=now, note=created)],
    )
    track_step(order, pm.step(pm.start_step), now)
    return order


def track_step(order: OrderModel, step: workflow.Step, entered_at: datetime) -> None:
    """Put the order in `step` and keep the review indexes' attributes with it: while the step
    is open, `open_step` and the SLA due time (none without an SLA); once it is an end step,
    the month it closed. Call it wherever an order's step changes."""
    order.step = step.key
    order.step_entered_at = entered_at
    if step.is_end:
        order.open_step, order.sla_due_at = None, None
        order.closed_month = entered_at.astimezone(timezone.utc).strftime("%Y-%m")
        return
    order.open_step = step.key
    order.sla_due_at = entered_at + timedelta(minutes=step.sla_minutes) if step.sla_minutes else None
    order.closed_month = None


def create(principal: Principal, intake: Intake, now: datetime) -> OrderModel:
    """An order with no time booked yet, waiting at the start step of the current map."""
    if intake.technician_id:
        _technician(intake.technician_id, "technician_id")
    order = build(new_id("WO-"), principal, intake, workflow.current(), now, "phone")
    order.save(condition=OrderModel.order_id.does_not_exist())
    observability.count("OrderCreated")
    return order


def transition(principal: Principal, order_id: str, body: dict, now: datetime, key: str | None = None) -> OrderModel:
    """Move an order. With an Idempotency-Key, a replay of a move already made answers with the
    order as it is now and changes nothing, even if the order has moved on since."""
    fields = Fields(body)
    target = fields.text("to", 40)
    note = fields.text("note", 1000, required=False, multiline=True)
    expected = fields.integer("expected_version", minimum=1)
    fields.raise_if_errors()
    order = load_for(principal, order_id)
    move_key = id_for_key("MV-", order_id, key) if key else None
    if move_key and any(m.key == move_key for m in order.history):
        return order
    return move(principal, order, target, note, expected, now, move_key)


def move(principal: Principal, order: OrderModel, target: str, note: str | None, expected: int | None, now: datetime,
         move_key: str | None = None) -> OrderModel:
    """Move an order to `target` if the map allows it, this person may, and the exit conditions
    of the current step hold. Entry automations run from the orders stream."""
    if expected is not None and expected != order.version:
        raise Conflict(
            f"The order changed since you read it (version {order.version}, you sent {expected}).",
            {"order_id": order.order_id, "current_version": int(order.version), "current_step": order.step},
        )
    destination = apply_move(principal, order, target, note, now, move_key)
    if releases_time(order, destination):
        from chalicelib import booking

        booking.release_and_save(order, clear=destination.key == _start_step(order))
    else:
        _save(order, "Someone else changed this order at the same moment; reload it and try again.")
    observability.count("OrderMoved")
    return order


def _start_step(order: OrderModel) -> str:
    return workflow.version(int(order.workflow_version)).start_step


def releases_time(order: OrderModel, destination: workflow.Step) -> bool:
    """Cancelling an order, or sending it back to the start to be booked again, frees the
    technician's reserved time."""
    booked = bool(order.technician_id and order.appointment_start)
    cancelled = destination.is_end and destination.interruption
    return booked and (cancelled or destination.key == _start_step(order))


def apply_move(principal: Principal, order: OrderModel, target: str, note: str | None, now: datetime,
               move_key: str | None = None) -> workflow.Step:
    """Check a move against the order's process-map version and apply it to `order` (unsaved)."""
    pm = workflow.version(int(order.workflow_version))
    current = pm.step(order.step)
    if target not in current.next:
        raise MoveNotAllowed(
            f"An order in '{current.key}' cannot move to '{target}'.",
            {"step": current.key, "allowed_next": list(current.next)},
        )
    destination = pm.step(target)
    if principal.role not in destination.allowed_roles:
        raise Forbidden(
            f"The role '{principal.role}' may not move an order into '{target}'.",
            {"allowed_roles": list(destination.allowed_roles)},
        )
    if not destination.interruption:
        unmet = [
            {"condition": name, "message": workflow.CONDITIONS[name][1]}
            for name in current.exit_conditions
            if not workflow.CONDITIONS[name][0](order)
        ]
        if unmet:
            raise ConditionsUnmet(
                f"The order cannot leave '{current.key}' yet: " + "; ".join(u["message"] for u in unmet) + ".",
                {"step": current.key, "unmet_conditions": unmet},
            )
    order.history = list(order.history) + [Move(from_step=current.key, to_step=target, by=principal.user_id, at=now, note=note, key=move_key)]
    track_step(order, destination, now)
    order.updated_at = now
    return destination


def append(principal: Principal, order_id: str, expected: int | None, change) -> OrderModel:
    """Apply `change` to the fresh order and save, re-reading on a concurrent write. `change`
    returns False when there is nothing to do (an idempotent replay)."""
    for _ in range(_APPEND_ATTEMPTS):
        order = load_for(principal, order_id)
        if expected is not None and expected != order.version:
            raise Conflict(
                f"The order changed since you read it (version {order.version}, you sent {expected}).",
                {"order_id": order_id, "current_version": int(order.version), "current_step": order.step},
            )
        if change(order) is False:  # an idempotent replay: already applied
            return order
        try:
            order.save()
            return order
        except PutError as exc:
            if is_too_large(exc):
                raise order_full(order_id)
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            if expected is not None:
                raise Conflict("Someone else changed this order at the same moment; reload it and try again.")
    raise Conflict("The order is being changed by others right now; try again.", {"order_id": order_id})


def _closed(order: OrderModel) -> bool:
    return workflow.version(int(order.workflow_version)).step(order.step).is_end


def add_note(principal: Principal, order_id: str, body: dict, now: datetime, key: str | None = None) -> OrderModel:
    fields = Fields(body)
    text = fields.text("text", 2000, multiline=True)
    expected = fields.integer("expected_version", minimum=1, required=False)
    fields.raise_if_errors()
    note = Note(note_id=id_for_key("N-", order_id, key), text=text, author=principal.user_id, at=now)

    def change(order):
        if any(n.note_id == note.note_id for n in order.notes):
            return False
        order.notes = list(order.notes) + [note]
        order.updated_at = now

    return append(principal, order_id, expected, change)


def add_line_item(principal: Principal, order_id: str, body: dict, now: datetime, key: str | None = None) -> OrderModel:
    """From the price list (`price_item_id`, `quantity`) or free text (`description`,
    `quantity`, `unit_price_cents`) where the business allows it. Technicians cannot set prices."""
    fields = Fields(body)
    quantity = fields.integer("quantity", minimum=1, maximum=10000)
    expected = fields.integer("expected_version", minimum=1, required=False)
    price_item_id = fields.text("price_item_id", 64, required=False)
    if price_item_id:
        if "unit_price_cents" in body or "description" in body:
            fields.error("price_item_id", "give either price_item_id or description with unit_price_cents, not both")
        fields.raise_if_errors()
        item = catalog.price_item(price_item_id)
        description, unit_price = item["name"], int(item["unit_price_cents"])
    else:
        if principal.is_technician and "unit_price_cents" in body:
            raise Forbidden("Technicians add items from the price list; prices are set by the office.")
        description = fields.text("description", 200)
        unit_price = fields.integer("unit_price_cents", minimum=0, maximum=100_000_000)
        fields.raise_if_errors()
        if not catalog.business().get("allow_free_text_items", True):
            raise ValidationFailed("This business only allows items from the price list.", [{"field": "price_item_id", "message": "is required"}])
    line = LineItem(
        item_id=id_for_key("LI-", order_id, key),
        description=description,
        quantity=quantity,
        unit_price_cents=unit_price,
        price_item_id=price_item_id,
        added_by=principal.user_id,
        added_at=now,
    )

    def change(order):
        if any(li.item_id == line.item_id for li in order.line_items):
            return False
        if _closed(order):
            raise MoveNotAllowed(f"The order is '{order.step}'; its items can no longer change.", {"step": order.step})
        order.line_items = list(order.line_items) + [line]
        order.updated_at = now

    return append(principal, order_id, expected, change)
