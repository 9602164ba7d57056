"""The final invoice less the deposit (`invoicing.issue.deduct_deposit`), in integer cents: the
deposit's net and tax are taken off the work's separately, so the two invoices together charge
exactly the work's net, tax and total; nothing is ever due below 0; a void deposit deducts
nothing. And the totals block the PDF and the email draw from it (`invoice_pdf.totals`)."""
from datetime import datetime, timezone

from hypothesis import given, settings, strategies as st

from chalicelib.data.models import InvoiceModel
from chalicelib.invoicing import invoice_pdf, issue, numbering
from chalicelib.setup import tax

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)


def invoice(gross: int, rate: int = 2000, inclusive: bool = False, invoice_id: str = "IV-FINAL", status="issued",
            number: str = "") -> InvoiceModel:
    """An invoice of `gross` cents as priced (before tax, or with it when `inclusive`)."""
    net, vat, total = tax.split(gross, rate, inclusive)
    return InvoiceModel(invoice_id, order_id="WO-1", number=number, subtotal_cents=net, tax_cents=vat, total_cents=total,
                        tax_rate_basis_points=rate, issued_at=NOW, status=status, open_status="open")


def deposit(amount: int, rate: int = 2000, status="issued") -> InvoiceModel:
    return invoice(amount, rate, inclusive=True, invoice_id=numbering.deposit_invoice_id_for("WO-1"), status=status,
                   number="INV-2026-000001")


def test_a_quarter_deposit_is_deducted_net_and_vat_separately():
    final = issue.deduct_deposit(invoice(85999), deposit(25800))
    # work 859.99 + 172.00 = 1,031.99; deposit 215.00 + 43.00 = 258.00
    assert (final.subtotal_cents, final.tax_cents, final.total_cents, final.status) == (64499, 12900, 77399, "issued")
    assert final.deposit_deducted == {"invoice_id": numbering.deposit_invoice_id_for("WO-1"), "number": "INV-2026-000001",
                                      "subtotal_cents": 21500, "tax_cents": 4300, "total_cents": 25800,
                                      "work_subtotal_cents": 85999, "work_tax_cents": 17200, "work_total_cents": 103199}


def test_without_a_deposit_or_with_a_void_one_nothing_is_deducted():
    assert issue.deduct_deposit(invoice(85999), None).deposit_deducted is None
    final = issue.deduct_deposit(invoice(85999), deposit(25800, status="void"))
    assert (final.total_cents, final.deposit_deducted) == (103199, None)


def test_a_deposit_larger_than_the_work_deducts_the_work_and_leaves_it_paid():
    final = issue.deduct_deposit(invoice(50000), deposit(100000))
    assert (final.subtotal_cents, final.tax_cents, final.total_cents) == (0, 0, 0)
    assert (final.status, final.open_status, final.paid_at) == ("paid", None, NOW)
    assert (final.deposit_deducted["subtotal_cents"], final.deposit_deducted["tax_cents"],
            final.deposit_deducted["total_cents"]) == (50000, 10000, 60000)


@settings(max_examples=400, deadline=None)
@given(work=st.integers(0, 10_000_000), share=st.integers(0, 12_000), rate=st.sampled_from([0, 500, 825, 1750, 2000, 2500]),
       inclusive=st.booleans())
def test_the_two_invoices_together_charge_exactly_the_work(work, share, rate, inclusive):
    whole = invoice(work, rate, inclusive)
    asked = (int(whole.total_cents) * share + 5000) // 10000  # up to 120 % of the work: a deposit may exceed it
    final = issue.deduct_deposit(invoice(work, rate, inclusive), deposit(asked, rate))
    taken = final.deposit_deducted
    assert min(final.subtotal_cents, final.tax_cents, final.total_cents) >= 0
    assert final.subtotal_cents + final.tax_cents == final.total_cents
    assert final.subtotal_cents + taken["subtotal_cents"] == whole.subtotal_cents
    assert final.tax_cents + taken["tax_cents"] == whole.tax_cents
    assert final.total_cents == max(0, int(whole.total_cents) - asked)
    dep = deposit(asked, rate)
    if dep.total_cents <= whole.total_cents and dep.tax_cents <= whole.tax_cents and dep.subtotal_cents <= whole.subtotal_cents:
        # the deposit as invoiced is deducted whole: this invoice's tax is the work's less the deposit's
        assert (taken["subtotal_cents"], taken["tax_cents"]) == (dep.subtotal_cents, dep.tax_cents)


def test_the_totals_block_ends_with_the_deposit_the_amount_due_and_the_tax_this_invoice_charges():
    doc = {"title": "Invoice", "seller": {"country": "GB"}, "currency": "GBP", "tax_rate_basis_points": 2000,
           "subtotal_cents": 85999, "tax_cents": 17200, "total_cents": 103199,
           "deposit": {"number": "INV-2026-000001", "subtotal_cents": 21500, "tax_cents": 4300, "total_cents": 25800}}
    assert invoice_pdf.totals(doc) == [
        ("Subtotal (excl. VAT)", 85999, 10), ("VAT 20%", 17200, 10), ("Total (incl. VAT)", 103199, 12),
        ("Less deposit (invoice INV-2026-000001)", -25800, 10), ("includes VAT 20% of £43.00", None, 9),
        ("Amount due", 77399, 12), ("This invoice charges VAT 20% of £129.00 on a net amount of £644.99", None, 9)]
    # the email says the amount due under its totals itself
    assert "Amount due" not in [label for label, _, _ in invoice_pdf.totals(doc, amount_due=False)]


def test_the_deposit_invoice_s_id_is_none_of_the_order_s_invoice_ids():
    from chalicelib.data import invoice_chain

    ids = {numbering.invoice_id_for("WO-1")} | {invoice_chain.reissue_id("WO-1", n) for n in range(2, 51)}
    assert numbering.deposit_invoice_id_for("WO-1") not in ids
    assert numbering.deposit_invoice_id_for("WO-1") == numbering.deposit_invoice_id_for("WO-1")
    assert numbering.deposit_invoice_id_for("WO-1") != numbering.deposit_invoice_id_for("WO-2")
