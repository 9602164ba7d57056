"""Give the embedded AWS (moto) DynamoDB's guarantee that each request is atomic.

DynamoDB evaluates a conditional write or a transaction and applies it as one step. moto checks
the conditions and then applies the writes in plain Python, so two threads can both pass a
condition before either writes: a double booking DynamoDB would never allow. The local system
and the tests serialise moto's request handling with one lock, which restores that guarantee.
"""
import threading
from typing import Callable

_lock = threading.RLock()
_installed = False
_after_request: list = []


def lock() -> threading.RLock:
    """The one lock moto's request handling holds; the local system's journal writes under it too."""
    return _lock


def after_each_request(callback) -> Callable[[], None]:
    """Call `callback(response)` (moto's `BaseResponse`, once it has answered) after every request,
    under the lock; returns what undoes it. The local system wakes its stream poller this way."""
    _after_request.append(callback)
    return lambda: _after_request.remove(callback)


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.core.responses import BaseResponse

    original = BaseResponse.call_action

    def call_action(self):
        with _lock:
            answer = original(self)
            for callback in _after_request:
                callback(self)
            return answer

    BaseResponse.call_action = call_action
    _installed = True
