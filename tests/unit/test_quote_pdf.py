"""The quote PDF (`invoicing.quote_pdf.render_quote`) read back with pypdf: the same page as the
invoice (seller, registration, lines, tax words), the optional extras outside the total, the
deposit, validity in the business's locale, the link to answer online, and hostile text."""
import copy
import io

import pytest
from pypdf import PdfReader

from chalicelib.invoicing import invoice_pdf, quote_pdf

VIEW = {
    "quote_id": "QT-1", "reference": "Q-2026-000001-A", "number": "Q-2026-000001", "revision": "A",
    "title": "Replace three sash windows", "created_at": "2026-12-01T10:00:00Z", "sent_at": "2026-12-02T09:30:00Z",
    "valid_until": "2027-01-01", "order_id": "WO-ABC",
    "customer": {"name": "Zoë Ångström", "email": "z@example.com", "phone": "+44 7700 900000"},
    "address": {"street": "7 Cotham Hill", "city": "Bristol", "postcode": "BS6 5AB"},
    "lines": [
        {"line_id": "L1", "description": "uPVC sash window, supply and fit", "quantity": 3, "unit_price_cents": 45000,
         "optional": False},
        {"line_id": "L2", "description": "Removal and disposal", "quantity": 1, "unit_price_cents": 6000, "optional": False},
        {"line_id": "L3", "description": "Trickle vents", "quantity": 3, "unit_price_cents": 2500, "optional": True},
    ],
    "totals": {"subtotal_cents": 141000, "tax_cents": 28200, "total_cents": 169200, "deposit_cents": 42300,
               "balance_cents": 126900},
    "deposit": {"percent_basis_points": 2500}, "notes": "Access via the side gate.",
    "terms": "Payment within 14 days of completion.", "currency": "GBP",
    "tax": {"name": "VAT", "rate_basis_points": 2000, "prices_include_tax": False},
}
SELLER = {"name": "Clearview Windows Ltd", "address": "12 Glazier Row, Bristol BS1 4DJ", "email": "office@example.com",
          "phone": "+44 117 496 0000", "country": "GB", "tax_name": "VAT", "tax_registration_number": "GB123456789",
          "company_number": "01234567", "registered_office": "12 Glazier Row\nBristol BS1 4DJ",
          "timezone": "Europe/London", "prices_include_tax": False}


def view(**changes) -> dict:
    return {**copy.deepcopy(VIEW), **changes}


def read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, [line.strip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def quote():
    pdf = quote_pdf.render_quote(view(accept_url="https://example.com/book/quote.html?quote=QT-1&token=abc"), SELLER)
    reader, lines = read(pdf)
    return {"pdf": pdf, "reader": reader, "lines": lines}


def test_the_quote_is_a_pdf_titled_by_its_reference(quote):
    assert quote["pdf"].startswith(b"%PDF")
    assert (quote["reader"].metadata.title, quote["reader"].metadata.author) == ("Quote Q-2026-000001-A",
                                                                                 "Clearview Windows Ltd")


def test_the_quote_heads_like_the_invoice_seller_vat_number_then_reference_dates_and_customer(quote):
    assert quote["lines"][:14] == [
        "Clearview Windows Ltd", "12 Glazier Row, Bristol BS1 4DJ", "office@example.com", "+44 117 496 0000",
        "VAT registration number: GB123456789", "Quote Q-2026-000001-A", "Date: Wednesday 2 December 2026",
        "Valid until: Friday 1 January 2027", "Work order: WO-ABC", "Quote for", "Zoë Ångström", "7 Cotham Hill",
        "Bristol BS6 5AB", "z@example.com"]


def test_the_page_is_the_invoice_s_the_same_head_and_registration_foot():
    invoice = invoice_pdf.render({
        "title": "Invoice", "number": "INV-2027-000001", "issued": "4 January 2027", "due": None, "order_id": "WO-ABC",
        "seller": SELLER, "customer": {"name": "Zoë Ångström"}, "work": None, "lines": [], "currency": "GBP",
        "subtotal_cents": 0, "tax_rate_basis_points": 2000, "tax_cents": 0, "total_cents": 0,
        "payment_instructions": None, "note": None})
    _, invoice_lines = read(invoice)
    _, quote_lines = read(quote_pdf.render_quote(view(), SELLER))
    assert quote_lines[:5] == invoice_lines[:5]
    assert quote_lines[-1] == invoice_lines[-1] == (
        "Registered in England and Wales No. 01234567. Registered office: 12 Glazier Row Bristol BS1 4DJ")


def test_required_lines_are_totalled_in_the_invoice_s_vat_words_with_the_deposit_asked(quote):
    lines = quote["lines"]
    table = lines.index("Description Qty Unit price Amount")
    assert lines[table + 1:table + 3] == ["uPVC sash window, supply and fit 3 £450.00 £1,350.00",
                                          "Removal and disposal 1 £60.00 £60.00"]
    totals = lines.index("Subtotal (excl. VAT) £1,410.00")
    assert lines[totals:totals + 5] == ["Subtotal (excl. VAT) £1,410.00", "VAT 20% £282.00", "Total (incl. VAT) £1,692.00",
                                        "Deposit on acceptance £423.00", "Balance on completion £1,269.00"]


def test_optional_extras_come_after_the_total_with_their_prices_and_outside_it(quote):
    lines = quote["lines"]
    extras = lines.index("Optional extras")
    assert extras > lines.index("Total (incl. VAT) £1,692.00")
    assert "Trickle vents 3 £25.00 £75.00" in lines[extras:]
    assert not any("Trickle vents" in line for line in lines[:extras])
    assert lines[extras + 1].startswith("Not included in the total above")


def test_deposit_notes_terms_and_the_link_to_answer_online(quote):
    lines = quote["lines"]
    assert lines[lines.index("Deposit") + 1].startswith("A deposit of 25% of the total, £423.00 is invoiced when you accept")
    assert lines[lines.index("Notes") + 1] == "Access via the side gate."
    assert lines[lines.index("Terms") + 1] == "Payment within 14 days of completion."
    assert "Accept or decline online: https://example.com/book/quote.html?quote=QT-1&token=abc" in lines


def test_without_a_link_optional_lines_or_deposit_none_of_their_words_appear():
    doc = view(lines=VIEW["lines"][:2], deposit=None, notes=None, terms=None,
               totals={**VIEW["totals"], "deposit_cents": 0, "balance_cents": 169200})
    _, lines = read(quote_pdf.render_quote(doc, SELLER))
    assert not [line for line in lines if line.startswith(("Optional extras", "Deposit", "Accept or decline", "Notes",
                                                           "Terms", "Balance on completion"))]
    assert lines[-2] == "Total (incl. VAT) £1,692.00"


def test_a_fixed_deposit_is_named_by_its_amount():
    doc = view(deposit={"amount_cents": 20000}, totals={**VIEW["totals"], "deposit_cents": 20000, "balance_cents": 149200})
    _, lines = read(quote_pdf.render_quote(doc, SELLER))
    assert "Deposit on acceptance £200.00" in lines and "Balance on completion £1,492.00" in lines
    assert lines[lines.index("Deposit") + 1].startswith("A deposit of £200.00 is invoiced when you accept")


def test_prices_that_include_vat_are_totalled_as_the_invoice_totals_them():
    doc = view(tax={"name": "VAT", "rate_basis_points": 2000, "prices_include_tax": True},
               totals={"subtotal_cents": 117500, "tax_cents": 23500, "total_cents": 141000, "deposit_cents": 0,
                       "balance_cents": 141000}, deposit=None)
    _, lines = read(quote_pdf.render_quote(doc, SELLER))
    assert "Total incl. VAT £1,410.00" in lines and "includes VAT 20% of £235.00; net amount £1,175.00" in lines
    assert not any(line.startswith("Subtotal") for line in lines)


def test_valid_until_is_written_in_the_business_s_locale():
    _, lines = read(quote_pdf.render_quote(view(locale="en-US"), {**SELLER, "country": "US", "tax_name": "Sales tax"}))
    assert "Valid until: Friday, January 1, 2027" in lines
    assert "Date: Wednesday, December 2, 2026" in lines


def test_the_date_is_the_business_s_local_day():
    # 23:30 UTC on 31 December is already 1 January in Auckland
    _, lines = read(quote_pdf.render_quote(view(sent_at="2026-12-31T23:30:00Z"), {**SELLER, "timezone": "Pacific/Auckland"}))
    assert "Date: Friday 1 January 2027" in lines


def test_hostile_text_long_words_control_characters_markup_and_other_scripts_do_not_break_it():
    long_word = "A" * 3000
    lines = [{"line_id": f"L{i}", "description": f"Line {i} " + ("very long description " * 40), "quantity": 1,
              "unit_price_cents": 100, "optional": i % 5 == 0} for i in range(1, 41)]
    lines.append({"line_id": "X", "description": long_word, "quantity": 1, "unit_price_cents": 1, "optional": False})
    lines.append({"line_id": "Y", "description": "Παράθυρο — окно 窗户 نافذة 🪟 **bold** <b>x</b>", "quantity": 2,
                  "unit_price_cents": 150, "optional": False})
    doc = view(lines=lines, title="Front\x00and\tback\r\nwindows", notes=long_word,
               customer={"name": "Łukasz\r\nŻółć\x07", "email": None}, accept_url="https://x.example/" + "q" * 500)
    reader, text = read(quote_pdf.render_quote(doc, SELLER))
    assert len(reader.pages) >= 3
    assert "Łukasz Żółć" in text
    joined = "".join(text)
    assert joined.count("A") >= 3000  # the long word is all there, wrapped
    # Greek and Cyrillic as typed, markup as text; CJK and emoji (no glyph in the font) as blanks
    assert "Παράθυρο — окно" in joined and "<b>x</b> 2 £1.50 £3.00" in joined
    assert all(f"Line {i} very long" in joined for i in range(1, 41))


def test_dates_and_address_written_by_the_caller_are_drawn_as_given():
    doc = view(sent_on_text="Wednesday, December 2, 2026", valid_until_text="Friday, January 1, 2027",
               address_lines=["1600 Main St", "Springfield, IL 62704"])
    _, lines = read(quote_pdf.render_quote(doc, SELLER))
    assert lines[6:8] == ["Date: Wednesday, December 2, 2026", "Valid until: Friday, January 1, 2027"]
    start = lines.index("Zoë Ångström")
    assert lines[start + 1:start + 3] == ["1600 Main St", "Springfield, IL 62704"]
