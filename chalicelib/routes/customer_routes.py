"""Customers: search, read with their orders and invoices, create, edit, merge duplicates (office);
export their personal data (office) and erase it (admin)."""
from chalice import Blueprint

from chalicelib.core import clock
from chalicelib.customers import edits, history, merge, privacy, records, search
from chalicelib.routes.edge import body, json_response, query, staff_route
from chalicelib.staff.auth import ADMIN, OFFICE

bp = Blueprint(__name__)


@staff_route(bp, "/customers", OFFICE)
def search_customers(principal):
    return json_response(search.search(query(bp)))


@staff_route(bp, "/customers", OFFICE, methods=("POST",))
def create_customer(principal):
    return json_response(records.view(edits.create(body(bp), clock.now())), status=201)


@staff_route(bp, "/customers/{customer_id}", OFFICE)
def get_customer(principal, customer_id):
    return json_response(history.detail(customer_id, query(bp)))


@staff_route(bp, "/customers/{customer_id}", OFFICE, methods=("PATCH",))
def update_customer(principal, customer_id):
    return json_response(records.view(edits.update(customer_id, body(bp), clock.now())))


@staff_route(bp, "/customers/{customer_id}/merge", OFFICE, methods=("POST",))
def merge_customers(principal, customer_id):
    return json_response(merge.merge(customer_id, body(bp), clock.now()))


@staff_route(bp, "/customers/{customer_id}/export", OFFICE)
def export_customer(principal, customer_id):
    return json_response(privacy.export(customer_id, clock.now()))


@staff_route(bp, "/customers/{customer_id}/erase", ADMIN, methods=("POST",))
def erase_customer(principal, customer_id):
    return json_response(privacy.erase(customer_id, clock.now()))
