"""GET /orders for the office's list screen: text search (an order id, or customers found by
phone, email, postcode or name, and their orders), overdue orders (past their step's SLA), those
combined with the other filters, paging that visits every match once, and bad input (422/400).
Every read is by key or index (the scan guard fails any Scan)."""
import pytest

from chalicelib.core import settings as app_settings
from chalicelib.orders import listing
from tests.support.helpers import dynamodb_calls, staff_check
from tests.support import sla_clock


@pytest.fixture(autouse=True)
def _slas_in_calendar_time(monkeypatch):
    """These tests are about the order list, not the SLA's clock: SLAs count every minute here
    (tests/support/sla_clock.py)."""
    sla_clock.count_calendar_time(monkeypatch)

ADA = {"name": "Ada Lovelace", "email": "ada@example.net", "phone": "+44 7700 900001"}
ALAN = {"name": "Alan Turing", "email": "alan@example.net", "phone": "+44 7700 900002"}
GRACE = {"name": "Grace Hopper", "email": "grace@example.net", "phone": "+44 7700 900003"}
AT_ALAN = {"street": "2 Bletchley Road", "city": "Bristol", "postcode": "BS6 5AB"}


def listed(as_, query: str = "") -> dict:
    r = as_("dispatcher").get("/orders" + (f"?{query}" if query else ""))
    assert r.status == 200, r
    return r.json


def ids(answer: dict) -> list[str]:
    return [o["order_id"] for o in answer["orders"]]


def every_page(as_, query: str, pages_at_most: int = 20) -> tuple[list[str], int]:
    seen, cursor, pages = [], None, 0
    while True:
        answer = listed(as_, query + (f"&cursor={cursor}" if cursor else ""))
        pages += 1
        seen += ids(answer)
        cursor = answer["next_cursor"]
        if not cursor:
            return seen, pages
        assert pages < pages_at_most


def move(as_, order: dict, to: str) -> dict:
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


@pytest.fixture
def people(new_order, clock):
    """Orders of three customers, a minute apart: Ada 2 (one by tech2), Alan 2 (at BS6 5AB), Grace 1."""
    made = {}
    for name, customer, extra in [("ada1", ADA, {}), ("alan1", ALAN, {"address": AT_ALAN}), ("grace", GRACE, {}),
                                  ("ada2", ADA, {"technician_id": "tech-2"}), ("alan2", ALAN, {"address": AT_ALAN})]:
        clock.advance(minutes=1)
        made[name] = new_order(customer=customer, **extra)
    return made


def test_an_order_id_finds_that_order_in_any_case(as_, people):
    order_id = people["grace"]["order_id"]
    assert ids(listed(as_, f"q={order_id.lower()}")) == [order_id]
    assert listed(as_, "q=WO-NOSUCHORDER1")["orders"] == []


@pytest.mark.parametrize("q", ["07700 900002", "%2B447700900002", "ALAN@example.net", "bs65ab", "BS6+5AB"])
def test_a_phone_email_or_postcode_finds_the_customer_s_orders_newest_first(as_, people, q):
    assert ids(listed(as_, f"q={q}")) == [people["alan2"]["order_id"], people["alan1"]["order_id"]]


def test_a_name_finds_every_matching_customer_s_orders_and_no_one_else_s(as_, people):
    got = ids(listed(as_, "q=Al"))
    assert got == [people["alan2"]["order_id"], people["alan1"]["order_id"]]
    # "lo" is the start of Lovelace (a later word of Ada's name): Ada's two orders.
    assert set(ids(listed(as_, "q=lo"))) == {people["ada1"]["order_id"], people["ada2"]["order_id"]}
    assert listed(as_, "q=Zebedee")["orders"] == []


def test_a_customer_whose_two_names_match_is_listed_once(as_, new_order):
    order = new_order(customer={"name": "Anna Annabel", "email": "anna@example.net", "phone": "+44 7700 900004"})
    seen, _ = every_page(as_, "q=ann&limit=1")
    assert seen == [order["order_id"]]


def test_text_search_pages_through_customers_and_their_orders_each_once(as_, people, new_order, clock):
    clock.advance(minutes=1)
    alice = new_order(customer={"name": "Alice Liddell", "email": "alice@example.net", "phone": "+44 7700 900005"})
    expected = {people["alan1"]["order_id"], people["alan2"]["order_id"], alice["order_id"]}
    for limit in (1, 2, 3):
        seen, pages = every_page(as_, f"q=al&limit={limit}")
        assert sorted(seen) == sorted(expected) and len(seen) == len(expected), limit
        assert pages <= len(expected) // limit + 1, "no empty page after the last"


def test_text_search_combines_with_step_technician_and_dates(as_, people, clock):
    clock.advance(minutes=1)
    move(as_, people["ada1"], "scheduled")
    ada = {people["ada1"]["order_id"], people["ada2"]["order_id"]}
    assert ids(listed(as_, "q=ada@example.net&step=scheduled")) == [people["ada1"]["order_id"]]
    assert ids(listed(as_, "q=ada&technician=tech-2")) == [people["ada2"]["order_id"]]
    start = people["ada2"]["appointment"]["start"][:10]
    assert ids(listed(as_, f"q=ada&from={start}&to={start}T23:59:59Z")) == [people["ada2"]["order_id"]]
    assert set(ids(listed(as_, "q=lovelace"))) == ada


@pytest.fixture
def late(new_order, as_, clock):
    """From 08:00, a minute apart, four orders wait in `requested` (SLA 4 h); `held` goes on hold
    (SLA 3 days) at 08:05, `booked` is scheduled (SLA 14 days). Four days later `first` and `second` are past the
    requested SLA and `held` past on hold's; `booked` is not; `fresh`, made then, is not yet."""
    made = {}
    for name in ("first", "second", "held", "booked"):
        made[name] = new_order()
        clock.advance(minutes=1)
    clock.advance(minutes=1)
    made["held"] = move(as_, made["held"], "on_hold")
    made["booked"] = move(as_, made["booked"], "scheduled")
    clock.advance(days=4)
    made["fresh"] = new_order(technician_id="tech-2")
    return made


def test_overdue_lists_open_orders_past_their_step_s_sla_the_longest_overdue_first(as_, late):
    answer = listed(as_, "overdue=true")
    by_id = {o["order_id"]: o for o in answer["orders"]}
    # A step at a time (on_hold before requested, by key), the longest overdue first within it.
    assert ids(answer) == [late["held"]["order_id"], late["first"]["order_id"], late["second"]["order_id"]]
    assert all(o["overdue"] for o in answer["orders"])
    assert by_id[late["held"]["order_id"]]["sla_due_at"] == "2026-12-03T08:05:00Z"
    assert listed(as_, "overdue=false")["orders"][0]["order_id"] == late["fresh"]["order_id"], "false: no filter"


def test_overdue_combines_with_step_and_technician(as_, late, clock):
    assert ids(listed(as_, "overdue=true&step=on_hold")) == [late["held"]["order_id"]]
    assert listed(as_, "overdue=true&step=scheduled")["orders"] == []
    assert listed(as_, "overdue=true&technician=tech-2")["orders"] == []
    clock.advance(hours=5)
    assert ids(listed(as_, "overdue=1&technician=tech-2")) == [late["fresh"]["order_id"]]
    assert ids(listed(as_, "technician=tech-2&overdue=true&step=requested")) == [late["fresh"]["order_id"]]


@pytest.mark.parametrize("limit", [1, 2])
def test_overdue_pages_across_steps_each_order_once(as_, late, limit):
    seen, _ = every_page(as_, f"overdue=true&limit={limit}")
    assert seen == [late["held"]["order_id"], late["first"]["order_id"], late["second"]["order_id"]]


def test_a_row_carries_what_the_list_shows(as_, late):
    row = {o["order_id"]: o for o in listed(as_, "overdue=true")["orders"]}[late["first"]["order_id"]]
    assert row["customer"]["name"] == "Ada Lovelace" and row["service_name"] == "Window installation"
    assert (row["step"], row["step_label"]) == ("requested", "Requested")
    assert row["technician"]["name"] == "Sam Fischer"
    assert row["appointment"] == late["first"]["appointment"]
    assert row["created_at"] == "2026-11-30T08:00:00Z"
    assert row["sla_due_at"] == "2026-11-30T12:00:00Z" and row["overdue"] is True
    booked = {o["order_id"]: o for o in listed(as_, "step=scheduled")["orders"]}[late["booked"]["order_id"]]
    assert booked["overdue"] is False and booked["sla_due_at"] == "2026-12-14T08:05:00Z"


def test_a_page_that_reads_too_much_says_partial_and_its_cursor_goes_on(as_, new_order, clock, monkeypatch):
    """Ada's six orders, only the oldest tech2's: `q=ada&technician=tech-2` reads her orders
    newest first and tests the technician on each, two rows a call, three calls a page."""
    made = []
    for n in range(6):
        clock.advance(minutes=1)
        made.append(new_order(technician_id="tech-2" if n == 0 else "tech-1")["order_id"])
    monkeypatch.setattr(listing, "READS_PER_PAGE", 3)
    monkeypatch.setattr(listing, "FILTERED_PAGE_SIZE", 2)
    first = listed(as_, "q=ada&technician=tech-2")
    assert first["orders"] == [] and first["partial"] is True and first["next_cursor"]
    seen, cursor, partial_pages = [], None, 0
    for _ in range(10):
        answer = listed(as_, "q=ada&technician=tech-2" + (f"&cursor={cursor}" if cursor else ""))
        seen += ids(answer)
        partial_pages += answer["partial"]
        cursor = answer["next_cursor"]
        if not cursor:
            break
    assert seen == [made[0]] and partial_pages >= 1
    monkeypatch.setattr(listing, "READS_PER_PAGE", 12)
    assert ids(listed(as_, "q=ada&technician=tech-2")) == [made[0]], "with reads to spare: one full answer"


def test_a_filtered_page_fills_up_across_reads(as_, new_order, clock, monkeypatch):
    monkeypatch.setattr(listing, "FILTERED_PAGE_SIZE", 2)
    made = []
    for n in range(6):
        clock.advance(minutes=1)
        made.append(new_order(technician_id="tech-2" if n % 2 else "tech-1")["order_id"])
    answer = listed(as_, "step=requested&q=ada&technician=tech-2&limit=3")
    assert ids(answer) == [made[5], made[3], made[1]] and answer["partial"] is False


def test_a_text_search_reads_by_key_in_a_few_calls(as_, people):
    with dynamodb_calls(skip=staff_check(whole_table=True)) as calls:
        answer = listed(as_, "q=alan@example.net")
    assert len(answer["orders"]) == 2
    assert "Scan" not in calls and sum(calls.values()) <= 4, calls  # key, by-customer, process map, staff
    with dynamodb_calls(skip=staff_check(whole_table=True)) as calls:
        listed(as_, "q=al")
    assert "Scan" not in calls and sum(calls.values()) <= 6, calls


def test_a_cursor_from_one_listing_is_refused_by_another(as_, people, late):
    overdue = listed(as_, "overdue=true&limit=1")["next_cursor"]
    by_name = listed(as_, "q=al&limit=1")["next_cursor"]
    by_phone = listed(as_, "q=alan@example.net&limit=1")["next_cursor"]
    assert overdue and by_name and by_phone
    for query in (f"cursor={overdue}", f"q=al&cursor={overdue}", f"overdue=true&cursor={by_name}",
                  f"q=gr&cursor={by_name}", f"q=ada@example.net&cursor={by_phone}", f"overdue=true&step=requested&cursor={overdue}",
                  f"q={people['grace']['order_id']}&cursor={by_name}"):
        r = as_("dispatcher").get(f"/orders?{query}")
        assert r.status == 400 and r.json["error"]["code"] == "invalid_cursor", (query, r)


@pytest.mark.shared_world
@pytest.mark.parametrize("query,fields", [
    ("overdue=maybe", ["overdue"]),
    ("q=a", ["q"]),
    ("q=%21%21", ["q"]),
    ("q=" + "x" * 201, ["q"]),
    ("step=" + "s" * 201, ["step"]),
    ("overdue=yes&limit=ten&from=soon", ["from", "overdue", "limit"]),
])
def test_bad_filters_are_422_naming_each_field(as_, query, fields):
    r = as_("dispatcher").get(f"/orders?{query}")
    assert r.status == 422 and r.json["error"]["code"] == "validation_failed", r
    assert [d["field"] for d in r.json["error"]["details"]] == fields


@pytest.mark.shared_world
def test_the_list_is_for_the_office(as_):
    assert as_("tech1").get("/orders?q=ada").status == 403
    assert as_("admin").get("/orders?overdue=true").status == 200


def test_with_a_small_cap_the_default_page_is_the_cap_for_every_source(as_, people, monkeypatch):
    monkeypatch.setattr(app_settings, "ORDERS_PAGE_CAP", 1)
    for query in ("q=al", "q=alan@example.net", "overdue=false"):
        assert len(listed(as_, query)["orders"]) == 1, query


@pytest.mark.parametrize("query,most", [
    # Measured: each page also makes one BatchGetItem of its rows' technicians (staff table).
    ("", 2),                                  # by-created
    ("step=requested&technician=tech-1", 2),  # by-technician, the step tested per row
    ("q=WO-NOSUCHORDER1", 1),                 # GetItem of the order
    ("q=alan@example.net", 3),                # the email's key, the customer's orders
    ("q=al", 4),                              # a page of name keys, their records, each customer's orders
    ("overdue=true", 10),                     # the current map, a Query per step with an SLA (eight)
    ("overdue=true&step=requested", 3),
])
def test_each_listing_reads_by_key_in_few_calls(as_, people, query, most):
    listed(as_, query)  # the process map's versions are cached after a first read
    with dynamodb_calls(skip=staff_check(whole_table=True)) as calls:
        listed(as_, query)
    assert "Scan" not in calls and sum(calls.values()) <= most, calls
