"""Reading, listing and writing orders: every write conditional on the order's version.

`change` is how a person's action is written (a move, a note, a line item, a photo, the
signature): the order is read with its entries, the change applied, the answer rendered, and the
order's item, its new entries, the Idempotency-Key's record (with that answer) and any calendar
item written in one transaction. A replay of the key answers with the first answer."""
from collections.abc import Callable

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, settings
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.data import entries, items, models, request_keys
from chalicelib.data.models import CalendarDayModel, OrderModel
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.orders import listing, views
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
    """GET /orders: one page of the office's list (`listing` says which index each filter
    reads), with the technicians' names in one BatchGetItem."""
    orders, next_cursor, partial, _calls = listing.page(params)
    technicians = {s.user_id: s for s in models.StaffModel.batch_get({o.technician_id for o in orders if o.technician_id})}
    return {
        "orders": [views.summary(o, technicians.get(o.technician_id, False) or None) for o in orders],
        "next_cursor": next_cursor,
        "partial": partial,
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
