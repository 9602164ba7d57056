"""Reviews: the daily check of open work (its boundaries, one digest per owner, escalation, once
per period), the weekly to quarterly evaluation of the process (figures against a history with
known durations, suggestions, map versions), where runs are stored and who may see them.

The clock is the test clock; the demo map's SLAs: requested 4 h, scheduled 14 d, on the way 2 h,
in progress 8 h, completed 1 h, invoiced 30 d, paid 7 d, on hold 3 d."""
import copy
import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.orders import moves
from chalicelib.reviews import daily_check, periods, runs
from chalicelib.setup import business
from chalicelib.staff.auth import Principal
from chalicelib.data.models import CalendarDayModel, OrderModel, ReviewModel
from infra.demo_data import PROCESS_MAP
from tests.support.world import FIXED_NOW
from tests.support.helpers import body_part, order_through, scheduled_event, sent_emails, timeline
from tests.support import sla_clock


@pytest.fixture(autouse=True)
def _slas_in_calendar_time(monkeypatch):
    """These tests are about the reviews' indexes, runs and digests, not the SLA's clock: SLAs count every minute here
    (tests/support/sla_clock.py)."""
    sla_clock.count_calendar_time(monkeypatch)

UTC = timezone.utc
ADMIN = Principal("admin-1", "admin", ("admin",))
# Monday 23 November 2026, 09:00 in London (GMT): the week before FIXED_NOW (Monday 30 November).
WEEK = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LATER = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)  # an appointment far from every check


def walk(path, technician="tech-1", appointment=LATER, version=None) -> OrderModel:
    """`order_through`, saved."""
    order = order_through(path, technician, appointment, version)
    order.save()
    return order


def flagged(now, kind) -> list[str]:
    return [i["order_id"] for i in daily_check.find_items(now) if i["kind"] == kind]


def emails_to(address: str) -> list:
    return [m for m in sent_emails() if address in str(m["To"])]


def publish(as_, document) -> int:
    r = as_("admin").put("/workflow", {**document, "note": "A variant of the demo map for this test"})
    assert r.status == 201, r
    return r.json["version"]


def demo_map(**changes) -> dict:
    """The demo map with steps changed: `step_key={field: value}`; `drop=["key"]` removes steps."""
    document = copy.deepcopy(PROCESS_MAP)
    drop = changes.pop("drop", [])
    document["steps"] = [s for s in document["steps"] if s["key"] not in drop]
    for step in document["steps"]:
        step["next"] = [n for n in step["next"] if n not in drop]
        step.update(changes.get(step["key"], {}))
    return document


# --- the indexes the reviews read ---------------------------------------------------------------

def test_an_order_carries_its_open_step_and_sla_due_time_until_it_closes(as_, new_order, clock):
    created = new_order()
    order = OrderModel.get(created["order_id"])
    assert (order.open_step, order.sla_due_at, order.closed_month) == ("requested", clock.now + timedelta(minutes=240), None)

    clock.advance(minutes=10)
    r = as_("dispatcher").post(f"/orders/{order.order_id}/transitions", {"to": "scheduled", "expected_version": 1})
    assert r.status == 200, r
    order.refresh()
    entered = clock.now
    assert (order.open_step, order.sla_due_at) == ("scheduled", entered + timedelta(days=14))

    # a reschedule is a history entry from a step to itself, not a move: the SLA clock keeps running
    clock.advance(hours=1)
    start = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    r = as_("dispatcher").post(f"/orders/{order.order_id}/assign",
                               {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
                                "expected_version": int(order.version)})
    assert r.status == 200, r
    order.refresh()
    assert (order.step, order.step_entered_at, order.sla_due_at) == ("scheduled", entered, entered + timedelta(days=14))

    clock.advance(hours=1)
    r = as_("dispatcher").post(f"/orders/{order.order_id}/transitions", {"to": "cancelled", "expected_version": int(order.version)})
    assert r.status == 200, r
    order.refresh()
    assert (order.open_step, order.sla_due_at, order.closed_month) == (None, None, "2026-11")


# --- the daily check: what it flags, exactly at its boundaries ------------------------------------

def test_an_order_is_past_its_sla_from_the_second_the_sla_runs_out(world, clock):
    order = walk([("requested", FIXED_NOW)])
    due = FIXED_NOW + timedelta(minutes=240)
    assert flagged(due - timedelta(seconds=1), "sla_breach") == []
    assert flagged(due, "sla_breach") == [order.order_id]
    assert flagged(due + timedelta(seconds=1), "sla_breach") == [order.order_id]


def test_an_appointment_not_started_an_hour_after_its_start_is_flagged(world, clock):
    nine = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # today, 09:00 in London
    scheduled = walk(timeline(FIXED_NOW - timedelta(hours=3), ("requested", 60), ("scheduled", None)), appointment=nine)
    on_the_way = walk(timeline(FIXED_NOW - timedelta(hours=3), ("requested", 60), ("scheduled", 60), ("en_route", None)),
                      appointment=nine)
    walk(timeline(FIXED_NOW - timedelta(hours=3), ("requested", 60), ("scheduled", 60), ("en_route", 10),
                  ("in_progress", None)), appointment=nine)
    assert flagged(nine + timedelta(minutes=59, seconds=59), "not_started") == []
    assert sorted(flagged(nine + timedelta(hours=1), "not_started")) == sorted([scheduled.order_id, on_the_way.order_id])


def test_an_order_past_the_start_step_without_a_technician_is_flagged(world, clock):
    # the way one falls through the cracks: put on hold while requested, then scheduled from there
    lost = walk(timeline(FIXED_NOW - timedelta(hours=2), ("requested", 10), ("on_hold", 10), ("scheduled", None)),
                technician=None)
    walk([("requested", FIXED_NOW - timedelta(minutes=5))], technician=None)  # not yet booked: fine
    walk(timeline(FIXED_NOW - timedelta(hours=2), ("requested", 10), ("scheduled", None)))
    assert flagged(FIXED_NOW, "no_technician") == [lost.order_id]


def test_a_completed_order_not_invoiced_within_half_an_hour_is_flagged(world, clock):
    done = FIXED_NOW - timedelta(hours=3)
    order = walk(timeline(done - timedelta(hours=2), ("requested", 30), ("scheduled", 30), ("en_route", 30),
                          ("in_progress", 30), ("completed", None)))
    assert flagged(done + timedelta(minutes=30) - timedelta(seconds=1), "not_invoiced") == []
    assert flagged(done + timedelta(minutes=30), "not_invoiced") == [order.order_id]


def _invoice(order: OrderModel, delivery: str, due_at: datetime):
    """An open invoice as chalicelib.invoicing leaves it (only the fields the check reads differ)."""
    from chalicelib.invoicing.numbering import invoice_id_for
    from chalicelib.data.models import InvoiceModel

    invoice = InvoiceModel(invoice_id_for(order.order_id), order_id=order.order_id, number=f"INV-2026-{order.order_id[-4:]}",
                           seller={"name": "Clearview Windows Ltd"}, customer={"name": "Rita Review"}, lines=[],
                           currency="GBP", subtotal_cents=10000, tax_rate_basis_points=2000, tax_cents=2000,
                           total_cents=12000, issued_at=due_at - timedelta(days=14), due_date=due_at.date().isoformat(),
                           due_at=due_at, open_status="open", pdf_key="invoices/x.pdf", delivery=delivery,
                           last_error="Email address is not verified" if delivery == "send_failed" else None)
    invoice.save()
    return invoice


def test_invoices_whose_email_failed_and_overdue_invoices_are_flagged(world, clock):
    path = timeline(FIXED_NOW - timedelta(days=20), ("requested", 30), ("scheduled", 30), ("en_route", 30),
                    ("in_progress", 30), ("completed", 1), ("invoiced", None))
    failed = _invoice(walk(path), "send_failed", FIXED_NOW + timedelta(days=3))
    overdue = _invoice(walk(path), "sent", FIXED_NOW - timedelta(seconds=1))
    _invoice(walk(path), "sent", FIXED_NOW)  # due this very second: not overdue yet
    items = {i["kind"]: i for i in daily_check.find_items(FIXED_NOW) if i["kind"].startswith("invoice_")}
    assert items["invoice_send_failed"]["invoice_id"] == failed.invoice_id
    assert "Email address is not verified" in items["invoice_send_failed"]["detail"]
    assert items["invoice_overdue"]["invoice_id"] == overdue.invoice_id
    assert items["invoice_overdue"]["owner"] == "admin-1"  # the owner of `invoiced`
    assert items["invoice_overdue"]["link"].endswith(f"/invoices/{overdue.invoice_id}")
    assert [i["kind"] for i in daily_check.find_items(FIXED_NOW)].count("invoice_overdue") == 1


def test_the_daily_check_reads_no_closed_order(world, clock, monkeypatch):
    """Items read (DynamoDB's ScannedCount, GetItem and BatchGetItem answers) are the same with
    30 closed orders as without them."""
    import botocore.client

    read = []
    original = botocore.client.BaseClient._make_api_call

    def counted(client, operation, params):
        answer = original(client, operation, params)
        if client.meta.service_model.service_name == "dynamodb":
            read.append(answer.get("ScannedCount", 0) + (1 if answer.get("Item") else 0)
                        + sum(len(v) for v in answer.get("Responses", {}).values()))
        return answer

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    walk([("requested", FIXED_NOW - timedelta(hours=5))])
    walk(timeline(FIXED_NOW - timedelta(hours=3), ("requested", 60), ("scheduled", None)))

    def items_read():
        read.clear()
        daily_check.find_items(FIXED_NOW)
        return sum(read)

    before = items_read()
    for i in range(15):
        walk(timeline(FIXED_NOW - timedelta(days=5, hours=i), ("requested", 30), ("scheduled", 30), ("en_route", 30),
                      ("in_progress", 30), ("completed", 1), ("invoiced", 60), ("paid", 60), ("closed", None)))
        walk(timeline(FIXED_NOW - timedelta(days=3, hours=i), ("requested", 30), ("cancelled", None)))
    assert items_read() == before


# --- the daily run: digests, escalation, once per period ------------------------------------------

def _owners_world():
    """Two items for the dispatcher (owner of requested and scheduled), one for the admin (owner of
    completed), none without an owner."""
    breach = walk([("requested", FIXED_NOW - timedelta(hours=5))])
    lost = walk(timeline(FIXED_NOW - timedelta(hours=2), ("requested", 10), ("on_hold", 10), ("scheduled", None)),
                technician=None)
    uninvoiced = walk(timeline(FIXED_NOW - timedelta(hours=4), ("requested", 30), ("scheduled", 30), ("en_route", 30),
                               ("in_progress", 30), ("completed", None)))
    return breach, lost, uninvoiced


def test_each_owner_gets_exactly_one_digest_listing_their_items(world, clock):
    breach, lost, uninvoiced = _owners_world()
    review, ran = runs.run("daily", FIXED_NOW, "admin-1")
    assert ran
    dispatcher, = emails_to("dispatcher@example.com")
    admin, = emails_to("admin@example.com")
    assert len(sent_emails()) == 2
    text = body_part(dispatcher, "plain")
    assert breach.order_id in text and lost.order_id in text and uninvoiced.order_id not in text
    assert f"http://127.0.0.1:8000/office/#/orders/{breach.order_id}" in text  # the order's page in the office app
    assert "http://127.0.0.1:8000/office/#/reviews/daily/2026-11-30" in text  # the whole review, not the JSON API
    assert 'href="http://127.0.0.1:8000/office/#/reviews/daily/2026-11-30"' in body_part(dispatcher, "html")
    assert "over by 1 h" in text and "no technician" in text
    assert uninvoiced.order_id in body_part(admin, "plain") and breach.order_id not in body_part(admin, "plain")
    assert "2 items for you" in str(dispatcher["Subject"])
    told = {t["to"]: t for t in review["told"]}
    assert set(told) == {"dispatcher-1", "admin-1"} and all(t["status"] == "sent" for t in told.values())
    assert sorted(told["dispatcher-1"]["items"]) == sorted([f"sla_breach:{breach.order_id}:requested",
                                                            f"no_technician:{lost.order_id}:scheduled"])


def test_an_item_of_a_step_without_an_owner_goes_to_the_admins(world, clock, as_):
    publish(as_, demo_map(on_hold={"owner": None}))
    parked = walk(timeline(FIXED_NOW - timedelta(days=4), ("requested", 10), ("on_hold", None)))
    review, _ = runs.run("daily", FIXED_NOW, "schedule")
    admin, = emails_to("admin@example.com")
    assert parked.order_id in body_part(admin, "plain") and "the step has no owner" in body_part(admin, "plain")
    assert emails_to("dispatcher@example.com") == []
    assert [t["to"] for t in review["told"]] == ["admin-1"]


def test_an_item_still_flagged_after_three_checks_escalates_to_the_admins(world, clock):
    breach = walk([("requested", FIXED_NOW - timedelta(hours=5))])  # the dispatcher's
    for day, expected_checks in enumerate((1, 2, 3)):
        now = FIXED_NOW + timedelta(days=day)
        review, ran = runs.run("daily", now, "schedule")
        item, = review["report"]["items"]
        assert ran and (item["checks"], item["escalated"]) == (expected_checks, expected_checks == 3)
        assert len(emails_to("dispatcher@example.com")) == day + 1
        assert len(emails_to("admin@example.com")) == (1 if expected_checks == 3 else 0)
    escalation = body_part(emails_to("admin@example.com")[0], "plain")
    assert breach.order_id in escalation and "escalated: flagged in 3 checks in a row" in escalation


def test_escalation_counts_checks_in_a_row_and_is_configurable(world, clock, monkeypatch):
    monkeypatch.setenv("REVIEW_ESCALATE_AFTER", "2")
    walk([("requested", FIXED_NOW - timedelta(hours=5))])
    first, _ = runs.run("daily", FIXED_NOW, "schedule")
    second, _ = runs.run("daily", FIXED_NOW + timedelta(days=1), "schedule")
    assert [first["report"]["items"][0]["escalated"], second["report"]["items"][0]["escalated"]] == [False, True]
    assert second["report"]["escalate_after"] == 2


def test_running_the_check_twice_for_the_same_day_sends_nothing_twice(world, clock, as_):
    _owners_world()
    first = as_("admin").post("/reviews/run", {"period": "daily"})
    assert first.status == 201, first
    sent = len(sent_emails())
    clock.advance(hours=3)
    again = as_("admin").post("/reviews/run", {"period": "daily"})
    assert again.status == 200 and again.json == first.json
    assert scheduled_event("review_daily") == {"period": "daily", "date": "2026-11-30", "ran": False,
                                               "reason": "already reviewed"}
    assert len(sent_emails()) == sent == 2


def test_a_run_that_died_is_taken_over_and_a_digest_that_may_have_gone_is_not_sent_again(world, clock):
    _owners_world()
    # a run claimed the day 25 minutes ago, found the items and died while emailing the dispatcher
    period = periods.period_to_review("daily", FIXED_NOW.date(), business.zone())
    started = FIXED_NOW - timedelta(minutes=25)
    report = daily_check.daily_report(period, started)
    ReviewModel("daily", "2026-11-30", status="running", run_id="dead", trigger="schedule", claimed_at=started,
                started_at=started, report=report,
                told=[{"to": "dispatcher-1", "email": "dispatcher@example.com", "status": "sending", "at": "x",
                       "items": [], "escalated": []}]).save()
    review, ran = runs.run("daily", FIXED_NOW, "schedule")
    assert ran and review["status"] == "done" and review["report"] == report
    assert {t["to"]: t["status"] for t in review["told"]} == {"dispatcher-1": "unknown", "admin-1": "sent"}
    assert emails_to("dispatcher@example.com") == [] and len(emails_to("admin@example.com")) == 1


def test_a_run_in_progress_elsewhere_is_not_run_twice(world, clock, as_):
    ReviewModel("daily", "2026-11-30", status="running", run_id="busy", trigger="schedule",
                claimed_at=FIXED_NOW - timedelta(minutes=2), started_at=FIXED_NOW - timedelta(minutes=2)).save()
    r = as_("admin").post("/reviews/run", {"period": "daily"})
    assert r.status == 409 and r.json["error"]["code"] == "conflict"
    assert scheduled_event("review_daily")["ran"] is False


@pytest.mark.parametrize(
    "utc, ran",
    [
        ("2026-07-01T05:59:59", False),  # 06:59:59 British Summer Time
        ("2026-07-01T06:00:00", True),  # 07:00 BST
        ("2026-11-30T06:59:59", False),  # 06:59:59 GMT
        ("2026-11-30T07:00:00", True),  # 07:00 GMT
    ],
)
def test_the_hourly_schedule_runs_the_check_from_seven_local_time_whatever_the_season(world, clock, utc, ran):
    clock.now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    answer = scheduled_event("review_daily")
    assert (answer["ran"], answer["date"]) == (ran, utc[:10])
    clock.advance(hours=1)
    again = scheduled_event("review_daily")
    assert again["ran"] is not ran and (again.get("reason") == "already reviewed") is ran


def test_the_evaluations_run_once_their_period_has_ended(world, clock):
    clock.now = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # Sunday night: the week is not over
    assert scheduled_event("review_weekly")["date"] == "2026-11-16"  # the week before, if ever missed
    clock.now = FIXED_NOW  # Monday 08:00
    assert scheduled_event("review_weekly") == {"period": "weekly", "date": "2026-11-23", "ran": True, "told": 1}
    assert scheduled_event("review_monthly") == {"period": "monthly", "date": "2026-10-01", "ran": True, "told": 1}
    assert scheduled_event("review_quarterly") == {"period": "quarterly", "date": "2026-07-01", "ran": True, "told": 1}
    clock.advance(hours=1)
    assert {scheduled_event(name)["ran"] for name in ("review_weekly", "review_monthly", "review_quarterly")} == {False}


# --- the evaluation: a week with known durations ---------------------------------------------------

def demo_week():
    """Ten orders through the whole map, one sent back and cancelled, one put on hold.

    Order i (1..10): requested 10 i min; scheduled 1 d; on the way 1 min; in progress 10 h for
    i <= 4 (over the 8 h SLA), else 2 h; completed 30 min; invoiced 8 h x i; paid 1 h; closed."""
    for i in range(1, 11):
        walk(timeline(WEEK, ("requested", 10 * i), ("scheduled", 1440), ("en_route", 1),
                      ("in_progress", 600 if i <= 4 else 120), ("completed", 30), ("invoiced", 480 * i),
                      ("paid", 60), ("closed", None)))
    walk(timeline(WEEK, ("requested", 30), ("scheduled", 60), ("requested", 30), ("cancelled", None)))
    walk(timeline(WEEK, ("requested", 20), ("scheduled", 1440), ("en_route", 1), ("in_progress", 60), ("on_hold", 120),
                  ("in_progress", 60), ("completed", None)))
    CalendarDayModel("tech-1", "2026-11-24", appointments=[], booked_minutes=300).save()
    CalendarDayModel("tech-2", "2026-11-25", appointments=[], booked_minutes=120).save()


def by_step(report) -> dict:
    return {s["step"]: s for s in report["steps"]}


def test_the_weekly_evaluation_gives_the_expected_figures(world, clock):
    demo_week()
    review, ran = runs.run("weekly", FIXED_NOW, "schedule")
    report = review["report"]
    assert ran and (report["from"], report["to"], review["date"]) == ("2026-11-23", "2026-11-29", "2026-11-23")
    steps = by_step(report)

    # requested: 10, 20 ... 100 (orders 1-10), 30 and 30 (the one sent back), 20 (the one put on hold)
    assert (steps["requested"]["entered"], steps["requested"]["left"]) == (13, 13)
    assert (steps["requested"]["median_minutes"], steps["requested"]["p90_minutes"]) == (40, 90)
    assert steps["requested"]["next_steps"] == {"scheduled": 12, "cancelled": 1}
    # scheduled: 1 d eleven times, 1 h once (sent back to requested: rework)
    assert (steps["scheduled"]["median_minutes"], steps["scheduled"]["p90_minutes"]) == (1440, 1440)
    assert (steps["scheduled"]["backward_moves"], steps["scheduled"]["skips"]) == (1, 0)
    assert (steps["en_route"]["median_minutes"], steps["en_route"]["p90_minutes"]) == (1, 1)
    # in progress: 1 h twice, 2 h six times, 10 h four times (SLA 8 h: four breaches)
    assert (steps["in_progress"]["median_minutes"], steps["in_progress"]["p90_minutes"]) == (120, 600)
    assert (steps["in_progress"]["sla_met"], steps["in_progress"]["sla_breached"]) == (8, 4)
    assert steps["in_progress"]["sla_compliance_percent"] == 66.7
    # completed: 30 min ten times; the order still there ran over its 1 h SLA
    assert (steps["completed"]["sla_met"], steps["completed"]["sla_breached"], steps["completed"]["waiting_at_end"]) == (10, 1, 1)
    # invoiced: 8 h x 1 ... 10
    assert (steps["invoiced"]["median_minutes"], steps["invoiced"]["p90_minutes"]) == (2640, 4320)
    assert (steps["closed"]["entered"], steps["cancelled"]["entered"]) == (10, 1)

    # created to paid, in minutes: 10 i + 1 d + 1 + (10 h or 2 h) + 30 + 8 h x i
    assert report["cycle_time"] == {"orders": 10, "median_hours": round((4041 + 4531) / 2 / 60, 1),
                                    "p90_hours": round(6001 / 60, 1)}
    assert report["first_visit_completion"] == {"completed": 11, "first_visit": 10, "percent": 90.9}
    # booked 300 + 120 minutes of 4200 (tech-1, every day) + 2940 (tech-2) + 2700 (tech-3)
    assert (report["utilization"]["booked_minutes"], report["utilization"]["available_minutes"]) == (420, 9840)
    assert report["utilization"]["percent"] == 4.3
    assert report["invoices"] == {"issued": 0, "paid": 0, "overdue": 0, "median_days_to_pay": None}

    # Twelve orders are too few to suggest anything (a bottleneck needs at least 20 visits): the
    # report says what it lacks instead, step by step, and names no bottleneck.
    assert report["suggestions"] == [] and report["bottleneck"] is None
    short = {entry["step"]: entry for entry in report["not_enough_data"]}
    assert short["invoiced"]["text"] == "Not enough data yet for 'Invoiced' (10 orders; at least 20 needed)."
    assert (short["requested"]["sample_size"], short["requested"]["needed"]) == (12, 20)
    lo, hi = steps["invoiced"]["median_interval_minutes"]
    assert lo <= 2640 <= hi and steps["closed"]["median_interval_minutes"] is None
    assert report["experiments"] == []  # one map version: nothing to compare

    assert report["previous"]["from"] == "2026-11-16" and by_step(report["previous"])["requested"]["entered"] == 0
    assert {c["step"]: c["entered"] for c in report["changes"]["steps"]}["requested"] == 13
    assert [v["workflow_version"] for v in report["versions"]] == [1]


def test_the_evaluation_over_any_range_matches_the_weekly_one(world, clock, as_):
    demo_week()
    weekly, _ = runs.run("weekly", FIXED_NOW, "schedule")
    r = as_("admin").get("/reports/process?from=2026-11-23&to=2026-11-29")
    assert r.status == 200, r
    assert r.json["steps"] == weekly["report"]["steps"] and r.json["suggestions"] == weekly["report"]["suggestions"]
    assert as_("admin").get("/reports/process?from=2026-11-29&to=2026-11-23").status == 422
    assert as_("admin").get("/reports/process?from=2025-01-01&to=2026-11-29").status == 422
    assert as_("admin").get("/reports/process?from=23/11/2026").status == 422


def test_a_new_map_version_applies_to_new_orders_and_the_evaluation_reports_both(world, clock, as_):
    in_flight = walk(timeline(WEEK, ("requested", 30), ("scheduled", 60), ("en_route", 5), ("in_progress", None)))
    # version 2 drops "on the way": scheduled leads straight to in progress
    publish(as_, demo_map(drop=["en_route"], scheduled={"next": ["in_progress", "requested", "on_hold", "cancelled"]}))
    new = walk(timeline(WEEK + timedelta(days=1), ("requested", 30), ("scheduled", 90), ("in_progress", None)))
    assert (int(in_flight.workflow_version), int(new.workflow_version)) == (1, 2)
    # the order in flight keeps its map: it can still move as version 1 allows
    in_flight.refresh()
    assert [s["key"] for s in moves.next_steps(in_flight, ADMIN)] == ["completed", "on_hold", "cancelled"]

    report = runs.process_report({"from": "2026-11-23", "to": "2026-11-29"}, FIXED_NOW)
    versions = {v["workflow_version"]: v for v in report["versions"]}
    assert set(versions) == {1, 2} and report["current_workflow_version"] == 2
    assert by_step(versions[1])["scheduled"]["next_steps"] == {"en_route": 1}
    assert by_step(versions[2])["scheduled"]["next_steps"] == {"in_progress": 1}
    assert "en_route" not in by_step(versions[2]) and by_step(versions[2])["scheduled"]["skips"] == 0
    assert by_step(report)["en_route"]["entered"] == 1  # still reported, from version 1's orders
    assert by_step(report)["scheduled"]["median_minutes"] == 75


def test_a_move_past_the_next_step_is_a_skip(world, clock, as_):
    publish(as_, demo_map(scheduled={"next": ["en_route", "in_progress", "requested", "on_hold", "cancelled"]}))
    walk(timeline(WEEK, ("requested", 30), ("scheduled", 60), ("in_progress", None)))
    report = runs.process_report({"from": "2026-11-23", "to": "2026-11-29"}, FIXED_NOW)
    assert (by_step(report)["scheduled"]["skips"], by_step(report)["scheduled"]["backward_moves"]) == (1, 0)


def test_the_weekly_report_reaches_the_admins_the_store_s3_and_cloudwatch(world, clock, as_, monkeypatch, capsys):
    from chalicelib.core import settings
    from chalicelib.core.aws import client

    publish(as_, demo_map(in_progress={"label": 'Fit & <seal> "it"'}))
    demo_week()
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()
    review, _ = runs.run("weekly", FIXED_NOW, "schedule")

    # the admins: an HTML email with the chart, labels escaped
    email, = emails_to("admin@example.com")
    html = body_part(email, "html")
    chart = html[html.index("<svg"):html.index("</svg>")]
    assert "<text" in chart and "Fit &amp; &lt;seal&gt; &quot;it&quot;" in chart
    assert "Fit &amp; &lt;seal&gt; &#34;it&#34;" in html  # the table, escaped by the template
    assert "<seal>" not in html
    assert 'href="http://127.0.0.1:8000/office/#/reviews/weekly/2026-11-23"' in html  # the office app, not the JSON API
    # a week of twelve orders is too few for a suggestion (reviews.suggestions: at least 20 visits)
    assert "None this time." in html and "Weekly process review 2026-11-23 to 2026-11-29" == str(email["Subject"])
    # and says what it could not judge yet, in the text part too
    assert review["report"]["not_enough_data"] and "Not enough data yet" in html
    assert review["report"]["not_enough_data"][0]["text"] in body_part(email, "plain")

    # the store: GET answers what the run answered; S3 holds JSON and CSV
    stored = as_("admin").get("/reports/reviews?period=weekly&date=2026-11-25")  # any day of the week
    assert stored.status == 200 and stored.json == review
    s3 = client("s3")
    bucket = settings.reports_bucket()
    assert json.loads(s3.get_object(Bucket=bucket, Key="reports/weekly/2026-11-23.json")["Body"].read()) == review
    rows = list(csv.DictReader(io.StringIO(s3.get_object(Bucket=bucket, Key="reports/weekly/2026-11-23.csv")["Body"].read().decode())))
    invoiced = next(r for r in rows if r["workflow_version"] == "all" and r["step"] == "invoiced")
    assert (invoiced["median_minutes"], invoiced["p90_minutes"]) == ("2640.0", "4320.0")

    # CloudWatch: EMF documents in the WorkOrders namespace, per step with period and step
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    per_step = {d["step"]: d for d in documents if d.get("step") and d.get("period") == "weekly"}
    assert per_step["invoiced"]["StepMedianMinutes"] == [2640] and per_step["in_progress"]["StepSlaBreaches"] == [4]
    directive = per_step["invoiced"]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "WorkOrders" and {"period", "step"} <= set(directive["Dimensions"][0])
    totals = next(d for d in documents if d.get("period") == "weekly" and "FirstVisitCompletion" in d)
    assert totals["FirstVisitCompletion"] == [90.9]


def test_the_dashboard_charts_the_metrics_the_reviews_emit():
    from pathlib import Path

    dashboard = json.loads((Path(__file__).resolve().parents[2] / "infra" / "dashboard.json").read_text())
    text = json.dumps(dashboard)
    for metric in ("StepMedianMinutes", "StepP90Minutes", "StepSlaCompliance", "StepEntries", "StepReworkMoves",
                   "ReviewItems", "ReviewSlaBreaches", "CycleTimeMedianHours", "FirstVisitCompletion",
                   "TechnicianUtilization"):
        assert metric in text, metric
    assert all(w["type"] in ("metric", "text") for w in dashboard["widgets"])
    assert "WorkOrders" in text


# --- the routes: admins only -------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["dispatcher", "tech1"])
@pytest.mark.parametrize("method, path", [
    ("GET", "/reports/reviews?period=daily"), ("GET", "/reports/process?from=2026-11-23&to=2026-11-29"),
    ("POST", "/reviews/run"),
])
def test_only_admins_may_read_or_run_reviews(as_, who, method, path):
    r = as_(who).call(method, path, {"period": "daily"} if method == "POST" else None)
    assert r.status == 403 and r.json["error"]["code"] == "forbidden"
    assert ReviewModel.count("daily") == 0  # nothing ran


def test_reading_reviews_names_what_is_wrong_or_missing(world, clock, as_):
    admin = as_("admin")
    assert admin.get("/reports/reviews?period=daily").status == 404
    assert admin.get("/reports/reviews?period=yearly").json["error"]["details"][0]["field"] == "period"
    assert admin.get("/reports/reviews?period=daily&date=30-11-2026").status == 422
    assert admin.post("/reviews/run", {}).status == 422
    assert admin.post("/reviews/run", {"period": "hourly"}).status == 422
    ran = admin.post("/reviews/run", {"period": "daily"})
    assert admin.get("/reports/reviews?period=daily").json == ran.json  # the latest
    assert admin.get("/reports/reviews?period=daily&date=2026-11-30").json == ran.json


# --- the local system: `make review PERIOD=daily` end to end ---------------------------------------

def test_make_review_in_the_local_system_stores_the_report_and_the_digests_reach_the_outbox(tmp_path):
    """`python -m infra.local` on a free port, then `python -m infra.review` (what `make review`
    runs): the review it prints is the one GET /reports/reviews returns, and the dispatcher's digest
    (the demo request has waited since yesterday, past its 4-hour SLA) is in the outbox."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from email import policy
    from email.parser import BytesParser
    from pathlib import Path

    import requests

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_", "JWKS_"))}
    env.update({"PYTHONUNBUFFERED": "1", "PORT": str(port), "DEMO_HISTORY": "0"})  # the demo without its months
    outbox = tmp_path / "local" / "outbox"
    log = tmp_path / "local.log"
    system = subprocess.Popen([sys.executable, "-m", "infra.local", "--port", str(port), "--local-dir", str(tmp_path / "local")],
                              cwd=root, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert system.poll() is None, log.read_text()
            try:
                if requests.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

        command = subprocess.run([sys.executable, "-m", "infra.review", "--period", "daily", "--json"],
                                 cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert command.returncode == 0, command.stdout + command.stderr
        printed = json.loads(command.stdout)
        summary = subprocess.run([sys.executable, "-m", "infra.review", "--period", "daily"],
                                 cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert "nothing sent again" in summary.stdout, summary.stdout + summary.stderr

        login = requests.post(f"{url}/auth/login", json={"email": "admin@example.com", "password": "Demo-Password-1"}, timeout=10)
        token = login.json()["id_token"]
        stored = requests.get(f"{url}/reports/reviews?period=daily", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert stored.status_code == 200 and stored.json() == printed
        assert printed["status"] == "done" and printed["report"]["counts"]["sla_breach"] >= 1
        told = {t["to"]: t for t in printed["told"]}
        assert told["dispatcher-1"]["status"] == "sent"

        digests = []
        deadline = time.monotonic() + 15
        while not digests and time.monotonic() < deadline:
            time.sleep(0.2)
            parsed = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]
            digests = [m for m in parsed if str(m["Subject"]).startswith("Daily review")
                       and "dispatcher@example.com" in str(m["To"])]
        assert len(digests) == 1, log.read_text()
        assert "Helen" not in str(digests[0]["Subject"])  # customer details stay out of the subject
        assert "Traceback" not in log.read_text(), log.read_text()
    finally:
        if system.poll() is None:
            system.terminate()
            system.wait(20)
