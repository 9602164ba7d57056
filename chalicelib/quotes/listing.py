"""Lists of quotes, every read by index, newest first: `GET /quotes` (every quote on
`by-created`, or one status's on `by-status`), a page at a time with an opaque cursor
(`core.cursors`; one from another list is 400 `invalid_cursor`), and an order's quotes
(`by-order`, every revision; an order has a handful)."""
from chalicelib.core import cursors
from chalicelib.core.errors import ValidationFailed
from chalicelib.data.quotes import LIST_PK, STATUSES, QuoteModel
from chalicelib.orders import storage as order_storage
from chalicelib.quotes import views
from chalicelib.setup import business as business_settings
from chalicelib.staff.auth import Principal

PAGE_DEFAULT, PAGE_MAX = 50, 100
ORDER_QUOTES_MAX = 200


def _limit(params: dict) -> int:
    raw = params.get("limit")
    if not raw:
        return PAGE_DEFAULT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= PAGE_MAX:
        raise ValidationFailed("A query parameter is not valid.",
                               [{"field": "limit", "message": f"must be a whole number from 1 to {PAGE_MAX}"}])
    return value


def page(params: dict) -> dict:
    """GET /quotes?status=&cursor=&limit=: one page, newest first, and the cursor of the next
    (null on the last page)."""
    status = (params.get("status") or "").strip() or None
    if status is not None and status not in STATUSES:
        raise ValidationFailed("A query parameter is not valid.",
                               [{"field": "status", "message": f"must be one of {', '.join(STATUSES)}"}])
    limit = _limit(params)
    if status is None:
        start = cursors.decode(params.get("cursor"), {"quote_id": None, "list_pk": LIST_PK, "created_at": None})
        results = QuoteModel.by_created.query(LIST_PK, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    else:
        start = cursors.decode(params.get("cursor"), {"quote_id": None, "status": status, "created_at": None})
        results = QuoteModel.by_status.query(status, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    quotes = cursors.read(results, start)
    business = business_settings.settings()
    return {"quotes": [views.summary(q, business) for q in quotes],
            "next_cursor": cursors.encode(results.last_evaluated_key) if len(quotes) == limit else None}


def for_order(principal: Principal, order_id: str) -> dict:
    """GET /orders/{order_id}/quotes: the order's quotes, every revision, newest first (a
    technician: only on an order assigned to them, else the order's 404)."""
    order_storage.load_for(principal, order_id)
    quotes = list(QuoteModel.by_order.query(order_id, scan_index_forward=False, limit=ORDER_QUOTES_MAX))
    business = business_settings.settings()
    return {"order_id": order_id, "quotes": [views.summary(q, business) for q in quotes]}
