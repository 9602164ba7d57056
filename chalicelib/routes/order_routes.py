"""Work orders: phone intake, listing, reading, moves, notes and line items."""
from chalice import Blueprint

from chalicelib import booking, clock, orders
from chalicelib.auth import OFFICE, STAFF
from chalicelib.http import body, json_response, query, staff_route

bp = Blueprint(__name__)


@staff_route(bp, "/orders", OFFICE, methods=("POST",))
def create_order(principal):
    order, technician = booking.phone_intake(principal, body(bp), clock.now())
    return json_response(orders.view(order, technician), status=201)


@staff_route(bp, "/orders", OFFICE)
def list_orders(principal):
    return json_response(orders.list_orders(query(bp)))


@staff_route(bp, "/orders/{order_id}", STAFF)
def get_order(principal, order_id):
    return json_response(orders.view(orders.load_for(principal, order_id)))


@staff_route(bp, "/orders/{order_id}/transitions", STAFF, methods=("POST",))
def move_order(principal, order_id):
    order = orders.transition(principal, order_id, body(bp), clock.now())
    return json_response(orders.view(order))


@staff_route(bp, "/orders/{order_id}/notes", STAFF, methods=("POST",))
def add_note(principal, order_id):
    order = orders.add_note(principal, order_id, body(bp), clock.now())
    return json_response(orders.view(order), status=201)


@staff_route(bp, "/orders/{order_id}/line-items", STAFF, methods=("POST",))
def add_line_item(principal, order_id):
    order = orders.add_line_item(principal, order_id, body(bp), clock.now())
    return json_response(orders.view(order), status=201)


@staff_route(bp, "/orders/{order_id}/assign", OFFICE, methods=("POST",))
def assign_order(principal, order_id):
    order = booking.assign(principal, order_id, body(bp), clock.now())
    return json_response(orders.view(order))
