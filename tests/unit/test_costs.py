"""What each step costs (`reviews.costs`), over orders built in memory through the demo map with
staff time stated per step: technicians the whole time on the way and on site, the dispatcher 10
minutes a request, the admin 5 minutes a completed and an invoiced order.

The definitions the costs keep: a role with minutes counts them per visit entering the step in
the period; a role without minutes counts the whole visit, for visits leaving it in the period;
no role, no staff time; money only when the business states a cost per hour for the role; per
month = the period's figure x 30.44 / its days; the customer's waits end in the period."""
import copy
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.data.models import OrderModel
from chalicelib.reviews import costs
from chalicelib.reviews.figures import Window
from chalicelib.workflow import process_map
from infra.demo_data import PROCESS_MAP
from tests.support.helpers import order_of_stays as order_through

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
WEEK_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = Window(date(2026, 11, 23), date(2026, 11, 29), LONDON)
STAFF = {"requested": ("dispatcher", 10), "en_route": ("technician", None), "in_progress": ("technician", None),
         "completed": ("admin", 5), "invoiced": ("admin", 5)}
RATES = {"technician": 3500, "dispatcher": 2200, "admin": 2800}
SETTINGS = {"currency": "GBP", "cost_per_hour_cents": RATES}


def costed_map(staff=STAFF) -> process_map.ProcessMap:
    document = copy.deepcopy(PROCESS_MAP)
    for step in document["steps"]:
        role, minutes = staff.get(step["key"], (None, None))
        step["staff_role"], step["staff_minutes"] = role, minutes
    return process_map.from_definition(document, 1)


VERSIONS = {1: costed_map()}




def full(i: int, start: datetime = WEEK_START) -> OrderModel:
    """Requested 60 min, scheduled 1 d, on the way 30 min, on site 2 h, completed 60 min, invoiced
    2 d, paid 1 h, closed."""
    return order_through(start, ("requested", 60), ("scheduled", 1440), ("en_route", 30), ("in_progress", 120),
                         ("completed", 60), ("invoiced", 2880), ("paid", 60), ("closed", None), order_id=f"WO-{i}")


def rows(report) -> dict:
    return {r["step"]: r for r in report["steps"]}


def test_a_step_with_minutes_per_visit_counts_them_for_each_visit_and_prices_them_at_its_roles_rate():
    report = costs.report([full(i) for i in range(6)], VERSIONS, WEEK, SETTINGS)
    requested = rows(report)["requested"]
    assert requested["staff_role"] == "dispatcher" and requested["staff_time"] == "per_visit"
    assert requested["visits"] == 6 and requested["staff_minutes_per_visit"] == 10
    assert requested["staff_hours"] == 1.0
    assert requested["cost_cents"] == 2200
    # a week scaled to a month of 30.44 days
    assert requested["per_month"]["staff_hours"] == round(30.44 / 7, 1)
    assert requested["per_month"]["cost_cents"] == round(2200 * 30.44 / 7)
    assert requested["per_month"]["visits"] == round(6 * 30.44 / 7, 1)


def test_a_step_with_a_role_and_no_minutes_counts_the_whole_time_in_it():
    report = costs.report([full(i) for i in range(4)], VERSIONS, WEEK, SETTINGS)
    on_site = rows(report)["in_progress"]
    assert on_site["staff_time"] == "whole_time"
    assert on_site["visits"] == 4 and on_site["staff_minutes_per_visit"] == 120
    assert on_site["staff_hours"] == 8.0 and on_site["cost_cents"] == 8 * 3500
    assert rows(report)["en_route"]["staff_hours"] == 2.0


def test_a_step_with_no_role_takes_no_staff_time_but_the_customer_still_waits_in_it():
    scheduled = rows(costs.report([full(i) for i in range(3)], VERSIONS, WEEK, SETTINGS))["scheduled"]
    assert scheduled["staff_role"] is None and scheduled["staff_time"] is None
    assert scheduled["staff_hours"] == 0 and scheduled["visits"] == 0
    assert scheduled["customer_hours"] == 72.0
    assert scheduled["per_month"]["customer_hours"] == round(72 * 30.44 / 7, 1)


def test_without_costs_per_hour_there_are_hours_and_no_money():
    report = costs.report([full(1)], VERSIONS, WEEK, {"currency": "GBP"})
    assert report["rates_per_hour_cents"] == {}
    assert all(r["cost_cents"] is None and r["per_month"]["cost_cents"] is None for r in report["steps"])
    assert rows(report)["in_progress"]["staff_hours"] == 2.0


def test_a_role_without_a_rate_has_no_money_and_the_others_keep_theirs():
    report = costs.report([full(1)], VERSIONS, WEEK, {"currency": "GBP", "cost_per_hour_cents": {"technician": 3500}})
    assert rows(report)["requested"]["cost_cents"] is None
    assert rows(report)["in_progress"]["cost_cents"] == 7000


def test_only_visits_in_the_period_count():
    before = full(1, WEEK_START - timedelta(days=14))
    straddling = order_through(datetime(2026, 11, 29, 23, 0, tzinfo=UTC), ("requested", 120), ("scheduled", None),
                               order_id="WO-LATE")  # entered on Sunday, left on Monday after the week
    found = rows(costs.report([before, straddling], VERSIONS, WEEK, SETTINGS))
    assert found["requested"]["visits"] == 1  # entered in the week: its 10 minutes count
    assert found["requested"]["customer_hours"] == 0  # it left after the week: its wait counts then
    assert found["in_progress"]["visits"] == 0


def test_each_version_counts_with_its_own_staff_time():
    v2 = costed_map({**STAFF, "requested": ("dispatcher", 20)})
    newer = full(2)
    newer.workflow_version = 2
    found = rows(costs.report([full(1), newer], {1: VERSIONS[1], 2: v2}, WEEK, SETTINGS))
    assert found["requested"]["staff_hours"] == 0.5 and found["requested"]["visits"] == 2


def test_the_customers_waits_from_request_to_visit_completion_to_invoice_and_invoice_to_payment():
    waits = costs.report([full(i) for i in range(5)], VERSIONS, WEEK, SETTINGS)["customer_waits"]
    # requested 1 h + scheduled 24 h + on the way 0.5 h before the visit step
    assert waits["request_to_visit"] == {"orders": 5, "median_hours": 25.5, "p90_hours": 25.5}
    assert waits["completion_to_invoice"] == {"orders": 5, "median_hours": 1.0, "p90_hours": 1.0}
    assert waits["invoice_to_payment"] == {"orders": 5, "median_hours": 48.0, "p90_hours": 48.0}


def test_a_wait_counts_in_the_period_it_ended_and_not_before_it_ended():
    unpaid = order_through(WEEK_START, ("requested", 60), ("scheduled", 60), ("en_route", 30), ("in_progress", 60),
                           ("completed", 30), ("invoiced", None))
    waits = costs.customer_waits([unpaid], WEEK)
    assert waits["request_to_visit"]["orders"] == 1 and waits["completion_to_invoice"]["orders"] == 1
    assert waits["invoice_to_payment"] == {"orders": 0, "median_hours": None, "p90_hours": None}


def test_an_estimate_is_visited_on_site():
    estimate = order_through(WEEK_START, ("requested", 60), ("scheduled", 60), ("en_route", 30), ("on_site", 60),
                             ("quoted", None))
    assert costs.customer_waits([estimate], WEEK)["request_to_visit"]["median_hours"] == 2.5


def remove_suggestion(step="en_route", **extra):
    return {"kind": "remove_step", "id": f"remove_step:installation:{step}", "work_kind": "installation",
            "step": step, "label": "On the way", "text": "It is a candidate to remove.", **extra}


def test_a_remove_step_suggestion_reads_as_staff_hours_money_and_waiting_saved_a_month():
    # 30 orders a week through a dispatcher step of 10 minutes
    v = costed_map({**STAFF, "en_route": ("dispatcher", 10)})
    orders = [full(i) for i in range(30)]
    report = costs.report(orders, {1: v}, WEEK, SETTINGS)
    found = costs.attach_savings([remove_suggestion(), {"kind": "bottleneck", "step": "invoiced", "text": "x"}], report)
    saving = found[0]["saving"]
    assert saving["staff_hours_per_month"] == round(5 * 30.44 / 7, 1)  # 21.7
    assert saving["cost_cents_per_month"] == round(5 * 2200 * 30.44 / 7)
    assert saving["customer_hours_per_month"] == round(15 * 30.44 / 7, 1)
    assert found[0]["text"] == ("It is a candidate to remove. Removing it saves about 22 staff hours (£478) and "
                                "65 hours of customers' waiting a month.")
    assert found[1]["saving"] is None and found[1]["text"] == "x"


def test_a_saving_without_costs_per_hour_is_said_in_hours_only():
    report = costs.report([full(i) for i in range(7)], VERSIONS, WEEK, {"currency": "GBP"})
    found = costs.attach_savings([remove_suggestion("requested")], report)[0]
    assert found["saving"]["cost_cents_per_month"] is None
    assert found["text"].endswith("Removing it saves about 5.1 staff hours and 30 hours of customers' waiting a month.")


def test_a_saving_matches_the_suggestions_kind_of_work():
    report = costs.report([full(1)], VERSIONS, WEEK, SETTINGS)
    other = costs.attach_savings([remove_suggestion(work_kind="repair")], report)[0]
    assert other["saving"] == {"staff_hours_per_month": 0, "cost_cents_per_month": None, "customer_hours_per_month": 0}


@pytest.mark.parametrize("cents, currency, said", [(54000, "GBP", "£540"), (123456, "EUR", "€1,235"),
                                                   (99, "USD", "$1"), (150000, "SEK", "SEK 1,500")])
def test_money_is_said_in_whole_units_of_the_business_currency(cents, currency, said):
    assert costs.money_rounded(cents, currency) == said


def test_bad_rates_in_the_settings_are_left_out():
    assert costs.rates({"cost_per_hour_cents": {"technician": "lots", "admin": True, "dispatcher": 2200, "ceo": 9}}) \
        == {"dispatcher": 2200}
    assert costs.rates({"cost_per_hour_cents": None}) == {}
