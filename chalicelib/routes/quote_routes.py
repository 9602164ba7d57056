"""Quotes, the staff side: make a quote on an order (office, or the technician on their own
order, who may send it in the same request), edit a draft, make a revision, send it, read and
list quotes. Writes that a double click or the technician app's offline queue may repeat take an
optional Idempotency-Key (a replay gets the first answer)."""
from chalice import Blueprint

from chalicelib.core import clock
from chalicelib.quotes import drafts, listing, records, sending, views
from chalicelib.routes.edge import body, bound_idempotency_key, json_response, query, staff_route
from chalicelib.staff.auth import OFFICE, STAFF

bp = Blueprint(__name__)


@staff_route(bp, "/orders/{order_id}/quotes", STAFF, methods=("POST",))
def create_quote(principal, order_id):
    answer = drafts.create(principal, order_id, body(bp), clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/orders/{order_id}/quotes", STAFF)
def order_quotes(principal, order_id):
    return json_response(listing.for_order(principal, order_id))


@staff_route(bp, "/quotes", OFFICE)
def list_quotes(principal):
    return json_response(listing.page(query(bp)))


@staff_route(bp, "/quotes/{quote_id}", STAFF)
def get_quote(principal, quote_id):
    return json_response(views.staff_view(records.load_for(principal, quote_id)))


@staff_route(bp, "/quotes/{quote_id}", STAFF, methods=("PATCH",))
def edit_quote(principal, quote_id):
    return json_response(drafts.update(principal, quote_id, body(bp), clock.now()))


@staff_route(bp, "/quotes/{quote_id}/revisions", STAFF, methods=("POST",))
def revise_quote(principal, quote_id):
    answer = drafts.revise(principal, quote_id, body(bp, required=False), clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/quotes/{quote_id}/send", STAFF, methods=("POST",))
def send_quote(principal, quote_id):
    body(bp, required=False)  # an optional JSON object (none needed)
    answer = sending.send(principal, quote_id, clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)
