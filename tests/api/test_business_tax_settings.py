"""Invoices that pass an accountant: the business's country, tax name, VAT and company numbers,
registered office and whether its prices include the tax (`PUT /business`, admin), and the
invoice, its PDF and its email saying them, with the customer's address in the country's order."""
from chalicelib.setup import tax
from tests.api.test_invoicing import attachment, complete, drain, invoice_emails, invoice_of, pdf_text
from tests.support.helpers import body_part


def put(as_, changes, who="admin"):
    return as_(who).put("/business", changes)


def fields_of(r) -> list[str]:
    return sorted(d["field"] for d in r.json["error"]["details"])


def test_a_business_that_never_set_them_is_in_gb_charging_vat_on_top_of_its_prices(as_):
    r = put(as_, {"tax_name": None, "country": "GB"})  # the demo business, with its tax name cleared
    assert r.status == 200, r
    settings = as_("dispatcher").get("/business").json
    assert (settings["country"], settings["tax_name"], settings["prices_include_tax"]) == ("GB", "VAT", False)


def test_uk_vat_and_company_numbers_are_checked_and_written_the_standard_way(as_):
    r = put(as_, {"country": "gb", "tax_registration_number": "gb 123 4567 89", "company_number": "1234567",
                  "registered_office": "12 Glazier Row\nBristol BS1 4DJ"})
    assert r.status == 200, r
    assert (r.json["country"], r.json["tax_registration_number"], r.json["company_number"]) == ("GB", "GB123456789", "01234567")
    assert as_("admin").get("/business").json["registered_office"] == "12 Glazier Row\nBristol BS1 4DJ"
    # a VAT number without its prefix gets GB; a Scottish company keeps its letters
    r = put(as_, {"tax_registration_number": "123456789", "company_number": "sc123456"})
    assert (r.json["tax_registration_number"], r.json["company_number"]) == ("GB123456789", "SC123456")


def test_numbers_that_are_not_uk_numbers_are_refused_for_a_uk_business(as_):
    r = put(as_, {"tax_registration_number": "GB12345", "company_number": "ABC-1"})
    assert r.status == 422, r
    assert fields_of(r) == ["company_number", "tax_registration_number"]
    # nothing was stored
    assert as_("admin").get("/business").json["tax_registration_number"] == "GB123456789"


def test_a_wrong_country_tax_flag_or_field_type_is_refused_field_by_field(as_):
    r = put(as_, {"country": "XX", "prices_include_tax": "yes", "tax_name": 20, "registered_office": "a\x00b"})
    assert r.status == 422, r
    assert fields_of(r) == ["country", "prices_include_tax", "registered_office", "tax_name"]


def test_a_us_business_charges_sales_tax_and_writes_its_number_as_it_likes(as_):
    r = put(as_, {"country": "US", "tax_registration_number": "CA SR AB 12-345678", "company_number": "C1234567"})
    assert r.status == 200, r
    assert (r.json["tax_name"], r.json["tax_registration_number"]) == ("Sales tax", "CA SR AB 12-345678")
    # back in the UK, the demo's explicit "VAT" follows the country, and the number must be a UK one again
    r = put(as_, {"country": "GB"})
    assert r.status == 422 and fields_of(r) == ["company_number", "tax_registration_number"]
    r = put(as_, {"country": "GB", "tax_registration_number": "", "company_number": None, "tax_name": "VAT"})
    assert r.status == 200, r
    assert (r.json["tax_registration_number"], r.json["company_number"], r.json["tax_name"]) == ("", "", "VAT")


def test_only_an_admin_changes_them(as_):
    r = put(as_, {"tax_registration_number": "GB999999973"}, who="dispatcher")
    assert r.status == 403, r
    assert as_("admin").get("/business").json["tax_registration_number"] == "GB123456789"


def test_the_invoice_shows_the_seller_s_numbers_the_address_in_uk_order_and_vat_on_top(as_, new_order, stream, deliver):
    order = complete(as_, new_order(address={"street": "7 Cotham Hill", "city": "Bristol", "postcode": "BS6 5AB"}),
                     items=(("Casement window, supply and fit", 2, 42000),))
    drain(stream, deliver)
    invoice = invoice_of(order["order_id"])
    assert invoice.customer["address"] == "7 Cotham Hill, Bristol BS6 5AB"
    [mail] = invoice_emails(order["order_id"])
    text = pdf_text(attachment(mail))
    for expected in ("VAT registration number: GB123456789", "Bristol BS6 5AB", "Subtotal (excl. VAT) £840.00",
                     "VAT 20% £168.00", "Total (incl. VAT) £1,008.00",
                     "Registered in England and Wales No. 01234567. Registered office: 12 Glazier Row, Bristol BS1 4DJ"):
        assert expected in text, (expected, text)
    assert "BS6 5AB Bristol" not in text
    plain, html = body_part(mail, "plain"), body_part(mail, "html")
    assert "Subtotal (excl. VAT): £840.00" in plain and "Total (incl. VAT): £1,008.00" in plain
    assert "Phone: +44 117 496 0000" in plain and "Email: office@example.com" in plain
    assert "VAT registration number: GB123456789" in plain
    assert "Total (incl. VAT)" in html and 'href="mailto:office@example.com"' in html


def test_with_prices_that_include_vat_the_lines_add_up_to_the_total_and_the_vat_is_inside_it(as_, new_order, stream, deliver):
    assert put(as_, {"prices_include_tax": True}).status == 200
    order = complete(as_, new_order(), items=(("Casement window, supply and fit", 2, 42000), ("Sealant", 1, 1)))
    drain(stream, deliver)
    invoice = invoice_of(order["order_id"])
    # 840.01 includes 20 % VAT: 840.01 / 6 = 140.0017 -> 140.00
    assert (invoice.total_cents, invoice.tax_cents, invoice.subtotal_cents) == (84001, 14000, 70001)
    assert invoice.seller["prices_include_tax"] is True
    [mail] = invoice_emails(order["order_id"])
    text = pdf_text(attachment(mail))
    assert "Total incl. VAT £840.01" in text and "includes VAT 20% of £140.00; net amount £700.01" in text
    assert "Subtotal" not in text
    plain = body_part(mail, "plain")
    assert "Total incl. VAT: £840.01" in plain and "(includes VAT 20% of £140.00; net amount £700.01)" in plain


def test_an_invoice_keeps_the_numbers_of_its_date_of_issue(as_, new_order, stream, deliver):
    order = complete(as_, new_order())
    drain(stream, deliver)
    assert put(as_, {"tax_registration_number": "GB999999973", "company_number": "SC123456"}).status == 200
    seller = invoice_of(order["order_id"]).seller
    assert (seller["tax_registration_number"], seller["company_number"]) == ("GB123456789", "01234567")


def test_the_tax_of_an_amount_is_rounded_half_up_once_before_or_inside_the_price():
    assert tax.split(10200, 2000, inclusive=False) == (10200, 2040, 12240)
    assert tax.split(12240, 2000, inclusive=True) == (10200, 2040, 12240)
    assert tax.split(3, 2000, inclusive=True) == (2, 1, 3)  # 0.5 cent of VAT rounds up
    assert tax.split(1, 2000, inclusive=True) == (1, 0, 1)
    assert tax.split(1000, 0, inclusive=True) == (1000, 0, 1000)
    for gross in range(0, 2000):
        net, vat, total = tax.split(gross, 2000, inclusive=True)
        assert net + vat == total == gross and abs(vat * 6 - gross) <= 3


def test_the_registration_line_names_where_the_company_is_registered():
    assert tax.legal_lines({"company_number": "SC123456"}) == ["Registered in Scotland No. SC123456."]
    assert tax.legal_lines({"company_number": "NI012345", "registered_office": "1 Quay St\nBelfast BT1 1AA"}) == [
        "Registered in Northern Ireland No. NI012345. Registered office: 1 Quay St Belfast BT1 1AA"]
    assert tax.legal_lines({"country": "DE", "tax_name": "USt.", "tax_registration_number": "DE123456789",
                            "company_number": "HRB 12345"}) == [
        "USt. registration number: DE123456789", "Company number: HRB 12345."]
    assert tax.legal_lines({}) == []
