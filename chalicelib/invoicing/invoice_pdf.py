"""The invoice and credit note as PDF documents (fpdf2), and money as people read it.

Every name, address, note and line description is drawn as text with an embedded Unicode font
(DejaVu Sans, `chalicelib/fonts/`): fpdf2's core fonts know Latin-1 only, and `£` or `Zoë` must
come out as typed. Nothing is interpreted as markup. fpdf2 (with Pillow and fontTools) costs
about 300 ms to import, so it is imported inside `render`, never when app.py loads.
"""
import re
from pathlib import Path

from chalicelib.setup import tax

FONTS = Path(__file__).parent / "fonts"
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "CHF": "CHF "}
# Control characters other than the line break cannot be drawn; they become spaces.
_UNDRAWABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def money(cents: int, currency: str) -> str:
    """`£1,234.56`; an unknown currency is written with its code (`SEK 12.00`)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    symbol = SYMBOLS.get(currency.upper(), currency.upper() + " ")
    return f"{sign}{symbol}{whole:,}.{part:02d}"


def percent(basis_points: int) -> str:
    """2000 -> `20%`, 1750 -> `17.5%`."""
    whole, part = divmod(int(basis_points), 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"


def _text(value) -> str:
    text = "" if value is None else str(value)
    return _UNDRAWABLE.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _one_line(value) -> str:
    return " ".join(_text(value).split())


def render(doc: dict) -> bytes:
    """The PDF of an invoice or credit note.

    `doc`: title, number, issued (local date text), due (or None), order_id, seller {name,
    address, email, phone, and optionally country, tax_name, tax_registration_number,
    company_number, registered_office, prices_include_tax}, customer {name, email, address or
    address_lines}, work, lines [{description, quantity, unit_price_cents, total_cents}],
    currency, subtotal_cents (before tax), tax_rate_basis_points, tax_cents, total_cents (with
    tax), payment_instructions, note.
    """
    # Deferred for cold start: fpdf2 takes about 290 ms to import and only PDF rendering needs it.
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    currency = doc["currency"]
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(_text(f"{doc['title']} {doc['number']}"))
    pdf.set_author(_text(doc["seller"].get("name")))
    # One face: parsing and subsetting a font is most of the rendering time (about 0.1 s each).
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.epw

    def line(text, size=10, height=5.0, align="L"):
        pdf.set_font("DejaVu", "", size)
        pdf.multi_cell(width, height, _text(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    seller = doc["seller"]
    line(_one_line(seller.get("name")), size=16, height=8)
    for key in ("address", "email", "phone"):
        if seller.get(key):
            line(seller[key], size=9, height=4.5)
    legal = tax.legal_lines(seller)
    if seller.get("tax_registration_number"):
        line(_one_line(legal.pop(0)), size=9, height=4.5)
    pdf.ln(6)
    line(f"{doc['title']} {doc['number']}", size=18, height=9)
    line(f"Date of issue: {doc['issued']}")
    if doc.get("due"):
        line(f"Payment due: {doc['due']}")
    line(f"Work order: {doc['order_id']}")
    pdf.ln(4)

    customer = doc["customer"]
    line("Bill to", size=11)
    line(_one_line(customer.get("name")))
    if customer.get("address_lines"):
        line("\n".join(_one_line(part) for part in customer["address_lines"]))
    elif customer.get("address"):
        line(customer["address"])
    if customer.get("email"):
        line(customer["email"])
    if doc.get("work"):
        pdf.ln(3)
        line("Work", size=11)
        line(doc["work"])
    if doc.get("note"):
        pdf.ln(3)
        line(doc["note"], size=11)
    pdf.ln(4)

    pdf.set_font("DejaVu", "", 10)
    with pdf.table(col_widths=(95, 20, 35, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=6, markdown=False, first_row_as_headings=True,
                   headings_style=FontFace(emphasis="", fill_color=(232, 236, 241))) as table:
        heading = table.row()
        for title in ("Description", "Qty", "Unit price", "Amount"):
            heading.cell(title)
        for item in doc["lines"]:
            row = table.row()
            row.cell(_text(item["description"]))
            row.cell(str(item["quantity"]))
            row.cell(money(item["unit_price_cents"], currency))
            row.cell(money(item["total_cents"], currency))
    pdf.ln(3)

    for label, cents, size in totals(doc):
        pdf.set_font("DejaVu", "", size)
        if cents is None:  # a sentence under the total
            pdf.cell(width, 5, _text(label), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        pdf.cell(width - 35, 6, _text(label), align="R")
        pdf.cell(35, 6, money(cents, currency), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if doc.get("payment_instructions"):
        pdf.ln(6)
        line("How to pay", size=11)
        line(doc["payment_instructions"])
        line(f"Please quote {doc['number']} with your payment.", size=9)
    if legal:  # the company's registration closes the document
        pdf.ln(6)
        for text in legal:
            line(_one_line(text), size=8, height=4)
    return bytes(pdf.output())


def totals(doc: dict) -> list[tuple[str, int | None, int]]:
    """The totals block as (label, cents, font size) rows; cents None: a sentence. Prices before
    tax: subtotal, tax, total; prices that include it: the total and the tax it includes."""
    seller, currency = doc["seller"], doc["currency"]
    labels = tax.total_labels(seller, percent(doc["tax_rate_basis_points"]))
    gross = labels["gross"] if doc["title"] == "Invoice" else labels["gross"].replace("Total", "Total credited", 1)
    if labels["includes"]:
        includes = labels["includes"].format(amount=money(doc["tax_cents"], currency))
        return [(gross, doc["total_cents"], 12),
                (f"{includes}; net amount {money(doc['subtotal_cents'], currency)}", None, 9)]
    return [(labels["net"], doc["subtotal_cents"], 10), (labels["tax"], doc["tax_cents"], 10),
            (gross, doc["total_cents"], 12)]
