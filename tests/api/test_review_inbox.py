"""The review inbox: per person, what the latest daily review flagged for the steps they own (the
same items as their digest), acknowledging an item (for that review) and snoozing it until a date
(for the next days' reviews too, and out of the digests meanwhile), whole reviews, and what is
refused.

The demo map: the dispatcher (dispatcher-1, Dana Whitfield) owns requested, scheduled, on the way,
in progress and on hold; the admin (admin-1, Alex Morgan) completed, invoiced and paid. The clock
is the test clock: Monday 30 November 2026, 08:00 in London."""
from datetime import timedelta
from urllib.parse import quote

import pytest

from chalicelib.core import settings
from chalicelib.data.models import ReviewModel
from chalicelib.data.review_actions import ReviewActionModel
from chalicelib.reviews import item_actions
from tests.support.helpers import body_part, saved_order, sent_emails, timeline
from tests.support.races import all_read_first, race
from tests.support.world import FIXED_NOW
from tests.support import sla_clock


@pytest.fixture(autouse=True)
def _slas_in_calendar_time(monkeypatch):
    """These tests are about the review inbox, not the SLA's clock: SLAs count every minute here
    (tests/support/sla_clock.py)."""
    sla_clock.count_calendar_time(monkeypatch)

DAY = "2026-11-30"


def flagged_world():
    """The dispatcher's: a request past its 4-hour SLA, and a scheduled order with no technician;
    the admin's: a completed order not invoiced."""
    breach = saved_order([("requested", FIXED_NOW - timedelta(hours=5))])
    lost = saved_order(timeline(FIXED_NOW - timedelta(hours=2), ("requested", 10), ("on_hold", 10), ("scheduled", None)),
                 technician=None)
    uninvoiced = saved_order(timeline(FIXED_NOW - timedelta(hours=4), ("requested", 30), ("scheduled", 30), ("en_route", 30),
                                ("in_progress", 30), ("completed", None)))
    return breach, lost, uninvoiced


def run_daily(as_, expected=201):
    r = as_("admin").post("/reviews/run", {"period": "daily"})
    assert r.status == expected, r
    return r.json


def item_path(key, action, day=DAY, period="daily"):
    return f"/reviews/{period}/{day}/items/{quote(key, safe='')}/{action}"


def digest_text(address):
    return [body_part(m, "plain") for m in sent_emails() if address in str(m["To"]) and "Daily review" in str(m["Subject"])]


# --- the inbox -----------------------------------------------------------------------------------

def test_the_inbox_is_empty_before_any_daily_review(world, as_):
    r = as_("dispatcher").get("/reviews/inbox")
    assert r.status == 200, r
    assert r.json == {"review": None, "today": DAY, "items": [], "snoozed": [],
                      "counts": {"open": 0, "acknowledged": 0, "snoozed": 0}}


def test_each_person_s_inbox_holds_what_their_digest_listed(world, clock, as_):
    breach, lost, uninvoiced = flagged_world()
    review = run_daily(as_)
    told = {t["to"]: sorted(t["items"]) for t in review["told"]}

    dispatcher = as_("dispatcher").get("/reviews/inbox")
    assert dispatcher.status == 200, dispatcher
    items = {i["order_id"]: i for i in dispatcher.json["items"]}
    assert set(items) == {breach.order_id, lost.order_id}
    assert sorted(i["key"] for i in dispatcher.json["items"]) == told["dispatcher-1"]
    first = items[breach.order_id]
    assert first["key"] == f"sla_breach:{breach.order_id}:requested"
    assert (first["customer_name"], first["service_name"], first["step_label"]) == ("Rita Review", "Glazing repair", "Requested")
    assert (first["owner"], first["owner_name"]) == ("dispatcher-1", "Dana Whitfield")
    assert first["since"] == "2026-11-30T07:00:00Z" and first["for"] == "1 h"  # the SLA ran out an hour ago
    assert first["todo"].startswith("Move it on from 'Requested'")
    assert (first["state"], first["acknowledged"], first["snooze"], first["escalated"]) == ("open", None, None, False)
    assert items[lost.order_id]["todo"].startswith("Assign a technician")
    assert dispatcher.json["review"] == {"period": "daily", "date": DAY, "status": "done", "checked_at": "2026-11-30T08:00:00Z",
                                         "link": "http://127.0.0.1:8000/office/#/reviews/daily/2026-11-30"}
    assert dispatcher.json["counts"] == {"open": 2, "acknowledged": 0, "snoozed": 0}

    admin = as_("admin").get("/reviews/inbox").json
    assert {i["order_id"] for i in admin["items"]} == {uninvoiced.order_id}  # past its SLA, and not invoiced
    assert sorted(i["key"] for i in admin["items"]) == told["admin-1"]


def test_technicians_have_no_review_inbox(world, as_):
    for path in ("/reviews/inbox", f"/reviews/daily/{DAY}"):
        assert as_("tech1").get(path).status == 403
    r = as_("tech1").post(item_path("sla_breach:WO-1:requested", "acknowledge"))
    assert r.status == 403 and r.json["error"]["code"] == "forbidden"


# --- acknowledging -------------------------------------------------------------------------------

def test_acknowledging_records_who_and_when_and_a_second_click_changes_nothing(world, clock, as_):
    breach, _, _ = flagged_world()
    run_daily(as_)
    key = f"sla_breach:{breach.order_id}:requested"
    clock.advance(minutes=5)
    first = as_("dispatcher").post(item_path(key, "acknowledge"))
    assert first.status == 200, first
    assert first.json["state"] == "acknowledged"
    assert first.json["acknowledged"] == {"by": "dispatcher-1", "by_name": "Dana Whitfield", "at": "2026-11-30T08:05:00Z"}

    clock.advance(seconds=1)  # the double click, and someone else a minute later: the first stands
    assert as_("dispatcher").post(item_path(key, "acknowledge")).json == first.json
    clock.advance(minutes=1)
    assert as_("admin").post(item_path(key, "acknowledge")).json["acknowledged"]["by"] == "dispatcher-1"
    record = ReviewActionModel.get(key)
    # version 2: the daily run wrote the item's record (reviews.accountability), the acknowledgement once
    assert [e["action"] for e in record.log] == ["acknowledge"] and int(record.version) == 2

    inbox = as_("dispatcher").get("/reviews/inbox").json
    assert {i["key"]: i["state"] for i in inbox["items"]}[key] == "acknowledged"
    assert inbox["counts"] == {"open": 1, "acknowledged": 1, "snoozed": 0}


def test_an_acknowledgement_answers_for_its_review_and_the_next_day_asks_again(world, clock, as_):
    breach, _, _ = flagged_world()
    run_daily(as_)
    key = f"sla_breach:{breach.order_id}:requested"
    assert as_("dispatcher").post(item_path(key, "acknowledge")).status == 200
    clock.advance(days=1)
    run_daily(as_)
    inbox = as_("dispatcher").get("/reviews/inbox").json
    assert inbox["review"]["date"] == "2026-12-01"
    assert {i["key"]: i["state"] for i in inbox["items"]}[key] == "open"
    # yesterday's review keeps its record
    yesterday = as_("dispatcher").get(f"/reviews/daily/{DAY}").json
    assert {i["key"]: i["state"] for i in yesterday["items"]}[key] == "acknowledged"


def test_item_keys_work_encoded_and_as_they_are(world, clock, as_):
    breach, lost, _ = flagged_world()
    run_daily(as_)
    encoded = as_("dispatcher").post(f"/reviews/daily/{DAY}/items/sla_breach%3A{breach.order_id}%3Arequested/acknowledge")
    assert encoded.status == 200 and encoded.json["key"] == f"sla_breach:{breach.order_id}:requested"
    raw = as_("dispatcher").post(f"/reviews/daily/{DAY}/items/no_technician:{lost.order_id}:scheduled/acknowledge")
    assert raw.status == 200 and raw.json["state"] == "acknowledged"


def test_two_people_acting_on_one_item_at_once_are_both_recorded_and_neither_overwrites(world, clock):
    """Both read the item's record (none yet), then both write: the version check makes the second
    read again, so both snoozes are in the log, and of two acknowledgements the first stands."""
    item = {"key": "sla_breach:WO-RACE:requested", "order_id": "WO-RACE"}
    with all_read_first(settings.REVIEW_ACTIONS_TABLE):
        outcomes = race(lambda: item_actions.snooze(item, "daily/2026-11-30", "2026-12-03", "Parts on order", "dispatcher-1", clock.now),
                        lambda: item_actions.snooze(item, "daily/2026-11-30", "2026-12-05", "Customer away", "admin-1", clock.now))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    record = ReviewActionModel.get(item["key"])
    assert sorted(e["by"] for e in record.log) == ["admin-1", "dispatcher-1"] and int(record.version) == 2
    assert record.snooze == {k: v for k, v in record.log[-1].items() if k != "action"}  # the later write is the snooze

    with all_read_first(settings.REVIEW_ACTIONS_TABLE):
        outcomes = race(lambda: item_actions.acknowledge(item, "daily/2026-12-01", "dispatcher-1", clock.now),
                        lambda: item_actions.acknowledge(item, "daily/2026-12-01", "admin-1", clock.now))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    record.refresh()
    assert [e["action"] for e in record.log].count("acknowledge") == 1
    assert outcomes[0].acknowledged == outcomes[1].acknowledged == record.acknowledged


# --- snoozing --------------------------------------------------------------------------------------

def test_a_snoozed_item_stays_out_of_the_inbox_and_the_digests_until_its_date(world, clock, as_):
    breach, lost, _ = flagged_world()
    run_daily(as_)
    key = f"sla_breach:{breach.order_id}:requested"
    r = as_("dispatcher").post(item_path(key, "snooze"), {"until": "2026-12-02", "reason": "Customer is away until Wednesday"})
    assert r.status == 200, r
    assert r.json["state"] == "snoozed"
    assert r.json["snooze"] == {"until": "2026-12-02", "reason": "Customer is away until Wednesday", "by": "dispatcher-1",
                                "by_name": "Dana Whitfield", "at": "2026-11-30T08:00:00Z", "review": "daily/2026-11-30"}
    inbox = as_("dispatcher").get("/reviews/inbox").json
    assert [i["key"] for i in inbox["items"]] == [f"no_technician:{lost.order_id}:scheduled"]
    assert [i["key"] for i in inbox["snoozed"]] == [key] and inbox["counts"]["snoozed"] == 1

    # Tuesday: still flagged by the review, still snoozed, left out of Dana's digest
    clock.advance(days=1)
    tuesday = run_daily(as_)
    assert key in [i["key"] for i in tuesday["report"]["items"]]
    assert [i["key"] for i in as_("dispatcher").get("/reviews/inbox").json["snoozed"]] == [key]
    assert breach.order_id not in digest_text("dispatcher@example.com")[-1]
    assert lost.order_id in digest_text("dispatcher@example.com")[-1]

    # Wednesday, the snooze's date: back in the inbox and the digest
    clock.advance(days=1)
    run_daily(as_)
    inbox = as_("dispatcher").get("/reviews/inbox").json
    assert {i["key"]: i["state"] for i in inbox["items"]}[key] == "open" and inbox["snoozed"] == []
    assert breach.order_id in digest_text("dispatcher@example.com")[-1]
    assert len(digest_text("dispatcher@example.com")) == 3


def test_snoozing_twice_records_once_and_a_new_date_replaces_the_snooze(world, clock, as_):
    breach, _, _ = flagged_world()
    run_daily(as_)
    key = f"sla_breach:{breach.order_id}:requested"
    body = {"until": "2026-12-04", "reason": "Waiting for the glass"}
    first = as_("dispatcher").post(item_path(key, "snooze"), body)
    clock.advance(seconds=1)
    assert as_("dispatcher").post(item_path(key, "snooze"), body).json == first.json
    clock.advance(minutes=10)
    later = as_("admin").post(item_path(key, "snooze"), {"until": "2026-12-07", "reason": "Glass delayed a week"})
    assert later.json["snooze"]["until"] == "2026-12-07" and later.json["snooze"]["by_name"] == "Alex Morgan"
    log = ReviewActionModel.get(key).log
    assert [(e["action"], e["by"], e["until"]) for e in log] == [("snooze", "dispatcher-1", "2026-12-04"),
                                                                ("snooze", "admin-1", "2026-12-07")]


@pytest.mark.parametrize("body, field", [
    ({"reason": "x"}, "until"),
    ({"until": "2026-12-02"}, "reason"),
    ({"until": "2026-12-02", "reason": "   "}, "reason"),
    ({"until": "02/12/2026", "reason": "x"}, "until"),
    ({"until": DAY, "reason": "today is not in the future"}, "until"),
    ({"until": "2026-11-29", "reason": "the past"}, "until"),
    ({"until": "2028-01-01", "reason": "too far"}, "until"),
    ({"until": 20261202, "reason": "x"}, "until"),
])
def test_a_snooze_needs_a_future_date_and_a_reason(world, clock, as_, body, field):
    breach, _, _ = flagged_world()
    run_daily(as_)
    r = as_("dispatcher").post(item_path(f"sla_breach:{breach.order_id}:requested", "snooze"), body)
    assert r.status == 422, r
    assert [d["field"] for d in r.json["error"]["details"]] == [field]
    record = ReviewActionModel.get(f"sla_breach:{breach.order_id}:requested")  # as the daily run wrote it
    assert (record.snooze, record.log, record.resolution) == (None, [], None)


def test_unknown_reviews_and_items_answer_404_and_bad_paths_422(world, clock, as_):
    dispatcher = as_("dispatcher")
    assert dispatcher.get(f"/reviews/daily/{DAY}").status == 404
    breach, _, _ = flagged_world()
    run_daily(as_)
    key = f"sla_breach:{breach.order_id}:requested"
    assert dispatcher.post(item_path(key, "acknowledge", day="2026-11-29")).status == 404
    missing = dispatcher.post(item_path("sla_breach:WO-NOPE:requested", "acknowledge"))
    assert missing.status == 404 and missing.json["error"]["details"] == {"key": "sla_breach:WO-NOPE:requested"}
    assert dispatcher.post(item_path(key, "snooze", period="weekly"), {"until": "2026-12-02", "reason": "x"}).status == 404
    assert dispatcher.get(f"/reviews/yearly/{DAY}").json["error"]["details"][0]["field"] == "period"
    assert dispatcher.get("/reviews/daily/30-11-2026").json["error"]["details"][0]["field"] == "date"
    assert dispatcher.post(item_path(key, "snooze"), raw="not json").status == 400
    record = ReviewActionModel.get(key)  # as the daily run wrote it: nothing acted
    assert (record.acknowledged, record.snooze, record.log, record.resolution) == ({}, None, [], None)


# --- a whole review ----------------------------------------------------------------------------------

def test_a_whole_daily_review_lists_every_item_with_owners_by_name(world, clock, as_):
    breach, lost, uninvoiced = flagged_world()
    run_daily(as_)
    as_("admin").post(item_path(f"not_invoiced:{uninvoiced.order_id}:completed", "snooze"),
                      {"until": "2026-12-01", "reason": "Invoice goes out with the second visit"})
    r = as_("dispatcher").get("/reviews/daily/2026-11-30")
    assert r.status == 200, r
    assert r.json["counts"] == {"sla_breach": 2, "no_technician": 1, "not_invoiced": 1}
    owners = {i["key"].split(":")[0] + ":" + i["order_id"]: (i["step_label"], i["owner_name"], i["state"]) for i in r.json["items"]}
    assert owners == {f"sla_breach:{breach.order_id}": ("Requested", "Dana Whitfield", "open"),
                      f"no_technician:{lost.order_id}": ("Scheduled", "Dana Whitfield", "open"),
                      f"sla_breach:{uninvoiced.order_id}": ("Completed", "Alex Morgan", "open"),
                      f"not_invoiced:{uninvoiced.order_id}": ("Completed", "Alex Morgan", "snoozed")}
    assert ReviewModel.count("daily") == 1


def test_a_whole_evaluation_points_to_its_report_page(world, clock, as_):
    r = as_("admin").post("/reviews/run", {"period": "weekly"})
    assert r.status == 201, r
    week = as_("dispatcher").get("/reviews/weekly/2026-11-25")  # any day of the week
    assert week.status == 200, week
    assert (week.json["period"], week.json["date"], week.json["report_page"]) == ("weekly", "2026-11-23", "#/reports/weekly/2026-11-23")
    assert week.json["link"] == "http://127.0.0.1:8000/office/#/reviews/weekly/2026-11-23"


def test_the_inbox_reads_in_the_same_few_calls_however_many_items_it_holds(world, clock, as_, monkeypatch):
    """DynamoDB calls of GET /reviews/inbox (the sign-in check included) with 3 items, then with
    23: the same, each kind of read batched."""
    import botocore.client

    calls = []
    original = botocore.client.BaseClient._make_api_call

    def counted(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(client, operation, params)

    def inbox_calls():
        as_("dispatcher").get("/reviews/inbox")  # tokens and caches warm
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
        calls.clear()
        r = as_("dispatcher").get("/reviews/inbox")
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)
        return r.json, sorted(calls)

    flagged_world()
    run_daily(as_)
    few, few_calls = inbox_calls()
    for i in range(20):
        saved_order([("requested", FIXED_NOW - timedelta(hours=5, minutes=i))])
    clock.advance(days=1)
    run_daily(as_)
    as_("admin").post(item_path(few["items"][0]["key"], "acknowledge", day="2026-12-01"))
    many, many_calls = inbox_calls()
    assert (len(few["items"]), len(many["items"])) == (2, 22)
    assert many_calls == sorted(few_calls + ["BatchGetItem"])  # + the admin who acknowledged, by name
    # the sign-in's staff record, the business's timezone, the latest review, the owners, then the
    # orders, action records and owners together, then the people who acted
    assert few_calls == ["BatchGetItem", "BatchGetItem", "GetItem", "GetItem", "Query"], few_calls
