"""The data layer: PynamoDB models of every table and the indexes the code queries.

Every read in a request or job path goes through a key (get) or an index (query); nothing here
scans. The infrastructure template, the local system and the tests build their tables from these
definitions (`ALL_MODELS`).
"""
from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib import settings

# A constant partition for the listing indexes: a service business creates hundreds of orders a
# day, far below one partition's limits, and a single partition keeps "newest first" one query.
ORDER_LIST_PK = "ORDER"


class _Meta:
    billing_mode = "PAY_PER_REQUEST"


# --- staff -----------------------------------------------------------------------------------

class StaffByEmail(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-email"
        projection = AllProjection()

    email = UnicodeAttribute(hash_key=True)


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
    by_email = StaffByEmail()


# --- catalog: business settings and price list ------------------------------------------------

class CatalogModel(Model):
    """Business setup, one partition per kind: `settings`, `price_item`, later `service`."""

    class Meta(_Meta):
        table_name = settings.CATALOG_TABLE

    kind = UnicodeAttribute(hash_key=True)
    item_id = UnicodeAttribute(range_key=True)
    data = JSONAttribute()


# --- process map ------------------------------------------------------------------------------

class WorkflowModel(Model):
    """One published version of the process map. Versions are immutable once written."""

    class Meta(_Meta):
        table_name = settings.WORKFLOW_TABLE

    workflow_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    definition = JSONAttribute()
    published_at = UTCDateTimeAttribute()
    published_by = UnicodeAttribute()


# --- work orders ------------------------------------------------------------------------------

class Customer(MapAttribute):
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)


class Address(MapAttribute):
    street = UnicodeAttribute()
    city = UnicodeAttribute()
    postcode = UnicodeAttribute()


class LineItem(MapAttribute):
    item_id = UnicodeAttribute()
    description = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_price_cents = NumberAttribute()
    price_item_id = UnicodeAttribute(null=True)
    added_by = UnicodeAttribute()
    added_at = UTCDateTimeAttribute()


class Note(MapAttribute):
    note_id = UnicodeAttribute()
    text = UnicodeAttribute()
    author = UnicodeAttribute()
    at = UTCDateTimeAttribute()


class Move(MapAttribute):
    """One entry of an order's append-only history."""

    from_step = UnicodeAttribute(null=True)
    to_step = UnicodeAttribute()
    by = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    note = UnicodeAttribute(null=True)


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


class OrderModel(Model):
    """A work order. `version` guards every write (optimistic locking)."""

    class Meta(_Meta):
        table_name = settings.ORDERS_TABLE
        stream_view_type = "NEW_AND_OLD_IMAGES"

    order_id = UnicodeAttribute(hash_key=True)
    version = VersionAttribute()
    list_pk = UnicodeAttribute(default=ORDER_LIST_PK)
    workflow_id = UnicodeAttribute()
    workflow_version = NumberAttribute()
    step = UnicodeAttribute()
    step_entered_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    source = UnicodeAttribute()
    customer = Customer()
    address = Address()
    service_id = UnicodeAttribute(null=True)
    service_name = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    appointment_start = UTCDateTimeAttribute(null=True)
    appointment_end = UTCDateTimeAttribute(null=True)
    technician_id = UnicodeAttribute(null=True)
    line_items = ListAttribute(of=LineItem, default=list)
    notes = ListAttribute(of=Note, default=list)
    history = ListAttribute(of=Move, default=list)

    by_created = OrdersByCreated()
    by_appointment = OrdersByAppointment()
    by_step = OrdersByStep()
    by_technician = OrdersByTechnician()


# --- idempotency records (Powertools Idempotency persistence layer) ---------------------------

class IdempotencyModel(Model):
    """Table layout the Powertools DynamoDBPersistenceLayer expects (key `id`, TTL `expiration`)."""

    class Meta(_Meta):
        table_name = settings.IDEMPOTENCY_TABLE

    id = UnicodeAttribute(hash_key=True)


ALL_MODELS = (StaffModel, CatalogModel, WorkflowModel, OrderModel, IdempotencyModel)
