"""The booking form's token, pure: signed (HMAC-SHA256) and timestamped when the form is shown, so
a booking sent sooner than a person could fill in the form, or without a token the API gave out,
is refused before anything is booked.

A token is `1.<issued, epoch seconds>.<nonce>.<signature>`. It says when the form got it and
nothing else; it is not single-use (the rates per client address and the bookings per contact
limit what one token can do) and holds no personal data.
"""
import base64
import hashlib
import hmac
import math
import secrets
from datetime import datetime

from chalicelib.core.errors import TooManyRequests, ValidationFailed

VERSION = "1"
MAX_LENGTH = 200
# A token issued a little "in the future" comes from a server whose clock runs slightly ahead.
CLOCK_SKEW_SECONDS = 5


class FormTokenInvalid(ValidationFailed):
    code = "form_token_invalid"


class SubmittedTooSoon(TooManyRequests):
    code = "submitted_too_soon"


def signing_key(secret: bytes) -> bytes:
    """The key for form tokens, derived from the limits' secret (each use gets its own key)."""
    return hmac.new(secret, b"form-token", hashlib.sha256).digest()


def _signature(key: bytes, body: str) -> str:
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue(now: datetime, key: bytes, nonce: str | None = None) -> str:
    body = f"{VERSION}.{int(now.timestamp())}.{nonce or secrets.token_urlsafe(9)}"
    return f"{body}.{_signature(key, body)}"


def _invalid(problem: str) -> FormTokenInvalid:
    return FormTokenInvalid(f"The booking form's token {problem}: reload the page and send the form again.",
                            [{"field": "form_token", "message": problem}])


def issued_at(token, key: bytes) -> float:
    """When a genuine token was issued (epoch seconds); FormTokenInvalid for anything else."""
    if not token:
        raise _invalid("is missing")
    if not isinstance(token, str) or len(token) > MAX_LENGTH:
        raise _invalid("is not valid")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not parts[1].isdigit():
        raise _invalid("is not valid")
    if not hmac.compare_digest(_signature(key, ".".join(parts[:3])).encode(), parts[3].encode()):
        raise _invalid("is not valid")
    return float(parts[1])


def check(token, now: datetime, key: bytes, min_seconds: int, max_age_seconds: int) -> None:
    """Accept a genuine token at least `min_seconds` and at most `max_age_seconds` old. Missing,
    forged, from the future or expired: FormTokenInvalid (422). Too young: SubmittedTooSoon
    (429, with the seconds left as its Retry-After)."""
    age = now.timestamp() - issued_at(token, key)
    if age < -CLOCK_SKEW_SECONDS:
        raise _invalid("is not valid")
    if age > max_age_seconds:
        raise _invalid("has expired")
    if age < min_seconds:
        wait = math.ceil(min_seconds - age)
        raise SubmittedTooSoon("The booking form was sent too quickly after it was shown. Check your details and "
                               f"send it again in {wait} second{'s' if wait != 1 else ''}.", wait,
                               {"min_seconds": min_seconds})
