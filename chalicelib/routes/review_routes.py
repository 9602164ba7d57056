"""Reviews and process evaluation (admin): stored reviews, an evaluation over any range, and a
review run on demand."""
from chalice import Blueprint

from chalicelib.core import clock
from chalicelib.core.validation import Fields
from chalicelib.reviews import archive, runs
from chalicelib.routes.edge import body, json_response, query, staff_route
from chalicelib.staff.auth import ADMIN

bp = Blueprint(__name__)


@staff_route(bp, "/reports/reviews", ADMIN)
def get_review(principal):
    return json_response(archive.find(query(bp)))


@staff_route(bp, "/reports/process", ADMIN)
def process_report(principal):
    return json_response(runs.process_report(query(bp), clock.now()))


@staff_route(bp, "/reviews/run", ADMIN, methods=("POST",))
def run_review(principal):
    fields = Fields(body(bp))
    period = fields.text("period", 20)
    fields.raise_if_errors()
    review, ran = runs.run(period, clock.now(), principal.user_id)
    return json_response(review, status=201 if ran else 200)
