"""The office's edits of customer records: POST /customers and PATCH /customers/{id}.

Both validate every field at once (422 with the field list). A record's email and phone belong to
it alone: giving one that another customer has answers 409 `customer_exists` with that
customer's id (merge them instead). PATCH is conditional on `expected_version` (409 with
`current_version` when stale); the record and its search keys change in one transaction.
"""
from datetime import datetime

from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.customers import normalise, records
from chalicelib.data.customers import CustomerModel


def _phone(fields: Fields, name: str, required: bool = False) -> str | None:
    raw = fields.phone(name, required=required)
    if raw is None:
        return None
    try:
        return normalise.phone(raw)
    except normalise.NotAPhoneNumber as exc:
        fields.error(name, str(exc))
        return None


def _addresses(fields: Fields, body: dict) -> list | None:
    value = body.get("addresses")
    if value is None:
        return None
    if not isinstance(value, list):
        fields.error("addresses", "must be a list of addresses")
        return None
    if len(value) > records.MAX_ADDRESSES:
        fields.error("addresses", f"must hold at most {records.MAX_ADDRESSES} addresses")
        return None
    kept = []
    for i, raw in enumerate(value):
        one = Fields(raw, f"addresses.{i}.", fields.errors)
        street, city, postcode = one.text("street", 200), one.text("city", 100), one.text("postcode", 10)
        if postcode and not postcode.replace(" ", "").isalnum():
            one.error("postcode", "must be letters, digits and spaces")
        if street and city and postcode:
            kept = records.add_address(kept, {"street": street, "city": city, "postcode": postcode})
    return kept


def _boolean(fields: Fields, body: dict, name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        fields.error(name, "must be true or false")
        return None
    return value


def _taken_by_another(c: CustomerModel) -> Conflict:
    taken = records.owners(records.unique_keys(c))
    other = next((owner for owner in taken.values() if owner != c.customer_id), None)
    return Conflict("Another customer has this email or phone number; merge the two instead.",
                    {"customer_id": other}, code="customer_exists")


def create(body: dict, now: datetime) -> CustomerModel:
    """POST /customers: a name, an email or a phone, optionally addresses, notes, consent."""
    fields = Fields(body)
    name = fields.header_text("name", 120)
    email = fields.email("email", required=False)
    phone = _phone(fields, "phone")
    addresses = _addresses(fields, body)
    notes = fields.text("notes", 2000, required=False, multiline=True)
    consent = _boolean(fields, body, "marketing_consent")
    if not (email or phone) and not any(e["field"] in ("email", "phone") for e in fields.errors):
        fields.error("email", "an email or a phone number is required")
    fields.raise_if_errors()
    record = records.new_record(records.Contact(name, email, phone), None, now, "office",
                                notes=notes, marketing_consent=bool(consent))
    record.addresses = addresses or []
    try:
        records.write_new(record)
    except records.KeyTaken:
        raise _taken_by_another(record)
    return record


def update(customer_id: str, body: dict, now: datetime) -> CustomerModel:
    """PATCH /customers/{id}: the fields given change (`null` clears email, phone or notes);
    `addresses` replaces the list."""
    fields = Fields(body)
    expected = fields.integer("expected_version", minimum=1)
    changes: dict = {}
    if "name" in body:
        changes["name"] = fields.header_text("name", 120)
    if "email" in body:
        changes["email"] = fields.email("email", required=False)
    if "phone" in body:
        changes["phone"] = _phone(fields, "phone")
    if "notes" in body:
        changes["notes"] = fields.text("notes", 2000, required=False, multiline=True)
    if body.get("marketing_consent") is not None:
        changes["marketing_consent"] = _boolean(fields, body, "marketing_consent")
    if body.get("addresses") is not None:
        changes["addresses"] = _addresses(fields, body)
    fields.raise_if_errors()
    for _ in range(records.ATTEMPTS):
        record = records.load(customer_id)
        if record.erased_at is not None:
            raise Conflict("This customer's personal data was erased; it cannot be edited.", {"customer_id": customer_id})
        if expected != record.version:
            raise stale(record, expected)
        before = records.key_items(record)
        for name, value in changes.items():
            setattr(record, name, value)
        if not (record.email or record.phone):
            raise ValidationFailed("A customer needs an email or a phone number.",
                                   [{"field": "email", "message": "an email or a phone number is required"}])
        record.updated_at = now
        try:
            records.save_changed(before, record, expected, CustomerModel.merged_into.does_not_exist())
            return record
        except records.KeyTaken:
            current = records.get(customer_id)
            if current is None or current.version != expected or current.merged_into:
                continue  # someone else's edit (or a merge): the next round answers 409 or 404
            raise _taken_by_another(record)
    raise Conflict("This customer is being changed by others right now; try again.", {"customer_id": customer_id})


def stale(record: CustomerModel, expected: int) -> Conflict:
    return Conflict(f"The customer changed since you read it (version {record.version}, you sent {expected}).",
                    {"customer_id": record.customer_id, "current_version": int(record.version)})
