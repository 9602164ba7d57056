"""What staff do to an order: phone intake, moves, notes and line items.

A person's action answers with an `Answer` (status and body), written once per Idempotency-Key
(`storage.change`): a replay gets the first answer, a reused key 422 `idempotency_key_reused`."""
from datetime import datetime

from chalicelib.core import ids, observability
from chalicelib.core.errors import Conflict, Forbidden, MoveNotAllowed, NotFound, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data import items
from chalicelib.data.models import LineItem, Note, OrderModel
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.orders import intake as orders_intake
from chalicelib.orders import moves, storage
from chalicelib.orders.intake import Intake
from chalicelib.scheduling import calendars
from chalicelib.setup import business, catalog, services
from chalicelib.staff.auth import Principal
from chalicelib.workflow import process_map, versions


def create(principal: Principal, intake: Intake, now: datetime) -> OrderModel:
    """An order with no time booked yet, waiting at the start step of the current map of its
    kind of work (its service's, else the one it names, else the legacy kind), on the
    caller's customer record (found or created), counted on it in the order's transaction."""
    if intake.technician_id:
        orders_intake.check_technician(intake.technician_id, "technician_id")
    pm = versions.current(orders_intake.kind_for(intake, _service_or_none(intake.service_id)))
    orders_intake.link_customer(intake, now, "phone")
    order = orders_intake.build(ids.new_id("WO-"), principal, intake, pm, now, "phone")
    calendars.commit(order, [], new_order=True)
    observability.count("OrderCreated")
    return order


def _service_or_none(service_id: str | None) -> dict | None:
    """The order's service, when it names one that exists (an order may name a service by name
    only, or one since removed: it then follows the kind it names, else the legacy kind)."""
    if not service_id:
        return None
    try:
        return services.service(service_id, active_only=False)
    except NotFound:
        return None


def _key_id(key: RequestKey | None) -> str | None:
    return key.key if key else None


def _frees(order: OrderModel, destination: process_map.Step) -> tuple | None:
    """Where the move frees the technician's reserved time, (technician, local date), if it does;
    sent back to the start, the order forgets its booking."""
    if not moves.releases_time(order, destination):
        return None
    where = (order.technician_id, calendars.day_of(order, business.zone()))
    if destination.key == moves.start_step(order):
        order.technician_id, order.appointment_start, order.appointment_end = None, None, None
    return where


def _released(order_id: str, where: tuple | None) -> list:
    """The calendar item that gives the time back, to write in the move's transaction."""
    calendar = calendars.load_day(*where) if where else None
    return [calendars.release(calendar, order_id)] if calendar else []


def transition(principal: Principal, order_id: str, body: dict, now: datetime, key: RequestKey | None = None) -> Answer:
    """Move an order (POST /orders/{id}/transitions). However long its history, a move fits: the
    history is beside the order. The history entry, the order and any time it frees are written
    in one transaction with the key's record."""
    fields = Fields(body)
    target = fields.text("to", 40)
    note = fields.text("note", 1000, required=False, multiline=True)
    expected = fields.integer("expected_version", minimum=1)
    done_at = moves.requested_done_at(fields, now)  # when the technician did it (offline queue)
    waiting_on = moves.requested_waiting_on(fields)  # on hold for the customer: no SLA runs
    fields.raise_if_errors()

    def apply(order):
        destination = moves.apply_move(principal, order, target, note, now, done_at, waiting_on)
        return _released(order.order_id, _frees(order, destination))

    answer = storage.change(principal, order_id, apply, key, 200, expected=expected)
    observability.count("OrderMoved")
    return answer


def move(principal: Principal, order: OrderModel, target: str, note: str | None, expected: int | None, now: datetime) -> OrderModel:
    """Move an order to `target` if the map allows it, this person may, and the exit conditions
    of the current step hold (the system's moves: invoiced, paid). Entry automations run from
    the orders stream."""
    if expected is not None and expected != order.version:
        raise storage.stale(order, expected)
    where = _frees(order, moves.apply_move(principal, order, target, note, now))
    for _ in range(calendars.ATTEMPTS):
        try:
            storage.commit(order, calendars=_released(order.order_id, where))
            observability.count("OrderMoved")
            return order
        except storage.Refused as refused:
            if refused.order:
                raise Conflict("Someone else changed this order at the same moment; reload it and try again.",
                               {"order_id": order.order_id})
    raise Conflict("The technician's calendar is busy changing; try again.", {"order_id": order.order_id})


def add_note(principal: Principal, order_id: str, body: dict, now: datetime, key: RequestKey | None = None) -> Answer:
    """A note (at most 2,000 characters; at most `items.MAX_NOTES` per order)."""
    fields = Fields(body)
    text = fields.text("text", 2000, multiline=True)
    expected = fields.integer("expected_version", minimum=1, required=False)
    done_at = moves.requested_done_at(fields, now)  # when it was written (offline queue)
    fields.raise_if_errors()
    note = Note(note_id=ids.id_for_key("N-", order_id, _key_id(key)), text=text, author=principal.user_id, at=now,
                recorded_at=now)

    def apply(order):
        if any(n.note_id == note.note_id for n in order.notes):
            return False
        note.at = moves.done_time(order, done_at, now)
        items.check_room("notes", int(order.notes_count or 0))
        order.notes = order.notes + [note]
        order.updated_at = now

    return storage.change(principal, order_id, apply, key, 201, expected=expected)


def add_line_item(principal: Principal, order_id: str, body: dict, now: datetime, key: RequestKey | None = None) -> Answer:
    """From the price list (`price_item_id`, `quantity`) or free text (`description`,
    `quantity`, `unit_price_cents`) where the business allows it. Technicians cannot set prices.
    At most `items.MAX_LINE_ITEMS` per order."""
    fields = Fields(body)
    quantity = fields.integer("quantity", minimum=1, maximum=10000)
    expected = fields.integer("expected_version", minimum=1, required=False)
    done_at = moves.requested_done_at(fields, now)  # when it was added (offline queue)
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
        item_id=ids.id_for_key("LI-", order_id, _key_id(key)),
        description=description,
        quantity=quantity,
        unit_price_cents=unit_price,
        price_item_id=price_item_id,
        added_by=principal.user_id,
        added_at=now,
        recorded_at=now,
    )

    def apply(order):
        if any(li.item_id == line.item_id for li in order.line_items):
            return False
        if moves.is_closed(order):
            raise MoveNotAllowed(f"The order is '{order.step}'; its items can no longer change.", {"step": order.step})
        line.added_at = moves.done_time(order, done_at, now)
        items.check_room("line_items", len(order.line_items))
        order.line_items = list(order.line_items) + [line]
        order.updated_at = now

    return storage.change(principal, order_id, apply, key, 201, expected=expected)
