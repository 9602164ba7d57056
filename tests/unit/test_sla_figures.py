"""The evaluation judges SLAs on the clock the moves set them with (`reviews.figures.step_figures`
with a business calendar): business hours unless the step says calendar, and no SLA in a step
that waits on the customer or on hold for the customer."""
import copy
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from chalicelib.core.business_time import Calendar
from chalicelib.data.models import Move, OrderModel
from chalicelib.reviews import figures
from chalicelib.workflow import process_map
from infra.demo_data import BUSINESS, ESTIMATE_MAP, PROCESS_MAP

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
CALENDAR = Calendar(BUSINESS["opening_hours"], (), LONDON)  # weekdays 08:00-18:00, Saturdays 09:00-13:00
EVENING = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # a Tuesday; London is on GMT
START, END = datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 28, tzinfo=UTC)
NOW = END


def _order(stays, order_id="WO-1", map_definition=PROCESS_MAP) -> OrderModel:
    history, moment, previous = [], EVENING, None
    for stay in stays:
        step, minutes, waiting_on = (*stay, None)[:3]
        history.append(Move(from_step=previous, to_step=step, by="admin-1", at=moment, waiting_on=waiting_on))
        previous = step
        if minutes is not None:
            moment += timedelta(minutes=minutes)
    return OrderModel(order_id=order_id, workflow_id="default", workflow_version=1, step=previous,
                      step_entered_at=history[-1].at, history=history)


def _figures(orders, definition=PROCESS_MAP, calendar=CALENDAR) -> dict:
    versions = {1: process_map.from_definition(definition, 1)}
    visits = [v for o in orders for v in figures.visits(o)]
    return {row["step"]: row for row in figures.step_figures(visits, versions, START, END, NOW, calendar)}


def test_a_request_answered_next_morning_met_its_four_business_hours():
    # In at 17:30, booked at 10:00 the next day: 16.5 hours on the wall, 2.5 business hours
    rows = _figures([_order([("requested", 990), ("scheduled", None)])])
    assert (rows["requested"]["sla_met"], rows["requested"]["sla_breached"]) == (1, 0)
    assert rows["requested"]["sla_clock"] == "business"


def test_without_a_calendar_the_same_request_is_judged_in_calendar_time():
    rows = _figures([_order([("requested", 990), ("scheduled", None)])], calendar=None)
    assert (rows["requested"]["sla_met"], rows["requested"]["sla_breached"]) == (0, 1)


def test_a_step_on_the_calendar_clock_is_breached_overnight():
    definition = copy.deepcopy(PROCESS_MAP)
    next(s for s in definition["steps"] if s["key"] == "requested")["sla_clock"] = "calendar"
    rows = _figures([_order([("requested", 990), ("scheduled", None)])], definition)
    assert (rows["requested"]["sla_met"], rows["requested"]["sla_breached"]) == (0, 1)
    assert rows["requested"]["sla_clock"] == "calendar"


def test_a_request_left_past_its_business_hours_is_breached():
    # 17:30 Tuesday to 13:00 Wednesday: 5.5 business hours
    rows = _figures([_order([("requested", 1170), ("scheduled", None)])])
    assert (rows["requested"]["sla_met"], rows["requested"]["sla_breached"]) == (0, 1)


def test_a_step_that_waits_on_the_customer_is_never_judged():
    definition = copy.deepcopy(ESTIMATE_MAP)
    quoted = next(s for s in definition["steps"] if s["key"] == "quoted")
    quoted["waits_on_customer"] = True
    order = _order([("requested", 60), ("scheduled", 60), ("en_route", 30), ("on_site", 60),
                    ("quoted", 3 * 24 * 60), ("won", None)], map_definition=definition)
    rows = _figures([order], definition)
    assert (rows["quoted"]["sla_met"], rows["quoted"]["sla_breached"]) == (0, 0)
    assert rows["quoted"]["left"] == 1  # its time still counts


def test_on_hold_for_the_customer_is_never_judged_but_on_hold_otherwise_is():
    waiting = _order([("requested", 60), ("on_hold", 20 * 24 * 60, "customer"), ("requested", None)], "WO-WAIT")
    held = _order([("requested", 60), ("on_hold", 20 * 24 * 60), ("requested", None)], "WO-HELD")
    rows = _figures([waiting, held])
    assert (rows["on_hold"]["sla_met"], rows["on_hold"]["sla_breached"]) == (0, 1)


def test_the_time_in_a_step_is_also_measured_on_its_sla_clock_which_a_new_sla_is_set_from():
    # 17:30 to 10:00 the next day: 990 minutes on the wall, 150 business minutes (30 + 120)
    rows = _figures([_order([("requested", 990), ("scheduled", None)], order_id=f"WO-{i}") for i in range(3)])
    assert (rows["requested"]["p90_minutes"], rows["requested"]["p90_sla_clock_minutes"]) == (990, 150)
    rows = _figures([_order([("requested", 990), ("scheduled", None)])], calendar=None)
    assert rows["requested"]["p90_sla_clock_minutes"] == 990


def test_a_change_of_sla_proposes_business_minutes_for_a_business_hours_sla():
    from chalicelib.reviews import suggestions

    definition = copy.deepcopy(PROCESS_MAP)
    for step in definition["steps"]:
        if step["key"] in ("requested", "scheduled"):
            step["sla_minutes"] = 60
    versions = {1: process_map.from_definition(definition, 1)}
    # both breach their hour; the longer wait, `scheduled`, is the bottleneck, and the SLA of
    # `requested` is the one to change
    orders = [_order([("requested", 990), ("scheduled", 3000), ("en_route", None)], order_id=f"WO-{i}")
              for i in range(30)]
    visits = [v for o in orders for v in figures.visits(o)]
    steps = figures.step_figures(visits, versions, START, END, NOW, CALENDAR)
    found = [s for s in suggestions.suggestions(steps, versions) if s["kind"] == "change_sla"]
    assert [s["numbers"]["proposed_sla_minutes"] for s in found] == [150]
    assert "set the SLA at 2 h 30 min of business hours" in found[0]["text"]
