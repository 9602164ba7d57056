"""Health and staff sign-in."""
from chalice import Blueprint

from chalicelib.core.validation import Fields
from chalicelib.routes.edge import body, json_response, public_route
from chalicelib.staff import sign_in

bp = Blueprint(__name__)


@public_route(bp, "/health")
def health():
    return json_response({"status": "ok"})


@public_route(bp, "/auth/login", methods=("POST",))
def login():
    fields = Fields(body(bp))
    email = fields.email("email")
    password = fields.text("password", 256)
    fields.raise_if_errors()
    return json_response(sign_in.login(email, password))


@public_route(bp, "/auth/refresh", methods=("POST",))
def refresh():
    fields = Fields(body(bp))
    token = fields.text("refresh_token", 4096)
    fields.raise_if_errors()
    return json_response(sign_in.refresh(token))
