"""Customer records: finding the customer of a booking or a call (or creating one), and their
search keys.

A new customer is written in one transaction with its keys, the email and phone keys only if
absent: of two bookings by the same new person at the same moment one creates the customer, the
other's transaction is refused and its next attempt finds the winner. Each order counts on its
customer (`count_order`) in the transaction that creates the order.
"""
from dataclasses import dataclass
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import ids, settings, times
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.customers import normalise
from chalicelib.data.customers import UNIQUE_SORT, CustomerKeyModel, CustomerModel

ATTEMPTS = 6
MAX_ADDRESSES = 20  # a landlord's or agent's properties; the oldest go first beyond this
MERGE_HOPS = 5  # a merged customer's pointer is followed this many times at most


class KeyTaken(Exception):
    """A customer write was refused: an email or phone key (or the record) changed meanwhile."""


class MergedCustomer(NotFound):
    """A customer merged into another: 404 with where it went (`merged_into`)."""
    code = "customer_merged"


def connection() -> Connection:
    return Connection(region=settings.region())


def refused(exc: TransactWriteError) -> bool:
    """The transaction was cancelled by a condition (or a concurrent transaction)."""
    reasons = exc.cancellation_reasons if exc.cause_response_code == "TransactionCanceledException" else []
    return any(r is not None and r.code in ("ConditionalCheckFailed", "TransactionConflict") for r in reasons or [])


# --- contacts and keys ---------------------------------------------------------------------------

@dataclass
class Contact:
    name: str | None
    email: str | None  # lower-cased
    phone: str | None  # E.164


def contact_of(customer: dict) -> Contact:
    """A booking's or a call's customer (already validated), normalised."""
    return Contact(customer.get("name"), normalise.email(customer.get("email")),
                   normalise.phone_or_none(customer.get("phone")))


def email_key(value: str) -> str:
    return "email#" + value


def phone_key(value: str) -> str:
    return "phone#" + value


def unique_keys(c: CustomerModel) -> list[str]:
    """The email and phone keys that belong to this customer alone (its own and its aliases')."""
    keys = [email_key(c.email)] if c.email else []
    keys += [phone_key(c.phone)] if c.phone else []
    for alias in c.aliases or []:
        keys.append(email_key(alias["value"]) if alias["kind"] == "email" else phone_key(alias["value"]))
    return list(dict.fromkeys(keys))


def key_items(c: CustomerModel) -> list[CustomerKeyModel]:
    """Every search key of the record: email, phone, aliases, name prefixes, postcodes (none
    once its personal data is erased)."""
    if c.erased_at is not None:
        return []
    items = [CustomerKeyModel(k, UNIQUE_SORT, customer_id=c.customer_id) for k in unique_keys(c)]
    for suffix in normalise.name_suffixes(c.name):
        items.append(CustomerKeyModel("name#" + suffix[:2], f"{suffix}#{c.customer_id}", customer_id=c.customer_id))
    postcodes = dict.fromkeys(normalise.postcode(a.get("postcode")) for a in c.addresses or [])
    items += [CustomerKeyModel("postcode#" + p, c.customer_id, customer_id=c.customer_id) for p in postcodes if p]
    return items


def unique_condition(item: CustomerKeyModel, take_from: str | None = None):
    """An email or phone key is written only when absent or already this customer's (or, in a
    merge, the duplicate's, `take_from`)."""
    condition = CustomerKeyModel.lookup.does_not_exist() | (CustomerKeyModel.customer_id == item.customer_id)
    if take_from:
        condition |= CustomerKeyModel.customer_id == take_from
    return condition


# --- reading ---------------------------------------------------------------------------------

def get(customer_id: str) -> CustomerModel | None:
    if not customer_id or len(customer_id) > 64:  # no id is longer (and DynamoDB refuses huge keys)
        return None
    try:
        return CustomerModel.get(customer_id, consistent_read=True)
    except CustomerModel.DoesNotExist:
        return None


def live(customer_id: str) -> CustomerModel | None:
    """The customer, following merge pointers to the one that holds it now."""
    customer = get(customer_id)
    for _ in range(MERGE_HOPS):
        if customer is None or not customer.merged_into:
            return customer
        customer = get(customer.merged_into)
    return None


def load(customer_id: str) -> CustomerModel:
    """GET /customers/{id}: 404, or 404 `customer_merged` with `merged_into` for a duplicate."""
    customer = get(customer_id)
    if customer is None:
        raise NotFound(f"No customer '{customer_id}'.")
    if customer.merged_into:
        raise MergedCustomer(f"Customer '{customer_id}' was merged into '{customer.merged_into}'.",
                             {"customer_id": customer_id, "merged_into": customer.merged_into})
    return customer


def owners(keys: list[str]) -> dict[str, str]:
    """{key: customer id} for those of the email or phone keys that exist (one BatchGetItem)."""
    if not keys:
        return {}
    found = CustomerKeyModel.batch_get([(k, UNIQUE_SORT) for k in keys], consistent_read=True)
    return {item.lookup: item.customer_id for item in found}


# --- finding or creating the customer of a booking ------------------------------------------------

def _address(address: dict | None) -> dict | None:
    if not address or not address.get("street"):
        return None
    return {"street": address["street"], "city": address.get("city"), "postcode": address.get("postcode")}


def add_address(addresses: list, address: dict | None) -> list:
    """The addresses with `address` last (moved there if known); at most MAX_ADDRESSES."""
    if address is None:
        return list(addresses)
    key = normalise.address_key(address)
    kept = [a for a in addresses if normalise.address_key(a) != key]
    return (kept + [address])[-MAX_ADDRESSES:]


def new_record(contact: Contact, address: dict | None, now: datetime, source: str, **extra) -> CustomerModel:
    return CustomerModel(
        ids.new_id("C-"), version=1, name=contact.name or "", email=contact.email, phone=contact.phone,
        addresses=[a for a in [_address(address)] if a], aliases=[], created_at=now, updated_at=now,
        created_from=source, orders_count=0, **extra,
    )


def write_new(record: CustomerModel) -> None:
    """The record and its keys in one transaction; KeyTaken when its email or phone is taken."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(record, condition=CustomerModel.customer_id.does_not_exist())
            for item in key_items(record):
                tx.save(item, condition=unique_condition(item) if item.sort == UNIQUE_SORT else None)
    except TransactWriteError as exc:
        if refused(exc):
            raise KeyTaken() from exc
        raise


def save_changed(old_items: list[CustomerKeyModel], record: CustomerModel, read_version: int,
                 extra_condition=None, take_from: str | None = None) -> None:
    """Write an edited record (its version one more, conditional on `read_version`) with its keys:
    keys it no longer has are deleted, new ones put (email and phone only if free). KeyTaken when
    a condition failed."""
    old = {(i.lookup, i.sort): i for i in old_items}
    new = {(i.lookup, i.sort): i for i in key_items(record)}
    condition = CustomerModel.version == read_version
    if extra_condition is not None:
        condition &= extra_condition
    gone: list[CustomerKeyModel] = [item for key, item in old.items() if key not in new]
    added: list[CustomerKeyModel] = [item for key, item in new.items() if key not in old]
    record.version = read_version + 1
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(record, condition=condition)
            for item in gone:
                tx.delete(item, condition=CustomerKeyModel.customer_id == record.customer_id)
            for item in added:
                tx.save(item, condition=unique_condition(item, take_from) if item.sort == UNIQUE_SORT else None)
    except TransactWriteError as exc:
        record.version = read_version
        if refused(exc):
            raise KeyTaken() from exc
        raise


def _learn(found: CustomerModel, contact: Contact, address: dict | None, taken: dict, now: datetime) -> bool:
    """What a booking teaches about a customer it found: a new property, and an email or phone the
    record lacked (when no other customer has it). Returns whether anything changed."""
    changed = False
    address = _address(address)
    if address and (not found.addresses or normalise.address_key(found.addresses[-1]) != normalise.address_key(address)):
        found.addresses = add_address(found.addresses or [], address)
        changed = True
    if contact.email and not found.email and email_key(contact.email) not in taken:
        found.email, changed = contact.email, True
    if contact.phone and not found.phone and phone_key(contact.phone) not in taken:
        found.phone, changed = contact.phone, True
    if changed:
        found.updated_at = now
    return changed


def find_or_create(customer: dict, address: dict | None, now: datetime, source: str) -> CustomerModel:
    """The customer a booking or a call is from: the one with its email (any case) or, failing
    that, its phone (any formatting), or a new one. The address joins the customer's properties."""
    contact = contact_of(customer)
    keys = ([email_key(contact.email)] if contact.email else []) + ([phone_key(contact.phone)] if contact.phone else [])
    for _ in range(ATTEMPTS):
        taken = owners(keys)
        owner_id = next((taken[k] for k in keys if k in taken), None)
        found = live(owner_id) if owner_id else None
        if found is not None and found.erased_at is None:
            before = key_items(found)
            read_version = int(found.version)
            if not _learn(found, contact, address, taken, now):
                return found
            try:
                save_changed(before, found, read_version)
                return found
            except KeyTaken:
                continue
        record = new_record(contact, address, now, source)
        try:
            write_new(record)
            return record
        except KeyTaken:
            continue
    raise Conflict("This customer's record is being changed by others right now; try again.")


def count_order(tx: TransactWrite, customer_id: str, at: datetime) -> None:
    """In the transaction that creates an order: the customer has one order more, its newest.
    Refused (the whole transaction) if the customer does not exist."""
    tx.update(CustomerModel(customer_id),
              actions=[CustomerModel.orders_count.add(1), CustomerModel.last_order_at.set(at)],
              condition=CustomerModel.customer_id.exists())


# --- views -----------------------------------------------------------------------------------

def summary(c: CustomerModel) -> dict:
    """A customer as search lists it."""
    return {
        "customer_id": c.customer_id, "name": c.name, "email": c.email, "phone": c.phone,
        "addresses": list(c.addresses or []), "orders_count": int(c.orders_count or 0),
        "last_order_at": times.iso(c.last_order_at) if c.last_order_at else None,
    }


def view(c: CustomerModel) -> dict:
    """The whole record."""
    return {
        **summary(c),
        "version": int(c.version),
        "aliases": list(c.aliases or []),
        "notes": c.notes,
        "marketing_consent": bool(c.marketing_consent),
        "created_at": times.iso(c.created_at),
        "updated_at": times.iso(c.updated_at),
        "created_from": c.created_from,
        "erased_at": times.iso(c.erased_at) if c.erased_at else None,
    }
