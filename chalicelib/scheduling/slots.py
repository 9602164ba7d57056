"""Slot maths, pure: when a qualified technician is free for a job, the grid of start times, the
nearest free times. Works on values loaded by `scheduling.availability`."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from chalicelib.data.models import CalendarDayModel, StaffModel
from chalicelib.setup import business
from chalicelib.setup import technicians as setup_technicians

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
    counters: dict = field(default_factory=dict)  # counter id -> CounterModel or None, when asked for

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


def has_service_areas(techs: list[StaffModel]) -> bool:
    """Whether the business works in service areas: some technician covers postcode prefixes.
    Without any, every postcode is served."""
    return any(setup_technicians.profile(t)["areas"] for t in techs)


def _covers(member: StaffModel, code: str) -> bool:
    return any(code.startswith(a) for a in setup_technicians.profile(member)["areas"])


def covering(setup: Setup, postcode: str) -> list[StaffModel]:
    """The technicians whose service areas take in `postcode`, whatever their skills (all of
    them when the business has no service areas)."""
    if not has_service_areas(setup.technicians):
        return list(setup.technicians)
    code = setup_technicians.normalise_postcode(postcode)
    return [t for t in setup.technicians if _covers(t, code)]


def qualified(setup: Setup, postcode: str | None) -> list[StaffModel]:
    """The technicians with the service's skill who cover `postcode` (any, without one)."""
    skill = setup.service["skill"] if setup.service else None
    techs = covering(setup, postcode) if postcode else setup.technicians
    return [t for t in techs if not skill or skill in setup_technicians.profile(t)["skills"]]


def _inside(windows, start: datetime, end: datetime) -> bool:
    return any(ws <= start and end <= we for ws, we in windows)


def is_free(setup: Setup, tech_day: TechnicianDay, job: Job, except_order: str | None = None) -> bool:
    tz = setup.zone
    local_day = job.start.astimezone(tz).date()
    hours = setup_technicians.profile(tech_day.technician)["working_hours"]
    if not _inside(business.windows_on(hours, local_day, tz), job.start, job.end):
        return False
    if any(s < job.end and job.start < e for s, e in setup_technicians.time_off_intervals(tech_day.technician)):
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
    """On the grid `candidate_starts` offers: counted from the start of the opening window that holds
    `start` (a business may open at 08:15), else from local midnight."""
    local = start.astimezone(setup.zone)
    if local.second or local.microsecond:
        return False
    grid = timedelta(minutes=int(setup.settings["booking"]["slot_grid_minutes"]))
    for window_start, window_end in business.windows_on(setup.settings["opening_hours"], local.date(), setup.zone):
        if window_start <= start < window_end:
            return (start - window_start) % grid == timedelta(0)
    return timedelta(hours=local.hour, minutes=local.minute) % grid == timedelta(0)


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


def days_around(moment: datetime) -> list[date]:
    """The local dates `moment` can fall on in any timezone: its UTC date and the days either
    side. A booking reads these calendars before it knows the business's timezone, saving a
    round trip."""
    utc_day = moment.astimezone(UTC).date()
    return [utc_day - timedelta(days=1), utc_day, utc_day + timedelta(days=1)]
