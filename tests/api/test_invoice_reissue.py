"""Correcting an invoice: void, correct the order, reissue with a new number; the history of an
order's invoices; the resend of an invoice issued without an email once the order's email is
corrected; the owner's alert linking to the order."""
import concurrent.futures

import pytest

import tests.api.test_invoicing as inv
from tests.support.helpers import body_part, sent_emails


@pytest.fixture
def invoiced(as_, new_order, stream, deliver):
    """A completed order's invoice, sent: 2 x £420.00 + 20 % VAT = £1,008.00."""
    order = inv.complete(as_, new_order())
    inv.drain(stream, deliver)
    return as_("admin").get(f"/orders/{order['order_id']}/invoice").json


def void(as_, invoice, reason="Wrong quantity"):
    r = as_("admin").post(f"/invoices/{invoice['invoice_id']}/void", {"reason": reason})
    assert r.status == 200, r
    return r.json


def test_after_a_void_the_admin_reissues_from_the_corrected_lines_with_the_next_number(as_, invoiced, stream, deliver):
    oid = invoiced["order_id"]
    void(as_, invoiced)
    order = as_("dispatcher").get(f"/orders/{oid}").json
    [line] = order["line_items"]
    r = as_("admin").patch(f"/orders/{oid}/line-items/{line['id']}", {"quantity": 1})
    assert r.status == 200, r
    r = as_("admin").post(f"/orders/{oid}/invoice")
    assert r.status == 201, r
    new = r.json
    assert new["number"] == "INV-2026-000002" and new["invoice_id"] != invoiced["invoice_id"]
    assert (new["subtotal_cents"], new["total_cents"], new["status"]) == (42000, 50400, "issued")
    assert new["delivery"] == "sent" and len(inv.invoice_emails(oid)) == 2
    assert "INV-2026-000002" in str(inv.invoice_emails(oid)[-1]["Subject"])
    # The old invoice stays readable under its id, with its credit note.
    old = as_("dispatcher").get(f"/invoices/{invoiced['invoice_id']}").json
    assert (old["number"], old["status"], old["credit_note"]["number"]) == ("INV-2026-000001", "void", "CN-2026-000001")
    shown = as_("dispatcher").get(f"/orders/{oid}/invoice").json
    assert shown["invoice_id"] == new["invoice_id"]
    assert [(e["number"], e["status"], e["credit_note"]["number"]) for e in shown["earlier"]] == [
        ("INV-2026-000001", "void", "CN-2026-000001")]
    # The order can be paid as before: paying the new invoice moves it to `paid`.
    assert inv.pay(as_, new, 50400).status == 201
    inv.drain(stream, deliver)
    assert inv.step_of(oid) == "paid"


def test_reissue_is_refused_while_the_current_invoice_is_not_void(as_, invoiced):
    r = as_("admin").post(f"/orders/{invoiced['order_id']}/invoice")
    assert (r.status, r.json["error"]["code"]) == (409, "invoice_not_void"), r
    assert r.json["error"]["details"]["invoice_id"] == invoiced["invoice_id"]


def test_reissue_of_an_order_never_invoiced_is_409(as_, new_order):
    r = as_("admin").post(f"/orders/{new_order()['order_id']}/invoice")
    assert (r.status, r.json["error"]["code"]) == (409, "not_invoiced"), r


def test_two_reissues_at_once_give_one_invoice_and_one_number(as_, invoiced, client):
    from tests.support.world import Api

    void(as_, invoiced)
    token = as_("admin").token
    oid = invoiced["order_id"]

    def reissue(_):
        return Api(client, token).post(f"/orders/{oid}/invoice")

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(reissue, range(4)))
    assert all(a.status in (200, 201) for a in answers), answers
    assert {a.json["number"] for a in answers} == {"INV-2026-000002"}
    assert len({a.json["invoice_id"] for a in answers}) == 1
    from chalicelib.invoicing import numbering

    assert numbering.last_number("INV-2026") == 2
    assert len(inv.invoice_emails(oid)) == 2  # the first and the reissue, once


def test_a_second_void_and_reissue_makes_a_chain_of_three(as_, invoiced):
    oid = invoiced["order_id"]
    void(as_, invoiced)
    second = as_("admin").post(f"/orders/{oid}/invoice").json
    void(as_, second, "Still wrong")
    third = as_("admin").post(f"/orders/{oid}/invoice")
    assert third.status == 201 and third.json["number"] == "INV-2026-000003"
    shown = as_("dispatcher").get(f"/orders/{oid}/invoice").json
    assert [e["number"] for e in shown["earlier"]] == ["INV-2026-000002", "INV-2026-000001"]
    assert [e["credit_note"]["number"] for e in shown["earlier"]] == ["CN-2026-000002", "CN-2026-000001"]


def test_the_stream_redelivered_after_a_reissue_does_not_invoice_again(as_, invoiced, stream, deliver):
    oid = invoiced["order_id"]
    void(as_, invoiced)
    as_("admin").post(f"/orders/{oid}/invoice")
    inv.drain(stream, deliver)
    inv.reconcile()
    from chalicelib.invoicing import numbering

    assert numbering.last_number("INV-2026") == 2 and len(inv.invoice_emails(oid)) == 2


def test_only_the_admin_reissues(as_, invoiced):
    void(as_, invoiced)
    for who in ("dispatcher", "tech1"):
        r = as_(who).post(f"/orders/{invoiced['order_id']}/invoice")
        assert r.status == 403, (who, r)


def test_the_alert_for_a_missing_email_links_to_the_order_and_says_how_to_fix_it(as_, new_order, stream, deliver):
    order = inv.complete(as_, new_order(customer={"name": "Phone Only", "phone": "+44 7700 900002"}))
    inv.drain(stream, deliver)
    [alert] = [m for m in sent_emails() if "was not emailed" in str(m["Subject"])]
    oid = order["order_id"]
    html, text = body_part(alert, "html"), body_part(alert, "plain")
    assert f'/office/#/orders/{oid}"' in html and f"/office/#/orders/{oid}" in text
    assert f"PATCH /orders/{oid}" in text and "resend" in text


def test_after_the_email_is_corrected_the_resend_reaches_the_customer(as_, new_order, stream, deliver):
    order = inv.complete(as_, new_order(customer={"name": "Phone Only", "phone": "+44 7700 900002"}))
    inv.drain(stream, deliver)
    oid = order["order_id"]
    invoice = inv.invoice_of(oid)
    current = as_("dispatcher").get(f"/orders/{oid}").json
    r = as_("dispatcher").patch(f"/orders/{oid}", {"expected_version": current["version"],
                                                    "customer": {"email": "phone.only@example.net"}})
    assert r.status == 200, r
    r = as_("admin").post(f"/invoices/{invoice.invoice_id}/resend")
    assert r.status == 200, r
    assert r.json["delivery"] == "sent" and r.json["customer"]["email"] == "phone.only@example.net"
    [mail] = inv.invoice_emails(oid)
    assert [a.addr_spec for a in mail["To"].addresses] == ["phone.only@example.net"]


def test_the_customer_page_shows_the_reissued_invoice_and_what_it_still_owes(as_, invoiced):
    oid = invoiced["order_id"]
    void(as_, invoiced)
    new = as_("admin").post(f"/orders/{oid}/invoice").json
    customer_id = as_("dispatcher").get(f"/orders/{oid}").json["customer_id"]
    page = as_("dispatcher").get(f"/customers/{customer_id}").json
    shown = {i["number"]: (i["status"], i["balance_cents"]) for i in page["invoices"]}
    assert shown == {"INV-2026-000001": ("void", 0), new["number"]: ("issued", new["total_cents"])}
