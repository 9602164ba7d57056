"""The deposit of an accepted quote (`invoicing.deposits`): a job whose order carries
`deposit` {"quote_id", "amount_cents"} gets one deposit invoice, numbered in the INV series,
emailed with its PDF, recorded on the order, payable like any invoice; and its final invoice
deducts it, the deposit's net and VAT separately, to the cent, with prices before VAT and prices
that include it, for a 25 % deposit and a fixed one. An order without a deposit is invoiced as
before. The jobs are made as accepting a quote makes them: an order, a quote, and the order's
`quote_id` and `deposit` written on it."""
import concurrent.futures
from datetime import datetime, timezone

import pytest

from tests.api.test_invoicing import attachment, complete, drain, invoice_emails, invoice_of, pay, pdf_text, reconcile, step_of
from tests.support.helpers import body_part, deliver_chaotically, scheduled_event, sent_emails

UTC = timezone.utc


def job_quote(order_id: str, lines, deposit: dict, prices_include_tax=False, number=1):
    """The accepted quote the job came from (as the quote slices store it); `lines`: (quantity,
    unit price) pairs. Returns (quote, deposit cents as accepting works them out)."""
    from chalicelib.data.quotes import QuoteModel
    from chalicelib.quotes import totals

    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    item = QuoteModel(
        f"QT-DEP{number:04d}", number=f"Q-2026-{number:06d}", revision="A", status="accepted", order_id="WO-ESTIMATE",
        customer={"name": "Ada Lovelace", "email": "ada@example.net", "phone": "+44 7700 900001"},
        address={"street": "1 Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"}, kind="installation",
        lines=[{"line_id": f"L{i}", "description": f"Line {i}", "quantity": q, "unit_price_cents": p, "price_item_id": None,
                "optional": False} for i, (q, p) in enumerate(lines, 1)],
        valid_until="2026-12-31", token="t" * 43, created_at=now, created_by="dispatcher-1", updated_at=now, sent_at=now,
        sent_by="dispatcher-1", sent_month="2026-11", deposit=deposit, job_order_id=order_id,
        pricing={"currency": "GBP", "tax_name": "VAT", "rate_basis_points": 2000, "prices_include_tax": prices_include_tax,
                 "locale": "en-GB", "timezone": "Europe/London"})
    item.save()
    counted = totals.compute(item.lines, None, 2000, prices_include_tax, deposit)
    return item, counted.deposit_cents


def make_job(as_, new_order, lines=((2, 42000), (1, 1999)), deposit=None, prices_include_tax=False, number=1):
    """A job order whose accepted quote asked for `deposit` (25 % by default)."""
    from chalicelib.data.models import OrderModel

    if prices_include_tax:
        assert as_("admin").put("/business", {"prices_include_tax": True}).status == 200
    order = new_order()
    quote, cents = job_quote(order["order_id"], lines, deposit or {"percent_basis_points": 2500}, prices_include_tax, number)
    item = OrderModel.get(order["order_id"], consistent_read=True)
    item.update(actions=[OrderModel.quote_id.set(quote.quote_id),
                         OrderModel.deposit.set({"quote_id": quote.quote_id, "amount_cents": cents})])
    return as_("dispatcher").get(f"/orders/{order['order_id']}").json, cents


def issue_deposit(order_id, clock):
    from chalicelib.invoicing import deposits

    return deposits.issue_deposit(order_id, clock.now)


def deposit_emails(order_id):
    return [m for m in sent_emails() if str(m["Subject"]).startswith("Deposit invoice") and order_id in str(m["Subject"])]


def final_emails(order_id):
    return [m for m in invoice_emails(order_id) if not str(m["Subject"]).startswith("Deposit invoice")]


def finish(as_, order, stream, deliver, lines=((2, 42000), (1, 1999))):
    """The job is done with the quote's lines, and the stream invoices it."""
    done = complete(as_, as_("dispatcher").get(f"/orders/{order['order_id']}").json,
                    items=[(f"Line {i}", q, p) for i, (q, p) in enumerate(lines, 1)])
    drain(stream, deliver)
    return done


# --- the deposit invoice ---------------------------------------------------------------------------

def test_the_deposit_invoice_is_issued_once_when_asked_twice_at_once_and_again(as_, new_order, clock):
    order, cents = make_job(as_, new_order)
    oid = order["order_id"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: issue_deposit(oid, clock), range(4)))
    again = issue_deposit(oid, clock)  # a replayed call, later
    assert len({r.invoice_id for r in results + [again]}) == 1
    assert {r.number for r in results + [again]} == {"INV-2026-000001"}
    assert len(deposit_emails(oid)) == 1
    # The order records it; the order's own invoice and its reissues have other ids.
    from chalicelib.data import invoice_chain
    from chalicelib.invoicing import numbering

    stored = as_("dispatcher").get(f"/orders/{oid}").json
    deposit = stored.get("deposit") or _order_deposit(oid)
    assert deposit == {"quote_id": "QT-DEP0001", "amount_cents": cents, "invoice_id": again.invoice_id,
                       "number": "INV-2026-000001"}
    assert again.invoice_id not in {numbering.invoice_id_for(oid), invoice_chain.reissue_id(oid, 2),
                                    invoice_chain.reissue_id(oid, 3)}


def _order_deposit(order_id):
    from chalicelib.data.models import OrderModel

    return OrderModel.get(order_id, consistent_read=True).deposit


def test_the_deposit_invoice_charges_the_amount_with_its_vat_inside_and_is_emailed_with_its_pdf(as_, new_order, clock):
    # 2 x 420.00 + 19.99 = 859.99 + 20 % VAT 172.00 = 1,031.99; 25 %: 258.00 (half up of 257.9975)
    order, cents = make_job(as_, new_order)
    assert cents == 25800
    invoice = issue_deposit(order["order_id"], clock)
    # 258.00 with 20 % VAT inside: 43.00 VAT, 215.00 net
    assert (invoice.subtotal_cents, invoice.tax_cents, invoice.total_cents) == (21500, 4300, 25800)
    assert invoice.lines == [{"description": "Deposit for quote Q-2026-000001-A", "quantity": 1,
                              "unit_price_cents": 21500, "total_cents": 21500}]
    assert invoice.kind == "deposit" and invoice.quote_id == "QT-DEP0001"
    assert invoice.due_date == clock.now.date().isoformat()  # due at once
    [mail] = deposit_emails(order["order_id"])
    assert str(mail["Subject"]) == f"Deposit invoice INV-2026-000001 - {order['order_id']}"
    assert "Thank you for accepting our quote" in body_part(mail, "plain")
    text = pdf_text(attachment(mail))
    assert "Invoice INV-2026-000001" in text and "Deposit for quote Q-2026-000001-A 1 £215.00 £215.00" in text
    assert "Subtotal (excl. VAT) £215.00" in text and "VAT 20% £43.00" in text and "Total (incl. VAT) £258.00" in text
    view = as_("admin").get(f"/invoices/{invoice.invoice_id}").json
    assert (view["kind"], view["quote_id"], view["balance_cents"], view["delivery"]) == ("deposit", "QT-DEP0001", 25800, "sent")


def test_an_order_without_a_deposit_gets_no_deposit_invoice_and_is_invoiced_as_before(as_, new_order, clock, stream, deliver):
    order = new_order()
    assert issue_deposit(order["order_id"], clock) is None
    finish(as_, order, stream, deliver, lines=((2, 42000),))
    invoice = as_("admin").get(f"/orders/{order['order_id']}/invoice").json
    assert (invoice["subtotal_cents"], invoice["tax_cents"], invoice["total_cents"]) == (84000, 16800, 100800)
    assert (invoice["kind"], invoice["deposit_deducted"], "deposit_invoice" in invoice) == ("invoice", None, False)
    assert invoice["number"] == "INV-2026-000001" and not deposit_emails(order["order_id"])
    text = pdf_text(attachment(final_emails(order["order_id"])[0]))
    assert "Less deposit" not in text and "Amount due" not in text


def test_paying_the_deposit_settles_it_and_leaves_the_job_where_it_is(as_, new_order, clock):
    order, cents = make_job(as_, new_order)
    deposit = issue_deposit(order["order_id"], clock)
    r = pay(as_, {"invoice_id": deposit.invoice_id}, cents, key="deposit-payment-1")
    assert r.status == 201, r
    assert (r.json["status"], r.json["balance_cents"]) == ("paid", 0)
    assert step_of(order["order_id"]) == order["step"]  # the job is still to be done


# --- the final invoice deducts it ------------------------------------------------------------------

def test_the_final_invoice_deducts_a_25_percent_deposit_net_and_vat_separately(as_, new_order, clock, stream, deliver):
    order, cents = make_job(as_, new_order)
    deposit = issue_deposit(order["order_id"], clock)
    finish(as_, order, stream, deliver)
    final = as_("admin").get(f"/orders/{order['order_id']}/invoice").json
    # The work: 859.99 + VAT 172.00 = 1,031.99. The deposit: 215.00 + VAT 43.00 = 258.00.
    # Due: 644.99 + VAT 129.00 = 773.99, and the two invoices' VAT adds up to the work's.
    assert (final["subtotal_cents"], final["tax_cents"], final["total_cents"], final["balance_cents"]) == (
        64499, 12900, 77399, 77399)
    assert final["deposit_deducted"] == {
        "invoice_id": deposit.invoice_id, "number": "INV-2026-000001", "subtotal_cents": 21500, "tax_cents": 4300,
        "total_cents": 25800, "work_subtotal_cents": 85999, "work_tax_cents": 17200, "work_total_cents": 103199}
    assert final["number"] == "INV-2026-000002" and final["tax_cents"] + deposit.tax_cents == 17200
    assert final["deposit_invoice"]["invoice_id"] == deposit.invoice_id  # the order's page sees both
    [mail] = final_emails(order["order_id"])
    text = pdf_text(attachment(mail))
    for expected in ("Subtotal (excl. VAT) £859.99", "VAT 20% £172.00", "Total (incl. VAT) £1,031.99",
                     "Less deposit (invoice INV-2026-000001) -£258.00", "includes VAT 20% of £43.00",
                     "Amount due £773.99", "This invoice charges VAT 20% of £129.00 on a net amount of £644.99"):
        assert expected in text, expected
    plain = body_part(mail, "plain")
    assert "Less deposit (invoice INV-2026-000001): -£258.00" in plain and "Amount due: £773.99" in plain
    assert plain.count("Amount due") == 1 and "It deducts the deposit of invoice INV-2026-000001." in plain
    # Paying the balance pays the job.
    assert pay(as_, final, 77399).status == 201
    drain(stream, deliver)
    assert step_of(order["order_id"]) == "paid"


def test_with_prices_that_include_vat_a_fixed_deposit_is_deducted_to_the_cent(as_, new_order, clock, stream, deliver):
    order, cents = make_job(as_, new_order, deposit={"amount_cents": 10000}, prices_include_tax=True)
    assert cents == 10000
    deposit = issue_deposit(order["order_id"], clock)
    # 100.00 with VAT inside: 16.67 VAT (half up of 16.666...), 83.33 net; the line shows it with VAT
    assert (deposit.subtotal_cents, deposit.tax_cents, deposit.total_cents) == (8333, 1667, 10000)
    assert deposit.lines[0]["unit_price_cents"] == 10000
    finish(as_, order, stream, deliver)
    final = invoice_of(order["order_id"])
    # The work: the lines, 859.99, include 143.33 VAT (half up of 143.331...), 716.66 net.
    # Due: 759.99 = 633.33 net + 126.66 VAT (143.33 - 16.67).
    assert (final.subtotal_cents, final.tax_cents, final.total_cents) == (63333, 12666, 75999)
    assert final.deposit_deducted["work_total_cents"] == 85999 and final.deposit_deducted["tax_cents"] == 1667
    assert final.tax_cents + deposit.tax_cents == final.deposit_deducted["work_tax_cents"] == 14333
    text = pdf_text(attachment(final_emails(order["order_id"])[0]))
    for expected in ("Total incl. VAT £859.99", "includes VAT 20% of £143.33; net amount £716.66",
                     "Less deposit (invoice INV-2026-000001) -£100.00", "includes VAT 20% of £16.67",
                     "Amount due £759.99", "This invoice charges VAT 20% of £126.66 on a net amount of £633.33"):
        assert expected in text, expected


@pytest.mark.parametrize("inclusive, deposit, asked, deducted, due", [
    # lines 859.99 before VAT: the work is 859.99 + 172.00 = 1,031.99
    (False, {"percent_basis_points": 2500}, 25800, (21500, 4300), (64499, 12900, 77399)),
    (False, {"amount_cents": 10000}, 10000, (8333, 1667), (77666, 15533, 93199)),
    # lines 859.99 with VAT: the work is 716.66 + 143.33 = 859.99; 25 % = 215.00 (half up of 214.9975)
    (True, {"percent_basis_points": 2500}, 21500, (17917, 3583), (53749, 10750, 64499)),
    (True, {"amount_cents": 10000}, 10000, (8333, 1667), (63333, 12666, 75999)),
])
def test_the_final_invoice_charges_the_work_less_the_deposit_net_and_vat_to_the_cent(
        as_, new_order, clock, stream, deliver, inclusive, deposit, asked, deducted, due):
    order, cents = make_job(as_, new_order, deposit=deposit, prices_include_tax=inclusive)
    assert cents == asked
    dep = issue_deposit(order["order_id"], clock)
    assert (dep.subtotal_cents, dep.tax_cents, dep.total_cents) == (*deducted, asked)
    finish(as_, order, stream, deliver)
    final = invoice_of(order["order_id"])
    assert (final.subtotal_cents, final.tax_cents, final.total_cents) == due
    work = final.deposit_deducted
    assert (work["subtotal_cents"], work["tax_cents"], work["total_cents"]) == (*deducted, asked)
    assert final.tax_cents + dep.tax_cents == work["work_tax_cents"]  # the job's VAT, charged once
    assert final.subtotal_cents + dep.subtotal_cents == work["work_subtotal_cents"]


def test_a_deposit_never_issued_is_issued_with_the_final_invoice_and_deducted(as_, new_order, clock, stream, deliver):
    # Given accepting the quote did not get its deposit invoice out (the call failed)
    order, cents = make_job(as_, new_order, deposit={"amount_cents": 30000})
    # When the job is done and invoiced (the completion's records delivered three times, shuffled)
    done = complete(as_, order, items=[("Line 1", 2, 42000), ("Line 2", 1, 1999)])
    for _ in range(5):
        records = stream.read()
        if not records:
            break
        deliver_chaotically(deliver, records)
    # Then the deposit invoice is issued first (once), and the final invoice deducts it
    [deposit_mail] = deposit_emails(done["order_id"])
    [final_mail] = final_emails(done["order_id"])
    final = invoice_of(done["order_id"])
    assert "INV-2026-000001" in str(deposit_mail["Subject"]) and final.number == "INV-2026-000002"
    assert (final.total_cents, final.deposit_deducted["number"]) == (103199 - 30000, "INV-2026-000001")
    assert _order_deposit(done["order_id"])["number"] == "INV-2026-000001"
    # and a late call for the deposit changes nothing
    assert issue_deposit(done["order_id"], clock).number == "INV-2026-000001"
    assert len(deposit_emails(done["order_id"])) == 1 and len(final_emails(done["order_id"])) == 1


def test_a_deposit_larger_than_the_work_leaves_nothing_due_and_the_job_paid(as_, new_order, clock, stream, deliver):
    order, cents = make_job(as_, new_order, deposit={"amount_cents": 100000}, lines=((1, 100000),))
    assert cents == 100000
    issue_deposit(order["order_id"], clock)
    # the job turned out smaller than quoted: 500.00 + VAT 100.00 = 600.00
    finish(as_, order, stream, deliver, lines=((1, 50000),))
    final = invoice_of(order["order_id"])
    assert (final.subtotal_cents, final.tax_cents, final.total_cents, final.status) == (0, 0, 0, "paid")
    assert final.deposit_deducted["total_cents"] == 60000  # the work, not the whole deposit
    assert step_of(order["order_id"]) == "paid"


def test_a_void_deposit_invoice_is_not_deducted(as_, new_order, clock, stream, deliver):
    order, cents = make_job(as_, new_order)
    deposit = issue_deposit(order["order_id"], clock)
    r = as_("admin").post(f"/invoices/{deposit.invoice_id}/void", {"reason": "Customer paid cash on site"})
    assert r.status == 200, r
    finish(as_, order, stream, deliver)
    final = invoice_of(order["order_id"])
    assert (final.total_cents, final.deposit_deducted) == (103199, None)


def test_a_reissued_final_invoice_deducts_the_deposit_again(as_, new_order, clock, stream, deliver):
    order, cents = make_job(as_, new_order)
    issue_deposit(order["order_id"], clock)
    finish(as_, order, stream, deliver)
    first = as_("admin").get(f"/orders/{order['order_id']}/invoice").json
    assert as_("admin").post(f"/invoices/{first['invoice_id']}/void", {"reason": "wrong"}).status == 200
    r = as_("admin").post(f"/orders/{order['order_id']}/invoice")
    assert r.status == 201, r
    assert (r.json["number"], r.json["total_cents"], r.json["deposit_deducted"]["number"]) == (
        "INV-2026-000003", 77399, "INV-2026-000001")


# --- reminders and the reconciler ------------------------------------------------------------------

def test_an_unpaid_deposit_is_reminded_under_its_own_number_and_the_final_invoice_under_its_own(
        as_, new_order, clock, stream, deliver):
    order, cents = make_job(as_, new_order)
    issue_deposit(order["order_id"], clock)
    finish(as_, order, stream, deliver)
    clock.advance(days=20)  # past both due dates (the deposit's: at once; the final: 14 days)
    scheduled_event("send_payment_reminders")
    subjects = sorted(str(m["Subject"]) for m in sent_emails() if str(m["Subject"]).startswith("Reminder"))
    assert [s.split(" - ")[0] for s in subjects] == ["Reminder: invoice INV-2026-000001 is overdue",
                                                     "Reminder: invoice INV-2026-000002 is overdue"]


def test_a_deposit_email_cut_off_is_finished_by_the_reconciler(as_, new_order, clock):
    from chalicelib.invoicing import delivery

    order, cents = make_job(as_, new_order)
    real = delivery.deliver
    delivery.deliver = lambda invoice, now, pdf=None: invoice  # the Lambda died after the write
    try:
        invoice = issue_deposit(order["order_id"], clock)
    finally:
        delivery.deliver = real
    assert invoice.delivery == "issued" and not deposit_emails(order["order_id"])
    clock.advance(minutes=6)
    reconcile()
    assert len(deposit_emails(order["order_id"])) == 1
