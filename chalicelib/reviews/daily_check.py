"""The daily check: what needs a person now (past SLA, no technician, not started, not invoiced,
invoice failures, a technician away or deactivated), read through the sparse indexes only."""
from collections import Counter
from datetime import datetime, time, timedelta, timezone

from chalicelib.core import settings, times
from chalicelib.data import models
from chalicelib.data.models import ORDER_LIST_PK, OrderModel, ReviewModel
from chalicelib.reviews import evaluation, figures, periods, staffing, unanswered_quotes
from chalicelib.reviews.periods import DAILY, Period
from chalicelib.reviews.suggestions import human
from chalicelib.setup import business
from chalicelib.workflow import kinds

# Today's appointments still in these steps this long after their start have not started.
NOT_STARTED_AFTER = timedelta(hours=1)
NOT_STARTED_STEPS = ("scheduled", "en_route")
# The invoicing automation normally moves a completed order on within seconds.
NOT_INVOICED_AFTER = timedelta(minutes=30)
INVOICE_FAILED = {
    "send_failed": "SES refused the invoice email",
    "send_unknown": "the invoice email may not have gone out",
    "no_email": "the customer has no email address for the invoice",
}
# Items kept in one stored report, well inside DynamoDB's 400 KB item (a digest of more would
# help nobody; the counts stay whole).
MAX_ITEMS = 300

KINDS = {
    "sla_breach": "Past the step's SLA",
    "no_technician": "No technician assigned",
    "not_started": "Appointments not started",
    "not_invoiced": "Completed but not invoiced",
    "invoice_send_failed": "Invoices whose email failed",
    "invoice_overdue": "Overdue invoices",
    staffing.AWAY: "Technician away",
    staffing.DEACTIVATED: "Technician deactivated",
    unanswered_quotes.KIND: "Quotes waiting for an answer",
}


def _order_item(kind: str, order: OrderModel, step, since: datetime, now: datetime, detail: str) -> dict:
    return {
        "key": f"{kind}:{order.order_id}:{step.key}",
        "kind": kind,
        "order_id": order.order_id,
        "invoice_id": None,
        "step": step.key,
        "step_label": step.label,
        "owner": step.owner,
        "deputy": step.deputy,
        "workflow_id": order.workflow_id,
        "workflow_version": int(order.workflow_version),
        "work_kind": order.kind or kinds.kind_for_workflow(order.workflow_id),
        "since": times.iso(since),
        "minutes": round(times.minutes(now - since)),
        "detail": detail,
        "link": f"{settings.public_base_url()}/orders/{order.order_id}",
    }


def _business_hours(minutes: float) -> str:
    """Business time in plain words: "45 business minutes", "1 business hour", "3.5 business hours"
    (hours, never days: a business day is not 24 hours)."""
    if minutes < 59.5:
        return f"{round(minutes)} business minute" + ("" if round(minutes) == 1 else "s")
    hours = round(minutes / 60, 1)
    return f"{hours:g} business hour" + ("" if hours == 1 else "s")


def _sla_detail(order: OrderModel, step, now: datetime, calendar) -> str:
    """How long the order has been in the step, its SLA and by how much it is over, on the
    step's clock: business hours unless the step counts calendar time."""
    if step.sla_clock == "calendar" or calendar is None or not calendar.has_hours:
        return (f"In '{step.label}' for {human(times.minutes(now - order.step_entered_at))}; its SLA is "
                f"{human(step.sla_minutes)}, over by {human(times.minutes(now - order.sla_due_at))}.")
    return (f"In '{step.label}' for {_business_hours(calendar.minutes_between(order.step_entered_at, now))} "
            f"({human(times.minutes(now - order.step_entered_at))} in all); its SLA is "
            f"{_business_hours(step.sla_minutes)}, over by {_business_hours(max(0, calendar.minutes_between(order.sla_due_at, now)))}.")


def _past_sla(now: datetime, versions: dict, calendar=None) -> list[dict]:
    """One Query per step with an SLA on the sparse `by-open-step` index: only open orders whose
    SLA has run out (at or before now) are read. `calendar`: the business calendar the words
    count business hours on."""
    items = []
    keys = sorted({s.key for pm in versions.values() for s in pm.steps if not s.is_end and s.sla_minutes})
    for key in keys:
        for order in OrderModel.by_open_step.query(key, OrderModel.sla_due_at <= now):
            step = figures.step_of(versions, order)
            if step is None:
                continue
            detail = _sla_detail(order, step, now, calendar)
            items.append(_order_item("sla_breach", order, step, order.sla_due_at, now, detail))
    return items


def _needs_technician(pm, step) -> bool:
    """Every open step after the start step, interruptions (on hold) aside."""
    return not step.is_end and not step.interruption and step.key != pm.start_step


def _invoicing(step) -> bool:
    return not step.is_end and ("create_invoice" in step.automations or step.key == figures.COMPLETED_STEP)


def _open_order_items(now: datetime, versions: dict) -> list[dict]:
    """One Query of `by-step` per step that needs a technician or invoices: those partitions hold
    only the orders now in that (open) step."""
    items = []
    technician_keys = {s.key for pm in versions.values() for s in pm.steps if _needs_technician(pm, s)}
    invoicing_keys = {s.key for pm in versions.values() for s in pm.steps if _invoicing(s)}
    invoicing_before = now - NOT_INVOICED_AFTER
    for key in sorted(technician_keys | invoicing_keys):
        condition = None if key in technician_keys else OrderModel.step_entered_at <= invoicing_before
        for order in OrderModel.by_step.query(key, condition):
            pm = figures.order_map(versions, order)
            step = figures.step_of(versions, order)
            if step is None or step.is_end:
                continue
            waited = human(times.minutes(now - order.step_entered_at))
            if _needs_technician(pm, step) and not order.technician_id:
                items.append(_order_item("no_technician", order, step, order.step_entered_at, now,
                                         f"In '{step.label}' for {waited} with no technician assigned."))
            if _invoicing(step) and order.step_entered_at <= invoicing_before:
                items.append(_order_item("not_invoiced", order, step, order.step_entered_at, now,
                                         f"Completed {waited} ago and not invoiced yet."))
    return items


def _not_started(now: datetime, zone, versions: dict) -> list[dict]:
    """Today's appointments (local date) that began an hour or more ago and are still scheduled or
    on the way: one Query of `by-appointment` over today up to an hour ago."""
    day_start = datetime.combine(now.astimezone(zone).date(), time(0), zone).astimezone(timezone.utc)
    latest_start = now - NOT_STARTED_AFTER
    if latest_start < day_start:
        return []
    items = []
    for order in OrderModel.by_appointment.query(
        ORDER_LIST_PK,
        OrderModel.appointment_start.between(day_start, latest_start),
        filter_condition=OrderModel.step.is_in(*NOT_STARTED_STEPS),
    ):
        step = figures.step_of(versions, order)
        if step is None:
            continue
        start = order.appointment_start.astimezone(zone).strftime("%H:%M")
        items.append(_order_item("not_started", order, step, order.appointment_start, now,
                                 f"The appointment began at {start} and the job is still '{step.label}' "
                                 f"{human(times.minutes(now - order.appointment_start))} later."))
    return items


def _invoice_items(now: datetime, versions: dict) -> list[dict]:
    """Open invoices whose email failed, and overdue ones: one Query of the invoices' sparse
    `by-due` index (unpaid, not void). Everything about invoices is here, so the check works
    before invoicing exists."""
    if not hasattr(models, "InvoiceModel"):
        return []
    current = figures.newest(versions)
    step = (current.step(figures.INVOICED_STEP) if current.has_step(figures.INVOICED_STEP)
            else next((s for s in current.steps if "create_invoice" in s.automations), None))
    base = settings.public_base_url()
    items = []

    def item(kind, invoice, since, detail):
        return {
            "key": f"{kind}:{invoice.invoice_id}",
            "kind": kind,
            "order_id": invoice.order_id,
            "invoice_id": invoice.invoice_id,
            "step": step.key if step else figures.INVOICED_STEP,
            "step_label": step.label if step else "Invoiced",
            "owner": step.owner if step else None,
            "deputy": step.deputy if step else None,
            "workflow_version": current.version,
            "since": times.iso(since),
            "minutes": round(times.minutes(now - since)),
            "detail": detail,
            "link": f"{base}/invoices/{invoice.invoice_id}",
        }

    for invoice in models.InvoiceModel.by_due.query("open"):
        if invoice.delivery in INVOICE_FAILED:
            reason = INVOICE_FAILED[invoice.delivery] + (f" ({invoice.last_error})" if invoice.last_error else "")
            items.append(item("invoice_send_failed", invoice, invoice.issued_at, f"Invoice {invoice.number}: {reason}."))
        if invoice.status == "issued" and invoice.due_at < now:
            balance = (int(invoice.total_cents) - int(invoice.paid_cents or 0)) / 100
            items.append(item("invoice_overdue", invoice, invoice.due_at,
                              f"Invoice {invoice.number} was due on {invoice.due_date}; "
                              f"{balance:,.2f} {invoice.currency} is outstanding."))
    return items


def find_items(now: datetime, zone=None) -> list[dict]:
    """Everything the daily check flags now. Reads only open work: a constant number of Queries
    (per step and per kind), never the history of closed orders."""
    business_settings = business.settings()
    zone = zone or business.zone(business_settings)
    versions = evaluation.all_versions()
    items = (_past_sla(now, versions, business.calendar(business_settings)) + _open_order_items(now, versions) + _not_started(now, zone, versions)
             + _invoice_items(now, versions) + staffing.find(now, zone, versions, _order_item)
             + unanswered_quotes.find(now, zone, versions, business_settings))
    kinds = list(KINDS)
    return sorted(items, key=lambda i: (kinds.index(i["kind"]), i["since"], i["key"]))


def _previous_checks(day: str) -> dict[str, int]:
    """How many checks in a row flagged each item, as of the last finished check before `day`."""
    for review in ReviewModel.query(DAILY, ReviewModel.date < day, scan_index_forward=False, limit=5):
        if review.status == "done" and review.report:
            return {i["key"]: int(i.get("checks", 1)) for i in review.report.get("items", [])}
    return {}


def daily_report(period: Period, now: datetime) -> dict:
    items = find_items(now, period.window.zone)
    previous, limit = _previous_checks(period.date), periods.escalate_after()
    for item in items:
        item["checks"] = previous.get(item["key"], 0) + 1
        item["escalated"] = item["checks"] >= limit
    return {
        "period": DAILY,
        "date": period.date,
        "timezone": str(period.window.zone),
        "checked_at": times.iso(now),
        "escalate_after": limit,
        "counts": {kind: n for kind, n in Counter(i["kind"] for i in items).items()},
        "escalated": sum(1 for i in items if i["escalated"]),
        "items": items[:MAX_ITEMS],
        "items_omitted": max(0, len(items) - MAX_ITEMS),
    }
