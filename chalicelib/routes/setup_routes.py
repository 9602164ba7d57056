"""Business setup: settings (timezone, opening hours, booking rules), services, the price list,
technicians' profiles and time off, and a technician's calendar."""
from chalice import Blueprint

from chalicelib.core.errors import NotFound
from chalicelib.routes.edge import body, json_response, query, staff_route
from chalicelib.scheduling import schedule_view, time_off
from chalicelib.setup import business, catalog, services, technicians
from chalicelib.staff.auth import ADMIN, OFFICE, STAFF
from chalicelib.workflow import kinds

bp = Blueprint(__name__)


@staff_route(bp, "/business", STAFF)
def get_business(principal):
    return json_response(business.settings())


@staff_route(bp, "/business", ADMIN, methods=("PUT",))
def put_business(principal):
    return json_response(business.update_settings(body(bp)))


@staff_route(bp, "/services", STAFF)
def list_services(principal):
    return json_response({"services": services.services(active_only=False)})


@staff_route(bp, "/services/{service_id}", ADMIN, methods=("PUT",))
def put_service(principal, service_id):
    return json_response(services.save_service(service_id, body(bp), kinds.keys()))


@staff_route(bp, "/price-list", STAFF)
def get_price_list(principal):
    return json_response({"items": catalog.price_list()})


@staff_route(bp, "/price-list/{item_id}", ADMIN, methods=("PUT",))
def put_price_item(principal, item_id):
    return json_response(catalog.save_price_item_from(item_id, body(bp)))


@staff_route(bp, "/technicians", OFFICE)
def list_technicians(principal):
    return json_response({"technicians": [technicians.technician_view(t) for t in technicians.technicians()]})


def _own_or_office(principal, technician_id: str) -> None:
    if principal.is_technician and principal.user_id != technician_id:
        raise NotFound(f"No technician '{technician_id}'.")


@staff_route(bp, "/technicians/{technician_id}", STAFF)
def get_technician(principal, technician_id):
    _own_or_office(principal, technician_id)
    return json_response(technicians.technician_view(technicians.technician(technician_id)))


@staff_route(bp, "/technicians/{technician_id}", ADMIN, methods=("PUT",))
def put_technician(principal, technician_id):
    return json_response(technicians.save_profile(technician_id, body(bp)))


@staff_route(bp, "/technicians/{technician_id}/time-off", OFFICE, methods=("POST",))
def add_time_off(principal, technician_id):
    """Time off over booked jobs: 409 `time_off_clash` listing them, unless `force` is true."""
    return json_response(time_off.add(technician_id, body(bp)), status=201)


@staff_route(bp, "/technicians/{technician_id}/time-off/{time_off_id}", OFFICE, methods=("DELETE",))
def remove_time_off(principal, technician_id, time_off_id):
    return json_response(technicians.remove_time_off(technician_id, time_off_id))


@staff_route(bp, "/technicians/{technician_id}/schedule", STAFF)
def technician_schedule(principal, technician_id):
    _own_or_office(principal, technician_id)
    return json_response(schedule_view.technician_schedule(technician_id, query(bp)))
