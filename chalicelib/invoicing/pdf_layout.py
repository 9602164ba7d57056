"""The page every customer document shares (invoice, credit note, quote): the seller's head with
its tax registration, the title block, the lines table, the totals column and the registration
foot, drawn with fpdf2 in one embedded Unicode font; and money and percentages as people read them.

Every name, address, note and line description is drawn as text with an embedded Unicode font
(DejaVu Sans, `fonts/`): fpdf2's core fonts know Latin-1 only, and `£` or `Zoë` must come out as
typed. Nothing is interpreted as markup; control characters become spaces. A character the font
has no glyph for (CJK, emoji) is drawn as the font's blank box rather than breaking the document.
fpdf2 (with Pillow and fontTools) costs about 300 ms to import, so `Sheet` imports it when a
document is drawn, never when app.py loads.
"""
import re
from pathlib import Path

from chalicelib.setup import tax

FONTS = Path(__file__).parent / "fonts"
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "CHF": "CHF "}
# Control characters other than the line break cannot be drawn; they become spaces.
_UNDRAWABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\u2028\u2029\x85]")
AMOUNT_WIDTH = 35  # mm: the column of amounts in the totals
LINE_COLUMNS = (95, 20, 35, 35)  # Description, Qty, Unit price, Amount
# About 50 characters fill a line of the description column; 1,000 (20 lines) fit on any page.
LINE_CHARS, CELL_BUDGET = 50, 1000


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


def text(value) -> str:
    """`value` as drawable text: line breaks kept (as `\\n`), other control characters spaces."""
    plain = "" if value is None else str(value)
    return _UNDRAWABLE.sub(" ", plain.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(value) -> str:
    return " ".join(text(value).split())


class Sheet:
    """One A4 document being drawn. `line` writes wrapped text across the page; the other
    methods draw the blocks every document has in the same place and the same sizes."""

    def __init__(self, title: str, author: str | None):
        # Deferred for cold start: fpdf2 takes about 290 ms to import and only PDF rendering needs it.
        from fpdf import FPDF
        from fpdf.enums import XPos, YPos
        from fpdf.fonts import FontFace

        self._next = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
        self._face = FontFace
        pdf = FPDF(format="A4", unit="mm")
        pdf.set_title(one_line(title))
        pdf.set_author(one_line(author))
        # One face: parsing and subsetting a font is most of the rendering time (about 0.1 s each).
        pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()
        self.pdf = pdf
        self.width = pdf.epw

    def line(self, value, size=10, height=5.0, align="L") -> None:
        self.pdf.set_font("DejaVu", "", size)
        # A word wider than the page (a pasted URL, a hostile string) is broken where it overflows.
        self.pdf.multi_cell(self.width, height, text(value), align=align, **self._next)

    def gap(self, mm: float) -> None:
        self.pdf.ln(mm)

    def seller_head(self, seller: dict) -> list[str]:
        """The seller's name, address and contact, and its tax registration number under them;
        returns the registration lines left for the foot (`foot`)."""
        self.line(one_line(seller.get("name")), size=16, height=8)
        for key in ("address", "email", "phone"):
            if seller.get(key):
                self.line(seller[key], size=9, height=4.5)
        legal = tax.legal_lines(seller)
        if seller.get("tax_registration_number"):
            self.line(one_line(legal.pop(0)), size=9, height=4.5)
        self.gap(6)
        return legal

    def title(self, heading: str, facts: list[str]) -> None:
        """`Invoice INV-2027-000001` and the lines under it (dates, the order)."""
        self.line(heading, size=18, height=9)
        for fact in facts:
            self.line(fact)
        self.gap(4)

    def party(self, heading: str, person: dict) -> None:
        """Who the document is for: name, address (line by line when kept so), email."""
        self.line(heading, size=11)
        self.line(one_line(person.get("name")))
        if person.get("address_lines"):
            self.line("\n".join(one_line(part) for part in person["address_lines"]))
        elif person.get("address"):
            self.line(person["address"])
        if person.get("email"):
            self.line(person["email"])

    def section(self, heading: str, body, size=10) -> None:
        self.gap(3)
        self.line(heading, size=11)
        self.line(body, size=size)

    def lines_table(self, rows: list[dict], currency: str) -> None:
        """Description, Qty, Unit price, Amount: one row per line ({description, quantity,
        unit_price_cents, total_cents})."""
        self.pdf.set_font("DejaVu", "", 10)
        with self.pdf.table(col_widths=LINE_COLUMNS, text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
                            line_height=6, markdown=False, first_row_as_headings=True,
                            headings_style=self._face(emphasis="", fill_color=(232, 236, 241))) as table:
            heading = table.row()
            for title in ("Description", "Qty", "Unit price", "Amount"):
                heading.cell(title)
            for item in rows:
                first, *rest = pieces(text(item["description"]))
                row = table.row()
                row.cell(first)
                row.cell(str(item["quantity"]))
                row.cell(money(item["unit_price_cents"], currency))
                row.cell(money(item["total_cents"], currency))
                for more in rest:  # a description taller than a page goes on in rows of its own
                    row = table.row()
                    for cell in (more, "", "", ""):
                        row.cell(cell)
        self.gap(3)

    def totals(self, rows: list[tuple[str, int | None, int]], currency: str) -> None:
        """Right-aligned (label, cents, font size) rows; cents None: a sentence under them."""
        for label, cents, size in rows:
            self.pdf.set_font("DejaVu", "", size)
            if cents is None:
                self.pdf.multi_cell(self.width, 5, one_line(label), align="R", **self._next)
                continue
            self.pdf.cell(self.width - AMOUNT_WIDTH, 6, one_line(label), align="R")
            self.pdf.cell(AMOUNT_WIDTH, 6, money(cents, currency), align="R", **self._next)

    def foot(self, legal: list[str]) -> None:
        """The company's registration closes the document."""
        if legal:
            self.gap(6)
            for entry in legal:
                self.line(one_line(entry), size=8, height=4)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def pieces(value: str, budget: int = CELL_BUDGET) -> list[str]:
    """`value` cut into parts that each fit on one page in the description column (fpdf2 cannot
    split a table row over pages): at most `budget` characters, a line break counting as a
    line's worth; cut at a space where there is one."""
    parts, rest = [], value
    while True:
        cost, cut = 0, len(rest)
        for i, char in enumerate(rest):
            cost += LINE_CHARS if char == "\n" else 1
            if cost > budget:
                cut = i
                break
        if cut == len(rest):
            return parts + [rest]
        space = max(rest.rfind(" ", 0, cut), rest.rfind("\n", 0, cut))
        cut = space + 1 if space > cut // 2 else max(cut, 1)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:]


def tax_totals(seller: dict, currency: str, rate_basis_points: int, subtotal_cents: int, tax_cents: int,
               total_cents: int, reword=None) -> list[tuple[str, int | None, int]]:
    """The totals block as (label, cents, font size) rows. Prices before tax: subtotal, tax,
    total; prices that include it: the total and the tax it includes. `gross_label` rewords the
    total: a function of the usual label (`Total credited (incl. VAT)`)."""
    labels = tax.total_labels(seller, percent(rate_basis_points))
    gross = reword(labels["gross"]) if reword else labels["gross"]
    if labels["includes"]:
        includes = labels["includes"].format(amount=money(tax_cents, currency))
        return [(gross, total_cents, 12), (f"{includes}; net amount {money(subtotal_cents, currency)}", None, 9)]
    return [(labels["net"], subtotal_cents, 10), (labels["tax"], tax_cents, 10), (gross, total_cents, 12)]
