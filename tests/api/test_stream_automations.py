"""Entry automations driven by the orders table's stream, with real records read from (moto's)
DynamoDB Streams and handed to the Lambda handler as Lambda would: redelivered, reordered,
batched arbitrarily, with a poison record among them."""
import json
import warnings
from email.utils import parseaddr

import pytest

from infra.demo_data import PROCESS_MAP
from tests.support.helpers import TINY_PNG, body_part, deliver_chaotically, raw_emails, sent_emails

# The invoice email (create_invoice) is also the customer's "job complete" notice.
NOTIFYING = [s["key"] for s in PROCESS_MAP["steps"] if {"notify_customer", "create_invoice"} & set(s["automations"])]


def emails_for(order_id):
    return [m for m in sent_emails() if order_id in str(m["Subject"])]


def move(as_, order, to, who="dispatcher"):
    r = as_(who).post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


def add_item(as_, order):
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/line-items", {"price_item_id": "survey", "quantity": 1})
    assert r.status == 201, r
    return r.json


ROUTES = {
    "scheduled": ["scheduled"],
    "en_route": ["scheduled", "en_route"],
    "completed": ["scheduled", "en_route", "in_progress", "+item", "+sign", "completed"],
    "cancelled": ["cancelled"],
}
SUBJECTS = {
    "scheduled": "Your appointment is booked",
    "en_route": "Your technician is on the way",
    "completed": "Your job is complete",
    "cancelled": "Your appointment is cancelled",
}


def sign(as_, order):
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"})
    assert r.status == 201, r
    return r.json


def drive(as_, order, route):
    for step in route:
        if step == "+item":
            order = add_item(as_, order)
        elif step == "+sign":
            order = sign(as_, order)
        else:
            order = move(as_, order, step)
    return order


def test_the_demo_map_notifies_on_the_steps_this_file_covers():
    assert sorted(NOTIFYING) == sorted(ROUTES)


@pytest.mark.parametrize("step", sorted(ROUTES))
def test_entering_a_step_emails_the_customer_once_despite_redelivery(as_, new_order, stream, deliver, step):
    order = drive(as_, new_order(), ROUTES[step])
    records = stream.read()
    assert records, "the moves reached the stream"
    deliver_chaotically(deliver, records)

    mails = emails_for(order["order_id"])
    entered = [m["to"] for m in order["history"][1:] if m["to"] in NOTIFYING]
    assert sorted(str(m["Subject"]).split(" - ")[0] for m in mails) == sorted(SUBJECTS[s] for s in entered)
    last = [m for m in mails if str(m["Subject"]).startswith(SUBJECTS[step])]
    assert len(last) == 1
    assert str(last[0]["To"]) == "Ada Lovelace <ada@example.net>"
    assert "Ada Lovelace" in body_part(last[0], "plain")


def test_each_entry_into_a_step_is_its_own_email(as_, new_order, stream, deliver):
    order = drive(as_, new_order(), ["scheduled", "en_route", "scheduled"])
    deliver_chaotically(deliver, stream.read(), seed=11)
    subjects = sorted(str(m["Subject"]).split(" - ")[0] for m in emails_for(order["order_id"]))
    assert subjects == sorted([SUBJECTS["scheduled"], SUBJECTS["en_route"], SUBJECTS["scheduled"]])


def test_changes_that_enter_no_step_send_nothing(as_, new_order, stream, deliver):
    order = new_order()
    as_("dispatcher").post(f"/orders/{order['order_id']}/notes", {"text": "Gate code 4411"})
    add_item(as_, as_("dispatcher").get(f"/orders/{order['order_id']}").json)
    records = stream.read()
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "MODIFY"]
    assert deliver(records) == {"batchItemFailures": []}
    assert sent_emails() == []


def _poisoned(record, sequence, **image_changes):
    bad = json.loads(json.dumps(record))
    bad["dynamodb"]["SequenceNumber"] = sequence
    bad["eventID"] = f"poison-{sequence}"
    bad["dynamodb"]["NewImage"].update(image_changes)
    return bad


def test_a_poison_record_is_reported_and_the_others_still_succeed(as_, new_order, stream, deliver):
    first, second = new_order(), new_order(customer={"name": "Grace Hopper", "email": "grace@example.net"})
    move(as_, first, "scheduled")
    move(as_, second, "scheduled")
    good = [r for r in stream.read() if r["eventName"] == "MODIFY"]
    assert len(good) == 2
    unknown_version = _poisoned(good[0], "9" * 21, workflow_version={"N": "999"})
    unreadable = _poisoned(good[1], "8" * 21, history={"S": "not a list"}, step_entered_at={"S": "yesterday"})
    answer = deliver([unknown_version, good[0], unreadable, good[1]])
    assert sorted(f["itemIdentifier"] for f in answer["batchItemFailures"]) == ["8" * 21, "9" * 21]
    assert len(emails_for(first["order_id"])) == 1
    assert len(emails_for(second["order_id"])) == 1


def test_a_name_with_line_breaks_cannot_add_a_header_or_a_recipient(as_, new_order, stream, deliver):
    """Intake refuses control characters; data that reached the table some other way (an import,
    an older version) must still not be able to inject headers."""
    from chalicelib.data.models import OrderModel

    order = new_order()
    stored = OrderModel.get(order["order_id"])
    stored.customer.name = "Eve\r\nBcc: attacker@evil.example\r\nSubject: Free money"
    stored.save()
    move(as_, as_("dispatcher").get(f"/orders/{order['order_id']}").json, "scheduled")
    assert deliver(stream.read()) == {"batchItemFailures": []}

    [raw] = raw_emails()
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    unfolded = head.replace(b"\n ", b" ").replace(b"\n\t", b" ").split(b"\n")
    names = [line.split(b":", 1)[0].lower() for line in unfolded]
    assert b"bcc" not in names and names.count(b"subject") == 1 and names.count(b"to") == 1, head
    [to_line] = [line for line in unfolded if line.lower().startswith(b"to:")]
    assert to_line == b"To: ada@example.net"  # a name no header may carry is left out, not repaired
    from moto.ses.models import ses_backends

    [message] = ses_backends["123456789012"]["us-east-1"].sent_messages
    # SES is told the recipients (Destinations); moto adds the To header's again: one address, twice
    assert {parseaddr(d)[1] for d in message.destinations} == {"ada@example.net"}, message.destinations
    [parsed] = sent_emails()
    assert parsed["To"].addresses[0].addr_spec == "ada@example.net"
    assert len(parsed["To"].addresses) == 1
    assert str(parsed["Subject"]).startswith(SUBJECTS["scheduled"])


def test_the_html_email_escapes_the_customers_name(as_, new_order, stream, deliver):
    order = new_order(customer={"name": "<script>alert(1)</script> & Co", "email": "ada@example.net"})
    move(as_, order, "scheduled")
    assert deliver(stream.read()) == {"batchItemFailures": []}
    [mail] = sent_emails()
    html = body_part(mail, "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "<script>" not in html
    assert "<script>alert(1)</script> & Co" in body_part(mail, "plain")


def test_the_handler_gives_the_idempotency_layer_the_lambda_context(as_, new_order, stream, deliver):
    """Without the context an automation cut off by a timeout would stay "in progress" for the
    whole idempotency window, and its redeliveries would fail instead of retrying it."""
    move(as_, new_order(), "scheduled")
    records = stream.read()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert deliver(records) == {"batchItemFailures": []}
    assert not [w for w in caught if "remaining time" in str(w.message)]
