"""Free times as the office sees them (GET /availability): for each day, the slot grid's starts
where a qualified technician is free, each with the technician the assignment rule would give it
(`scheduling.assignment`) and the others free then, so the person on the phone can book the
time, and the technician, the customer agrees to.

Unlike the public form, the office is not held to the minimum notice or the booking horizon
(`online.check_booking_rules(office=True)`): every future start on the grid is offered. Read
with the same two round trips as the public answer (`availability.load`).
"""
from datetime import date, datetime, timedelta

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.scheduling import assignment, availability, slots
from chalicelib.scheduling.slots import UTC, Setup

DEFAULT_DAYS = 7
MAX_DAYS = 14


def _postcode(params: dict, errors: list) -> str | None:
    postcode = (params.get("postcode") or "").strip() or None
    if postcode and (len(postcode) > 10 or not postcode.replace(" ", "").isalnum()):
        errors.append({"field": "postcode", "message": "must be letters, digits and spaces (at most 10)"})
    return postcode


def _first_day(params: dict, errors: list) -> date | None:
    raw = params.get("from")
    if raw in (None, ""):
        return None
    try:
        return parse_date(raw)
    except ValueError:
        errors.append({"field": "from", "message": "must be a date YYYY-MM-DD"})
        return None


def _count(params: dict, errors: list) -> int:
    raw = params.get("days")
    if raw in (None, ""):
        return DEFAULT_DAYS
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_DAYS:
        errors.append({"field": "days", "message": f"must be a whole number from 1 to {MAX_DAYS}"})
        return DEFAULT_DAYS
    return count


def parse(params: dict) -> tuple[str, str | None, date | None, int]:
    """The query: `service_id` (required), `postcode`, `from` (a local date; default today) and
    `days` (1 to 14, default 7). Every wrong field is reported at once."""
    errors = []
    service_id = (params.get("service_id") or "").strip()
    if not service_id:
        errors.append({"field": "service_id", "message": "is required"})
    elif len(service_id) > 64:
        errors.append({"field": "service_id", "message": "must be at most 64 characters"})
    postcode = _postcode(params, errors)
    first = _first_day(params, errors)
    count = _count(params, errors)
    if errors:
        raise ValidationFailed("The availability query is not valid.", errors)
    return service_id, postcode, first, count


def _person(member) -> dict:
    return {"id": member.user_id, "name": member.name}


def day_times(setup: Setup, day: date, postcode: str | None, now: datetime) -> list[dict]:
    """The free starts of one local date after `now`, each with the technician the rule picks."""
    tz = setup.zone
    times = []
    for start in slots.candidate_starts(setup, day):
        if start <= now:
            continue
        free = slots.free_technicians(setup, start, postcode)
        chosen = assignment.choose(free)
        if chosen is None:
            continue
        others = sorted((d.technician for d in free if d is not chosen), key=lambda t: (t.name, t.user_id))
        times.append({
            "start": start.astimezone(tz).isoformat(),
            "end": setup.job(start).end.astimezone(tz).isoformat(),
            "technician": _person(chosen.technician),
            "also_free": [_person(t) for t in others],
        })
    return times


def office_availability(params: dict, now: datetime) -> dict:
    """GET /availability: free times per day for the office, each with its technician."""
    service_id, postcode, first, count = parse(params)
    if first is None:
        # Today is a local date; before the settings are read it is one of the three around
        # today in UTC, so read those too and keep the one that is (no extra round trip).
        utc_today = now.astimezone(UTC).date()
        loaded = [utc_today + timedelta(days=i) for i in range(-1, count + 1)]
    else:
        loaded = [first + timedelta(days=i) for i in range(count)]
    setup = availability.load(service_id, loaded)
    today = now.astimezone(setup.zone).date()
    if first is None:
        first = today
    elif first < today:
        raise ValidationFailed("The availability query is not valid.", [{"field": "from", "message": "must not be in the past"}])
    availability.check_area(setup, postcode, "postcode")
    days = [first + timedelta(days=i) for i in range(count)]
    service = setup.service
    return {
        "service": {"id": service["id"], "name": service["name"], "duration_minutes": int(service["duration_minutes"])},
        "postcode": postcode,
        "timezone": setup.settings["timezone"],
        "from": first.isoformat(),
        "days": [{"date": d.isoformat(), "times": day_times(setup, d, postcode, now)} for d in days],
    }
