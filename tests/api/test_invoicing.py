"""Invoicing on completion: one invoice, one number and one email per completed work order, with
real stream records read from (moto's) DynamoDB Streams and delivered as Lambda would (three
times, shuffled, in odd batches), SES failing at random, steps crashing half-way, and 100
orders invoiced at once. Then payments, voiding with a credit note, resending, reminders, roles
and the PDF itself."""
import concurrent.futures
import io
import json
import random
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from infra.demo_data import PROCESS_MAP
from tests.support.helpers import body_part, deliver_chaotically, raw_emails, scheduled_event, sent_emails

STEPS = {s["key"]: s for s in PROCESS_MAP["steps"]}


# --- the world --------------------------------------------------------------------------------

def drain(stream, deliver, rounds=5):
    """Deliver what the stream holds, including the changes the handler itself made, until quiet."""
    for _ in range(rounds):
        records = stream.read()
        if not records:
            return
        deliver_chaotically(deliver, records)


def move(as_, order, to, who="dispatcher"):
    r = as_(who).post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


def complete(as_, order, items=(("Casement window, supply and fit", 2, 42000),)):
    """Work an order the way a visit does: on the way, started, items, signature, completed."""
    for step in ("scheduled", "en_route", "in_progress"):
        order = move(as_, order, step)
    for description, quantity, cents in items:
        r = as_("dispatcher").post(f"/orders/{order['order_id']}/line-items",
                                   {"description": description, "quantity": quantity, "unit_price_cents": cents})
        assert r.status == 201, r
        order = r.json
    if "has_signature" in STEPS["in_progress"]["exit_conditions"]:
        from tests.support.helpers import TINY_PNG

        r = as_("dispatcher").post(f"/orders/{order['order_id']}/signature",
                                   {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"})
        assert r.status == 201, r
        order = r.json
    return move(as_, order, "completed")


def completed_in_table(count, clock, name="Ada Lovelace", email="ada@example.net"):
    """Orders written straight into `completed` (each INSERT enters the step on the stream)."""
    from chalicelib.core import ids as core_ids
    from chalicelib.orders import intake as orders_intake
    from chalicelib.workflow import versions
    from chalicelib.staff.auth import Principal
    from chalicelib.data.models import LineItem, OrderModel

    dispatcher = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
    pm = versions.current()
    ids = []
    for i in range(count):
        intake = orders_intake.Intake({"name": name, "email": email, "phone": None},
                               {"street": f"{i + 1} Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"},
                               service_name="Glazing repair")
        order = orders_intake.build(core_ids.new_id("WO-"), dispatcher, intake, pm, clock.now, "phone")
        order.step = "completed"
        order.line_items = [LineItem(item_id=f"LI-{i}", description="Double-glazed unit replacement", quantity=1,
                                     unit_price_cents=16500 + i, added_by="dispatcher-1", added_at=clock.now)]
        order.save(condition=OrderModel.order_id.does_not_exist())
        ids.append(order.order_id)
    return ids


def invoice_of(order_id):
    from chalicelib.invoicing import invoice_view

    return invoice_view.for_order(order_id)


def step_of(order_id):
    from chalicelib.data.models import OrderModel

    return OrderModel.get(order_id, consistent_read=True).step


def invoice_emails(order_id=None):
    return [m for m in sent_emails() if "invoice INV-" in str(m["Subject"]) and (order_id is None or order_id in str(m["Subject"]))]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def attachment(message) -> bytes:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    return part.get_content()


def reconcile():
    return scheduled_event("reconcile_invoices")


@pytest.fixture
def flaky_ses(monkeypatch):
    """SES refusing a seeded random share of sends (as a throttled account does); `spare`
    picks messages it always accepts."""
    from chalicelib.mail import messages

    real = messages.send

    def install(share, seed=30, code="Throttling", message="Maximum sending rate exceeded.", spare=lambda m: False):
        rng = random.Random(seed)
        refused = []

        def send(email):
            if not spare(email) and rng.random() < share:
                refused.append(str(email["To"]))
                raise ClientError({"Error": {"Code": code, "Message": message}}, "SendRawEmail")
            return real(email)

        monkeypatch.setattr(messages, "send", send)
        return refused

    return install


# --- exactly once from the stream -------------------------------------------------------------

def test_completing_orders_invoices_each_once_despite_redelivery_and_shuffled_batches(as_, new_order, stream, deliver):
    done = [complete(as_, new_order()) for _ in range(3)]
    drain(stream, deliver)

    numbers = []
    for order in done:
        oid = order["order_id"]
        invoice = invoice_of(oid)
        numbers.append(invoice.number)
        assert invoice.delivery == "sent" and int(invoice.send_attempts) == 1
        [mail] = invoice_emails(oid)
        assert invoice.number in str(mail["Subject"])
        assert str(mail["To"]) == "Ada Lovelace <ada@example.net>"
        assert step_of(oid) == "invoiced"
        # the invoice email is also the "job complete" notice: nothing else went out for it
        subjects = sorted(str(m["Subject"]).split(" - ")[0] for m in sent_emails() if oid in str(m["Subject"]))
        assert subjects == ["Your appointment is booked", "Your job is complete", "Your technician is on the way"]
    assert sorted(numbers) == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    assert len(invoice_emails()) == 3


def test_the_invoice_holds_the_lines_tax_and_terms(as_, new_order, stream, deliver):
    order = complete(as_, new_order(), items=(("Casement window, supply and fit", 2, 42000), ("Sealant", 3, 1233)))
    drain(stream, deliver)
    r = as_("admin").get(f"/orders/{order['order_id']}/invoice")
    assert r.status == 200, r
    invoice = r.json
    assert {k: invoice[k] for k in ("number", "status", "subtotal_cents", "tax_cents", "total_cents", "currency")} == {
        "number": "INV-2026-000001", "status": "issued", "subtotal_cents": 87699,
        "tax_cents": 17540,  # 20 % of 876.99 = 175.398, half up on the invoice
        "total_cents": 105239, "currency": "GBP"}
    assert invoice["issued_at"] == "2026-11-30T08:00:00Z"
    assert invoice["due_date"] == "2026-12-14"  # 14 days, in London
    assert invoice["payments"] == [] and invoice["sent_at"] == "2026-11-30T08:00:00Z"
    assert invoice["pdf_url"].startswith("https://") and "invoices/2026/INV-2026-000001.pdf" in invoice["pdf_url"]
    assert [(line["description"], line["quantity"], line["total_cents"]) for line in invoice["lines"]] == [
        ("Casement window, supply and fit", 2, 84000), ("Sealant", 3, 3699)]
    same = as_("dispatcher").get(f"/invoices/{invoice['invoice_id']}").json
    assert {**same, "pdf_url": None} == {**invoice, "pdf_url": None}


def test_the_pdf_read_back_holds_the_lines_and_totals_in_the_business_currency(as_, new_order, stream, deliver):
    from chalicelib.core import settings
    from chalicelib.core.aws import client

    order = complete(as_, new_order(customer={"name": "Zoë Ångström", "email": "zoe@example.net"}),
                     items=(("Casement window — oak «Heritage»", 2, 42000), ("Sealant", 3, 1233)))
    drain(stream, deliver)
    invoice = invoice_of(order["order_id"])
    stored = client("s3").get_object(Bucket=settings.files_bucket(), Key="invoices/2026/INV-2026-000001.pdf")
    assert stored["ContentType"] == "application/pdf"
    [mail] = invoice_emails(order["order_id"])
    for data in (stored["Body"].read(), attachment(mail)):
        text = pdf_text(data)
        for expected in ("Clearview Windows Ltd", "Invoice INV-2026-000001", "Zoë Ångström", order["order_id"],
                         "Casement window — oak «Heritage»", "£420.00", "£840.00", "Sealant", "£12.33", "£36.99",
                         "Subtotal", "£876.99", "VAT 20%", "£175.40", "Total", "£1,052.39",
                         "Payment due: 14 December 2026", "sort code 12-34-56"):
            assert expected in text, (expected, text)
    assert invoice.pdf_key == "invoices/2026/INV-2026-000001.pdf"


def test_a_poison_record_is_reported_and_the_others_are_invoiced(as_, new_order, stream, deliver):
    first, second = complete(as_, new_order()), complete(as_, new_order())
    records = stream.read()
    entering = [r for r in records if r["dynamodb"].get("NewImage", {}).get("step", {}).get("S") == "completed"
                and r["dynamodb"].get("OldImage", {}).get("step", {}).get("S") != "completed"]
    assert len(entering) == 2
    poison = json.loads(json.dumps(entering[0]))
    poison["eventID"] = "poison"
    poison["dynamodb"]["SequenceNumber"] = "9" * 21
    poison["dynamodb"]["Keys"]["order_id"] = {"S": "WO-VANISHED"}
    poison["dynamodb"]["NewImage"]["order_id"] = {"S": "WO-VANISHED"}  # an order no longer in the table
    answer = deliver([records[0], poison, *records[1:]])
    assert answer == {"batchItemFailures": [{"itemIdentifier": "9" * 21}]}
    for order in (first, second):
        assert len(invoice_emails(order["order_id"])) == 1
        assert step_of(order["order_id"]) == "invoiced"


def test_100_orders_completed_at_once_get_numbers_1_to_100_without_gap_or_repeat(world, clock, monkeypatch):
    from chalicelib.invoicing import invoice_pdf, lifecycle
    from chalicelib.data.models import SequenceModel

    # This test is about numbers; rendering 100 real PDFs would only add CPU time under the GIL.
    monkeypatch.setattr(invoice_pdf, "render", lambda doc: f"%PDF-1.4 {doc['number']}".encode())
    ids = completed_in_table(100, clock)
    calls = ids + ids[::3]  # a third of the orders are invoiced twice at the same time
    random.Random(5).shuffle(calls)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda oid: lifecycle.create_invoice(oid, clock.now), calls))
    assert all(r["invoiced"] for r in results)
    numbers = sorted(invoice_of(oid).number for oid in ids)
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 101)]
    assert int(SequenceModel.get("INV-2026").last) == 100
    assert sorted(str(m["Subject"]).split(" - ")[1].split()[1] for m in invoice_emails()) == numbers
    assert {step_of(oid) for oid in ids} == {"invoiced"}


# --- SES failing, steps crashing: nothing lost, nothing twice ----------------------------------

def test_with_ses_refusing_30_percent_of_sends_every_invoice_is_sent_exactly_once(world, clock, stream, deliver, flaky_ses, monkeypatch):
    from chalicelib.invoicing import lifecycle

    monkeypatch.setenv("INVOICE_MAX_SEND_ATTEMPTS", "8")
    refused = flaky_ses(0.3)
    ids = completed_in_table(20, clock)
    drain(stream, deliver)
    assert refused, "the seed refuses some sends"
    pending = [oid for oid in ids if invoice_of(oid).delivery != "sent"]
    assert pending, "some invoices wait for the reconciler"
    assert {invoice_of(oid).delivery for oid in pending} == {"send_failed"}
    for _ in range(12):
        clock.advance(hours=7)  # past the longest backoff
        reconcile()
        if all(invoice_of(oid).delivery == "sent" for oid in ids):
            break
    drain(stream, deliver)  # the reconciler's own changes on the stream send nothing more
    for oid in ids:
        invoice = invoice_of(oid)
        assert invoice.delivery == "sent", (oid, invoice.delivery, invoice.send_attempts)
        assert len(invoice_emails(oid)) == 1, oid
        assert invoice.send_status is None
    assert len(invoice_emails()) == 20
    assert not [m for m in sent_emails() if "was not emailed" in str(m["Subject"])]
    assert lifecycle.reconcile(clock.now) == {"resumed": 0, "invoiced": 0, "failed": 0}


def test_backoff_doubles_and_after_the_last_attempt_the_owner_is_alerted_once(world, clock, stream, deliver, flaky_ses, monkeypatch):
    monkeypatch.setenv("INVOICE_MAX_SEND_ATTEMPTS", "3")
    [oid] = completed_in_table(1, clock)
    flaky_ses(1.0)
    drain(stream, deliver)
    invoice = invoice_of(oid)
    assert (invoice.delivery, int(invoice.send_attempts)) == ("send_failed", 1)
    assert invoice.next_attempt_at == clock.now + timedelta(minutes=5)
    assert step_of(oid) == "invoiced"  # the invoice is issued whether or not its email went

    clock.advance(minutes=4)
    reconcile()
    assert int(invoice_of(oid).send_attempts) == 1  # not due yet
    clock.advance(minutes=1)
    reconcile()
    invoice = invoice_of(oid)
    assert int(invoice.send_attempts) == 2 and invoice.next_attempt_at == clock.now + timedelta(minutes=10)

    flaky_ses(1.0, code="MessageRejected", message="Address blacklisted.",
              spare=lambda m: "was not emailed" in str(m["Subject"]))
    clock.advance(minutes=10)
    reconcile()
    invoice = invoice_of(oid)
    assert (invoice.delivery, int(invoice.send_attempts), invoice.send_status) == ("send_failed", 3, None)
    for _ in range(3):
        clock.advance(hours=7)
        reconcile()
    alerts = [m for m in sent_emails() if "was not emailed" in str(m["Subject"])]
    assert len(alerts) == 1
    assert str(alerts[0]["To"]) == "Alex Morgan <admin@example.com>"  # the owner of `invoiced`
    assert "Address blacklisted" in body_part(alerts[0], "plain")
    assert invoice_emails(oid) == []


def test_a_crash_after_issuing_resumes_without_a_second_number_or_email(world, clock, stream, deliver, monkeypatch):
    from chalicelib.invoicing import documents

    [oid] = completed_in_table(1, clock)
    records = stream.read()
    real = documents.store_pdf
    monkeypatch.setattr(documents, "store_pdf", lambda invoice: (_ for _ in ()).throw(RuntimeError("Lambda timed out")))
    answer = deliver(records)
    assert len(answer["batchItemFailures"]) == 1
    assert invoice_of(oid).delivery == "issued" and invoice_emails() == []
    monkeypatch.setattr(documents, "store_pdf", real)
    deliver_chaotically(deliver, records)
    drain(stream, deliver)
    invoice = invoice_of(oid)
    assert (invoice.number, invoice.delivery) == ("INV-2026-000001", "sent")
    assert len(invoice_emails(oid)) == 1 and step_of(oid) == "invoiced"


def test_a_crash_before_the_move_resumes_without_a_second_email(world, clock, stream, deliver, monkeypatch):
    from chalicelib.invoicing import lifecycle

    [oid] = completed_in_table(1, clock)
    records = stream.read()
    real = lifecycle.advance
    monkeypatch.setattr(lifecycle, "advance", lambda *a: (_ for _ in ()).throw(RuntimeError("killed")))
    assert len(deliver(records)["batchItemFailures"]) == 1
    assert invoice_of(oid).delivery == "sent" and step_of(oid) == "completed"
    monkeypatch.setattr(lifecycle, "advance", real)
    deliver_chaotically(deliver, records)
    assert step_of(oid) == "invoiced" and len(invoice_emails(oid)) == 1


def test_the_reconciler_invoices_completed_orders_the_stream_missed(world, clock):
    [oid] = completed_in_table(1, clock)  # the stream's records are never delivered
    reconcile()
    assert invoice_emails() == []  # too fresh: the stream has a few minutes to do it
    clock.advance(minutes=6)
    assert reconcile() == {"resumed": 0, "invoiced": 1, "failed": 0}
    assert len(invoice_emails(oid)) == 1 and step_of(oid) == "invoiced"
    clock.advance(minutes=15)
    reconcile()
    assert len(invoice_emails(oid)) == 1


def test_a_send_cut_off_mid_way_is_never_repeated_and_the_owner_is_told(world, clock, stream, deliver, monkeypatch):
    """SES accepted the message but the sender died before recording it: the claim stays, goes
    stale, and the invoice becomes `send_unknown` (at most once) with the owner alerted."""
    from chalicelib.invoicing import lifecycle
    from chalicelib.mail import messages

    [oid] = completed_in_table(1, clock)
    real = messages.send

    def send_then_die(message):
        real(message)
        raise SystemExit("the Lambda sandbox was torn down")

    monkeypatch.setattr(messages, "send", send_then_die)
    with pytest.raises(SystemExit):
        lifecycle.create_invoice(oid, clock.now)
    monkeypatch.setattr(messages, "send", real)
    assert invoice_of(oid).delivery == "sending"
    drain(stream, deliver)  # redelivery: the claim is held, nothing is sent again
    clock.advance(minutes=10)
    reconcile()
    assert invoice_of(oid).delivery == "sending" and len(invoice_emails(oid)) == 1
    clock.advance(minutes=11)
    reconcile()
    invoice = invoice_of(oid)
    assert invoice.delivery == "send_unknown" and invoice.send_status is None
    assert len(invoice_emails(oid)) == 1
    [alert] = [m for m in sent_emails() if "was not emailed" in str(m["Subject"])]
    assert "may or may not" in body_part(alert, "plain")
    clock.advance(hours=1)
    reconcile()
    assert len(sent_emails()) == 2


def test_a_customer_without_email_gets_an_invoice_and_the_owner_is_told(as_, new_order, stream, deliver):
    order = complete(as_, new_order(customer={"name": "Phone Only", "phone": "+44 7700 900002"}))
    drain(stream, deliver)
    invoice = invoice_of(order["order_id"])
    assert (invoice.delivery, invoice.number) == ("no_email", "INV-2026-000001")
    assert [str(m["Subject"]) for m in sent_emails() if "was not emailed" in str(m["Subject"])] == [
        f"Invoice INV-2026-000001 was not emailed - {order['order_id']}"]
    r = as_("admin").post(f"/invoices/{invoice.invoice_id}/resend")
    assert (r.status, r.json["error"]["code"]) == (422, "no_customer_email")


# --- email safety -----------------------------------------------------------------------------

def test_names_and_descriptions_are_escaped_and_cannot_add_headers(as_, new_order, stream, deliver):
    from chalicelib.data.models import OrderModel

    order = new_order()
    stored = OrderModel.get(order["order_id"])
    stored.customer.name = "Eve\r\nBcc: attacker@evil.example\r\n<script>x</script>"
    stored.save()
    order = complete(as_, as_("dispatcher").get(f"/orders/{order['order_id']}").json,
                     items=(("<img src=x onerror=alert(1)> & frame", 1, 1000),))
    drain(stream, deliver)
    heads = [raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0] for raw in raw_emails()]
    [head] = [h for h in heads if b"INV-2026-000001" in h]
    unfolded = head.replace(b"\n ", b" ").replace(b"\n\t", b" ").split(b"\n")
    names = [line.split(b":", 1)[0].lower() for line in unfolded]
    assert b"bcc" not in names and names.count(b"to") == 1 and names.count(b"subject") == 1, head
    [mail] = invoice_emails(order["order_id"])
    assert [a.addr_spec for a in mail["To"].addresses] == ["ada@example.net"]
    html = body_part(mail, "html")
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; frame" in html and "<img" not in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    text = pdf_text(attachment(mail))
    assert "<img src=x onerror=alert(1)> & frame" in text
    assert "Eve Bcc: attacker@evil.example <script>x</script>" in text  # one line, as text


# --- payments, void, resend, roles --------------------------------------------------------------

@pytest.fixture
def invoiced(as_, new_order, stream, deliver):
    """A completed order's invoice, sent: £840.00 + 20 % VAT = £1,008.00."""
    order = complete(as_, new_order())
    drain(stream, deliver)
    return as_("admin").get(f"/orders/{order['order_id']}/invoice").json


def pay(as_, invoice, amount, key=None, who="admin"):
    headers = {"Idempotency-Key": key} if key else None
    return as_(who).post(f"/invoices/{invoice['invoice_id']}/payments",
                         {"amount_cents": amount, "method": "bank_transfer", "reference": "HOLLOWAY"}, headers=headers)


def test_partial_then_full_payment_marks_the_invoice_and_the_order_paid(as_, invoiced, stream, deliver):
    assert invoiced["total_cents"] == 100800
    first = pay(as_, invoiced, 40000, key="payment-0001")
    assert first.status == 201, first
    assert (first.json["status"], first.json["paid_cents"], first.json["balance_cents"]) == ("issued", 40000, 60800)
    assert step_of(invoiced["order_id"]) == "invoiced"
    replay = pay(as_, invoiced, 40000, key="payment-0001")  # the first answer again; nothing added
    assert (replay.status, replay.json) == (201, first.json)
    assert len(as_("admin").get(f"/invoices/{invoiced['invoice_id']}").json["payments"]) == 1
    over = pay(as_, invoiced, 60801)
    assert (over.status, over.json["error"]["code"]) == (422, "overpayment")
    assert over.json["error"]["details"] == [{"field": "amount_cents", "message": "must be at most the balance, 60800"}]
    last = pay(as_, invoiced, 60800)
    assert last.status == 201 and (last.json["status"], last.json["balance_cents"]) == ("paid", 0)
    assert [p["amount_cents"] for p in last.json["payments"]] == [40000, 60800]
    assert step_of(invoiced["order_id"]) == "paid"
    history = as_("admin").get(f"/orders/{invoiced['order_id']}").json["history"]
    assert [(m["to"], m["by"]) for m in history[-2:]] == [("invoiced", "system"), ("paid", "system")]
    drain(stream, deliver)
    assert len(invoice_emails()) == 1
    assert pay(as_, invoiced, 1).json["error"]["code"] == "overpayment"


@pytest.mark.parametrize("body, field", [
    ({"amount_cents": 0, "method": "cash"}, "amount_cents"),
    ({"amount_cents": -5, "method": "cash"}, "amount_cents"),
    ({"amount_cents": 10.5, "method": "cash"}, "amount_cents"),
    ({"amount_cents": "100", "method": "cash"}, "amount_cents"),
    ({"amount_cents": 100, "method": "bitcoin"}, "method"),
    ({"amount_cents": 100}, "method"),
])
def test_bad_payments_are_refused_with_422_naming_the_field(as_, invoiced, body, field):
    r = as_("admin").post(f"/invoices/{invoiced['invoice_id']}/payments", body)
    assert r.status == 422, r
    assert r.json["error"]["code"] == "validation_failed"
    assert [d["field"] for d in r.json["error"]["details"]] == [field]


def test_void_issues_a_credit_note_from_its_own_series_and_keeps_the_invoice(as_, invoiced, clock):
    from chalicelib.core import settings
    from chalicelib.core.aws import client

    r = as_("admin").post(f"/invoices/{invoiced['invoice_id']}/void", {"reason": "Duplicate job, booked twice"})
    assert r.status == 200, r
    voided = r.json
    assert (voided["status"], voided["number"], voided["total_cents"]) == ("void", invoiced["number"], 100800)
    note = voided["credit_note"]
    assert (note["number"], note["amount_cents"], note["reason"]) == ("CN-2026-000001", 100800, "Duplicate job, booked twice")
    assert "credit-notes/2026/CN-2026-000001.pdf" in note["pdf_url"]
    stored = client("s3").get_object(Bucket=settings.files_bucket(), Key="credit-notes/2026/CN-2026-000001.pdf")["Body"].read()
    text = pdf_text(stored)
    assert "Credit note CN-2026-000001" in text and "cancels invoice INV-2026-000001" in text and "£1,008.00" in text
    again = as_("admin").post(f"/invoices/{invoiced['invoice_id']}/void", {"reason": "again"})
    assert again.status == 200 and again.json["credit_note"]["number"] == "CN-2026-000001"
    assert pay(as_, invoiced, 100).json["error"]["code"] == "invoice_void"
    assert as_("admin").post(f"/invoices/{invoiced['invoice_id']}/resend").json["error"]["code"] == "invoice_void"
    assert as_("dispatcher").get(f"/invoices/{invoiced['invoice_id']}").json["number"] == "INV-2026-000001"


def test_a_paid_invoice_cannot_be_voided(as_, invoiced):
    assert pay(as_, invoiced, 100).status == 201
    r = as_("admin").post(f"/invoices/{invoiced['invoice_id']}/void")
    assert (r.status, r.json["error"]["code"]) == (422, "invoice_has_payments")


def test_resend_emails_the_invoice_again(as_, invoiced, clock):
    clock.advance(days=2)
    r = as_("admin").post(f"/invoices/{invoiced['invoice_id']}/resend")
    assert r.status == 200, r
    assert r.json["sent_at"] == "2026-12-02T08:00:00Z" and r.json["delivery"] == "sent"
    mails = invoice_emails(invoiced["order_id"])
    assert len(mails) == 2 and attachment(mails[1]) and invoiced["number"] in str(mails[1]["Subject"])


def test_who_may_do_what_with_invoices(as_, invoiced):
    iid = invoiced["invoice_id"]
    routes = [("GET", f"/orders/{invoiced['order_id']}/invoice", None), ("GET", f"/invoices/{iid}", None),
              ("POST", f"/invoices/{iid}/payments", {"amount_cents": 100, "method": "cash"}),
              ("POST", f"/invoices/{iid}/resend", None), ("POST", f"/invoices/{iid}/void", None)]
    for method, path, body in routes:
        r = as_("tech1").call(method, path, body)
        assert (r.status, r.json["error"]["code"]) == (403, "forbidden"), (path, r)
        assert as_().call(method, path, body).status == 401
    assert as_("dispatcher").get(f"/invoices/{iid}").status == 200
    for method, path, body in routes[2:]:
        assert as_("dispatcher").call(method, path, body).status == 403, path


def test_unknown_invoices_are_404(as_, new_order):
    r = as_("admin").get("/invoices/IV-NOSUCHTHING")
    assert (r.status, r.json["error"]["code"]) == (404, "not_found")
    assert as_("admin").post("/invoices/IV-NOSUCHTHING/payments", {"amount_cents": 1, "method": "cash"}).status == 404
    assert as_("admin").post("/invoices/IV-NOSUCHTHING/void").status == 404
    assert as_("admin").get(f"/orders/{new_order()['order_id']}/invoice").status == 404


# --- payment reminders ------------------------------------------------------------------------

def reminders_for(order_id):
    return [m for m in sent_emails() if str(m["Subject"]).startswith("Reminder: invoice") and order_id in str(m["Subject"])]


def test_overdue_invoices_get_each_reminder_once_up_to_the_limit(world, clock, stream, deliver, monkeypatch):
    monkeypatch.setenv("PAYMENT_REMINDER_DAYS", "1,7,14,21")
    monkeypatch.setenv("PAYMENT_REMINDER_MAX", "3")
    unpaid, paid = completed_in_table(2, clock)
    drain(stream, deliver)
    from chalicelib.invoicing import payments
    from chalicelib.staff.auth import Principal

    admin = Principal("admin-1", "admin", ("admin",))
    payments.record_payment(admin, invoice_of(paid).invoice_id, {"amount_cents": int(invoice_of(paid).total_cents), "method": "card"}, clock.now)

    issued = clock.now

    def run_on(days_after_issue):
        clock.now = issued + timedelta(days=days_after_issue, hours=1)
        scheduled_event("send_payment_reminders")
        scheduled_event("send_payment_reminders")  # a second run the same day changes nothing

    run_on(14)  # due today (14 December): not overdue
    assert reminders_for(unpaid) == []
    run_on(15)
    assert len(reminders_for(unpaid)) == 1
    run_on(20)
    assert len(reminders_for(unpaid)) == 1
    run_on(21)
    run_on(28)
    run_on(35)
    run_on(60)
    mails = reminders_for(unpaid)
    assert len(mails) == 3
    assert "is still outstanding" in body_part(mails[0], "plain") and attachment(mails[0])
    assert int(invoice_of(unpaid).reminders_sent) == 3
    assert reminders_for(paid) == []


def test_a_refused_reminder_is_tried_again_the_next_day(world, clock, stream, deliver, flaky_ses):
    [oid] = completed_in_table(1, clock)
    drain(stream, deliver)
    flaky_ses(1.0)
    clock.advance(days=16)
    scheduled_event("send_payment_reminders")
    assert int(invoice_of(oid).reminders_sent) == 0
    flaky_ses(0.0)
    clock.advance(days=1)
    scheduled_event("send_payment_reminders")
    assert len(reminders_for(oid)) == 1


# --- settings ---------------------------------------------------------------------------------

def test_invoicing_settings_are_validated(as_):
    r = as_("admin").put("/business", {"tax_rate_basis_points": 10001, "payment_terms_days": -1, "payment_instructions": 5})
    assert r.status == 422
    assert sorted(d["field"] for d in r.json["error"]["details"]) == ["payment_instructions", "payment_terms_days", "tax_rate_basis_points"]
    r = as_("admin").put("/business", {"tax_rate_basis_points": 1750, "payment_terms_days": 30,
                                       "payment_instructions": "Pay by card at\nclearview.example/pay"})
    assert r.status == 200, r
    assert (r.json["tax_rate_basis_points"], r.json["payment_terms_days"]) == (1750, 30)
