"""Time as the API and the stored documents write it: ISO 8601 in UTC with a `Z`, and spans in
minutes. One copy for every capability."""
from datetime import datetime, timedelta, timezone


def iso(value: datetime | None) -> str | None:
    """`2026-11-30T08:00:00Z` for an aware time (converted to UTC); None for None."""
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60
