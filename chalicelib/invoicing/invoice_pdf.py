"""The invoice and credit note as PDF documents (fpdf2), drawn on the page every customer
document shares (`pdf_layout`): seller and registration, title block, customer, lines, totals
(with the deposit a final invoice deducts), how to pay and the registration foot."""
from chalicelib.invoicing import pdf_layout
from chalicelib.invoicing.pdf_layout import money, percent  # noqa: F401 - the invoice's words for money, as before
from chalicelib.setup import tax


def render(doc: dict) -> bytes:
    """The PDF of an invoice or credit note.

    `doc`: title, number, issued (local date text), due (or None), order_id, seller {name,
    address, email, phone, and optionally country, tax_name, tax_registration_number,
    company_number, registered_office, prices_include_tax}, customer {name, email, address or
    address_lines}, work, lines [{description, quantity, unit_price_cents, total_cents}],
    currency, subtotal_cents (before tax), tax_rate_basis_points, tax_cents, total_cents (with
    tax), payment_instructions, note; and optionally `deposit` {number, subtotal_cents,
    tax_cents, total_cents}: the deposit invoice this one deducts (the totals above are then
    those of the work, and the amount due follows the deduction).
    """
    sheet = pdf_layout.Sheet(f"{doc['title']} {doc['number']}", doc["seller"].get("name"))
    legal = sheet.seller_head(doc["seller"])
    facts = [f"Date of issue: {doc['issued']}"]
    if doc.get("due"):
        facts.append(f"Payment due: {doc['due']}")
    facts.append(f"Work order: {doc['order_id']}")
    sheet.title(f"{doc['title']} {doc['number']}", facts)
    sheet.party("Bill to", doc["customer"])
    if doc.get("work"):
        sheet.section("Work", doc["work"])
    if doc.get("note"):
        sheet.gap(3)
        sheet.line(doc["note"], size=11)
    sheet.gap(4)
    sheet.lines_table(doc["lines"], doc["currency"])
    sheet.totals(totals(doc), doc["currency"])
    if doc.get("payment_instructions"):
        sheet.section("How to pay", doc["payment_instructions"])
        sheet.line(f"Please quote {doc['number']} with your payment.", size=9)
    sheet.foot(legal)
    return sheet.output()


def totals(doc: dict, amount_due: bool = True) -> list[tuple[str, int | None, int]]:
    """The totals block as (label, cents, font size) rows; cents None: a sentence. Prices before
    tax: subtotal, tax, total; prices that include it: the total and the tax it includes. A
    final invoice that deducts a deposit goes on: the deposit (and the tax it carried), then the
    amount due (left out with `amount_due` False: the email says it under the totals) and the tax
    this invoice charges."""
    seller, currency = doc["seller"], doc["currency"]
    credited = doc["title"] != "Invoice"
    rows = pdf_layout.tax_totals(seller, currency, doc["tax_rate_basis_points"], doc["subtotal_cents"],
                                 doc["tax_cents"], doc["total_cents"],
                                 reword=(lambda label: label.replace("Total", "Total credited", 1)) if credited else None)
    deposit = doc.get("deposit")
    if not deposit:
        return rows
    rate = percent(doc["tax_rate_basis_points"])
    includes = tax.total_labels({**seller, "prices_include_tax": True}, rate)["includes"]
    due_net = doc["subtotal_cents"] - deposit["subtotal_cents"]
    due_tax = doc["tax_cents"] - deposit["tax_cents"]
    rows += [(f"Less deposit (invoice {deposit['number']})", -deposit["total_cents"], 10),
             (includes.format(amount=money(deposit["tax_cents"], currency)), None, 9)]
    if amount_due:
        rows.append(("Amount due", doc["total_cents"] - deposit["total_cents"], 12))
    charged = includes.format(amount=money(due_tax, currency)).replace("includes", "This invoice charges", 1)
    return rows + [(f"{charged} on a net amount of {money(due_net, currency)}", None, 9)]
