"""Customers as records: bookings and calls find their customer (or create one), search by key in
at most two DynamoDB calls, edits guarded by version, merging duplicates, export and erasure."""
import threading

import pytest

from tests.api.test_booking import booking_body
from tests.support.helpers import dynamodb_calls, staff_check
from tests.support.world import FIXED_NOW

WEDNESDAY = "2026-12-02"


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(monkeypatch):
    """These tests book many times from one address and contact (the limits have their own tests)."""
    for variable in ("BOOKINGS_PER_CONTACT", "BOOKINGS_PER_ADDRESS", "AVAILABILITY_PER_ADDRESS", "FORM_MIN_SECONDS"):
        monkeypatch.setenv(variable, "0")
    monkeypatch.setenv("FORM_TOKEN_MAX_AGE_SECONDS", str(10 * 365 * 86400))


def book_online(as_, start, customer, address=None):
    body = booking_body(start, customer=customer)
    if address:
        body["address"] = address
    r = as_().post("/public/bookings", body)
    assert r.status == 201, r
    return r.json


def phone_call(as_, customer, **overrides):
    body = {"customer": customer, "address": {"street": "9 Quay St", "city": "Bristol", "postcode": "BS1 4DJ"},
            "service_name": "Glazing repair", **overrides}
    r = as_("dispatcher").post("/orders", body)
    assert r.status == 201, r
    return r.json


def customer_of(order_id):
    from chalicelib.data.models import OrderModel

    return OrderModel.get(order_id, consistent_read=True).customer_id


def find(as_, q, **params):
    from urllib.parse import urlencode

    r = as_("dispatcher").get("/customers?" + urlencode({"q": q, **params}))
    assert r.status == 200, r
    return r.json


def new_customer(as_, **body):
    r = as_("dispatcher").post("/customers", {"name": "Grace Hopper", "email": "grace@example.net", **body})
    assert r.status == 201, r
    return r.json


# --- one person, one customer -----------------------------------------------------------------------

def test_two_online_bookings_and_a_phone_call_from_the_same_person_end_up_on_one_customer_with_three_orders(as_, clock):
    first = book_online(as_, f"{WEDNESDAY}T10:00:00+00:00", {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111"})
    clock.advance(minutes=1)
    second = book_online(as_, f"{WEDNESDAY}T14:00:00+00:00", {"name": "Jo Bloggs", "email": "JO@Example.NET", "phone": "07700 900111"})
    clock.advance(minutes=1)
    call = phone_call(as_, {"name": "Jo Bloggs", "phone": "(07700) 900-111"})
    ids = {customer_of(first["order_id"]), customer_of(second["order_id"]), call["customer_id"]}
    assert len(ids) == 1 and None not in ids
    [customer_id] = ids
    r = as_("dispatcher").get(f"/customers/{customer_id}")
    assert r.status == 200, r
    assert r.json["orders_count"] == 3 and len(r.json["orders"]) == 3
    assert r.json["email"] == "jo@example.net" and r.json["phone"] == "+447700900111"
    assert [o["order_id"] for o in r.json["orders"]] == [call["order_id"], second["order_id"], first["order_id"]]
    # Each order keeps its own snapshot of what was given.
    assert {o["customer"]["email"] for o in r.json["orders"]} == {"jo@example.net", None}
    assert [a["postcode"] for a in r.json["addresses"]] == ["BS1 1AA", "BS1 4DJ"]


def test_the_order_view_and_list_carry_the_customer_id(as_, new_order):
    order = new_order()
    assert order["customer_id"].startswith("C-")
    listed = as_("dispatcher").get("/orders").json["orders"]
    assert any(o["order_id"] == order["order_id"] and o["customer_id"] == order["customer_id"] for o in listed)


def test_two_simultaneous_first_bookings_by_one_new_person_create_one_customer(world):
    from chalicelib.customers import records

    barrier, found, errors = threading.Barrier(6), [], []

    def one(i):
        try:
            barrier.wait()
            found.append(records.find_or_create({"name": "Ada", "email": "ADA@example.net" if i % 2 else "ada@example.net",
                                                 "phone": "+44 7700 900555"}, None, FIXED_NOW, "web").customer_id)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == [] and len(set(found)) == 1 and len(found) == 6


def test_a_phone_intake_can_name_the_customer_and_an_unknown_one_is_refused(as_):
    grace = new_customer(as_)
    order = phone_call(as_, {"name": "G. Hopper", "phone": "0117 496 0000"}, customer_id=grace["customer_id"])
    assert order["customer_id"] == grace["customer_id"]
    r = as_("dispatcher").post("/orders", {"customer": {"name": "X", "phone": "0117 496 0001"}, "customer_id": "C-NOPE",
                                           "address": {"street": "1 A St", "city": "Bath", "postcode": "BA1 1AA"}})
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "customer_id"


def test_a_phone_number_that_cannot_be_dialled_is_refused_with_what_is_missing(as_):
    r = as_("dispatcher").post("/orders", {"customer": {"name": "X", "phone": "7700 900111"},
                                           "address": {"street": "1 A St", "city": "Bath", "postcode": "BA1 1AA"}})
    assert r.status == 422, r
    assert r.json["error"]["details"] == [{"field": "customer.phone", "message": "needs its country code (+44 ...) or the national number with its leading 0"}]


# --- search ---------------------------------------------------------------------------------------

def test_search_finds_by_phone_in_any_format_email_in_any_case_name_prefix_postcode_and_order_id(as_):
    order = phone_call(as_, {"name": "Margaret Holloway-Smith", "email": "M.Holloway@Example.net", "phone": "+44 (0)117 496 0123"},
                       address={"street": "7 Orchard Lane", "city": "Bristol", "postcode": "BS6 5AB"})
    customer_id = order["customer_id"]
    for q, kind in [("01174960123", "phone"), ("+44 117 496 0123", "phone"), ("0044 117-496-0123", "phone"),
                    ("m.holloway@EXAMPLE.NET", "email"), ("marg", "name"), ("Margaret H", "name"), ("smi", "name"),
                    ("holloway", "name"), ("bs65ab", "postcode"), ("BS6 5AB", "postcode"), (order["order_id"].lower(), "order")]:
        with dynamodb_calls(skip=staff_check(whole_table=True)) as calls:
            answer = find(as_, q)
        assert answer["matched_by"] == kind, q
        assert [c["customer_id"] for c in answer["customers"]] == [customer_id], q
        assert sum(calls.values()) <= 2, (q, calls)
        assert "Scan" not in calls
    [hit] = find(as_, "07700 000000")["customers"] or [None]
    assert hit is None
    assert find(as_, "nobody@example.net")["customers"] == []


def test_a_one_letter_name_search_and_an_empty_one_are_refused(as_):
    assert as_("dispatcher").get("/customers?q=j").status == 422
    assert as_("dispatcher").get("/customers").status == 422


def test_search_pages_with_a_cursor_and_refuses_one_it_did_not_give(as_):
    for i in range(5):
        new_customer(as_, name=f"Pat Quinn {i}", email=f"pat{i}@example.net", addresses=[
            {"street": f"{i} Mill Road", "city": "Bath", "postcode": "BA1 2QT"}])
    first = find(as_, "BA1 2QT", limit="3")
    assert len(first["customers"]) == 3 and first["next_cursor"]
    rest = find(as_, "BA1 2QT", limit="3", cursor=first["next_cursor"])
    seen = [c["customer_id"] for c in first["customers"] + rest["customers"]]
    assert len(seen) == len(set(seen)) == 5
    r = as_("dispatcher").get(f"/customers?q=pat&cursor={first['next_cursor']}")  # another search's cursor
    assert r.status == 400 and r.json["error"]["code"] == "invalid_cursor"
    assert as_("dispatcher").get("/customers?q=pat&cursor=%%%").status == 400


def test_technicians_cannot_search_customers(as_):
    assert as_("tech1").get("/customers?q=jo").status == 403


# --- create and edit -----------------------------------------------------------------------------

def test_a_customer_created_by_the_office_is_found_and_a_second_with_its_email_is_refused(as_):
    grace = new_customer(as_, phone="0117 496 0999", marketing_consent=True, notes="Prefers mornings")
    assert grace["phone"] == "+441174960999" and grace["marketing_consent"] is True and grace["version"] == 1
    r = as_("dispatcher").post("/customers", {"name": "Other", "email": "GRACE@example.net"})
    assert r.status == 409 and r.json["error"]["code"] == "customer_exists"
    assert r.json["error"]["details"]["customer_id"] == grace["customer_id"]
    r = as_("dispatcher").post("/customers", {"name": "", "phone": "call me"})
    assert r.status == 422 and {d["field"] for d in r.json["error"]["details"]} == {"name", "phone"}


def test_editing_a_customer_needs_the_current_version_and_moves_its_search_keys(as_):
    grace = new_customer(as_)
    r = as_("dispatcher").patch(f"/customers/{grace['customer_id']}", {"email": "g.hopper@example.net", "name": "Grace B. Hopper",
                                                                       "expected_version": 1})
    assert r.status == 200 and r.json["version"] == 2, r
    assert find(as_, "grace@example.net")["customers"] == []
    assert [c["customer_id"] for c in find(as_, "G.Hopper@example.net")["customers"]] == [grace["customer_id"]]
    stale = as_("dispatcher").patch(f"/customers/{grace['customer_id']}", {"notes": "x", "expected_version": 1})
    assert stale.status == 409 and stale.json["error"]["details"]["current_version"] == 2
    other = new_customer(as_, name="Alan", email="alan@example.net")
    taken = as_("dispatcher").patch(f"/customers/{other['customer_id']}", {"email": "g.hopper@example.net", "expected_version": 1})
    assert taken.status == 409 and taken.json["error"]["code"] == "customer_exists"


# --- the customer's orders and invoices ------------------------------------------------------------

def test_a_customer_shows_its_orders_newest_first_and_its_invoices_with_their_balance(as_, clock):
    from chalicelib.data.models import LineItem, OrderModel
    from chalicelib.invoicing import lifecycle

    older = phone_call(as_, {"name": "Ivy", "email": "ivy@example.net"})
    clock.advance(hours=1)
    newer = phone_call(as_, {"name": "Ivy", "email": "ivy@example.net"})
    order = OrderModel.get(older["order_id"])
    order.line_items = [LineItem(item_id="LI-1", description="Glazing unit", quantity=1, unit_price_cents=16500,
                                 added_by="dispatcher-1", added_at=clock.now)]
    order.step = "completed"
    order.save()
    lifecycle.create_invoice(older["order_id"], clock.now)
    r = as_("dispatcher").get(f"/customers/{older['customer_id']}")
    assert [o["order_id"] for o in r.json["orders"]] == [newer["order_id"], older["order_id"]]
    [invoice] = r.json["invoices"]
    assert invoice["order_id"] == older["order_id"] and invoice["balance_cents"] == invoice["total_cents"] > 16500
    assert r.json["last_order_at"] == newer["created_at"]


# --- merging ---------------------------------------------------------------------------------------

def test_merging_a_duplicate_moves_its_orders_keys_and_counts_and_can_run_again(as_):
    kept = phone_call(as_, {"name": "Tom Baker", "email": "tom@example.net"})
    dup_a = phone_call(as_, {"name": "Thomas Baker", "phone": "07700 900222"},
                       address={"street": "4 Dock Rd", "city": "Bath", "postcode": "BA2 3DQ"})
    dup_b = phone_call(as_, {"name": "Thomas Baker", "phone": "07700 900222"})
    keep_id, dup_id = kept["customer_id"], dup_a["customer_id"]
    assert keep_id != dup_id and dup_b["customer_id"] == dup_id
    r = as_("dispatcher").post(f"/customers/{keep_id}/merge", {"from": dup_id})
    assert r.status == 200, r
    assert r.json["orders_moved"] == 2 and r.json["customer"]["orders_count"] == 3
    assert r.json["customer"]["phone"] == "+447700900222"
    assert {customer_of(o["order_id"]) for o in (kept, dup_a, dup_b)} == {keep_id}
    again = as_("dispatcher").post(f"/customers/{keep_id}/merge", {"from": dup_id})
    assert again.status == 200 and again.json["orders_moved"] == 0 and again.json["customer"]["orders_count"] == 3
    gone = as_("dispatcher").get(f"/customers/{dup_id}")
    assert gone.status == 404 and gone.json["error"]["details"]["merged_into"] == keep_id
    assert [c["customer_id"] for c in find(as_, "baker")["customers"]] == [keep_id]
    assert [c["customer_id"] for c in find(as_, "BA2 3DQ")["customers"]] == [keep_id]
    assert phone_call(as_, {"name": "Tom", "phone": "+447700900222"})["customer_id"] == keep_id


def test_merging_into_itself_or_into_a_merged_customer_is_refused(as_):
    a = new_customer(as_, name="A One", email="a1@example.net")["customer_id"]
    b = new_customer(as_, name="B Two", email="b2@example.net")["customer_id"]
    c = new_customer(as_, name="C Three", email="c3@example.net")["customer_id"]
    assert as_("dispatcher").post(f"/customers/{a}/merge", {"from": a}).status == 422
    assert as_("dispatcher").post(f"/customers/{a}/merge", {"from": b}).status == 200
    assert as_("dispatcher").post(f"/customers/{b}/merge", {"from": c}).status == 409
    assert as_("dispatcher").post(f"/customers/{c}/merge", {"from": b}).status == 409  # b is a's already
    assert as_("dispatcher").post(f"/customers/{a}/merge", {"from": "C-NOPE"}).status == 422


def test_a_merge_cut_off_after_pointing_the_duplicate_is_finished_by_running_it_again(as_, monkeypatch):
    from chalicelib.customers import merge

    kept = phone_call(as_, {"name": "Ann", "email": "ann@example.net"})["customer_id"]
    dup = phone_call(as_, {"name": "Ann", "email": "ann.other@example.net"})
    with monkeypatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(merge, "_drop_keys", lambda source: (_ for _ in ()).throw(RuntimeError("cut off")))
        merge.merge(kept, {"from": dup["customer_id"]}, FIXED_NOW)
    assert customer_of(dup["order_id"]) == dup["customer_id"]  # cut off before its orders moved
    answer = merge.merge(kept, {"from": dup["customer_id"]}, FIXED_NOW)
    assert answer["orders_moved"] == 1 and answer["customer"]["orders_count"] == 2
    assert answer["customer"]["aliases"] == [{"kind": "email", "value": "ann.other@example.net"}]
    assert [c["customer_id"] for c in find(as_, "ann.other@example.net")["customers"]] == [kept]


# --- personal data ---------------------------------------------------------------------------------

def test_a_customer_s_data_is_exported_and_erasing_it_anonymises_orders_but_keeps_them(as_):
    order = phone_call(as_, {"name": "Erin Moss", "email": "erin@example.net", "phone": "07700 900333"},
                       address={"street": "2 Canal Walk", "city": "Bath", "postcode": "BA1 5AB"}, note="Gate code 1234")
    customer_id = order["customer_id"]
    exported = as_("dispatcher").get(f"/customers/{customer_id}/export")
    assert exported.status == 200, exported
    assert exported.json["customer"]["email"] == "erin@example.net"
    [line] = exported.json["orders"]
    assert line["address"]["street"] == "2 Canal Walk" and line["notes"][0]["text"] == "Gate code 1234"
    assert as_("dispatcher").post(f"/customers/{customer_id}/erase").status == 403
    r = as_("admin").post(f"/customers/{customer_id}/erase")
    assert r.status == 200 and r.json["orders_anonymised"] == 1, r
    assert r.json["customer"]["name"] == "Erased customer" and r.json["customer"]["email"] is None
    view = as_("dispatcher").get(f"/orders/{order['order_id']}").json
    assert view["customer"] == {"name": "Erased customer", "email": None, "phone": None}
    assert view["address"] == {"street": "(erased)", "city": "Bath", "postcode": "BA1"}
    for q in ("erin@example.net", "07700900333", "erin", "BA1 5AB"):
        assert find(as_, q)["customers"] == [], q
    assert as_("admin").post(f"/customers/{customer_id}/erase").status == 200  # again: nothing left to do
    assert phone_call(as_, {"name": "Erin Moss", "email": "erin@example.net"})["customer_id"] != customer_id


# --- the migration of older data ---------------------------------------------------------------------

def _order_without_customer(clock, name, email, phone, street="1 Old Road"):
    """An order as a version before customer records wrote it: details, no `customer_id`."""
    from chalicelib.core import ids as core_ids
    from chalicelib.data.models import OrderModel
    from chalicelib.orders import intake as orders_intake
    from chalicelib.staff.auth import Principal
    from chalicelib.workflow import versions

    intake = orders_intake.Intake({"name": name, "email": email, "phone": phone},
                                  {"street": street, "city": "Bristol", "postcode": "BS1 1AA"}, service_name="Glazing repair")
    order = orders_intake.build(core_ids.new_id("WO-"), Principal("dispatcher-1", "dispatcher", ("dispatcher",)),
                                intake, versions.current(), clock.now, "phone")
    order.save(condition=OrderModel.order_id.does_not_exist())
    clock.advance(minutes=5)
    return order.order_id


def test_the_migration_links_older_orders_to_customers_once(world, clock):
    from infra import migrate_customers

    older = [_order_without_customer(clock, "Old Timer", "old@example.net", None),
             _order_without_customer(clock, "Old Timer", "OLD@example.net", "0117 496 0777", street="2 Old Road"),
             _order_without_customer(clock, "Someone Else", None, "+44 117 496 0778")]
    assert migrate_customers.migrate(out=lambda line: None) == {"orders": 3, "linked": 3}
    linked = [customer_of(o) for o in older]
    assert linked[0] == linked[1] != linked[2] and None not in linked
    from chalicelib.customers import records

    timer = records.get(linked[0])
    assert timer.orders_count == 2 and timer.phone == "+441174960777" and len(timer.addresses) == 2
    assert timer.created_from == "migration"
    assert migrate_customers.migrate(out=lambda line: None) == {"orders": 3, "linked": 0}
    assert records.get(linked[0]).orders_count == 2


def test_an_older_world_gets_the_customers_tables_and_the_orders_index(world):
    from chalicelib.core.aws import client
    from chalicelib.data.customers import CustomerKeyModel, CustomerModel
    from chalicelib.data.models import OrderModel
    from infra import migrate_customers

    assert migrate_customers.ensure_schema() is False  # a world of this version lacks nothing
    dynamodb = client("dynamodb")
    for model in (CustomerModel, CustomerKeyModel, OrderModel):
        dynamodb.delete_table(TableName=model.Meta.table_name)
    schema = OrderModel._get_schema()
    dynamodb.create_table(  # the orders table as the version before customers made it
        TableName=OrderModel.Meta.table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[d for d in schema["attribute_definitions"] if d["AttributeName"] in ("order_id", "list_pk", "created_at")],
        GlobalSecondaryIndexes=[{"IndexName": "by-created", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "list_pk", "KeyType": "HASH"},
                                               {"AttributeName": "created_at", "KeyType": "RANGE"}]}])
    assert migrate_customers.ensure_schema() is True
    indexes = dynamodb.describe_table(TableName=OrderModel.Meta.table_name)["Table"]["GlobalSecondaryIndexes"]
    assert "by-customer" in {i["IndexName"] for i in indexes}
    assert CustomerModel.exists() and CustomerKeyModel.exists()
    assert migrate_customers.ensure_schema() is False


def test_erasing_a_customer_also_wipes_the_duplicates_merged_into_it(as_):
    from chalicelib.customers import records

    kept = phone_call(as_, {"name": "Nora Vale", "email": "nora@example.net"})["customer_id"]
    dup = phone_call(as_, {"name": "N. Vale", "phone": "07700 900444"})["customer_id"]
    assert as_("dispatcher").post(f"/customers/{kept}/merge", {"from": dup}).status == 200
    assert as_("admin").post(f"/customers/{kept}/erase").json["orders_anonymised"] == 2
    duplicate = records.get(dup)
    assert (duplicate.name, duplicate.email, duplicate.phone, duplicate.merged_into) == ("Erased customer", None, None, kept)
    assert find(as_, "07700 900444")["customers"] == [] and find(as_, "vale")["customers"] == []
