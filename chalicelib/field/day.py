"""The technician's day: their jobs on a local date, in appointment order."""
from datetime import date, datetime, time, timedelta

from chalicelib.core import clock
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.data.models import OrderModel
from chalicelib.orders import views
from chalicelib.setup import business, technicians
from chalicelib.staff.auth import Principal
from chalicelib.workflow import versions


def _day(params: dict, tz) -> date:
    value = params.get("date")
    if not value:
        return clock.now().astimezone(tz).date()
    try:
        return parse_date(value)
    except ValueError:
        raise ValidationFailed("The date is not valid.", [{"field": "date", "message": "must be a date YYYY-MM-DD"}])


def technician_jobs(principal: Principal, params: dict) -> dict:
    """A technician's jobs on a local date, in appointment order (one Query on `by-technician`).
    Technicians see their own; the office names one with `technician`."""
    if principal.is_technician:
        technician_id = principal.user_id
        if params.get("technician") not in (None, "", technician_id):
            raise NotFound("No such technician's day.")
    else:
        technician_id = params.get("technician") or ""
        if not technician_id:
            raise ValidationFailed("Name the technician.", [{"field": "technician", "message": "is required for office staff"}])
    member = technicians.technician(technician_id)
    data = business.settings()
    tz = business.zone(data)
    day = _day(params, tz)
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz) - timedelta(microseconds=1)
    jobs = []
    for order in OrderModel.by_technician.query(technician_id, OrderModel.appointment_start.between(start, end)):
        step = versions.of(order).step(order.step)
        if step.is_end and step.interruption:  # cancelled: no longer on the technician's day
            continue
        jobs.append({
            "order_id": order.order_id,
            "step": order.step,
            "step_label": step.label,
            "version": int(order.version),
            "appointment": {"start": order.appointment_start.astimezone(tz).isoformat(),
                            "end": order.appointment_end.astimezone(tz).isoformat()},
            "customer": {"name": order.customer.name, "phone": order.customer.phone},
            "address": {"street": order.address.street, "city": order.address.city, "postcode": order.address.postcode},
            "maps_url": views.maps_url(order),
            "service_name": order.service_name,
            "description": order.description,
        })
    return {"date": day.isoformat(), "timezone": data["timezone"],
            "technician": {"id": member.user_id, "name": member.name}, "jobs": jobs}
