"""Review periods: the day, ISO week, month and quarter a run covers, in the business's timezone."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from chalicelib.core import settings
from chalicelib.core.errors import ValidationFailed
from chalicelib.reviews.figures import Window

PERIODS = ("daily", "weekly", "monthly", "quarterly")
DAILY = "daily"


def local_hour() -> int:
    return int(settings.env("REVIEW_LOCAL_HOUR", "7"))


def escalate_after() -> int:
    return max(1, int(settings.env("REVIEW_ESCALATE_AFTER", "3")))


@dataclass(frozen=True)
class Period:
    """What a run reviews: a period name, its local dates, and from when the schedule runs it."""

    name: str
    window: Window
    due: datetime

    @property
    def date(self) -> str:
        return self.window.first_day.isoformat()


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def first_day_of(name: str, day: date) -> date:
    """The first local day of the `name` period that holds `day` (its `date`)."""
    if name == "weekly":
        return day - timedelta(days=day.weekday())
    if name == "monthly":
        return day.replace(day=1)
    if name == "quarterly":
        return _quarter_start(day)
    return day


def period_to_review(name: str, today: date, zone) -> Period:
    """The period a run on local date `today` reviews: today for the check, else the week, month
    or quarter just ended. `due` is when the schedule first runs it (REVIEW_LOCAL_HOUR local)."""
    def at(day: date) -> datetime:
        return datetime.combine(day, time(local_hour()), zone).astimezone(timezone.utc)

    if name == DAILY:
        return Period(name, Window(today, today, zone), at(today))
    this_one = first_day_of(name, today)
    last_day = this_one - timedelta(days=1)
    return Period(name, Window(first_day_of(name, last_day), last_day, zone), at(this_one))


def check_period(name) -> str:
    if name not in PERIODS:
        raise ValidationFailed("Unknown review period.", [{"field": "period", "message": f"must be one of {', '.join(PERIODS)}"}])
    return name
