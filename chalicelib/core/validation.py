"""Parsing request bodies into typed values at the edge, with field-level errors.

A `Fields` reader collects every problem in a body and raises one ValidationFailed listing
them all, so a client fixes its request in one round trip.

Values that can reach an email header (names, service names, the business name, addresses) go
through one rule, `header_problem`, here at the edge and again in `mail.messages` when a header is
built: one line, no control characters, no RFC 2047 encoded words.
"""
import json
import re
from datetime import date, datetime, timezone

from chalicelib.core import settings
from chalicelib.core.errors import BadRequest, PayloadTooLarge, ValidationFailed

EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,24}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_EXCEPT_NEWLINES = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
_MISSING = object()

# What ends a line for some reader of an email header: every C0 and C1 control character (CR, LF,
# VT, FF, the file/group/record separators, NEL U+0085), LINE SEPARATOR U+2028 and PARAGRAPH
# SEPARATOR U+2029. That is exactly the Unicode categories Cc, Zl and Zp, which hold every
# boundary `str.splitlines()` knows.
HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# RFC 2047 encoded words (`=?utf-8?b?...?=`): Python's email package before 3.11.10 decodes one in a
# display name when it writes the header (CVE-2024-6923), so a name with no raw line break can
# still come out as a `Bcc:` line. Neither half belongs in a name, a subject or an address.
ENCODED_WORD = re.compile(r"=\?|\?=")
NOT_ONE_LINE = "must be one line, without line breaks or control characters"
NO_ENCODED_WORDS = 'must not contain "=?" or "?=" (email would read them as an encoded header)'
NON_ASCII_LOCAL_PART = "email addresses with non-ASCII characters before the @ can't receive our emails"
NON_ASCII_DOMAIN = "must have its domain in ASCII form (an internationalised domain as xn--...)"
NOT_AN_EMAIL = "must be a valid email address"
EMAIL_MAX = 254


def header_problem(value: str) -> str | None:
    """Why `value` cannot go into an email header (a display name, a subject, an address), or
    None when it can. The edge (`Fields.header_text`, `Fields.email`) and the mail layer
    (`mail.messages`) both ask this, so there is one rule."""
    if HEADER_BREAKS.search(value):
        return NOT_ONE_LINE
    if ENCODED_WORD.search(value):
        return NO_ENCODED_WORDS
    return None


def email_problem(value: str) -> str | None:
    """Why `value` (already trimmed) is not one plain address our email can reach, or None.

    SES delivers to ASCII local parts only (no SMTPUTF8), and the email package writes a
    non-ASCII local part as an encoded word inside the address, which no server delivers: such
    an address is refused rather than mangled. An internationalised domain is accepted in its
    ASCII (punycode, `xn--`) form, which reaches the header unchanged."""
    problem = header_problem(value)
    if problem:
        return problem
    local, at, domain = value.rpartition("@")
    if at and not local.isascii():
        return NON_ASCII_LOCAL_PART
    if at and not domain.isascii():
        return NON_ASCII_DOMAIN
    if len(value) > EMAIL_MAX or not EMAIL.fullmatch(value):
        return NOT_AN_EMAIL
    return None


def json_body(raw: bytes | None, required: bool = True, max_bytes: int | None = None) -> dict:
    """Decode a JSON object body; 413 over the limit, 400 when it is not a JSON object."""
    raw = raw or b""
    limit = max_bytes or settings.MAX_BODY_BYTES
    if len(raw) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.", {"limit_bytes": limit})
    if not raw.strip():
        if required:
            raise BadRequest("A JSON object body is required.", code="invalid_json")
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}.", code="invalid_json")
    except RecursionError:  # e.g. 60 000 nested `[`, well under the size limit
        raise BadRequest("The body is nested too deeply.", code="invalid_json")
    if not isinstance(value, dict):
        raise BadRequest("The body must be a JSON object.", code="invalid_json")
    try:  # JSON escapes can spell lone surrogates ("\ud800"), which no store or email can encode
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("The body holds text that is not valid Unicode.", code="invalid_json")
    return value


# Dates near year 1 or 9999 overflow the date arithmetic every capability does (a day either
# side, the offset to UTC); no business books there, so the edge refuses them as invalid.
FIRST_YEAR, LAST_YEAR = 1970, 2999


def _within_years(moment):
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"must be between the years {FIRST_YEAR} and {LAST_YEAR}")
    return moment


def parse_date(value: str) -> date:
    """A calendar date (YYYY-MM-DD) between FIRST_YEAR and LAST_YEAR."""
    return _within_years(date.fromisoformat(value))


def parse_datetime(value: str) -> datetime:
    """An ISO 8601 time with an offset, returned in UTC. Naive times are refused."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("a timezone offset is required")
    return _within_years(parsed).astimezone(timezone.utc)


class Fields:
    """Reads fields of one JSON object; records an error per wrong field."""

    def __init__(self, data: dict, prefix: str = "", errors: list | None = None):
        self.data = data if isinstance(data, dict) else {}
        self.prefix = prefix
        self.errors = [] if errors is None else errors
        if not isinstance(data, dict):
            self.errors.append({"field": prefix.rstrip(".") or "body", "message": "must be an object"})

    def error(self, name: str, message: str) -> None:
        self.errors.append({"field": self.prefix + name, "message": message})

    def _get(self, name, required):
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(name, "is required")
            return _MISSING
        return value

    def text(self, name: str, max_len: int, required: bool = True, multiline: bool = False, min_len: int = 1):
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.error(name, "must be a string")
            return None
        value = value.strip()
        if len(value) < min_len and (required or value):
            self.error(name, f"must have at least {min_len} character(s)")
            return None
        if len(value) > max_len:
            self.error(name, f"must be at most {max_len} characters")
            return None
        if (CONTROL_EXCEPT_NEWLINES if multiline else CONTROL).search(value):
            self.error(name, "must not contain control characters")
            return None
        return value or None

    def header_text(self, name: str, max_len: int, required: bool = True):
        """One-line text that can reach an email header (a person's or the business's name, a
        service name): `text`, refused when any character (at the ends too, before trimming)
        breaks the line or is a control character, or when it holds an encoded word."""
        raw = self.data.get(name)
        if isinstance(raw, str):
            problem = header_problem(raw)
            if problem:
                self.error(name, problem)
                return None
        return self.text(name, max_len, required)

    def email(self, name: str, required: bool = True):
        """One plain address our email can reach (see `email_problem`), trimmed and lower-cased."""
        value = self.header_text(name, EMAIL_MAX, required)
        if value is None:
            return None
        problem = email_problem(value)
        if problem:
            self.error(name, problem)
            return None
        return value.lower()

    def phone(self, name: str, required: bool = True):
        value = self.text(name, 24, required)
        if value is not None and (not PHONE.match(value) or sum(c.isdigit() for c in value) < 6):
            self.error(name, "must be a phone number (digits, spaces, + ( ) - . /)")
            return None
        return value

    def integer(self, name: str, minimum: int | None = None, maximum: int | None = None, required: bool = True):
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, "must be a whole number")
            return None
        if minimum is not None and value < minimum:
            self.error(name, f"must be at least {minimum}")
            return None
        if maximum is not None and value > maximum:
            self.error(name, f"must be at most {maximum}")
            return None
        return value

    def datetime(self, name: str, required: bool = True):
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.error(name, "must be an ISO 8601 date-time string with an offset")
            return None
        try:
            return parse_datetime(value)
        except ValueError:
            self.error(name, "must be an ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00+01:00")
            return None

    def object(self, name: str, required: bool = True) -> "Fields | None":
        value = self._get(name, required)
        if value is _MISSING:
            return None
        return Fields(value, f"{self.prefix}{name}.", self.errors)

    def raise_if_errors(self, message: str = "Some fields are not valid.") -> None:
        if self.errors:
            raise ValidationFailed(message, self.errors)


def query_datetime(params: dict, name: str):
    """A date-time (or a plain date, read as midnight UTC) from a query string parameter."""
    value = params.get(name)
    if not value:
        return None
    try:
        if len(value) == 10:
            return _within_years(datetime.fromisoformat(value).replace(tzinfo=timezone.utc))
        return parse_datetime(value)
    except ValueError:
        raise ValidationFailed("A query parameter is not valid.", [{"field": name, "message": "must be YYYY-MM-DD or an ISO 8601 date-time with an offset"}])
