"""Opaque paging cursors: a query's `LastEvaluatedKey` as URL-safe base64 JSON, and back.

A cursor is only ever a start key the API handed out. Decoding checks it names exactly the key
attributes of the index being queried, each a non-empty string, and any fixed value (the
partition being paged); anything else is 400 `invalid_cursor`, never a failed query."""
import base64
import binascii
import json

from pynamodb.exceptions import QueryError

from chalicelib.core.errors import BadRequest


def bad_cursor() -> BadRequest:
    return BadRequest("The cursor is not one this API returned.", {"field": "cursor"}, code="invalid_cursor")


def encode(key: dict | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, key_fields: dict) -> dict | None:
    """The start key `cursor` holds. `key_fields`: attribute -> the value it must have, or None."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise bad_cursor()
    if not isinstance(key, dict) or set(key) != set(key_fields):
        raise bad_cursor()
    for name, value in key.items():
        if not (isinstance(value, dict) and list(value) == ["S"] and isinstance(value["S"], str) and value["S"]):
            raise bad_cursor()
        if key_fields[name] is not None and value["S"] != key_fields[name]:
            raise bad_cursor()
    return key


def read(results, start: dict | None) -> list:
    """The items of a PynamoDB query started at `start` (a decoded cursor): DynamoDB refuses a start
    key outside the query's range (a cursor from another filter or partition), which is 400
    `invalid_cursor`, not a failed request."""
    try:
        return list(results)
    except QueryError as exc:
        if start is not None and exc.cause_response_code == "ValidationException":
            raise bad_cursor()
        raise
