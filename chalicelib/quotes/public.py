"""The customer's side of a quote, through the link in the quote's email: finding the quote by
its id and link secret (the same 404 for a wrong id or a wrong token, reached the same way), the
view the public quote page draws, its PDF, and when a quote stops being open (the end of its
`valid_until` day in the business's timezone)."""
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from chalicelib.core import link_tokens, settings
from chalicelib.core.aws import client
from chalicelib.core.errors import NotFound
from chalicelib.data.models import OrderModel
from chalicelib.data.quotes import ACCEPTED, DRAFT, SENT, SUPERSEDED, QuoteModel
from chalicelib.invoicing import documents
from chalicelib.quotes import sending, views
from chalicelib.setup import addresses, services
from chalicelib.setup import business as business_settings
from chalicelib.setup import tax as tax_rules

# A wrong link costs the same whether its quote exists or not: one consistent GetItem, one
# constant-time comparison (core.link_tokens), one 404.
_NO_QUOTE_ID = "Q-000000000000"  # 0 is not in ids.ALPHABET: never a quote's id
QUOTE_ID_MAX = 64
NOT_FOUND = "No quote matches this link."


def _quote_or_none(quote_id: str | None) -> QuoteModel | None:
    key = quote_id if quote_id and len(quote_id) <= QUOTE_ID_MAX else _NO_QUOTE_ID
    try:
        return QuoteModel.get(key, consistent_read=True)
    except QuoteModel.DoesNotExist:
        return None


def load_with_token(quote_id: str, token: str | None) -> QuoteModel:
    """The quote if the token is its link secret and it was sent (a draft has no customer link
    yet); otherwise the same 404 as a missing quote, after the same read and comparison."""
    quote = _quote_or_none(quote_id)
    if not link_tokens.matches(quote.token if quote is not None else None, token) or quote.status == DRAFT:
        raise NotFound(NOT_FOUND)
    return quote


def expires_at(quote: QuoteModel, tz: ZoneInfo) -> datetime:
    """The end of the `valid_until` day in the business's timezone (UTC)."""
    return sending.expires_at(quote.valid_until, tz)


def zone_of(quote: QuoteModel, business: dict) -> ZoneInfo:
    return ZoneInfo((quote.pricing or {}).get("timezone") or business.get("timezone") or "UTC")


def is_past(quote: QuoteModel, now: datetime, business: dict) -> bool:
    return now >= expires_at(quote, zone_of(quote, business))


def is_open(quote: QuoteModel, now: datetime, business: dict) -> bool:
    """The customer may still answer: sent, not superseded and not past its validity."""
    return quote.status == SENT and not quote.superseded_by and not is_past(quote, now, business)


def one_line_address(address: dict | None, business: dict) -> str | None:
    return addresses.one_line(SimpleNamespace(**(address or {})), tax_rules.country(business))


def booking_offer(quote: QuoteModel) -> dict | None:
    """A time the customer may pick for the job: when the job's service can be booked online."""
    if not quote.service_id:
        return None
    try:
        service = services.service(quote.service_id)
    except NotFound:
        return None
    return {"service_id": service["id"], "service_name": service.get("name"),
            "duration_minutes": int(service.get("duration_minutes") or 0),
            "postcode": (quote.address or {}).get("postcode")}


def pdf_url(quote: QuoteModel) -> str:
    return f"/public/quotes/{quote.quote_id}/pdf?token={quote.token}"


def job_of(quote: QuoteModel, tz: ZoneInfo) -> dict | None:
    if not quote.job_order_id:
        return None
    try:
        order = OrderModel.get(quote.job_order_id, consistent_read=True)
    except OrderModel.DoesNotExist:
        return {"order_id": quote.job_order_id, "appointment": None}
    appointment = ({"start": order.appointment_start.astimezone(tz).isoformat(),
                    "end": order.appointment_end.astimezone(tz).isoformat()}
                   if order.appointment_start and order.appointment_end else None)
    return {"order_id": order.order_id, "appointment": appointment}


def business_view(business: dict) -> dict:
    return {key: business.get(key) or None
            for key in ("name", "email", "phone", "address", "tax_registration_number", "company_number")}


def _accepted_view(accepted: dict | None) -> dict | None:
    if not accepted:
        return None
    keys = ("subtotal_cents", "tax_cents", "total_cents", "deposit_cents")
    sums = {key: int(accepted.get(key) or 0) for key in keys}
    sums["balance_cents"] = sums["total_cents"] - sums["deposit_cents"]
    return {"name": accepted["name"], "at": accepted["at"], "optional_lines": list(accepted.get("optional_lines") or []),
            "totals": sums, "start": accepted.get("start")}


def customer_view(quote: QuoteModel, now: datetime, business: dict | None = None) -> dict:
    """What the customer sees of the quote (never who made it, its token aside from its own links)."""
    business = business if business is not None else business_settings.settings()
    price = views.pricing(quote, business)
    tz = zone_of(quote, business)
    counted = views.quote_totals(quote, price)
    open_now = is_open(quote, now, business)
    return {
        "quote_id": quote.quote_id,
        "number": quote.number,
        "revision": quote.revision,
        "reference": views.reference(quote),
        "status": quote.status,
        "title": quote.title,
        "valid_until": quote.valid_until,
        "open": open_now,
        "business": business_view(business),
        "customer": {"name": (quote.customer or {}).get("name")},
        "address": one_line_address(quote.address, business),
        "currency": price["currency"],
        "locale": price["locale"],
        "timezone": price["timezone"],
        "lines": [{key: value for key, value in views.line_view(line).items() if key != "price_item_id"}
                  for line in quote.lines or []],
        "totals": counted.to_dict(),
        "tax": {"name": price["tax_name"], "rate_basis_points": price["rate_basis_points"],
                "prices_include_tax": price["prices_include_tax"]},
        "deposit": dict(quote.deposit) if quote.deposit else None,
        "notes": quote.notes,
        "terms": quote.terms,
        "booking": booking_offer(quote) if open_now else None,
        "pdf_url": pdf_url(quote),
        "accepted": _accepted_view(quote.accepted) if quote.status == ACCEPTED else None,
        "declined": {"reason": quote.declined.get("reason"), "at": quote.declined.get("at")} if quote.declined else None,
        "superseded": quote.status == SUPERSEDED or bool(quote.superseded_by),
        "job": job_of(quote, tz),
    }


def pdf_link(quote: QuoteModel) -> str:
    """A short-lived link to the quote's PDF: the copy stored when it was sent, drawn again
    first if it is not there (a sent quote's content never changes)."""
    key = sending.pdf_key(quote)
    try:
        client("s3").head_object(Bucket=settings.files_bucket(), Key=key)
    except client("s3").exceptions.ClientError:
        sending.render_pdf(quote, business_settings.settings())
    return documents.file_url(key)
