"""Idempotency-Keys as Stripe keeps them, on every route that takes one: a key is bound to the
route, the caller and the body it first came with. The same request again gets the first answer
(same status, same body) and nothing is done twice; the key with another body, on another route,
or from another caller is 422 `idempotency_key_reused` and nothing is done. A refused request does
not use up its key, and two identical requests at the same moment write once."""
import json
from dataclasses import dataclass

import pytest
import requests

from chalicelib.core import settings
from chalicelib.data import request_keys
from chalicelib.staff.auth import Principal
from tests.support.helpers import TINY_PNG
from tests.support.races import all_read_first, race

TECH1 = Principal("tech-1", "technician", ("technician",))
ADMIN = Principal("admin-1", "admin", ("admin",))


def key(n: int) -> dict:
    return {"Idempotency-Key": f"phone-change-{n:04d}"}


def without_links(view: dict) -> dict:
    """An order's view without what a later read signs anew (file links) or offers the reader."""
    kept = {k: v for k, v in view.items() if k != "next_steps"}
    kept["photos"] = [{**p, "url": p["url"].split("?")[0]} for p in kept.get("photos", [])]
    if kept.get("signature"):
        kept["signature"] = {**kept["signature"], "url": kept["signature"]["url"].split("?")[0]}
    return kept


@pytest.fixture
def job(as_, new_order):
    """tech1's order, on the way."""
    order = new_order()
    order = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": "scheduled", "expected_version": 1}).json
    r = as_("tech1").post(f"/orders/{order['order_id']}/transitions", {"to": "en_route", "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


def uploaded_photo(tech, order_id: str) -> str:
    """A photo uploaded to the file store (not yet attached); its id."""
    ticket = tech.post(f"/orders/{order_id}/photos/upload-url", {"content_type": "image/png", "size_bytes": 68}).json
    requests.post(ticket["upload"]["url"], data=ticket["upload"]["fields"],
                  files={"file": ("p.png", b"\x89PNG" + b"0" * 64, "image/png")}, timeout=10)
    return ticket["photo_id"]


@dataclass
class Action:
    path: str
    body: object  # (order, tech) -> body
    other: object  # (order, tech) -> another body for the same route


ACTIONS = {
    "move": Action("transitions", lambda o, t: {"to": "in_progress", "expected_version": o["version"]},
                   lambda o, t: {"to": "on_hold", "expected_version": o["version"]}),
    "note": Action("notes", lambda o, t: {"text": "Gate code 4411"}, lambda o, t: {"text": "Gate code 4412"}),
    "line item": Action("line-items", lambda o, t: {"price_item_id": "labour-hour", "quantity": 1},
                        lambda o, t: {"price_item_id": "labour-hour", "quantity": 2}),
    "photo": Action("photos", lambda o, t: {"photo_id": uploaded_photo(t, o["order_id"])},
                    lambda o, t: {"photo_id": uploaded_photo(t, o["order_id"])}),
    "signature": Action("signature", lambda o, t: {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"},
                        lambda o, t: {"image_png_base64": TINY_PNG, "signed_by": "Alan Turing"}),
}


@pytest.mark.parametrize("name", ACTIONS)
def test_a_replay_gets_the_first_answer_and_changes_nothing(as_, job, name):
    tech, action = as_("tech1"), ACTIONS[name]
    url = f"/orders/{job['order_id']}/{action.path}"
    body = action.body(job, tech)
    first = tech.post(url, body, headers=key(1))
    assert first.status in (200, 201), first
    again = tech.post(url, body, headers=key(1))
    assert (again.status, again.json) == (first.status, first.json)
    stored = as_("dispatcher").get(f"/orders/{job['order_id']}").json
    assert stored["version"] == first.json["version"] == job["version"] + 1  # written once
    assert without_links(stored) == without_links(first.json)


@pytest.mark.parametrize("name", ACTIONS)
def test_the_key_with_another_body_is_refused_and_nothing_is_done(as_, job, name):
    tech, action = as_("tech1"), ACTIONS[name]
    url = f"/orders/{job['order_id']}/{action.path}"
    first = tech.post(url, action.body(job, tech), headers=key(2))
    assert first.status in (200, 201), first
    before = without_links(as_("dispatcher").get(f"/orders/{job['order_id']}").json)
    reused = tech.post(url, action.other(job, tech), headers=key(2))
    assert reused.status == 422 and reused.json["error"]["code"] == "idempotency_key_reused", reused
    assert reused.json["error"]["details"] == [{"field": "Idempotency-Key", "message": "was already used with a different request body"}]
    assert without_links(as_("dispatcher").get(f"/orders/{job['order_id']}").json) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_the_key_on_another_route_or_from_another_caller_is_refused(as_, job, new_order, name):
    tech, action = as_("tech1"), ACTIONS[name]
    body = action.body(job, tech)
    first = tech.post(f"/orders/{job['order_id']}/{action.path}", body, headers=key(3))
    assert first.status in (200, 201), first
    before = without_links(as_("dispatcher").get(f"/orders/{job['order_id']}").json)
    other_route = "line-items" if action.path == "notes" else "notes"
    other_body = {"price_item_id": "labour-hour", "quantity": 1} if other_route == "line-items" else {"text": "x"}
    refused = [
        tech.post(f"/orders/{job['order_id']}/{other_route}", other_body, headers=key(3)),  # another route
        as_("dispatcher").post(f"/orders/{job['order_id']}/{action.path}", body, headers=key(3)),  # another caller
        tech.post(f"/orders/{new_order()['order_id']}/notes", {"text": "x"}, headers=key(3)),  # another order
    ]
    for r in refused:
        assert r.status == 422 and r.json["error"]["code"] == "idempotency_key_reused", r
        assert r.json["error"]["details"] == [{"field": "Idempotency-Key", "message": "was already used for another request"}]
    assert without_links(as_("dispatcher").get(f"/orders/{job['order_id']}").json) == before


def test_a_replay_after_the_order_moved_on_still_gets_the_first_answer(as_, job):
    tech = as_("tech1")
    first = tech.post(f"/orders/{job['order_id']}/notes", {"text": "Ladder in the van"}, headers=key(4))
    tech.post(f"/orders/{job['order_id']}/notes", {"text": "Customer is out"})
    tech.post(f"/orders/{job['order_id']}/transitions", {"to": "on_hold", "expected_version": first.json["version"] + 1})
    again = tech.post(f"/orders/{job['order_id']}/notes", {"text": "Ladder in the van"}, headers=key(4))
    assert (again.status, again.json) == (201, first.json)
    assert [n["text"] for n in again.json["notes"]] == ["Ladder in the van"]
    assert len(as_("dispatcher").get(f"/orders/{job['order_id']}").json["notes"]) == 2


def test_a_refused_request_does_not_use_up_its_key(as_, job):
    tech, url = as_("tech1"), f"/orders/{job['order_id']}/transitions"
    stale = tech.post(url, {"to": "in_progress", "expected_version": job["version"] - 1}, headers=key(5))
    assert stale.status == 409, stale
    unmet = tech.post(url, {"to": "completed", "expected_version": job["version"]}, headers=key(5))
    assert unmet.status == 422 and unmet.json["error"]["code"] == "move_not_allowed", unmet
    moved = tech.post(url, {"to": "in_progress", "expected_version": job["version"]}, headers=key(5))
    assert moved.status == 200 and moved.json["step"] == "in_progress", moved
    assert tech.post(url, {"to": "in_progress", "expected_version": job["version"]}, headers=key(5)).json == moved.json


def test_a_photos_upload_form_replays_the_same_photo_and_refuses_another_body(as_, job):
    tech, url = as_("tech1"), f"/orders/{job['order_id']}/photos/upload-url"
    first = tech.post(url, {"content_type": "image/jpeg", "size_bytes": 1000}, headers=key(6))
    again = tech.post(url, {"content_type": "image/jpeg", "size_bytes": 1000}, headers=key(6))
    assert first.status == again.status == 201 and again.json["photo_id"] == first.json["photo_id"]
    other = tech.post(url, {"content_type": "image/jpeg", "size_bytes": 2000}, headers=key(6))
    assert other.status == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    # the phone attaches with a key of its own: a key belongs to one route
    assert tech.post(f"/orders/{job['order_id']}/photos", {"photo_id": first.json["photo_id"]}, headers=key(6)).status == 422


# --- payments ------------------------------------------------------------------------------------

@pytest.fixture
def invoice(as_, job, clock):
    """The job completed and invoiced (the automation the stream runs, called directly)."""
    from chalicelib.invoicing import lifecycle

    tech, oid = as_("tech1"), job["order_id"]
    order = tech.post(f"/orders/{oid}/transitions", {"to": "in_progress", "expected_version": job["version"]}).json
    order = tech.post(f"/orders/{oid}/line-items", {"price_item_id": "labour-hour", "quantity": 2}).json
    order = tech.post(f"/orders/{oid}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"}).json
    assert tech.post(f"/orders/{oid}/transitions", {"to": "completed", "expected_version": order["version"]}).status == 200
    assert lifecycle.create_invoice(oid, clock.now)["invoiced"]
    return as_("admin").get(f"/orders/{oid}/invoice").json


def test_a_payment_replay_gets_the_first_answer_and_another_amount_is_refused(as_, invoice):
    admin, url = as_("admin"), f"/invoices/{invoice['invoice_id']}/payments"
    body = {"amount_cents": 1000, "method": "card"}
    first = admin.post(url, body, headers=key(7))
    again = admin.post(url, body, headers=key(7))
    assert first.status == 201 and (again.status, again.json) == (201, first.json)
    reused = admin.post(url, {**body, "amount_cents": 2000}, headers=key(7))
    assert reused.status == 422 and reused.json["error"]["code"] == "idempotency_key_reused"
    elsewhere = admin.post(f"/orders/{invoice['order_id']}/notes", {"text": "paid by card"}, headers=key(7))
    assert elsewhere.status == 422 and elsewhere.json["error"]["code"] == "idempotency_key_reused"
    stored = admin.get(f"/invoices/{invoice['invoice_id']}").json
    assert [p["amount_cents"] for p in stored["payments"]] == [1000] and stored["paid_cents"] == 1000


def test_a_payment_key_from_another_admin_is_refused(world, invoice, clock):
    from chalicelib.core.errors import ValidationFailed
    from chalicelib.invoicing import payments

    body = {"amount_cents": 500, "method": "cash"}

    def bound(caller):
        return request_keys.bind("till-0001", "POST", "/invoices/{invoice_id}/payments",
                                 {"invoice_id": invoice["invoice_id"]}, caller, json.dumps(body))

    assert payments.record_payment(ADMIN, invoice["invoice_id"], body, clock.now, bound("admin-1")).status == 201
    with pytest.raises(ValidationFailed) as refused:
        payments.record_payment(Principal("admin-2", "admin", ("admin",)), invoice["invoice_id"], body, clock.now, bound("admin-2"))
    assert refused.value.code == "idempotency_key_reused"


# --- at the same moment ----------------------------------------------------------------------------

def _bound(path: str, params: dict, caller: str, body: dict):
    return request_keys.bind("same-moment-0001", "POST", path, params, caller, json.dumps(body))


def test_two_identical_moves_at_the_same_moment_move_once_and_answer_alike(as_, job, clock):
    from chalicelib.orders import service

    oid = job["order_id"]
    body = {"to": "in_progress", "expected_version": job["version"]}
    bound = _bound("/orders/{order_id}/transitions", {"order_id": oid}, "tech-1", body)
    with all_read_first(settings.ORDERS_TABLE):
        results = race(*[lambda: service.transition(TECH1, oid, body, clock.now, bound)] * 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0] == results[1] and results[0].body["step"] == "in_progress"
    history = as_("dispatcher").get(f"/orders/{oid}").json["history"]
    assert [m["to"] for m in history].count("in_progress") == 1


def test_two_identical_notes_at_the_same_moment_add_one_note(as_, job, clock):
    from chalicelib.orders import service

    oid = job["order_id"]
    body = {"text": "Side gate is open"}
    bound = _bound("/orders/{order_id}/notes", {"order_id": oid}, "tech-1", body)
    with all_read_first(settings.ORDERS_TABLE, writers=3):
        results = race(*[lambda: service.add_note(TECH1, oid, body, clock.now, bound)] * 3)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0] == results[1] == results[2]
    stored = as_("dispatcher").get(f"/orders/{oid}").json
    assert [n["text"] for n in stored["notes"]] == ["Side gate is open"] and stored["version"] == job["version"] + 1


def test_two_identical_payments_at_the_same_moment_pay_once(as_, invoice, clock):
    from chalicelib.invoicing import payments

    body = {"amount_cents": 700, "method": "bank_transfer"}
    bound = _bound("/invoices/{invoice_id}/payments", {"invoice_id": invoice["invoice_id"]}, "admin-1", body)
    with all_read_first(settings.INVOICES_TABLE):
        results = race(*[lambda: payments.record_payment(ADMIN, invoice["invoice_id"], body, clock.now, bound)] * 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0] == results[1] and results[0].status == 201
    assert as_("admin").get(f"/invoices/{invoice['invoice_id']}").json["paid_cents"] == 700
