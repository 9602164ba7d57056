"""Request rates per client address, enforced with fixed-window counters in the counters table:
one UpdateItem per request, an atomic `ADD` conditional on the count being under the limit, so
concurrent requests can never pass the limit together (no read, no Scan). The window's item
names its window, so a new window starts from nothing without waiting for DynamoDB's TTL."""
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.core.errors import TooManyRequests
from chalicelib.data.counters import CounterModel
from chalicelib.limits import keys, windows


def take(kind: str, network: str, limit: int, seconds: int, now: datetime, secret: bytes, message: str) -> None:
    """Count one request of `kind` from `network` in the current window, or refuse it with
    TooManyRequests (Retry-After: when the window ends) once `limit` were counted. `message`
    may name `{wait}`. A `limit` of 0 counts nothing."""
    if limit <= 0:
        return
    window = windows.window_at(now, seconds)
    counter = CounterModel(keys.rate_id(secret, kind, network, window.index))
    try:
        counter.update(
            actions=[CounterModel.hits.add(1), CounterModel.expires_at.set(window.end + timedelta(seconds=seconds))],
            condition=CounterModel.hits.does_not_exist() | (CounterModel.hits < limit),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        wait = window.retry_after(now)
        raise TooManyRequests(message.format(wait=windows.in_words(wait)), wait,
                              {"limit": limit, "window_seconds": seconds})
