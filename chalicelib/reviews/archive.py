"""Stored review runs: claiming a period once, writing the result, the report files in S3 (JSON
and CSV), reading them back."""
import csv
import io
import json
import uuid
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.core import settings, times
from chalicelib.core.aws import client
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.data.models import ReviewModel, StaffModel
from chalicelib.reviews import periods
from chalicelib.reviews.periods import DAILY, Period

# Longer than Lambda's longest run (15 minutes): a claim this old was left by a dead runner.
CLAIM_STALE = timedelta(minutes=20)


def get_review(name: str, day: str) -> ReviewModel | None:
    try:
        return ReviewModel.get(name, day, consistent_read=True)
    except ReviewModel.DoesNotExist:
        return None


def mark_read(review: ReviewModel, user_id: str | None, now: datetime) -> None:
    """Record that `user_id` opened the review (its page, the digest's link, the report page):
    the first reader and when are kept, and everyone who read it (`read_count`). One UpdateItem,
    only for someone new; a second read changes nothing."""
    if not user_id or user_id in (review.readers or set()):
        return
    try:
        review.update(actions=[
            ReviewModel.readers.add({user_id}),
            ReviewModel.read_by.set(ReviewModel.read_by | user_id),
            ReviewModel.read_at.set(ReviewModel.read_at | now),
        ], condition=ReviewModel.period.exists())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def read_view(review: ReviewModel) -> dict:
    """Who read the review: {"read_by": the first reader, "read_by_name", "read_at": when,
    "read_count": how many people}."""
    name = people_by_id([review.read_by]).get(review.read_by) if review.read_by else None
    return {"read_by": review.read_by, "read_by_name": name, "read_at": times.iso(review.read_at),
            "read_count": len(review.readers or ())}


def claim(period: Period, now: datetime, trigger: str) -> tuple[ReviewModel, bool]:
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
    existing = get_review(period.name, period.date)
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


def write_review(review: ReviewModel, **fields) -> None:
    """Change the run's item while this run still holds it."""
    try:
        review.update(actions=[getattr(ReviewModel, name).set(value) for name, value in fields.items()],
                      condition=ReviewModel.run_id == review.run_id)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise Conflict(f"The {review.period} review of {review.date} was taken over by another run.")


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

    def version_label(v: dict):  # another kind's map numbers its own versions: "estimate 1"
        default = v.get("workflow_id", "default") == "default"
        return v["workflow_version"] if default else f"{v.get('kind') or v['workflow_id']} {v['workflow_version']}"

    blocks = [("all", report["steps"])] + [(version_label(v), v["steps"]) for v in report["versions"]]
    blocks += [(f"{key} all", kind["steps"]) for key, kind in (report.get("kinds") or {}).items()]
    for version, steps in blocks:
        for s in steps:
            writer.writerow([version, _csv_cell(s["step"]), _csv_cell(s["label"])] + [_csv_cell(s[c]) for c in columns])
    return out.getvalue()


def store_files(review: ReviewModel) -> dict:
    bucket = settings.reports_bucket()
    base = f"reports/{review.period}/{review.date}"
    files = {"bucket": bucket, "json": f"{base}.json", "csv": f"{base}.csv"}
    review.files = files
    s3 = client("s3")
    s3.put_object(Bucket=bucket, Key=files["json"], ContentType="application/json",
                  Body=json.dumps(view(review), indent=2).encode())
    s3.put_object(Bucket=bucket, Key=files["csv"], ContentType="text/csv; charset=utf-8", Body=to_csv(review.report).encode())
    return files


def _staff_ids(review: ReviewModel) -> set[str]:
    """Every staff user id the review mentions: step owners, technicians, who was told, who ran it."""
    report = review.report or {}
    ids = {review.trigger} | {t.get("to") for t in review.told or []}
    parts = [report, report.get("previous") or {}]
    for kind in (report.get("kinds") or {}).values():
        parts += [kind, kind.get("previous") or {}]
    ids |= {t.get("user_id") for t in (report.get("conversion") or {}).get("by_technician", [])}
    for figures in parts:
        ids |= {s.get("owner") for s in figures.get("steps", [])}
        ids |= {s.get("owner") for v in figures.get("versions", []) for s in v.get("steps", [])}
        ids |= {v.get("published_by") for v in figures.get("versions", [])}
        ids |= {t.get("technician_id") for t in (figures.get("utilization") or {}).get("technicians", [])}
    for item in report.get("items", []):
        ids |= {item.get("owner"), item.get("technician_id")} | {t.get("id") for t in item.get("free_technicians") or []}
    return {i for i in ids if i}


def people_by_id(user_ids) -> dict[str, str]:
    """Staff names by user id (one BatchGetItem per 100 ids; unknown ids are left out)."""
    ids = sorted(i for i in user_ids if i and i not in ("schedule", "office"))
    return {m.user_id: m.name for m in StaffModel.batch_get(ids)} if ids else {}


def people(review: ReviewModel) -> dict[str, str]:
    """The names of the staff the review mentions, by user id, so a page shows names, never ids."""
    return people_by_id(_staff_ids(review))


def view(review: ReviewModel) -> dict:
    return {
        "period": review.period,
        "date": review.date,
        "status": review.status,
        "trigger": review.trigger,
        "started_at": times.iso(review.started_at),
        "finished_at": times.iso(review.finished_at),
        "report": review.report,
        "told": list(review.told or []),
        "files": review.files,
        "people": people(review),
    }


def find(params: dict, reader: str | None = None, now: datetime | None = None) -> dict:
    """GET /reports/reviews?period=&date=: the review of the period holding `date` (any local date
    in it), or the latest one of that period; read by `reader` (`mark_read`) when given (the
    answer is the stored review, the same whoever reads it; `inbox.whole_review` says who read it)."""
    review = find_model(params)
    if reader and now is not None:
        mark_read(review, reader, now)
    return view(review)


def find_model(params: dict) -> ReviewModel:
    """The stored review `find` answers (NotFound when there is none)."""
    name = periods.check_period(params.get("period"))
    day = params.get("date")
    if day:
        try:
            first = periods.first_day_of(name, parse_date(day))
        except ValueError:
            raise ValidationFailed("The date is not valid.", [{"field": "date", "message": "must be YYYY-MM-DD"}])
        review = get_review(name, first.isoformat())
    else:
        review = next(iter(ReviewModel.query(name, scan_index_forward=False, limit=1)), None)
    if review is None:
        raise NotFound(f"No {name} review" + (f" for {day}." if day else " yet."))
    return review
