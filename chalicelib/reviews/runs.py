"""Running a review: on schedule or on demand, once per period, then telling people and
publishing the metrics."""
from collections import Counter
from datetime import datetime, timedelta

from chalicelib.core import clock, observability, times
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.data.models import ReviewModel
from chalicelib.mail import messages
from chalicelib.reviews import accountability, archive, daily_check, digests, evaluation, figures, periods
from chalicelib.reviews import judging
from chalicelib.reviews.figures import Window
from chalicelib.reviews.periods import DAILY, Period
from chalicelib.setup import business, catalog


def _tell(review: ReviewModel, report: dict, now: datetime) -> None:
    """One email per recipient, each recorded before (`sending`) and after (`sent`) SES."""
    business_name = catalog.business().get("name") or ""
    if review.period == DAILY:
        audience = digests.daily_audience(report["items"])
        compose = digests.digest
    else:
        audience = digests.admin_recipients()
        compose = digests.evaluation_email
    told = list(review.told or [])
    for recipient in audience:
        if any(t["to"] == recipient.key for t in told):
            continue
        entry = {"to": recipient.key, "email": recipient.email, "status": "sending", "at": times.iso(now),
                 "items": [e["item"]["key"] for e in recipient.items],
                 "escalated": [e["item"]["key"] for e in recipient.items if e["item"].get("escalated")]}
        message = compose(recipient, report, business_name)
        told.append(entry)
        archive.write_review(review, told=told)
        try:
            entry.update(status="sent", message_id=messages.send(message))
        except Exception as exc:  # noqa: BLE001 - the others still get theirs; the report says who did not
            observability.logger().exception("review email failed", extra={"to": recipient.key, "period": review.period})
            entry.update(status="failed", error=str(exc)[:300])
        archive.write_review(review, told=told)
    review.told = told


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
    quotes = report.get("conversion")
    if quotes:
        observability.publish({"period": period}, {
            "EstimatesBooked": ("Count", quotes["estimates_booked"]),
            "QuotesSent": ("Count", quotes["sent"]),
            "QuotesAccepted": ("Count", quotes["accepted"]),
            "QuoteConversion": ("Percent", quotes["accepted_of_decided_percent"]),
        })


def run_period(period: Period, now: datetime, trigger: str) -> tuple[dict, bool]:
    """Review `period` unless it was: (the stored review, whether this call ran it)."""
    evaluation.all_versions()  # no process map yet: NotFound now, before anything is claimed
    review, mine = archive.claim(period, now, trigger)
    if not mine:
        return archive.view(review), False
    if review.report is None:
        report = daily_check.daily_report(period, now) if period.name == DAILY else evaluation.evaluate(period.window, now, period.name)
        archive.write_review(review, report=report)
        review.report = report
    if period.name == DAILY:  # every flagged item tracked until resolved (idempotent per day)
        accountability.record_day(review.report, now)
    emit_metrics(review.report)
    _tell(review, review.report, now)
    if period.name == DAILY:  # the map changes to judge today: their people are told (once)
        judging.tell_due(period.window.first_day, now)
    observability.publish({"period": period.name}, {
        "ReviewEmailsSent": ("Count", sum(1 for t in review.told if t["status"] == "sent"))})
    review.status, review.finished_at = "done", max(now, clock.now())
    files = archive.store_files(review)
    archive.write_review(review, status="done", finished_at=review.finished_at, files=files)
    return archive.view(review), True


def run(name: str, now: datetime, trigger: str) -> tuple[dict, bool]:
    """POST /reviews/run: review the period a run now covers (today, or the week, month or quarter
    just ended), whatever the hour; a period already reviewed is answered from the store."""
    periods.check_period(name)
    zone = business.zone()
    return run_period(periods.period_to_review(name, now.astimezone(zone).date(), zone), now, trigger)


def scheduled(name: str, now: datetime) -> dict:
    """The hourly schedule: run the period from its due time (REVIEW_LOCAL_HOUR local on its
    first day after), once."""
    zone = business.zone()
    period = periods.period_to_review(name, now.astimezone(zone).date(), zone)
    answer = {"period": name, "date": period.date, "ran": False}
    if now < period.due:
        return {**answer, "reason": f"due from {period.due.astimezone(zone).isoformat()}"}
    existing = archive.get_review(name, period.date)
    if existing is not None and existing.status == "done":
        return {**answer, "reason": "already reviewed"}
    try:
        result, ran = run_period(period, now, "schedule")
    except (Conflict, NotFound) as exc:
        return {**answer, "reason": exc.message}
    return {**answer, "ran": ran, "told": len(result["told"])}


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
    if (last - first).days + 1 > figures.MAX_RANGE_DAYS:
        raise ValidationFailed("The range is too long.", [{"field": "to", "message": f"at most {figures.MAX_RANGE_DAYS} days after `from`"}])
    return evaluation.evaluate(Window(first, last, zone), now)
