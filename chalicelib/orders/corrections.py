"""Correcting mistakes on an order, with history: the contact details, address, description and
service (PATCH /orders/{id}, the office) and the line items (PATCH and DELETE
/orders/{id}/line-items/{line_id}, the office, or the technician on their own order until it is
completed).

Each correction is an entry of the order's history (step unchanged) naming who, when, and every
field's old and new value (`changes`), written in the order's transaction (`storage.change`).

- An address change keeps the assigned technician only if they cover the new postcode (422
  `area_not_served` otherwise, nothing saved).
- A service change needs the assigned technician to have the new service's skill; on an order
  with a booked time it is refused when the new service takes a different time than the one
  booked (422 `duration_changed`: reschedule or unbook first) - a dispatcher expects the
  technician's calendar to stay true, and silently lengthening a booking could overlap the next job.
- Line items cannot change on a closed order (422 as adding does), nor while the order has an
  invoice that is not void (409 `order_invoiced`: void it, correct, then reissue).
"""
from datetime import datetime

from chalicelib.core.errors import Conflict, Forbidden, MoveNotAllowed, NotFound, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.customers import normalise
from chalicelib.data import invoice_chain
from chalicelib.data.models import Address, Customer, Move, OrderModel
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.orders import moves, storage
from chalicelib.scheduling.availability import AreaNotServed
from chalicelib.setup import catalog, services, technicians
from chalicelib.staff.auth import Principal
from chalicelib.workflow import versions

CUSTOMER_FIELDS = ("name", "email", "phone")
ADDRESS_FIELDS = ("street", "city", "postcode")


def _record(order: OrderModel, principal: Principal, now: datetime, what: str, changes: list[dict]) -> None:
    """The history entry of a correction (not a move: the step stays)."""
    order.history = list(order.history) + [Move(
        from_step=order.step, to_step=order.step, by=principal.user_id, at=now, recorded_at=now,
        note=f"Corrected {what}.", changes=changes)]
    order.updated_at = now


def _parse_contact(fields: Fields, body: dict) -> tuple[dict, dict]:
    """The customer and address fields given (each optional), checked as on create: names and
    emails must be safe in an email header, phones must be phone numbers, postcodes letters and digits."""
    customer, address = {}, {}
    given = fields.object("customer", required=False)
    if given is not None:
        raw = given.data
        if "name" in raw:
            customer["name"] = given.header_text("name", 120)
        if "email" in raw:
            customer["email"] = given.email("email", required=False)
        if "phone" in raw:
            phone = given.phone("phone", required=False)
            if phone:
                try:
                    normalise.phone(phone)
                except normalise.NotAPhoneNumber as exc:
                    given.error("phone", str(exc))
            customer["phone"] = phone
    given = fields.object("address", required=False)
    if given is not None:
        raw = given.data
        limits = {"street": 200, "city": 100, "postcode": 10}
        for name in ADDRESS_FIELDS:
            if name in raw:
                address[name] = given.text(name, limits[name])
        if address.get("postcode") and not address["postcode"].replace(" ", "").isalnum():
            given.error("postcode", "must be letters, digits and spaces")
    return customer, address


def _check_area(order: OrderModel, postcode: str) -> None:
    """The assigned technician must cover the new postcode (when they work in service areas)."""
    if not order.technician_id:
        return
    member = technicians.technician(order.technician_id)
    areas = technicians.profile(member)["areas"]
    code = technicians.normalise_postcode(postcode)
    if areas and not any(code.startswith(a) for a in areas):
        shown = " ".join(postcode.split()).upper()
        raise AreaNotServed(
            f"{member.name} does not cover {shown}; assign a technician who does before changing the address.",
            [{"field": "address.postcode", "message": f"{shown} is outside the assigned technician's area"}])


def _check_service(order: OrderModel, service: dict) -> None:
    """The assigned technician must have the service's skill; a booked time must fit the new duration."""
    skill = service.get("skill")
    if order.technician_id and skill:
        member = technicians.technician(order.technician_id)
        if skill not in technicians.profile(member)["skills"]:
            raise ValidationFailed(
                f"{member.name} does not do {service['name']}; assign a technician who does first.",
                [{"field": "service_id", "message": f"the assigned technician lacks the skill '{skill}'"}],
                code="skill_missing")
    if order.appointment_start and order.appointment_end and service.get("duration_minutes"):
        booked = int((order.appointment_end - order.appointment_start).total_seconds() // 60)
        if booked != int(service["duration_minutes"]):
            raise ValidationFailed(
                f"The booked time is {booked} minutes and {service['name']} takes {service['duration_minutes']}; "
                "reschedule the order (or unbook it) before changing its service.",
                [{"field": "service_id", "message": "the new service does not fit the booked time"}],
                code="duration_changed")


def correct(principal: Principal, order_id: str, body: dict, now: datetime) -> Answer:
    """PATCH /orders/{id}: `expected_version` and any of `customer` {name, email, phone},
    `address` {street, city, postcode}, `description`, `service_id`. Unchanged values are ignored;
    nothing changed answers the order as it is."""
    fields = Fields(body)
    expected = fields.integer("expected_version", minimum=1)
    customer, address = _parse_contact(fields, body)
    description = fields.text("description", 2000, required=False, multiline=True) if "description" in body else None
    service_id = fields.text("service_id", 64, required=False) if "service_id" in body else None
    if not (customer or address or "description" in body or service_id):
        fields.error("body", "give customer, address, description or service_id")
    fields.raise_if_errors("The correction is not valid.")
    service = services.service(service_id) if service_id else None

    def apply(order: OrderModel):
        changes = []
        old_customer = {k: getattr(order.customer, k) for k in CUSTOMER_FIELDS}
        new_customer = {**old_customer, **customer}
        if customer and not new_customer["name"]:
            raise ValidationFailed("The customer needs a name.", [{"field": "customer.name", "message": "is required"}])
        if customer and not (new_customer["email"] or new_customer["phone"]):
            raise ValidationFailed("The customer needs an email or a phone number.",
                                   [{"field": "customer.email", "message": "an email or a phone number is required"}])
        changes += [{"field": f"customer.{k}", "old": old_customer[k], "new": new_customer[k]}
                    for k in CUSTOMER_FIELDS if new_customer[k] != old_customer[k]]
        old_address = {k: getattr(order.address, k) for k in ADDRESS_FIELDS}
        new_address = {**old_address, **{k: v for k, v in address.items() if v}}
        address_changes = [{"field": f"address.{k}", "old": old_address[k], "new": new_address[k]}
                           for k in ADDRESS_FIELDS if new_address[k] != old_address[k]]
        if address_changes and moves.is_closed(order):
            raise MoveNotAllowed(f"The order is '{order.step}'; its address can no longer change.", {"step": order.step})
        if any(c["field"] == "address.postcode" for c in address_changes):
            _check_area(order, new_address["postcode"])
        changes += address_changes
        if "description" in body and (description or None) != (order.description or None):
            changes.append({"field": "description", "old": order.description, "new": description})
        if service is not None and service["id"] != order.service_id:
            if moves.is_closed(order):
                raise MoveNotAllowed(f"The order is '{order.step}'; its service can no longer change.", {"step": order.step})
            _check_service(order, service)
            changes.append({"field": "service", "old": {"id": order.service_id, "name": order.service_name},
                            "new": {"id": service["id"], "name": service["name"]}})
        if not changes:
            return False
        order.customer = Customer(**new_customer)
        order.address = Address(**new_address)
        if any(c["field"] == "description" for c in changes):
            order.description = description
        if service is not None and service["id"] != order.service_id:
            order.service_id, order.service_name = service["id"], service["name"]
        what = ", ".join(sorted({c["field"].split(".")[0] for c in changes}))
        _record(order, principal, now, what, changes)

    return storage.change(principal, order_id, apply, None, 200, expected=expected)


def _locked(order: OrderModel, principal: Principal) -> None:
    """Refuse a line item change on a closed or invoiced order, and a technician's once completed."""
    if moves.is_closed(order):
        raise MoveNotAllowed(f"The order is '{order.step}'; its items can no longer change.", {"step": order.step})
    invoice = invoice_chain.current(order.order_id)
    if invoice is not None and invoice.status != "void":
        raise Conflict(f"The order is invoiced ({invoice.number}); void the invoice, correct the items, then reissue it.",
                       {"order_id": order.order_id, "invoice_id": invoice.invoice_id}, code="order_invoiced")
    if principal.is_technician:
        pm = versions.of(order)
        step = pm.step(order.step) if pm.has_step(order.step) else None
        if invoice is not None or (step is not None and "create_invoice" in step.automations):
            raise MoveNotAllowed("The job is completed; ask the office to correct its items.", {"step": order.step})


def _find(order: OrderModel, line_id: str):
    for li in order.line_items:
        if li.item_id == line_id:
            return li
    raise NotFound(f"No line item '{line_id}' on work order '{order.order_id}'.")


def edit_line_item(principal: Principal, order_id: str, line_id: str, body: dict, now: datetime,
                   key: RequestKey | None = None) -> Answer:
    """PATCH /orders/{id}/line-items/{line_id}: `quantity` (anyone who may add); `unit_price_cents`
    and `description` (the office; a free-text description only where the business allows it)."""
    fields = Fields(body)
    quantity = fields.integer("quantity", minimum=1, maximum=10000, required=False)
    expected = fields.integer("expected_version", minimum=1, required=False)
    if principal.is_technician and ("unit_price_cents" in body or "description" in body):
        raise Forbidden("Technicians change quantities; prices and descriptions are set by the office.")
    price = fields.integer("unit_price_cents", minimum=0, maximum=100_000_000, required=False)
    description = fields.text("description", 200, required=False) if "description" in body else None
    if quantity is None and price is None and description is None:
        fields.error("body", "give quantity, unit_price_cents or description")
    fields.raise_if_errors("The line item change is not valid.")

    def apply(order: OrderModel):
        _locked(order, principal)
        line = _find(order, line_id)
        changes = []
        for name, value in (("quantity", quantity), ("unit_price_cents", price), ("description", description)):
            old = int(getattr(line, name)) if name != "description" else line.description
            if value is not None and value != old:
                changes.append({"field": f"line_items.{line_id}.{name}", "old": old, "new": value})
        if description is not None and description != line.description:
            if line.price_item_id is None and not catalog.business().get("allow_free_text_items", True):
                raise ValidationFailed("This business only allows items from the price list.",
                                       [{"field": "description", "message": "free text is not allowed"}])
        if not changes:
            return False
        if quantity is not None:
            line.quantity = quantity
        if price is not None:
            line.unit_price_cents = price
        if description is not None:
            line.description = description
        order.line_items = list(order.line_items)
        _record(order, principal, now, f"line item '{line.description}'", changes)

    return storage.change(principal, order_id, apply, key, 200, expected=expected)


def remove_line_item(principal: Principal, order_id: str, line_id: str, body: dict, now: datetime,
                     key: RequestKey | None = None) -> Answer:
    """DELETE /orders/{id}/line-items/{line_id}; the history keeps what the line was."""
    fields = Fields(body)
    expected = fields.integer("expected_version", minimum=1, required=False)
    fields.raise_if_errors()

    def apply(order: OrderModel):
        _locked(order, principal)
        line = _find(order, line_id)
        old = {"description": line.description, "quantity": int(line.quantity),
               "unit_price_cents": int(line.unit_price_cents), "price_item_id": line.price_item_id}
        order.line_items = [li for li in order.line_items if li.item_id != line_id]
        _record(order, principal, now, f"line items: removed '{line.description}'",
                [{"field": f"line_items.{line_id}", "old": old, "new": None}])

    return storage.change(principal, order_id, apply, key, 200, expected=expected)
