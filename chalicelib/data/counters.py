"""The counters table: small items the abuse limits on the public routes keep (chalicelib/limits/).

One table, one item per thing counted, each named by its `counter_id`:

- `rate:<kind>:<address>:<window>`: requests of one kind (`booking`, `availability`) from one
  client address in one fixed time window; `hits` only grows, by an atomic `ADD` conditional on
  the limit, so two requests racing for the last place cannot both pass.
- `contact:<email|phone>:<digest>`: the online bookings one customer contact holds (`entries`,
  order id -> appointment start), written in the same transaction as the booking and conditional
  on the `revision` read, so two simultaneous bookings by the same email cannot both take the
  last place.

Addresses and contacts are stored as keyed digests, never in the clear. `expires_at` (DynamoDB TTL)
lets DynamoDB delete an item once it can no longer matter; the code never relies on that deletion
(TTL runs late, and not at all locally): a window's key names its window, and a contact's entries
are checked against the orders themselves.
"""
from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core import settings


class CounterModel(Model):
    """A rate window or a contact's ledger of bookings (see the module's docstring)."""

    class Meta:
        table_name = settings.COUNTERS_TABLE
        billing_mode = "PAY_PER_REQUEST"

    counter_id = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(null=True)  # rate windows
    entries = JSONAttribute(null=True)  # contact ledgers: {order_id: ISO 8601 appointment start}
    revision = NumberAttribute(null=True)  # contact ledgers: bumped by every write
    expires_at = TTLAttribute(null=True)


def unchanged_since_read(item: CounterModel):
    """The condition for writing `item` back: nobody wrote it since it was read (its revision is
    the one read, or it still does not exist). The caller has already bumped `revision`."""
    read = int(item.revision or 0) - 1
    return CounterModel.revision == read if read > 0 else CounterModel.counter_id.does_not_exist()
