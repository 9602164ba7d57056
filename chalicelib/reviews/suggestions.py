"""What to change in the map, from the figures (pure), each suggestion with its evidence; and how one
period compares with the one before.

A suggestion is made only when the data supports it (sample sizes and 90% intervals from
reviews.evidence); otherwise the figures give a `not_enough_data` entry instead. The kinds and
their rules (the thresholds are the constants below):

- `remove_step`: a step (not the start step, not an interruption, not one that waits on the
  customer, not one only an automation leaves: machinery) that nearly always leads on to the
  same next step (the lower end of the 90% interval of that share at least 90%), is short (90th
  percentile at most `SHORT_MINUTES`) and never blocks (no SLA breach, no order sent back from
  it), over at least `MIN_VISITS` visits.
- `bottleneck`: of the steps where orders wait beyond the promise (the SLA breached in most
  visits: the interval's lower end above 50%; or, with no SLA judged, the median clearly longer
  than the period before), over at least `MIN_VISITS` visits (not a step that waits on the
  customer, nor one only an automation leaves), the one with the longest median wait, whose
  median's 90% interval lies wholly above the next-longest such step's median. Every process has
  a longest wait; one within its promise is not a bottleneck. When the interval does not clear
  the next step, a `not_enough_data` entry says why. Never from a few orders. Its text gives its
  share of the time through the map (`share_of_cycle_percent`).
- `add_check`: at least `REWORK_SHARE` of the visits leaving a step are sent back to an earlier
  step, the lower end of the interval at least `REWORK_FLOOR`: a check before it (an exit
  condition on the step sent back to, or a step between) would catch what was missing.
- `change_owner`: an owner whose steps hold at least half of the SLA breaches and whose breach
  rate is clearly above the other owners' (intervals apart) and high (the interval's lower end at
  least `OWNER_BREACH_FLOOR`), with at least `MIN_JUDGED` visits judged; or an owner who acts on
  at most half of their flagged review items within a day (the upper end of the interval under
  50%, at least `MIN_FLAGGED` items). One suggestion per owner (`merge`).
- `change_sla`: a step whose SLA is breached most of the time (the lower end of the interval of
  the breach share above 50%, at least `MIN_JUDGED` judged): set it at the observed 90th
  percentile; or one far looser (more than `LOOSE_FACTOR` times the upper end of the 90th
  percentile's interval, never breached). Not said of a step already named by a bottleneck or
  an owner suggestion (there the SLA is a symptom), nor of machinery."""
import math

from chalicelib.reviews import evidence
from chalicelib.reviews import figures as reviews_figures
from chalicelib.reviews.evidence import MIN_FLAGGED, MIN_JUDGED, MIN_VISITS

SHORT_MINUTES = 15
SAME_NEXT_FLOOR = 90.0  # percent: the lower end of the interval of "goes on to the same step"
REWORK_SHARE = 10.0
REWORK_FLOOR = 5.0
OWNER_BREACH_SHARE = 0.5
OWNER_BREACH_FLOOR = 20.0  # percent: the lower end of the interval of the owner's breach rate
ACTED_CEILING = 50.0  # percent of flagged items acted on within a day
LOOSE_FACTOR = 10
KINDS = ("remove_step", "bottleneck", "add_check", "change_owner", "change_sla")


def human(minutes: float | None) -> str:
    """A duration in plain words: "45 min", "3 h 20 min", "2 d 4 h"."""
    if minutes is None:
        return "-"
    total = int(round(minutes))
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


def _span(interval: list | None, unit=human) -> str:
    return f"90% interval {unit(interval[0])} to {unit(interval[1])}" if interval else "no interval"


def _label(versions: dict, key: str | None) -> str:
    info = reviews_figures.step_info(versions, key) if key else None
    return info.label if info else str(key)


def _find(figures: dict | None, key: str) -> dict | None:
    return next((s for s in (figures or {}).get("steps", []) if s["step"] == key), None)


def _suggestion(kind: str, work_kind: str | None, step: str | None, label: str | None, owner: str | None,
                text: str, numbers: dict, evidence_: dict) -> dict:
    return {"kind": kind, "id": f"{kind}:{work_kind}:{step or owner}", "work_kind": work_kind, "step": step,
            "label": label, "owner": owner, "text": text, "numbers": numbers, "evidence": evidence_,
            "saving": None, "draft": None}


def _movable(steps: list[dict], versions: dict) -> list[tuple[dict, object]]:
    """The rows of steps the newest map has that orders go through (not end, not interruption)."""
    current = reviews_figures.newest(versions)
    found = []
    for s in steps:
        info = current.step(s["step"]) if current.has_step(s["step"]) else None
        if info is None or info.is_end or info.interruption:
            continue
        found.append((s, info))
    return found


def _machinery(s: dict) -> bool:
    """A step every visit of which an automation moved on ("system"): machinery (it issues the
    invoice), not a wait nor a step a person could drop; its SLA is a watchdog."""
    return bool(s["left"]) and (s.get("left_by_system") or 0) >= s["left"]


def _beyond_promise(s: dict, previous: dict | None) -> tuple[bool, str]:
    """Whether orders wait in the step beyond what it promises: its SLA breached in most visits
    judged (the interval's lower end above 50%, at least MIN_JUDGED judged), or without an SLA
    judged, its median clearly longer than the period before (the interval's lower end above 1.5
    times the period before's median). With the words that say so."""
    judged = _judged(s)
    if s.get("sla_minutes") and judged >= MIN_JUDGED:
        breached = s.get("sla_breached") or 0
        interval = evidence.percent_interval(breached, judged)
        words = (f"its SLA of {human(s['sla_minutes'])} was breached in {breached} of {judged} visits "
                 f"({_pct(evidence.percent(breached, judged))}, {_span(interval, _pct)})")
        return interval[0] > 50, words
    before = _find(previous, s["step"])
    median_before = (before or {}).get("median_minutes")
    interval = s.get("median_interval_minutes")
    if median_before is not None and interval is not None:
        return interval[0] > 1.5 * median_before, f"the period before, a median of {human(median_before)}"
    return False, ""


def _judged(s: dict) -> int:
    return (s.get("sla_met") or 0) + (s.get("sla_breached") or 0)


def evaluate(steps: list[dict], versions: dict, *, work_kind: str | None = None, owners: list | None = None,
             previous: dict | None = None) -> tuple[list[dict], list[dict]]:
    """(suggestions, not_enough_data) from one kind of work's step figures (`steps`, as
    figures.step_figures gives them), its map versions and the owners' review records."""
    found: list[dict] = []
    short: list[dict] = []
    current = reviews_figures.newest(versions)
    movable = _movable(steps, versions)
    for s, _ in movable:
        if 0 < s["left"] < MIN_VISITS:
            short.append(evidence.not_enough(work_kind, s["step"], s["label"], "step_time", s["orders_left"] or s["left"],
                                             MIN_VISITS))
    worst = _bottleneck(movable, work_kind, previous, found, short)
    named = {worst["step"]} if worst else set()
    owner_steps = _owners(movable, work_kind, found)
    if owners:
        more, fewer = slow_owners(owners, work_kind)
        found = merge(found, more)
        short += fewer
    named |= owner_steps
    for s, info in movable:
        if s["step"] != current.start_step:
            _remove(s, info, versions, work_kind, found)
        _rework(s, versions, work_kind, found)
        if s["step"] not in named:
            _sla(s, info, work_kind, found)
    order = {k: i for i, k in enumerate(KINDS)}
    found.sort(key=lambda x: order[x["kind"]])
    return found, short


def suggestions(steps: list[dict], versions: dict, previous: dict | None = None, *, work_kind: str | None = None,
                owners: list | None = None) -> list[dict]:
    """The suggestions alone (see `evaluate`)."""
    return evaluate(steps, versions, work_kind=work_kind, owners=owners, previous=previous)[0]


def bottleneck(steps: list[dict], versions: dict | None = None) -> dict | None:
    """The step row the evidence names the bottleneck, or None (too few visits, or no step clearly
    the longest). Without `versions`, any step not an end or interruption step counts."""
    movable = _movable(steps, versions) if versions else [(s, None) for s in steps
                                                           if not s["end_step"] and not s.get("interruption")]
    return _bottleneck(movable, None, None, [], [])


def _remove(s: dict, info, versions: dict, work_kind, found: list) -> None:
    n = s["left"]
    if n < MIN_VISITS or info.waits_on_customer or _machinery(s) or not s["next_steps"] or s["p90_minutes"] is None:
        return
    following, k = next(iter(s["next_steps"].items()))
    interval = evidence.percent_interval(k, n)
    if interval[0] < SAME_NEXT_FLOOR or s["p90_minutes"] > SHORT_MINUTES:
        return
    if s.get("sla_breached") or s.get("backward_moves"):
        return
    share = evidence.percent(k, n)
    nxt = _label(versions, following)
    text = (f"'{s['label']}' changes nothing: {k} of {n} orders ({_pct(share)}, {_span(interval, _pct)}) went on to "
            f"'{nxt}', in a median of {human(s['median_minutes'])} (90% within {human(s['p90_minutes'])}), "
            f"and none was held up there. It is a candidate to remove.")
    if info.automations:
        text += f" It runs {', '.join(info.automations)}: move that to the next step first."
    found.append(_suggestion("remove_step", work_kind, s["step"], s["label"], info.owner, text, {
        "left": n, "same_next_step": k, "same_next_step_percent": share, "next_step": following,
        "next_step_label": nxt, "median_minutes": s["median_minutes"], "p90_minutes": s["p90_minutes"],
        "automations": list(info.automations)},
        evidence.record(n, MIN_VISITS, "Wilson score interval of the share going on to the same next step", interval)))


def _bottleneck(movable: list, work_kind, previous, found: list, short: list) -> dict | None:
    timed = sorted((s for s, info in movable if s["left"] >= MIN_VISITS and s["median_minutes"] is not None
                    and not (s.get("waits_on_customer") or getattr(info, "waits_on_customer", False)) and not _machinery(s)),
                   key=lambda s: (-s["median_minutes"], -(s["p90_minutes"] or 0), s["step"]))
    promises = {s["step"]: _beyond_promise(s, previous) for s in timed}
    longest = timed[0] if timed else None
    # Every process has a longest wait: the bottleneck is the longest of the waits beyond their promise.
    timed = [s for s in timed if promises[s["step"]][0]]
    if not timed:
        return None
    worst = timed[0]
    runner = timed[1] if len(timed) > 1 else None
    interval = worst.get("median_interval_minutes")
    share = worst.get("share_of_cycle_percent")
    promise = promises[worst["step"]][1]
    if interval is None:
        return None
    if runner is not None and interval[0] <= runner["median_minutes"]:
        short.append(evidence.not_enough(
            work_kind, worst["step"], worst["label"], "bottleneck", worst["left"], MIN_VISITS,
            why=(f"the longest wait, a median of {human(worst['median_minutes'])} ({_span(interval)}) over "
                 f"{worst['left']} orders, is not clearly longer than '{runner['label']}' "
                 f"({human(runner['median_minutes'])}): no bottleneck named yet")))
        return None
    where = (f"Orders wait longest in '{worst['label']}'" if worst is longest else
             f"The longest wait beyond its promise is in '{worst['label']}' (longer: '{longest['label']}', "
             f"{human(longest['median_minutes'])}, within its promise)")
    text = (f"{where}: a median of {human(worst['median_minutes'])} "
            f"({_span(interval)}, {worst['left']} orders), 90% within {human(worst['p90_minutes'])}; "
            f"{_pct(share)} of the time through the map. It is the bottleneck")
    text += f" (next longest beyond its promise: '{runner['label']}', {human(runner['median_minutes'])})" if runner else ""
    text += f": {promise}."
    before = _find(previous, worst["step"])
    if before and before.get("median_minutes") is not None and "period before" not in promise:
        text += f" The period before: a median of {human(before['median_minutes'])}."
    sla = worst.get("sla_minutes")
    found.append(_suggestion("bottleneck", work_kind, worst["step"], worst["label"], worst.get("owner"), text, {
        "left": worst["left"], "median_minutes": worst["median_minutes"], "p90_minutes": worst["p90_minutes"],
        "share_of_cycle_percent": share, "sla_minutes": sla,
        "next_longest_step": runner["step"] if runner else None,
        "next_longest_median_minutes": runner["median_minutes"] if runner else None,
        "previous_median_minutes": (before or {}).get("median_minutes")},
        evidence.record(worst["left"], MIN_VISITS, "bootstrap percentile interval of the median (1000 resamples)",
                        interval)))
    return worst


def _rework(s: dict, versions: dict, work_kind, found: list) -> None:
    n, k = s["left"], s.get("backward_moves") or 0
    if n < MIN_VISITS or not k:
        return
    share = evidence.percent(k, n)
    interval = evidence.percent_interval(k, n)
    if share < REWORK_SHARE or interval[0] < REWORK_FLOOR:
        return
    back = next(iter(s.get("sent_back_to") or {}), None)
    back_label = _label(versions, back) if back else "an earlier step"
    text = (f"{k} of {n} orders leaving '{s['label']}' ({_pct(share)}, {_span(interval, _pct)}) were sent back to "
            f"'{back_label}': add a check before '{s['label']}' (an exit condition on '{back_label}', or a step "
            f"between them) to catch what was missing the first time.")
    found.append(_suggestion("add_check", work_kind, s["step"], s["label"], s.get("owner"), text, {
        "left": n, "backward_moves": k, "rework_percent": share, "sent_back_to": back,
        "sent_back_to_label": back_label if back else None},
        evidence.record(n, MIN_VISITS, "Wilson score interval of the share sent back", interval)))


def _owners(movable: list, work_kind, found: list) -> set[str]:
    """The overloaded owners' suggestions; the steps they name."""
    named: set[str] = set()
    per_owner: dict[str, dict] = {}
    for s, info in movable:
        if not info.owner or not s.get("sla_minutes"):
            continue
        o = per_owner.setdefault(info.owner, {"breached": 0, "judged": 0, "steps": []})
        o["breached"] += s.get("sla_breached") or 0
        o["judged"] += _judged(s)
        o["steps"].append(s)
    total = sum(o["breached"] for o in per_owner.values())
    for owner, o in sorted(per_owner.items()):
        others = [x for key, x in per_owner.items() if key != owner]
        rest_breached, rest_judged = sum(x["breached"] for x in others), sum(x["judged"] for x in others)
        if o["judged"] < MIN_JUDGED or rest_judged < MIN_JUDGED or not total or o["breached"] < OWNER_BREACH_SHARE * total:
            continue
        mine, theirs = evidence.percent_interval(o["breached"], o["judged"]), evidence.percent_interval(rest_breached, rest_judged)
        if mine[0] < OWNER_BREACH_FLOOR or mine[0] <= theirs[1]:
            continue
        heavy = max(o["steps"], key=lambda s: (s.get("sla_breached") or 0, s["step"]))
        labels = ", ".join(f"'{s['label']}'" for s in o["steps"])
        rate = evidence.percent(o["breached"], o["judged"])
        text = (f"The steps {owner} owns ({labels}) hold {o['breached']} of the {total} SLA breaches: "
                f"{_pct(rate)} of {o['judged']} visits breached ({_span(mine, _pct)}), against "
                f"{_pct(evidence.percent(rest_breached, rest_judged))} on the other owners' steps "
                f"({_span(theirs, _pct)}). {owner} is overloaded: give '{heavy['label']}' another owner, or a deputy "
                f"to share it.")
        named |= {s["step"] for s in o["steps"] if s.get("sla_breached")}
        found.append(_suggestion("change_owner", work_kind, None, None, owner, text, {
            "reason": "overloaded", "heaviest_step": heavy["step"], "sla_breached": o["breached"], "sla_breached_all_steps": total,
            "judged": o["judged"], "breach_percent": rate, "other_owners_breach_percent":
                evidence.percent(rest_breached, rest_judged), "steps": [s["step"] for s in o["steps"]]},
            evidence.record(o["judged"], MIN_JUDGED, "Wilson score interval of the owner's breach share", mine)))
    return named


def slow_owners(owners: list, work_kind: str | None = None) -> tuple[list[dict], list[dict]]:
    """(suggestions, not_enough_data) from the owners' review records (reviews accountability:
    `flagged`, `acted_within_day`, ...): an owner slow to act on the daily review's items."""
    found: list[dict] = []
    short: list[dict] = []
    for record in owners:
        flagged, acted = record.get("flagged") or 0, record.get("acted_within_day") or 0
        who = record.get("owner")
        if not who:
            continue
        if flagged < MIN_FLAGGED:
            if flagged:
                short.append(evidence.not_enough(work_kind, None, None, f"{record.get('name') or who}'s review record",
                                                 flagged, MIN_FLAGGED, "flagged items"))
            continue
        interval = evidence.percent_interval(acted, flagged)
        if interval[1] >= ACTED_CEILING:
            continue
        name = record.get("name") or who
        share = evidence.percent(acted, flagged)
        text = (f"{name} acted on {acted} of {flagged} flagged items within a day ({_pct(share)}, "
                f"{_span(interval, _pct)}): the daily review's items wait on them. Give their steps a deputy "
                f"or another owner.")
        found.append(_suggestion("change_owner", work_kind, None, None, who, text, {
            "reason": "slow_to_act", "flagged": flagged, "acted_within_day": acted, "percent_acted_within_day": share,
            "median_hours_to_act": record.get("median_hours_to_act")},
            evidence.record(flagged, MIN_FLAGGED, "Wilson score interval of the share acted on within a day", interval)))
    return found, short


def merge(found: list[dict], more: list[dict]) -> list[dict]:
    """`found` with `more` added; a suggestion about an owner already named (`change_owner`: an
    overloaded owner also slow to act on reviews) joins that one, its text and numbers added."""
    result = list(found)
    for s in more:
        same = next((x for x in result if x["kind"] == s["kind"] == "change_owner" and x["owner"] == s["owner"]
                     and x["work_kind"] in (s["work_kind"], None)), None)
        if same is None:
            result.append(s)
            continue
        same["text"] = f"{same['text']} {s['text']}"
        same["numbers"] = {**same["numbers"], "review_record": s["numbers"]}
    return result


def _round_up(minutes: float) -> int:
    step = 15 if minutes <= 240 else 60
    return int(math.ceil(minutes / step) * step)


def _sla(s: dict, info, work_kind, found: list) -> None:
    sla = s.get("sla_minutes")
    judged = _judged(s)
    p90 = s.get("p90_minutes")
    if not sla or judged < MIN_JUDGED or p90 is None or _machinery(s):
        return
    breached = s.get("sla_breached") or 0
    interval = evidence.percent_interval(breached, judged)
    share = evidence.percent(breached, judged)
    p90_interval = s.get("p90_interval_minutes")
    # the new SLA counts on the step's clock: business minutes for a business-hours SLA
    on_clock = s.get("p90_sla_clock_minutes")
    proposed = _round_up(on_clock or p90)
    clock = " of business hours" if s.get("sla_clock") == "business" and on_clock is not None and on_clock != p90 else ""
    if interval[0] > 50:
        text = (f"The SLA of '{s['label']}' ({human(sla)}) was breached in {breached} of {judged} visits "
                f"({_pct(share)}, {_span(interval, _pct)}): it is not the real promise. 90% of orders leave it "
                f"within {human(p90)} ({_span(p90_interval)}): set the SLA at {human(proposed)}{clock}, or change how the "
                f"step is worked.")
        reason, used = "breached_most", interval
        method = "Wilson score interval of the breach share"
    elif not breached and p90_interval and sla > LOOSE_FACTOR * p90_interval[1] and s["left"] >= MIN_VISITS:
        text = (f"The SLA of '{s['label']}' ({human(sla)}) is far looser than the work: 90% of {s['left']} orders "
                f"leave it within {human(p90)} ({_span(p90_interval)}). Set it at {human(proposed)}{clock} so that a "
                f"late order stands out.")
        reason, used = "far_looser", p90_interval
        method = "bootstrap percentile interval of the 90th percentile (1000 resamples)"
    else:
        return
    found.append(_suggestion("change_sla", work_kind, s["step"], s["label"], info.owner, text, {
        "reason": reason, "sla_minutes": sla, "proposed_sla_minutes": proposed, "p90_minutes": p90,
        "sla_breached": breached, "judged": judged, "breach_percent": share},
        evidence.record(judged, MIN_JUDGED, method, used)))


def changes(current: dict, previous: dict) -> dict:
    """Differences against the period before, per step and overall (None where either is unknown)."""
    def delta(a, b):
        return round(a - b, 1) if a is not None and b is not None else None

    steps = []
    for s in current["steps"]:
        before = _find(previous, s["step"]) or {}
        steps.append({
            "step": s["step"],
            "entered": delta(s["entered"], before.get("entered", 0)),
            "median_minutes": delta(s["median_minutes"], before.get("median_minutes")),
            "p90_minutes": delta(s["p90_minutes"], before.get("p90_minutes")),
            "sla_compliance_percent": delta(s["sla_compliance_percent"], before.get("sla_compliance_percent")),
        })
    return {
        "steps": steps,
        "cycle_time_median_hours": delta(current["cycle_time"]["median_hours"], previous["cycle_time"]["median_hours"]),
        "first_visit_completion_percent": delta(current["first_visit_completion"]["percent"],
                                                previous["first_visit_completion"]["percent"]),
        "utilization_percent": delta(current["utilization"]["percent"], previous["utilization"]["percent"]),
    }
