"""Work orders: phone intake, listing, reading, corrections, moves, notes, line items (adding,
changing, removing), assigning a technician.
Actions from the field take an optional Idempotency-Key header, bound to the route, the caller
and the body: a replay gets the first answer, a reused key 422 `idempotency_key_reused`."""
from chalice import Blueprint

from chalicelib.booking import office
from chalicelib.core import clock
from chalicelib.orders import corrections, service, storage, views
from chalicelib.routes.edge import body, bound_idempotency_key, json_response, query, staff_route
from chalicelib.staff.auth import OFFICE, STAFF

bp = Blueprint(__name__)


@staff_route(bp, "/orders", OFFICE, methods=("POST",))
def create_order(principal):
    order, technician = office.phone_intake(principal, body(bp), clock.now())
    return json_response(views.view(order, technician, principal), status=201)


@staff_route(bp, "/orders", OFFICE)
def list_orders(principal):
    return json_response(storage.list_orders(query(bp)))


@staff_route(bp, "/orders/{order_id}", STAFF)
def get_order(principal, order_id):
    return json_response(views.view(storage.load_full(principal, order_id), principal=principal))


@staff_route(bp, "/orders/{order_id}", OFFICE, methods=("PATCH",))
def correct_order(principal, order_id):
    answer = corrections.correct(principal, order_id, body(bp), clock.now())
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/orders/{order_id}/transitions", STAFF, methods=("POST",))
def move_order(principal, order_id):
    answer = service.transition(principal, order_id, body(bp), clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/orders/{order_id}/notes", STAFF, methods=("POST",))
def add_note(principal, order_id):
    answer = service.add_note(principal, order_id, body(bp), clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/orders/{order_id}/line-items", STAFF, methods=("POST",))
def add_line_item(principal, order_id):
    answer = service.add_line_item(principal, order_id, body(bp), clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/orders/{order_id}/line-items/{line_id}", STAFF, methods=("PATCH",))
def edit_line_item(principal, order_id, line_id):
    answer = corrections.edit_line_item(principal, order_id, line_id, body(bp), clock.now(),
                                        bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/orders/{order_id}/line-items/{line_id}", STAFF, methods=("DELETE",))
def remove_line_item(principal, order_id, line_id):
    answer = corrections.remove_line_item(principal, order_id, line_id, body(bp, required=False), clock.now(),
                                          bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/orders/{order_id}/assign", OFFICE, methods=("POST",))
def assign_order(principal, order_id):
    order = office.assign(principal, order_id, body(bp), clock.now())
    return json_response(views.view(order, principal=principal))
