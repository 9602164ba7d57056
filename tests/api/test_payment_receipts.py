"""The payment receipt: one email per payment recorded on an invoice, saying what was paid, on
which invoice and what is left; exactly once even when the request is retried or double-clicked,
with a deterministic Message-ID; a failed send never loses the payment and a replay sends it."""
import json
import threading

from botocore.exceptions import ClientError

from tests.api.test_invoicing import complete, drain, invoiced, pay  # noqa: F401 - `invoiced` is a fixture
from tests.support.helpers import body_part, sent_emails

PHONE = "+44 117 496 0000"


def receipts(invoice):
    return [m for m in sent_emails() if "Payment received" in str(m["Subject"]) and invoice["number"] in str(m["Subject"])]


def payments_of(as_, invoice):
    return as_("admin").get(f"/invoices/{invoice['invoice_id']}").json["payments"]


def test_each_payment_gets_one_receipt_with_the_amount_and_the_balance_left(as_, invoiced):
    first = pay(as_, invoiced, 40000, key="receipt-0001")
    assert first.status == 201, first
    [receipt] = receipts(invoiced)
    [payment] = payments_of(as_, invoiced)
    assert receipt["Message-ID"] == f"<receipt.{payment['payment_id']}@example.com>"
    assert receipt["From"].addresses[0].display_name == "Clearview Windows Ltd"
    assert receipt["Date"] is not None and receipt["To"].addresses[0].addr_spec == "ada@example.net"
    text = " ".join(body_part(receipt, "plain").split())
    html = " ".join(body_part(receipt, "html").split())
    assert f"we received your payment of £400.00 for invoice {invoiced['number']} on Monday 30 November 2026" in text
    assert "Balance left: £608.00" in text and f"£608.00 is still outstanding on invoice {invoiced['number']}" in text
    assert "Reference: HOLLOWAY" in text and "Method: bank transfer" in text
    assert PHONE in text and PHONE in html and "office@example.com" in html
    assert "paid in full" not in str(receipt["Subject"])
    assert payment["receipt_sent_at"] == "2026-11-30T08:00:00Z" and payment["receipt_message_id"]

    last = pay(as_, invoiced, 60800, key="receipt-0002")
    assert last.status == 201 and last.json["status"] == "paid"
    final = [m for m in receipts(invoiced) if m["Message-ID"] != receipt["Message-ID"]]
    assert len(final) == 1 and str(final[0]["Subject"]).endswith("paid in full")
    text = " ".join(body_part(final[0], "plain").split())
    assert "Balance left: £0.00" in text and f"Invoice {invoiced['number']} is now paid in full." in text


def test_a_retried_payment_request_sends_no_second_receipt(as_, invoiced):
    assert pay(as_, invoiced, 10000, key="receipt-retry").status == 201
    assert pay(as_, invoiced, 10000, key="receipt-retry").status == 201
    assert len(receipts(invoiced)) == 1 and len(payments_of(as_, invoiced)) == 1


def test_a_double_click_records_one_payment_and_sends_one_receipt(as_, invoiced, clock):
    from chalicelib.data import request_keys
    from chalicelib.invoicing import payments
    from chalicelib.staff.auth import Principal

    admin = Principal("admin-1", "admin", ("admin",))
    body = {"amount_cents": 5000, "method": "card"}
    key = request_keys.bind("double-click", "POST", "/invoices/{invoice_id}/payments", {"invoice_id": invoiced["invoice_id"]},
                            "admin-1", json.dumps(body))
    answers, errors = [], []

    def click():
        try:
            answers.append(payments.record_payment(admin, invoiced["invoice_id"], body, clock.now, key).status)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(answers) == [201, 201]
    assert len(payments_of(as_, invoiced)) == 1 and len(receipts(invoiced)) == 1


def test_a_failed_send_keeps_the_payment_and_the_replay_sends_the_receipt_once(as_, invoiced, monkeypatch):
    from chalicelib.mail import messages

    real = messages.send

    def refuse(message):
        if "Payment received" in str(message["Subject"]):
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendRawEmail")
        return real(message)

    monkeypatch.setattr(messages, "send", refuse)
    r = pay(as_, invoiced, 20000, key="receipt-flaky")
    assert r.status == 201 and r.json["paid_cents"] == 20000
    [payment] = payments_of(as_, invoiced)
    assert "receipt_sent_at" not in payment and receipts(invoiced) == []
    monkeypatch.setattr(messages, "send", real)
    assert pay(as_, invoiced, 20000, key="receipt-flaky").status == 201
    assert pay(as_, invoiced, 20000, key="receipt-flaky").status == 201
    assert len(receipts(invoiced)) == 1 and payments_of(as_, invoiced)[0]["receipt_sent_at"]


def test_a_customer_without_email_gets_no_receipt_and_the_payment_stands(as_, new_order, stream, deliver):
    order = complete(as_, new_order(customer={"name": "Phone Only", "phone": "+44 7700 900002"}))
    drain(stream, deliver)
    invoice = as_("admin").get(f"/orders/{order['order_id']}/invoice").json
    r = pay(as_, invoice, int(invoice["total_cents"]))
    assert r.status == 201 and r.json["status"] == "paid"
    assert receipts(invoice) == [] and "receipt_sent_at" not in payments_of(as_, invoice)[0]
