"""SLAs in business time, through the API: the business's holidays and staff costs in its settings
(GET/PUT /business), due times set on the step's clock when an order enters a step, no SLA while
an order is on hold for the customer (`waiting_on` of a move), and the daily review and the
evaluation judging on the same clock.

The world is the demo business: weekdays 08:00-18:00 and Saturdays 09:00-13:00, London (GMT in
winter, so local times are UTC times here); the clock starts on Monday 30 November 2026, 08:00."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.data.models import OrderModel
from chalicelib.reviews import daily_check
from tests.support.world import FIXED_NOW

UTC = timezone.utc
MONDAY_EVENING = FIXED_NOW.replace(hour=17, minute=30)


def fields_of(r) -> dict[str, str]:
    assert r.status == 422, r
    return {d["field"]: d["message"] for d in r.json["error"]["details"]}


def due_of(as_, order_id) -> str | None:
    r = as_("dispatcher").get(f"/orders/{order_id}")
    assert r.status == 200, r
    return r.json["sla_due_at"]


def sla_items(now) -> dict[str, dict]:
    return {i["order_id"]: i for i in daily_check.find_items(now) if i["kind"] == "sla_breach"}


# --- the business settings -----------------------------------------------------------------------

def test_holidays_and_costs_per_hour_are_kept_sorted_and_read_back(as_):
    assert as_("admin").get("/business").json["holidays"] == []
    r = as_("admin").put("/business", {"holidays": ["2026-12-28", "2026-12-25"],
                                       "cost_per_hour_cents": {"technician": 3500, "dispatcher": 2800}})
    assert r.status == 200, r
    stored = as_("dispatcher").get("/business").json
    assert stored["holidays"] == ["2026-12-25", "2026-12-28"]
    assert stored["cost_per_hour_cents"] == {"technician": 3500, "dispatcher": 2800}
    # a change of something else keeps them; an empty list clears the holidays
    assert as_("admin").put("/business", {"payment_terms_days": 30}).json["holidays"] == ["2026-12-25", "2026-12-28"]
    assert as_("admin").put("/business", {"holidays": []}).json["holidays"] == []
    assert as_("admin").put("/business", {"cost_per_hour_cents": {}}).json["cost_per_hour_cents"] == {}


@pytest.mark.parametrize("body, field", [
    ({"holidays": "2026-12-25"}, "holidays"),
    ({"holidays": ["2026-02-30"]}, "holidays[0]"),
    ({"holidays": ["25/12/2026"]}, "holidays[0]"),
    ({"holidays": ["2026-12-25", 20261226]}, "holidays[1]"),
    ({"holidays": ["2026-12-25", "2026-12-25"]}, "holidays[1]"),
    ({"holidays": [f"2026-01-01"] * 101}, "holidays"),
    ({"cost_per_hour_cents": {"technician": -1}}, "cost_per_hour_cents.technician"),
    ({"cost_per_hour_cents": {"technician": 35.5}}, "cost_per_hour_cents.technician"),
    ({"cost_per_hour_cents": {"admin": True}}, "cost_per_hour_cents.admin"),
    ({"cost_per_hour_cents": {"plumber": 100}}, "cost_per_hour_cents.plumber"),
    ({"cost_per_hour_cents": [3500]}, "cost_per_hour_cents"),
])
def test_wrong_holidays_and_costs_are_422_at_their_field(as_, body, field):
    r = as_("admin").put("/business", body)
    assert field in fields_of(r), r.json
    assert as_("admin").get("/business").json["holidays"] == []


def test_every_wrong_field_is_listed_at_once(as_):
    r = as_("admin").put("/business", {"holidays": ["nope", "2026-12-25", "2026-12-25"],
                                       "cost_per_hour_cents": {"technician": -5, "x": 1}})
    assert set(fields_of(r)) == {"holidays[0]", "holidays[2]", "cost_per_hour_cents.technician", "cost_per_hour_cents.x"}


def test_only_an_admin_changes_them(as_):
    assert as_("dispatcher").put("/business", {"holidays": ["2026-12-25"]}).status == 403


# --- due times on the step's clock ----------------------------------------------------------------

def test_a_request_at_1730_with_a_four_hour_sla_is_due_at_1130_the_next_working_day(as_, new_order, clock):
    clock.now = MONDAY_EVENING
    order = new_order()
    assert due_of(as_, order["order_id"]) == "2026-12-01T11:30:00Z"


def test_a_holiday_moves_the_due_time_past_it(as_, new_order, clock):
    assert as_("admin").put("/business", {"holidays": ["2026-12-01"]}).status == 200
    clock.now = MONDAY_EVENING
    order = new_order()
    assert due_of(as_, order["order_id"]) == "2026-12-02T11:30:00Z"


def test_orders_in_flight_keep_their_due_times_when_the_hours_change(as_, new_order, clock):
    clock.now = MONDAY_EVENING
    order = new_order()
    assert as_("admin").put("/business", {"holidays": ["2026-12-01"]}).status == 200
    assert due_of(as_, order["order_id"]) == "2026-12-01T11:30:00Z"


def test_a_step_on_the_calendar_clock_counts_every_minute(as_, new_order, clock):
    # The demo map's "On the way" counts calendar time: the customer is waiting at home
    order = new_order()
    for step in ("scheduled", "en_route"):
        clock.now = MONDAY_EVENING if step == "en_route" else clock.now
        r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions",
                                   {"to": step, "expected_version": order["version"]})
        assert r.status == 200, r
        order = r.json
    assert due_of(as_, order["order_id"]) == "2026-11-30T19:30:00Z"


# --- on hold for the customer ---------------------------------------------------------------------

def _hold(as_, order, **extra):
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions",
                               {"to": "on_hold", "expected_version": order["version"], "note": "customer away", **extra})
    assert r.status == 200, r
    return r.json


def test_an_order_on_hold_for_the_customer_runs_no_sla_and_the_daily_review_skips_it(as_, new_order, clock):
    clock.advance(hours=1)
    waiting = _hold(as_, new_order(), waiting_on="customer")
    held = _hold(as_, new_order())
    assert due_of(as_, waiting["order_id"]) is None
    assert due_of(as_, held["order_id"]) == "2026-12-08T17:00:00Z"  # 72 business hours from Monday 09:00
    assert OrderModel.get(waiting["order_id"]).open_step == "on_hold"  # open, but off the past-SLA index
    history = as_("dispatcher").get(f"/orders/{waiting['order_id']}").json["history"]
    assert history[-1]["to"] == "on_hold" and history[-1]["waiting_on"] == "customer"
    assert "waiting_on" not in as_("dispatcher").get(f"/orders/{held['order_id']}").json["history"][-1]

    ten_days_later = FIXED_NOW + timedelta(days=10)
    assert set(sla_items(ten_days_later)) == {held["order_id"]}


def test_waiting_on_is_only_the_customer_and_only_on_hold(as_, new_order):
    order = new_order()
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions",
                               {"to": "on_hold", "expected_version": order["version"], "waiting_on": "supplier"})
    assert "waiting_on" in fields_of(r)
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions",
                               {"to": "scheduled", "expected_version": order["version"], "waiting_on": "customer"})
    assert "waiting_on" in fields_of(r)
    assert as_("dispatcher").get(f"/orders/{order['order_id']}").json["step"] == "requested"


# --- the daily review and the evaluation, on the same clock ------------------------------------------

def test_the_daily_review_says_business_hours(as_, new_order, clock):
    clock.now = MONDAY_EVENING
    order = new_order()
    tuesday_1pm = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert order["order_id"] not in sla_items(datetime(2026, 12, 1, 11, 29, tzinfo=UTC))
    item = sla_items(tuesday_1pm)[order["order_id"]]
    assert item["since"] == "2026-12-01T11:30:00Z"
    assert item["detail"] == ("In 'Requested' for 5.5 business hours (19 h 30 min in all); its SLA is "
                              "4 business hours, over by 1.5 business hours.")


def test_the_evaluation_judges_the_sla_in_business_hours_and_says_its_clock(as_, new_order, clock):
    clock.now = MONDAY_EVENING
    order = new_order()
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 16.5 hours later; 2.5 business hours
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": "scheduled", "expected_version": 1})
    assert r.status == 200, r
    clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    report = as_("admin").get("/reports/process?from=2026-11-30&to=2026-12-06").json
    steps = {s["step"]: s for s in report["steps"]}
    assert (steps["requested"]["sla_met"], steps["requested"]["sla_breached"]) == (1, 0)
    assert (steps["requested"]["sla_clock"], steps["en_route"]["sla_clock"]) == ("business", "calendar")
