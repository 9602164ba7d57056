"""What to change in the map, from the figures (pure): steps worth removing, bottlenecks, rework,
and how one period or map version compares with another."""
from chalicelib.reviews import figures as reviews_figures
from chalicelib.reviews.figures import MIN_VISITS, NEAR_ZERO_MINUTES, PILE_BREACHES, PILE_SHARE, REWORK_NOTICE


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


def suggestions(steps: list[dict], versions: dict, previous: dict | None = None) -> list[dict]:
    """What the figures suggest, in plain words: a step to remove, the bottleneck, where a step or
    an owner is missing, and rework worth a look; each with the figures it rests on (`numbers`)."""
    found = []
    current = reviews_figures.newest(versions)
    movable = [s for s in steps if not s["end_step"]]
    for s in movable:
        info = current.step(s["step"]) if current.has_step(s["step"]) else None
        if info is None or info.interruption or s["step"] == current.start_step:
            continue
        if s["left"] >= MIN_VISITS and s["p90_minutes"] is not None and s["p90_minutes"] <= NEAR_ZERO_MINUTES \
                and len(s["next_steps"]) == 1:
            following = next(iter(s["next_steps"]))
            text = (f"Orders pass '{s['label']}' in {human(s['median_minutes'])} (90% within {human(s['p90_minutes'])}) "
                    f"and always go on to '{_label(versions, following)}': it decides nothing. "
                    f"It is a candidate to remove.")
            if info.automations:
                text += f" It runs {', '.join(info.automations)}: move that to the next step first."
            found.append({"kind": "remove_step", "step": s["step"], "label": s["label"], "text": text,
                          "numbers": {"left": s["left"], "median_minutes": s["median_minutes"],
                                      "p90_minutes": s["p90_minutes"], "next_step": following,
                                      "next_step_label": _label(versions, following)}})
    worst = bottleneck(steps)
    if worst is not None:
        text = (f"Orders wait longest in '{worst['label']}': a median of {human(worst['median_minutes'])}, "
                f"90% within {human(worst['p90_minutes'])}. It is the bottleneck.")
        before = _find(previous, worst["step"])
        if before and before.get("median_minutes") is not None:
            text += f" The period before: a median of {human(before['median_minutes'])}."
        found.append({"kind": "bottleneck", "step": worst["step"], "label": worst["label"], "text": text,
                      "numbers": {"left": worst["left"], "median_minutes": worst["median_minutes"],
                                  "p90_minutes": worst["p90_minutes"], "sla_minutes": worst.get("sla_minutes"),
                                  "previous_median_minutes": (before or {}).get("median_minutes")}})
    breaches = sum(s["sla_breached"] for s in steps)
    if breaches:
        pile = max(steps, key=lambda s: s["sla_breached"])
        if pile["sla_breached"] >= PILE_BREACHES and pile["sla_breached"] >= PILE_SHARE * breaches:
            if pile["owner"]:
                advice = "add a step to split the work, or another owner to share it"
            else:
                advice = "give it an owner"
            found.append({"kind": "add_step_or_owner", "step": pile["step"], "label": pile["label"],
                          "text": (f"SLA breaches pile up in '{pile['label']}' ({pile['sla_breached']} of {breaches}): "
                                   f"{advice}."),
                          "numbers": {"sla_breached": pile["sla_breached"], "sla_breached_all_steps": breaches,
                                      "sla_compliance_percent": pile.get("sla_compliance_percent"),
                                      "sla_minutes": pile.get("sla_minutes")}})
    for s in steps:
        if s["backward_moves"] >= REWORK_NOTICE:
            found.append({"kind": "rework", "step": s["step"], "label": s["label"],
                          "text": (f"{s['backward_moves']} orders were sent back from '{s['label']}' to an earlier "
                                   f"step: find out what was missing the first time."),
                          "numbers": {"backward_moves": s["backward_moves"], "left": s["left"]}})
    return found


def bottleneck(steps: list[dict]) -> dict | None:
    """The step (not an end step) orders wait longest in: the highest median, then 90th percentile."""
    timed = [s for s in steps if not s["end_step"] and s["median_minutes"] is not None]
    return max(timed, key=lambda s: (s["median_minutes"], s["p90_minutes"] or 0)) if timed else None


def _label(versions: dict, key: str | None) -> str:
    info = reviews_figures.step_info(versions, key) if key else None
    return info.label if info else str(key)


def _find(figures: dict | None, key: str) -> dict | None:
    return next((s for s in (figures or {}).get("steps", []) if s["step"] == key), None)


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
