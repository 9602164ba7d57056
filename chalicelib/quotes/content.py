"""What a quote says, read from a request body: its title, kind of work and service, lines (from
the price list or free text), validity date, notes, terms and deposit. Used by creating a quote
(every field, with the business's defaults), editing a draft and making a revision (the fields
given change, the others stay). Every problem is one 422 listing the fields; a technician setting a
price is 403, as with an order's line items."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.core import ids
from chalicelib.core.errors import DomainError, Forbidden
from chalicelib.core.validation import Fields, parse_date
from chalicelib.setup import catalog, quote_settings, services
from chalicelib.staff.auth import Principal
from chalicelib.workflow import kinds

MAX_LINES = 100
MAX_QUANTITY = 10_000
MAX_UNIT_PRICE_CENTS = 100_000_000
DESCRIPTION_MAX = 200
TITLE_MAX = 120
NOTES_MAX = 4000
MAX_VALIDITY_DAYS = 730  # how far ahead a quote may be valid
DEFAULT_KIND = kinds.LEGACY_KIND  # "installation"
FIELDS = ("title", "kind", "service_id", "lines", "valid_until", "notes", "terms", "deposit")


def today_in(business: dict, now: datetime) -> date:
    return now.astimezone(_zone(business)).date()


def _zone(business: dict) -> ZoneInfo:
    return ZoneInfo(business.get("timezone") or "UTC")


def default_valid_until(business: dict, now: datetime) -> str:
    days = quote_settings.complete(business.get("quotes"))["validity_days"]
    return (today_in(business, now) + timedelta(days=int(days))).isoformat()


def _no_prices_for_technicians(principal: Principal, raw_lines: list) -> None:
    if principal.is_technician and any(isinstance(line, dict) and "unit_price_cents" in line for line in raw_lines):
        raise Forbidden("Technicians quote from the price list; prices are set by the office.")


def read_lines(raw, fields: Fields, principal: Principal, business: dict, keep_ids: set[str] = frozenset()) -> list | None:
    """The quote's lines: each `{"price_item_id", "quantity", "optional"}` (description and
    price from the price list) or `{"description", "quantity", "unit_price_cents", "optional"}`
    (free text, office only, where the business allows it). A line that names a `line_id` the
    quote already has keeps it; every other line gets a new one."""
    if not isinstance(raw, list):
        fields.error("lines", "must be a list of lines")
        return None
    if len(raw) > MAX_LINES:
        fields.error("lines", f"must have at most {MAX_LINES} lines")
        return None
    _no_prices_for_technicians(principal, raw)
    prices = {item["id"]: item for item in catalog.price_list()} if any(
        isinstance(line, dict) and line.get("price_item_id") for line in raw) else {}
    free_text_allowed = business.get("allow_free_text_items", True) is not False
    lines, seen = [], set()
    for i, value in enumerate(raw):
        line = Fields(value, f"lines[{i}].", fields.errors)
        if not isinstance(value, dict):
            continue
        quantity = line.integer("quantity", 1, MAX_QUANTITY)
        optional = value.get("optional", False)
        if not isinstance(optional, bool):
            line.error("optional", "must be true or false")
        line_id = value.get("line_id")
        if line_id not in keep_ids or line_id in seen:
            line_id = ids.new_id("L-")
        seen.add(line_id)
        price_item_id = line.text("price_item_id", 64, required=False)
        if price_item_id:
            if "unit_price_cents" in value or "description" in value:
                line.error("price_item_id", "give either price_item_id or description with unit_price_cents, not both")
                continue
            item = prices.get(price_item_id)
            if item is None:
                line.error("price_item_id", f"no price list item '{price_item_id}' is offered")
                continue
            description, unit_price = item["name"], int(item["unit_price_cents"])
        else:
            if principal.is_technician:
                line.error("price_item_id", "is required (technicians quote from the price list)")
                continue
            description = line.text("description", DESCRIPTION_MAX)
            unit_price = line.integer("unit_price_cents", 0, MAX_UNIT_PRICE_CENTS)
            if not free_text_allowed:
                line.error("price_item_id", "is required: this business only quotes from its price list")
                continue
        if quantity is None or description is None or unit_price is None or not isinstance(optional, bool):
            continue
        lines.append({"line_id": line_id, "description": description, "quantity": quantity,
                      "unit_price_cents": unit_price, "price_item_id": price_item_id, "optional": optional})
    return lines


def read_valid_until(fields: Fields, business: dict, now: datetime) -> str | None:
    value = fields.text("valid_until", 10, required=False)
    if value is None:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        fields.error("valid_until", "must be a date, YYYY-MM-DD")
        return None
    today = today_in(business, now)
    if day < today:
        fields.error("valid_until", f"must not be in the past (today is {today.isoformat()})")
        return None
    if day > today + timedelta(days=MAX_VALIDITY_DAYS):
        fields.error("valid_until", f"must be within {MAX_VALIDITY_DAYS} days")
        return None
    return day.isoformat()


def _read_kind(fields: Fields, body: dict) -> str | None:
    raw = body.get("kind")
    if raw is None:
        return None
    try:
        return kinds.kind(raw).key
    except DomainError:
        fields.error("kind", f"no kind of work '{raw}'" if isinstance(raw, str) else "must be a kind of work's key")
        return None


def _read_service(fields: Fields, service_id: str | None, kind: str) -> str | None:
    if service_id is None:
        return None
    try:
        service = services.service(service_id)
    except DomainError:
        fields.error("service_id", f"no service '{service_id}' is offered")
        return None
    if (service.get("kind") or DEFAULT_KIND) != kind:
        fields.error("service_id", f"is a service of another kind of work ('{service.get('kind') or DEFAULT_KIND}', not '{kind}')")
        return None
    return service_id


def read(principal: Principal, body: dict, now: datetime, business: dict, current: dict | None = None) -> dict:
    """The quote's fields from `body`. Without `current` (a new quote) every field gets its
    value or its default; with `current` (the fields of the draft or the revision's source) only
    the fields the body names change. 422 for anything not valid, 403 for a technician's price."""
    fields = Fields(body)
    creating = current is None
    quotes_settings = quote_settings.complete(business.get("quotes"))
    result = {} if creating else dict(current)
    if creating or "title" in body:
        result["title"] = fields.header_text("title", TITLE_MAX, required=False)
    kind = _read_kind(fields, body)
    if kind is not None or creating:
        result["kind"] = kind or DEFAULT_KIND
    if creating or "service_id" in body or kind is not None:
        service_id = fields.text("service_id", 64, required=False) if "service_id" in body else result.get("service_id")
        result["service_id"] = _read_service(fields, service_id, result["kind"])
    if creating or "lines" in body:
        keep = {line["line_id"] for line in (current or {}).get("lines") or []}
        result["lines"] = read_lines(body.get("lines", []), fields, principal, business, keep) or []
    if creating or "valid_until" in body:
        result["valid_until"] = read_valid_until(fields, business, now) or (
            default_valid_until(business, now) if creating or body.get("valid_until") is None else None)
    if creating or "notes" in body:
        result["notes"] = fields.text("notes", NOTES_MAX, required=False, multiline=True)
    if "terms" in body:
        result["terms"] = fields.text("terms", quote_settings.TERMS_MAX, required=False, multiline=True)
    elif creating:
        result["terms"] = quotes_settings["terms"] or None
    if "deposit" in body:
        result["deposit"] = quote_settings.read_deposit(body["deposit"], "deposit", fields)
    elif creating:
        result["deposit"] = quotes_settings["deposit"]
    unknown = sorted(set(body) - set(FIELDS) - {"send", "expected_version"})
    for key in unknown:
        fields.error(key, "is not a field of a quote")
    fields.raise_if_errors()
    return result


def problems_before_sending(content: dict, customer: dict, business: dict, now: datetime) -> list[dict]:
    """Why the quote cannot be sent yet: at least one required line, a validity date that is not
    in the past, an email address for the customer. Field errors; empty when it can be sent."""
    errors = []
    if not any(not line.get("optional") for line in content.get("lines") or []):
        errors.append({"field": "lines", "message": "needs at least one line that is not optional"})
    if not content.get("valid_until") or content["valid_until"] < today_in(business, now).isoformat():
        errors.append({"field": "valid_until", "message": "is in the past: give the quote a new validity date"})
    if not (customer or {}).get("email"):
        errors.append({"field": "customer.email", "message": "the customer has no email address: add it to the order"})
    return errors
