"""Schedule expressions, rate() and the AWS cron subset, and their next fire times, in UTC."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

UTC = timezone.utc


@dataclass(frozen=True)
class RateSchedule:
    interval: timedelta

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.interval


_RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name: i for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_WEEKDAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
# (name, lowest, highest, names): the six fields of an AWS cron expression.
_CRON_FIELDS = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _WEEKDAYS),
    ("year", 1970, 2199, {}),
)


def _cron_value(text: str, names: dict, field_name: str) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ValueError(f"cron {field_name}: {text!r} is not supported locally (numbers, names, * ? , - / only)")
    return int(text)


def _cron_part(part: str, low: int, high: int, names: dict, field_name: str) -> range:
    base, slash, step_text = part.partition("/")
    step = int(step_text) if step_text.isdigit() else 0 if slash else 1
    if step < 1:
        raise ValueError(f"cron {field_name}: bad step in {part!r}")
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _cron_value(first, names, field_name), _cron_value(last, names, field_name)
    else:
        start = _cron_value(base, names, field_name)
        end = high if slash else start  # "5/15" means from 5 to the end, every 15
    if not low <= start <= end <= high:
        raise ValueError(f"cron {field_name}: {part!r} is outside {low}-{high}")
    return range(start, end + 1, step)


def _cron_field(text: str, low: int, high: int, names: dict, field_name: str) -> frozenset | None:
    """The values a field allows; None for `?` (no constraint from this field)."""
    if text == "?":
        if field_name not in ("day-of-month", "day-of-week"):
            raise ValueError(f"cron {field_name}: '?' is only allowed for day-of-month or day-of-week")
        return None
    values = set()
    for part in text.split(","):
        values.update(_cron_part(part, low, high, names, field_name))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    minutes: frozenset
    hours: frozenset
    days_of_month: frozenset | None
    months: frozenset
    days_of_week: frozenset | None  # AWS numbering: 1 = Sunday ... 7 = Saturday
    years: frozenset

    @classmethod
    def parse(cls, text: str) -> "CronSchedule":
        fields = text.split()
        if len(fields) != 6:
            raise ValueError(f"cron needs 6 fields (minutes hours day-of-month month day-of-week year): {text!r}")
        if (fields[2] == "?") == (fields[4] == "?"):
            # AWS refuses both or neither; failing here is better than failing at deployment.
            raise ValueError(f"cron: exactly one of day-of-month and day-of-week must be '?': {text!r}")
        return cls(*(_cron_field(value, *spec[1:], spec[0]) for value, spec in zip(fields, _CRON_FIELDS)))

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        if self.days_of_month is not None:
            return day.day in self.days_of_month
        return (day.weekday() + 1) % 7 + 1 in self.days_of_week  # Python: Monday=0; AWS: Sunday=1

    def _first_time(self, day: date, not_before: tuple[int, int]) -> datetime | None:
        for hour in sorted(h for h in self.hours if h >= not_before[0]):
            start_minute = not_before[1] if hour == not_before[0] else 0
            minute = min((m for m in self.minutes if m >= start_minute), default=None)
            if minute is not None:
                return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        return None

    def next_after(self, moment: datetime) -> datetime | None:
        """The first whole minute strictly after `moment` that matches; None if there is none."""
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day, not_before = start.date(), (start.hour, start.minute)
        while day.year <= max(self.years):
            if day.year not in self.years:
                day, not_before = date(day.year + 1, 1, 1), (0, 0)
                continue
            if self._day_matches(day):
                found = self._first_time(day, not_before)
                if found:
                    return found
            day, not_before = day + timedelta(days=1), (0, 0)
        return None


def parse_schedule(expression) -> RateSchedule | CronSchedule:
    """A Chalice `Rate`/`Cron` object or an EventBridge string such as `rate(5 minutes)` or
    `cron(0 7 * * ? *)`."""
    text = expression.to_string() if hasattr(expression, "to_string") else str(expression)
    match = re.fullmatch(r"\s*(rate|cron)\((.*)\)\s*", text)
    if not match:
        raise ValueError(f"not a schedule expression: {text!r}")
    kind, body = match.groups()
    if kind == "cron":
        return CronSchedule.parse(body)
    rate = re.fullmatch(r"\s*(\d+)\s+(minute|hour|day)(s?)\s*", body)
    if not rate or int(rate[1]) < 1 or (int(rate[1]) == 1) == bool(rate[3]):
        raise ValueError(f"rate needs a positive whole number and a unit, singular only for 1: {text!r}")
    return RateSchedule(timedelta(seconds=int(rate[1]) * _RATE_UNITS[rate[2]]))
