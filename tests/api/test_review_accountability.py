"""Accountable reviews: every item the daily review flags is tracked until resolved (acknowledged,
snoozed, the order moved, the problem gone), a daily run counted once however often it runs, the
escalation recorded, an owner on time off covered by the step's deputy (or the admins), reviews
marked read when a person opens them, and the evaluation's `owners` and `checks`.

The demo map: the dispatcher (dispatcher-1, Dana Whitfield) owns requested to on hold; the admin
(admin-1, Alex Morgan) completed, invoiced and paid. The clock: Monday 30 November 2026, 08:00 in
London."""
import copy
from datetime import timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from chalicelib.data.models import OrderModel, ReviewModel
from chalicelib.data.review_actions import OPEN, ReviewActionModel
from chalicelib.orders import moves
from chalicelib.reviews import accountability, runs
from chalicelib.reviews.figures import Window
from chalicelib.staff.auth import Principal
from infra.demo_data import PROCESS_MAP
from tests.support.helpers import body_part, saved_order, sent_emails, timeline
from tests.support.world import FIXED_NOW

DAY = "2026-11-30"


def flagged_world():
    """The dispatcher's: a scheduled order with no technician; the admin's: a completed order not
    invoiced."""
    lost = saved_order(timeline(FIXED_NOW - timedelta(hours=2), ("requested", 10), ("on_hold", 10), ("scheduled", None)),
                 technician=None)
    uninvoiced = saved_order(timeline(FIXED_NOW - timedelta(hours=4), ("requested", 30), ("scheduled", 30), ("en_route", 30),
                                ("in_progress", 30), ("completed", None)))
    return lost, uninvoiced


def keys_of(lost, uninvoiced):
    return f"no_technician:{lost.order_id}:scheduled", f"not_invoiced:{uninvoiced.order_id}:completed"


def run(as_, period="daily", expected=201):
    r = as_("admin").post("/reviews/run", {"period": period})
    assert r.status == expected, r
    return r.json


def act(as_, who, key, action, body=None, day=DAY):
    r = as_(who).post(f"/reviews/daily/{day}/items/{quote(key, safe='')}/{action}", body)
    assert r.status == 200, r
    return r.json


def digests_to(address):
    return [body_part(m, "plain") for m in sent_emails() if address in str(m["To"]) and "Daily review" in str(m["Subject"])]


def test_the_daily_run_records_every_flagged_item_once_however_often_it_runs(world, clock, as_):
    lost, uninvoiced = flagged_world()
    review = run(as_)
    lost_key, uninvoiced_key = keys_of(lost, uninvoiced)
    item = next(i for i in review["report"]["items"] if i["key"] == lost_key)
    record = ReviewActionModel.get(lost_key)
    assert (record.owner, record.step, record.work_kind, record.order_id, record.kind) == (
        "dispatcher-1", "scheduled", item["work_kind"], lost.order_id, "no_technician")
    assert (record.first_flagged_at, record.last_flagged_at, record.days_flagged) == (FIXED_NOW, FIXED_NOW, 1)
    assert (record.month_key, record.resolution, record.first_action_at, record.escalated_at) == (OPEN, None, None, None)
    assert ReviewActionModel.get(uninvoiced_key).owner == "admin-1"
    version = int(record.version)

    # Run again (answered from the store), and the same report recorded twice (a retried run).
    clock.advance(minutes=30)
    run(as_, expected=200)
    assert accountability.record_day(review["report"], clock.now) == {"flagged": 0, "resolved": 0}
    again = ReviewActionModel.get(lost_key)
    assert (again.days_flagged, again.last_flagged_at, int(again.version)) == (1, FIXED_NOW, version)

    # The next day's review flags it again: two days, first seen on Monday.
    clock.advance(days=1, minutes=-30)
    run(as_)
    record = ReviewActionModel.get(lost_key)
    assert (record.first_flagged_at, record.last_flagged_at, record.days_flagged) == (FIXED_NOW, clock.now, 2)
    assert record.last_flagged_day == "2026-12-01"
    assert {lost_key, uninvoiced_key} <= {r.item_key for r in ReviewActionModel.by_flagged_month.query(OPEN)}


def test_acknowledging_and_snoozing_resolve_the_item_and_the_weekly_report_counts_them_per_owner(world, clock, as_):
    lost, uninvoiced = flagged_world()
    run(as_)
    lost_key, uninvoiced_key = keys_of(lost, uninvoiced)
    clock.advance(hours=2)
    act(as_, "dispatcher", lost_key, "acknowledge")
    record = ReviewActionModel.get(lost_key)
    acted = FIXED_NOW + timedelta(hours=2)
    assert (record.first_action_at, record.resolved_at, record.resolution) == (acted, acted, "acknowledged")
    assert [r.item_key for r in ReviewActionModel.by_flagged_month.query("2026-11")] == [lost_key]

    clock.advance(hours=28)  # Tuesday 14:00: the admin snoozes Monday's item, 30 hours after it was flagged
    act(as_, "admin", uninvoiced_key, "snooze", {"until": "2026-12-04", "reason": "Customer pays on Friday"})
    record = ReviewActionModel.get(uninvoiced_key)
    assert (record.resolution, record.first_action_at, record.snooze["reason"]) == (
        "snoozed", FIXED_NOW + timedelta(hours=30), "Customer pays on Friday")
    assert {r.item_key for r in ReviewActionModel.by_flagged_month.query(OPEN)} == set()

    clock.now = FIXED_NOW + timedelta(days=7)  # Monday 7 December: the week of 30 November is reviewed
    weekly = run(as_, "weekly")["report"]
    owners = {o["owner"]: o for o in weekly["owners"]}
    assert owners["dispatcher-1"] == {
        "owner": "dispatcher-1", "name": "Dana Whitfield", "flagged": 1, "acted_within_day": 1, "acted_later": 0,
        "escalated": 0, "untouched": 0, "resolved": 1, "still_open": 0, "median_hours_to_act": 2.0,
        "percent_acted_within_day": 100.0,
    }
    assert (owners["admin-1"]["name"], owners["admin-1"]["acted_later"], owners["admin-1"]["median_hours_to_act"]) == (
        "Alex Morgan", 1, 30.0)
    assert owners["admin-1"]["percent_acted_within_day"] == 0.0
    stored = ReviewModel.get("weekly", DAY).report
    assert stored["owners"] == weekly["owners"]


def test_items_no_longer_flagged_are_resolved_by_the_order_moving_or_as_gone_and_escalation_is_recorded(
        world, clock, as_, monkeypatch):
    monkeypatch.setenv("REVIEW_ESCALATE_AFTER", "2")  # the scheduled run (the test client's app sets its own)
    lost, uninvoiced = flagged_world()
    lost_key, uninvoiced_key = keys_of(lost, uninvoiced)
    runs.run("daily", clock.now, "schedule")
    assert ReviewActionModel.get(lost_key).escalated_at is None

    clock.advance(days=1)  # Tuesday: both flagged a second time, so escalated
    tuesday = clock.now
    runs.run("daily", clock.now, "schedule")
    assert ReviewActionModel.get(lost_key).escalated_at == tuesday
    moved_at = tuesday + timedelta(hours=2)  # the admin moves the completed order on to invoiced
    order = OrderModel.get(uninvoiced.order_id)
    moves.apply_move(Principal("admin-1", "admin", ("admin",)), order, "invoiced", None, moved_at)
    order.save()
    order = OrderModel.get(lost.order_id)  # and a technician is assigned: the order stays where it is
    assigned_at = tuesday + timedelta(hours=3)
    order.technician_id, order.updated_at = "tech-2", assigned_at
    order.save()

    clock.advance(days=1)  # Wednesday: neither is flagged any more
    runs.run("daily", clock.now, "schedule")
    moved = ReviewActionModel.get(uninvoiced_key)
    assert (moved.resolution, moved.resolved_at, moved.first_action_at) == ("order_moved", moved_at, moved_at)
    assert moved.month_key == "2026-11"
    assert moved.days_flagged == 2
    gone = ReviewActionModel.get(lost_key)  # gone, and the order changed after it was flagged: acted on
    assert (gone.resolution, gone.resolved_at, gone.first_action_at) == ("gone", clock.now, assigned_at)

    clock.advance(minutes=10)  # the run's report recorded again: nothing more to resolve
    assert accountability.record_resolved(set(), "2026-12-02", clock.now) == 0

    week = Window(FIXED_NOW.date(), FIXED_NOW.date() + timedelta(days=6), ZoneInfo("Europe/London"))
    owners = {o["owner"]: o for o in accountability.owners(week, clock.now)}
    # The dispatcher's: the lost order (escalated; a technician assigned after 27 hours) and, now it
    # has one, its appointment not started (Wednesday, untouched, still open). The admin's: not
    # invoiced (moved on after 26 hours) and, from Tuesday, the completed step's SLA (2 hours after).
    dispatcher, admin = owners["dispatcher-1"], owners["admin-1"]
    assert [dispatcher[k] for k in ("flagged", "escalated", "acted_later", "untouched", "resolved", "still_open")] == [
        2, 1, 1, 1, 1, 1]
    assert dispatcher["median_hours_to_act"] == 27.0
    assert [admin[k] for k in ("flagged", "acted_within_day", "acted_later", "median_hours_to_act", "untouched")] == [
        2, 1, 1, 14.0, 0]


def dispatcher_away(as_):
    r = as_("admin").post("/technicians/dispatcher-1/time-off", {
        "start": (FIXED_NOW - timedelta(days=1)).isoformat(), "end": (FIXED_NOW + timedelta(days=6)).isoformat(),
        "reason": "Holiday"})
    assert r.status == 201, r
    return r.json


def test_office_staff_record_time_off_through_the_same_route(world, clock, as_):
    answer = dispatcher_away(as_)
    assert answer["id"] == "dispatcher-1" and [t["reason"] for t in answer["time_off"]] == ["Holiday"]
    assert answer["clashes"] == []
    r = as_("admin").delete(f"/technicians/dispatcher-1/time-off/{answer['time_off_id']}")
    assert r.status == 200 and r.json["time_off"] == []
    assert as_("admin").post("/technicians/nobody/time-off", {
        "start": FIXED_NOW.isoformat(), "end": (FIXED_NOW + timedelta(days=1)).isoformat()}).status == 404


def test_an_owner_on_time_off_has_their_items_go_to_the_admins_saying_whom_they_cover(world, clock, as_):
    dispatcher_away(as_)
    lost, _ = flagged_world()
    lost_key, _ = keys_of(lost, _)
    review = run(as_)
    assert "dispatcher-1" not in {t["to"] for t in review["told"]}
    assert digests_to("dispatcher@example.com") == []
    admin_digest, = digests_to("admin@example.com")
    assert "covering for Dana Whitfield, on time off until 2026-12-06 08:00" in admin_digest
    assert lost.order_id in admin_digest
    inbox = as_("admin").get("/reviews/inbox").json
    covered = {i["key"]: i for i in inbox["items"]}[lost_key]
    assert covered["note"].startswith("covering for Dana Whitfield")
    assert inbox["counts"]["open"] == 2  # their own item and the one they cover
    assert as_("dispatcher").get("/reviews/inbox").json["items"] == []


def test_the_step_s_deputy_receives_the_absent_owner_s_items(world, clock, as_):
    document = copy.deepcopy(PROCESS_MAP)
    for step in document["steps"]:
        if step["key"] == "scheduled":
            step["deputy"] = "tech-2"
    assert as_("admin").put("/workflow", {**document, "note": "Priya covers scheduling"}).status == 201
    dispatcher_away(as_)
    lost, uninvoiced = flagged_world()
    run(as_)
    deputy_digest, = digests_to("tech2@example.com")
    assert lost.order_id in deputy_digest and "covering for Dana Whitfield" in deputy_digest
    assert uninvoiced.order_id not in deputy_digest  # the admin's own item stays the admin's
    admin_digest, = digests_to("admin@example.com")
    assert lost.order_id not in admin_digest


def test_opening_a_review_marks_it_read_once_per_person(world, clock, as_):
    flagged_world()
    run(as_)
    assert ReviewModel.get("daily", DAY).read_at is None  # running it and emailing it is not reading it
    clock.advance(minutes=15)
    first = as_("dispatcher").get(f"/reviews/daily/{DAY}")
    assert first.status == 200, first
    read_at = "2026-11-30T08:15:00Z"
    assert (first.json["read_by"], first.json["read_at"], first.json["read_count"]) == ("dispatcher-1", read_at, 1)
    clock.advance(minutes=15)
    assert as_("dispatcher").get(f"/reviews/daily/{DAY}").json["read_count"] == 1
    report_page = as_("admin").get(f"/reports/reviews?period=daily&date={DAY}")  # the admin's report page
    assert report_page.status == 200, report_page
    assert "read_by" not in report_page.json  # the stored review, the same whoever reads it
    whole = as_("dispatcher").get(f"/reviews/daily/{DAY}").json
    assert (whole["read_by"], whole["read_by_name"], whole["read_at"], whole["read_count"]) == (
        "dispatcher-1", "Dana Whitfield", read_at, 2)
    stored = ReviewModel.get("daily", DAY)
    assert stored.readers == {"dispatcher-1", "admin-1"}


def test_the_quarterly_report_says_whether_each_check_ran_and_was_read(world, clock, as_):
    flagged_world()
    run(as_)  # the daily check of 30 November: run and read
    as_("dispatcher").get(f"/reviews/daily/{DAY}")
    clock.advance(days=1)
    run(as_)  # 1 December: run, never read
    clock.now = FIXED_NOW + timedelta(days=7)
    run(as_, "weekly")  # the week of 30 November: run, not read
    clock.now = FIXED_NOW + timedelta(days=35)  # Monday 4 January 2027: the fourth quarter is reviewed
    quarterly = run(as_, "quarterly")["report"]
    checks = {c["period"]: c for c in quarterly["checks"]}
    daily = checks["daily"]
    assert (daily["expected"], daily["ran"], daily["read"], daily["unread"]) == (92, 2, 1, ["2026-12-01"])
    assert len(daily["missed"]) == 90 and "2026-11-30" not in daily["missed"] and daily["missed"][0] == "2026-10-01"
    weekly = checks["weekly"]
    assert (weekly["expected"], weekly["ran"], weekly["read"], weekly["unread"]) == (13, 1, 0, ["2026-11-30"])
    assert checks["monthly"] == {"period": "monthly", "expected": 3, "ran": 0, "read": 0,
                                 "missed": ["2026-09-01", "2026-10-01", "2026-11-01"], "unread": []}
    assert {o["owner"] for o in quarterly["owners"]} == {"dispatcher-1", "admin-1"}
