"""Give the embedded AWS (moto) DynamoDB's guarantee that each request is atomic.

DynamoDB evaluates a conditional write or a transaction and applies it as one step. moto checks
the conditions and then applies the writes in plain Python, so two threads can both pass a
condition before either writes: a double booking DynamoDB would never allow. The local system
and the tests serialise moto's request handling with one lock, which restores that guarantee.
"""
import threading

_lock = threading.RLock()
_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.core.responses import BaseResponse

    original = BaseResponse.call_action

    def call_action(self):
        with _lock:
            return original(self)

    BaseResponse.call_action = call_action
    _installed = True
