"""The review inbox of the office app: for the signed-in person, what the latest daily review
flagged for them (the same items as their digest email), each with the order's customer, what to
do in plain words and what was done about it; a whole review; acknowledging and snoozing items.

Reads: the latest daily review (one Query), then the orders, the action records and the staff
named, together (BatchGetItem, 100 keys a call), and the people who acted (one more BatchGetItem
when any acted).
"""
from datetime import date, datetime
from urllib.parse import unquote

from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.data import batch
from chalicelib.data.models import OrderModel, ReviewModel, StaffModel
from chalicelib.data.review_actions import ReviewActionModel
from chalicelib.reviews import archive, digests, item_actions, periods, report_views, staffing
from chalicelib.reviews.links import review_link
from chalicelib.reviews.daily_check import KINDS
from chalicelib.reviews.periods import DAILY
from chalicelib.reviews.suggestions import human
from chalicelib.setup import business

# What to do about each kind of item, in plain words (the step's label is filled in).
TODO = {
    "sla_breach": "Move it on from '{step}', or tell the customer why it is taking longer: it is past the step's time limit.",
    "no_technician": "Assign a technician and an appointment: it is in '{step}' with nobody to do it.",
    "not_started": "Call the technician, then the customer if need be: the appointment should have started.",
    "not_invoiced": "Find out why no invoice was made for this completed job, and issue it.",
    "invoice_send_failed": "Check the customer's email address, then send the invoice again (or another way).",
    "invoice_overdue": "Remind the customer to pay, or record the payment if it has come in.",
    staffing.AWAY: "Give the job to another technician, or move the appointment: its technician is away then.",
    staffing.DEACTIVATED: "Give the job to another technician: its technician no longer works here.",
}
LATEST_LOOKBACK = 5  # daily reviews read to find the latest finished one


def local_today(now: datetime) -> date:
    """The business's local date at `now`: snoozes run until a local date."""
    return now.astimezone(business.zone()).date()


def latest_daily() -> ReviewModel | None:
    for review in ReviewModel.query(DAILY, scan_index_forward=False, limit=LATEST_LOOKBACK):
        if review.status == "done" and review.report:
            return review
    return None


def find_review(period: str, day: str) -> ReviewModel:
    """The stored review of the `period` holding local date `day`; 422 for a bad period or date,
    404 when there is none (or it has no report yet)."""
    name = periods.check_period(period)
    try:
        first = periods.first_day_of(name, parse_date(day))
    except ValueError:
        raise ValidationFailed("The date is not valid.", [{"field": "date", "message": "must be YYYY-MM-DD"}])
    review = archive.get_review(name, first.isoformat())
    if review is None or not review.report:
        raise NotFound(f"No {name} review for {day}.")
    return review


def find_item(review: ReviewModel, item_key: str) -> dict:
    """The review's item with this key. The key holds ':' and arrives as the client sent it,
    encoded (`%3A`) or not: it is decoded once here (keys never hold '%')."""
    key = unquote(item_key)
    for item in review.report.get("items", []):
        if item["key"] == key:
            return item
    raise NotFound(f"The {review.period} review of {review.date} has no item '{key}'.", {"key": key})


def _todo(item: dict, names: dict) -> str:
    if item.get("todo"):  # an item that says it itself (an unanswered quote: whom to call)
        return item["todo"]
    text = TODO.get(item["kind"], "Look into it.").format(step=item.get("step_label") or item.get("step"))
    free = [names.get(t["id"]) or t.get("name") for t in item.get("free_technicians") or []]
    if item["kind"] in (staffing.AWAY, staffing.DEACTIVATED):
        text += f" Free then: {', '.join(free)}." if free else " Nobody else is free then: move the appointment too."
    return text


def _person(entry: dict | None, names: dict) -> dict | None:
    return {**entry, "by_name": names.get(entry["by"])} if entry else None


def views(items: list[dict], review: ReviewModel, today: date, notes: dict | None = None) -> list[dict]:
    """Each item as the app shows it: the order's customer and service, the owner by name, what to
    do, and its state in this review (open, acknowledged by whom and when, snoozed until when)."""
    ref = item_actions.review_ref(review.period, review.date)
    keys = [(OrderModel, i["order_id"], None) for i in items if i.get("order_id")]
    keys += [(ReviewActionModel, i["key"], None) for i in items]
    keys += [(StaffModel, i["owner"], None) for i in items if i.get("owner")]
    found = batch.batch_get(keys) if keys else {}
    orders = {k[1]: v for k, v in found.items() if k[0] is OrderModel}
    actions = {k[1]: v for k, v in found.items() if k[0] is ReviewActionModel}
    names = {k[1]: v.name for k, v in found.items() if k[0] is StaffModel}
    states = {i["key"]: item_actions.state(actions.get(i["key"]), ref, today) for i in items}
    actors = {e["by"] for s in states.values() for e in (s["acknowledged"], s["snooze"]) if e} - set(names)
    if actors:
        names.update({k[1]: v.name for k, v in batch.batch_get([(StaffModel, a, None) for a in actors]).items()})
    answer = []
    for item in items:
        order, state = orders.get(item.get("order_id")), states[item["key"]]
        answer.append({
            "key": item["key"], "kind": item["kind"], "kind_label": KINDS.get(item["kind"], item["kind"]),
            "order_id": item.get("order_id"), "invoice_id": item.get("invoice_id"),
            "customer_name": order.customer.name if order is not None and order.customer else None,
            "service_name": order.service_name if order is not None else None,
            "step": item["step"], "step_label": item.get("step_label"),
            "work_kind": item.get("work_kind"),
            "quote_id": item.get("quote_id"), "reference": item.get("reference"),
            "value_cents": item.get("value_cents"), "currency": item.get("currency"),
            "owner": item.get("owner"), "owner_name": names.get(item.get("owner")),
            "since": item["since"], "minutes": item["minutes"], "for": human(item["minutes"]),
            "detail": item["detail"], "todo": _todo(item, names),
            "checks": item.get("checks", 1), "escalated": bool(item.get("escalated")),
            "note": (notes or {}).get(item["key"]),
            "state": state["state"],
            "acknowledged": _person(state["acknowledged"], names),
            "snooze": _person(state["snooze"], names),
        })
    return answer


def _summary(review: ReviewModel) -> dict:
    report = review.report
    return {"period": review.period, "date": review.date, "status": review.status,
            "checked_at": report.get("checked_at"), "link": review_link(review.period, review.date)}


def inbox(user_id: str, today: date) -> dict:
    """GET /reviews/inbox: what the latest daily review flagged for `user_id`: the items of the
    steps they own, and as an admin those nobody can take and those escalated; snoozed ones
    apart, until their date."""
    review = latest_daily()
    if review is None:
        return {"review": None, "today": today.isoformat(), "items": [], "snoozed": [],
                "counts": {"open": 0, "acknowledged": 0, "snoozed": 0}}
    me = next((r for r in digests.audience(review.report.get("items", [])) if r.key == user_id), None)
    entries = me.items if me is not None else []
    shown = views([e["item"] for e in entries], review, today, {e["item"]["key"]: e["note"] for e in entries})
    awake = [v for v in shown if v["state"] != "snoozed"]
    snoozed = [v for v in shown if v["state"] == "snoozed"]
    counts = {"open": sum(v["state"] == "open" for v in awake), "acknowledged": sum(v["state"] == "acknowledged" for v in awake),
              "snoozed": len(snoozed)}
    return {"review": _summary(review), "today": today.isoformat(), "items": awake, "snoozed": snoozed, "counts": counts}


def whole_review(period: str, day: str, today: date, kind: str | None = None,
                 reader: str | None = None, now: datetime | None = None) -> dict:
    """GET /reviews/{period}/{date}?kind=: a daily review with every item (owners by name,
    states); an evaluation (weekly to quarterly) as stored, with where its report page is; with
    `kind`, narrowed to that kind of work (report_views.narrow_report). Opened by `reader`, it
    counts as read (archive.mark_read)."""
    review = find_review(period, day)
    if reader and now is not None:
        archive.mark_read(review, reader, now)
    if review.period != DAILY:
        return {**report_views.narrow_view(archive.view(review), kind), "link": review_link(review.period, review.date),
                "report_page": f"#/reports/{review.period}/{review.date}" + (f"?kind={kind}" if kind else ""),
                **archive.read_view(review)}
    report = report_views.narrow_report(review.report, kind)
    return {**_summary(review), "timezone": report.get("timezone"), "escalate_after": report.get("escalate_after"),
            "counts": report.get("counts", {}), "escalated": report.get("escalated", 0),
            "items_omitted": report.get("items_omitted", 0), "today": today.isoformat(),
            **archive.read_view(review), "items": views(report.get("items", []), review, today)}


def _one(review: ReviewModel, item: dict, today: date) -> dict:
    view, = views([item], review, today)
    return view


def acknowledge(period: str, day: str, item_key: str, user_id: str, now: datetime, today: date) -> dict:
    """POST .../items/{key}/acknowledge: the item, acknowledged (the first acknowledgement stands)."""
    review = find_review(period, day)
    item = find_item(review, item_key)
    item_actions.acknowledge(item, item_actions.review_ref(review.period, review.date), user_id, now)
    return _one(review, item, today)


def snooze(period: str, day: str, item_key: str, body: dict, user_id: str, now: datetime, today: date) -> dict:
    """POST .../items/{key}/snooze {"until", "reason"}: the item, snoozed until that date."""
    review = find_review(period, day)
    item = find_item(review, item_key)
    until, reason = item_actions.read_snooze(body, today)
    item_actions.snooze(item, item_actions.review_ref(review.period, review.date), until, reason, user_id, now)
    return _one(review, item, today)
