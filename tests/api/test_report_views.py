"""What the office's report pages read: the list of a period's reviews (to pick one by date), the
CSV download link, staff named by name (`people`), the bottleneck, and each suggestion with the
figures it rests on. The week is the one tests/api/test_reviews.py evaluates (same durations)."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
import requests

from chalicelib.data.models import CalendarDayModel, ReviewModel
from chalicelib.reviews import report_views, runs
from tests.support import sla_clock
from tests.support.helpers import order_through, timeline
from tests.support.world import FIXED_NOW

UTC = timezone.utc
WEEK = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday of the week before FIXED_NOW


def demo_week():
    """Ten orders through the whole map (in progress over its 8 h SLA for four of them), one sent
    back and cancelled, one put on hold; tech-1 and tech-2 booked for part of the week."""
    for i in range(1, 11):
        order_through(timeline(WEEK, ("requested", 10 * i), ("scheduled", 1440), ("en_route", 1),
                               ("in_progress", 600 if i <= 4 else 120), ("completed", 30), ("invoiced", 480 * i),
                               ("paid", 60), ("closed", None)), "tech-1").save()
    order_through(timeline(WEEK, ("requested", 30), ("scheduled", 60), ("requested", 30), ("cancelled", None))).save()
    order_through(timeline(WEEK, ("requested", 20), ("scheduled", 1440), ("en_route", 1), ("in_progress", 60),
                           ("on_hold", 120), ("in_progress", 60), ("completed", None))).save()
    CalendarDayModel("tech-1", "2026-11-24", appointments=[], booked_minutes=300).save()
    CalendarDayModel("tech-2", "2026-11-25", appointments=[], booked_minutes=120).save()


def weekly(as_):
    r = as_("admin").post("/reviews/run", {"period": "weekly"})
    assert r.status == 201, r
    return r.json


# --- the list of a period's reviews -------------------------------------------------------------------

def test_the_list_gives_a_period_s_reviews_newest_first_with_their_days_and_who_ran_them(world, clock, as_):
    runs.run("weekly", FIXED_NOW - timedelta(days=7), "schedule")  # the week of 16 November, by the schedule
    weekly(as_)  # the week of 23 November, by the admin
    r = as_("admin").get("/reports/reviews/list?period=weekly")
    assert r.status == 200, r
    assert r.json["period"] == "weekly" and r.json["next_before"] is None
    assert [(v["date"], v["from"], v["to"], v["status"], v["run_by"]) for v in r.json["reviews"]] == [
        ("2026-11-23", "2026-11-23", "2026-11-29", "done", "Alex Morgan"),
        ("2026-11-16", "2026-11-16", "2026-11-22", "done", "the schedule"),
    ]
    assert as_("admin").get("/reports/reviews/list?period=monthly").json["reviews"] == []


def test_the_list_pages_on_from_the_last_date_shown(world, clock):
    for week in range(5):
        runs.run("weekly", FIXED_NOW - timedelta(days=7 * week), "schedule")
    first = report_views.list_reviews({"period": "weekly", "limit": "2"})
    assert [v["date"] for v in first["reviews"]] == ["2026-11-23", "2026-11-16"] and first["next_before"] == "2026-11-16"
    second = report_views.list_reviews({"period": "weekly", "limit": "2", "before": first["next_before"]})
    assert [v["date"] for v in second["reviews"]] == ["2026-11-09", "2026-11-02"]
    last = report_views.list_reviews({"period": "weekly", "limit": "2", "before": second["next_before"]})
    assert [v["date"] for v in last["reviews"]] == ["2026-10-26"] and last["next_before"] is None


@pytest.mark.parametrize("period, first, last", [
    ("daily", "2026-11-30", "2026-11-30"), ("weekly", "2026-11-23", "2026-11-29"),
    ("monthly", "2026-02-01", "2026-02-28"), ("monthly", "2026-12-01", "2026-12-31"),
    ("quarterly", "2026-10-01", "2026-12-31"), ("quarterly", "2027-01-01", "2027-03-31"),
])
def test_each_period_ends_on_its_last_local_day(period, first, last):
    assert report_views.last_day(period, datetime.fromisoformat(first).date()).isoformat() == last


def test_a_running_review_is_listed_as_running(world, clock, as_):
    ReviewModel("daily", "2026-11-30", status="running", run_id="busy", trigger="schedule",
                claimed_at=FIXED_NOW, started_at=FIXED_NOW).save()
    listed, = as_("admin").get("/reports/reviews/list?period=daily").json["reviews"]
    assert (listed["status"], listed["finished_at"]) == ("running", None)


@pytest.mark.parametrize("query, field", [
    ("period=yearly", "period"), ("", "period"), ("period=daily&limit=0", "limit"), ("period=daily&limit=101", "limit"),
    ("period=daily&limit=ten", "limit"), ("period=daily&before=30-11-2026", "before"),
])
def test_a_bad_list_query_names_its_field(world, as_, query, field):
    r = as_("admin").get(f"/reports/reviews/list?{query}")
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == field


@pytest.mark.parametrize("who", ["dispatcher", "tech1"])
@pytest.mark.parametrize("path", ["/reports/reviews/list?period=daily", "/reports/reviews/csv?period=daily"])
def test_only_admins_may_list_reviews_or_download_them(as_, who, path):
    r = as_(who).get(path)
    assert r.status == 403 and r.json["error"]["code"] == "forbidden"


# --- the CSV download ---------------------------------------------------------------------------------

def test_the_csv_link_downloads_the_stored_csv_as_an_attachment(world, clock, as_):
    demo_week()
    weekly(as_)
    r = as_("admin").get("/reports/reviews/csv?period=weekly&date=2026-11-27")  # any day of the week
    assert r.status == 200, r
    assert (r.json["filename"], r.json["date"], r.json["expires_in"]) == ("weekly-review-2026-11-23.csv", "2026-11-23", 300)
    download = requests.get(r.json["url"], timeout=10)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="weekly-review-2026-11-23.csv"'
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    in_progress = next(r for r in rows if r["workflow_version"] == "all" and r["step"] == "in_progress")
    assert (in_progress["sla_breached"], in_progress["sla_compliance_percent"]) == ("4", "66.7")


def test_the_csv_of_a_review_still_running_or_missing_is_refused(world, clock, as_):
    assert as_("admin").get("/reports/reviews/csv?period=weekly&date=2026-11-23").status == 404
    assert as_("admin").get("/reports/reviews/csv?period=daily&date=30/11/2026").status == 422
    ReviewModel("daily", "2026-11-30", status="running", run_id="busy", trigger="schedule",
                claimed_at=FIXED_NOW, started_at=FIXED_NOW).save()
    r = as_("admin").get("/reports/reviews/csv?period=daily&date=2026-11-30")
    assert r.status == 409 and r.json["error"]["code"] == "conflict"


# --- names, the bottleneck, the numbers behind the suggestions ----------------------------------------

def test_a_review_names_every_staff_member_it_mentions(world, clock, as_):
    demo_week()
    review = weekly(as_)
    people = review["people"]
    assert people["dispatcher-1"] == "Dana Whitfield" and people["admin-1"] == "Alex Morgan"
    owners = {s["owner"] for s in review["report"]["steps"] if s["owner"]}
    technicians = {t["technician_id"] for t in review["report"]["utilization"]["technicians"]}
    told = {t["to"] for t in review["told"]}
    assert owners | technicians | told | {review["trigger"]} <= set(people)
    assert people["tech-1"] == "Sam Fischer"
    # the stored review answers the same names
    assert as_("admin").get("/reports/reviews?period=weekly").json["people"] == people


def test_the_daily_check_names_the_owners_of_its_items(world, clock, as_, monkeypatch):
    sla_clock.count_calendar_time(monkeypatch)  # about names, not the SLA's clock: every minute counts
    order_through([("requested", FIXED_NOW - timedelta(hours=5))]).save()  # past its 4 h SLA: the dispatcher's
    r = as_("admin").post("/reviews/run", {"period": "daily"})
    assert r.status == 201, r
    item, = r.json["report"]["items"]
    assert r.json["people"][item["owner"]] == "Dana Whitfield"


def test_the_evaluation_names_its_bottleneck_and_backs_each_suggestion_with_its_figures(world, clock, as_):
    # Thirty orders through the map: ten hours in "requested" (its SLA is 4 h), two days in
    # "invoiced" (within its 30 days), a minute "on the way"
    for i in range(30):
        order_through(timeline(WEEK, ("requested", 600 + i % 5), ("scheduled", 60), ("en_route", 1), ("in_progress", 120),
                               ("completed", 30), ("invoiced", 2880 + 10 * i), ("paid", 60), ("closed", None)),
                      "tech-1").save()
    report = weekly(as_)["report"]
    bottleneck = report["bottleneck"]
    assert (bottleneck["step"], bottleneck["median_minutes"], bottleneck["left"]) == ("requested", 602, 30)
    assert report["previous"]["bottleneck"] is None  # nothing left a step the week before
    found = {s["kind"]: s for s in report["suggestions"]}
    assert found["bottleneck"]["evidence"] == {
        "sample_size": 30, "needed": 20, "method": "bootstrap percentile interval of the median (1000 resamples)",
        "interval": bottleneck["median_interval_minutes"], "confidence": 0.9}
    text = found["bottleneck"]["text"]
    # invoiced is longer, but within its promise: the longest wait beyond its promise is named
    assert text.startswith("The longest wait beyond its promise is in 'Requested' (longer: 'Invoiced'")
    assert "30 orders" in text and "90% interval" in text and "breached in 30 of 30 visits" in text
    assert found["remove_step"]["step"] == "en_route" and found["remove_step"]["numbers"]["same_next_step"] == 30
    assert found["remove_step"]["id"] == "remove_step:installation:en_route"
    assert all(s["evidence"]["sample_size"] >= s["evidence"]["needed"] for s in report["suggestions"])
    version, = report["versions"]
    assert version["bottleneck"]["step"] == "requested" and version["published_by"] == "admin-1"
    assert version["published_at"].endswith("Z")
