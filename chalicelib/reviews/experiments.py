"""Map changes as experiments (pure): the orders started on each version of one kind of work's map
against those started on the version before it.

Both sides are measured over the same follow-up (`follow_up`: half the time the newer version has
been out): each order only for that long after it started, and only orders started at least that
long ago. Otherwise the newer version's orders, having had less time, would show only their short
visits and look faster (right-censoring).

Measures, each with its sample sizes (`n`) and intervals (reviews.evidence):
- `step_median_minutes` per step both versions have (the visits that left it within the
  follow-up; the difference of medians with an interval from the seeded bootstrap's standard
  error),
- `cycle_time_hours`: creation to the first move into `paid` (a map without it: into an end step
  that is not cancelled),
- `sla_compliance_percent`: visits judged against their step's SLA, on the same clock as the
  figures (the business calendar when given),
- `rework_percent`: orders sent back to an earlier step at least once (Newcombe's interval).
Each side's own interval is a 90% one; the differences' intervals are at the confidence of a
family of m comparisons, 1 - (1 - FAMILY_CONFIDENCE) / m (`confidence`), so a version that changes
nothing gets a false verdict on some measure at most 0.2% of the time.
A measure's verdict is `better` or `worse` only when the interval of the difference (after minus
before) excludes zero, in the good direction (shorter times, more SLAs met, less rework) or the
bad one, and both sides have at least `MIN_ORDERS` values; `cant_tell` otherwise.

The experiment's verdict is judged on the measures the publisher named in the version's
`expectation` (`step` and/or `measure`), else on the steps the change touched (added, removed or
redefined: their medians) and the cycle time: `better` when some are better and none worse,
`worse` the other way round, `cant_tell` otherwise (`judged_by` lists them)."""
from datetime import datetime, timedelta

from chalicelib.reviews import evidence
from chalicelib.reviews import figures as reviews_figures
from chalicelib.reviews.evidence import MIN_ORDERS
from chalicelib.reviews.suggestions import human

CYCLE_END = reviews_figures.PAID_STEP
FAMILY_CONFIDENCE = 0.998


def version_maps(versions: dict) -> dict[str, dict[int, object]]:
    by_workflow: dict[str, dict[int, object]] = {}
    for key, pm in versions.items():
        workflow_id = key[0] if isinstance(key, tuple) else pm.workflow_id
        number = key[1] if isinstance(key, tuple) else key
        by_workflow.setdefault(workflow_id, {})[int(number)] = pm
    return by_workflow


def _cycle_hours(order, pm, cutoff: datetime) -> float | None:
    ends = {s.key for s in pm.steps if s.is_end and not s.interruption and s.key != "cancelled"}
    target = (lambda key: key == CYCLE_END) if pm.has_step(CYCLE_END) else (lambda key: key in ends)
    for m in reviews_figures.moves(order)[1:]:
        if m.at > cutoff:
            return None
        if target(m.to_step):
            return (m.at - order.history[0].at).total_seconds() / 3600
    return None


def _due(visit, step, calendar) -> datetime | None:
    """When the visit's SLA runs out, on the same clock as the figures (None: no SLA runs)."""
    if step is None or not step.sla_minutes or step.waits_on_customer or visit.waiting_on == "customer":
        return None
    if calendar is not None:
        return calendar.due(visit.entered, step.sla_minutes, step.sla_clock)
    return visit.entered + timedelta(minutes=step.sla_minutes)


def follow_up(new, orders_after: list, now: datetime) -> timedelta:
    """How long after its start each order is followed, on both sides: half the time the new
    version has been out (an order started on it at least that long ago has had that long, as
    every order started on the version before has). Without the version's date: half the time
    since its first order started."""
    since = new.published_at or min((o.history[0].at for o in orders_after), default=now)
    return max(timedelta(0), (now - since) / 2)


def _side(orders: list, pm, now: datetime, calendar, follow: timedelta) -> dict:
    """The figures of the orders started on one version, each followed `follow` after its start
    (orders started less than that long before `now` are left out): so both versions are measured
    over the same follow-up, and the newer one's orders are not measured short for having had
    less time to finish (right-censoring)."""
    durations: dict[str, list[float]] = {}
    cycle, reworked, met, judged = [], 0, 0, 0
    main = reviews_figures.main_line(pm)
    followed = [o for o in orders if o.history and o.history[0].at + follow <= now]
    for order in followed:
        cutoff = order.history[0].at + follow
        own = reviews_figures.visits(order)
        sent_back = False
        for v in own:
            if v.entered > cutoff:
                break
            left = v.left if v.left is not None and v.left <= cutoff else None
            if left is not None and v.step in main:
                durations.setdefault(v.step, []).append((left - v.entered).total_seconds() / 60)
                sent_back = sent_back or reviews_figures.move_kind(pm, v.step, v.next_step) == "rework"
            step = pm.step(v.step) if pm.has_step(v.step) else None
            due = _due(v, step, calendar)
            if due is None:
                continue
            if left is not None and left < due:
                met, judged = met + 1, judged + 1
            elif due <= cutoff:
                judged += 1
        hours = _cycle_hours(order, pm, cutoff)
        if hours is not None:
            cycle.append(hours)
        reworked += sent_back
    return {"orders": len(followed), "started": len(orders), "durations": durations, "cycle": cycle,
            "reworked": reworked, "sla_met": met, "sla_judged": judged}


def _median_measure(measure, step, label, a: list[float], b: list[float], confidence: float,
                    seed=evidence.SEED) -> dict:
    diff = evidence.median_difference_se(a, b, confidence, seed)
    enough = len(a) >= MIN_ORDERS and len(b) >= MIN_ORDERS

    def side(values):
        return {"value": reviews_figures.median(values), "n": len(values), "interval": evidence.median_interval(values, seed)}
    return {"measure": measure, "step": step, "label": label, "before": side(a), "after": side(b), "difference": diff,
            "verdict": evidence.verdict(diff, lower_is_better=True) if enough else "cant_tell"}


def _percent_measure(measure, label, k1, n1, k2, n2, lower_is_better: bool, confidence: float) -> dict:
    diff = evidence.percent_difference(k1, n1, k2, n2, confidence)
    enough = n1 >= MIN_ORDERS and n2 >= MIN_ORDERS

    def side(k, n):
        return {"value": evidence.percent(k, n), "n": n, "interval": evidence.percent_interval(k, n)}
    return {"measure": measure, "step": None, "label": label, "before": side(k1, n1), "after": side(k2, n2),
            "difference": diff, "verdict": evidence.verdict(diff, lower_is_better) if enough else "cant_tell"}


def _changed_steps(old, new) -> set[str]:
    keys = {s.key for s in old.steps} | {s.key for s in new.steps}
    changed = set()
    for key in keys:
        a = old.step(key).to_dict() if old.has_step(key) else None
        b = new.step(key).to_dict() if new.has_step(key) else None
        if a != b:
            changed.add(key)
    return changed


def compare(orders_before: list, orders_after: list, old, new, now: datetime, calendar=None,
            work_kind: str | None = None) -> dict:
    """One experiment: the orders started on `new` against those started on `old` (the version
    before it)."""
    follow = follow_up(new, orders_after, now)
    before, after = _side(orders_before, old, now, calendar, follow), _side(orders_after, new, now, calendar, follow)
    keys = [s.key for s in new.steps if not s.is_end and not s.interruption and old.has_step(s.key)
            and (before["durations"].get(s.key) or after["durations"].get(s.key))]
    # A family of comparisons: each at 1 - (1 - FAMILY_CONFIDENCE) / m, so that a version that
    # changes nothing gets a false better or worse on any measure at most 0.2% of the time.
    confidence = 1 - (1 - FAMILY_CONFIDENCE) / (len(keys) + 3)
    measures = [_median_measure("step_median_minutes", key, new.step(key).label, before["durations"].get(key, []),
                                after["durations"].get(key, []), confidence) for key in keys]
    measures.append(_median_measure("cycle_time_hours", None, "Cycle time", before["cycle"], after["cycle"], confidence))
    measures.append(_percent_measure("sla_compliance_percent", "SLA compliance", before["sla_met"], before["sla_judged"],
                                     after["sla_met"], after["sla_judged"], False, confidence))
    measures.append(_percent_measure("rework_percent", "Rework", before["reworked"], before["orders"],
                                     after["reworked"], after["orders"], True, confidence))
    expectation = new.expectation or {}
    named_step, named_measure = expectation.get("step"), expectation.get("measure")
    if named_step or named_measure:
        judged = [m for m in measures if (not named_step or m["step"] == named_step)
                  and (not named_measure or m["measure"] == named_measure)]
    else:
        changed = _changed_steps(old, new)
        judged = [m for m in measures if m["measure"] == "cycle_time_hours"
                  or (m["measure"] == "step_median_minutes" and m["step"] in changed)]
    verdicts = {m["verdict"] for m in judged}
    if "better" in verdicts and "worse" not in verdicts:
        overall = "better"
    elif "worse" in verdicts and "better" not in verdicts:
        overall = "worse"
    else:
        overall = "cant_tell"
    return {
        "work_kind": work_kind, "workflow_id": new.workflow_id, "from_version": old.version, "to_version": new.version,
        "published_at": new.published_at.isoformat() if new.published_at else None, "note": new.note,
        "expectation": new.expectation or None, "judge_on": expectation.get("judge_on"),
        "orders": {"before": before["orders"], "after": after["orders"]},
        "started": {"before": before["started"], "after": after["started"]},
        "follow_up_days": round(follow.total_seconds() / 86400, 1), "confidence": round(confidence, 4),
        "measures": measures, "judged_by": [_name(m) for m in judged], "verdict": overall,
        "text": _text(old, new, before["orders"], after["orders"], judged, overall),
    }


def _name(m: dict) -> str:
    return f"{m['measure']}:{m['step']}" if m["step"] else m["measure"]


def _value_words(m: dict, value) -> str:
    if value is None:
        return "-"
    if m["measure"] == "step_median_minutes":
        return human(abs(value)) if value < 0 else human(value)
    if m["measure"] == "cycle_time_hours":
        return f"{abs(value) if value < 0 else value:g} h"
    return f"{abs(value) if value < 0 else value:g} points"


def _unit(m: dict) -> str:
    return {"step_median_minutes": "min", "cycle_time_hours": "h"}.get(m["measure"], "points")


def _level(m: dict, value) -> str:
    if m["measure"] == "step_median_minutes":
        return human(value)
    if m["measure"] == "cycle_time_hours":
        return f"{value:g} h"
    return f"{value:g}%"


def _text(old, new, n_before: int, n_after: int, judged: list, overall: str) -> str:
    head = f"Version {new.version} against version {old.version} ({n_after} orders against {n_before})"
    if n_before < MIN_ORDERS or n_after < MIN_ORDERS:
        return f"{head}: can't tell yet, at least {MIN_ORDERS} orders on each are needed."
    parts = []
    for m in judged:
        d = m["difference"]
        if d["value"] is None:
            parts.append(f"{m['label']}: no data on one side")
            continue
        way = "shorter" if d["value"] < 0 else "longer"
        if m["measure"] in ("sla_compliance_percent", "rework_percent"):
            way = "lower" if d["value"] < 0 else "higher"
        span = d["interval"]
        sure = f"{100 * d.get('confidence', evidence.CONFIDENCE):.4g}%"  # 99.96%, never a rounded 100%
        inner = f"{sure} interval of the difference {span[0]:g} to {span[1]:g}" if span else "no interval"
        parts.append(f"{m['label']}: {_level(m, m['before']['value'])} before ({m['before']['n']}), "
                     f"{_level(m, m['after']['value'])} after ({m['after']['n']}), "
                     f"{_value_words(m, d['value'])} {way} ({inner} {_unit(m)}): {m['verdict'].replace('_', ' ')}"
                     if m['before']['value'] is not None and m['after']['value'] is not None
                     else f"{m['label']}: {m['verdict'].replace('_', ' ')}")
    words = {"better": "better", "worse": "worse", "cant_tell": "can't tell yet"}[overall]
    return f"{head}: {words}. " + "; ".join(parts) + "."


def experiments(orders: list, versions: dict, now: datetime, calendar=None, work_kind_of=None) -> list[dict]:
    """Each version of each map against the version before it, over the orders started on each
    (`order.workflow_version`). `work_kind_of(workflow_id, pm)` names the kind (default: the map's
    `kind`, else its workflow id)."""
    found = []
    by_workflow = version_maps(versions)
    started: dict[tuple[str, int], list] = {}
    for order in orders:
        started.setdefault((order.workflow_id or "default", int(order.workflow_version)), []).append(order)
    for workflow_id in sorted(by_workflow):
        maps = by_workflow[workflow_id]
        numbers = sorted(maps)
        for old_n, new_n in zip(numbers, numbers[1:]):
            a, b = started.get((workflow_id, old_n), []), started.get((workflow_id, new_n), [])
            if not a and not b:
                continue
            kind = work_kind_of(workflow_id, maps[new_n]) if work_kind_of else (maps[new_n].kind or workflow_id)
            found.append(compare(a, b, maps[old_n], maps[new_n], now, calendar, kind))
    return found
