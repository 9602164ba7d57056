"""The demo's history (infra/demo_history.py): `make run` loads five months of finished jobs and
past daily reviews beside the live demo, so the reports have real numbers: the planted bottleneck
(`requested`), version 2 of the installation map compared with version 1, each owner's review
record and the checks record; the daily review still flags the live demo's items.

The api tier runs on moto as the local system patches it (tests/api/conftest.py: moto_longrun,
whose Query reads only its partition): months of data answer as quickly as on `make run`."""
import time
from datetime import date, datetime, timezone

import pytest

from chalicelib.data.models import CalendarDayModel, OrderModel
from infra import demo_data, demo_history

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)  # a Wednesday


@pytest.fixture
def demo(world, clock):
    """The demo as `make run` loads it: demo_data.load's steps after the world's setup (staff, map)."""
    clock.now = NOW
    began = time.perf_counter()
    demo_data.load_kinds(clock.now)
    demo_history.publish_versions(clock.now)
    from infra import demo_estimates
    live = demo_data.load_orders(clock.now) + demo_estimates.load(clock.now)
    history = demo_history.load(clock.now)
    return {"live": live, "history": history, "seconds": time.perf_counter() - began}


def _report(as_, first: str, last: str) -> dict:
    r = as_("admin").get(f"/reports/process?from={first}&to={last}")
    assert r.status == 200, r
    return r.json


def test_the_history_is_closed_in_the_past_and_on_its_customers(demo):
    history = demo["history"]
    today = NOW.astimezone(demo_history._zone()).date()
    assert len(history.orders) >= 250
    for order in history.orders:
        stored = OrderModel.get(order.order_id)
        assert stored.step == "closed" and stored.closed_month and stored.open_step is None
        assert stored.appointment_end.astimezone(demo_history._zone()).date() < today
        assert stored.customer_id and int(stored.history_count) == len(order.history) >= 8
        assert order.history[-1].to_step == "closed" and order.history[-1].at < NOW
    by_customer = {c.customer_id: c for c in history.customers}
    assert sum(int(c.orders_count) for c in by_customer.values()) == len(history.orders)
    # no two jobs overlap on a calendar day, the live demo's among them; today's is the live job's alone
    for tech in ("tech-1", "tech-2", "tech-3"):
        for day in CalendarDayModel.query(tech):
            jobs = sorted(day.appointments, key=lambda a: a["start"])
            assert all(a["blocked_until"] <= b["start"] for a, b in zip(jobs, jobs[1:])), (tech, day.day)
            if date.fromisoformat(day.day) >= today:
                assert not {a["order_id"] for a in jobs} & {o.order_id for o in history.orders}
    live_days = {OrderModel.get(oid).appointment_start for oid in demo["live"]}
    assert any(d is not None for d in live_days)


def test_the_quarter_shows_the_bottleneck_two_versions_owners_and_checks(demo, as_):
    report = _report(as_, "2026-10-01", "2026-12-01")  # this quarter so far (the office's quarterly view)
    bottleneck = [s for s in report["suggestions"] if s["kind"] == "bottleneck" and s["step"] == "requested"]
    assert bottleneck, [s["id"] for s in report["suggestions"]]
    evidence = bottleneck[0]["evidence"]
    assert evidence["sample_size"] >= evidence["needed"] and evidence["interval"] is not None
    assert evidence["interval"][0] > 4 * 60  # well past its 4-hour SLA, with its uncertainty
    # an owner suggestion names the person, not the user id
    for s in (s for s in report["suggestions"] if s["kind"] == "change_owner"):
        assert s["owner_name"] in s["text"] and s["owner"] not in s["text"], s["text"]

    compared = [e for e in report["experiments"] if e["work_kind"] == "installation"]
    assert [(e["from_version"], e["to_version"]) for e in compared] == [(1, 2)]
    change = compared[0]
    assert change["note"] == demo_history.VERSION_2_NOTE and change["expectation"]["step"] == "in_progress"
    assert change["expectation"]["direction"] == "lower"
    assert change["orders"]["before"] >= 20 and change["orders"]["after"] >= 20
    scheduled = [m for m in change["measures"] if m["measure"] == "step_median_minutes" and m.get("step") == "in_progress"]
    assert scheduled and scheduled[0]["verdict"] == "better", scheduled

    owners = {o["owner"]: o for o in report["owners"]}
    dana = owners["dispatcher-1"]
    assert dana["flagged"] >= 20 and dana["acted_within_day"] > 0 and dana["escalated"] > 0
    assert dana["flagged"] == dana["resolved"] + dana["still_open"]
    daily = next(c for c in report["checks"] if c["period"] == "daily")
    assert daily["expected"] >= 60 and 0 < daily["ran"] < daily["expected"] and 0 < daily["read"] < daily["ran"]


def test_the_weekly_and_monthly_reports_have_numbers_and_suggestions(demo, as_):
    monthly = _report(as_, "2026-11-01", "2026-11-30")
    weekly = _report(as_, "2026-11-23", "2026-11-29")
    for report in (monthly, weekly):
        installation = report["kinds"]["installation"]
        requested = next(s for s in installation["steps"] if s["step"] == "requested")
        assert requested["left"] >= 5 and requested["median_minutes"] > 240
        assert report["cycle_time"]["median_hours"] is not None
        assert report["utilization"]["booked_minutes"] > 0
    assert monthly["suggestions"]
    assert any(s["kind"] == "bottleneck" for s in monthly["suggestions"])


def test_the_daily_review_still_flags_the_live_demo(demo, as_):
    r = as_("admin").post("/reviews/run", {"period": "daily"})
    assert r.status in (200, 201), r
    items = r.json["report"]["items"]
    history_ids = {o.order_id for o in demo["history"].orders}
    assert items and not {i["order_id"] for i in items} & history_ids
    waiting = OrderModel.get(demo["live"][2])  # the request waiting since yesterday
    assert any(i["order_id"] == waiting.order_id and i["kind"] == "sla_breach" for i in items)


def test_a_past_daily_review_opens_with_what_was_done(demo, as_):
    run = next(r for r in demo["history"].review_runs if r.report["items"] and r.read_at is not None)
    r = as_("dispatcher").get(f"/reviews/daily/{run.date}")
    assert r.status == 200, r
    assert {i["key"] for i in r.json["items"]} == {i["key"] for i in run.report["items"]}
    assert as_("dispatcher").get("/reviews/inbox").status == 200


def test_the_history_loads_fast(demo):
    assert demo["seconds"] < 30, f"the demo with its history took {demo['seconds']:.1f} s"


def test_the_quarter_just_ended_is_reviewed_and_stored_at_the_start(demo, as_):
    assert demo["history"].quarterly["ran"] is True and demo["history"].quarterly["date"] == "2026-07-01"
    r = as_("admin").get("/reports/reviews?period=quarterly")
    assert r.status == 200, r
    stored = r.json
    assert stored["status"] == "done" and stored["date"] == "2026-07-01"
    report = stored["report"]
    bottleneck = next(s for s in report["suggestions"] if s["kind"] == "bottleneck" and s["step"] == "requested")
    assert bottleneck["evidence"]["sample_size"] >= bottleneck["evidence"]["needed"]
    assert bottleneck["evidence"]["interval"][0] > 4 * 60
    compared = [e for e in report["experiments"] if e["work_kind"] == "installation"]
    assert [(e["from_version"], e["to_version"]) for e in compared] == [(1, 2)]
    assert compared[0]["orders"]["before"] >= 20 and compared[0]["orders"]["after"] >= 20
    assert compared[0]["expectation"]["direction"] == "lower"
    in_progress = next(m for m in compared[0]["measures"]
                       if m["measure"] == "step_median_minutes" and m.get("step") == "in_progress")
    assert in_progress["verdict"] == "better", in_progress
    dana = {o["owner"]: o for o in report["owners"]}["dispatcher-1"]
    assert dana["flagged"] >= 20 and dana["flagged"] == dana["resolved"] + dana["still_open"]
    assert any(c["period"] == "daily" and c["ran"] > 0 for c in report["checks"])


def test_no_history_order_would_run_an_automation_or_leave_its_technicians_areas(demo):
    maps = {1: demo_history.versions.version(1), 2: demo["history"].version_2}
    for order in demo["history"].orders:
        step = maps[int(order.workflow_version)].step(order.step)
        assert step.is_end and not step.interruption and not step.automations  # an insert enters it: nothing runs
        if order.technician_id:
            assert order.technician_id in demo_history.TECHNICIANS
            area = order.address.postcode.split()[0].rstrip("0123456789")
            assert area in demo_data.TECHNICIANS[order.technician_id]["areas"]


def test_the_history_is_the_seeded_generators(world, clock):
    clock.now = NOW
    maps = {1: demo_history.versions.version(1)}
    first = demo_history.generate(NOW, maps)
    again = demo_history.generate(NOW, maps)
    assert [o.order_id for o in first[0]] == [o.order_id for o in again[0]]
    assert [[(m.to_step, m.at) for m in o.history] for o in first[0]] == [[(m.to_step, m.at) for m in o.history] for o in again[0]]
