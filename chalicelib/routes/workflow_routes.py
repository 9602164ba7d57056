"""The process map: read the current version, publish a new one."""
from chalice import Blueprint

from chalicelib.core import clock
from chalicelib.routes.edge import body, json_response, staff_route
from chalicelib.staff.auth import ADMIN, STAFF
from chalicelib.workflow import versions

bp = Blueprint(__name__)


@staff_route(bp, "/workflow", STAFF)
def get_workflow(principal):
    return json_response(versions.current().to_dict())


@staff_route(bp, "/workflow", ADMIN, methods=("PUT",))
def put_workflow(principal):
    published = versions.publish(body(bp), principal.user_id, clock.now())
    return json_response(published.to_dict(), status=201)
