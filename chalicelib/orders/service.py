"""What staff do to an order: phone intake, moves, notes and line items."""
from datetime import datetime

from chalicelib.core import ids, observability
from chalicelib.core.errors import Conflict, Forbidden, MoveNotAllowed, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data.models import LineItem, Note, OrderModel
from chalicelib.orders import intake as orders_intake
from chalicelib.orders import moves, storage
from chalicelib.orders.intake import Intake
from chalicelib.scheduling import calendars
from chalicelib.setup import catalog
from chalicelib.staff.auth import Principal
from chalicelib.workflow import versions


def create(principal: Principal, intake: Intake, now: datetime) -> OrderModel:
    """An order with no time booked yet, waiting at the start step of the current map."""
    if intake.technician_id:
        orders_intake.check_technician(intake.technician_id, "technician_id")
    order = orders_intake.build(ids.new_id("WO-"), principal, intake, versions.current(), now, "phone")
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
    order = storage.load_for(principal, order_id)
    move_key = ids.id_for_key("MV-", order_id, key) if key else None
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
    destination = moves.apply_move(principal, order, target, note, now, move_key)
    if moves.releases_time(order, destination):
        calendars.release_and_save(order, clear=destination.key == moves.start_step(order))
    else:
        storage.save(order, "Someone else changed this order at the same moment; reload it and try again.")
    observability.count("OrderMoved")
    return order


def add_note(principal: Principal, order_id: str, body: dict, now: datetime, key: str | None = None) -> OrderModel:
    fields = Fields(body)
    text = fields.text("text", 2000, multiline=True)
    expected = fields.integer("expected_version", minimum=1, required=False)
    fields.raise_if_errors()
    note = Note(note_id=ids.id_for_key("N-", order_id, key), text=text, author=principal.user_id, at=now)

    def change(order):
        if any(n.note_id == note.note_id for n in order.notes):
            return False
        order.notes = list(order.notes) + [note]
        order.updated_at = now

    return storage.append(principal, order_id, expected, change)


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
        item_id=ids.id_for_key("LI-", order_id, key),
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
        if moves.is_closed(order):
            raise MoveNotAllowed(f"The order is '{order.step}'; its items can no longer change.", {"step": order.step})
        order.line_items = list(order.line_items) + [line]
        order.updated_at = now

    return storage.append(principal, order_id, expected, change)
