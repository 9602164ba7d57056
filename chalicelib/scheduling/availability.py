"""Loading what the slot maths needs (services, technicians, their calendars) in as few calls as
DynamoDB allows, the public availability answer, and whether the business serves a postcode."""
from datetime import date, datetime, timedelta

from chalicelib.core import errors as core_errors
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.data.batch import batch_get
from chalicelib.data.counters import CounterModel
from chalicelib.data.models import CalendarDayModel, CatalogModel, WorkflowModel
from chalicelib.scheduling import slots
from chalicelib.scheduling.slots import UTC, Setup, TechnicianDay
from chalicelib.setup import business, catalog, services, technicians
from chalicelib.workflow import process_map as workflow_process_map
from chalicelib.workflow import kinds, versions


class AreaNotServed(ValidationFailed):
    code = "area_not_served"


def load(service_id: str | None, days: list[date], with_process_map: bool = False,
         counter_ids: tuple[str, ...] | list[str] = (), kind: str | None = None) -> Setup:
    """Round trip 1: the active technicians (Query `by-role`). Round trip 2 (BatchGetItem): the
    settings, the service, each technician's calendar for each day and, for a booking, the head
    of the legacy kind's process map and the counters it checks (the customer's ledgers,
    `Setup.counters`). A booking follows the map of its service's kind of work (else `kind`,
    else the legacy kind): for a kind other than the legacy one, its head is read after the
    batch (the service's kind is known only then)."""
    techs = technicians.technicians()
    keys = [(CatalogModel, catalog.SETTINGS_KIND, catalog.SETTINGS_ID)]
    if service_id:
        keys.append((CatalogModel, services.SERVICE, service_id))
    if with_process_map:
        keys.append((WorkflowModel, workflow_process_map.WORKFLOW_ID, versions.HEAD))
    keys += [(CalendarDayModel, t.user_id, d.isoformat()) for t in techs for d in days]
    keys += [(CounterModel, counter_id, None) for counter_id in counter_ids]
    found = batch_get(keys)
    service_item = found.get((CatalogModel, services.SERVICE, service_id)) if service_id else None
    if service_id and (service_item is None or not service_item.data.get("active", True)):
        raise ValidationFailed("The service is not offered.", [{"field": "service_id", "message": f"no service '{service_id}'"}])
    settings_item = found.get((CatalogModel, catalog.SETTINGS_KIND, catalog.SETTINGS_ID))
    settings = {**catalog.DEFAULT_SETTINGS, **(settings_item.data if settings_item else {})}
    settings["booking"] = {**business.DEFAULT_BOOKING_RULES, **settings.get("booking", {})}
    settings.setdefault("opening_hours", {})
    tech_days = {}
    for t in techs:
        for d in days:
            cal = found.get((CalendarDayModel, t.user_id, d.isoformat()))
            tech_days[(t.user_id, d)] = TechnicianDay(t, d, cal, slots.jobs_of(cal))
    service = services.service_view(service_item) if service_item else None
    process_map = None
    if with_process_map:
        chosen = kinds.for_new_order(kind, service)
        head = found.get((WorkflowModel, workflow_process_map.WORKFLOW_ID, versions.HEAD))
        if kinds.workflow_id_of(chosen) != workflow_process_map.WORKFLOW_ID:
            process_map = versions.current(chosen)
        elif head is None:
            raise core_errors.NotFound("No process map has been published yet.")
        else:
            process_map = versions.from_head(head)
    counters = {counter_id: found.get((CounterModel, counter_id, None)) for counter_id in counter_ids}
    return Setup(settings, service, techs, tech_days, process_map, counters)


def check_area(setup: Setup, postcode: str | None, field: str) -> None:
    """AreaNotServed (422) when no technician who does the service covers `postcode`."""
    if not postcode or slots.qualified(setup, postcode):
        return
    shown = " ".join(postcode.split()).upper()
    if slots.covering(setup, postcode) and setup.service:
        message = f"Sorry, we do not offer {setup.service['name']} in {shown}."
        problem = f"{shown}: this service is not offered there"
    else:
        message = f"Sorry, we do not work in {shown}: it is outside our service area."
        problem = f"{shown} is outside our service area"
    raise AreaNotServed(message, [{"field": field, "message": problem}])


def service_areas() -> bool:
    """Whether the business works in service areas (the booking form then asks for the postcode
    before it shows free times)."""
    return slots.has_service_areas(technicians.technicians())


def nearest_free(service_id: str, start: datetime, postcode: str | None, now: datetime, count: int = 3) -> list[dict]:
    """A few free slots closest to `start` (the day before through three days after)."""
    utc_day = start.astimezone(UTC).date()
    days = [utc_day + timedelta(days=i) for i in range(-1, 4)]
    setup = load(service_id, days)
    options = slots.slots(setup, days, postcode, now)
    options.sort(key=lambda s: abs((datetime.fromisoformat(s["start"]) - start).total_seconds()))
    return options[:count]


def parse_days(params: dict) -> list[date]:
    errors = []
    raw_date = params.get("date") or ""
    try:
        first = parse_date(raw_date)
    except ValueError:
        errors.append({"field": "date", "message": "must be a date YYYY-MM-DD"})
        first = None
    raw_days = params.get("days") or "1"
    try:
        count = int(raw_days)
        if not 1 <= count <= 14:
            raise ValueError
    except ValueError:
        errors.append({"field": "days", "message": "must be a whole number from 1 to 14"})
        count = 1
    if errors:
        raise ValidationFailed("The availability query is not valid.", errors)
    return [first + timedelta(days=i) for i in range(count)]


def public_availability(params: dict, now: datetime) -> dict:
    service_id = params.get("service_id") or ""
    if not service_id:
        raise ValidationFailed("A service is required.", [{"field": "service_id", "message": "is required"}])
    postcode = (params.get("postcode") or "").strip() or None
    if postcode and (len(postcode) > 10 or not postcode.replace(" ", "").isalnum()):
        raise ValidationFailed("The postcode is not valid.", [{"field": "postcode", "message": "must be letters and digits"}])
    days = parse_days(params)
    setup = load(service_id, days)
    if days[0] < now.astimezone(setup.zone).date():
        raise ValidationFailed("The availability query is not valid.", [{"field": "date", "message": "must not be in the past"}])
    check_area(setup, postcode, "postcode")
    return {"service_id": service_id, "timezone": setup.settings["timezone"], "slots": slots.slots(setup, days, postcode, now)}
