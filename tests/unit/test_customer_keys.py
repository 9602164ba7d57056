"""The search keys a customer record is found by, and how its properties are kept
(chalicelib/customers/records.py): pure, nothing is read or written."""
from datetime import datetime, timezone

from chalicelib.customers import records

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def record(**changes):
    c = records.new_record(records.Contact("Jo van Dyke", "jo@example.net", "+447700900111"),
                           {"street": "7 Orchard Lane", "city": "Bristol", "postcode": "bs6 5ab"}, NOW, "web")
    for name, value in changes.items():
        setattr(c, name, value)
    return c


def keys(c):
    return sorted((k.lookup, k.sort.replace(c.customer_id, "<id>")) for k in records.key_items(c))


def test_a_record_is_found_by_its_email_phone_postcode_and_each_word_of_its_name():
    c = record()
    assert keys(c) == [
        ("email#jo@example.net", "="),
        ("name#dy", "dyke#<id>"),
        ("name#jo", "jo van dyke#<id>"),
        ("name#va", "van dyke#<id>"),
        ("phone#+447700900111", "="),
        ("postcode#BS65AB", "<id>"),
    ]
    assert all(k.customer_id == c.customer_id for k in records.key_items(c))


def test_aliases_find_it_too_and_an_erased_record_has_no_keys_at_all():
    c = record(aliases=[{"kind": "email", "value": "jo.work@example.net"}, {"kind": "phone", "value": "+441174960000"}])
    assert records.unique_keys(c) == ["email#jo@example.net", "phone#+447700900111", "email#jo.work@example.net",
                                      "phone#+441174960000"]
    assert records.key_items(record(erased_at=NOW)) == []


def test_a_booking_contact_is_normalised_and_a_phone_that_cannot_be_dialled_is_left_out():
    contact = records.contact_of({"name": "Jo", "email": " JO@Example.NET", "phone": "07700 900111"})
    assert (contact.email, contact.phone) == ("jo@example.net", "+447700900111")
    assert records.contact_of({"name": "Jo", "email": None, "phone": "call me"}).phone is None


def test_a_known_property_moves_last_and_only_the_newest_twenty_are_kept():
    one = {"street": "7 Orchard Lane", "city": "Bristol", "postcode": "BS6 5AB"}
    two = {"street": "2 Mill Road", "city": "Bath", "postcode": "BA1 2QT"}
    assert records.add_address([one, two], {**one, "street": "7 orchard lane", "postcode": "bs65ab"})[0] == two
    many = [{"street": f"{i} High St", "city": "Bath", "postcode": "BA1 1AA"} for i in range(25)]
    kept = []
    for address in many:
        kept = records.add_address(kept, address)
    assert len(kept) == records.MAX_ADDRESSES and kept[-1] == many[-1] and kept[0] == many[5]
