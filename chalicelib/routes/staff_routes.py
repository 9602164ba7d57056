"""Staff accounts: the office lists them; the admin creates them, changes their name, phone and
role, and deactivates or reactivates them (chalicelib/staff/accounts.py)."""
from chalice import Blueprint

from chalicelib.routes.edge import body, json_response, staff_route
from chalicelib.staff import accounts, directory
from chalicelib.staff.auth import ADMIN, OFFICE

bp = Blueprint(__name__)


@staff_route(bp, "/staff", OFFICE)
def list_staff(principal):
    return json_response(accounts.list_staff())


@staff_route(bp, "/staff", ADMIN, methods=("POST",))
def create_staff(principal):
    return json_response(accounts.create(body(bp), principal), status=201)


@staff_route(bp, "/staff/{user_id}", OFFICE)
def get_staff(principal, user_id):
    return json_response(accounts.view(directory.get(user_id)))


@staff_route(bp, "/staff/{user_id}", ADMIN, methods=("PATCH",))
def update_staff(principal, user_id):
    return json_response(accounts.update(principal, user_id, body(bp)))


@staff_route(bp, "/staff/{user_id}/deactivate", ADMIN, methods=("POST",))
def deactivate_staff(principal, user_id):
    return json_response(accounts.set_active(principal, user_id, False))


@staff_route(bp, "/staff/{user_id}/reactivate", ADMIN, methods=("POST",))
def reactivate_staff(principal, user_id):
    return json_response(accounts.set_active(principal, user_id, True))
