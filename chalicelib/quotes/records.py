"""Reading quotes by key: one revision, who may see it, and every revision of a number (their
ids are derived from the number: `numbering.revision_id`), strongly consistent."""
from chalicelib.core.errors import Forbidden, NotFound
from chalicelib.data.batch import batch_get
from chalicelib.data.models import OrderModel
from chalicelib.data.quotes import QuoteModel
from chalicelib.orders import storage as order_storage
from chalicelib.quotes import numbering
from chalicelib.staff.auth import Principal


def load(quote_id: str) -> QuoteModel:
    try:
        return QuoteModel.get(quote_id, consistent_read=True)
    except QuoteModel.DoesNotExist:
        raise NotFound(f"No quote '{quote_id}'.")


def _order_or_none(order_id: str) -> OrderModel | None:
    try:
        return OrderModel.get(order_id, consistent_read=True)
    except OrderModel.DoesNotExist:
        return None


def load_for(principal: Principal, quote_id: str) -> QuoteModel:
    """The quote, if this person may see it: the office sees every quote, a technician the
    quotes of orders assigned to them (any other is the same 404 as a quote that does not exist)."""
    quote = load(quote_id)
    if principal.is_technician:
        order = _order_or_none(quote.order_id)
        if order is None or order.technician_id != principal.user_id:
            raise NotFound(f"No quote '{quote_id}'.")
    return quote


def order_to_quote(principal: Principal, order_id: str) -> OrderModel:
    """The order a person quotes on: 404 when it does not exist, 403 for a technician on an
    order that is not assigned to them."""
    order = order_storage.load(order_id)
    if principal.is_technician and order.technician_id != principal.user_id:
        raise Forbidden("Technicians quote on the orders assigned to them.", {"order_id": order_id})
    return order


def may_change(principal: Principal, quote: QuoteModel) -> OrderModel:
    """The quote's order, if this person may change the quote (as `order_to_quote`)."""
    return order_to_quote(principal, quote.order_id)


def revisions(number_text: str) -> list[QuoteModel]:
    """Every revision of a number, A first (one BatchGetItem, strongly consistent)."""
    letters = numbering.letters("Z")
    keys = [(QuoteModel, numbering.revision_id(number_text, letter), None) for letter in letters]
    found = batch_get(keys)
    return sorted(found.values(), key=lambda q: q.revision)
