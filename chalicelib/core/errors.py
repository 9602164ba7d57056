"""Domain errors: capability modules raise these; the HTTP edge (`routes.edge`) turns them into the
JSON error shape `{"error": {"code", "message", "details"}}` with the right status."""
from typing import Any


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, details: Any = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code


class BadRequest(DomainError):
    code, status = "bad_request", 400


class Unauthorized(DomainError):
    code, status = "unauthorized", 401


class Forbidden(DomainError):
    code, status = "forbidden", 403


class NotFound(DomainError):
    code, status = "not_found", 404


class Conflict(DomainError):
    code, status = "conflict", 409


class PayloadTooLarge(DomainError):
    code, status = "payload_too_large", 413


class TooManyRequests(DomainError):
    """Over a limit (a rate per client address, bookings per customer, a form sent too fast).
    `retry_after` is the number of seconds after which the same request may succeed: the edge
    sends it as the `Retry-After` header and in `details`."""
    code, status = "too_many_requests", 429

    def __init__(self, message: str, retry_after: int, details: Any = None, code: str | None = None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, {**(details or {}), "retry_after": self.retry_after}, code)


class ValidationFailed(DomainError):
    """One or more fields are wrong; details lists each as {"field", "message"}."""
    code, status = "validation_failed", 422


class MoveNotAllowed(DomainError):
    code, status = "move_not_allowed", 422


class ConditionsUnmet(DomainError):
    code, status = "exit_conditions_unmet", 422


def error_body(code: str, message: str, details: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}
