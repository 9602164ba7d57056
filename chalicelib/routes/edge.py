"""The HTTP edge shared by the route blueprints: sign-in checks, body parsing and error mapping.

`staff_route` registers a view that requires a verified staff token with one of the given roles;
`public_route` one open to anyone. Both turn domain errors into the JSON error shape
(`errors.to_response`), so a view only parses input, calls a capability and shapes the answer.
"""
import functools

from chalice import Blueprint, Response

from chalicelib.core import errors, settings, validation
from chalicelib.core.errors import BadRequest, DomainError
from chalicelib.data import request_keys
from chalicelib.staff import auth


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def body(bp: Blueprint, required: bool = True, max_bytes: int | None = None) -> dict:
    return validation.json_body(bp.current_request.raw_body, required, max_bytes)


def idempotency_key(bp: Blueprint) -> str | None:
    """The optional `Idempotency-Key` header: 8 to 128 printable characters."""
    key = bp.current_request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not 8 <= len(key) <= 128 or not key.isprintable():
        raise BadRequest("The Idempotency-Key header must be 8 to 128 printable characters.",
                         {"field": "Idempotency-Key"}, code="invalid_idempotency_key")
    return key


def bound_idempotency_key(bp: Blueprint, principal) -> request_keys.RequestKey | None:
    """The optional `Idempotency-Key`, bound to this request: the route (method and path), the
    caller and a hash of the body. A replay must match all three (chalicelib/data/request_keys.py)."""
    key = idempotency_key(bp)
    if key is None:
        return None
    request = bp.current_request
    return request_keys.bind(key, request.method, request.path, request.uri_params, principal.user_id, request.raw_body)


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


def allowed_origins() -> list[str]:
    """Sites whose pages may call the public API from a browser (ALLOWED_ORIGINS, comma-separated)."""
    return [o.strip().rstrip("/") for o in settings.env("ALLOWED_ORIGINS", "").split(",") if o.strip()]


def cors_headers(request_headers) -> dict:
    origin = (request_headers.get("origin") or "").rstrip("/")
    headers = {"Vary": "Origin"}
    if origin and origin in allowed_origins():
        headers.update({
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET,POST,OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type,Idempotency-Key",
            "Access-Control-Max-Age": "600",
        })
    return headers


_preflight_paths: set = set()


def public_route(bp: Blueprint, path: str, methods=("GET",), cors: bool = False, **options):
    """A route open to anyone. With `cors`, browsers on ALLOWED_ORIGINS may call it (and only
    those: Chalice's own CORS support takes a single origin)."""

    def register(view):
        guarded = _guarded(view)

        @functools.wraps(view)
        def run(*args, **kwargs):
            response = guarded(*args, **kwargs)
            if cors:
                response.headers.update(cors_headers(bp.current_request.headers))
            return response

        run.roles = ()
        bp.route(path, methods=list(methods), **options)(run)
        if cors and path not in _preflight_paths:
            _preflight_paths.add(path)
            _register_preflight(bp, path)
        return view

    return register


def _register_preflight(bp: Blueprint, path: str) -> None:
    def preflight(**_params):
        return Response(body="", status_code=204, headers=cors_headers(bp.current_request.headers))

    preflight.__name__ = "preflight_" + "".join(c if c.isalnum() else "_" for c in path)
    preflight.roles = ()
    bp.route(path, methods=["OPTIONS"])(preflight)


def to_response(exc: DomainError):
    headers = {"Content-Type": "application/json"}
    if getattr(exc, "retry_after", None) is not None:  # a 429: when the same request may succeed
        headers["Retry-After"] = str(exc.retry_after)
    return Response(
        body=errors.error_body(exc.code, exc.message, exc.details),
        status_code=exc.status,
        headers=headers,
    )


# Chalice answers some requests itself (415, 405, 500) with {"Code", "Message"}; the HTTP
# middleware rewrites those into our shape with these codes.
CHALICE_CODES = {
    "BadRequestError": "bad_request",
    "UnauthorizedError": "unauthorized",
    "ForbiddenError": "forbidden",
    "NotFoundError": "not_found",
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "RequestTimeoutError": "request_timeout",
    "ConflictError": "conflict",
    "UnprocessableEntityError": "validation_failed",
    "TooManyRequestsError": "too_many_requests",
    "InternalServerError": "internal_error",
    "BadRequest": "bad_request",
}
