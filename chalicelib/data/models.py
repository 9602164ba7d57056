"""The data layer: PynamoDB models of every table and the indexes the code queries.

Every read in a request or job path goes through a key (get) or an index (query); nothing here
scans. The infrastructure template, the local system and the tests build their tables from these
definitions (`ALL_MODELS`).
"""
from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.core import settings
from chalicelib.data import entries
# The parts of an order are imported from here too, as before (data.attributes holds them).
from chalicelib.data.attributes import Address, Customer, EntryList, LineItem, Move, Note, Photo, Signature  # noqa: F401
from chalicelib.data.counters import CounterModel
from chalicelib.data.customers import CustomerKeyModel, CustomerModel, OrdersByCustomer
from chalicelib.data.entries import OrderEntryModel
from chalicelib.data.invoices import InvoiceModel, InvoicesByDue, InvoicesBySendStatus, SequenceModel  # noqa: F401
from chalicelib.data.quotes import QuoteModel
from chalicelib.data.review_actions import ReviewActionModel

# A constant partition for the listing indexes: a service business creates hundreds of orders a
# day, far below one partition's limits, and a single partition keeps "newest first" one query.
ORDER_LIST_PK = "ORDER"


class _Meta:
    billing_mode = "PAY_PER_REQUEST"


class StaffByEmail(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-email"
        projection = AllProjection()

    email = UnicodeAttribute(hash_key=True)


class StaffByRole(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-role"
        projection = AllProjection()

    role = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class StaffModel(Model):
    """A staff user: admin, dispatcher or technician. `user_id` is the Cognito username."""

    class Meta(_Meta):
        table_name = settings.STAFF_TABLE

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    active = BooleanAttribute(default=True)
    # Technicians: skills, service areas (postcode prefixes), weekly working hours, time off.
    profile = JSONAttribute(null=True)
    by_email = StaffByEmail()
    by_role = StaffByRole()


class CatalogModel(Model):
    """Business setup, one partition per kind: `settings`, `price_item`, later `service`."""

    class Meta(_Meta):
        table_name = settings.CATALOG_TABLE

    kind = UnicodeAttribute(hash_key=True)
    item_id = UnicodeAttribute(range_key=True)
    data = JSONAttribute()


class WorkflowModel(Model):
    """One published version of the process map. Versions are immutable once written; version 0
    is the head, a copy of the newest version with its number in `current_version`."""

    class Meta(_Meta):
        table_name = settings.WORKFLOW_TABLE

    workflow_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    definition = JSONAttribute()
    published_at = UTCDateTimeAttribute()
    published_by = UnicodeAttribute()
    current_version = NumberAttribute(null=True)


class OrdersByCreated(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-created"
        projection = AllProjection()

    list_pk = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OrdersByAppointment(GlobalSecondaryIndex):
    """Sparse: only orders with an appointment."""

    class Meta:
        index_name = "by-appointment"
        projection = AllProjection()

    list_pk = UnicodeAttribute(hash_key=True)
    appointment_start = UTCDateTimeAttribute(range_key=True)


class OrdersByStep(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-step"
        projection = AllProjection()

    step = UnicodeAttribute(hash_key=True)
    step_entered_at = UTCDateTimeAttribute(range_key=True)


class OrdersByTechnician(GlobalSecondaryIndex):
    """Sparse: only assigned orders with an appointment; a technician's calendar."""

    class Meta:
        index_name = "by-technician"
        projection = AllProjection()

    technician_id = UnicodeAttribute(hash_key=True)
    appointment_start = UTCDateTimeAttribute(range_key=True)


class OrdersByOpenStep(GlobalSecondaryIndex):
    """Sparse: only open orders (step not an end step) in a step with an SLA, by when the SLA
    runs out: the daily review's "past SLA" list reads only what is due, never closed orders."""

    class Meta:
        index_name = "by-open-step"
        projection = AllProjection()

    open_step = UnicodeAttribute(hash_key=True)
    sla_due_at = UTCDateTimeAttribute(range_key=True)


class OrdersByClosedMonth(GlobalSecondaryIndex):
    """Sparse: only closed orders (in an end step), by the UTC month they closed and when: the
    process evaluation reads a period's closed orders one month per Query."""

    class Meta:
        index_name = "by-closed-month"
        projection = AllProjection()

    closed_month = UnicodeAttribute(hash_key=True)
    step_entered_at = UTCDateTimeAttribute(range_key=True)


class OrderModel(Model):
    """A work order. `version` guards every write (optimistic locking).

    The item stays small and bounded: its history, notes and photos are entries beside it
    (`data.entries`), here as lists that are read with it and written with it (`EntryList`);
    the counts say how many there are (an item of the old layout holds them inline instead:
    `from_raw_data`). Its line items (at most `items.MAX_LINE_ITEMS`) stay on it: the exit
    conditions and the invoice read them with the order."""

    class Meta(_Meta):
        table_name = settings.ORDERS_TABLE
        stream_view_type = "NEW_AND_OLD_IMAGES"

    order_id = UnicodeAttribute(hash_key=True)
    version = VersionAttribute()
    list_pk = UnicodeAttribute(default=ORDER_LIST_PK)
    workflow_id = UnicodeAttribute()  # the process map it follows (its kind of work's)
    workflow_version = NumberAttribute()
    # The kind of work (estimate, installation, repair...); None on orders stored before kinds
    # existed, which are of the legacy kind (workflow.kinds).
    kind = UnicodeAttribute(null=True)
    step = UnicodeAttribute()
    step_entered_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    source = UnicodeAttribute()
    customer = Customer()  # the contact details as they were given for this order (kept for history)
    customer_id = UnicodeAttribute(null=True)  # the customer record (chalicelib/customers)
    address = Address()
    service_id = UnicodeAttribute(null=True)
    service_name = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    appointment_start = UTCDateTimeAttribute(null=True)
    appointment_end = UTCDateTimeAttribute(null=True)
    technician_id = UnicodeAttribute(null=True)
    # The customer's self-service link carries this secret; never shown in staff views.
    manage_token = UnicodeAttribute(null=True)
    # Set when the order came with an Idempotency-Key (the order id is derived from it).
    booking_key_hash = UnicodeAttribute(null=True)
    line_items = ListAttribute(of=LineItem, default=list)
    # A job created by accepting a quote: the quote, and the estimate order it was quoted on.
    quote_id = UnicodeAttribute(null=True)
    estimate_order_id = UnicodeAttribute(null=True)
    # The quote's deposit, for a job whose quote had one: {"quote_id", "amount_cents" (with tax),
    # "invoice_id", "number"} (the last two once the deposit invoice is issued); the final
    # invoice deducts it.
    deposit = JSONAttribute(null=True)
    signature = Signature(null=True)
    history_count = NumberAttribute(default=0)
    notes_count = NumberAttribute(default=0)
    photos_count = NumberAttribute(default=0)
    # Kept by orders.track_step whenever `step` changes, for the review indexes: `open_step` and
    # `sla_due_at` while the step is not an end step (`sla_due_at` only when it has an SLA),
    # `closed_month` ("YYYY-MM", UTC) once it is.
    open_step = UnicodeAttribute(null=True)
    sla_due_at = UTCDateTimeAttribute(null=True)
    closed_month = UnicodeAttribute(null=True)

    # Not attributes of the item: the entries beside it.
    history = EntryList("history_count")
    notes = EntryList("notes_count")
    photos = EntryList("photos_count")

    by_created = OrdersByCreated()
    by_appointment = OrdersByAppointment()
    by_step = OrdersByStep()
    by_technician = OrdersByTechnician()
    by_open_step = OrdersByOpenStep()
    by_closed_month = OrdersByClosedMonth()
    by_customer = OrdersByCustomer()

    def __init__(self, hash_key=None, range_key=None, _user_instantiated=True, **attributes):
        lists = {name: attributes.pop(name) for name in ("history", "notes", "photos") if name in attributes}
        super().__init__(hash_key, range_key, _user_instantiated=_user_instantiated, **attributes)
        for name, value in lists.items():
            setattr(self, name, value)

    @classmethod
    def from_raw_data(cls, data):
        """Every read (get, query, batch_get, a stream image) comes through here. An item stored
        before order entries holds its history, notes and photos inline: the order holds them as
        stored entries (with their counts), and its next write moves them beside it."""
        rest, inline = entries.take_inline(data) if data else (data, {})
        order = super().from_raw_data(rest)
        entries.hold_inline(order, inline)
        return order

    def save(self, condition=None, *, add_version_condition=True):
        """Save the item and, in the same transaction, the entries added since it was read (and
        those an item of the old layout held inline)."""
        order: OrderModel = self
        new = entries.new_items(order)
        if not new:
            answer = super().save(condition, add_version_condition=add_version_condition)
        else:
            with TransactWrite(connection=Connection(region=settings.region())) as tx:
                tx.save(order, condition=condition)
                for item in new:
                    tx.save(item)
            answer = {}
        entries.saved(order)
        return answer


class CalendarDayModel(Model):
    """One technician's booked time on one local date.

    `appointments` holds {"order_id", "start", "end", "blocked_until"} (UTC ISO): the job and,
    until `blocked_until`, its buffer and travel time. Every change is conditional on `version`
    and written in the same transaction as the order, so two bookings can never both take the
    same time.
    """

    class Meta(_Meta):
        table_name = settings.CALENDAR_TABLE

    technician_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    version = VersionAttribute()
    appointments = JSONAttribute(default=list)
    booked_minutes = NumberAttribute(default=0)


class IdempotencyModel(Model):
    """Table layout the Powertools DynamoDBPersistenceLayer expects (key `id`, TTL `expiration`).
    The API's Idempotency-Key records live here too (`data.request_keys`): the route, caller and
    body hash a key is bound to, and the answer it got (zlib-compressed JSON)."""

    class Meta(_Meta):
        table_name = settings.IDEMPOTENCY_TABLE

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)  # epoch seconds; DynamoDB TTL
    route = UnicodeAttribute(null=True)
    caller = UnicodeAttribute(null=True)
    fingerprint = UnicodeAttribute(null=True)
    answer_status = NumberAttribute(null=True)
    answer = BinaryAttribute(null=True, legacy_encoding=False)


class ReviewModel(Model):
    """One review run: the daily check or a weekly, monthly or quarterly evaluation of one
    period, kept so the review itself can be audited. `date` is the period's first local day.
    A run claims the item (`status` = `running`, its `run_id`) before it does anything, so a
    period is reviewed once; `told` records each digest: to whom, what, when."""

    class Meta(_Meta):
        table_name = settings.REVIEWS_TABLE

    period = UnicodeAttribute(hash_key=True)
    date = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # running | done
    run_id = UnicodeAttribute()
    trigger = UnicodeAttribute()  # `schedule` or the admin's user id
    claimed_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    report = JSONAttribute(null=True)
    told = JSONAttribute(default=list)
    files = JSONAttribute(null=True)
    # Who opened it (reviews.accountability.mark_read): the first reader, when, and everyone who did.
    read_by = UnicodeAttribute(null=True)
    read_at = UTCDateTimeAttribute(null=True)
    readers = UnicodeSetAttribute(null=True)


# Every table, for the infrastructure template, the local system and batch_get.
ALL_MODELS = (
    StaffModel, CatalogModel, WorkflowModel, OrderModel, OrderEntryModel, CalendarDayModel, IdempotencyModel,
    InvoiceModel, SequenceModel, ReviewModel,
    CounterModel,  # the abuse limits' counters (chalicelib/data/counters.py)
    CustomerModel, CustomerKeyModel,  # customer records and their search keys (chalicelib/data/customers.py)
    ReviewActionModel,  # acknowledgements and snoozes of review items (chalicelib/data/review_actions.py)
    QuoteModel,  # quotes and their revisions (chalicelib/data/quotes.py)
)
