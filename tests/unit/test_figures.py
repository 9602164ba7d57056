"""Process figures and suggestions (`reviews.figures`, `reviews.suggestions`) over orders built in
memory with their history of moves, against the demo map as version 1.

The definitions the figures keep (see `reviews.evaluation`): only moves count (a history entry
from a step to itself is a reschedule); a visit runs from a move into a step to the next move
out; its time counts in the period it left; an SLA is met by a visit that left before it ran
out (counted when it left), breached by one still there when it ran out (counted then); the
map order leaves interruption steps out, so moves into or out of them are neither rework nor
skips; the 90th percentile is the nearest-rank one."""
import copy
import math
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.data.models import Move, OrderModel
from chalicelib.reviews import figures, suggestions
from chalicelib.reviews.figures import Window
from chalicelib.workflow import process_map
from infra.demo_data import PROCESS_MAP
from tests.support.helpers import order_of_stays as order_through

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
V1 = process_map.from_definition(PROCESS_MAP, 1)
VERSIONS = {1: V1}
WEEK_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday; London is on GMT
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # the Monday after
WEEK = Window(date(2026, 11, 23), date(2026, 11, 29), LONDON)




def demo_week() -> list[OrderModel]:
    """Ten orders through the whole map, one sent back and cancelled, one put on hold: order i
    (1..10) is requested for 10 i minutes, scheduled 1 d, on the way 1 min, in progress 10 h for
    i <= 4 (over the 8 h SLA) else 2 h, completed 30 min, invoiced 8 h x i, paid 1 h, closed."""
    orders = [
        order_through(WEEK_START, ("requested", 10 * i), ("scheduled", 1440), ("en_route", 1),
                      ("in_progress", 600 if i <= 4 else 120), ("completed", 30), ("invoiced", 480 * i),
                      ("paid", 60), ("closed", None), order_id=f"WO-{i}")
        for i in range(1, 11)
    ]
    orders.append(order_through(WEEK_START, ("requested", 30), ("scheduled", 60), ("requested", 30), ("cancelled", None),
                                order_id="WO-BACK"))
    orders.append(order_through(WEEK_START, ("requested", 20), ("scheduled", 1440), ("en_route", 1), ("in_progress", 60),
                                ("on_hold", 120), ("in_progress", 60), ("completed", None), order_id="WO-HOLD"))
    return orders


def all_visits(orders) -> list:
    return [v for o in orders for v in figures.visits(o)]


def by_step(rows) -> dict:
    return {r["step"]: r for r in rows}


@pytest.fixture(scope="module")
def week() -> dict:
    orders = demo_week()
    steps = figures.step_figures(all_visits(orders), VERSIONS, WEEK.start, WEEK.end, NOW)
    return {"orders": orders, "steps": steps, "by_step": by_step(steps)}


# --- median and the 90th percentile --------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ([], None), ([7], 7), ([3, 1, 2], 2), ([1, 2, 3, 4], 2.5), ([0.04, 0.06], 0.1), ([1.25, 1.3], 1.3),
])
def test_the_median_is_the_usual_one_to_one_decimal(values, expected):
    assert figures.median(values) == expected


@pytest.mark.parametrize("values, expected", [
    ([], None),
    ([5], 5),
    (list(range(1, 11)), 9),  # the 9th of 10
    (list(range(1, 12)), 10),  # ceil(9.9) = the 10th of 11
    (list(range(1, 21)), 18),
    ([100, 1, 50, 2, 3, 4, 5, 6, 7, 8], 50),  # order does not matter
    ([10 / 3] * 3, 3.3),
])
def test_the_90th_percentile_is_the_nearest_rank_one(values, expected):
    assert figures.p90(values) == expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=200))
def test_the_90th_percentile_is_the_smallest_value_with_at_least_nine_tenths_at_or_below_it(values):
    found = figures.p90(values)
    # nearest rank: a value of the data, with >= 90% of the data at or below it, and < 90% below it
    assert found in values
    at_or_below = sum(v <= found for v in values)
    below = sum(v < found for v in values)
    assert 10 * at_or_below >= 9 * len(values) > 10 * below
    assert min(values) <= figures.median(values) <= max(values)


# --- moves and visits -----------------------------------------------------------------------------------

@pytest.mark.parametrize("from_step, to_step, kind", [
    ("scheduled", "en_route", None),  # the next step
    ("scheduled", "requested", "rework"),  # back
    ("in_progress", "requested", "rework"),
    ("scheduled", "in_progress", "skip"),  # past the next step
    ("requested", "completed", "skip"),
    ("in_progress", "on_hold", None),  # interruptions are neither
    ("on_hold", "requested", None),
    ("scheduled", "cancelled", None),
    ("scheduled", "teleported", None),  # not in the map
])
def test_a_move_is_rework_a_skip_or_neither_by_the_map_order(from_step, to_step, kind):
    assert figures.move_kind(V1, from_step, to_step) == kind


def test_without_a_map_a_move_is_neither_rework_nor_skip():
    assert figures.move_kind(None, "scheduled", "requested") is None


def test_the_main_line_leaves_out_the_interruption_steps():
    assert list(figures.main_line(V1)) == ["requested", "scheduled", "en_route", "in_progress", "completed", "invoiced",
                                           "paid", "closed"]


def test_a_visit_runs_from_a_move_into_a_step_to_the_next_move_out():
    o = order_through(WEEK_START, ("requested", 30), ("scheduled", 60), ("en_route", None))
    assert figures.visits(o) == [
        figures.Visit("WO-1", 1, "requested", WEEK_START, WEEK_START + timedelta(minutes=30), "scheduled", left_by="admin-1"),
        figures.Visit("WO-1", 1, "scheduled", WEEK_START + timedelta(minutes=30), WEEK_START + timedelta(minutes=90), "en_route",
                      left_by="admin-1"),
        figures.Visit("WO-1", 1, "en_route", WEEK_START + timedelta(minutes=90), None, None),
    ]


def test_a_reschedule_is_not_a_move_and_does_not_split_the_visit():
    # Given an order rescheduled (scheduled -> scheduled) half-way through its stay
    o = order_through(WEEK_START, ("requested", 30), ("scheduled", 60), ("en_route", None))
    o.history = o.history[:2] + [Move(from_step="scheduled", to_step="scheduled", by="dispatcher-1",
                                      at=WEEK_START + timedelta(minutes=45))] + o.history[2:]
    # Then the stay in scheduled is one visit of 60 minutes
    scheduled = [v for v in figures.visits(o) if v.step == "scheduled"]
    assert len(scheduled) == 1 and scheduled[0].left - scheduled[0].entered == timedelta(minutes=60)
    assert len(figures.moves(o)) == 3


# --- windows and months ---------------------------------------------------------------------------------

def test_a_window_runs_from_local_midnight_to_local_midnight_after_its_last_day():
    assert (WEEK.start, WEEK.end) == (datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    assert WEEK.days() == [date(2026, 11, 23) + timedelta(days=i) for i in range(7)]


def test_the_day_the_clocks_go_forward_is_23_hours_long_and_the_day_they_go_back_25():
    spring = Window(date(2027, 3, 28), date(2027, 3, 28), LONDON)
    autumn = Window(date(2026, 10, 25), date(2026, 10, 25), LONDON)
    assert spring.end - spring.start == timedelta(hours=23)
    assert autumn.end - autumn.start == timedelta(hours=25)
    assert autumn.start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # midnight BST


def test_the_window_before_has_the_same_length_and_ends_the_day_before():
    before = WEEK.before()
    assert (before.first_day, before.last_day) == (date(2026, 11, 16), date(2026, 11, 22))
    assert before.end == WEEK.start
    month = Window(date(2026, 3, 1), date(2026, 3, 31), LONDON).before()
    assert (month.first_day, month.last_day) == (date(2026, 1, 29), date(2026, 2, 28))  # 31 days, not "February"


def test_months_are_the_utc_months_from_start_to_end_both_included():
    assert figures.months(datetime(2026, 11, 23, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)) == [
        "2026-11", "2026-12", "2027-01", "2027-02"]
    # 23:30 on 31 December in New York is already January in UTC
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert figures.months(new_years_eve, new_years_eve) == ["2027-01"]


# --- step figures: the demo week --------------------------------------------------------------------------

def test_requested_times_are_those_of_every_order_that_left_it(week):
    # requested: 10, 20 ... 100 (orders 1-10), 30 and 30 (the one sent back), 20 (the one put on hold)
    requested = week["by_step"]["requested"]
    assert (requested["entered"], requested["left"]) == (13, 13)
    durations = sorted([10 * i for i in range(1, 11)] + [30, 30, 20])
    assert requested["median_minutes"] == durations[6] == 40
    assert requested["p90_minutes"] == durations[math.ceil(0.9 * 13) - 1] == 90
    assert requested["next_steps"] == {"scheduled": 12, "cancelled": 1}


def test_a_move_back_counts_as_rework_of_the_step_it_left(week):
    scheduled = week["by_step"]["scheduled"]
    # 1 d eleven times, 1 h once (sent back to requested)
    assert (scheduled["median_minutes"], scheduled["p90_minutes"]) == (1440, 1440)
    assert (scheduled["backward_moves"], scheduled["skips"]) == (1, 0)
    assert scheduled["next_steps"] == {"en_route": 11, "requested": 1}


def test_sla_breaches_are_visits_that_stayed_past_the_sla(week):
    # in progress: 1 h twice, 2 h six times, 10 h four times (SLA 8 h: four breaches)
    in_progress = week["by_step"]["in_progress"]
    assert (in_progress["median_minutes"], in_progress["p90_minutes"]) == (120, 600)
    assert (in_progress["sla_met"], in_progress["sla_breached"]) == (8, 4)
    assert in_progress["sla_compliance_percent"] == round(100 * 8 / 12, 1) == 66.7
    # the move into on hold is neither rework nor a skip
    assert (in_progress["backward_moves"], in_progress["skips"]) == (0, 0)


def test_an_order_still_in_a_step_past_its_sla_is_breached_and_waiting(week):
    # completed: 30 min ten times (SLA 1 h); the order still there ran over
    completed = week["by_step"]["completed"]
    assert (completed["sla_met"], completed["sla_breached"], completed["waiting_at_end"]) == (10, 1, 1)
    assert (completed["entered"], completed["left"]) == (11, 10)


def test_end_steps_have_entries_but_no_one_waits_in_them(week):
    closed, cancelled = week["by_step"]["closed"], week["by_step"]["cancelled"]
    assert (closed["entered"], cancelled["entered"]) == (10, 1)
    assert closed["end_step"] and cancelled["end_step"]
    assert closed["waiting_at_end"] == cancelled["waiting_at_end"] == 0
    assert closed["median_minutes"] is None and closed["sla_compliance_percent"] is None


def test_every_step_of_the_map_has_a_row_in_the_map_s_order(week):
    assert [r["step"] for r in week["steps"]] == [s.key for s in V1.steps]
    on_hold = week["by_step"]["on_hold"]
    assert (on_hold["label"], on_hold["owner"], on_hold["sla_minutes"]) == ("On hold", "dispatcher-1", 4320)
    assert (on_hold["entered"], on_hold["median_minutes"]) == (1, 120)


def test_the_invoiced_step_is_the_bottleneck_of_the_week(week):
    invoiced = week["by_step"]["invoiced"]
    # 8 h x 1 ... 10: the median of 2640 and the 9th of 10 is 4320
    assert (invoiced["median_minutes"], invoiced["p90_minutes"]) == ((2400 + 2880) / 2, 4320)


# --- step figures: the period boundaries -------------------------------------------------------------------

def test_time_in_a_step_counts_in_the_period_the_visit_left():
    # Given an order that entered "scheduled" the week before and left it this week
    o = order_through(WEEK.start - timedelta(hours=2), ("requested", 60), ("scheduled", 120), ("en_route", None))
    this_week = by_step(figures.step_figures(figures.visits(o), VERSIONS, WEEK.start, WEEK.end, NOW))
    week_before = WEEK.before()
    last_week = by_step(figures.step_figures(figures.visits(o), VERSIONS, week_before.start, week_before.end, NOW))
    # Then its entry counts last week and its 120 minutes this week
    assert (last_week["scheduled"]["entered"], last_week["scheduled"]["left"]) == (1, 0)
    assert (this_week["scheduled"]["entered"], this_week["scheduled"]["left"], this_week["scheduled"]["median_minutes"]) == (0, 1, 120)
    # and it was still in "scheduled" at the end of last week
    assert last_week["scheduled"]["waiting_at_end"] == 1 and this_week["scheduled"]["waiting_at_end"] == 0


def test_an_sla_that_has_not_run_out_yet_is_neither_met_nor_breached():
    # Given an order in "requested" (SLA 4 h) for two hours, now
    now = WEEK_START + timedelta(hours=2)
    o = order_through(WEEK_START, ("requested", None))
    requested = by_step(figures.step_figures(figures.visits(o), VERSIONS, WEEK.start, WEEK.end, now))["requested"]
    assert (requested["sla_met"], requested["sla_breached"], requested["waiting_at_end"]) == (0, 0, 1)
    # When the SLA runs out (exactly at the due time) it is breached
    due = WEEK_START + timedelta(hours=4)
    requested = by_step(figures.step_figures(figures.visits(o), VERSIONS, WEEK.start, WEEK.end, due))["requested"]
    assert requested["sla_breached"] == 1


def test_a_breach_counts_in_the_period_the_sla_ran_out():
    # Given an order entering "requested" 2 h before the week ends and leaving 6 h later
    entered = WEEK.end - timedelta(hours=2)
    o = order_through(entered, ("requested", 360), ("scheduled", None))
    now = WEEK.end + timedelta(days=1)
    this_week = by_step(figures.step_figures(figures.visits(o), VERSIONS, WEEK.start, WEEK.end, now))["requested"]
    next_week = Window(date(2026, 11, 30), date(2026, 12, 6), LONDON)
    following = by_step(figures.step_figures(figures.visits(o), VERSIONS, next_week.start, next_week.end, now))["requested"]
    # Then the breach (due 2 h into the next week) counts next week, not this one
    assert (this_week["sla_breached"], following["sla_breached"]) == (0, 1)
    assert following["sla_met"] == 0


def test_a_step_only_an_older_version_had_is_shown_when_it_has_something():
    # Given version 2 without "on the way", and an order on version 1 that went through it
    document = copy.deepcopy(PROCESS_MAP)
    document["steps"] = [s for s in document["steps"] if s["key"] != "en_route"]
    for s in document["steps"]:
        s["next"] = [n for n in s["next"] if n != "en_route"]
    v2 = process_map.from_definition(document, 2)
    o = order_through(WEEK_START, ("requested", 30), ("scheduled", 60), ("en_route", 5), ("in_progress", None))
    rows = figures.step_figures(figures.visits(o), {1: V1, 2: v2}, WEEK.start, WEEK.end, NOW)
    keys = [r["step"] for r in rows]
    # Then en_route is listed after version 2's steps, with version 1's label
    assert keys[:len(v2.steps)] == [s.key for s in v2.steps] and keys[-1] == "en_route"
    assert by_step(rows)["en_route"]["label"] == "On the way"
    # and with nothing in the period, only the newest map's steps are listed
    quiet = figures.step_figures(figures.visits(o), {1: V1, 2: v2}, WEEK.before().start, WEEK.before().end, NOW)
    assert [r["step"] for r in quiet] == [s.key for s in v2.steps]


def test_next_steps_are_listed_most_taken_first():
    orders = [order_through(WEEK_START, ("requested", 10), (target, None), order_id=f"WO-{i}")
              for i, target in enumerate(["on_hold", "scheduled", "cancelled", "scheduled"])]
    rows = by_step(figures.step_figures(all_visits(orders), VERSIONS, WEEK.start, WEEK.end, NOW))
    assert list(rows["requested"]["next_steps"].items()) == [("scheduled", 2), ("cancelled", 1), ("on_hold", 1)]


# --- cycle time and first-visit completion -----------------------------------------------------------------

def test_cycle_time_runs_from_creation_to_the_first_move_into_paid(week):
    found = figures.cycle_time(week["orders"], WEEK.start, WEEK.end)
    # created to paid, in minutes: 10 i + 1 d + 1 + (10 h or 2 h) + 30 + 8 h x i
    minutes = sorted(10 * i + 1440 + 1 + (600 if i <= 4 else 120) + 30 + 480 * i for i in range(1, 11))
    assert found == {"orders": 10, "median_hours": round((minutes[4] + minutes[5]) / 2 / 60, 1),
                     "p90_hours": round(minutes[8] / 60, 1)}


def test_an_order_not_paid_in_the_period_has_no_cycle_time():
    o = order_through(WEEK_START, ("requested", 10), ("scheduled", None))
    assert figures.cycle_time([o], WEEK.start, WEEK.end) == {"orders": 0, "median_hours": None, "p90_hours": None}


def test_first_visit_completion_leaves_out_orders_put_on_hold_or_sent_back(week):
    # eleven orders completed in the week; the one put on hold was not a first visit
    assert figures.first_visit(week["orders"], VERSIONS, WEEK.start, WEEK.end) == {
        "completed": 11, "first_visit": 10, "percent": 90.9}


def test_an_order_sent_back_before_completion_is_not_a_first_visit():
    o = order_through(WEEK_START, ("requested", 10), ("scheduled", 10), ("requested", 10), ("scheduled", 10),
                      ("en_route", 10), ("in_progress", 10), ("completed", None))
    assert figures.first_visit([o], VERSIONS, WEEK.start, WEEK.end) == {"completed": 1, "first_visit": 0, "percent": 0.0}


def test_without_completed_orders_first_visit_completion_is_unknown():
    assert figures.first_visit([], VERSIONS, WEEK.start, WEEK.end) == {"completed": 0, "first_visit": 0, "percent": None}


# --- evidence in the step figures --------------------------------------------------------------------------

def test_each_step_says_how_many_orders_left_it_and_the_interval_of_its_median(week):
    requested, invoiced = week["by_step"]["requested"], week["by_step"]["invoiced"]
    assert (requested["orders_left"], invoiced["orders_left"]) == (12, 10)  # the order sent back left twice
    lo, hi = invoiced["median_interval_minutes"]
    assert lo <= invoiced["median_minutes"] <= hi
    assert week["by_step"]["closed"]["median_interval_minutes"] is None  # nothing left it


def test_the_interval_is_the_same_every_time():
    again = figures.step_figures(all_visits(demo_week()), VERSIONS, WEEK.start, WEEK.end, NOW)
    first = figures.step_figures(all_visits(demo_week()), VERSIONS, WEEK.start, WEEK.end, NOW)
    assert [r["median_interval_minutes"] for r in again] == [r["median_interval_minutes"] for r in first]


def test_shares_of_cycle_time_are_the_medians_over_their_sum_without_end_and_interruption_steps(week):
    shares = {r["step"]: r["share_of_cycle_percent"] for r in week["steps"]}
    assert shares["closed"] is None and shares["on_hold"] is None and shares["cancelled"] is None
    assert sum(v for v in shares.values() if v is not None) == pytest.approx(100, abs=0.5)
    total = sum(r["median_minutes"] for r in week["steps"]
                if r["median_minutes"] is not None and r["step"] not in ("on_hold", "closed", "cancelled"))
    assert shares["invoiced"] == round(100 * 2640 / total, 1)


def test_rework_says_where_orders_were_sent_back_to(week):
    assert week["by_step"]["scheduled"]["sent_back_to"] == {"requested": 1}


# --- suggestions ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("minutes, words", [
    (None, "-"), (0, "0 min"), (0.4, "0 min"), (45, "45 min"), (59.6, "1 h"), (60, "1 h"), (200, "3 h 20 min"),
    (1440, "1 d"), (2640, "1 d 20 h"), (3000, "2 d 2 h"), (1441, "1 d"),
])
def test_a_duration_is_written_in_plain_words(minutes, words):
    assert suggestions.human(minutes) == words


def test_a_week_of_twelve_orders_suggests_nothing_and_says_what_it_lacks(week):
    # The fresh-demo bug: a bottleneck named from a handful of orders. Twelve orders are too few.
    found, short = suggestions.evaluate(week["steps"], VERSIONS, work_kind="repair")
    assert found == []
    by_step_ = {entry["step"]: entry for entry in short}
    assert by_step_["invoiced"]["text"] == "Not enough data yet for 'Invoiced' (10 orders; at least 20 needed)."
    assert by_step_["requested"]["text"] == "Not enough data yet for 'Requested' (12 orders; at least 20 needed)."
    assert all(entry["needed"] == 20 and entry["work_kind"] == "repair" for entry in short)
    assert suggestions.bottleneck(week["steps"], VERSIONS) is None


def test_the_bottleneck_names_the_period_before_when_known():
    rows = [_row("requested", left=40, median_minutes=30, median_interval_minutes=[25, 35], share_of_cycle_percent=10.0),
            _row("invoiced", left=40, median_minutes=600, median_interval_minutes=[500, 700], share_of_cycle_percent=90.0)]
    previous = {"steps": [{"step": "invoiced", "median_minutes": 300}]}
    # no SLA judged: the wait is beyond its promise when clearly longer than the period before
    (found,) = suggestions.suggestions(rows, VERSIONS, previous)
    assert found["kind"] == "bottleneck" and found["text"].endswith("the period before, a median of 5 h.")
    assert found["numbers"]["previous_median_minutes"] == 300
    assert suggestions.suggestions(rows, VERSIONS, {"steps": [{"step": "invoiced", "median_minutes": 400}]}) == []


def _row(step, **figures_):
    info = V1.step(step)
    return {"step": step, "label": info.label, "owner": info.owner, "end_step": info.is_end, "left": 0, "orders_left": 0,
            "interruption": info.interruption, "sla_minutes": info.sla_minutes, "median_minutes": None,
            "p90_minutes": None, "median_interval_minutes": None, "p90_interval_minutes": None,
            "share_of_cycle_percent": None, "sla_met": 0, "sla_breached": 0, "backward_moves": 0, "next_steps": {},
            "sent_back_to": {}, **figures_}


def test_the_start_step_and_interruptions_are_never_suggested_for_removal():
    quick = dict(left=40, median_minutes=1, p90_minutes=1)
    rows = [_row("requested", next_steps={"scheduled": 40}, **quick), _row("on_hold", next_steps={"in_progress": 40}, **quick)]
    assert "remove_step" not in [s["kind"] for s in suggestions.suggestions(rows, VERSIONS)]


def test_a_step_that_leads_to_different_steps_decides_something():
    row = _row("en_route", left=40, median_minutes=1, p90_minutes=2, next_steps={"in_progress": 34, "on_hold": 6})
    assert "remove_step" not in [s["kind"] for s in suggestions.suggestions([row], VERSIONS)]


def test_changes_are_the_differences_with_the_period_before():
    current = {"steps": [{"step": "requested", "entered": 13, "median_minutes": 40, "p90_minutes": 90, "sla_compliance_percent": 100.0},
                         {"step": "scheduled", "entered": 12, "median_minutes": None, "p90_minutes": None, "sla_compliance_percent": None}],
               "cycle_time": {"median_hours": 71.4}, "first_visit_completion": {"percent": 90.9},
               "utilization": {"percent": 4.3}}
    previous = {"steps": [{"step": "requested", "entered": 3, "median_minutes": 55.5, "p90_minutes": None, "sla_compliance_percent": 66.7}],
                "cycle_time": {"median_hours": 70.1}, "first_visit_completion": {"percent": None},
                "utilization": {"percent": 5.0}}
    assert suggestions.changes(current, previous) == {
        "steps": [
            {"step": "requested", "entered": 10, "median_minutes": -15.5, "p90_minutes": None, "sla_compliance_percent": 33.3},
            # a step the period before did not list had no entries then, and no known times
            {"step": "scheduled", "entered": 12, "median_minutes": None, "p90_minutes": None, "sla_compliance_percent": None},
        ],
        "cycle_time_median_hours": 1.3,
        "first_visit_completion_percent": None,
        "utilization_percent": -0.7,
    }
