"""Quotes, the staff side: making a quote on an order (numbered, idempotent, the technician's
limits), editing a draft, revisions, reading and listing."""
import pytest

from tests.support import races

pytestmark = pytest.mark.usefixtures("world")

WINDOWS = {"price_item_id": "window-casement", "quantity": 3}
FRAMES = {"description": "Remove and dispose of old frames", "quantity": 1, "unit_price_cents": 12000}
VENTS = {"price_item_id": "sealant", "quantity": 3, "optional": True}


def quote_body(**overrides):
    body = {"title": "Replacement windows", "lines": [WINDOWS, FRAMES, VENTS]}
    body.update(overrides)
    return body


def make_quote(as_, order_id, who="dispatcher", headers=None, **overrides):
    r = as_(who).post(f"/orders/{order_id}/quotes", quote_body(**overrides), headers=headers)
    assert r.status == 201, r
    return r.json


def test_a_quote_is_numbered_priced_from_the_price_list_and_copies_the_order(as_, new_order):
    order = new_order()
    q = make_quote(as_, order["order_id"])
    assert q["number"] == "Q-2026-000001" and q["revision"] == "A" and q["reference"] == "Q-2026-000001-A"
    assert q["status"] == "draft" and q["version"] == 1 and q["order_id"] == order["order_id"]
    assert q["customer"] == {"name": "Ada Lovelace", "email": "ada@example.net", "phone": "+44 7700 900001"}
    assert q["address"]["postcode"] == "BS1 1AA"
    windows, frames, vents = q["lines"]
    assert windows["description"] == "Casement window, supply and fit" and windows["unit_price_cents"] == 42000
    assert windows["total_cents"] == 126000 and frames["total_cents"] == 12000 and vents["optional"] is True
    assert len({line["line_id"] for line in q["lines"]}) == 3
    # 20 % VAT on the required lines only; the optional line is the customer's to add
    assert q["totals"] == {"subtotal_cents": 138000, "tax_cents": 27600, "total_cents": 165600,
                           "deposit_cents": 0, "balance_cents": 165600}
    assert q["optional_cents"] == 3600
    assert q["valid_until"] == "2026-12-30" and q["kind"] == "installation"
    assert q["created_by"] == {"user_id": "dispatcher-1", "name": "Dana Whitfield"}
    assert "token" not in q and "token" not in str(q)


def test_numbers_are_gapless_and_shared_by_no_two_quotes(as_, new_order):
    orders = [new_order()["order_id"] for _ in range(3)]
    calls = [lambda o=o: as_("dispatcher").post(f"/orders/{o}/quotes", quote_body()) for o in orders * 2]
    answers = races.race(*calls)
    assert all(a.status == 201 for a in answers), answers
    assert sorted(a.json["number"] for a in answers) == [f"Q-2026-{n:06d}" for n in range(1, 7)]


def test_a_replayed_idempotency_key_answers_the_first_answer_and_makes_one_quote(as_, new_order):
    order_id = new_order()["order_id"]
    key = {"Idempotency-Key": "quote-key-0001"}
    first, again = (as_("dispatcher").post(f"/orders/{order_id}/quotes", quote_body(), headers=key) for _ in range(2))
    assert first.status == again.status == 201 and first.json == again.json
    listed = as_("dispatcher").get(f"/orders/{order_id}/quotes").json["quotes"]
    assert [q["quote_id"] for q in listed] == [first.json["quote_id"]]
    other = as_("dispatcher").post(f"/orders/{order_id}/quotes", quote_body(title="Other"), headers=key)
    assert other.status == 422 and other.json["error"]["code"] == "idempotency_key_reused"


def test_the_same_key_sent_twice_at_once_makes_one_quote(as_, new_order):
    order_id = new_order()["order_id"]
    key = {"Idempotency-Key": "quote-key-race-1"}
    api = as_("dispatcher")
    a, b = races.race(*[lambda: api.post(f"/orders/{order_id}/quotes", quote_body(), headers=key)] * 2)
    assert a.status == b.status == 201 and a.json["quote_id"] == b.json["quote_id"]
    assert len(api.get(f"/orders/{order_id}/quotes").json["quotes"]) == 1
    assert api.get("/quotes").json["quotes"][0]["number"] == "Q-2026-000001"


def test_a_technician_quotes_their_own_order_from_the_price_list_only(as_, new_order):
    mine = new_order()["order_id"]  # tech1's
    theirs = new_order(technician_id="tech-2")["order_id"]
    tech = as_("tech1")
    r = tech.post(f"/orders/{theirs}/quotes", quote_body(lines=[WINDOWS]))
    assert r.status == 403
    r = tech.post(f"/orders/{mine}/quotes", quote_body(lines=[WINDOWS, FRAMES]))
    assert r.status == 403  # a price: the office's
    r = tech.post(f"/orders/{mine}/quotes", quote_body(lines=[WINDOWS, {"description": "Extra", "quantity": 1}]))
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "lines[1].price_item_id"
    r = tech.post(f"/orders/{mine}/quotes", quote_body(lines=[WINDOWS]))
    assert r.status == 201 and r.json["created_by"]["name"] == "Sam Fischer"
    assert tech.get(f"/quotes/{r.json['quote_id']}").status == 200
    office_quote = make_quote(as_, theirs)
    assert tech.get(f"/quotes/{office_quote['quote_id']}").status == 404
    assert tech.get(f"/orders/{theirs}/quotes").status == 404
    assert tech.get("/quotes").status == 403


def test_bad_bodies_are_refused_field_by_field_and_write_nothing(as_, new_order):
    order_id = new_order()["order_id"]
    api = as_("dispatcher")
    r = api.post(f"/orders/{order_id}/quotes", {
        "lines": [{"price_item_id": "no-such-item", "quantity": 1}, {"description": "x", "quantity": 0, "unit_price_cents": -1},
                  "not a line", {"price_item_id": "sealant", "quantity": 1, "optional": "yes"}],
        "valid_until": "2026-11-01", "deposit": {"percent_basis_points": 0}, "kind": "gardening", "colour": "blue",
        "title": "Windows\r\nBcc: x@example.com",
    })
    assert r.status == 422
    fields = {d["field"] for d in r.json["error"]["details"]}
    assert {"lines[0].price_item_id", "lines[1].quantity", "lines[1].unit_price_cents", "lines[2]",
            "lines[3].optional", "valid_until", "deposit.percent_basis_points", "kind", "colour", "title"} <= fields
    too_many = api.post(f"/orders/{order_id}/quotes", quote_body(lines=[WINDOWS] * 101))
    assert too_many.status == 422 and too_many.json["error"]["details"][0]["field"] == "lines"
    assert api.post("/orders/WO-NOPE/quotes", quote_body()).status == 404
    assert api.get(f"/orders/{order_id}/quotes").json["quotes"] == []
    first = make_quote(as_, order_id)
    assert first["number"] == "Q-2026-000001"  # nothing refused took a number


def test_the_business_quote_settings_give_the_defaults(as_, new_order):
    admin = as_("admin")
    r = admin.put("/business", {"quotes": {"validity_days": 14, "terms": "Prices held for 14 days.",
                                           "deposit": {"percent_basis_points": 2500}}})
    assert r.status == 200, r
    q = make_quote(as_, new_order()["order_id"])
    assert q["valid_until"] == "2026-12-14" and q["terms"] == "Prices held for 14 days."
    assert q["deposit"] == {"percent_basis_points": 2500}
    assert q["totals"]["deposit_cents"] == 41400 and q["totals"]["balance_cents"] == 165600 - 41400
    none = make_quote(as_, new_order()["order_id"], deposit=None, valid_until="2027-01-15", terms=None)
    assert none["deposit"] is None and none["valid_until"] == "2027-01-15" and none["terms"] is None
    fixed = make_quote(as_, new_order()["order_id"], deposit={"amount_cents": 50000})
    assert fixed["totals"]["deposit_cents"] == 50000


def test_a_draft_is_edited_at_the_version_read(as_, new_order):
    q = make_quote(as_, new_order()["order_id"])
    api = as_("dispatcher")
    windows_id = q["lines"][0]["line_id"]
    r = api.patch(f"/quotes/{q['quote_id']}", {"expected_version": 1, "notes": "Scaffolding included.",
                                               "lines": [{"line_id": windows_id, "price_item_id": "window-casement", "quantity": 4}]})
    assert r.status == 200, r
    assert r.json["version"] == 2 and r.json["notes"] == "Scaffolding included." and r.json["title"] == "Replacement windows"
    assert [line["line_id"] for line in r.json["lines"]] == [windows_id] and r.json["totals"]["subtotal_cents"] == 168000
    stale = api.patch(f"/quotes/{q['quote_id']}", {"expected_version": 1, "notes": "Lost update"})
    assert stale.status == 409 and stale.json["error"]["details"]["current_version"] == 2
    missing = api.patch(f"/quotes/{q['quote_id']}", {"notes": "no version"})
    assert missing.status == 422
    assert api.get(f"/quotes/{q['quote_id']}").json["notes"] == "Scaffolding included."


def test_two_editors_of_one_draft_one_wins_the_other_gets_409(as_, new_order):
    q = make_quote(as_, new_order()["order_id"])
    api = as_("dispatcher")
    with races.all_read_first(_quotes_table()):
        a, b = races.race(lambda: api.patch(f"/quotes/{q['quote_id']}", {"expected_version": 1, "notes": "A"}),
                          lambda: api.patch(f"/quotes/{q['quote_id']}", {"expected_version": 1, "notes": "B"}))
    assert sorted([a.status, b.status]) == [200, 409]


def _quotes_table():
    from chalicelib.data.quotes import QuoteModel

    return QuoteModel.Meta.table_name


def test_quotes_are_listed_newest_first_by_status_a_page_at_a_time(as_, new_order, clock):
    api = as_("dispatcher")
    made = []
    for _ in range(5):
        made.append(make_quote(as_, new_order()["order_id"]))
        clock.advance(minutes=1)
    page = api.get("/quotes?limit=2").json
    assert [q["quote_id"] for q in page["quotes"]] == [made[4]["quote_id"], made[3]["quote_id"]]
    rest = []
    cursor = page["next_cursor"]
    while cursor:
        more = api.get(f"/quotes?limit=2&cursor={cursor}").json
        rest += more["quotes"]
        cursor = more["next_cursor"]
    assert [q["quote_id"] for q in rest] == [m["quote_id"] for m in reversed(made[:3])]
    drafts = api.get("/quotes?status=draft").json["quotes"]
    assert len(drafts) == 5 and drafts[0]["reference"] == made[4]["reference"]
    assert api.get("/quotes?status=sent").json == {"quotes": [], "next_cursor": None}
    assert api.get("/quotes?status=won").status == 422
    bad = api.get("/quotes?status=sent&cursor=" + page["next_cursor"])
    assert bad.status == 400 and bad.json["error"]["code"] == "invalid_cursor"
    assert api.get("/quotes?cursor=garbage").status == 400


def test_the_quote_settings_are_read_and_changed_with_the_business_settings(as_):
    admin = as_("admin")
    assert admin.get("/business").json["quotes"] == {"validity_days": 30, "reminder_days": [3, 7], "terms": "",
                                                     "deposit": None}
    bad = admin.put("/business", {"quotes": {"validity_days": 0, "reminder_days": [7, 3], "deposit": {"percent_basis_points": 0}}})
    assert bad.status == 422
    assert {d["field"] for d in bad.json["error"]["details"]} == {
        "quotes.validity_days", "quotes.reminder_days", "quotes.deposit.percent_basis_points"}
    r = admin.put("/business", {"quotes": {"reminder_days": [2], "deposit": {"amount_cents": 25000}}})
    assert r.status == 200 and r.json["quotes"]["reminder_days"] == [2]
    again = admin.put("/business", {"quotes": {"terms": "Valid for 30 days."}})
    assert again.json["quotes"] == {"validity_days": 30, "reminder_days": [2], "terms": "Valid for 30 days.",
                                    "deposit": {"amount_cents": 25000}}
    assert admin.get("/business").json["quotes"] == again.json["quotes"]
    assert as_("dispatcher").put("/business", {"quotes": {"validity_days": 10}}).status == 403


def test_the_job_service_must_exist_and_be_of_the_quote_kind(as_, new_order):
    order_id = new_order()["order_id"]
    api = as_("dispatcher")
    ok = api.post(f"/orders/{order_id}/quotes", quote_body(service_id="window-install"))
    assert ok.status == 201 and ok.json["service_id"] == "window-install" and ok.json["kind"] == "installation"
    missing = api.post(f"/orders/{order_id}/quotes", quote_body(service_id="no-such-service"))
    assert missing.status == 422 and missing.json["error"]["details"][0]["field"] == "service_id"
    from infra.demo_data import PROCESS_MAP

    published = as_("admin").put("/workflow?kind=repair", {**PROCESS_MAP, "note": "Repairs have a map of their own",
                                                           "kind_label": "Repair"})
    assert published.status == 201, published
    other_kind = api.post(f"/orders/{order_id}/quotes", quote_body(kind="repair", service_id="window-install"))
    assert other_kind.status == 422 and other_kind.json["error"]["details"][0]["field"] == "service_id"
    repair = api.post(f"/orders/{order_id}/quotes", quote_body(kind="repair"))
    assert repair.status == 201 and repair.json["kind"] == "repair"
    changed = api.patch(f"/quotes/{ok.json['quote_id']}", {"expected_version": 1, "kind": "repair"})
    assert changed.status == 422 and changed.json["error"]["details"][0]["field"] == "service_id"


def test_free_text_lines_follow_the_business_rule(as_, new_order):
    assert as_("admin").put("/business", {"allow_free_text_items": False}).status == 200
    r = as_("dispatcher").post(f"/orders/{new_order()['order_id']}/quotes", quote_body())
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "lines[1].price_item_id"
