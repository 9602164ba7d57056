"""The HTTP edge shared by the route blueprints: sign-in checks, body parsing and error mapping.

`staff_route` registers a view that requires a verified staff token with one of the given roles;
`public_route` one open to anyone. Both turn domain errors into the JSON error shape
(`errors.to_response`), so a view only parses input, calls a capability and shapes the answer.
"""
import functools

from chalice import Blueprint, Response

from chalicelib import auth, validation
from chalicelib.errors import DomainError, to_response


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def body(bp: Blueprint, required: bool = True) -> dict:
    return validation.json_body(bp.current_request.raw_body, required)


def query(bp: Blueprint) -> dict:
    return dict(bp.current_request.query_params or {})


def _guarded(view):
    @functools.wraps(view)
    def run(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            return to_response(exc)

    return run


def staff_route(bp: Blueprint, path: str, roles: tuple[str, ...], methods=("GET",), **options):
    """A route for signed-in staff in one of `roles`; the view gets the Principal first."""

    def register(view):
        @_guarded
        @functools.wraps(view)
        def run(*args, **kwargs):
            principal = auth.authenticate(bp.current_request.headers)
            auth.require_role(principal, roles)
            return view(principal, *args, **kwargs)

        run.roles = roles
        bp.route(path, methods=list(methods), **options)(run)
        return view

    return register


def public_route(bp: Blueprint, path: str, methods=("GET",), **options):
    def register(view):
        run = _guarded(view)
        run.roles = ()
        bp.route(path, methods=list(methods), **options)(run)
        return view

    return register
