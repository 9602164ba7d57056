"""The customers tables: customer records and the search keys that find them.

`CustomerModel` is one person or company the business works for, one item per customer. Its
`version` is moved only by people's edits (PATCH, merge, erase), always conditionally; the
counters (`orders_count`, `last_order_at`) move in the transaction that creates an order and
leave it alone, so a booking never makes someone's edit stale.

`CustomerKeyModel` holds the keys search and intake find customers by, each an item pointing to
one customer (`lookup` partition, `sort` within it):

- `email#<lower-cased address>` / `=` and `phone#<E.164>` / `=`: one customer per email and per
  phone, written only if absent (or already this customer's), so two simultaneous bookings by the
  same new person create one customer;
- `postcode#<BS65AB>` / `<customer_id>`: every customer with an address there;
- `name#<first two letters>` / `<normalised name from a word on>#<customer_id>`: name prefixes,
  one item per word of the name (so "smi" finds "Jo Smith"), read with `begins_with`.
"""
from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core import settings

UNIQUE_SORT = "="  # the sort key of an email or phone key: at most one customer each


class OrdersByCustomer(GlobalSecondaryIndex):
    """On the orders table (`OrderModel.by_customer`), sparse: only orders linked to a customer
    record; a customer's orders, newest first."""

    class Meta:
        index_name = "by-customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class CustomerModel(Model):
    """A customer record (see the module's docstring)."""

    class Meta:
        table_name = settings.CUSTOMERS_TABLE
        billing_mode = "PAY_PER_REQUEST"

    customer_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(default=1)  # edits only; conditional on the value read
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)  # lower-cased
    phone = UnicodeAttribute(null=True)  # E.164
    # [{"street", "city", "postcode"}], the properties worked at; at most records.MAX_ADDRESSES.
    addresses = JSONAttribute(default=list)
    # Other emails and phones that find this customer (a merged duplicate's): [{"kind", "value"}].
    aliases = JSONAttribute(default=list)
    notes = UnicodeAttribute(null=True)
    marketing_consent = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    created_from = UnicodeAttribute(null=True)  # web | phone | office | migration
    orders_count = NumberAttribute(default=0)
    last_order_at = UTCDateTimeAttribute(null=True)
    merged_into = UnicodeAttribute(null=True)  # set on a duplicate merged into another customer
    merged_from = JSONAttribute(default=list)  # the duplicates merged into this one (erasure wipes them too)
    merged_at = UTCDateTimeAttribute(null=True)
    erased_at = UTCDateTimeAttribute(null=True)  # personal data erased (GDPR)


class CustomerKeyModel(Model):
    """A search key pointing to a customer (see the module's docstring)."""

    class Meta:
        table_name = settings.CUSTOMER_KEYS_TABLE
        billing_mode = "PAY_PER_REQUEST"

    lookup = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute()
