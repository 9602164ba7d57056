"""What the evaluation suggests, and only with the evidence for it (`reviews.suggestions`), the
version-against-version experiments (`reviews.experiments`) and the pure entry point
`evaluation.judge`, over rows and orders built in memory against the demo map (version 1).

The rules (see reviews.suggestions): enough visits (20), 90% intervals that clear the threshold,
a bottleneck only where orders wait beyond the step's promise, nothing from machinery (a step an
automation leaves) or from the customer's own time. The planted-effect histories
(tests/unit/test_evaluation_planted.py) test the same rules on months of generated orders."""
import copy
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.data.models import Move, OrderModel
from chalicelib.reviews import evaluation, experiments, suggestions
from chalicelib.reviews.figures import Window
from chalicelib.workflow import process_map
from infra.demo_data import PROCESS_MAP

UTC = timezone.utc
V1 = process_map.from_definition(PROCESS_MAP, 1)
VERSIONS = {1: V1}
QUARTER = Window(date(2026, 9, 1), date(2026, 11, 30), ZoneInfo("Europe/London"))
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


def row(step, **figures_):
    """A step's figures as figures.step_figures gives them (only what the rules read)."""
    info = V1.step(step)
    return {"step": step, "label": info.label, "owner": info.owner, "end_step": info.is_end,
            "interruption": info.interruption, "waits_on_customer": info.waits_on_customer,
            "sla_minutes": info.sla_minutes, "left": 0, "orders_left": 0, "left_by_system": 0, "median_minutes": None,
            "p90_minutes": None, "median_interval_minutes": None, "p90_interval_minutes": None,
            "share_of_cycle_percent": None, "sla_met": 0, "sla_breached": 0, "backward_moves": 0, "next_steps": {},
            "sent_back_to": {}, "waiting_at_end": 0, **figures_}


def timed(step, n, median, interval, p90=None, **more):
    return row(step, left=n, orders_left=n, median_minutes=median, median_interval_minutes=interval,
               p90_minutes=p90 if p90 is not None else median * 2, **more)


def kinds(found) -> list[tuple]:
    return [(s["kind"], s["step"] or s["owner"]) for s in found]


# --- the bottleneck ---------------------------------------------------------------------------------------

def test_the_bottleneck_is_the_longest_wait_beyond_its_promise_with_its_evidence():
    rows = [timed("requested", 40, 900, [800, 1000], 1500, sla_met=4, sla_breached=36, share_of_cycle_percent=60.0),
            timed("scheduled", 40, 400, [350, 450], sla_met=40)]
    (found,), short = suggestions.evaluate(rows, VERSIONS, work_kind="installation")
    assert (found["kind"], found["id"], found["step"], found["owner"]) == (
        "bottleneck", "bottleneck:installation:requested", "requested", "dispatcher-1")
    assert found["evidence"] == {"sample_size": 40, "needed": 20, "interval": [800, 1000], "confidence": 0.9,
                                 "method": "bootstrap percentile interval of the median (1000 resamples)"}
    assert found["numbers"]["share_of_cycle_percent"] == 60.0 and found["numbers"]["next_longest_step"] is None
    text = found["text"]
    assert text.startswith("Orders wait longest in 'Requested': a median of 15 h (90% interval 13 h 20 min to 16 h 40 min, 40 orders)")
    assert "60% of the time through the map" in text and "breached in 36 of 40 visits (90%" in text
    assert found["saving"] is None and found["draft"] is None and short == []


def test_a_long_wait_within_its_promise_is_not_a_bottleneck():
    # Orders wait days in "scheduled" for their appointment, as the 14-day SLA promises
    rows = [timed("scheduled", 60, 4000, [3800, 4200], sla_met=60), timed("requested", 60, 60, [50, 70], sla_met=60)]
    assert suggestions.evaluate(rows, VERSIONS) == ([], [])


def test_a_shorter_wait_beyond_its_promise_is_named_as_such_not_as_the_longest():
    rows = [timed("scheduled", 60, 4000, [3800, 4200], sla_met=60),
            timed("requested", 60, 900, [850, 950], sla_breached=55, sla_met=5)]
    (found,) = suggestions.suggestions(rows, VERSIONS)
    assert found["step"] == "requested"
    assert found["text"].startswith("The longest wait beyond its promise is in 'Requested' (longer: 'Scheduled', 2 d 18 h")


def test_the_customer_s_time_and_an_automation_s_step_are_never_the_bottleneck():
    document = copy.deepcopy(PROCESS_MAP)
    next(s for s in document["steps"] if s["key"] == "invoiced")["waits_on_customer"] = True
    versions = {1: process_map.from_definition(document, 1)}
    rows = [timed("invoiced", 40, 15000, [14000, 16000], sla_breached=30, sla_met=10, waits_on_customer=True),
            timed("completed", 40, 300, [280, 320], sla_breached=40, left_by_system=40)]
    assert suggestions.bottleneck(rows, versions) is None
    assert "bottleneck" not in [s["kind"] for s in suggestions.suggestions(rows, versions)]


def test_never_a_bottleneck_from_a_few_orders_the_fresh_demo_bug():
    # One order 3 minutes in invoiced; requested's 90th percentile at 1,446 minutes over 7 orders
    rows = [timed("requested", 7, 300, [120, 900], 1446, sla_breached=5, sla_met=2), timed("invoiced", 1, 3, None)]
    found, short = suggestions.evaluate(rows, VERSIONS, work_kind="installation")
    assert found == []
    assert [e["text"] for e in short] == ["Not enough data yet for 'Requested' (7 orders; at least 20 needed).",
                                         "Not enough data yet for 'Invoiced' (1 orders; at least 20 needed)."]


def test_a_bottleneck_whose_interval_reaches_the_next_wait_is_uncertain_and_says_why():
    rows = [timed("requested", 30, 500, [380, 640], sla_breached=25, sla_met=5),
            timed("in_progress", 30, 420, [400, 440], sla_breached=20, sla_met=10)]
    found, (entry,) = suggestions.evaluate(rows, VERSIONS, work_kind="installation")
    assert "bottleneck" not in [s["kind"] for s in found]
    assert (entry["about"], entry["step"], entry["sample_size"]) == ("bottleneck", "requested", 30)
    assert "is not clearly longer than 'In progress' (7 h)" in entry["text"]


# --- a step to remove ---------------------------------------------------------------------------------------

QUICK = dict(median=1, interval=[1, 2], p90=3)


def test_a_short_step_that_always_leads_to_the_same_next_step_is_a_candidate_to_remove():
    (found,) = suggestions.suggestions([timed("en_route", 40, next_steps={"in_progress": 40}, sla_met=40, **QUICK)], VERSIONS,
                                       work_kind="installation")
    assert (found["kind"], found["id"]) == ("remove_step", "remove_step:installation:en_route")
    assert found["evidence"]["interval"][0] >= 90 and found["evidence"]["sample_size"] == 40
    assert "40 of 40 orders (100%, 90% interval" in found["text"] and "candidate to remove" in found["text"]
    assert "notify_customer" in found["text"]  # what removing it would lose: move it first


@pytest.mark.parametrize("step, figures_", [
    ("en_route", dict(left=19, next_steps={"in_progress": 19})),  # too few visits
    ("en_route", dict(next_steps={"in_progress": 36, "on_hold": 4})),  # it decides something: 90%, lower end under
    ("en_route", dict(next_steps={"in_progress": 40}, p90=20)),  # not short
    ("en_route", dict(next_steps={"in_progress": 40}, sla_breached=1)),  # it held an order up
    ("en_route", dict(next_steps={"in_progress": 38, "scheduled": 2}, backward_moves=2)),  # sent back from it
    ("completed", dict(next_steps={"invoiced": 40}, left_by_system=40)),  # machinery: its automation moves it on
    ("requested", dict(next_steps={"scheduled": 40})),  # the start step
    ("on_hold", dict(next_steps={"in_progress": 40})),  # an interruption
])
def test_a_step_that_does_something_is_not_suggested_for_removal(step, figures_):
    n = figures_.pop("left", 40)
    figures_ = {**QUICK, **figures_}
    r = timed(step, n, figures_.pop("median"), figures_.pop("interval"), figures_.pop("p90"), **figures_)
    assert "remove_step" not in [s["kind"] for s in suggestions.suggestions([r], VERSIONS)]


# --- add a check -------------------------------------------------------------------------------------------

def test_rework_a_check_would_catch_asks_for_one_with_its_share_and_interval():
    r = timed("scheduled", 40, 300, [280, 320], backward_moves=10, sent_back_to={"requested": 10}, sla_met=40)
    (found,) = suggestions.suggestions([r], VERSIONS, work_kind="installation")
    assert (found["kind"], found["step"], found["numbers"]["sent_back_to"]) == ("add_check", "scheduled", "requested")
    assert found["numbers"]["rework_percent"] == 25.0 and found["evidence"]["interval"][0] >= 5
    assert found["text"].startswith("10 of 40 orders leaving 'Scheduled' (25%, 90% interval")
    assert "an exit condition on 'Requested'" in found["text"]


@pytest.mark.parametrize("n, back", [(40, 3), (20, 2), (19, 10)])
def test_a_little_rework_or_few_visits_ask_for_nothing(n, back):
    r = timed("scheduled", n, 300, [280, 320], backward_moves=back, sent_back_to={"requested": back})
    assert suggestions.suggestions([r], VERSIONS) == []


# --- change an owner -----------------------------------------------------------------------------------

def test_an_owner_whose_steps_hold_most_breaches_is_overloaded():
    rows = [timed("requested", 60, 200, [150, 300], sla_breached=18, sla_met=42),
            timed("in_progress", 60, 100, [90, 110], sla_breached=15, sla_met=45),
            timed("completed", 60, 20, [15, 25], sla_breached=1, sla_met=59)]
    found = suggestions.suggestions(rows, VERSIONS, work_kind="installation")
    (owner,) = [s for s in found if s["kind"] == "change_owner"]
    assert (owner["id"], owner["owner"], owner["step"]) == ("change_owner:installation:dispatcher-1", "dispatcher-1", None)
    assert owner["numbers"]["sla_breached"] == 33 and owner["numbers"]["heaviest_step"] == "requested"
    assert "hold 33 of the 34 SLA breaches" in owner["text"]
    # its steps' SLAs are the symptom, not a change of SLA to suggest
    assert "change_sla" not in [s["kind"] for s in found]


def test_breaches_spread_evenly_over_the_owners_name_nobody():
    rows = [timed("requested", 60, 200, [150, 300], sla_breached=6, sla_met=54),
            timed("completed", 60, 20, [15, 25], sla_breached=5, sla_met=55)]
    assert suggestions.suggestions(rows, VERSIONS) == []


def record(flagged, acted, owner="dispatcher-1"):
    return {"owner": owner, "name": "Dana Whitfield", "flagged": flagged, "acted_within_day": acted,
            "acted_later": flagged - acted, "escalated": 0, "untouched": 0, "resolved": flagged, "still_open": 0,
            "median_hours_to_act": 30.0, "percent_acted_within_day": round(100 * acted / flagged, 1) if flagged else None}


def test_an_owner_slow_to_act_on_the_daily_review_is_named_from_their_record():
    (found,), short = suggestions.slow_owners([record(12, 2), record(12, 10, "admin-1"), record(4, 0, "tech-1")],
                                              "installation")
    assert (found["kind"], found["id"], found["numbers"]["reason"]) == (
        "change_owner", "change_owner:installation:dispatcher-1", "slow_to_act")
    assert found["text"].startswith("Dana Whitfield acted on 2 of 12 flagged items within a day (16.7%, 90% interval")
    assert found["evidence"]["interval"][1] < 50
    assert [e["text"] for e in short] == [
        "Not enough data yet for Dana Whitfield's review record (4 flagged items; at least 10 needed)."]


def test_an_overloaded_owner_slow_to_act_gets_one_suggestion_saying_both():
    overloaded = suggestions._suggestion("change_owner", "installation", None, None, "dispatcher-1", "Overloaded.",
                                         {"reason": "overloaded"}, {})
    slow, _ = suggestions.slow_owners([record(12, 2)], "installation")
    (merged,) = suggestions.merge([overloaded], slow)
    assert merged["text"].startswith("Overloaded. Dana Whitfield acted on 2 of 12")
    assert merged["numbers"]["review_record"]["flagged"] == 12


# --- change an SLA -------------------------------------------------------------------------------------

def test_an_sla_breached_most_of_the_time_is_set_at_the_observed_90th_percentile():
    rows = [timed("completed", 40, 90, [80, 100], 170, sla_breached=30, sla_met=10, p90_interval_minutes=[150, 200]),
            timed("requested", 40, 1000, [900, 1100], sla_breached=35, sla_met=5)]
    bottleneck, found = suggestions.suggestions(rows, VERSIONS, work_kind="installation")
    assert (bottleneck["kind"], bottleneck["step"]) == ("bottleneck", "requested")  # its SLA: a symptom, not said
    assert (found["kind"], found["step"], found["numbers"]["proposed_sla_minutes"]) == ("change_sla", "completed", 180)
    assert found["numbers"]["reason"] == "breached_most"
    assert "breached in 30 of 40 visits (75%" in found["text"] and "set the SLA at 3 h" in found["text"]


def test_an_sla_far_looser_than_the_work_is_tightened_and_a_fair_one_left_alone():
    loose = timed("in_progress", 40, 20, [18, 22], 30, sla_met=40, p90_interval_minutes=[25, 35])
    (found,) = suggestions.suggestions([loose], VERSIONS)
    assert found["numbers"]["reason"] == "far_looser" and found["numbers"]["proposed_sla_minutes"] == 30
    fair = timed("in_progress", 40, 200, [180, 220], 300, sla_met=40, p90_interval_minutes=[280, 330])
    assert suggestions.suggestions([fair], VERSIONS) == []


# --- judge(): orders in, the judgement out --------------------------------------------------------------

def order_through(start, *stays, order_id, version=1, by=None):
    """An order created at `start` that spent (step, minutes) in each step in turn (the last
    stay's minutes None: still there); `by` {step: who moved it out} (default "dispatcher-1")."""
    history, moment, previous, mover = [], start, None, "dispatcher-1"
    for step, minutes in stays:
        history.append(Move(from_step=previous, to_step=step, by=mover, at=moment))
        mover = (by or {}).get(step, "dispatcher-1")
        previous = step
        if minutes is not None:
            moment += timedelta(minutes=minutes)
    return OrderModel(order_id=order_id, workflow_id="default", workflow_version=version, step=previous,
                      step_entered_at=history[-1].at, history=history, created_at=start)


def quarter(n=40, requested=lambda i: 30 + i % 7, in_progress=lambda i: 120 + i % 11, version=1, start=START,
            prefix="WO", every=timedelta(days=2)):
    """n orders, one every two days, through the whole map within every SLA (and not far under
    it) unless told; the invoicing automation ("system") moves each on from completed."""
    return [order_through(start + i * every, ("requested", requested(i)), ("scheduled", 4320 + 10 * (i % 5)),
                          ("en_route", 30 + i % 4), ("in_progress", in_progress(i)), ("completed", 3 + i % 2),
                          ("invoiced", 1440 * 5 + 60 * (i % 9)), ("paid", 1200 + i % 13), ("closed", None),
                          order_id=f"{prefix}-{i}", version=version, by={"completed": "system"})
            for i in range(n)]


def test_a_healthy_quarter_gets_no_suggestion():
    judged = evaluation.judge(quarter(), VERSIONS, QUARTER, NOW)
    assert judged["suggestions"] == [] and judged["not_enough_data"] == [] and judged["experiments"] == []
    rows = {r["step"]: r for r in judged["steps"]}
    assert rows["requested"]["left"] == 40 and rows["completed"]["left_by_system"] == 40
    assert list(judged["kinds"]) == ["installation"] and judged["kinds"]["installation"] == judged["steps"]


def test_judge_finds_a_planted_bottleneck_and_is_the_same_every_time():
    orders = quarter(requested=lambda i: 600 + 20 * (i % 10))  # 10 h and more: the 4 h SLA breached
    first = evaluation.judge(orders, VERSIONS, QUARTER, NOW)
    assert kinds(first["suggestions"]) == [("bottleneck", "requested")]
    assert evaluation.judge(orders, VERSIONS, QUARTER, NOW) == first


def test_judge_over_a_handful_of_orders_says_what_it_lacks():
    judged = evaluation.judge(quarter(n=5, requested=lambda i: 600), VERSIONS, QUARTER, NOW, owners=[record(3, 0)])
    assert judged["suggestions"] == []
    texts = [e["text"] for e in judged["not_enough_data"]]
    assert "Not enough data yet for 'Requested' (5 orders; at least 20 needed)." in texts
    assert "Not enough data yet for Dana Whitfield's review record (3 flagged items; at least 10 needed)." in texts


# --- experiments: each version against the one before -------------------------------------------------------

V2_AT = START + timedelta(days=41)


def two_versions(label="In progress"):
    document = copy.deepcopy(PROCESS_MAP)
    next(s for s in document["steps"] if s["key"] == "in_progress")["label"] = label
    document["note"] = "Tools packed the night before"
    document["expectation"] = {"text": "Shorter jobs on site", "step": "in_progress", "judge_on": "2026-12-01"}
    v2 = process_map.from_definition(document, 2, published_at=V2_AT, published_by="admin-1")
    return {("default", 1): process_map.from_definition(PROCESS_MAP, 1), ("default", 2): v2}


def versions_history(after_minutes, n_after=40, spacing_hours=12):
    before = quarter(n=40, every=timedelta(days=1))  # version 1's orders, then version 2's
    return before + quarter(n=n_after, in_progress=after_minutes, version=2, start=V2_AT, prefix="V2",
                            every=timedelta(hours=spacing_hours))


def test_a_version_that_shortens_a_step_is_better_on_it_with_its_numbers():
    versions = two_versions()
    (found,) = evaluation.judge(versions_history(lambda i: 60 + i % 11), versions, QUARTER, NOW)["experiments"]
    assert (found["work_kind"], found["from_version"], found["to_version"], found["verdict"]) == ("default", 1, 2, "better")
    assert (found["note"], found["judge_on"], found["judged_by"]) == (
        "Tools packed the night before", "2026-12-01", ["step_median_minutes:in_progress"])
    on_site = next(m for m in found["measures"] if m["step"] == "in_progress")
    assert (on_site["before"]["value"], on_site["after"]["value"], on_site["verdict"]) == (124.5, 64.5, "better")
    assert on_site["difference"]["value"] == -60 and on_site["difference"]["interval"][1] < 0
    assert on_site["before"]["n"] == 40 and on_site["after"]["n"] >= 20
    assert {m["measure"] for m in found["measures"]} == {
        "step_median_minutes", "cycle_time_hours", "sla_compliance_percent", "rework_percent"}
    assert found["text"].startswith("Version 2 against version 1") and "better" in found["text"]


def test_a_version_that_changes_nothing_can_t_be_told_apart():
    (found,) = evaluation.judge(versions_history(lambda i: 120 + i % 11), two_versions(), QUARTER, NOW)["experiments"]
    assert found["verdict"] == "cant_tell"
    assert {m["verdict"] for m in found["measures"]} == {"cant_tell"}


def test_the_newer_version_s_unfinished_orders_do_not_make_it_look_faster():
    # Orders on version 2 take as long, but thirty started last week: only their short jobs have
    # finished (the long ones are still in progress at NOW). Counted as they are, version 2 would
    # look faster; each side is followed for the same time after its start instead.
    history = versions_history(lambda i: 120 + i % 11, n_after=20, spacing_hours=12)
    late = [order_through(NOW - timedelta(days=6, hours=i), ("requested", 30), ("scheduled", 4320), ("en_route", 30),
                          ("in_progress", 30 if i < 25 else None), *([("completed", None)] if i < 25 else []),
                          order_id=f"LATE-{i}", version=2) for i in range(30)]
    (found,) = evaluation.judge(history + late, two_versions(), QUARTER, NOW)["experiments"]
    on_site = next(m for m in found["measures"] if m["step"] == "in_progress")
    assert on_site["verdict"] == "cant_tell" and on_site["after"]["n"] == 20
    assert (found["started"]["after"], found["orders"]["after"]) == (50, 20)
    assert found["follow_up_days"] == round((NOW - V2_AT).total_seconds() / 86400 / 2, 1)
    # (without the follow-up, the short finished jobs would make it "better")
    unfollowed = experiments.compare(quarter(n=40, every=timedelta(days=1)), history[40:] + late,
                                     *two_versions().values(), NOW + timedelta(days=400))
    assert next(m for m in unfollowed["measures"] if m["step"] == "in_progress")["after"]["n"] == 45


def test_too_few_orders_on_a_version_is_not_enough_data_yet():
    judged = evaluation.judge(versions_history(lambda i: 60, n_after=5), two_versions(), QUARTER, NOW)
    (found,) = judged["experiments"]
    assert found["verdict"] == "cant_tell" and "can't tell yet, at least 20 orders on each are needed" in found["text"]
    entry = next(e for e in judged["not_enough_data"] if e["about"] == "version 2 against 1")
    assert entry["text"] == ("Not enough data yet for version 2 against 1 (5 orders on version 2, 40 on version 1; "
                             "at least 20 on each needed).")


def test_experiments_compare_each_version_with_the_one_before_it_only():
    versions = two_versions()
    v3 = process_map.from_definition({**PROCESS_MAP, "note": "again"}, 3, published_at=V2_AT + timedelta(days=5))
    versions[("default", 3)] = v3
    found = experiments.experiments(versions_history(lambda i: 60), versions, NOW)
    assert [(e["from_version"], e["to_version"]) for e in found] == [(1, 2), (2, 3)]
    assert found[1]["orders"]["after"] == 0
