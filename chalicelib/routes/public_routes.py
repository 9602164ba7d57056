"""The public booking API the business's website calls: services, free slots, booking, and the
customer's own booking through the manage link."""
from chalice import Blueprint

from chalicelib.booking import manage, online
from chalicelib.core import clock
from chalicelib.core.validation import Fields
from chalicelib.routes.edge import body, idempotency_key, json_response, public_route, query
from chalicelib.scheduling import availability
from chalicelib.setup import business, services

bp = Blueprint(__name__)


@public_route(bp, "/public/business", cors=True)
def public_business():
    """What a booking page shows of the business: its name, contact details, timezone and currency."""
    data = business.settings()
    return json_response({key: data.get(key) for key in ("name", "phone", "email", "address", "timezone", "currency")}
                         | {"cancellation_cutoff_hours": data["booking"]["cancellation_cutoff_hours"]})


@public_route(bp, "/public/services", cors=True)
def public_services():
    return json_response({"services": [
        {"id": s["id"], "name": s["name"], "duration_minutes": s["duration_minutes"],
         "description": s.get("description", ""), "price_from_cents": s["price_from_cents"]}
        for s in services.services()
    ]})


@public_route(bp, "/public/availability", cors=True)
def public_availability():
    return json_response(availability.public_availability(query(bp), clock.now()))


@public_route(bp, "/public/bookings", methods=("POST",), cors=True)
def public_book():
    data = body(bp)
    key = idempotency_key(bp)
    request = online.parse_public(data)
    booked = online.book(online.CUSTOMER, request, clock.now(), key, online.fingerprint(data), source="web")
    return json_response(manage.booking_answer(booked.order, booked.setup), status=201 if booked.created else 200)


def _token() -> str | None:
    return query(bp).get("token")


@public_route(bp, "/public/bookings/{order_id}", cors=True)
def public_booking(order_id):
    return json_response(manage.customer_view(manage.load_with_token(order_id, _token())))


@public_route(bp, "/public/bookings/{order_id}/reschedule", methods=("POST",), cors=True)
def public_reschedule(order_id):
    order = manage.load_with_token(order_id, _token())
    fields = Fields(body(bp))
    start = fields.datetime("start")
    fields.raise_if_errors()
    now = clock.now()
    manage.check_changeable(order, now)
    order = manage.reschedule(order, start, online.CUSTOMER, now)
    return json_response(manage.customer_view(order))


@public_route(bp, "/public/bookings/{order_id}/cancel", methods=("POST",), cors=True)
def public_cancel(order_id):
    order = manage.load_with_token(order_id, _token())
    now = clock.now()
    manage.check_changeable(order, now)
    return json_response(manage.customer_view(manage.cancel(order, online.CUSTOMER, now)))
