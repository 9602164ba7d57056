"""Business time, pure: the business's opening hours and holidays in its timezone, as a clock
that SLAs count on. `Calendar.add` is the moment a number of business minutes after a start
(a request at 17:30 with a 4-hour SLA, hours 08:00-18:00: 11:30 the next working day);
`Calendar.minutes_between` the business minutes between two moments.

Opening windows are local times on local dates, turned into UTC moments one date at a time, so
the minutes counted are real elapsed minutes on days the clocks change (a window 01:00-03:00 on
the night the clocks go back is three hours long). A holiday closes its whole local date.

Bounded whatever the settings: a calendar with no opening hours at all counts calendar time (a
business that has not set its hours yet has every minute), and `add` looks at most `HORIZON_DAYS`
ahead: an SLA the opening hours cannot use up by then (a year's SLA on an hour a week) is due at
the horizon."""
from datetime import date, datetime, time, timedelta, timezone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON_DAYS = 10 * 366
CLOCKS = ("business", "calendar")


class Calendar:
    def __init__(self, opening_hours: dict | None, holidays=(), zone=timezone.utc):
        self.zone = zone
        self.hours = {day: [(time.fromisoformat(s), time.fromisoformat(e)) for s, e in (opening_hours or {}).get(day, [])]
                      for day in DAYS}
        self.holidays = frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in holidays)
        self._days: dict[date, list[tuple[datetime, datetime]]] = {}

    @property
    def has_hours(self) -> bool:
        """False with no opening window on any weekday: business time is then calendar time."""
        return any(self.hours.values())

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The UTC moments the business is open on local date `day` (none on a holiday)."""
        found = self._days.get(day)
        if found is None:
            found = [] if day in self.holidays else [
                (datetime.combine(day, s, self.zone).astimezone(timezone.utc),
                 datetime.combine(day, e, self.zone).astimezone(timezone.utc))
                for s, e in self.hours[DAYS[day.weekday()]]]
            self._days[day] = found
        return found

    def _local_day(self, moment: datetime) -> date:
        if moment.tzinfo is None:
            raise ValueError("business time needs timezone-aware moments")
        return moment.astimezone(self.zone).date()

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` business minutes after `start` (start itself for none; a start
        outside the hours counts from the next opening)."""
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        if minutes == 0:
            return start
        if not self.has_hours:
            return start + timedelta(minutes=minutes)
        remaining, cursor, first = timedelta(minutes=minutes), start, self._local_day(start)
        for offset in range(HORIZON_DAYS):
            for opens, closes in self.windows(first + timedelta(days=offset)):
                if closes <= cursor:
                    continue
                begin = max(opens, cursor)
                if closes - begin >= remaining:
                    return begin + remaining
                remaining -= closes - begin
                cursor = closes
        return start + timedelta(days=HORIZON_DAYS)

    def minutes_between(self, a: datetime, b: datetime) -> float:
        """Business minutes from `a` to `b` (negative when `b` is before `a`)."""
        if b < a:
            return -self.minutes_between(b, a)
        if not self.has_hours:
            return (b - a).total_seconds() / 60
        total, day, last = timedelta(0), self._local_day(a), self._local_day(b)
        while day <= last:
            for opens, closes in self.windows(day):
                overlap = min(closes, b) - max(opens, a)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total.total_seconds() / 60

    def due(self, start: datetime, minutes: float, clock: str = "business") -> datetime:
        """When an SLA of `minutes` started at `start` runs out on `clock` (CLOCKS)."""
        if clock == "calendar":
            return start + timedelta(minutes=minutes)
        return self.add(start, minutes)

    def elapsed(self, a: datetime, b: datetime, clock: str = "business") -> float:
        """Minutes from `a` to `b` on `clock`."""
        if clock == "calendar":
            return (b - a).total_seconds() / 60
        return self.minutes_between(a, b)


CALENDAR_TIME = Calendar(None)  # every minute counts: what a missing calendar means
