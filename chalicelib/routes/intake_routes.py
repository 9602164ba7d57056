"""Phone intake's own reads for the office: the free times, each with the technician who would
get it (the booking itself is POST /orders)."""
from chalice import Blueprint

from chalicelib.booking import office_times
from chalicelib.core import clock
from chalicelib.routes.edge import json_response, query, staff_route
from chalicelib.staff.auth import OFFICE

bp = Blueprint(__name__)


@staff_route(bp, "/availability", OFFICE)
def office_availability(principal):
    return json_response(office_times.office_availability(query(bp), clock.now()))
