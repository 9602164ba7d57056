"""Dates and times as people write them in the business's locale, for emails and pages.

`en-GB` (the default): "Tuesday 3 March 2026, 10:00"; `en-US`: "Tuesday, March 3, 2026, 10:00 AM".
No locale library: the two forms are written out here, and an unknown locale falls back to
`en-GB`. Every function takes an aware time and shows it in the zone it is given.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LOCALES = ("en-GB", "en-US")
DEFAULT_LOCALE = "en-GB"


def locale_of(value: str | None) -> str:
    return value if value in LOCALES else DEFAULT_LOCALE


def clock_time(value: datetime, locale: str | None = None) -> str:
    """10:00 (en-GB) or 10:00 AM (en-US)."""
    if locale_of(locale) == "en-US":
        return f"{value.hour % 12 or 12}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"
    return f"{value.hour:02d}:{value.minute:02d}"


def long_date(value: datetime, locale: str | None = None, year: bool = True) -> str:
    """Tuesday 3 March 2026 (en-GB) or Tuesday, March 3, 2026 (en-US); without the year on request."""
    day, month, weekday = value.day, value.strftime("%B"), value.strftime("%A")
    if locale_of(locale) == "en-US":
        return f"{weekday}, {month} {day}" + (f", {value.year}" if year else "")
    return f"{weekday} {day} {month}" + (f" {value.year}" if year else "")


def date_time(value: datetime, tz: ZoneInfo, locale: str | None = None, year: bool = True) -> str:
    """Tuesday 3 March 2026, 10:00 in the zone `tz`."""
    local = value.astimezone(tz)
    return f"{long_date(local, locale, year)}, {clock_time(local, locale)}"


def appointment(start: datetime, end: datetime, tz: ZoneInfo, locale: str | None = None) -> str:
    """Tuesday 3 March 2026, 10:00 to 12:00 (GMT); both ends dated when it runs past midnight."""
    local_end = end.astimezone(tz)
    same_day = start.astimezone(tz).date() == local_end.date()
    until = clock_time(local_end, locale) if same_day else date_time(end, tz, locale)
    return f"{date_time(start, tz, locale)} to {until} ({local_end.tzname()})"


def hours_phrase(hours: int) -> str:
    return "1 hour" if hours == 1 else f"{hours} hours"


def cutoff(start: datetime, hours: int) -> datetime:
    """The last moment the customer may change an appointment online."""
    return start - timedelta(hours=hours)
