"""The customer's quote, through the link in the quote's email: read it, accept it (typing a
name, ticking optional lines, picking a time for the job when offered), decline it, get its PDF.
Open to anyone holding the link (`?token=`); browsers on ALLOWED_ORIGINS may call it, and every
request counts against the client address's rate, as free-time requests do (`limits.gate`)."""
from chalice import Blueprint, Response

from chalicelib.core import clock
from chalicelib.limits import gate
from chalicelib.quotes import acceptance, public
from chalicelib.routes.edge import body, idempotency_key, json_response, public_route, query

bp = Blueprint(__name__)


def _token() -> str | None:
    return query(bp).get("token")


def _counted():
    now = clock.now()
    gate.availability_request(gate.client_network(bp.current_request.context, bp.current_request.headers), now)
    return now


@public_route(bp, "/public/quotes/{quote_id}", cors=True)
def public_quote(quote_id):
    now = _counted()
    return json_response(public.customer_view(public.load_with_token(quote_id, _token()), now))


@public_route(bp, "/public/quotes/{quote_id}/accept", methods=("POST",), cors=True)
def public_quote_accept(quote_id):
    now = _counted()
    key = idempotency_key(bp)
    answer = acceptance.accept(quote_id, _token(), body(bp), now, key)
    return json_response(public.customer_view(answer.quote, now), status=201 if answer.created else 200)


@public_route(bp, "/public/quotes/{quote_id}/decline", methods=("POST",), cors=True)
def public_quote_decline(quote_id):
    now = _counted()
    key = idempotency_key(bp)
    answer = acceptance.decline(quote_id, _token(), body(bp), now, key)
    return json_response(public.customer_view(answer.quote, now), status=201 if answer.created else 200)


@public_route(bp, "/public/quotes/{quote_id}/pdf", cors=True)
def public_quote_pdf(quote_id):
    _counted()
    url = public.pdf_link(public.load_with_token(quote_id, _token()))
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})
