"""The evaluation tested like a measuring instrument: seeded histories (infra.history_generator)
with planted effects, each of which `evaluation.judge` must find, and histories with none
("null": realistic noise only, and a version 2 that changes nothing but a label), on which it
must make no suggestion and give no `better`/`worse` verdict.

A failure names what was missed or said falsely, with the suggestion's own text, and a hint on
why a healthy process looks like that (the generator's docstring describes what it simulates).
"""
from collections import Counter
from datetime import timedelta
from functools import lru_cache
from statistics import median

import pytest

from chalicelib.reviews import evaluation
from infra import history_generator as hg

SEEDS = (11, 12, 13)
NULL_SEEDS = (101, 102, 103, 104, 105, 106)
ORDERS_PER_WEEK = 20  # about 260 orders in 13 weeks: enough for every rule's sample sizes
ESTIMATES_PER_WEEK = 10  # the estimate kind beside them (its own map), in some histories
WITH_ESTIMATES = {105, 106, SEEDS[0]}


@lru_cache(maxsize=None)  # each history once per run (read only: nothing here changes one)
def _history(seed: int, effects: tuple = (), noop_change: bool = False, estimates: bool = False) -> hg.History:
    return hg.generate(seed, effects=effects, orders_per_week=ORDERS_PER_WEEK, noop_change=noop_change,
                       estimates_per_week=ESTIMATES_PER_WEEK if estimates else 0)


def _judge(history: hg.History) -> dict:
    return evaluation.judge(history.orders, history.versions, history.window, history.now,
                            owners=history.owners, calendar=history.calendar)


def _durations(history: hg.History, step: str, version: int | None = None) -> list[float]:
    found = []
    for order in history.orders:
        if version is not None and int(order.workflow_version) != version:
            continue
        moves = [m for m in order.history if m.from_step != m.to_step]
        for a, b in zip(moves, moves[1:]):
            if a.to_step == step:
                found.append((b.at - a.at).total_seconds() / 60)
    return found


def _exits_by(history: hg.History, step: str) -> Counter:
    by = Counter()
    for order in history.orders:
        moves = [m for m in order.history if m.from_step != m.to_step]
        by.update(m.by for m in moves[1:] if m.from_step == step)
    return by


def _hint(history: hg.History, judged: dict, finding: str) -> str:
    """Why a healthy process shows what the finding took for an effect."""
    pm = history.versions[(hg.WORKFLOW_ID, 1)]
    rows = {r["step"]: r for r in judged.get("kinds", {}).get(hg.WORK_KIND, judged.get("steps", []))}
    parts = finding.split(":")
    if finding.startswith("experiment:"):
        return _experiment_hint(judged, parts)
    kind, step = parts[0], parts[-1]
    if not pm.has_step(step):
        return ""
    info, row = pm.step(step), rows.get(step, {})
    exits = _exits_by(history, step)
    if kind in ("remove_step", "change_sla") and exits and set(exits) == {"system"}:
        return (f"'{step}' is left by its automation ({', '.join(info.automations)}) within minutes: every exit is a "
                f"move by 'system'. It is the machinery (it issues the invoice), not a wait or a step a person could "
                f"drop, and its SLA is a watchdog: leave steps left only by the system out of these rules.")
    if kind == "bottleneck" and info.waits_on_customer:
        return (f"'{step}' waits on the customer (the payment, on 14 days' terms; the map marks it waits_on_customer): "
                f"the customer's time, not the business's. Leave waits_on_customer steps out of the bottleneck, as "
                f"remove_step does.")
    if kind == "bottleneck":
        return (f"every process has a longest wait; here it is '{step}' (median {row.get('median_minutes')} min) and "
                f"its SLA was met in {row.get('sla_met')} of {row.get('sla_met', 0) + row.get('sla_breached', 0)} "
                f"visits: orders wait there as long as the step promises. Name a bottleneck only where the wait is "
                f"beyond the promise (its SLA breached in most visits, or clearly longer than the period before).")
    return ""


def _experiment_hint(judged: dict, parts: list[str]) -> str:
    """Why a version 2 that changes nothing (or only the planted step) came out better or worse on
    a measure: chance over many measures, or orders on version 2 followed for less time."""
    measure, step = parts[3], None if parts[4] == "None" else parts[4]
    experiment = next((e for e in judged.get("experiments") or []
                       if f"{e.get('from_version')}->{e.get('to_version')}" == parts[2]), None)
    if experiment is None or measure == "verdict":
        return "the experiment's own verdict, from measures that changed by chance or from censoring (see above)."
    measures = experiment.get("measures") or []
    m = next((m for m in measures if m.get("measure") == measure and m.get("step") == step), None)
    if m is None:
        return ""
    before, after = m.get("before") or {}, m.get("after") or {}
    judged_measures = sum(1 for x in measures if x.get("verdict") != "cant_tell")
    relative = (abs(after["value"] - before["value"]) / before["value"] * 100
                if before.get("value") and after.get("value") is not None else None)
    words = (f"before {before.get('value')} (n {before.get('n')}), after {after.get('value')} (n {after.get('n')})"
             + (f", {relative:.0f}% apart" if relative is not None else "") + ". ")
    confidence = (m.get("difference") or {}).get("confidence") or experiment.get("confidence") or 0.9
    hints = []
    if confidence < 0.99:
        hints.append(f"Chance: {len(measures)} measures each judged at {confidence:g} give about "
                     f"{len(measures) * (1 - confidence):.1f} verdicts by chance when nothing changed ({judged_measures} "
                     f"here): judge each at 1 - 0.1/{len(measures)} (Bonferroni).")
    else:
        hints.append(f"The difference's interval is at {confidence:g}, yet this came out: on skewed (lognormal), "
                     f"truncated times the bootstrap's standard error of a median is too small. Use the percentile "
                     f"interval of the bootstrap differences, or ask for a difference that matters (the interval "
                     f"clear of, say, 25% of the value before; the planted change is 40%).")
    if experiment.get("follow_up_days") is None:
        hints.append("Censoring: the orders started on version 2 have had less time, so a long wait or a cycle is "
                     "seen only for those that finished quickly; compare both sides over the same follow-up.")
    return words + " ".join(hints)


def _explain(history: hg.History, judged: dict, result: dict) -> str:
    texts = {s.get("id"): s.get("text") for s in judged.get("suggestions") or []}
    lines = [f"seed {history.seed}, effects {[e.name for e in history.effects]}:"]
    for expected in result["missed"]:
        lines.append(f"  MISSED {expected}")
    for finding in result["false"]:
        lines.append(f"  FALSE  {finding}: {texts.get(finding, '')}")
        hint = _hint(history, judged, finding)
        if hint:
            lines.append(f"         why it is false: {hint}")
    return "\n".join(lines)


# --- the generator -------------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    a, b, c = (hg.generate(seed, effects=("rework",), orders_per_week=ORDERS_PER_WEEK) for seed in (7, 7, 8))
    assert a is not b
    def shape(h):
        return [(o.order_id, o.technician_id, [(m.from_step, m.to_step, m.by, m.at) for m in o.history]) for o in h.orders]
    assert shape(a) == shape(b)
    assert a.review_items == b.review_items and a.owners == b.owners
    assert shape(a) != shape(c)


def test_a_null_history_looks_like_a_healthy_business():
    history = _history(NULL_SEEDS[0], noop_change=True)
    zone = history.calendar.zone
    orders = history.orders
    assert 200 <= len(orders) <= 330
    created = [o.history[0].at.astimezone(zone) for o in orders]
    # Requests on working days, in opening hours but for the evening online ones.
    assert all(c.weekday() < 6 for c in created)
    in_hours = [c for c in created if history.calendar.minutes_between(c, c + timedelta(seconds=1)) > 0]
    assert 0.8 <= len(in_hours) / len(orders) <= 0.97
    assert {o.source for o in orders} == {"phone", "email", "online"}
    pm = history.versions[(hg.WORKFLOW_ID, 1)]
    for order in orders:
        moves = order.history
        assert moves[0].to_step == pm.start_step and moves[0].at == order.created_at
        for a, b in zip(moves, moves[1:]):
            assert b.to_step in pm.step(a.to_step).next, (order.order_id, a.to_step, b.to_step)
            assert b.at > a.at
        assert moves[-1].at <= history.now and order.step == moves[-1].to_step
    ends = Counter(o.step for o in orders)
    assert ends["closed"] > len(orders) / 2 and ends["cancelled"] >= 3
    assert sum(n for step, n in ends.items() if step not in ("closed", "cancelled")) >= 20  # still open at the end
    assert any(m.to_step == "on_hold" for o in orders for m in o.history)
    # Each step within its SLA nearly always: the median well under it.
    assert median(_durations(history, "requested")) < 120
    assert 15 < median(_durations(history, "en_route")) < 40
    assert 150 < median(_durations(history, "in_progress")) < 210
    assert median(_durations(history, "invoiced")) > 7 * 1440  # the customer's payment
    assert set(_exits_by(history, "completed")) == {"system"}  # the invoicing automation
    technicians = {o.technician_id for o in orders if o.technician_id}
    assert technicians == set(hg.TECHNICIANS)
    # No technician has two jobs in one slot.
    slots = Counter((o.technician_id, o.appointment_start) for o in orders if o.appointment_start and o.step != "cancelled")
    assert max(slots.values()) == 1


def test_each_planted_effect_is_in_the_data():
    null = _history(12)
    bottleneck = _history(12, ("bottleneck",))
    assert median(_durations(bottleneck, "requested")) > 10 * median(_durations(null, "requested"))
    idle = _history(12, ("idle_step",))
    assert max(_durations(idle, "en_route")) < 10 and _exits_by(idle, "en_route").keys() <= set(hg.TECHNICIANS)
    assert {b.to_step for o in idle.orders for a, b in zip(o.history, o.history[1:]) if a.to_step == "en_route"} == {"in_progress"}
    rework = _history(12, ("rework",))
    back = sum(1 for o in rework.orders for a, b in zip(o.history, o.history[1:])
               if a.to_step == "scheduled" and b.to_step == "requested")
    left = len(_durations(rework, "scheduled"))
    assert 0.15 < back / left < 0.35
    overloaded = _history(12, ("overloaded_owner",))
    record = next(r for r in overloaded.owners if r["owner"] == "dispatcher-1")
    healthy = next(r for r in null.owners if r["owner"] == "dispatcher-1")
    assert record["flagged"] > 3 * healthy["flagged"] and record["percent_acted_within_day"] < 40
    assert healthy["percent_acted_within_day"] > 70
    change = _history(12, ("map_change",))
    assert sorted(change.versions) == [(hg.WORKFLOW_ID, 1), (hg.WORKFLOW_ID, 2)]
    v2 = change.versions[(hg.WORKFLOW_ID, 2)]
    assert v2.note and v2.expectation["step"] == "in_progress" and v2.published_at
    assert all((o.created_at >= v2.published_at) == (int(o.workflow_version) == 2) for o in change.orders)
    assert median(_durations(change, "in_progress", 2)) < 0.75 * median(_durations(change, "in_progress", 1))


def test_the_owners_records_have_the_reports_shape():
    history = _history(13, ("overloaded_owner",))
    keys = {"owner", "name", "flagged", "acted_within_day", "acted_later", "escalated", "untouched", "resolved",
            "still_open", "median_hours_to_act", "percent_acted_within_day"}
    assert history.owners and all(set(r) == keys for r in history.owners)
    record = history.owners[0]
    assert record["name"] == "Dana Whitfield"
    assert record["acted_within_day"] + record["acted_later"] + record["untouched"] == record["flagged"]
    assert record["escalated"] > 0
    item = history.review_items[0]
    assert item["item_key"].startswith("sla_breach:") and item["first_flagged_at"].tzinfo is not None


def test_the_score_counts_a_found_effect_a_missed_one_and_a_false_suggestion():
    history = _history(SEEDS[0], ("bottleneck",))
    hit = {"kind": "bottleneck", "id": "bottleneck:installation:requested", "work_kind": "installation",
           "step": "requested", "owner": "dispatcher-1"}
    symptom = {"kind": "change_sla", "id": "change_sla:installation:requested", "work_kind": "installation",
               "step": "requested", "owner": "dispatcher-1"}
    stray = {"kind": "remove_step", "id": "remove_step:installation:completed", "work_kind": "installation",
             "step": "completed", "owner": "admin-1"}
    verdict = {"workflow_id": "default", "from_version": 1, "to_version": 2, "verdict": "cant_tell",
               "measures": [{"measure": "cycle_time_hours", "step": None, "verdict": "worse"}]}
    assert hg.score(history, {"suggestions": [hit, symptom], "experiments": []}) == \
        {"planted": 1, "found": 1, "missed": [], "false": []}
    result = hg.score(history, {"suggestions": [stray], "experiments": [verdict]})
    assert result["found"] == 0 and result["missed"] == ["bottleneck:installation:requested"]
    assert result["false"] == ["remove_step:installation:completed",
                               "experiment:default:1->2:cycle_time_hours:None:worse"]


@pytest.mark.parametrize("effects", [("slow_tea",), {"idle_step": {"step": "paid"}},
                                     {"bottleneck": {"step": "closed"}},
                                     {"rework": {"step": "paid", "back_to": "requested"}},
                                     {"idle_step": {}, "rework": {"step": "en_route", "back_to": "scheduled"}}])
def test_an_effect_the_generator_cannot_plant_is_refused(effects):
    with pytest.raises(ValueError):
        hg.generate(1, effects=effects)


# --- the evaluation on them ----------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("effect", hg.EFFECTS)
def test_the_evaluation_finds_each_planted_effect_and_says_nothing_false(effect, seed):
    history = _history(seed, (effect,))
    judged = _judge(history)
    result = hg.score(history, judged)
    assert result["found"] == 1 and not result["false"], _explain(history, judged, result)
    assert not hg.untrue_claims(judged)


@pytest.mark.parametrize("seed", NULL_SEEDS)
def test_a_history_with_no_effect_gets_no_suggestion_and_no_verdict(seed):
    history = _history(seed, noop_change=True, estimates=seed in WITH_ESTIMATES)
    judged = _judge(history)
    result = hg.score(history, judged)
    assert not result["false"], _explain(history, judged, result)
    experiment = next(e for e in judged["experiments"] if (e["from_version"], e["to_version"]) == (1, 2))
    assert experiment["verdict"] == "cant_tell"


def test_a_version_that_changes_nothing_is_not_judged_on_a_chance_difference():
    # Of 40 null histories measured (their version 2 renames a label), two got a `better`/`worse`
    # verdict on a step the change did not touch, each a median about 22% apart with ~75-150
    # visits a side, on lognormal times: seed 3022 here (payment waits), and seed 1033 in an earlier
    # bench set (the job on site). The interval of a difference of medians from the bootstrap's
    # standard error is too narrow on skewed times; about 5% of null experiments, not the 1% the
    # family-wise confidence promises.
    history = hg.generate(3022, noop_change=True)
    judged = _judge(history)
    result = hg.score(history, judged)
    assert not result["false"], _explain(history, judged, result)


def test_all_effects_planted_at_once_are_all_found_in_their_kind_of_work():
    history = _history(SEEDS[0], hg.EFFECTS, estimates=True)
    judged = _judge(history)
    result = hg.score(history, judged)
    assert result["found"] == len(hg.EFFECTS) and not result["false"], _explain(history, judged, result)
    assert not hg.untrue_claims(judged)
    # The estimates' own figures are theirs: no installation step's effect shows in them.
    estimate = {r["step"]: r for r in judged["kinds"]["estimate"]}
    assert estimate["en_route"]["median_minutes"] > 15 and estimate["scheduled"]["backward_moves"] < 10
