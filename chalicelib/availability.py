"""When a service can be booked: the free slots of qualified technicians.

A technician is free for a job [start, end) when it lies inside the business's opening hours
and the technician's working hours, does not touch their time off, and its occupied time
[start, end + service buffer + travel buffer) overlaps no other appointment's occupied time.
A technician qualifies with the service's skill and, when a postcode is given, a service area
that prefixes it. Reading a day costs one Query of technicians and BatchGetItem calls for the
settings, the service and one calendar item per technician and day: O(N) keys, never a scan.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from chalicelib import business
from chalicelib.errors import ValidationFailed
from chalicelib.models import CalendarDayModel, CatalogModel, StaffModel, WorkflowModel, batch_get
from chalicelib.validation import parse_date

UTC = timezone.utc


@dataclass(frozen=True)
class Job:
    start: datetime
    end: datetime
    blocked_until: datetime  # end + service buffer + travel buffer

    def overlaps(self, start: datetime, blocked_until: datetime) -> bool:
        return self.start < blocked_until and start < self.blocked_until


@dataclass
class TechnicianDay:
    """What is known of one technician on one local date."""

    technician: StaffModel
    day: date
    calendar: CalendarDayModel | None
    jobs: list[Job] = field(default_factory=list)

    @property
    def booked_minutes(self) -> int:
        return int(self.calendar.booked_minutes) if self.calendar else 0


@dataclass
class Setup:
    settings: dict
    service: dict | None
    technicians: list[StaffModel]
    days: dict  # (technician_id, date) -> TechnicianDay
    process_map: object = None  # workflow.ProcessMap, when asked for

    def technician(self, user_id: str) -> StaffModel | None:
        return next((t for t in self.technicians if t.user_id == user_id), None)

    @property
    def zone(self):
        return business.zone(self.settings)

    def job(self, start: datetime, end: datetime | None = None) -> Job:
        """The service's job from `start`; a job without a service needs its `end`."""
        service = self.service or {}
        if end is None:
            end = start + timedelta(minutes=int(service["duration_minutes"]))
        tail = int(service.get("buffer_after_minutes", 0)) + int(self.settings["booking"]["travel_buffer_minutes"])
        return Job(start, end, end + timedelta(minutes=tail))


def jobs_of(calendar: CalendarDayModel | None, except_order: str | None = None) -> list[Job]:
    if calendar is None:
        return []
    return [
        Job(datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["end"]), datetime.fromisoformat(a["blocked_until"]))
        for a in calendar.appointments
        if a["order_id"] != except_order
    ]


def load(service_id: str | None, days: list[date], with_process_map: bool = False) -> Setup:
    """Round trip 1: the active technicians (Query `by-role`). Round trip 2 (BatchGetItem): the
    settings, the service, each technician's calendar for each day and, for a booking, the head
    of the process map."""
    from chalicelib import workflow

    techs = business.technicians()
    keys = [(CatalogModel, business.catalog.SETTINGS_KIND, business.catalog.SETTINGS_ID)]
    if service_id:
        keys.append((CatalogModel, business.SERVICE, service_id))
    if with_process_map:
        keys.append((WorkflowModel, workflow.WORKFLOW_ID, workflow.HEAD))
    keys += [(CalendarDayModel, t.user_id, d.isoformat()) for t in techs for d in days]
    found = batch_get(keys)
    service_item = found.get((CatalogModel, business.SERVICE, service_id)) if service_id else None
    if service_id and (service_item is None or not service_item.data.get("active", True)):
        raise ValidationFailed("The service is not offered.", [{"field": "service_id", "message": f"no service '{service_id}'"}])
    settings_item = found.get((CatalogModel, business.catalog.SETTINGS_KIND, business.catalog.SETTINGS_ID))
    settings = {**business.catalog.DEFAULT_SETTINGS, **(settings_item.data if settings_item else {})}
    settings["booking"] = {**business.DEFAULT_BOOKING_RULES, **settings.get("booking", {})}
    settings.setdefault("opening_hours", {})
    tech_days = {}
    for t in techs:
        for d in days:
            cal = found.get((CalendarDayModel, t.user_id, d.isoformat()))
            tech_days[(t.user_id, d)] = TechnicianDay(t, d, cal, jobs_of(cal))
    process_map = None
    if with_process_map:
        head = found.get((WorkflowModel, workflow.WORKFLOW_ID, workflow.HEAD))
        if head is None:
            raise workflow.NotFound("No process map has been published yet.")
        process_map = workflow.from_head(head)
    service = business.service_view(service_item) if service_item else None
    return Setup(settings, service, techs, tech_days, process_map)


def qualified(setup: Setup, postcode: str | None) -> list[StaffModel]:
    skill = setup.service["skill"] if setup.service else None
    code = business.normalise_postcode(postcode) if postcode else None
    result = []
    for t in setup.technicians:
        p = business.profile(t)
        if skill and skill not in p["skills"]:
            continue
        if code and not any(code.startswith(a) for a in p["areas"]):
            continue
        result.append(t)
    return result


def _inside(windows, start: datetime, end: datetime) -> bool:
    return any(ws <= start and end <= we for ws, we in windows)


def is_free(setup: Setup, tech_day: TechnicianDay, job: Job, except_order: str | None = None) -> bool:
    tz = setup.zone
    local_day = job.start.astimezone(tz).date()
    hours = business.profile(tech_day.technician)["working_hours"]
    if not _inside(business.windows_on(hours, local_day, tz), job.start, job.end):
        return False
    if any(s < job.end and job.start < e for s, e in business.time_off_intervals(tech_day.technician)):
        return False
    jobs = tech_day.jobs if except_order is None else jobs_of(tech_day.calendar, except_order)
    return not any(other.overlaps(job.start, job.blocked_until) for other in jobs)


def free_technicians(setup: Setup, start: datetime, postcode: str | None, except_order: str | None = None,
                     end: datetime | None = None) -> list[TechnicianDay]:
    job = setup.job(start, end)
    day = start.astimezone(setup.zone).date()
    return [
        setup.days[(t.user_id, day)]
        for t in qualified(setup, postcode)
        if (t.user_id, day) in setup.days and is_free(setup, setup.days[(t.user_id, day)], job, except_order)
    ]


def bookable_window(setup: Setup, now: datetime) -> tuple[datetime, date]:
    """The earliest start allowed (minimum notice) and the last local date (how far ahead)."""
    rules = setup.settings["booking"]
    earliest = now + timedelta(minutes=int(rules["min_notice_minutes"]))
    last_day = now.astimezone(setup.zone).date() + timedelta(days=int(rules["max_days_ahead"]))
    return earliest, last_day


def candidate_starts(setup: Setup, day: date) -> list[datetime]:
    """Starts on the slot grid inside the opening hours where the job also ends in them."""
    tz = setup.zone
    grid = timedelta(minutes=int(setup.settings["booking"]["slot_grid_minutes"]))
    duration = timedelta(minutes=int(setup.service["duration_minutes"]))
    starts = []
    for window_start, window_end in business.windows_on(setup.settings["opening_hours"], day, tz):
        t = window_start
        while t + duration <= window_end:
            starts.append(t)
            t += grid
    return starts


def on_grid(setup: Setup, start: datetime) -> bool:
    local = start.astimezone(setup.zone)
    grid = int(setup.settings["booking"]["slot_grid_minutes"])
    return local.second == 0 and local.microsecond == 0 and (local.hour * 60 + local.minute) % grid == 0


def slots(setup: Setup, days: list[date], postcode: str | None, now: datetime) -> list[dict]:
    earliest, last_day = bookable_window(setup, now)
    tz = setup.zone
    result = []
    for day in days:
        if day > last_day:
            break
        for start in candidate_starts(setup, day):
            if start < earliest or not free_technicians(setup, start, postcode):
                continue
            job = setup.job(start)
            result.append({"start": start.astimezone(tz).isoformat(), "end": job.end.astimezone(tz).isoformat()})
    return result


def nearest_free(service_id: str, start: datetime, postcode: str | None, now: datetime, count: int = 3) -> list[dict]:
    """A few free slots closest to `start` (the day before through three days after)."""
    utc_day = start.astimezone(UTC).date()
    days = [utc_day + timedelta(days=i) for i in range(-1, 4)]
    setup = load(service_id, days)
    options = slots(setup, days, postcode, now)
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
    return {"service_id": service_id, "timezone": setup.settings["timezone"], "slots": slots(setup, days, postcode, now)}


def days_around(moment: datetime) -> list[date]:
    """The local dates `moment` can fall on in any timezone: its UTC date and the days either
    side. A booking reads these calendars before it knows the business's timezone, saving a
    round trip."""
    utc_day = moment.astimezone(UTC).date()
    return [utc_day - timedelta(days=1), utc_day, utc_day + timedelta(days=1)]
