"""DynamoDB's item size limit (400 KB), and the budgets that keep every item far below it.

A work order's item holds what moving, assigning and invoicing need, and nothing that grows with
use except its line items, which have a budget; its history, notes and photos are items of their
own (`data.entries`). So a move always fits, however long the history: an order can always be
moved, cancelled, put on hold or reassigned. What a person adds has its own budget per order, and
over it the request is refused (422 `limit_reached`) with nothing already saved lost. With every
field at its longest, an order's item stays under `ORDER_ITEM_BUDGET` bytes (tests/unit hold it).
"""
from chalicelib.core.errors import ValidationFailed

MAX_NOTES = 100  # notes per order, each at most 2,000 characters
MAX_PHOTOS = 50  # photos per order
MAX_LINE_ITEMS = 100  # line items per order (they are on the order's item: the invoice's lines)
MAX_PAYMENTS = 100  # payments per invoice
ORDER_ITEM_BUDGET = 200 * 1024  # the most an order's item may weigh, line items at their limit

_WHAT = {
    "notes": ("notes", MAX_NOTES, "work order"),
    "photos": ("photos", MAX_PHOTOS, "work order"),
    "line_items": ("line items", MAX_LINE_ITEMS, "work order"),
    "payments": ("payments", MAX_PAYMENTS, "invoice"),
}


def check_room(kind: str, count: int) -> None:
    """Refuse one more of `kind` (notes, photos, line_items, payments) once `count` reached its budget."""
    words, limit, holder = _WHAT[kind]
    if count >= limit:
        raise ValidationFailed(
            f"This {holder} already has {limit} {words}, the most it can hold; nothing was added.",
            [{"field": kind, "message": f"at most {limit} {words} per {holder}"}], code="limit_reached")


def is_too_large(exc) -> bool:
    """DynamoDB refuses an item over 400 KB: a ValidationException about the item's size, from a
    write or a transaction. The budgets above keep the app's items below it; this is the net."""
    return exc.cause_response_code == "ValidationException" and "size" in str(exc.cause_response_message or "")


def order_full(order_id: str) -> ValidationFailed:
    return ValidationFailed(
        "This work order is too large to store this change.",
        [{"field": "order_id", "message": f"'{order_id}' is over DynamoDB's item size limit"}], code="order_too_large")
