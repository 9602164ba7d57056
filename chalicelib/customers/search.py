"""GET /customers?q=: find customers in at most two DynamoDB calls, however many there are.

What `q` is decides where to look, always by key, never by Scan:

- an order id (`WO-...`): GetItem of the order, then GetItem of its customer;
- an email (has `@`, any case): GetItem of its key, then GetItem of the customer;
- a phone number (any formatting, normalised to E.164): the same with its key;
- a UK postcode (any spacing): one Query of its partition, then one BatchGetItem of the records;
- anything else, a name prefix (at least two letters, of the name or of any later word of it):
  one Query of the partition of its first two letters with `begins_with`, then one BatchGetItem.

The two listing kinds page with `next_cursor` (opaque; one this API did not return is 400
`invalid_cursor`).
"""

from chalicelib.core import cursors
from chalicelib.core.errors import ValidationFailed
from chalicelib.customers import normalise, records
from chalicelib.data.customers import UNIQUE_SORT, CustomerKeyModel, CustomerModel
from chalicelib.data.models import OrderModel

PAGE = 25
PAGE_CAP = 50  # a BatchGetItem takes 100 keys: one page is always one call


def _limit(params: dict) -> int:
    raw = params.get("limit")
    if raw in (None, ""):
        return PAGE
    try:
        return max(1, min(int(raw), PAGE_CAP))
    except ValueError:
        raise ValidationFailed("`limit` is not a number.", [{"field": "limit", "message": "must be a whole number"}])


def classify(q: str) -> str:
    """Which kind of search `q` asks for: order, email, phone, postcode or name."""
    if normalise.is_order_id(q):
        return "order"
    if "@" in q:
        return "email"
    if normalise.is_postcode(q):
        return "postcode"
    if normalise.looks_like_phone(q):
        return "phone"
    return "name"


def _one(customer_id: str | None) -> list[CustomerModel]:
    if not customer_id:
        return []
    found = records.get(customer_id)
    return [found] if found is not None and not found.merged_into else []


def _by_unique_key(lookup: str | None) -> list[CustomerModel]:
    if lookup is None:
        return []
    try:
        item = CustomerKeyModel.get(lookup, UNIQUE_SORT)
    except CustomerKeyModel.DoesNotExist:
        return []
    return _one(item.customer_id)


def _by_order(order_id: str) -> list[CustomerModel]:
    try:
        order = OrderModel.get(order_id.strip().upper())
    except OrderModel.DoesNotExist:
        return []
    return _one(order.customer_id)


def _listing(partition: str, prefix: str | None, params: dict) -> tuple[list[CustomerModel], str | None]:
    cursor = cursors.decode(params.get("cursor"), {"lookup": partition, "sort": None})
    results = CustomerKeyModel.query(
        partition, range_key_condition=CustomerKeyModel.sort.startswith(prefix) if prefix else None,
        limit=_limit(params), last_evaluated_key=cursor,
    )
    keys = cursors.read(results, cursor)
    wanted = list(dict.fromkeys(k.customer_id for k in keys))
    found = {c.customer_id: c for c in CustomerModel.batch_get(wanted)} if wanted else {}
    customers = [found[i] for i in wanted if i in found and not found[i].merged_into]
    return customers, cursors.encode(results.last_evaluated_key)


def search(params: dict) -> dict:
    q = (params.get("q") or "").strip()
    if not q or len(q) > 200:
        raise ValidationFailed("Say what to search for.", [{"field": "q", "message": "must be 1 to 200 characters"}])
    kind, cursor = classify(q), None
    if kind == "order":
        customers = _by_order(q)
    elif kind == "email":
        customers = _by_unique_key(records.email_key(normalise.email(q)))
    elif kind == "phone":
        phone = normalise.phone_or_none(q)
        customers = _by_unique_key(records.phone_key(phone) if phone else None)
    elif kind == "postcode":
        customers, cursor = _listing("postcode#" + normalise.postcode(q), None, params)
    else:
        folded = normalise.name(q)
        if len(folded) < 2:
            raise ValidationFailed("A name search needs at least two letters.",
                                   [{"field": "q", "message": "give at least two letters of the name"}])
        customers, cursor = _listing("name#" + folded[:2], folded, params)
    return {"customers": [records.summary(c) for c in customers], "next_cursor": cursor, "matched_by": kind}
