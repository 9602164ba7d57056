"""DynamoDB's item size limit, as the order's writes check it."""
from chalicelib.core.errors import ValidationFailed


def is_too_large(exc) -> bool:
    """DynamoDB refuses an item over 400 KB: an order that gathered that much in notes, items and
    moves. A ValidationException about the item's size, from a write or a transaction."""
    return exc.cause_response_code == "ValidationException" and "size" in str(exc.cause_response_message or "")


def order_full(order_id: str) -> ValidationFailed:
    return ValidationFailed(
        "This work order has reached its size limit (400 KB): it can take no more notes, items or moves.",
        [{"field": "order_id", "message": f"'{order_id}' is full"}], code="order_too_large")
