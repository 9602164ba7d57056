"""The quote as the staff API answers it (`staff_view`) and as a list shows it (`summary`).

A view never includes the customer's link secret (`token`). Its totals count the required lines
only (optional lines are the customer's to add), in the pricing the quote was sent with, or, for a
draft, the business's settings now. Names of who created and sent it come from the staff
directory (cached per container)."""
from chalicelib.core import times
from chalicelib.data.quotes import SENT, QuoteModel
from chalicelib.quotes import numbering, totals
from chalicelib.setup import business as business_settings
from chalicelib.setup import tax as tax_rules
from chalicelib.staff import directory


def pricing_now(business: dict) -> dict:
    """The pricing a quote is sent with, from the business's settings (kept on the quote once sent)."""
    return {
        "currency": (business.get("currency") or "USD").upper(),
        "tax_name": tax_rules.tax_name(business),
        "rate_basis_points": int(business.get("tax_rate_basis_points") or 0),
        "prices_include_tax": business.get("prices_include_tax") is True,
        "locale": business.get("locale") or "en-GB",
        "timezone": business.get("timezone") or "UTC",
    }


def pricing(quote: QuoteModel, business: dict | None = None) -> dict:
    """What the quote's money is counted in: as sent, or (a draft) as the settings say now."""
    if quote.pricing:
        return dict(quote.pricing)
    return pricing_now(business if business is not None else business_settings.settings())


def line_view(line: dict) -> dict:
    return {
        "line_id": line["line_id"],
        "description": line["description"],
        "quantity": int(line["quantity"]),
        "unit_price_cents": int(line["unit_price_cents"]),
        "total_cents": totals.line_total(line),
        "price_item_id": line.get("price_item_id"),
        "optional": bool(line.get("optional")),
    }


def quote_totals(quote: QuoteModel, price: dict, chosen_optional: set[str] | None = None) -> totals.Totals:
    return totals.compute(list(quote.lines or []), chosen_optional, price["rate_basis_points"],
                          price["prices_include_tax"], quote.deposit)


def _person(user_id: str | None) -> dict | None:
    if not user_id:
        return None
    member = directory.profile(user_id)
    return {"user_id": user_id, "name": member.name if member is not None else None}


def reference(quote: QuoteModel) -> str:
    return numbering.reference(quote.number, quote.revision)


def is_open(quote: QuoteModel) -> bool:
    """Sent and not answered, expired or superseded: the customer may still accept it."""
    return quote.status == SENT


def summary(quote: QuoteModel, business: dict | None = None, price: dict | None = None) -> dict:
    """The quote as a list shows it: who, what, how much, where it stands. `business` (the
    settings) saves a read when many drafts are shown."""
    price = price or pricing(quote, business)
    counted = quote_totals(quote, price)
    return {
        "quote_id": quote.quote_id,
        "number": quote.number,
        "revision": quote.revision,
        "reference": reference(quote),
        "status": quote.status,
        "version": int(quote.version or 0),  # 0: not written yet
        "order_id": quote.order_id,
        "customer": {"name": (quote.customer or {}).get("name")},
        "title": quote.title,
        "kind": quote.kind,
        "valid_until": quote.valid_until,
        "currency": price["currency"],
        "total_cents": counted.total_cents,
        "optional_cents": counted.optional_cents,
        "created_at": times.iso(quote.created_at),
        "sent_at": times.iso(quote.sent_at),
        "follow_up": quote.follow_up,
        "job_order_id": quote.job_order_id,
    }


def staff_view(quote: QuoteModel, business: dict | None = None) -> dict:
    """Everything staff see of a quote (never its token)."""
    price = pricing(quote, business)
    counted = quote_totals(quote, price)
    lines = [line_view(line) for line in quote.lines or []]
    return {
        **summary(quote, price=price),
        "customer": dict(quote.customer or {}),
        "customer_id": quote.customer_id,
        "address": dict(quote.address or {}),
        "service_id": quote.service_id,
        "lines": lines,
        "notes": quote.notes,
        "terms": quote.terms,
        "deposit": quote.deposit,
        "totals": counted.to_dict(),
        "optional_cents": counted.optional_cents,
        "tax": {"name": price["tax_name"], "rate_basis_points": price["rate_basis_points"],
                "prices_include_tax": price["prices_include_tax"]},
        "currency": price["currency"],
        "locale": price["locale"],
        "timezone": price["timezone"],
        "pricing_fixed": quote.pricing is not None,
        "open": is_open(quote),
        "created_by": _person(quote.created_by),
        "updated_at": times.iso(quote.updated_at),
        "updated_by": _person(quote.updated_by),
        "sent_by": _person(quote.sent_by),
        "delivery": quote.delivery,
        "next_action_at": times.iso(quote.next_action_at),
        "reminders_sent": int(quote.reminders_sent or 0),
        "reminder_log": list(quote.reminder_log or []),
        "accepted": quote.accepted,
        "declined": quote.declined,
        "expired_at": times.iso(quote.expired_at),
        "superseded_by": quote.superseded_by,
        "estimate_moved": quote.estimate_moved,
    }
