"""What each step costs, and how long the customer waits: the staff time a step takes and its
money (from the business's optional `cost_per_hour_cents` per role), per period and per month,
and the customer's waits (request to visit, completion to invoice, invoice to payment); then the
saving a "remove this step" suggestion would bring, in staff hours, money and customers' hours.

The core (`report`, `customer_waits`, `attach_savings`) is pure, over loaded orders and map
versions; `of_period` only adds the business's settings.

Definitions (tests/unit/test_costs.py holds them):
- A step's staff time is its own version's `staff_role` / `staff_minutes` (the version the order
  follows): no role, no staff time; a role with minutes, that many minutes per visit, counted for
  visits that *entered* the step in the period (the work is done on arriving); a role without
  minutes, the whole time in the step, counted for visits that *left* it in the period (the time
  is known then), like the figures' time in a step.
- A step's customer hours: the time orders spent in it, for visits that left it in the period.
- Per month: the period's figure x 30.44 / the period's days.
- Waits, counted in the period their end falls in: request to visit, from the order's creation
  to its first move into the visit step (`on_site`, else `in_progress`); completion to invoice,
  from the first move into `completed` to the next move into `invoiced`; invoice to payment,
  from the first move into `invoiced` to the next move into `paid`. Median and nearest-rank 90th
  percentile, in hours.
- No `cost_per_hour_cents`, or none for a step's role: its `cost_cents` is None (hours only).
"""
from collections import defaultdict
from datetime import datetime

from chalicelib.core import times
from chalicelib.invoicing import pdf_layout
from chalicelib.reviews import figures as reviews_figures
from chalicelib.reviews.figures import COMPLETED_STEP, INVOICED_STEP, PAID_STEP, Window
from chalicelib.setup import business
from chalicelib.workflow import kinds as work_kinds
from chalicelib.workflow import process_map

DAYS_PER_MONTH = 30.44
# The step an order is visited in: an estimate's `on_site`, a job's `in_progress`.
VISIT_STEPS = ("on_site", "in_progress")
WAITS = ("request_to_visit", "completion_to_invoice", "invoice_to_payment")


def per_month(value: float | None, window: Window) -> float | None:
    """A period's figure scaled to a month of 30.44 days."""
    if value is None:
        return None
    days = (window.last_day - window.first_day).days + 1
    return value * DAYS_PER_MONTH / days


def rates(settings: dict) -> dict[str, int]:
    """The business's cost per hour per role, in cents (only whole, non-negative numbers)."""
    found = settings.get("cost_per_hour_cents") if isinstance(settings, dict) else None
    if not isinstance(found, dict):
        return {}
    return {role: int(cents) for role, cents in found.items()
            if role in process_map.STAFF_ROLES and isinstance(cents, int) and not isinstance(cents, bool) and cents >= 0}


def _kind_of(pm, order) -> str:
    return getattr(pm, "kind", None) or order.kind or work_kinds.kind_for_workflow(order.workflow_id or process_map.WORKFLOW_ID)


def _cents(hours: float, rate: int | None) -> int | None:
    return None if rate is None else int(round(hours * rate))


def report(orders: list, versions: dict, window: Window, settings: dict) -> dict:
    """The `costs` part of the evaluation: per (kind of work, step) the staff time and its cost and
    the customers' hours, per period and per month, and the customer's waits."""
    start, end = window.start, window.end
    money = rates(settings)
    rows: dict[tuple[str, str], dict] = {}
    for order in orders:
        pm = reviews_figures.order_map(versions, order)
        if pm is None:
            continue
        kind = _kind_of(pm, order)
        for visit in reviews_figures.visits(order):
            if not pm.has_step(visit.step):
                continue
            step = pm.step(visit.step)
            if step.is_end:
                continue
            row = rows.setdefault((kind, step.key), {
                "step": step.key, "label": step.label, "work_kind": kind, "staff_role": step.staff_role,
                "visits": 0, "minutes": 0.0, "customer_minutes": 0.0, "timed": 0})
            left = reviews_figures.within(visit.left, start, end)
            if left:
                row["customer_minutes"] += times.minutes(visit.left - visit.entered)
            if step.staff_role is None:
                continue
            row["staff_role"] = step.staff_role
            if step.staff_minutes is not None and reviews_figures.within(visit.entered, start, end):
                row["visits"] += 1
                row["minutes"] += step.staff_minutes
            elif step.staff_minutes is None and left:
                row["visits"] += 1
                row["timed"] += 1
                row["minutes"] += times.minutes(visit.left - visit.entered)
    steps = []
    for (kind, key), row in sorted(rows.items(), key=lambda kv: _position(versions, *kv[0])):
        staff_hours = row["minutes"] / 60
        rate = money.get(row["staff_role"]) if row["staff_role"] and money else None
        customer_hours = row["customer_minutes"] / 60
        steps.append({
            "step": key, "label": row["label"], "work_kind": kind, "staff_role": row["staff_role"],
            "visits": row["visits"],
            "staff_minutes_per_visit": round(row["minutes"] / row["visits"], 1) if row["visits"] else None,
            "staff_time": None if row["staff_role"] is None else ("whole_time" if row["timed"] else "per_visit"),
            "staff_hours": round(staff_hours, 1),
            "cost_cents": _cents(staff_hours, rate),
            "customer_hours": round(customer_hours, 1),
            "per_month": {
                "visits": round(per_month(row["visits"], window), 1),
                "staff_hours": round(per_month(staff_hours, window), 1),
                "cost_cents": _cents(per_month(staff_hours, window), rate),
                "customer_hours": round(per_month(customer_hours, window), 1),
            },
        })
    return {
        "currency": (settings.get("currency") if isinstance(settings, dict) else None) or "USD",
        "rates_per_hour_cents": money,
        "steps": steps,
        "customer_waits": customer_waits(orders, window),
    }


def _position(versions: dict, kind: str, key: str) -> tuple:
    """Kinds in order of their maps (the legacy map first), steps in their newest map's order."""
    for i, pm in enumerate(reviews_figures.heads(versions)):
        if (getattr(pm, "kind", None) or work_kinds.kind_for_workflow(pm.workflow_id)) == kind:
            keys = [s.key for s in pm.steps]
            return (i, keys.index(key) if key in keys else len(keys), key)
    return (len(versions), 0, key)


def _first_into(moves: list, keys, after: datetime | None = None) -> datetime | None:
    return next((m.at for m in moves if m.to_step in keys and (after is None or m.at >= after)), None)


def _visit_step_entry(moves: list) -> datetime | None:
    for key in VISIT_STEPS:
        found = _first_into(moves, (key,))
        if found is not None:
            return found
    return None


def customer_waits(orders: list, window: Window) -> dict:
    """{wait: {"orders", "median_hours", "p90_hours"}} for the waits that ended in the window."""
    found: dict[str, list[float]] = defaultdict(list)
    for order in orders:
        moves = reviews_figures.moves(order)
        if not moves:
            continue
        visited = _visit_step_entry(moves)
        completed = _first_into(moves, (COMPLETED_STEP,))
        invoiced = _first_into(moves, (INVOICED_STEP,), completed)
        first_invoiced = _first_into(moves, (INVOICED_STEP,))
        paid = _first_into(moves, (PAID_STEP,), first_invoiced)
        for name, begin, finish in (("request_to_visit", order.history[0].at, visited),
                                    ("completion_to_invoice", completed, invoiced),
                                    ("invoice_to_payment", first_invoiced, paid)):
            if begin is not None and finish is not None and reviews_figures.within(finish, window.start, window.end):
                found[name].append((finish - begin).total_seconds() / 3600)
    return {name: {"orders": len(found[name]), "median_hours": reviews_figures.median(found[name]),
                   "p90_hours": reviews_figures.p90(found[name])} for name in WAITS}


def of_period(orders: list, versions: dict, window: Window) -> dict:
    """`report` with the business's settings (its currency and costs per hour)."""
    return report(orders, versions, window, business.settings())


def money_rounded(cents: int, currency: str) -> str:
    """`£540`: whole units of the business's currency, as people say a saving."""
    return pdf_layout.money(int(round(cents / 100)) * 100, currency).removesuffix(".00")


def _hours(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")


def _saving_text(saving: dict, currency: str) -> str:
    staff, cents, waiting = saving["staff_hours_per_month"], saving["cost_cents_per_month"], saving["customer_hours_per_month"]
    parts = []
    if staff >= 0.05:
        money = f" ({money_rounded(cents, currency)})" if cents is not None else ""
        parts.append(f"about {_hours(staff)} staff hour{'s' if _hours(staff) != '1' else ''}{money}")
    if waiting >= 0.05:
        parts.append(f"{'about ' if not parts else ''}{_hours(waiting)} hour{'s' if _hours(waiting) != '1' else ''} "
                     "of customers' waiting")
    if not parts:
        return "Removing it saves no measurable staff time or waiting."
    return f"Removing it saves {' and '.join(parts)} a month."


def attach_savings(suggestions: list[dict], cost_report: dict) -> list[dict]:
    """Give each remove_step suggestion its `saving` (per month: staff hours, their cost in cents
    or None, customers' hours) and a sentence saying it; other suggestions get `saving: None`.
    A suggestion without a kind of work matches its step in any kind (the single-kind report)."""
    currency = cost_report.get("currency") or "USD"
    for s in suggestions:
        s.setdefault("saving", None)
        if s.get("kind") != "remove_step":
            continue
        rows = [r for r in cost_report.get("steps", []) if r["step"] == s.get("step")
                and (s.get("work_kind") is None or r["work_kind"] == s.get("work_kind"))]
        costs = [r["per_month"]["cost_cents"] for r in rows]
        saving = {
            "staff_hours_per_month": round(sum(r["per_month"]["staff_hours"] for r in rows), 1),
            "cost_cents_per_month": (None if not rows or any(c is None and r["staff_role"] for c, r in zip(costs, rows))
                                     else sum(c or 0 for c in costs)),
            "customer_hours_per_month": round(sum(r["per_month"]["customer_hours"] for r in rows), 1),
        }
        s["saving"] = saving
        s["text"] = f"{s.get('text', '').rstrip()} {_saving_text(saving, currency)}".strip()
    return suggestions
