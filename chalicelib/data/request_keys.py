"""Idempotency-Key records, as Stripe keeps them: a key is bound to the route (method and path),
the caller and a hash of the body it first came with, and keeps the answer it got.

- The same key again with the same route, caller and body: the first answer (status and body),
  and nothing is done again.
- The same key with another body, on another route, or from another caller: 422
  `idempotency_key_reused`, and nothing is done.

A record is written in the same DynamoDB transaction as the change it protects, conditional on
the key being unused: the change and its record exist together or not at all, and of two
identical requests at the same moment one writes, the other finds the record and answers with it.
A refused request (4xx) writes nothing, so its key stays free for a corrected retry.

Records live in the idempotency table beside Powertools' (ids `request-key#<sha256 of the key>`,
theirs `<function>#<hash>`) and expire with DynamoDB TTL after `KEPT` (then a replay finds the
derived ids of what it wrote and adds nothing, or, for a move, gets 409 on its old version).
The answer is stored compressed; one too large to store is answered anew on a replay.
"""
import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.errors import ValidationFailed
from chalicelib.data.models import IdempotencyModel

KEPT = timedelta(days=30)
# The stored answer must leave room in its item (400 KB) for the rest of the record.
MAX_STORED_ANSWER = 300 * 1024


@dataclass(frozen=True)
class RequestKey:
    """An Idempotency-Key as this request binds it."""

    key: str
    route: str  # "POST /orders/WO-1/notes"
    caller: str  # the staff user id
    fingerprint: str  # sha256 of the body (canonical JSON)

    @property
    def record_id(self) -> str:
        return "request-key#" + hashlib.sha256(self.key.encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    """What a request answered: the status and the JSON body (None: stored without it)."""

    status: int
    body: dict | None


def fingerprint(raw: bytes | str | None) -> str:
    """The body's hash: of its canonical JSON (key order and spacing do not matter), else of its bytes."""
    data = raw.encode() if isinstance(raw, str) else (raw or b"")
    try:
        canonical = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        canonical = b"raw:" + data
    return hashlib.sha256(canonical).hexdigest()


def route_of(method: str, path: str, params: dict | None) -> str:
    """The concrete route: `POST /orders/{order_id}/notes` with its parameters filled in."""
    for name, value in (params or {}).items():
        path = path.replace("{" + name + "}", str(value))
    return f"{method.upper()} {path}"


def bind(key: str, method: str, path: str, params: dict | None, caller: str, raw_body) -> RequestKey:
    return RequestKey(key, route_of(method, path, params), caller, fingerprint(raw_body))


def reused(key: RequestKey, record: IdempotencyModel) -> ValidationFailed:
    if record.caller != key.caller or record.route != key.route:
        why = "was already used for another request"
    else:
        why = "was already used with a different request body"
    return ValidationFailed(
        "This Idempotency-Key was already used for a different request; nothing was done. "
        "Send a new change with a new key.",
        [{"field": "Idempotency-Key", "message": why}], code="idempotency_key_reused")


def earlier(key: RequestKey | None) -> Answer | None:
    """The first answer to this key, if it was used; 422 `idempotency_key_reused` if it was used
    for another route, by another caller or with another body."""
    if key is None:
        return None
    try:
        record = IdempotencyModel.get(key.record_id, consistent_read=True)
    except IdempotencyModel.DoesNotExist:
        return None
    if (record.route, record.caller, record.fingerprint) != (key.route, key.caller, key.fingerprint):
        raise reused(key, record)
    body = json.loads(zlib.decompress(record.answer)) if record.answer else None
    return Answer(int(record.answer_status), body)


def record(key: RequestKey, answer: Answer, now: datetime) -> IdempotencyModel:
    """The key's record, to save in the transaction of the change, on condition `unused()`."""
    packed = zlib.compress(json.dumps(answer.body, separators=(",", ":")).encode(), 6) if answer.body is not None else None
    return IdempotencyModel(
        key.record_id, route=key.route, caller=key.caller, fingerprint=key.fingerprint,
        answer_status=answer.status, answer=packed if packed and len(packed) <= MAX_STORED_ANSWER else None,
        expiration=int((now + KEPT).timestamp()),
    )


def unused():
    return IdempotencyModel.id.does_not_exist()
