"""Configuration read from the environment.

Table names are read at import (PynamoDB model metadata needs them); everything else is read
when used, so the local system and the tests can create the Cognito pool after import.
"""
import hashlib
import os

STAGE = os.environ.get("APP_STAGE", "dev")


def _name(var: str, suffix: str) -> str:
    return os.environ.get(var, f"workorders-{STAGE}-{suffix}")


ORDERS_TABLE = _name("ORDERS_TABLE", "orders")
ORDER_ENTRIES_TABLE = _name("ORDER_ENTRIES_TABLE", "order-entries")  # history, notes, photos (data/entries.py)
WORKFLOW_TABLE = _name("WORKFLOW_TABLE", "workflow")
STAFF_TABLE = _name("STAFF_TABLE", "staff")
CATALOG_TABLE = _name("CATALOG_TABLE", "catalog")
IDEMPOTENCY_TABLE = _name("IDEMPOTENCY_TABLE", "idempotency")
CALENDAR_TABLE = _name("CALENDAR_TABLE", "calendar")
INVOICES_TABLE = _name("INVOICES_TABLE", "invoices")
SEQUENCES_TABLE = _name("SEQUENCES_TABLE", "sequences")
REVIEWS_TABLE = _name("REVIEWS_TABLE", "reviews")
COUNTERS_TABLE = _name("COUNTERS_TABLE", "counters")
CUSTOMERS_TABLE = _name("CUSTOMERS_TABLE", "customers")  # customer records (data/customers.py)
CUSTOMER_KEYS_TABLE = _name("CUSTOMER_KEYS_TABLE", "customer-keys")  # their search keys
REVIEW_ACTIONS_TABLE = _name("REVIEW_ACTIONS_TABLE", "review-actions")  # acknowledgements, snoozes (data/review_actions.py)
QUOTES_TABLE = _name("QUOTES_TABLE", "quotes")  # quotes and their revisions (data/quotes.py)

# Request bodies larger than this are refused with 413 before they are parsed.
MAX_BODY_BYTES = 64 * 1024
# Photos technicians upload (S3 presigned POST) and the signature PNG.
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_SIGNATURE_BYTES = 200 * 1024
# Largest page GET /orders returns, whatever `limit` asks for.
ORDERS_PAGE_CAP = 100


def env(var: str, default: str | None = None) -> str:
    value = os.environ.get(var, default)
    if value is None:
        raise RuntimeError(f"environment variable {var} is not set")
    return value


def region() -> str:
    return os.environ.get("AWS_REGION") or env("AWS_DEFAULT_REGION", "us-east-1")


def user_pool_id() -> str:
    return env("COGNITO_USER_POOL_ID")


def user_pool_client_id() -> str:
    return env("COGNITO_CLIENT_ID")


def files_bucket() -> str:
    return env("FILES_BUCKET", f"workorders-{STAGE}-files")


def reports_bucket() -> str:
    """Where review reports go (`reports/<period>/<date>.json|csv`): REPORTS_BUCKET, else the
    files bucket."""
    return os.environ.get("REPORTS_BUCKET") or files_bucket()


def sender_email() -> str:
    return env("SENDER_EMAIL", "office@example.com")


def public_base_url() -> str:
    """Where links in emails point (the office app and the booking pages)."""
    return env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


# --- abuse limits on the public booking routes (chalicelib/limits/) -------------------------------
# Each is a whole number from the environment; 0 switches that limit off.

def _count(var: str, default: int) -> int:
    value = env(var, str(default)).strip()
    if not value.isdigit():
        raise RuntimeError(f"environment variable {var} must be a whole number, not {value!r}")
    return int(value)


def bookings_per_contact() -> int:
    """Upcoming online bookings one email address, and one phone number, may hold at once."""
    return _count("BOOKINGS_PER_CONTACT", 3)


def bookings_per_address() -> tuple[int, int]:
    """(bookings, window in seconds) one client address may send."""
    return _count("BOOKINGS_PER_ADDRESS", 10), max(1, _count("BOOKINGS_WINDOW_SECONDS", 3600))


def availability_per_address() -> tuple[int, int]:
    """(availability requests, window in seconds) one client address may send."""
    return _count("AVAILABILITY_PER_ADDRESS", 120), max(1, _count("AVAILABILITY_WINDOW_SECONDS", 60))


def form_min_seconds() -> int:
    """How long the booking form must have been open before it is sent (people need longer)."""
    return _count("FORM_MIN_SECONDS", 3)


def form_token_max_age_seconds() -> int:
    """How long a booking form's token stays valid; the form fetches a fresh one as it is used."""
    return max(60, _count("FORM_TOKEN_MAX_AGE_SECONDS", 4 * 3600))


def limits_secret() -> bytes:
    """The key that signs booking form tokens and that the CloudFront distribution sends to prove
    a request came through it (LIMITS_SECRET, a generated secret in the cloud). Without it (the
    local system, tests) a key is derived from this installation's table names: stable across
    restarts and processes, but not secret, so the cloud template always sets it."""
    value = os.environ.get("LIMITS_SECRET")
    if value:
        return value.encode()
    seed = "|".join(("workorders-limits", STAGE, ORDERS_TABLE, COUNTERS_TABLE))
    return hashlib.sha256(seed.encode()).hexdigest().encode()
