"""The invoice and credit note PDFs (`invoicing.invoice_pdf.render`) read back with pypdf, and
money and percentages as people read them. The documents are plain dicts shaped like the one
the deploy smoke test renders."""
import copy
import io

import pytest
from pypdf import PdfReader

from chalicelib.invoicing import invoice_pdf
from chalicelib.invoicing.invoice_pdf import money, percent

DOCUMENT = {
    "title": "Invoice", "number": "INV-2027-000001", "issued": "04 January 2027", "due": "18 January 2027",
    "order_id": "WO-1", "seller": {"name": "Clear View Windows", "address": "1 High St", "email": "office@example.com",
                                   "phone": "+44 117 496 0000"},
    "customer": {"name": "Zoë Ångström", "address": "2 Low St", "email": "z@example.com"}, "work": "Windows",
    "lines": [{"description": "Window cleaning", "quantity": 2, "unit_price_cents": 4500, "total_cents": 9000},
              {"description": "Sealant", "quantity": 1, "unit_price_cents": 1200, "total_cents": 1200}],
    "currency": "GBP", "subtotal_cents": 10200, "tax_rate_basis_points": 2000, "tax_cents": 2040,
    "total_cents": 12240, "payment_instructions": "Bank transfer, sort code 12-34-56", "note": None,
}


def document(**changes) -> dict:
    return {**copy.deepcopy(DOCUMENT), **changes}


def read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, [line.strip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def invoice():
    pdf = invoice_pdf.render(document())
    reader, lines = read(pdf)
    return {"pdf": pdf, "reader": reader, "lines": lines}


# --- money and percentages ----------------------------------------------------------------------------

@pytest.mark.parametrize("cents, currency, text", [
    (0, "USD", "$0.00"),
    (5, "GBP", "£0.05"),
    (123456, "GBP", "£1,234.56"),
    (123456789, "EUR", "€1,234,567.89"),
    (-12240, "GBP", "-£122.40"),  # a credit
    (-5, "EUR", "-€0.05"),
    (1200, "chf", "CHF 12.00"),  # codes are read in any case
    (1200, "SEK", "SEK 12.00"),  # an unknown currency is written with its code
    (99, "AUD", "A$0.99"),
])
def test_money_is_written_with_its_symbol_thousands_and_two_decimals(cents, currency, text):
    assert money(cents, currency) == text


@pytest.mark.parametrize("basis_points, text", [
    (0, "0%"), (2000, "20%"), (1750, "17.5%"), (1705, "17.05%"), (825, "8.25%"), (50, "0.5%"), (5, "0.05%"),
    (10000, "100%"),
])
def test_a_tax_rate_is_written_without_trailing_zeros(basis_points, text):
    assert percent(basis_points) == text


# --- the invoice -----------------------------------------------------------------------------------------

def test_the_invoice_is_a_one_page_pdf_titled_by_its_number(invoice):
    assert invoice["pdf"].startswith(b"%PDF")
    assert len(invoice["reader"].pages) == 1
    metadata = invoice["reader"].metadata
    assert (metadata.title, metadata.author) == ("Invoice INV-2027-000001", "Clear View Windows")


def test_the_invoice_reads_seller_number_dates_and_customer_in_order(invoice):
    lines = invoice["lines"]
    expected = ["Clear View Windows", "1 High St", "office@example.com", "+44 117 496 0000", "Invoice INV-2027-000001",
                "Date of issue: 04 January 2027", "Payment due: 18 January 2027", "Work order: WO-1", "Bill to",
                "Zoë Ångström", "2 Low St", "z@example.com", "Work", "Windows"]
    assert lines[:len(expected)] == expected


def test_each_line_shows_quantity_unit_price_and_amount(invoice):
    lines = invoice["lines"]
    table = lines.index("Description Qty Unit price Amount")
    assert lines[table + 1:table + 3] == ["Window cleaning 2 £45.00 £90.00", "Sealant 1 £12.00 £12.00"]


def test_the_totals_say_what_is_before_vat_the_vat_at_its_rate_and_what_includes_it(invoice):
    lines = invoice["lines"]
    assert ["Subtotal (excl. VAT) £102.00", "VAT 20% £20.40", "Total (incl. VAT) £122.40"] == [
        line for line in lines if line.startswith(("Subtotal", "VAT", "Total"))]


def test_how_to_pay_closes_the_invoice_quoting_its_number(invoice):
    assert invoice["lines"][-3:] == ["How to pay", "Bank transfer, sort code 12-34-56",
                                     "Please quote INV-2027-000001 with your payment."]


def test_names_outside_latin_1_and_other_currencies_come_out_as_typed():
    # Given a Polish customer, a Greek line and euros at 17.5 %
    doc = document(customer={"name": "Łukasz Żółć", "address": "ul. Świętokrzyska 5", "email": None},
                   lines=[{"description": "Παράθυρο — supply & fit", "quantity": 1, "unit_price_cents": 123456,
                           "total_cents": 123456}],
                   currency="EUR", subtotal_cents=123456, tax_rate_basis_points=1750, tax_cents=21605, total_cents=145061)
    _, lines = read(invoice_pdf.render(doc))
    assert "Łukasz Żółć" in lines and "ul. Świętokrzyska 5" in lines
    assert "Παράθυρο — supply & fit 1 €1,234.56 €1,234.56" in lines
    assert "VAT 17.5% €216.05" in lines and "Total (incl. VAT) €1,450.61" in lines


def test_text_is_drawn_as_typed_never_as_markup():
    doc = document(lines=[{"description": "**bold** <b>tag</b> --strike--", "quantity": 1, "unit_price_cents": 100,
                           "total_cents": 100}])
    _, lines = read(invoice_pdf.render(doc))
    assert "**bold** <b>tag</b> --strike-- 1 £1.00 £1.00" in lines


def test_control_characters_become_spaces_and_a_name_stays_on_one_line():
    doc = document(customer={"name": "Zoë\r\nÅngström\x07", "address": "2 Low St\r\nBristol", "email": None},
                   work="Front\tand back\x00windows")
    _, lines = read(invoice_pdf.render(doc))
    assert "Zoë Ångström" in lines  # the name: one line
    assert lines[lines.index("2 Low St") + 1] == "Bristol"  # an address keeps its line breaks
    work = lines[lines.index("Work") + 1]
    assert "\x00" not in work and "\t" not in work and work.split() == ["Front", "and", "back", "windows"]


def test_many_lines_run_over_pages_and_every_line_is_there():
    items = [{"description": f"Item number {i}", "quantity": i, "unit_price_cents": 100, "total_cents": 100 * i}
             for i in range(1, 61)]
    doc = document(lines=items, subtotal_cents=sum(i["total_cents"] for i in items), tax_rate_basis_points=0,
                   tax_cents=0, total_cents=sum(i["total_cents"] for i in items))
    reader, lines = read(invoice_pdf.render(doc))
    assert len(reader.pages) >= 2
    assert all(f"Item number {i} {i} £1.00 {money(100 * i, 'GBP')}" in lines for i in range(1, 61))
    assert "Total (incl. VAT) £1,830.00" in lines and "VAT 0% £0.00" in lines


def test_a_credit_note_has_no_due_date_says_why_and_totals_what_it_credits():
    doc = document(title="Credit note", number="CN-2027-000001", due=None, payment_instructions=None,
                   note="This credit note cancels invoice INV-2027-000001 in full. Reason: duplicate",
                   subtotal_cents=-10200, tax_cents=-2040, total_cents=-12240)
    reader, lines = read(invoice_pdf.render(doc))
    assert reader.metadata.title == "Credit note CN-2027-000001"
    assert "Credit note CN-2027-000001" in lines
    assert not any(line.startswith("Payment due") for line in lines)
    assert "This credit note cancels invoice INV-2027-000001 in full. Reason: duplicate" in lines
    assert "Total credited (incl. VAT) -£122.40" in lines and not any(line.startswith("How to pay") for line in lines)


# --- what an accountant looks for -----------------------------------------------------------------------

UK_SELLER = {**DOCUMENT["seller"], "country": "GB", "tax_name": "VAT", "tax_registration_number": "GB123456789",
             "company_number": "01234567", "registered_office": "12 Glazier Row\nBristol BS1 4DJ"}


def test_the_seller_s_vat_number_heads_the_invoice_and_its_registration_closes_it():
    _, lines = read(invoice_pdf.render(document(seller=UK_SELLER)))
    assert lines[:5] == ["Clear View Windows", "1 High St", "office@example.com", "+44 117 496 0000",
                         "VAT registration number: GB123456789"]
    assert lines[-1] == "Registered in England and Wales No. 01234567. Registered office: 12 Glazier Row Bristol BS1 4DJ"
    assert lines[-4:-1] == ["How to pay", "Bank transfer, sort code 12-34-56",
                            "Please quote INV-2027-000001 with your payment."]


def test_the_customer_s_address_is_printed_line_by_line_in_the_order_it_was_kept():
    customer = {"name": "Zoë Ångström", "address": "7 Cotham Hill, Bristol BS6 5AB",
                "address_lines": ["7 Cotham Hill", "Bristol BS6 5AB"], "email": None}
    _, lines = read(invoice_pdf.render(document(customer=customer)))
    start = lines.index("Zoë Ångström")
    assert lines[start + 1:start + 3] == ["7 Cotham Hill", "Bristol BS6 5AB"]


def test_with_prices_that_include_vat_the_total_says_so_and_names_the_vat_inside_it():
    doc = document(seller={**UK_SELLER, "prices_include_tax": True}, subtotal_cents=8500, tax_cents=1700,
                   total_cents=10200)
    _, lines = read(invoice_pdf.render(doc))
    assert "Total incl. VAT £102.00" in lines
    assert "includes VAT 20% of £17.00; net amount £85.00" in lines
    assert not any(line.startswith("Subtotal") for line in lines)


def test_a_us_business_charges_sales_tax_in_its_words():
    doc = document(seller={**DOCUMENT["seller"], "country": "US", "tax_registration_number": "CA-SR-12-345678"},
                   currency="USD", tax_rate_basis_points=825, tax_cents=842, total_cents=11042)
    _, lines = read(invoice_pdf.render(doc))
    assert ["Subtotal (excl. sales tax) $102.00", "Sales tax 8.25% $8.42", "Total (incl. sales tax) $110.42"] == [
        line for line in lines if line.startswith(("Subtotal", "Sales tax ", "Total")) and "$" in line]
    assert "Sales tax registration number: CA-SR-12-345678" in lines


@pytest.mark.parametrize("country, lines", [
    ("GB", ["7 Cotham Hill", "Bristol BS6 5AB"]),
    ("US", ["1600 Main St", "Springfield, IL 62704"]),
    ("DE", ["Unter den Linden 5", "10117 Berlin"]),
    ("FR", ["5 rue de Rivoli", "75001 Paris"]),
])
def test_an_address_is_written_in_its_country_s_order(country, lines):
    from chalicelib.data.models import Address
    from chalicelib.setup import addresses

    street, town = {"GB": ("7 Cotham Hill", ("Bristol", "BS6 5AB")), "US": ("1600 Main St", ("Springfield, IL", "62704")),
                    "DE": ("Unter den Linden 5", ("Berlin", "10117")), "FR": ("5 rue de Rivoli", ("Paris", "75001"))}[country]
    address = Address(street=street, city=town[0], postcode=town[1])
    assert addresses.lines(address, country) == lines
    assert addresses.one_line(address, country) == ", ".join(lines)
    assert addresses.lines(None, country) == [] and addresses.one_line(None, country) is None
