"""The process maps, one per kind of work (`?kind=`, default the legacy kind `installation`):
read the current version, publish a new one (with a note saying why; a new kind key creates the
kind), the kinds of work, and the published versions with their notes and open orders."""
from chalice import Blueprint

from chalicelib.core import clock
from chalicelib.core.errors import NotFound
from chalicelib.routes.edge import body, json_response, query, staff_route
from chalicelib.setup import services
from chalicelib.staff.auth import ADMIN, OFFICE, STAFF
from chalicelib.workflow import history, overview, versions

bp = Blueprint(__name__)


def _kind() -> str | None:
    return query(bp).get("kind") or None


@staff_route(bp, "/workflow", STAFF)
def get_workflow(principal):
    return json_response(versions.current(_kind()).to_dict())


@staff_route(bp, "/workflow", ADMIN, methods=("PUT",))
def put_workflow(principal):
    published = versions.publish_request(body(bp), principal.user_id, clock.now(), kind=_kind())
    return json_response(published.to_dict(), status=201)


@staff_route(bp, "/workflow/kinds", STAFF)
def list_work_kinds(principal):
    return json_response(overview.overview(services.services(active_only=False)))


@staff_route(bp, "/workflow/versions", OFFICE)
def list_workflow_versions(principal):
    return json_response(history.listing(_kind()))


@staff_route(bp, "/workflow/versions/{version}", OFFICE)
def get_workflow_version(principal, version):
    if not version.isdigit() or len(version) > 9:
        raise NotFound("There is no such process map version.")
    return json_response(history.one(int(version), _kind()))
