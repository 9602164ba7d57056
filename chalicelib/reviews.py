"""Reviews: someone checks progress every day, and the process itself is evaluated every week,
month and quarter.

- **The daily check** lists what needs a person now: orders past their step's SLA, orders with
  no technician in a step that needs one, today's appointments not started an hour after their
  start, completed orders not invoiced, invoices whose email failed and overdue invoices. Each
  step owner gets one digest email per run with their items; items of a step without an owner go
  to the admins, and an item flagged in REVIEW_ESCALATE_AFTER checks in a row (default 3) goes to
  the admins too. It reads only open work, by key and index queries (`find_items`).
- **The weekly, monthly and quarterly evaluations** of the period just ended (`evaluation`),
  emailed to the admins with a chart of the time orders spend in each step.

The schedules run every hour and act from REVIEW_LOCAL_HOUR (default 7) local time, in the
business's timezone, once per period: the day for the check; for the evaluations the week
(from Monday), the month (from the 1st) and the quarter (from its first day) just ended.

Every run is kept so the review can itself be audited: in the `reviews` table (what was found,
who was told what and when), as JSON and CSV in S3 (`reports/<period>/<date>.json|csv`), and as
CloudWatch metrics (namespace WorkOrders, dimensions `period` and `step`).

A period is reviewed once. A run first claims the period's item (a conditional put); another run
finds it and sends nothing. A claim older than any Lambda run (its runner died) may be taken
over: the new runner reuses what the first one found and sends only the emails not yet recorded;
one recorded as `sending` (the runner may have died after SES took it) becomes `unknown` and is
never sent again.
"""
import csv
import io
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from html import escape

from pynamodb.exceptions import PutError, UpdateError

from chalicelib import business, catalog, clock, evaluation, notifications, observability, settings
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.evaluation import Window, human
from chalicelib.models import ORDER_LIST_PK, OrderModel, ReviewModel, StaffModel
from chalicelib.validation import parse_date

PERIODS = ("daily", "weekly", "monthly", "quarterly")
DAILY = "daily"
# Longer than Lambda's longest run (15 minutes): a claim this old was left by a dead runner.
CLAIM_STALE = timedelta(minutes=20)
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
}


def local_hour() -> int:
    return int(settings.env("REVIEW_LOCAL_HOUR", "7"))


def escalate_after() -> int:
    return max(1, int(settings.env("REVIEW_ESCALATE_AFTER", "3")))


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


# --- periods ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """What a run reviews: a period name, its local dates, and from when the schedule runs it."""

    name: str
    window: Window
    due: datetime

    @property
    def date(self) -> str:
        return self.window.first_day.isoformat()


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def first_day_of(name: str, day: date) -> date:
    """The first local day of the `name` period that holds `day` (its `date`)."""
    if name == "weekly":
        return day - timedelta(days=day.weekday())
    if name == "monthly":
        return day.replace(day=1)
    if name == "quarterly":
        return _quarter_start(day)
    return day


def period_to_review(name: str, today: date, zone) -> Period:
    """The period a run on local date `today` reviews: today for the check, else the week, month
    or quarter just ended. `due` is when the schedule first runs it (REVIEW_LOCAL_HOUR local)."""
    def at(day: date) -> datetime:
        return datetime.combine(day, time(local_hour()), zone).astimezone(timezone.utc)

    if name == DAILY:
        return Period(name, Window(today, today, zone), at(today))
    this_one = first_day_of(name, today)
    last_day = this_one - timedelta(days=1)
    return Period(name, Window(first_day_of(name, last_day), last_day, zone), at(this_one))


def check_period(name) -> str:
    if name not in PERIODS:
        raise ValidationFailed("Unknown review period.", [{"field": "period", "message": f"must be one of {', '.join(PERIODS)}"}])
    return name


# --- the daily check: what needs a person now -----------------------------------------------------

def _order_item(kind: str, order: OrderModel, step, since: datetime, now: datetime, detail: str) -> dict:
    return {
        "key": f"{kind}:{order.order_id}:{step.key}",
        "kind": kind,
        "order_id": order.order_id,
        "invoice_id": None,
        "step": step.key,
        "step_label": step.label,
        "owner": step.owner,
        "workflow_version": int(order.workflow_version),
        "since": _iso(since),
        "minutes": round(_minutes(now - since)),
        "detail": detail,
        "link": f"{settings.public_base_url()}/orders/{order.order_id}",
    }


def _past_sla(now: datetime, versions: dict) -> list[dict]:
    """One Query per step with an SLA on the sparse `by-open-step` index: only open orders whose
    SLA has run out (at or before now) are read."""
    items = []
    keys = sorted({s.key for pm in versions.values() for s in pm.steps if not s.is_end and s.sla_minutes})
    for key in keys:
        for order in OrderModel.by_open_step.query(key, OrderModel.sla_due_at <= now):
            step = evaluation.step_of(versions, order)
            if step is None:
                continue
            detail = (f"In '{step.label}' for {human(_minutes(now - order.step_entered_at))}; its SLA is "
                      f"{human(step.sla_minutes)}, over by {human(_minutes(now - order.sla_due_at))}.")
            items.append(_order_item("sla_breach", order, step, order.sla_due_at, now, detail))
    return items


def _needs_technician(pm, step) -> bool:
    """Every open step after the start step, interruptions (on hold) aside."""
    return not step.is_end and not step.interruption and step.key != pm.start_step


def _invoicing(step) -> bool:
    return not step.is_end and ("create_invoice" in step.automations or step.key == evaluation.COMPLETED_STEP)


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
            pm = versions.get(int(order.workflow_version))
            step = evaluation.step_of(versions, order)
            if step is None or step.is_end:
                continue
            waited = human(_minutes(now - order.step_entered_at))
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
        step = evaluation.step_of(versions, order)
        if step is None:
            continue
        start = order.appointment_start.astimezone(zone).strftime("%H:%M")
        items.append(_order_item("not_started", order, step, order.appointment_start, now,
                                 f"The appointment began at {start} and the job is still '{step.label}' "
                                 f"{human(_minutes(now - order.appointment_start))} later."))
    return items


def _invoice_items(now: datetime, versions: dict) -> list[dict]:
    """Open invoices whose email failed, and overdue ones: one Query of the invoices' sparse
    `by-due` index (unpaid, not void). Everything about invoices is here, so the check works
    before invoicing exists."""
    from chalicelib import models

    if not hasattr(models, "InvoiceModel"):
        return []
    current = versions[max(versions)]
    step = (current.step(evaluation.INVOICED_STEP) if current.has_step(evaluation.INVOICED_STEP)
            else next((s for s in current.steps if "create_invoice" in s.automations), None))
    base = settings.public_base_url()
    items = []

    def item(kind, invoice, since, detail):
        return {
            "key": f"{kind}:{invoice.invoice_id}",
            "kind": kind,
            "order_id": invoice.order_id,
            "invoice_id": invoice.invoice_id,
            "step": step.key if step else evaluation.INVOICED_STEP,
            "step_label": step.label if step else "Invoiced",
            "owner": step.owner if step else None,
            "workflow_version": current.version,
            "since": _iso(since),
            "minutes": round(_minutes(now - since)),
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
    zone = zone or business.zone()
    versions = evaluation.all_versions()
    items = (_past_sla(now, versions) + _open_order_items(now, versions) + _not_started(now, zone, versions)
             + _invoice_items(now, versions))
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
    previous, limit = _previous_checks(period.date), escalate_after()
    for item in items:
        item["checks"] = previous.get(item["key"], 0) + 1
        item["escalated"] = item["checks"] >= limit
    return {
        "period": DAILY,
        "date": period.date,
        "timezone": str(period.window.zone),
        "checked_at": _iso(now),
        "escalate_after": limit,
        "counts": {kind: n for kind, n in Counter(i["kind"] for i in items).items()},
        "escalated": sum(1 for i in items if i["escalated"]),
        "items": items[:MAX_ITEMS],
        "items_omitted": max(0, len(items) - MAX_ITEMS),
    }


# --- who is told what --------------------------------------------------------------------------

@dataclass
class Recipient:
    key: str  # the staff user id, or "office" (the sender address) when there is nobody else
    name: str
    email: str
    items: list

    def mailbox(self):
        return notifications.mailbox(self.email, self.name)


def _reachable(member) -> bool:
    return member is not None and member.active and bool(member.email)


def _admins() -> list[Recipient]:
    admins = [Recipient(m.user_id, m.name, m.email, []) for m in StaffModel.by_role.query("admin") if _reachable(m)]
    return admins or [Recipient("office", "", settings.sender_email(), [])]


def daily_audience(items: list[dict]) -> list[Recipient]:
    """One recipient per person: each item goes to its step's owner; to the admins when the step
    has no owner (or the owner cannot be reached), and to the admins as well once escalated."""
    owners = sorted({i["owner"] for i in items if i["owner"]})
    members = {m.user_id: m for m in StaffModel.batch_get(owners)} if owners else {}
    people: dict[str, Recipient] = {}
    admins: list[Recipient] = []

    def everyone_admin() -> list[Recipient]:
        if not admins:
            admins.extend(_admins())
        return admins

    for item in items:
        member = members.get(item["owner"])
        deliveries = []
        if _reachable(member):
            deliveries.append((Recipient(member.user_id, member.name, member.email, []), None))
        else:
            why = "the step has no owner" if not item["owner"] else f"the owner {item['owner']} cannot be reached"
            deliveries += [(admin, why) for admin in everyone_admin()]
        if item["escalated"]:
            note = f"escalated: flagged in {item['checks']} checks in a row"
            deliveries += [(admin, note) for admin in everyone_admin()]
        for target, note in deliveries:
            person = people.setdefault(target.key, Recipient(target.key, target.name, target.email, []))
            entry = next((e for e in person.items if e["item"]["key"] == item["key"]), None)
            if entry is None:
                person.items.append({"item": item, "note": note})
            elif note and note != entry["note"]:
                entry["note"] = "; ".join(n for n in (entry["note"], note) if n)
    return [people[key] for key in sorted(people)]


def _digest(recipient: Recipient, report: dict, business_name: str):
    groups = []
    for kind, title in KINDS.items():
        entries = [e for e in recipient.items if e["item"]["kind"] == kind]
        if entries:
            groups.append({"title": title, "items": [
                {**e["item"], "ref": e["item"]["order_id"] or e["item"]["invoice_id"], "note": e["note"],
                 "for": human(e["item"]["minutes"])}
                for e in entries
            ]})
    count = len(recipient.items)
    text, html = notifications.render(
        "review_digest", name=recipient.name, date=report["date"], count=count, groups=groups,
        business_name=business_name, report_link=f"{settings.public_base_url()}/reports/reviews?period=daily&date={report['date']}",
    )
    subject = f"Daily review {report['date']}: {count} item{'s' if count != 1 else ''} for you"
    return notifications.build(recipient.mailbox(), subject, text, html)


def _evaluation_email(recipient: Recipient, report: dict, business_name: str):
    from markupsafe import Markup

    steps = [s for s in report["steps"] if not s["end_step"]]
    text, html = notifications.render(
        "review_report", name=recipient.name, period=report["period"], first_day=report["from"], last_day=report["to"],
        steps=[{**s, "median": human(s["median_minutes"]), "p90": human(s["p90_minutes"])} for s in steps],
        chart=Markup(time_per_step_chart(steps)), suggestions=report["suggestions"], report=report,
        versions=[v["workflow_version"] for v in report["versions"]], business_name=business_name,
        report_link=f"{settings.public_base_url()}/reports/reviews?period={report['period']}&date={report['date']}",
    )
    subject = f"{report['period'].capitalize()} process review {report['from']} to {report['to']}"
    return notifications.build(recipient.mailbox(), subject, text, html)


def time_per_step_chart(steps: list[dict]) -> str:
    """A horizontal bar chart as inline SVG: per step, the median (dark) and the 90th percentile
    (light) of the time orders spent in it. Every label is escaped."""
    rows = [s for s in steps if s["median_minutes"] is not None]
    if not rows:
        return ""
    width, label_width, value_width, row_height, top = 640, 170, 120, 26, 28
    bar_width = width - label_width - value_width
    longest = max(max(s["p90_minutes"] or 0, s["median_minutes"] or 0) for s in rows) or 1
    height = top + row_height * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="Time per step: median and 90th percentile" font-family="Arial, sans-serif">',
        "<title>Time per step: median and 90th percentile</title>",
        f'<rect x="{label_width}" y="6" width="12" height="10" fill="#2171b5"/>'
        f'<text x="{label_width + 16}" y="15" font-size="11">median</text>'
        f'<rect x="{label_width + 70}" y="6" width="12" height="10" fill="#c6dbef"/>'
        f'<text x="{label_width + 86}" y="15" font-size="11">90th percentile</text>',
    ]
    for i, s in enumerate(rows):
        y = top + i * row_height
        p90_width = bar_width * (s["p90_minutes"] or 0) / longest
        median_width = bar_width * (s["median_minutes"] or 0) / longest
        parts.append(f'<text x="{label_width - 8}" y="{y + 14}" font-size="12" text-anchor="end">{escape(s["label"])}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{p90_width:.1f}" height="16" fill="#c6dbef"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 6}" width="{median_width:.1f}" height="8" fill="#2171b5"/>')
        parts.append(f'<text x="{label_width + max(p90_width, median_width) + 6:.1f}" y="{y + 14}" font-size="11">'
                     f'{escape(human(s["median_minutes"]))} / {escape(human(s["p90_minutes"]))}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- storing a run ------------------------------------------------------------------------------

def _get(name: str, day: str) -> ReviewModel | None:
    try:
        return ReviewModel.get(name, day, consistent_read=True)
    except ReviewModel.DoesNotExist:
        return None


def _claim(period: Period, now: datetime, trigger: str) -> tuple[ReviewModel, bool]:
    """(the period's item, True) when this run holds the period now; (item, False) when it was
    reviewed already. Conflict when another run holds it."""
    run_id = uuid.uuid4().hex
    review = ReviewModel(period.name, period.date, status="running", run_id=run_id, trigger=trigger,
                         claimed_at=now, started_at=now, told=[])
    try:
        review.save(condition=ReviewModel.period.does_not_exist())
        return review, True
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    existing = _get(period.name, period.date)
    if existing is None:  # deleted in between: nothing to take over, let the caller retry
        raise Conflict(f"The {period.name} review of {period.date} changed meanwhile; try again.")
    if existing.status == "done":
        return existing, False
    if existing.claimed_at + CLAIM_STALE > now:
        raise Conflict(f"The {period.name} review of {period.date} is running now; try again in a few minutes.",
                       {"period": period.name, "date": period.date})
    try:
        existing.update(actions=[ReviewModel.run_id.set(run_id), ReviewModel.claimed_at.set(now),
                                 ReviewModel.trigger.set(trigger)],
                        condition=(ReviewModel.run_id == existing.run_id) & (ReviewModel.status == "running"))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise Conflict(f"The {period.name} review of {period.date} was taken over meanwhile; try again.")
    existing.told = [{**t, "status": "unknown"} if t["status"] == "sending" else t for t in existing.told or []]
    return existing, True


def _write(review: ReviewModel, **fields) -> None:
    """Change the run's item while this run still holds it."""
    try:
        review.update(actions=[getattr(ReviewModel, name).set(value) for name, value in fields.items()],
                      condition=ReviewModel.run_id == review.run_id)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise Conflict(f"The {review.period} review of {review.date} was taken over by another run.")


def _tell(review: ReviewModel, report: dict, now: datetime) -> None:
    """One email per recipient, each recorded before (`sending`) and after (`sent`) SES."""
    business_name = catalog.business().get("name") or ""
    if review.period == DAILY:
        audience = daily_audience(report["items"])
        compose = _digest
    else:
        audience = _admins()
        compose = _evaluation_email
    told = list(review.told or [])
    for recipient in audience:
        if any(t["to"] == recipient.key for t in told):
            continue
        entry = {"to": recipient.key, "email": recipient.email, "status": "sending", "at": _iso(now),
                 "items": [e["item"]["key"] for e in recipient.items],
                 "escalated": [e["item"]["key"] for e in recipient.items if e["item"].get("escalated")]}
        message = compose(recipient, report, business_name)
        told.append(entry)
        _write(review, told=told)
        try:
            entry.update(status="sent", message_id=notifications.send(message))
        except Exception as exc:  # noqa: BLE001 - the others still get theirs; the report says who did not
            observability.logger().exception("review email failed", extra={"to": recipient.key, "period": review.period})
            entry.update(status="failed", error=str(exc)[:300])
        _write(review, told=told)
    review.told = told


def _csv_cell(value):
    """Spreadsheets run a cell that starts with = + - @ as a formula: such text gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if report["period"] == DAILY:
        columns = ["kind", "order_id", "invoice_id", "step", "step_label", "owner", "since", "minutes", "checks",
                   "escalated", "detail", "link"]
        writer.writerow(columns)
        for item in report["items"]:
            writer.writerow([_csv_cell(item.get(c)) for c in columns])
        return out.getvalue()
    columns = ["entered", "left", "median_minutes", "p90_minutes", "sla_met", "sla_breached", "sla_compliance_percent",
               "backward_moves", "skips", "waiting_at_end"]
    writer.writerow(["workflow_version", "step", "label"] + columns)
    for version, steps in [("all", report["steps"])] + [(v["workflow_version"], v["steps"]) for v in report["versions"]]:
        for s in steps:
            writer.writerow([version, _csv_cell(s["step"]), _csv_cell(s["label"])] + [_csv_cell(s[c]) for c in columns])
    return out.getvalue()


def _store_files(review: ReviewModel) -> dict:
    from chalicelib.aws import client

    bucket = settings.reports_bucket()
    base = f"reports/{review.period}/{review.date}"
    files = {"bucket": bucket, "json": f"{base}.json", "csv": f"{base}.csv"}
    review.files = files
    s3 = client("s3")
    s3.put_object(Bucket=bucket, Key=files["json"], ContentType="application/json",
                  Body=json.dumps(view(review), indent=2).encode())
    s3.put_object(Bucket=bucket, Key=files["csv"], ContentType="text/csv; charset=utf-8", Body=to_csv(review.report).encode())
    return files


def emit_metrics(report: dict) -> None:
    """Key figures to CloudWatch (EMF): per step with dimensions period and step, and per period."""
    period = report["period"]
    if period == DAILY:
        per_step: dict[str, Counter] = {}
        for item in report["items"]:
            counts = per_step.setdefault(item["step"], Counter())
            counts["ReviewItems"] += 1
            counts["ReviewSlaBreaches"] += 1 if item["kind"] == "sla_breach" else 0
        for step, counts in sorted(per_step.items()):
            observability.publish({"period": period, "step": step}, {name: ("Count", n) for name, n in counts.items()})
        observability.publish({"period": period}, {"ReviewItemsTotal": ("Count", len(report["items"]) + report["items_omitted"]),
                                                   "ReviewEscalations": ("Count", report["escalated"])})
        return
    for s in report["steps"]:
        observability.publish({"period": period, "step": s["step"]}, {
            "StepEntries": ("Count", s["entered"]),
            "StepMedianMinutes": ("NoUnit", s["median_minutes"]),
            "StepP90Minutes": ("NoUnit", s["p90_minutes"]),
            "StepSlaCompliance": ("Percent", s["sla_compliance_percent"]),
            "StepSlaBreaches": ("Count", s["sla_breached"]),
            "StepReworkMoves": ("Count", s["backward_moves"]),
            "StepSkips": ("Count", s["skips"]),
        })
    invoices = report.get("invoices") or {}
    observability.publish({"period": period}, {
        "CycleTimeMedianHours": ("NoUnit", report["cycle_time"]["median_hours"]),
        "FirstVisitCompletion": ("Percent", report["first_visit_completion"]["percent"]),
        "TechnicianUtilization": ("Percent", report["utilization"]["percent"]),
        "InvoicesIssued": ("Count", invoices.get("issued")),
        "InvoicesPaid": ("Count", invoices.get("paid")),
        "InvoicesOverdue": ("Count", invoices.get("overdue")),
        "DaysToPayMedian": ("NoUnit", invoices.get("median_days_to_pay")),
    })


# --- running a review -----------------------------------------------------------------------------

def run_period(period: Period, now: datetime, trigger: str) -> tuple[dict, bool]:
    """Review `period` unless it was: (the stored review, whether this call ran it)."""
    evaluation.all_versions()  # no process map yet: NotFound now, before anything is claimed
    review, mine = _claim(period, now, trigger)
    if not mine:
        return view(review), False
    if review.report is None:
        report = daily_report(period, now) if period.name == DAILY else evaluation.evaluate(period.window, now, period.name)
        _write(review, report=report)
        review.report = report
    emit_metrics(review.report)
    _tell(review, review.report, now)
    observability.publish({"period": period.name}, {
        "ReviewEmailsSent": ("Count", sum(1 for t in review.told if t["status"] == "sent"))})
    review.status, review.finished_at = "done", max(now, clock.now())
    files = _store_files(review)
    _write(review, status="done", finished_at=review.finished_at, files=files)
    return view(review), True


def run(name: str, now: datetime, trigger: str) -> tuple[dict, bool]:
    """POST /reviews/run: review the period a run now covers (today, or the week, month or quarter
    just ended), whatever the hour; a period already reviewed is answered from the store."""
    check_period(name)
    zone = business.zone()
    return run_period(period_to_review(name, now.astimezone(zone).date(), zone), now, trigger)


def scheduled(name: str, now: datetime) -> dict:
    """The hourly schedule: run the period from its due time (REVIEW_LOCAL_HOUR local on its
    first day after), once."""
    zone = business.zone()
    period = period_to_review(name, now.astimezone(zone).date(), zone)
    answer = {"period": name, "date": period.date, "ran": False}
    if now < period.due:
        return {**answer, "reason": f"due from {period.due.astimezone(zone).isoformat()}"}
    existing = _get(name, period.date)
    if existing is not None and existing.status == "done":
        return {**answer, "reason": "already reviewed"}
    try:
        result, ran = run_period(period, now, "schedule")
    except (Conflict, NotFound) as exc:
        return {**answer, "reason": exc.message}
    return {**answer, "ran": ran, "told": len(result["told"])}


# --- reading ------------------------------------------------------------------------------------

def view(review: ReviewModel) -> dict:
    return {
        "period": review.period,
        "date": review.date,
        "status": review.status,
        "trigger": review.trigger,
        "started_at": _iso(review.started_at),
        "finished_at": _iso(review.finished_at),
        "report": review.report,
        "told": list(review.told or []),
        "files": review.files,
    }


def find(params: dict) -> dict:
    """GET /reports/reviews?period=&date=: the review of the period holding `date` (any local date
    in it), or the latest one of that period."""
    name = check_period(params.get("period"))
    day = params.get("date")
    if day:
        try:
            first = first_day_of(name, parse_date(day))
        except ValueError:
            raise ValidationFailed("The date is not valid.", [{"field": "date", "message": "must be YYYY-MM-DD"}])
        review = _get(name, first.isoformat())
    else:
        review = next(iter(ReviewModel.query(name, scan_index_forward=False, limit=1)), None)
    if review is None:
        raise NotFound(f"No {name} review" + (f" for {day}." if day else " yet."))
    return view(review)


def process_report(params: dict, now: datetime) -> dict:
    """GET /reports/process?from=&to=: the evaluation of any range of local dates (both included;
    by default the seven days to today), compared with the range of the same length before."""
    zone = business.zone()
    errors, days = [], {}
    for field in ("from", "to"):
        value = params.get(field)
        if not value:
            continue
        try:
            days[field] = parse_date(value)
        except ValueError:
            errors.append({"field": field, "message": "must be YYYY-MM-DD"})
    if errors:
        raise ValidationFailed("A query parameter is not valid.", errors)
    last = days.get("to") or now.astimezone(zone).date()
    first = days.get("from") or last - timedelta(days=6)
    if last < first:
        raise ValidationFailed("`to` is before `from`.", [{"field": "to", "message": "must not be before `from`"}])
    if (last - first).days + 1 > evaluation.MAX_RANGE_DAYS:
        raise ValidationFailed("The range is too long.", [{"field": "to", "message": f"at most {evaluation.MAX_RANGE_DAYS} days after `from`"}])
    return evaluation.evaluate(Window(first, last, zone), now)
