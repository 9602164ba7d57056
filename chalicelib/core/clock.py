"""The one source of "now", so tests can control time."""
from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)
