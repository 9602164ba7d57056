"""The public booking API the business's website calls: services, free slots, booking, and the
customer's own booking through the manage link. Availability and booking count against the
client address's rates, and a booking needs the form token the services and availability
answers carry (`chalicelib.limits`)."""
from chalice import Blueprint

from chalicelib.booking import manage, online
from chalicelib.core import clock, dates
from chalicelib.core.validation import Fields
from chalicelib.limits import gate
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
    """The services, whether the business works in service areas (the form then asks for the
    postcode first), a form token for the booking, and the business: its name and how to reach
    it, and the cut-off for changing a booking online."""
    data = business.settings()
    return json_response({"business": manage.contact(data) | {
        "cancellation_cutoff_hours": data["booking"]["cancellation_cutoff_hours"],
        "locale": dates.locale_of(data.get("locale")), "timezone": data["timezone"]}, "services": [
        {"id": s["id"], "name": s["name"], "duration_minutes": s["duration_minutes"],
         "description": s.get("description", ""), "price_from_cents": s["price_from_cents"]}
        for s in services.services()
    ], "service_areas": availability.service_areas(), "form_token": gate.new_form_token(clock.now())})


def _client() -> str:
    return gate.client_network(bp.current_request.context, bp.current_request.headers)


@public_route(bp, "/public/availability", cors=True)
def public_availability():
    now = clock.now()
    gate.availability_request(_client(), now)
    return json_response(availability.public_availability(query(bp), now) | {"form_token": gate.new_form_token(now)})


@public_route(bp, "/public/bookings", methods=("POST",), cors=True)
def public_book():
    data = body(bp)
    key = idempotency_key(bp)
    request = online.parse_public(data)
    now = clock.now()
    gate.check_form_token(data.get("form_token"), now)
    gate.booking_attempt(_client(), now)
    booked = online.book(online.CUSTOMER, request, now, key, online.fingerprint(data), source="web")
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
