"""Reading, listing and writing orders: every write conditional on the order's version.

`change` is how a person's action is written (a move, a note, a line item, a photo, the
signature): the order is read with its entries, the change applied, the answer rendered, and the
order's item, its new entries, the Idempotency-Key's record (with that answer) and any calendar
item written in one transaction. A replay of the key answers with the first answer."""
from collections.abc import Callable

from pynamodb.connection import Connection
from pynamodb.exceptions import QueryError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, cursors, settings
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.validation import query_datetime
from chalicelib.data import entries, items, models, request_keys
from chalicelib.data.models import CalendarDayModel, OrderModel
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.orders import views
from chalicelib.staff.auth import Principal

# Notes and line items do not need the caller's version: on a concurrent write they are
# re-applied to the fresh order, a few times at most.
_APPEND_ATTEMPTS = 5


def load(order_id: str) -> OrderModel:
    """The order's item (its entries are read when a view needs them)."""
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


def load_full(principal: Principal, order_id: str) -> OrderModel:
    """`load_for`, with the order's photos, notes and newest moves (one Query more)."""
    order = load_for(principal, order_id)
    entries.read(order)
    return order


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
    cursor = cursors.decode(params.get("cursor"), key_fields)

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
            raise cursors.bad_cursor()
        raise
    technicians = {s.user_id: s for s in models.StaffModel.batch_get({o.technician_id for o in orders if o.technician_id})}
    return {
        "orders": [views.summary(o, technicians.get(o.technician_id, False) or None) for o in orders],
        "next_cursor": cursors.encode(results.last_evaluated_key),
    }


class Refused(Exception):
    """The transaction was refused: the order changed (`order`), the key was taken meanwhile
    (`key`), or a calendar item changed (`calendar`)."""

    def __init__(self, order: bool, key: bool, calendar: bool):
        super().__init__(order, key, calendar)
        self.order, self.key, self.calendar = order, key, calendar


def _refusal(exc: TransactWriteError) -> list | None:
    """The cancellation reasons' codes of a refused transaction (None when it failed otherwise)."""
    if exc.cause_response_code != "TransactionCanceledException":
        return None
    return [r.code if r else None for r in (exc.cancellation_reasons or [])]


def commit(order: OrderModel, key: RequestKey | None = None, answer: Answer | None = None,
           calendars: list[CalendarDayModel] = ()) -> None:
    """One transaction: the order (conditional on its version), its new entries, the key's
    record with its answer (conditional on the key being unused) and the calendar items.
    Raises Refused when a condition failed."""
    new = entries.new_items(order)
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            tx.save(order)
            for entry in new:
                tx.save(entry)
            if key is not None:
                tx.save(request_keys.record(key, answer, clock.now()), condition=request_keys.unused())
            for calendar in calendars:
                tx.save(calendar)
    except TransactWriteError as exc:
        if items.is_too_large(exc):
            raise items.order_full(order.order_id)
        codes = _refusal(exc)
        if codes is None:
            raise
        failed = {i for i, code in enumerate(codes) if code in ("ConditionalCheckFailed", "TransactionConflict")}
        key_at = 1 + len(new) if key is not None else None
        raise Refused(order=0 in failed, key=key_at in failed,
                      calendar=any(i > (key_at or len(new)) for i in failed)) from exc
    entries.saved(order)


def stale(order: OrderModel, expected: int) -> Conflict:
    return Conflict(
        f"The order changed since you read it (version {order.version}, you sent {expected}).",
        {"order_id": order.order_id, "current_version": int(order.version), "current_step": order.step},
    )


def replayed(principal: Principal, order_id: str, earlier: Answer) -> Answer:
    """The first answer to a key; one stored without its body is answered with the order now."""
    if earlier.body is not None:
        return earlier
    return Answer(earlier.status, views.view(load_full(principal, order_id), principal=principal))


def change(principal: Principal, order_id: str, apply: Callable, key: RequestKey | None, status: int,
           expected: int | None = None) -> Answer:
    """Write a person's change to an order, once per Idempotency-Key.

    `apply(order)` changes the order read with its entries (raising a domain error to refuse),
    and returns False when there is nothing to do (what it adds is there already), else the
    calendar items to write with it. With `expected`, the order must be at that version (409
    otherwise); without, a concurrent write makes it apply again to the fresh order."""
    earlier = request_keys.earlier(key)
    if earlier is not None:
        return replayed(principal, order_id, earlier)
    for _ in range(_APPEND_ATTEMPTS):
        order = load_full(principal, order_id)
        if expected is not None and expected != order.version:
            raise stale(order, expected)
        touched = apply(order)
        if touched is False:
            return Answer(status, views.view(order, principal=principal))
        answer = Answer(status, views.view_after_write(order, principal))
        try:
            commit(order, key, answer, touched or [])
            return answer
        except Refused as refused:
            earlier = request_keys.earlier(key) if refused.key or refused.order else None
            if earlier is not None:
                return replayed(principal, order_id, earlier)
            if refused.order and expected is not None:
                raise Conflict("Someone else changed this order at the same moment; reload it and try again.",
                               {"order_id": order_id})
    raise Conflict("The order is being changed by others right now; try again.", {"order_id": order_id})
