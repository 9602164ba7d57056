"""Reading, listing and saving orders: every write conditional on the order's version."""
import base64
import binascii
import json

from pynamodb.exceptions import PutError, QueryError

from chalicelib.core import settings
from chalicelib.core.errors import BadRequest, Conflict, NotFound, ValidationFailed
from chalicelib.core.validation import query_datetime
from chalicelib.data import items, models
from chalicelib.data.models import OrderModel
from chalicelib.orders import views
from chalicelib.staff.auth import Principal

# Notes and line items do not need the caller's version: on a concurrent write they are
# re-applied to the fresh order, a few times at most.
_APPEND_ATTEMPTS = 5

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
    technicians = {s.user_id: s for s in models.StaffModel.batch_get({o.technician_id for o in orders if o.technician_id})}
    return {
        "orders": [views.view(o, technicians.get(o.technician_id, False) or None) for o in orders],
        "next_cursor": _encode_cursor(results.last_evaluated_key),
    }


def save(order: OrderModel, conflict_message: str) -> None:
    try:
        order.save()
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(conflict_message, {"order_id": order.order_id})
        if items.is_too_large(exc):
            raise items.order_full(order.order_id)
        raise


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
            if items.is_too_large(exc):
                raise items.order_full(order_id)
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            if expected is not None:
                raise Conflict("Someone else changed this order at the same moment; reload it and try again.")
    raise Conflict("The order is being changed by others right now; try again.", {"order_id": order_id})
