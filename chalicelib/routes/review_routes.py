"""Reviews and process evaluation: stored reviews, an evaluation over any range and a review run
on demand (admin); the review inbox, whole reviews and acting on their items (office)."""
from chalice import Blueprint

from chalicelib.core import clock
from chalicelib.core.validation import Fields
from chalicelib.reviews import archive, inbox, report_views, runs
from chalicelib.routes.edge import body, json_response, query, staff_route
from chalicelib.staff.auth import ADMIN, OFFICE

bp = Blueprint(__name__)


@staff_route(bp, "/reports/reviews", ADMIN)
def get_review(principal):
    params = query(bp)
    kind = report_views.check_kind(params)
    return json_response(report_views.narrow_view(archive.find(params, principal.user_id, clock.now()), kind))


@staff_route(bp, "/reports/process", ADMIN)
def process_report(principal):
    params = query(bp)
    kind = report_views.check_kind(params)
    return json_response(report_views.narrow_report(runs.process_report(params, clock.now()), kind))


@staff_route(bp, "/reviews/run", ADMIN, methods=("POST",))
def run_review(principal):
    fields = Fields(body(bp))
    period = fields.text("period", 20)
    fields.raise_if_errors()
    review, ran = runs.run(period, clock.now(), principal.user_id)
    return json_response(review, status=201 if ran else 200)


@staff_route(bp, "/reviews/inbox", OFFICE)
def review_inbox(principal):
    return json_response(inbox.inbox(principal.user_id, inbox.local_today(clock.now())))


@staff_route(bp, "/reviews/{period}/{date}", OFFICE)
def whole_review(principal, period, date):
    kind = report_views.check_kind(query(bp))
    now = clock.now()
    return json_response(inbox.whole_review(period, date, inbox.local_today(now), kind, principal.user_id, now))


@staff_route(bp, "/reviews/{period}/{date}/items/{item_key}/acknowledge", OFFICE, methods=("POST",))
def acknowledge_review_item(principal, period, date, item_key):
    now = clock.now()
    return json_response(inbox.acknowledge(period, date, item_key, principal.user_id, now, inbox.local_today(now)))


@staff_route(bp, "/reviews/{period}/{date}/items/{item_key}/snooze", OFFICE, methods=("POST",))
def snooze_review_item(principal, period, date, item_key):
    now = clock.now()
    return json_response(inbox.snooze(period, date, item_key, body(bp), principal.user_id, now, inbox.local_today(now)))


# --- the office's report pages: the list of a period's reviews, the CSV download (admin) -------

@staff_route(bp, "/reports/reviews/list", ADMIN)
def list_reviews(principal):
    return json_response(report_views.list_reviews(query(bp)))


@staff_route(bp, "/reports/reviews/csv", ADMIN)
def review_csv_link(principal):
    return json_response(report_views.csv_link(query(bp)))
