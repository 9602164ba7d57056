"""A technician's calendar as the office sees it: appointments per day (with the order's
customer, service and step), working hours and time off. One Query on the calendar table by
technician and date range, then one BatchGetItem for the orders."""
from datetime import date, datetime, timedelta

from chalicelib.core import clock
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.data.models import CalendarDayModel, OrderModel
from chalicelib.setup import business, technicians

MAX_DAYS = 31


def _date(params: dict, name: str, default: date) -> date:
    value = params.get(name)
    if not value:
        return default
    try:
        return parse_date(value)
    except ValueError:
        raise ValidationFailed("A date is not valid.", [{"field": name, "message": "must be a date YYYY-MM-DD"}])


def technician_schedule(technician_id: str, params: dict) -> dict:
    member = technicians.technician(technician_id)
    settings = business.settings()
    tz = business.zone(settings)
    today = clock.now().astimezone(tz).date()
    first = _date(params, "from", today)
    last = _date(params, "to", first + timedelta(days=6))
    if last < first or (last - first).days >= MAX_DAYS:
        raise ValidationFailed("The date range is not valid.", [{"field": "to", "message": f"must be on or after `from`, at most {MAX_DAYS} days"}])
    days = list(CalendarDayModel.query(technician_id, CalendarDayModel.day.between(first.isoformat(), last.isoformat())))
    order_ids = {a["order_id"] for d in days for a in d.appointments}
    found = {o.order_id: o for o in OrderModel.batch_get(list(order_ids))} if order_ids else {}
    profile = technicians.profile(member)

    def local(value: str) -> str:
        return datetime.fromisoformat(value).astimezone(tz).isoformat()

    return {
        "technician": {"id": member.user_id, "name": member.name},
        "timezone": settings["timezone"],
        "from": first.isoformat(),
        "to": last.isoformat(),
        "working_hours": profile["working_hours"],
        "time_off": profile["time_off"],
        "days": [
            {
                "date": d.day,
                "booked_minutes": int(d.booked_minutes),
                "appointments": [
                    {
                        "order_id": a["order_id"],
                        "start": local(a["start"]),
                        "end": local(a["end"]),
                        "blocked_until": local(a["blocked_until"]),
                        "customer": found[a["order_id"]].customer.name if a["order_id"] in found else None,
                        "service": found[a["order_id"]].service_name if a["order_id"] in found else None,
                        "step": found[a["order_id"]].step if a["order_id"] in found else None,
                    }
                    for a in d.appointments
                ],
            }
            for d in days
            if d.appointments
        ],
    }
