"""Process figures, pure: per step, entries, median and 90th percentile time, SLA compliance,
rework and skips; cycle time and first-visit completion. Plain functions over loaded orders.

`versions` is the map versions the orders follow: keyed by `(workflow_id, number)` when it holds
several kinds of work's maps (`evaluation.all_versions`), or by number for one map's versions
(the figures of one kind of work). An order's own map is looked up by its workflow id and version
either way (`version_of`)."""
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from chalicelib.core import times
from chalicelib.data.models import OrderModel
from chalicelib.reviews import evidence
from chalicelib.workflow import process_map

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


def version_of(versions: dict, workflow_id: str | None, number) -> process_map.ProcessMap | None:
    """The map version `number` of the maps stored under `workflow_id`, from either kind of
    `versions` (by (workflow_id, number), or by number for one map's versions)."""
    workflow_id = workflow_id or process_map.WORKFLOW_ID
    found = versions.get((workflow_id, int(number)))
    if found is None:
        found = versions.get(int(number))
        if found is not None and getattr(found, "workflow_id", workflow_id) != workflow_id:
            return None
    return found


def order_map(versions: dict, order: OrderModel) -> process_map.ProcessMap | None:
    return version_of(versions, order.workflow_id, order.workflow_version)


def _number(key) -> int:
    return key[1] if isinstance(key, tuple) else key


def _workflow(key, pm) -> str:
    return key[0] if isinstance(key, tuple) else getattr(pm, "workflow_id", process_map.WORKFLOW_ID)


def ranked(versions: dict) -> list[process_map.ProcessMap]:
    """The versions newest first, the legacy map's ("default") before the other kinds' maps."""
    def rank(key):
        workflow_id = _workflow(key, versions[key])
        return (workflow_id != process_map.WORKFLOW_ID, workflow_id, -_number(key))
    return [versions[key] for key in sorted(versions, key=rank)]


def heads(versions: dict) -> list[process_map.ProcessMap]:
    """The newest version of each map in `versions` (the legacy map's first)."""
    seen, found = set(), []
    for pm in ranked(versions):
        workflow_id = getattr(pm, "workflow_id", process_map.WORKFLOW_ID)
        if workflow_id not in seen:
            seen.add(workflow_id)
            found.append(pm)
    return found


def newest(versions: dict) -> process_map.ProcessMap:
    """The newest version of the legacy map (or of the first map when there is none)."""
    return heads(versions)[0]


def step_of(versions: dict, order: OrderModel, key: str | None = None) -> process_map.Step | None:
    pm = order_map(versions, order)
    key = key or order.step
    return pm.step(key) if pm is not None and pm.has_step(key) else None


def main_line(pm: process_map.ProcessMap) -> dict[str, int]:
    """Position of each step in the map's order, interruption steps left out."""
    return {s.key: i for i, s in enumerate(s for s in pm.steps if not s.interruption)}


def months(start: datetime, end: datetime) -> list[str]:
    """The UTC months ("YYYY-MM") from `start` to `end`, both included."""
    first, last = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    year, month, found = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


@dataclass(frozen=True)
class Visit:
    order_id: str
    version: int
    step: str
    entered: datetime
    left: datetime | None
    next_step: str | None
    workflow_id: str = process_map.WORKFLOW_ID
    waiting_on: str | None = None  # put on hold for the customer ("customer"): no SLA ran
    left_by: str | None = None  # who made the move out ("system": an automation)


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
                            following.at if following else None, following.to_step if following else None,
                            order.workflow_id or process_map.WORKFLOW_ID, getattr(entry, "waiting_on", None),
                            following.by if following else None))
    return result


def move_kind(pm: process_map.ProcessMap | None, from_step: str, to_step: str) -> str | None:
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


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def p90(values: list[float]) -> float | None:
    """Nearest rank: the ceil(0.9 n)-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)


def within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def step_info(versions: dict, key: str) -> process_map.Step | None:
    """The step as the newest version that has it defines it (the legacy map's first)."""
    for pm in ranked(versions):
        if pm.has_step(key):
            return pm.step(key)
    return None


def _ordered_keys(versions: dict, keys) -> list[str]:
    """Steps in the newest map's order, then steps only older versions have."""
    ordered = []
    for pm in ranked(versions):
        ordered += [s.key for s in pm.steps if s.key not in ordered]
    return [k for k in ordered if k in keys]


def step_figures(all_visits: list[Visit], versions: dict, start: datetime, end: datetime, now: datetime,
                 calendar=None) -> list[dict]:
    """`calendar` (core.business_time.Calendar): the business's hours, which a step's SLA on the
    business clock counts (None: every minute, as on the calendar clock)."""
    by_step: dict[str, dict] = defaultdict(lambda: {
        "entered": 0, "durations": [], "sla_met": 0, "sla_breached": 0, "backward_moves": 0, "skips": 0,
        "next_steps": Counter(), "waiting_at_end": 0, "orders_left": set(), "back_to": Counter(),
        "left_by_system": 0, "sla_clock_durations": [],
    })
    for visit in all_visits:
        pm = version_of(versions, visit.workflow_id, visit.version)
        step = pm.step(visit.step) if pm is not None and pm.has_step(visit.step) else None
        figures = by_step[visit.step]
        if within(visit.entered, start, end):
            figures["entered"] += 1
        if visit.entered < end and (visit.left is None or visit.left >= end) and not (step and step.is_end):
            figures["waiting_at_end"] += 1
        if within(visit.left, start, end):
            figures["durations"].append(times.minutes(visit.left - visit.entered))
            figures["next_steps"][visit.next_step] += 1
            figures["orders_left"].add(visit.order_id)
            figures["left_by_system"] += visit.left_by == "system"
            kind = move_kind(pm, visit.step, visit.next_step)
            if kind == "rework":
                figures["backward_moves"] += 1
                figures["back_to"][visit.next_step] += 1
            elif kind == "skip":
                figures["skips"] += 1
        if step is not None and step.sla_minutes and not step.waits_on_customer and visit.waiting_on != "customer":
            due = (calendar.due(visit.entered, step.sla_minutes, step.sla_clock) if calendar is not None
                   else visit.entered + timedelta(minutes=step.sla_minutes))
            if within(visit.left, start, end):  # the time in the step as its SLA counts it
                figures["sla_clock_durations"].append(
                    calendar.minutes_between(visit.entered, visit.left)
                    if calendar is not None and step.sla_clock == "business" else times.minutes(visit.left - visit.entered))
            if visit.left is not None and visit.left < due:
                figures["sla_met"] += 1 if within(visit.left, start, end) else 0
            elif within(due, start, end) and due <= now:
                figures["sla_breached"] += 1
    # Every step of the newest map, so tables and dashboards keep their rows, and any other step
    # with something to show.
    shown = {s.key for pm in heads(versions) for s in pm.steps} | {
        key for key, f in by_step.items()
        if f["entered"] or f["durations"] or f["sla_met"] or f["sla_breached"] or f["waiting_at_end"]
    }
    result = []
    for key in _ordered_keys(versions, shown):
        figures, info = by_step[key], step_info(versions, key)
        judged = figures["sla_met"] + figures["sla_breached"]
        result.append({
            "step": key,
            "label": info.label if info else key,
            "owner": info.owner if info else None,
            "sla_minutes": info.sla_minutes if info else None,
            "sla_clock": info.sla_clock if info else None,  # what the SLA counts: "business" hours or "calendar" time
            "end_step": bool(info and info.is_end),
            "entered": figures["entered"],
            "left": len(figures["durations"]),
            "median_minutes": median(figures["durations"]),
            "p90_minutes": p90(figures["durations"]),
            # Evidence (reviews.evidence): how many orders left the step, and 90% bootstrap intervals
            "orders_left": len(figures["orders_left"]),
            "median_interval_minutes": evidence.median_interval(figures["durations"]),
            "p90_interval_minutes": evidence.p90_interval(figures["durations"]),
            "sla_met": figures["sla_met"],
            "sla_breached": figures["sla_breached"],
            "sla_compliance_percent": round(100 * figures["sla_met"] / judged, 1) if judged else None,
            # the 90th percentile of the time in the step on its SLA's clock (business minutes for
            # a business-hours SLA), what a new SLA would be set at
            "p90_sla_clock_minutes": p90(figures["sla_clock_durations"]),
            "backward_moves": figures["backward_moves"],
            "skips": figures["skips"],
            "next_steps": dict(sorted(figures["next_steps"].items(), key=lambda kv: (-kv[1], str(kv[0])))),
            "sent_back_to": dict(sorted(figures["back_to"].items(), key=lambda kv: (-kv[1], str(kv[0])))),
            "waiting_at_end": figures["waiting_at_end"],
            "interruption": bool(info and info.interruption),
            "waits_on_customer": bool(info and info.waits_on_customer),
            "left_by_system": figures["left_by_system"],  # visits an automation moved on
        })
    _share_of_cycle(result)
    return result


def _share_of_cycle(rows: list[dict]) -> None:
    """Each step's median as a share of the sum of the medians of the steps an order goes through
    (end and interruption steps left out): `share_of_cycle_percent`, None for those left out."""
    counted = [r for r in rows if not r["end_step"] and not r["interruption"] and r["median_minutes"] is not None]
    total = sum(r["median_minutes"] for r in counted)
    keys = {r["step"] for r in counted}
    for r in rows:
        r["share_of_cycle_percent"] = round(100 * r["median_minutes"] / total, 1) if total and r["step"] in keys else None


def _first_entry(order: OrderModel, key: str) -> datetime | None:
    return next((m.at for m in moves(order) if m.to_step == key), None)


def cycle_time(orders: list[OrderModel], start: datetime, end: datetime) -> dict:
    """From the order's creation to its first move into `paid`, for orders paid in the period."""
    hours = []
    for order in orders:
        paid = _first_entry(order, PAID_STEP)
        if within(paid, start, end):
            hours.append((paid - order.history[0].at).total_seconds() / 3600)
    return {"orders": len(hours), "median_hours": median(hours), "p90_hours": p90(hours)}


def first_visit(orders: list[OrderModel], versions: dict, start: datetime, end: datetime) -> dict:
    """Of the orders completed in the period, those that got there without going on hold (any
    interruption step) and without being sent back to an earlier step."""
    completed = first = 0
    for order in orders:
        entries = moves(order)
        reached = next((i for i, m in enumerate(entries) if m.to_step == COMPLETED_STEP), None)
        if reached is None or not within(entries[reached].at, start, end):
            continue
        completed += 1
        pm = order_map(versions, order)
        before = entries[1:reached]
        interrupted = any(getattr(step_of(versions, order, m.to_step), "interruption", False) for m in before)
        reworked = any(move_kind(pm, m.from_step, m.to_step) == "rework" for m in before)
        first += 0 if (interrupted or reworked) else 1
    return {"completed": completed, "first_visit": first,
            "percent": round(100 * first / completed, 1) if completed else None}
