"""Sending a quote: draft -> sent, the email with the PDF and the customer's link, the estimate
moved to `quoted`, revisions superseding one another, and the races (a double-clicked send, two
revisions sent at once) and failures (the email refused, then retried)."""
import copy
import re

import pytest
from botocore.exceptions import ClientError

from tests.support import races
from tests.support.helpers import body_part, sent_emails

pytestmark = pytest.mark.usefixtures("world")

LINES = [{"price_item_id": "window-casement", "quantity": 2},
         {"description": "Scaffolding", "quantity": 1, "unit_price_cents": 30000},
         {"price_item_id": "sealant", "quantity": 2, "optional": True}]


def make_quote(as_, order_id, who="dispatcher", **overrides):
    body = {"title": "Two casement windows", "lines": LINES, **overrides}
    r = as_(who).post(f"/orders/{order_id}/quotes", body)
    assert r.status == 201, r
    return r.json


def quotes_table():
    from chalicelib.data.quotes import QuoteModel

    return QuoteModel.Meta.table_name


def stored(quote_id):
    from chalicelib.data.quotes import QuoteModel

    return QuoteModel.get(quote_id, consistent_read=True)


def emails_to(address):
    return [m for m in sent_emails() if address in m["To"]]


def test_sending_emails_the_customer_the_pdf_and_their_link(as_, new_order, clock):
    from chalicelib.core import settings
    from chalicelib.quotes import sending

    order = new_order()
    q = make_quote(as_, order["order_id"])
    clock.advance(minutes=5)
    r = as_("dispatcher").post(f"/quotes/{q['quote_id']}/send")
    assert r.status == 200, r
    sent = r.json
    assert sent["status"] == "sent" and sent["open"] is True and sent["version"] == 2
    assert sent["sent_at"] == "2026-11-30T08:05:00Z" and sent["sent_by"]["name"] == "Dana Whitfield"
    assert sent["follow_up"] == "open" and sent["next_action_at"] == "2026-12-03T08:05:00Z"  # the first reminder, 3 days on
    assert sent["delivery"]["status"] == "sent" and sent["delivery"]["message_id"]
    assert sent["pricing_fixed"] is True and sent["tax"]["rate_basis_points"] == 2000
    [message] = emails_to("ada@example.net")
    text = body_part(message, "plain")
    print(message["Subject"], "\n", text)
    assert message["Subject"] == "Your quote Q-2026-000001-A from Clearview Windows Ltd"
    assert message["Message-ID"].startswith(f"<quote.{q['quote_id']}@")
    token = stored(q["quote_id"]).token
    link = f"{settings.public_base_url().rstrip('/')}/book/quote.html?quote={q['quote_id']}&token={token}"
    assert link in text and link.replace("&", "&amp;") in body_part(message, "html")
    assert "Total (incl. VAT): £1,368.00" in text and "Valid until: Wednesday 30 December 2026" in text  # (2 x 420 + 300) + 20 % VAT
    assert "(optional)" in text and "VAT registration number: GB123456789" in text
    [pdf] = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "Q-2026-000001-A.pdf" and pdf.get_content().startswith(b"%PDF")
    key = sending.pdf_key(stored(q["quote_id"]))
    assert key == "quotes/2026/Q-2026-000001-A.pdf"
    from chalicelib.invoicing import documents

    assert documents.stored_pdf(key) == pdf.get_content()
    assert sent["sent_month"] if "sent_month" in sent else stored(q["quote_id"]).sent_month == "2026-11"


def test_a_quote_that_cannot_be_sent_says_why_and_stays_a_draft(as_, new_order, clock):
    api = as_("dispatcher")
    only_optional = make_quote(as_, new_order()["order_id"], lines=[{"price_item_id": "sealant", "quantity": 1, "optional": True}])
    r = api.post(f"/quotes/{only_optional['quote_id']}/send")
    assert r.status == 422 and r.json["error"]["code"] == "quote_not_sendable"
    assert r.json["error"]["details"][0]["field"] == "lines"
    no_email = new_order(customer={"name": "Bob Phone", "phone": "+44 7700 900002"})
    q = make_quote(as_, no_email["order_id"])
    r = api.post(f"/quotes/{q['quote_id']}/send")
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "customer.email"
    soon = make_quote(as_, new_order()["order_id"], valid_until="2026-12-01")
    clock.advance(days=3)
    r = api.post(f"/quotes/{soon['quote_id']}/send")
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "valid_until"
    assert all(api.get(f"/quotes/{x['quote_id']}").json["status"] == "draft" for x in (only_optional, q, soon))
    assert sent_emails() == []


def test_a_double_clicked_send_sends_one_email(as_, new_order):
    q = make_quote(as_, new_order()["order_id"])
    api = as_("dispatcher")
    with races.all_read_first(quotes_table()):
        a, b = races.race(lambda: api.post(f"/quotes/{q['quote_id']}/send"),
                          lambda: api.post(f"/quotes/{q['quote_id']}/send"))
    assert a.status == b.status == 200, (a, b)
    assert len(emails_to("ada@example.net")) == 1
    again = api.post(f"/quotes/{q['quote_id']}/send")  # a third click, later
    assert again.status == 200 and again.json["delivery"]["status"] == "sent"
    assert len(emails_to("ada@example.net")) == 1


def test_a_replayed_send_key_sends_nothing_more(as_, new_order):
    q = make_quote(as_, new_order()["order_id"])
    api = as_("dispatcher")
    key = {"Idempotency-Key": "send-key-00001"}
    first = api.post(f"/quotes/{q['quote_id']}/send", headers=key)
    replay = api.post(f"/quotes/{q['quote_id']}/send", headers=key)
    assert first.status == replay.status == 200 and replay.json["status"] == "sent"
    assert len(emails_to("ada@example.net")) == 1
    other = make_quote(as_, new_order()["order_id"])
    reused = api.post(f"/quotes/{other['quote_id']}/send", headers=key)
    assert reused.status == 422 and reused.json["error"]["code"] == "idempotency_key_reused"


def test_a_refused_email_answers_502_and_sending_again_retries_it(as_, new_order, monkeypatch):
    from chalicelib.mail import messages

    q = make_quote(as_, new_order()["order_id"])
    api = as_("dispatcher")
    real_send = messages.send

    def refuse(message):
        raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendRawEmail")

    monkeypatch.setattr(messages, "send", refuse)
    r = api.post(f"/quotes/{q['quote_id']}/send")
    assert r.status == 502 and r.json["error"]["code"] == "quote_email_failed"
    view = api.get(f"/quotes/{q['quote_id']}").json
    assert view["status"] == "sent" and view["delivery"]["status"] == "failed"
    assert "Maximum sending rate" in view["delivery"]["error"]
    monkeypatch.setattr(messages, "send", real_send)
    r = api.post(f"/quotes/{q['quote_id']}/send")
    assert r.status == 200 and r.json["delivery"]["status"] == "sent" and r.json["delivery"]["attempt"] == 2
    [message] = emails_to("ada@example.net")
    assert message["Message-ID"].startswith(f"<quote.{q['quote_id']}@")


def test_a_revision_keeps_the_number_and_supersedes_the_one_sent_before(as_, new_order):
    api = as_("dispatcher")
    a = make_quote(as_, new_order()["order_id"])
    assert api.post(f"/quotes/{a['quote_id']}/revisions").status == 409  # a draft is not revised: edit it
    api.post(f"/quotes/{a['quote_id']}/send")
    r = api.post(f"/quotes/{a['quote_id']}/revisions", {"notes": "Now with trickle vents."})
    assert r.status == 201, r
    b = r.json
    assert b["number"] == a["number"] and b["revision"] == "B" and b["reference"] == "Q-2026-000001-B"
    assert b["status"] == "draft" and b["notes"] == "Now with trickle vents." and b["quote_id"] != a["quote_id"]
    assert [line["line_id"] for line in b["lines"]] == [line["line_id"] for line in a["lines"]]
    again = api.post(f"/quotes/{a['quote_id']}/revisions")
    assert again.status == 409 and again.json["error"]["code"] == "quote_draft_exists"
    assert api.get(f"/quotes/{a['quote_id']}").json["status"] == "sent"  # open until B is sent
    assert api.post(f"/quotes/{b['quote_id']}/send").status == 200
    old = api.get(f"/quotes/{a['quote_id']}").json
    assert old["status"] == "superseded" and old["superseded_by"] == b["quote_id"] and old["follow_up"] is None
    assert stored(a["quote_id"]).token != stored(b["quote_id"]).token
    assert api.post(f"/quotes/{a['quote_id']}/send").status == 409
    assert api.post(f"/quotes/{a['quote_id']}/revisions").json["error"]["code"] == "quote_not_revisable"
    assert "revised quote" in body_part(emails_to("ada@example.net")[-1], "plain")
    listed = api.get(f"/orders/{a['order_id']}/quotes").json["quotes"]
    assert {(x["reference"], x["status"]) for x in listed} == {("Q-2026-000001-A", "superseded"), ("Q-2026-000001-B", "sent")}
    assert api.patch(f"/quotes/{b['quote_id']}", {"expected_version": 2, "notes": "x"}).json["error"]["code"] == "quote_not_draft"


def test_two_revisions_made_at_once_give_one_draft(as_, new_order):
    api = as_("dispatcher")
    a = make_quote(as_, new_order()["order_id"])
    api.post(f"/quotes/{a['quote_id']}/send")
    with races.all_read_first(quotes_table()):
        one, two = races.race(lambda: api.post(f"/quotes/{a['quote_id']}/revisions"),
                              lambda: api.post(f"/quotes/{a['quote_id']}/revisions"))
    assert sorted([one.status, two.status]) == [201, 409], (one, two)


def test_two_revisions_sent_at_once_leave_one_open(as_, new_order):
    """Two drafts of one number (as if two revisions slipped in at once) sent at the same moment:
    one supersedes the other, never two open."""
    api = as_("dispatcher")
    a = make_quote(as_, new_order()["order_id"])
    api.post(f"/quotes/{a['quote_id']}/send")
    b = api.post(f"/quotes/{a['quote_id']}/revisions").json
    from chalicelib.data.quotes import QuoteModel
    from chalicelib.quotes import numbering

    values = {k: v for k, v in stored(b["quote_id"]).attribute_values.items() if k not in ("quote_id", "version")}
    c = QuoteModel(numbering.revision_id(b["number"], "C"), **{**values, "revision": "C", "token": "another-token"})
    c.save()
    with races.all_read_first(quotes_table(), writers=2):
        rb, rc = races.race(lambda: api.post(f"/quotes/{b['quote_id']}/send"),
                            lambda: api.post(f"/quotes/{c.quote_id}/send"))
    assert rb.status == rc.status == 200, (rb, rc)
    family = [stored(x) for x in (a["quote_id"], b["quote_id"], c.quote_id)]
    assert [q.status for q in family].count("sent") == 1
    open_one = next(q for q in family if q.status == "sent")
    assert all(q.superseded_by for q in family if q is not open_one)
    assert {q.status for q in family if q is not open_one} == {"superseded"}
    assert QuoteModel.by_status.count("sent") == 1


PROCESS_WITH_QUOTED = {"key": "quoted", "label": "Quoted", "owner": "dispatcher-1", "sla_minutes": None,
                       "next": ["closed", "cancelled"], "exit_conditions": [], "automations": [],
                       "allowed_roles": ["admin", "dispatcher", "system"]}


def _publish_map_with_quoted(as_):
    from infra.demo_data import PROCESS_MAP

    document = copy.deepcopy(PROCESS_MAP)
    document["steps"][0]["next"] = document["steps"][0]["next"] + ["quoted"]
    document["steps"].append(PROCESS_WITH_QUOTED)
    r = as_("admin").put("/workflow", {**document, "note": "Estimates are quoted straight from requested"})
    assert r.status == 201, r


def test_sending_moves_the_order_to_quoted_when_its_map_has_that_step(as_, new_order):
    _publish_map_with_quoted(as_)
    order = new_order()
    q = make_quote(as_, order["order_id"])
    assert as_("dispatcher").post(f"/quotes/{q['quote_id']}/send").status == 200
    moved = as_("dispatcher").get(f"/orders/{order['order_id']}").json
    assert moved["step"] == "quoted"
    assert moved["history"][-1]["by"] == "system" and "Q-2026-000001-A" in (moved["history"][-1]["note"] or "")


def test_an_order_whose_map_has_no_quoted_step_stays_where_it_is(as_, new_order):
    order = new_order()
    q = make_quote(as_, order["order_id"])
    assert as_("dispatcher").post(f"/quotes/{q['quote_id']}/send").status == 200
    assert as_("dispatcher").get(f"/orders/{order['order_id']}").json["step"] == "requested"


def test_a_technician_creates_and_sends_in_one_request_and_a_replay_sends_nothing_more(as_, new_order):
    order_id = new_order()["order_id"]
    tech = as_("tech1")
    key = {"Idempotency-Key": "tech-quote-offline-1"}
    body = {"title": "Windows", "lines": [{"price_item_id": "window-sash", "quantity": 1}], "send": True}
    first = tech.post(f"/orders/{order_id}/quotes", body, headers=key)
    assert first.status == 201 and first.json["status"] == "sent", first
    replay = tech.post(f"/orders/{order_id}/quotes", body, headers=key)
    assert replay.status == 201 and replay.json["quote_id"] == first.json["quote_id"] and replay.json["status"] == "sent"
    assert len(emails_to("ada@example.net")) == 1
    theirs = new_order(technician_id="tech-3")["order_id"]
    assert tech.post(f"/orders/{theirs}/quotes", body).status == 403
    office = make_quote(as_, theirs)
    assert tech.post(f"/quotes/{office['quote_id']}/send").status == 404
    not_sendable = tech.post(f"/orders/{order_id}/quotes", {**body, "lines": []})
    assert not_sendable.status == 422 and len(tech.get(f"/orders/{order_id}/quotes").json["quotes"]) == 1


def test_the_email_escapes_what_the_office_typed(as_, new_order):
    q = make_quote(as_, new_order(customer={"name": "<b>Ada</b>", "email": "ada@example.net", "phone": "+44 7700 900001"})["order_id"],
                   title="<script>alert(1)</script>",
                   lines=[{"description": "<img src=x onerror=alert(1)>", "quantity": 1, "unit_price_cents": 100}])
    assert as_("dispatcher").post(f"/quotes/{q['quote_id']}/send").status == 200
    html = body_part(emails_to("ada@example.net")[0], "html")
    assert "<script>" not in html and "<img src=x" not in html and "&lt;script&gt;" in html
    assert re.search(r"<b>Ada</b>", html) is None


def test_an_unreachable_email_service_answers_503_and_the_quote_stays_sent(as_, new_order, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    from chalicelib.mail import messages

    q = make_quote(as_, new_order()["order_id"])

    def unreachable(message):
        raise EndpointConnectionError(endpoint_url="https://email.eu-west-2.amazonaws.com")

    monkeypatch.setattr(messages, "send", unreachable)
    r = as_("dispatcher").post(f"/quotes/{q['quote_id']}/send")
    assert r.status == 503 and r.json["error"]["code"] == "quote_email_unavailable"
    assert r.json["error"]["details"]["quote_id"] == q["quote_id"]
    view = as_("dispatcher").get(f"/quotes/{q['quote_id']}").json
    assert view["status"] == "sent" and view["delivery"]["status"] == "failed"


def test_an_email_added_to_the_order_after_quoting_is_the_one_the_quote_goes_to(as_, new_order):
    order = new_order(customer={"name": "Bob Phone", "phone": "+44 7700 900002"})
    q = make_quote(as_, order["order_id"])
    api = as_("dispatcher")
    assert api.post(f"/quotes/{q['quote_id']}/send").status == 422
    fixed = api.patch(f"/orders/{order['order_id']}", {"expected_version": order["version"],
                                                       "customer": {"email": "bob@example.net"}})
    assert fixed.status == 200, fixed
    r = api.post(f"/quotes/{q['quote_id']}/send")
    assert r.status == 200 and r.json["customer"]["email"] == "bob@example.net"
    assert len(emails_to("bob@example.net")) == 1
