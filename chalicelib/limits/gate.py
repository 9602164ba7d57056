"""What the public booking routes ask before they do anything: who the client is (its address),
whether it is within its rates, and whether the booking form's token lets the booking through.
The limits come from settings (`chalicelib.core.settings`), so a business can change them."""
import hmac
from datetime import datetime

from chalicelib.core import settings
from chalicelib.limits import form_token, keys, rates

UNKNOWN_NETWORK = "unknown"


def client_network(context: dict | None, headers) -> str:
    """The client's address as the limits count it (IPv6 by /64). Behind the stack's CloudFront
    distribution API Gateway sees CloudFront's address, so the distribution adds the viewer's
    (`X-Viewer-Address`, set by its function) and proves the request came through it
    (`X-Origin-Verify`, the limits' secret); a request without that proof is counted by the
    address API Gateway saw (locally: the socket's)."""
    headers = headers or {}
    proof, viewer = headers.get("x-origin-verify"), headers.get("x-viewer-address")
    if proof and viewer and hmac.compare_digest(proof.encode(), settings.limits_secret()):
        network = keys.client_network(viewer)
        if network:
            return network
    source = ((context or {}).get("identity") or {}).get("sourceIp") or ""
    return keys.client_network(source) or UNKNOWN_NETWORK


def new_form_token(now: datetime) -> str:
    return form_token.issue(now, form_token.signing_key(settings.limits_secret()))


def check_form_token(token, now: datetime) -> None:
    form_token.check(token, now, form_token.signing_key(settings.limits_secret()),
                     settings.form_min_seconds(), settings.form_token_max_age_seconds())


def booking_attempt(network: str, now: datetime) -> None:
    limit, seconds = settings.bookings_per_address()
    rates.take("booking", network, limit, seconds, now, settings.limits_secret(),
               "Too many bookings have been sent from your network. Please try again in {wait}, or call us.")


def availability_request(network: str, now: datetime) -> None:
    limit, seconds = settings.availability_per_address()
    rates.take("availability", network, limit, seconds, now, settings.limits_secret(),
               "Too many requests for free times have been sent from your network. Please wait {wait} and try again.")
