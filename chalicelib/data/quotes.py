"""The quotes table: what the business offers to do for a customer, at what price, until when.

One item per revision. A quote is numbered `Q-<year>-NNNNNN` (a gapless series, like invoices)
when its first revision is created; each later revision keeps the number and takes the next
letter (`A`, `B`, ...), and gets its own `quote_id` and its own customer link (`token`). Once a
later revision is sent, the earlier ones are `superseded` and can no longer be accepted.

Status: `draft` (editable) -> `sent` -> `accepted` | `declined` | `expired`; or `superseded`.
Every change is conditional on `version` (optimistic locking) and on the status it leaves, so a
double-clicked accept, an accept racing the office's edit, or two revisions sent at once give one
outcome. What the customer accepted (`accepted`: name, time, the optional lines they ticked, the
totals) is written once and never changed.

Indexes:
- `by-created`: every quote, newest first (`GET /quotes` without a status);
- `by-status`: a status's quotes, newest first (`GET /quotes?status=`);
- `by-order`: an order's quotes (the estimate's page, and its revisions);
- `by-follow-up` (sparse): quotes waiting for something to happen (a reminder, the expiry, or
  the estimate order still to move), by when to look next: the hourly follow-up job's list;
- `by-sent-month` (sparse): quotes by the UTC month they were sent: the evaluation's conversion
  figures read a period one month per Query.
"""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core import settings

DRAFT, SENT, ACCEPTED, DECLINED, EXPIRED, SUPERSEDED = "draft", "sent", "accepted", "declined", "expired", "superseded"
STATUSES = (DRAFT, SENT, ACCEPTED, DECLINED, EXPIRED, SUPERSEDED)
QUOTE_SERIES = "Q"  # SequenceModel series `Q-<year>`


LIST_PK = "QUOTE"  # the constant partition of `by-created` (as orders' listing index)


class QuotesByCreated(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-created"
        projection = AllProjection()

    list_pk = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class QuotesByStatus(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class QuotesByOrder(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-order"
        projection = AllProjection()

    order_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class QuotesByFollowUp(GlobalSecondaryIndex):
    """Sparse: only quotes with `follow_up` set (`open`), by `next_action_at`."""

    class Meta:
        index_name = "by-follow-up"
        projection = AllProjection()

    follow_up = UnicodeAttribute(hash_key=True)
    next_action_at = UTCDateTimeAttribute(range_key=True)


class QuotesBySentMonth(GlobalSecondaryIndex):
    """Sparse: only quotes that were sent, by the UTC month ("YYYY-MM") and time they were sent."""

    class Meta:
        index_name = "by-sent-month"
        projection = AllProjection()

    sent_month = UnicodeAttribute(hash_key=True)
    sent_at = UTCDateTimeAttribute(range_key=True)


class QuoteModel(Model):
    """One revision of a quote (see the module's docstring). Money is integer cents."""

    class Meta:
        table_name = settings.QUOTES_TABLE
        billing_mode = "PAY_PER_REQUEST"

    quote_id = UnicodeAttribute(hash_key=True)
    version = VersionAttribute()
    list_pk = UnicodeAttribute(default=LIST_PK)
    number = UnicodeAttribute()  # Q-2026-000001, shared by every revision
    revision = UnicodeAttribute()  # A, B, ...
    status = UnicodeAttribute()
    order_id = UnicodeAttribute()  # the order it was made on (usually an estimate)
    customer_id = UnicodeAttribute(null=True)
    customer = JSONAttribute()  # {"name", "email", "phone"} as on the order
    address = JSONAttribute()  # {"street", "city", "postcode"}: where the work is
    kind = UnicodeAttribute()  # the kind of work the job will be (e.g. installation)
    service_id = UnicodeAttribute(null=True)  # the job's service (its duration, for booking a time)
    title = UnicodeAttribute(null=True)
    # [{"line_id", "description", "quantity", "unit_price_cents", "price_item_id", "optional"}]
    lines = JSONAttribute(default=list)
    valid_until = UnicodeAttribute()  # the business's local date; the quote expires at its end
    notes = UnicodeAttribute(null=True)
    terms = UnicodeAttribute(null=True)
    deposit = JSONAttribute(null=True)  # {"percent_basis_points": 2500} or {"amount_cents": 10000}
    # Set when sent, so the quote keeps saying what it said: {"currency", "tax_name",
    # "rate_basis_points", "prices_include_tax", "locale", "timezone"}; a draft follows the settings.
    pricing = JSONAttribute(null=True)
    token = UnicodeAttribute()  # the customer's link secret (as strong as a manage token); never in staff views
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    sent_by = UnicodeAttribute(null=True)
    sent_month = UnicodeAttribute(null=True)
    delivery = JSONAttribute(null=True)  # the email: {"status": "sent"|"failed"|"no_email", "message_id", "at", "error"}
    reminders_sent = NumberAttribute(default=0)
    reminder_log = JSONAttribute(default=list)
    follow_up = UnicodeAttribute(null=True)
    next_action_at = UTCDateTimeAttribute(null=True)
    # Set once: {"name", "at", "optional_lines": [line ids], "lines": [...], "subtotal_cents",
    # "tax_cents", "total_cents", "deposit_cents", "start"}.
    accepted = JSONAttribute(null=True)
    declined = JSONAttribute(null=True)  # {"reason", "at"}
    expired_at = UTCDateTimeAttribute(null=True)
    superseded_by = UnicodeAttribute(null=True)  # the quote_id of the revision sent after it
    job_order_id = UnicodeAttribute(null=True)  # the order accepting created
    estimate_moved = UnicodeAttribute(null=True)  # the step the estimate order was moved to (won, lost)
    # The answer's confirmation email to the customer (quote_accepted), sent once:
    # {"status": "sending"|"sent"|"failed"|"no_email", "message_id", "at", "error"}.
    answer_email = JSONAttribute(null=True)

    by_created = QuotesByCreated()
    by_status = QuotesByStatus()
    by_order = QuotesByOrder()
    by_follow_up = QuotesByFollowUp()
    by_sent_month = QuotesBySentMonth()
