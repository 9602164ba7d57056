"""What the office's report pages read besides a stored review: the list of a period's reviews
(to pick one by date), a short-lived download link to a review's CSV, and a report narrowed to
one kind of work (`?kind=`).

The list is one Query of the reviews table's partition for the period (its hash key), newest
first, projected to the few attributes a list shows (a report can be large); paging goes on from
the last date shown (`before`). The CSV is the one the run stored in S3 (archive.store_files).
"""
from datetime import date, timedelta

from chalicelib.core import settings, times
from chalicelib.core.aws import client
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.data.models import ReviewModel
from chalicelib.reviews import archive, periods
from chalicelib.workflow import kinds as work_kinds

DEFAULT_LIMIT = 30
MAX_LIMIT = 100
# A download link lasts long enough to click, not long enough to be passed around.
CSV_URL_SECONDS = 300
LISTED = ("period", "date", "status", "trigger", "started_at", "finished_at")


def last_day(name: str, first: date) -> date:
    """The last local day of the `name` period that starts on `first`."""
    if name == "weekly":
        return first + timedelta(days=6)
    if name in ("monthly", "quarterly"):
        months = 1 if name == "monthly" else 3
        year, month = divmod(first.month - 1 + months, 12)
        return date(first.year + year, month + 1, 1) - timedelta(days=1)
    return first


def _limit(value) -> int:
    if value in (None, ""):
        return DEFAULT_LIMIT
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_LIMIT:
        raise ValidationFailed("A query parameter is not valid.", [{"field": "limit", "message": f"must be 1 to {MAX_LIMIT}"}])
    return number


def list_reviews(params: dict) -> dict:
    """GET /reports/reviews/list?period=&limit=&before=: the period's reviews, newest first."""
    name = periods.check_period(params.get("period"))
    limit = _limit(params.get("limit"))
    before = params.get("before")
    condition = None
    if before:
        try:
            condition = ReviewModel.date < parse_date(before).isoformat()
        except ValueError:
            raise ValidationFailed("A query parameter is not valid.", [{"field": "before", "message": "must be YYYY-MM-DD"}])
    found = list(ReviewModel.query(name, condition, scan_index_forward=False, limit=limit + 1, attributes_to_get=list(LISTED)))
    people = archive.people_by_id({r.trigger for r in found[:limit]})
    reviews = [{
        "period": r.period,
        "date": r.date,
        "from": r.date,
        "to": last_day(name, parse_date(r.date)).isoformat(),
        "status": r.status,
        "trigger": r.trigger,
        "run_by": "the schedule" if r.trigger == "schedule" else people.get(r.trigger),
        "started_at": times.iso(r.started_at),
        "finished_at": times.iso(r.finished_at),
    } for r in found[:limit]]
    return {"period": name, "reviews": reviews, "next_before": reviews[-1]["date"] if len(found) > limit else None}


def csv_link(params: dict) -> dict:
    """GET /reports/reviews/csv?period=&date=: a link (valid CSV_URL_SECONDS) that downloads the
    CSV the run stored, named after the review."""
    review = archive.find_model(params)
    files = review.files or {}
    if review.status != "done" or not files.get("csv"):
        raise Conflict(f"The {review.period} review of {review.date} is still running; its CSV is not stored yet.",
                       {"period": review.period, "date": review.date})
    filename = f"{review.period}-review-{review.date}.csv"
    url = client("s3").generate_presigned_url("get_object", Params={
        "Bucket": settings.reports_bucket(), "Key": files["csv"],
        "ResponseContentType": "text/csv; charset=utf-8",
        "ResponseContentDisposition": f'attachment; filename="{filename}"',
    }, ExpiresIn=CSV_URL_SECONDS)
    return {"period": review.period, "date": review.date, "filename": filename, "url": url, "expires_in": CSV_URL_SECONDS}



def check_kind(params: dict) -> str | None:
    """The `kind` query parameter: None when absent; 422 at `kind` for one the business does not
    have (one GetItem of the kind)."""
    key = params.get("kind")
    if key in (None, ""):
        return None
    return work_kinds.kind(key).key


def _item_kind(item: dict) -> str:
    """An item's kind of work; items stored before kinds (and invoice items) are the legacy kind's."""
    return item.get("work_kind") or work_kinds.LEGACY_KIND


def narrow_report(report: dict | None, kind: str | None) -> dict | None:
    """A report with only `kind`'s parts: an evaluation keeps its overall figures and its
    conversion, and `kinds` only that kind's (empty when the period saw none of it); a daily
    check keeps the items of that kind's orders, its counts counted again."""
    if not kind or not report:
        return report
    if report.get("period") == periods.DAILY:
        items = [i for i in report.get("items", []) if _item_kind(i) == kind]
        counts: dict[str, int] = {}
        for item in items:
            counts[item["kind"]] = counts.get(item["kind"], 0) + 1
        return {**report, "kind": kind, "items": items, "counts": counts,
                "escalated": sum(1 for i in items if i.get("escalated"))}
    kinds = report.get("kinds") or {}
    return {**report, "kind": kind, "kinds": {kind: kinds[kind]} if kind in kinds else {}}


def narrow_view(view: dict, kind: str | None) -> dict:
    """A review's view (archive.view) narrowed to `kind`."""
    return {**view, "report": narrow_report(view.get("report"), kind)} if kind else view
