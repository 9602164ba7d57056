"""Correcting an order with history: contact details, address, description and service (office);
line items changed or removed (office, or the technician on their own open order), each change in
the history with who, when, the old and the new value."""
import pytest

import tests.api.test_invoicing as inv


def patch(as_, order, body, who="dispatcher"):
    return as_(who).patch(f"/orders/{order['order_id']}", {"expected_version": order["version"], **body})


def corrections(order):
    return [h for h in order["history"] if h.get("changes")]


# --- contact, address, description, service -----------------------------------------------------

def test_the_office_corrects_the_customers_email_and_the_history_keeps_old_and_new(as_, new_order):
    order = new_order()
    r = patch(as_, order, {"customer": {"email": "Ada.L@Example.net", "name": "Ada King"}})
    assert r.status == 200, r
    assert r.json["customer"] == {"name": "Ada King", "email": "ada.l@example.net", "phone": "+44 7700 900001"}
    assert r.json["version"] == order["version"] + 1
    [entry] = corrections(as_("dispatcher").get(f"/orders/{order['order_id']}").json)
    assert entry["by"] == "dispatcher-1" and entry["at"] and entry["from"] == entry["to"] == order["step"]
    assert sorted(entry["changes"], key=lambda c: c["field"]) == [
        {"field": "customer.email", "old": "ada@example.net", "new": "ada.l@example.net"},
        {"field": "customer.name", "old": "Ada Lovelace", "new": "Ada King"}]


def test_a_stale_version_is_409_with_the_current_version_and_nothing_is_saved(as_, new_order):
    order = new_order()
    assert patch(as_, order, {"description": "Bay window, three panes"}).status == 200
    r = patch(as_, order, {"description": "Something else"})
    assert r.status == 409 and r.json["error"]["details"]["current_version"] == order["version"] + 1, r
    assert as_("dispatcher").get(f"/orders/{order['order_id']}").json["description"] == "Bay window, three panes"


@pytest.mark.parametrize("customer, field", [
    ({"name": "Eve\r\nBcc: x@evil.example"}, "customer.name"),
    ({"name": "=?utf-8?b?QmNjOiB4QGV2aWwuZXhhbXBsZQ==?="}, "customer.name"),
    ({"email": "eve@example.net\nBcc: x@evil.example"}, "customer.email"),
    ({"email": "not-an-address"}, "customer.email"),
    ({"phone": "call me"}, "customer.phone"),
    ({"name": ""}, "customer.name"),
])
def test_contact_corrections_are_checked_as_on_create(as_, new_order, customer, field):
    order = new_order()
    r = patch(as_, order, {"customer": customer})
    assert r.status == 422, r
    assert field in [e["field"] for e in r.json["error"]["details"]], r


def test_removing_both_email_and_phone_is_refused(as_, new_order):
    r = patch(as_, new_order(), {"customer": {"email": None, "phone": None}})
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "customer.email", r


def test_an_address_the_assigned_technician_does_not_cover_is_refused_and_nothing_saved(as_, new_order):
    order = new_order()  # tech-1 covers BS and BA
    r = patch(as_, order, {"address": {"street": "5 Cathedral Lane", "postcode": "GL1 2AB", "city": "Gloucester"}})
    assert (r.status, r.json["error"]["code"]) == (422, "area_not_served"), r
    assert "Sam Fischer does not cover GL1 2AB" in r.json["error"]["message"]
    again = as_("dispatcher").get(f"/orders/{order['order_id']}").json
    assert again["address"]["postcode"] == "BS1 1AA" and again["version"] == order["version"]
    r = patch(as_, order, {"address": {"postcode": "BA1 1AA", "city": "Bath"}})
    assert r.status == 200 and r.json["address"] == {"street": "1 Analytical Way", "city": "Bath", "postcode": "BA1 1AA"}
    [entry] = corrections(r.json)
    assert {"field": "address.postcode", "old": "BS1 1AA", "new": "BA1 1AA"} in entry["changes"]


def test_a_service_the_technician_lacks_the_skill_for_is_refused(as_, new_order):
    order = new_order(technician_id="tech-2", appointment=None)  # install and survey, no repair
    r = patch(as_, order, {"service_id": "glazing-repair"})
    assert (r.status, r.json["error"]["code"]) == (422, "skill_missing"), r


def test_a_service_of_another_duration_on_a_booked_order_is_refused_with_the_reason(as_, new_order):
    order = new_order()  # two hours booked
    r = patch(as_, order, {"service_id": "survey"})
    assert (r.status, r.json["error"]["code"]) == (422, "duration_changed"), r
    assert "120 minutes" in r.json["error"]["message"] and "reschedule" in r.json["error"]["message"]


def test_a_service_change_on_an_unbooked_order_is_recorded(as_, new_order):
    order = new_order(appointment=None)
    r = patch(as_, order, {"service_id": "survey"})
    assert r.status == 200, r
    assert (r.json["service_id"], r.json["service_name"]) == ("survey", "Measure and quote visit")
    [entry] = corrections(r.json)
    assert entry["changes"] == [{"field": "service", "old": {"id": None, "name": "Window installation"},
                                 "new": {"id": "survey", "name": "Measure and quote visit"}}]


def test_an_unknown_service_is_404_and_a_patch_without_changes_is_422(as_, new_order):
    order = new_order()
    assert patch(as_, order, {"service_id": "no-such-service"}).status == 404
    r = patch(as_, order, {})
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "body"


def test_the_same_values_again_change_nothing(as_, new_order):
    order = new_order()
    r = patch(as_, order, {"customer": {"email": "ada@example.net"}})
    assert r.status == 200 and r.json["version"] == order["version"] and not corrections(r.json)


def test_technicians_cannot_correct_the_order(as_, new_order):
    r = patch(as_, new_order(), {"description": "x"}, who="tech1")
    assert r.status == 403, r


# --- line items -----------------------------------------------------------------------------------

def add_item(as_, order, who="dispatcher", **body):
    r = as_(who).post(f"/orders/{order['order_id']}/line-items",
                      {"description": "Casement window", "quantity": 2, "unit_price_cents": 42000, **body})
    assert r.status == 201, r
    return r.json, r.json["line_items"][-1]


def test_the_office_changes_quantity_and_price_and_the_history_keeps_both(as_, new_order):
    order, line = add_item(as_, new_order())
    r = as_("dispatcher").patch(f"/orders/{order['order_id']}/line-items/{line['id']}",
                                {"quantity": 3, "unit_price_cents": 40000})
    assert r.status == 200, r
    [changed] = r.json["line_items"]
    assert (changed["quantity"], changed["unit_price_cents"], changed["total_cents"]) == (3, 40000, 120000)
    [entry] = corrections(r.json)
    assert entry["changes"] == [
        {"field": f"line_items.{line['id']}.quantity", "old": 2, "new": 3},
        {"field": f"line_items.{line['id']}.unit_price_cents", "old": 42000, "new": 40000}]


def test_the_technician_changes_the_quantity_on_their_own_order_but_not_the_price(as_, new_order):
    order, line = add_item(as_, new_order())
    path = f"/orders/{order['order_id']}/line-items/{line['id']}"
    assert as_("tech1").patch(path, {"unit_price_cents": 1}).status == 403
    assert as_("tech1").patch(path, {"description": "Free window"}).status == 403
    r = as_("tech1").patch(path, {"quantity": 1})
    assert r.status == 200 and r.json["line_items"][0]["quantity"] == 1, r
    assert corrections(r.json)[0]["by"] == "tech-1"
    # Another technician's order is not found at all.
    assert as_("tech2").patch(path, {"quantity": 5}).status == 404


@pytest.mark.parametrize("body", [{"quantity": 0}, {"quantity": 10001}, {"quantity": "2"},
                                  {"unit_price_cents": -1}, {"description": ""}, {}])
def test_line_item_changes_are_validated_as_on_create(as_, new_order, body):
    order, line = add_item(as_, new_order())
    r = as_("dispatcher").patch(f"/orders/{order['order_id']}/line-items/{line['id']}", body)
    assert r.status == 422, r


def test_removing_a_line_item_keeps_what_it_was_in_the_history(as_, new_order):
    order, line = add_item(as_, new_order())
    r = as_("tech1").delete(f"/orders/{order['order_id']}/line-items/{line['id']}")
    assert r.status == 200 and r.json["line_items"] == [], r
    [entry] = corrections(r.json)
    assert entry["changes"] == [{"field": f"line_items.{line['id']}", "new": None,
                                 "old": {"description": "Casement window", "quantity": 2, "unit_price_cents": 42000,
                                         "price_item_id": None}}]
    assert as_("tech1").delete(f"/orders/{order['order_id']}/line-items/{line['id']}").status == 404


def test_a_replayed_idempotency_key_gets_the_first_answer_and_changes_once(as_, new_order):
    order, line = add_item(as_, new_order())
    path = f"/orders/{order['order_id']}/line-items/{line['id']}"
    key = {"Idempotency-Key": "edit-qty-0001"}
    first = as_("tech1").patch(path, {"quantity": 4}, headers=key)
    second = as_("tech1").patch(path, {"quantity": 4}, headers=key)
    assert first.status == second.status == 200 and first.json == second.json
    assert len(corrections(as_("tech1").get(f"/orders/{order['order_id']}").json)) == 1
    reused = as_("tech1").patch(path, {"quantity": 5}, headers=key)
    assert (reused.status, reused.json["error"]["code"]) == (422, "idempotency_key_reused")
    gone = {"Idempotency-Key": "remove-line-0001"}
    assert as_("tech1").delete(path, headers=gone).status == 200
    assert as_("tech1").delete(path, headers=gone).status == 200  # the replay, not a 404


def test_an_invoiced_order_refuses_line_item_changes_until_the_invoice_is_void(as_, new_order, stream, deliver):
    order = inv.complete(as_, new_order())
    inv.drain(stream, deliver)
    order = as_("dispatcher").get(f"/orders/{order['order_id']}").json
    path = f"/orders/{order['order_id']}/line-items/{order['line_items'][0]['id']}"
    r = as_("admin").patch(path, {"quantity": 1})
    assert (r.status, r.json["error"]["code"]) == (409, "order_invoiced"), r
    assert as_("admin").delete(path).status == 409
    r = as_("tech1").patch(path, {"quantity": 1})
    assert r.status in (409, 422), r
    invoice = as_("admin").get(f"/orders/{order['order_id']}/invoice").json
    assert as_("admin").post(f"/invoices/{invoice['invoice_id']}/void").status == 200
    assert as_("admin").patch(path, {"quantity": 1}).status == 200
    r = as_("tech1").patch(path, {"quantity": 3})
    assert (r.status, r.json["error"]["code"]) == (422, "move_not_allowed"), r  # the job is completed


def test_the_order_view_says_whether_totals_include_the_tax(as_, new_order):
    order = new_order()
    assert order["tax"] == {"name": "VAT", "rate_basis_points": 2000, "included": False}
