"""Process evaluation: how work orders went through the process map over a period, and what to
change in the map.

Figures, per step: orders entering, median and 90th percentile of the time spent in it, SLA
compliance, rework (a move back to a step earlier in the map's order) and skips (a move past the
next step in the map's order); overall: cycle time (created to paid), first-visit completion,
technicians' utilization and, once invoices exist, invoices issued, paid and overdue with the
days to pay. Figures are given for all orders together and per process-map version, and for the
period before for comparison. Suggestions say in plain words which step could go, which is the
bottleneck and where SLA breaches pile up.

Definitions (the tests hold them):
- Only moves count: a history entry from a step to the same step (a reschedule) is not a move.
- A *visit* is the time from a move into a step to the next move out of it. Time in a step is
  counted for visits that left the step in the period. The median is the usual median; the
  90th percentile is the nearest-rank one (the ceil(0.9 n)-th smallest value).
- SLA: a visit that left the step before its SLA ran out is met, counted in the period it left;
  one still in the step when its SLA ran out is breached, counted in the period the SLA ran out.
- Map order: the order of the steps in the order's own map version, without interruption steps
  (on hold, cancelled): moves into or out of those are neither rework nor skips.

Reading a period's orders never scans: the open ones come from the `by-step` index (one Query per
step that is open in some map version: those partitions hold only the orders now in that step),
the closed ones from the sparse `by-closed-month` index (one Query per UTC month from the period's
start to now; an order with a move in the period closed at or after that move).
"""
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from chalicelib import business, workflow
from chalicelib.models import CalendarDayModel, OrderModel

# Step keys the overall figures are built on (the demo map's; a map without them skips them).
COMPLETED_STEP = "completed"
PAID_STEP = "paid"
INVOICED_STEP = "invoiced"
# Suggestions: how many visits a step needs before its figures say anything; what "near zero"
# time in a step is; how many SLA breaches, and what share of them, make a pile.
MIN_VISITS = 5
NEAR_ZERO_MINUTES = 5
PILE_BREACHES = 3
PILE_SHARE = 0.5
REWORK_NOTICE = 3
MAX_RANGE_DAYS = 366


# --- the period ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """Local dates `first_day` to `last_day` (both included) in the business's timezone."""

    first_day: date
    last_day: date
    zone: object

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), self.zone).astimezone(timezone.utc)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(0), self.zone).astimezone(timezone.utc)

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range((self.last_day - self.first_day).days + 1)]

    def before(self) -> "Window":
        """The window of the same length just before this one."""
        length = (self.last_day - self.first_day).days + 1
        return Window(self.first_day - timedelta(days=length), self.first_day - timedelta(days=1), self.zone)


# --- the process-map versions -------------------------------------------------------------------

def all_versions() -> dict[int, workflow.ProcessMap]:
    """Every published version by number (the head, then each version: cached per container)."""
    current = workflow.current()
    versions = {number: workflow.version(number) for number in range(1, current.version)}
    versions[current.version] = current
    return versions


def step_of(versions: dict, order: OrderModel, key: str | None = None) -> workflow.Step | None:
    pm = versions.get(int(order.workflow_version))
    key = key or order.step
    return pm.step(key) if pm is not None and pm.has_step(key) else None


def main_line(pm: workflow.ProcessMap) -> dict[str, int]:
    """Position of each step in the map's order, interruption steps left out."""
    return {s.key: i for i, s in enumerate(s for s in pm.steps if not s.interruption)}


# --- reading ----------------------------------------------------------------------------------

def months(start: datetime, end: datetime) -> list[str]:
    """The UTC months ("YYYY-MM") from `start` to `end`, both included."""
    first, last = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    year, month, found = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def period_orders(since: datetime, now: datetime, versions: dict) -> list[OrderModel]:
    """Every order with a move at or after `since`: all open orders and those closed since."""
    found: dict[str, OrderModel] = {}
    open_keys = sorted({s.key for pm in versions.values() for s in pm.steps if not s.is_end})
    for key in open_keys:
        for order in OrderModel.by_step.query(key):
            found[order.order_id] = order
    for month in months(since, now):
        for order in OrderModel.by_closed_month.query(month, OrderModel.step_entered_at >= since):
            found[order.order_id] = order
    return list(found.values())


# --- visits -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Visit:
    order_id: str
    version: int
    step: str
    entered: datetime
    left: datetime | None
    next_step: str | None


def moves(order: OrderModel) -> list:
    """The history entries that moved the order (the first puts it in the start step)."""
    return [m for m in order.history if m.from_step != m.to_step]


def visits(order: OrderModel) -> list[Visit]:
    entries = moves(order)
    version = int(order.workflow_version)
    result = []
    for i, entry in enumerate(entries):
        following = entries[i + 1] if i + 1 < len(entries) else None
        result.append(Visit(order.order_id, version, entry.to_step, entry.at,
                            following.at if following else None, following.to_step if following else None))
    return result


def move_kind(pm: workflow.ProcessMap | None, from_step: str, to_step: str) -> str | None:
    """`rework` (back to an earlier step), `skip` (past the next step) or None."""
    if pm is None:
        return None
    order = main_line(pm)
    if from_step not in order or to_step not in order:
        return None
    if order[to_step] < order[from_step]:
        return "rework"
    if order[to_step] > order[from_step] + 1:
        return "skip"
    return None


# --- figures ------------------------------------------------------------------------------------

def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def p90(values: list[float]) -> float | None:
    """Nearest rank: the ceil(0.9 n)-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def _step_info(versions: dict, key: str) -> workflow.Step | None:
    """The step as the newest version that has it defines it."""
    for number in sorted(versions, reverse=True):
        if versions[number].has_step(key):
            return versions[number].step(key)
    return None


def _ordered_keys(versions: dict, keys) -> list[str]:
    """Steps in the newest map's order, then steps only older versions have."""
    ordered = []
    for number in sorted(versions, reverse=True):
        ordered += [s.key for s in versions[number].steps if s.key not in ordered]
    return [k for k in ordered if k in keys]


def step_figures(all_visits: list[Visit], versions: dict, start: datetime, end: datetime, now: datetime) -> list[dict]:
    by_step: dict[str, dict] = defaultdict(lambda: {
        "entered": 0, "durations": [], "sla_met": 0, "sla_breached": 0, "backward_moves": 0, "skips": 0,
        "next_steps": Counter(), "waiting_at_end": 0,
    })
    for visit in all_visits:
        pm = versions.get(visit.version)
        step = pm.step(visit.step) if pm is not None and pm.has_step(visit.step) else None
        figures = by_step[visit.step]
        if _within(visit.entered, start, end):
            figures["entered"] += 1
        if visit.entered < end and (visit.left is None or visit.left >= end) and not (step and step.is_end):
            figures["waiting_at_end"] += 1
        if _within(visit.left, start, end):
            figures["durations"].append(_minutes(visit.left - visit.entered))
            figures["next_steps"][visit.next_step] += 1
            kind = move_kind(pm, visit.step, visit.next_step)
            if kind == "rework":
                figures["backward_moves"] += 1
            elif kind == "skip":
                figures["skips"] += 1
        if step is not None and step.sla_minutes:
            due = visit.entered + timedelta(minutes=step.sla_minutes)
            if visit.left is not None and visit.left < due:
                figures["sla_met"] += 1 if _within(visit.left, start, end) else 0
            elif _within(due, start, end) and due <= now:
                figures["sla_breached"] += 1
    # Every step of the newest map, so tables and dashboards keep their rows, and any other step
    # with something to show.
    shown = {s.key for s in versions[max(versions)].steps} | {
        key for key, f in by_step.items()
        if f["entered"] or f["durations"] or f["sla_met"] or f["sla_breached"] or f["waiting_at_end"]
    }
    result = []
    for key in _ordered_keys(versions, shown):
        figures, info = by_step[key], _step_info(versions, key)
        judged = figures["sla_met"] + figures["sla_breached"]
        result.append({
            "step": key,
            "label": info.label if info else key,
            "owner": info.owner if info else None,
            "sla_minutes": info.sla_minutes if info else None,
            "end_step": bool(info and info.is_end),
            "entered": figures["entered"],
            "left": len(figures["durations"]),
            "median_minutes": median(figures["durations"]),
            "p90_minutes": p90(figures["durations"]),
            "sla_met": figures["sla_met"],
            "sla_breached": figures["sla_breached"],
            "sla_compliance_percent": round(100 * figures["sla_met"] / judged, 1) if judged else None,
            "backward_moves": figures["backward_moves"],
            "skips": figures["skips"],
            "next_steps": dict(sorted(figures["next_steps"].items(), key=lambda kv: (-kv[1], str(kv[0])))),
            "waiting_at_end": figures["waiting_at_end"],
        })
    return result


def _first_entry(order: OrderModel, key: str) -> datetime | None:
    return next((m.at for m in moves(order) if m.to_step == key), None)


def cycle_time(orders: list[OrderModel], start: datetime, end: datetime) -> dict:
    """From the order's creation to its first move into `paid`, for orders paid in the period."""
    hours = []
    for order in orders:
        paid = _first_entry(order, PAID_STEP)
        if _within(paid, start, end):
            hours.append((paid - order.history[0].at).total_seconds() / 3600)
    return {"orders": len(hours), "median_hours": median(hours), "p90_hours": p90(hours)}


def first_visit(orders: list[OrderModel], versions: dict, start: datetime, end: datetime) -> dict:
    """Of the orders completed in the period, those that got there without going on hold (any
    interruption step) and without being sent back to an earlier step."""
    completed = first = 0
    for order in orders:
        entries = moves(order)
        reached = next((i for i, m in enumerate(entries) if m.to_step == COMPLETED_STEP), None)
        if reached is None or not _within(entries[reached].at, start, end):
            continue
        completed += 1
        pm = versions.get(int(order.workflow_version))
        before = entries[1:reached]
        interrupted = any(getattr(step_of(versions, order, m.to_step), "interruption", False) for m in before)
        reworked = any(move_kind(pm, m.from_step, m.to_step) == "rework" for m in before)
        first += 0 if (interrupted or reworked) else 1
    return {"completed": completed, "first_visit": first,
            "percent": round(100 * first / completed, 1) if completed else None}


def _overlap_minutes(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> float:
    return max(0.0, _minutes(min(a[1], b[1]) - max(a[0], b[0])))


def utilization(windows: list[Window]) -> list[dict]:
    """Per window: booked minutes (the technicians' calendars) against available minutes (their
    working hours, less time off). One Query of each technician's calendar covers all windows."""
    first = min(w.first_day for w in windows)
    last = max(w.last_day for w in windows)
    zone = windows[0].zone
    per_window = [{"technicians": [], "booked_minutes": 0, "available_minutes": 0} for _ in windows]
    for member in sorted(business.technicians(), key=lambda m: m.user_id):
        booked_by_day = {
            c.day: int(c.booked_minutes or 0)
            for c in CalendarDayModel.query(member.user_id, CalendarDayModel.day.between(first.isoformat(), last.isoformat()))
        }
        profile = business.profile(member)
        time_off = business.time_off_intervals(member)
        for window, figures in zip(windows, per_window):
            booked = sum(booked_by_day.get(day.isoformat(), 0) for day in window.days())
            available = 0.0
            for day in window.days():
                for span in business.windows_on(profile["working_hours"], day, zone):
                    available += _minutes(span[1] - span[0]) - sum(_overlap_minutes(span, off) for off in time_off)
            available = int(round(available))
            figures["technicians"].append({
                "technician_id": member.user_id, "name": member.name, "booked_minutes": booked,
                "available_minutes": available,
                "percent": round(100 * booked / available, 1) if available else None,
            })
            figures["booked_minutes"] += booked
            figures["available_minutes"] += available
    for figures in per_window:
        available = figures["available_minutes"]
        figures["percent"] = round(100 * figures["booked_minutes"] / available, 1) if available else None
    return per_window


def invoice_figures(orders: list[OrderModel], windows: list[Window], now: datetime) -> list[dict | None]:
    """Invoices issued, paid and overdue per window, and the days to pay. Everything about
    invoices is here, so the rest works before invoicing exists (then: None per window).

    The invoices of the period's orders are read by key (an order's invoice id is derived from
    its id), so no invoice index is needed: an invoice issued or paid in a period moved its order
    in that period, and an unpaid invoice's order is still open."""
    from chalicelib import models

    if not hasattr(models, "InvoiceModel"):
        return [None for _ in windows]
    from chalicelib.invoicing import invoice_id_for

    invoiced = [o for o in orders if any(m.to_step == INVOICED_STEP for m in moves(o))]
    found = models.batch_get([(models.InvoiceModel, invoice_id_for(o.order_id), None) for o in invoiced])
    invoices = list(found.values())
    result = []
    for window in windows:
        cutoff = min(window.end, now)
        issued = [i for i in invoices if _within(i.issued_at, window.start, window.end)]
        paid = [i for i in invoices if i.status == "paid" and _within(i.paid_at, window.start, window.end)]
        overdue = [i for i in invoices if i.status != "void" and i.issued_at < cutoff and i.due_at < cutoff
                   and (i.paid_at is None or i.paid_at >= cutoff)]
        days = [(i.paid_at - i.issued_at).total_seconds() / 86400 for i in paid]
        result.append({"issued": len(issued), "paid": len(paid), "overdue": len(overdue),
                       "median_days_to_pay": median(days)})
    return result


def figures_for(orders: list[OrderModel], versions: dict, window: Window, now: datetime) -> dict:
    all_visits = [v for o in orders for v in visits(o)]
    by_version: dict[int, list[Visit]] = defaultdict(list)
    for visit in all_visits:
        by_version[visit.version].append(visit)
    start, end = window.start, window.end
    active = {v.version for v in all_visits if _within(v.entered, start, end) or _within(v.left, start, end)}
    return {
        "from": window.first_day.isoformat(),
        "to": window.last_day.isoformat(),
        "start": _iso(start),
        "end": _iso(end),
        "steps": step_figures(all_visits, versions, start, end, now),
        "versions": [
            {"workflow_version": number,
             "orders": len({v.order_id for v in by_version[number] if _within(v.entered, start, end) or _within(v.left, start, end)}),
             "steps": step_figures(by_version[number], {number: versions[number]} if number in versions else versions, start, end, now)}
            for number in sorted(active)
        ],
        "cycle_time": cycle_time(orders, start, end),
        "first_visit_completion": first_visit(orders, versions, start, end),
    }


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


# --- suggestions --------------------------------------------------------------------------------

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
    an owner is missing, and rework worth a look."""
    found = []
    current = versions[max(versions)]
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
            found.append({"kind": "remove_step", "step": s["step"], "text": text})
    timed = [s for s in movable if s["median_minutes"] is not None]
    if timed:
        worst = max(timed, key=lambda s: (s["median_minutes"], s["p90_minutes"] or 0))
        text = (f"Orders wait longest in '{worst['label']}': a median of {human(worst['median_minutes'])}, "
                f"90% within {human(worst['p90_minutes'])}. It is the bottleneck.")
        before = _find(previous, worst["step"])
        if before and before.get("median_minutes") is not None:
            text += f" The period before: a median of {human(before['median_minutes'])}."
        found.append({"kind": "bottleneck", "step": worst["step"], "text": text})
    breaches = sum(s["sla_breached"] for s in steps)
    if breaches:
        pile = max(steps, key=lambda s: s["sla_breached"])
        if pile["sla_breached"] >= PILE_BREACHES and pile["sla_breached"] >= PILE_SHARE * breaches:
            if pile["owner"]:
                advice = "add a step to split the work, or another owner to share it"
            else:
                advice = "give it an owner"
            found.append({"kind": "add_step_or_owner", "step": pile["step"],
                          "text": (f"SLA breaches pile up in '{pile['label']}' ({pile['sla_breached']} of {breaches}): "
                                   f"{advice}.")})
    for s in steps:
        if s["backward_moves"] >= REWORK_NOTICE:
            found.append({"kind": "rework", "step": s["step"],
                          "text": (f"{s['backward_moves']} orders were sent back from '{s['label']}' to an earlier "
                                   f"step: find out what was missing the first time.")})
    return found


def _label(versions: dict, key: str | None) -> str:
    info = _step_info(versions, key) if key else None
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


# --- the evaluation -----------------------------------------------------------------------------

def evaluate(window: Window, now: datetime, period: str = "custom") -> dict:
    """The evaluation of `window`, compared with the window of the same length before it."""
    versions = all_versions()
    before = window.before()
    orders = period_orders(before.start, now, versions)
    current, previous = figures_for(orders, versions, window, now), figures_for(orders, versions, before, now)
    for figures, used in zip((current, previous), utilization([window, before])):
        figures["utilization"] = used
    for figures, invoices in zip((current, previous), invoice_figures(orders, [window, before], now)):
        figures["invoices"] = invoices
    return {
        "period": period,
        "date": window.first_day.isoformat(),
        "timezone": str(window.zone),
        "evaluated_at": _iso(now),
        "current_workflow_version": max(versions),
        **current,
        "previous": previous,
        "changes": changes(current, previous),
        "suggestions": suggestions(current["steps"], versions, previous),
    }
