"""The quote as a PDF (fpdf2), on the page the invoice uses (`pdf_layout`): the seller and its
registration, the quote's reference and dates, who it is for and where, the required lines and
their totals in the invoice's tax words, the optional extras priced but outside the total, the
deposit asked, notes, terms, the link to answer online and the registration foot.

`render_quote(view, seller)`: `view` is the staff view of a quote (`quotes.views.staff_view`),
optionally with `accept_url`, and with the dates and address already written for the business
(`sent_on_text`, `valid_until_text`, `address_lines`) or the `locale` and `timezone` to write
them in (else the seller's, else en-GB and UTC); `seller` the business as an invoice keeps it
(`setup.tax.seller_snapshot`)."""
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from chalicelib.core import dates
from chalicelib.invoicing import pdf_layout
from chalicelib.invoicing.pdf_layout import money, percent
from chalicelib.setup import addresses
from chalicelib.setup import tax as tax_rules


def _moment(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _tax(view: dict, seller: dict) -> tuple[dict, int]:
    """The seller as the quote's totals word it (the tax name and inclusive prices the quote was
    priced with), and the rate."""
    tax = view.get("tax") or {}
    rate = view.get("tax_rate_basis_points")
    rate = int(tax.get("rate_basis_points") or 0) if rate is None else int(rate)
    priced = dict(seller)
    if tax.get("name"):
        priced["tax_name"] = tax["name"]
    if "prices_include_tax" in tax:
        priced["prices_include_tax"] = tax["prices_include_tax"] is True
    return priced, rate


def _where(view: dict, seller: dict) -> dict:
    """The customer and the site, as the invoice's `Bill to` block draws a person."""
    customer = dict(view.get("customer") or {})
    address = view.get("address")
    if view.get("address_lines"):
        customer["address_lines"] = list(view["address_lines"])
    elif isinstance(address, dict):
        customer["address_lines"] = addresses.lines(SimpleNamespace(**{k: address.get(k) for k in ("street", "city", "postcode")}),
                                                    tax_rules.country(seller))
    elif address:
        customer["address"] = str(address)
    return customer


def _rows(lines: list[dict]) -> list[dict]:
    return [{**line, "total_cents": int(line["quantity"]) * int(line["unit_price_cents"])} for line in lines]


def _deposit_text(view: dict, totals: dict, currency: str) -> str | None:
    deposit, cents = view.get("deposit"), int(totals.get("deposit_cents") or 0)
    if not deposit or not cents:
        return None
    share = (f"{percent(deposit['percent_basis_points'])} of the total, "
             if deposit.get("percent_basis_points") is not None else "")
    return (f"A deposit of {share}{money(cents, currency)} is invoiced when you accept; the balance of "
            f"{money(int(totals['total_cents']) - cents, currency)} is invoiced when the work is done.")


def render_quote(view: dict, seller: dict) -> bytes:
    """The PDF of a quote (see the module's docstring)."""
    currency = (view.get("currency") or "USD").upper()
    priced, rate = _tax(view, seller)
    locale = dates.locale_of(view.get("locale") or seller.get("locale"))
    tz = _zone(view.get("timezone") or seller.get("timezone"))
    reference = view.get("reference") or f"{view.get('number')}-{view.get('revision')}"
    sheet = pdf_layout.Sheet(f"Quote {reference}", seller.get("name"))
    legal = sheet.seller_head(seller)

    facts = []
    issued = _moment(view.get("sent_at")) or _moment(view.get("created_at"))
    if view.get("sent_on_text") or issued is not None:
        facts.append(f"Date: {view.get('sent_on_text') or dates.long_date(issued.astimezone(tz), locale)}")
    if view.get("valid_until_text") or view.get("valid_until"):
        until = view.get("valid_until_text") or dates.long_date(date.fromisoformat(view["valid_until"]), locale)
        facts.append(f"Valid until: {until}")
    if view.get("order_id"):
        facts.append(f"Work order: {view['order_id']}")
    sheet.title(f"Quote {reference}", facts)
    sheet.party("Quote for", _where(view, seller))
    if view.get("title"):
        sheet.section("Work", view["title"])
    sheet.gap(4)

    lines = list(view.get("lines") or [])
    required = [line for line in lines if not line.get("optional")]
    optional = [line for line in lines if line.get("optional")]
    sheet.lines_table(_rows(required), currency)
    totals = view.get("totals") or {}
    rows = pdf_layout.tax_totals(priced, currency, rate, int(totals.get("subtotal_cents") or 0),
                                 int(totals.get("tax_cents") or 0), int(totals.get("total_cents") or 0))
    if int(totals.get("deposit_cents") or 0):
        rows += [("Deposit on acceptance", int(totals["deposit_cents"]), 10),
                 ("Balance on completion", int(totals.get("balance_cents") or 0), 10)]
    sheet.totals(rows, currency)

    if optional:
        sheet.gap(5)
        sheet.line("Optional extras", size=11)
        sheet.line("Not included in the total above: choose any of them when you accept, and they are added at "
                   "these prices" + (" (tax included)." if priced.get("prices_include_tax") else " (plus tax)."), size=9)
        sheet.gap(2)
        sheet.lines_table(_rows(optional), currency)
    deposit = _deposit_text(view, totals, currency)
    if deposit:
        sheet.section("Deposit", deposit)
    if view.get("notes"):
        sheet.section("Notes", view["notes"])
    if view.get("terms"):
        sheet.section("Terms", view["terms"], size=9)
    if view.get("accept_url"):
        sheet.gap(4)
        sheet.line(f"Accept or decline online: {pdf_layout.one_line(view['accept_url'])}", size=10)
    sheet.foot(legal)
    return sheet.output()
