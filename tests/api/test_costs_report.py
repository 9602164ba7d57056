"""The evaluation says what each step costs: the demo business's cost per hour per role, the staff
time of each step of its map (the dispatcher's 10 minutes a request, the technician's whole time on
site), per period and per month, and the customer's waits; and every suggestion carries its draft
map change (or none) for the editor."""
from datetime import datetime, timedelta, timezone

from tests.support.helpers import order_through

UTC = timezone.utc
WEEK = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the Monday before FIXED_NOW


def test_the_weekly_evaluation_says_what_each_step_costs_and_how_long_customers_wait(world, as_, clock):
    for i in range(4):
        start = WEEK + timedelta(hours=i)
        order_through([("requested", start), ("scheduled", start + timedelta(hours=1)),
                       ("en_route", start + timedelta(days=1)), ("in_progress", start + timedelta(days=1, minutes=30)),
                       ("completed", start + timedelta(days=1, hours=2, minutes=30)),
                       ("invoiced", start + timedelta(days=1, hours=3))]).save()
    r = as_("admin").get("/reports/process?from=2026-11-23&to=2026-11-29")
    assert r.status == 200, r
    costs = r.json["costs"]
    assert costs["currency"] == "GBP"
    assert costs["rates_per_hour_cents"] == {"technician": 3500, "dispatcher": 2200, "admin": 2800}
    rows = {row["step"]: row for row in costs["steps"] if row["work_kind"] == "installation"}
    assert rows["requested"]["visits"] == 4 and rows["requested"]["staff_minutes_per_visit"] == 10
    assert rows["requested"]["cost_cents"] == round(4 * 10 / 60 * 2200)
    assert rows["in_progress"]["staff_time"] == "whole_time" and rows["in_progress"]["staff_hours"] == 8.0
    assert rows["in_progress"]["cost_cents"] == 8 * 3500
    assert rows["in_progress"]["per_month"]["staff_hours"] == round(8 * 30.44 / 7, 1)
    assert rows["scheduled"]["staff_role"] is None and rows["scheduled"]["staff_hours"] == 0
    waits = costs["customer_waits"]
    assert waits["request_to_visit"] == {"orders": 4, "median_hours": 24.5, "p90_hours": 24.5}
    assert waits["completion_to_invoice"] == {"orders": 4, "median_hours": 0.5, "p90_hours": 0.5}
    assert waits["invoice_to_payment"]["orders"] == 0
    assert all("draft" in s and "saving" in s for s in r.json["suggestions"])
