"""Fixed time windows for rate limits, pure: which window a moment falls in, and how long until
the next one starts (the `Retry-After` of a request refused in this one)."""
import math
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Window:
    """The `index`-th window of `seconds` since the Unix epoch: [start, end)."""

    index: int
    start: datetime
    end: datetime

    def retry_after(self, now: datetime) -> int:
        """Whole seconds from `now` until the window ends (at least 1)."""
        return max(1, math.ceil((self.end - now).total_seconds()))


def window_at(now: datetime, seconds: int) -> Window:
    """The window of length `seconds` holding `now` (tz-aware). Windows line up on the epoch, so
    every server agrees on them without talking to each other."""
    if seconds < 1:
        raise ValueError("a window lasts at least one second")
    epoch = now.timestamp()
    index = math.floor(epoch / seconds)
    start = datetime.fromtimestamp(index * seconds, timezone.utc)
    return Window(index, start, datetime.fromtimestamp((index + 1) * seconds, timezone.utc))


def in_words(seconds: int) -> str:
    """"45 seconds", "1 minute", "about 2 hours", "about 3 days": for messages to people."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600)
    if hours < 48:
        return f"about {hours} hour{'s' if hours != 1 else ''}"
    return f"about {round(seconds / 86400)} days"
