"""A work order's item stays small and bounded: its history, notes and photos are entries beside it
(chalicelib/data/entries.py), held on the order as append-only lists (`EntryList`) and written with
its next write; what people add has a budget (chalicelib/data/items.py). An item stored before order
entries holds them inline: it shows them, counts them, and its next write moves them beside it. Pure:
nothing is read or written here."""
from datetime import datetime, timedelta, timezone

import pytest
from pynamodb.attributes import ListAttribute

from chalicelib.core.errors import ValidationFailed
from chalicelib.data import entries, items
from chalicelib.data.models import Address, Customer, LineItem, Move, Note, OrderModel, Photo, Signature

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
WIDE = "\U0001F600"  # four bytes in UTF-8: the heaviest character a field can hold


def dynamodb_size(value) -> int:
    """DynamoDB's size of a serialized attribute value (numbers counted generously)."""
    (kind, data), = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return len(data) + 1
    if kind == "B":
        return len(data)
    if kind in ("NULL", "BOOL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + dynamodb_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + dynamodb_size(v) for k, v in data.items())
    raise AssertionError(kind)


def item_size(model) -> int:
    return sum(len(name.encode()) + dynamodb_size(value) for name, value in model.serialize().items())


def order(**fields) -> OrderModel:
    """An order as read from its item (version 1), without its entries."""
    base = dict(
        workflow_id="default", workflow_version=1, step="scheduled", step_entered_at=NOW,
        created_at=NOW, updated_at=NOW, created_by="dispatcher-1", source="phone",
        customer=Customer(name="Jo Bloggs", email="jo@example.net", phone=None),
        address=Address(street="1 High St", city="Bristol", postcode="BS1 1AA"),
    )
    o = OrderModel("WO-TEST", **{**base, **fields})
    o.version = 1
    return o


def move(i: int) -> Move:
    return Move(from_step="scheduled", to_step="on_hold", by="tech-1", at=NOW + timedelta(minutes=i), note=WIDE * 1000)


def full_order() -> OrderModel:
    """Every field of the item at its longest, in four-byte characters, and the line items at their budget."""
    o = order(
        customer=Customer(name=WIDE * 120, email="a" * 64 + "@" + "b" * 180 + ".example", phone="+" + "1" * 23),
        address=Address(street=WIDE * 200, city=WIDE * 100, postcode="A" * 10),
        service_id="s" * 64, service_name=WIDE * 120, description=WIDE * 2000, technician_id="t" * 64,
        appointment_start=NOW, appointment_end=NOW, manage_token="m" * 43, booking_key_hash="f" * 64,
        signature=Signature(signature_id="S-" + "X" * 12, s3_key="orders/WO-TEST/signature/S-XXXXXXXXXXXX.png",
                            signed_by=WIDE * 120, captured_by="t" * 64, at=NOW),
        open_step="scheduled", sla_due_at=NOW,
    )
    o.line_items = [LineItem(item_id=f"LI-{i:012d}", description=WIDE * 200, quantity=10000, unit_price_cents=100_000_000,
                             price_item_id="p" * 64, added_by="t" * 64, added_at=NOW) for i in range(items.MAX_LINE_ITEMS)]
    return o


# --- the item's size ------------------------------------------------------------------------------

def test_an_order_at_every_limit_stays_under_its_item_budget_far_below_dynamodbs_limit():
    size = item_size(full_order())
    assert size < items.ORDER_ITEM_BUDGET < 400 * 1024, size


def test_moves_notes_and_photos_do_not_grow_the_orders_item():
    # Given an order at its limits
    o = full_order()
    before = item_size(o)
    # When a thousand moves with the longest notes, every note and every photo are added
    o.history = o.history + [move(i) for i in range(1000)]
    o.notes = [Note(note_id=f"N-{i:012d}", text=WIDE * 2000, author="t" * 64, at=NOW) for i in range(items.MAX_NOTES)]
    o.photos = [Photo(photo_id=f"P-{i:012d}", s3_key="k" * 60, content_type="image/jpeg", size_bytes=10 * 1024 * 1024,
                      uploaded_by="t" * 64, uploaded_at=NOW) for i in range(items.MAX_PHOTOS)]
    # Then the item weighs what it did, but for its counts
    assert item_size(o) <= before + 30
    assert (o.history_count, o.notes_count, o.photos_count) == (1000, items.MAX_NOTES, items.MAX_PHOTOS)
    # and every entry is an item of its own, each far below the limit
    new = entries.new_items(o)
    assert len(new) == 1000 + items.MAX_NOTES + items.MAX_PHOTOS
    assert max(item_size(e) for e in new) < 16 * 1024


# --- the entries as lists on the order --------------------------------------------------------------

def test_new_history_entries_take_the_positions_after_the_stored_ones():
    # Given an order read with 41 moves stored, the newest shown
    o = order(history_count=41)
    OrderModel.history.set_read(o, [move(40)])
    # When two moves are added
    o.history = o.history + [move(41), move(42)]
    # Then they are the items history#42 and history#43, and the count is 43
    assert [e.entry for e in entries.new_items(o)] == ["history#00000042", "history#00000043"]
    assert o.history_count == 43 and len(o.history) == 3
    # and once written they are stored ones: nothing more to write
    entries.saved(o)
    assert entries.new_items(o) == [] and o.history_count == 43
    o.history = o.history + [move(43)]
    assert [e.entry for e in entries.new_items(o)] == ["history#00000044"]


def test_notes_and_photos_are_keyed_by_their_ids():
    o = order(history=[Move(from_step=None, to_step="requested", by="dispatcher-1", at=NOW)])
    o.notes = [Note(note_id="N-ABC", text="Gate code 4411", author="tech-1", at=NOW)]
    o.photos = [Photo(photo_id="P-XYZ", s3_key="k", content_type="image/png", size_bytes=1, uploaded_by="tech-1", uploaded_at=NOW)]
    assert sorted(e.entry for e in entries.new_items(o)) == ["history#00000001", "note#N-ABC", "photo#P-XYZ"]
    assert (o.notes_count, o.photos_count) == (1, 1)


def test_the_history_only_grows():
    o = order()
    OrderModel.history.set_read(o, [move(1), move(2)])
    with pytest.raises(ValueError):
        o.history = o.history[1:]
    with pytest.raises(ValueError):
        o.history = [move(9)] + o.history
    assert len(o.history) == 2


def test_a_new_order_has_nothing_to_read_and_one_loaded_by_key_must_read_its_entries():
    new = order()
    entries.mark_new(new)
    assert entries.is_read(new)
    loaded = OrderModel.from_raw_data(order(history=[move(0)]).serialize())
    assert not entries.is_read(loaded) and loaded.history == [] and loaded.history_count == 1


# --- the budgets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, limit", [
    ("notes", items.MAX_NOTES), ("photos", items.MAX_PHOTOS), ("line_items", items.MAX_LINE_ITEMS), ("payments", items.MAX_PAYMENTS),
])
def test_one_more_than_the_budget_is_refused_with_limit_reached(kind, limit):
    items.check_room(kind, limit - 1)  # the last one fits
    with pytest.raises(ValidationFailed) as refused:
        items.check_room(kind, limit)
    assert refused.value.code == "limit_reached" and refused.value.status == 422
    assert refused.value.details[0]["field"] == kind and str(limit) in refused.value.message


# --- items stored before order entries: history, notes and photos inline, no counts -------------------

def inline(cls, values) -> dict:
    return {"L": ListAttribute(of=cls).serialize(values)}


def legacy_raw(moves: int = 4, notes: int = 2, photos: int = 2, **fields) -> dict:
    """An order's raw item in the old layout, as the version before order entries stored it."""
    raw = order(**fields).serialize()
    for count in ("history_count", "notes_count", "photos_count"):
        raw.pop(count, None)
    raw["history"] = inline(Move, [Move(from_step=None, to_step="requested", by="dispatcher-1", at=NOW)]
                            + [move(i) for i in range(1, moves)])
    raw["notes"] = inline(Note, [Note(note_id=f"N-OLD{i}", text=f"note {i}", author="tech-1", at=NOW) for i in range(notes)])
    raw["photos"] = inline(Photo, [Photo(photo_id=f"P-OLD{i}", s3_key=f"k{i}", content_type="image/png", size_bytes=1,
                                         uploaded_by="tech-1", uploaded_at=NOW) for i in range(photos)])
    return raw


def test_an_item_of_the_old_layout_shows_its_inline_entries_as_stored_ones_with_their_counts():
    o = OrderModel.from_raw_data(legacy_raw())
    assert entries.has_inline(o)
    assert [m.to_step for m in o.history] == ["requested", "on_hold", "on_hold", "on_hold"]
    assert [n.note_id for n in o.notes] == ["N-OLD0", "N-OLD1"] and [p.photo_id for p in o.photos] == ["P-OLD0", "P-OLD1"]
    assert (o.history_count, o.notes_count, o.photos_count) == (4, 2, 2)
    # the order's next Put leaves the lists off its item and carries the counts
    written = o.serialize()
    assert not {"history", "notes", "photos"} & set(written)
    assert (written["history_count"], written["notes_count"]) == ({"N": "4"}, {"N": "2"})


def test_the_next_write_of_an_old_item_moves_its_entries_at_their_positions_then_the_new_ones():
    o = OrderModel.from_raw_data(legacy_raw())
    o.history = o.history + [move(9)]
    o.notes = o.notes + [Note(note_id="N-NEW", text="new", author="tech-1", at=NOW)]
    assert sorted(e.entry for e in entries.new_items(o)) == [
        "history#00000001", "history#00000002", "history#00000003", "history#00000004", "history#00000005",
        "note#N-NEW", "note#N-OLD0", "note#N-OLD1", "photo#P-OLD0", "photo#P-OLD1"]
    assert (o.history_count, o.notes_count, o.photos_count) == (5, 3, 2)
    entries.saved(o)
    assert not entries.has_inline(o) and entries.new_items(o) == [] and len(o.history) == 5
    o.history = o.history + [move(10)]
    assert [e.entry for e in entries.new_items(o)] == ["history#00000006"]


def test_inline_entries_are_stored_ones_and_cannot_be_dropped():
    o = OrderModel.from_raw_data(legacy_raw())
    with pytest.raises(ValueError):
        o.history = o.history[1:]
    with pytest.raises(ValueError):
        o.notes = []
    assert len(o.history) == 4 and len(o.notes) == 2


def test_an_old_item_reads_the_same_whether_its_lists_are_empty_null_or_absent():
    raw = legacy_raw(notes=0)
    raw["photos"] = {"NULL": True}
    o = OrderModel.from_raw_data(raw)
    assert entries.has_inline(o) and (o.notes, o.photos, o.notes_count, o.photos_count) == ([], [], 0, 0)
    del raw["notes"], raw["photos"]
    assert OrderModel.from_raw_data(raw).history_count == 4
    # a list that is not a list is refused, never read as empty
    with pytest.raises(ValueError):
        OrderModel.from_raw_data({**raw, "notes": {"S": "not a list"}})


def test_an_item_of_today_is_not_taken_for_an_old_one():
    o = OrderModel.from_raw_data(order(history_count=3).serialize())
    assert not entries.has_inline(o) and entries.new_items(o) == [] and o.history_count == 3


def test_two_old_entries_with_one_id_are_both_kept():
    raw = legacy_raw(notes=0, photos=0)
    raw["notes"] = inline(Note, [Note(note_id="N-SAME", text=t, author="tech-1", at=NOW) for t in ("a", "b")])
    keys = [e.entry for e in entries.new_items(OrderModel.from_raw_data(raw)) if e.entry.startswith("note#")]
    assert len(set(keys)) == 2 and keys[0] == "note#N-SAME"


def test_an_old_item_with_more_entries_than_a_transaction_takes_writes_the_rest_just_before_it():
    o = OrderModel.from_raw_data(legacy_raw(moves=120, notes=30, photos=20))
    o.history = o.history + [move(200)]
    ahead, with_write = entries.plan(o)
    assert len(with_write) == entries.TRANSACTION_ENTRIES and with_write[-1].entry == "history#00000121"
    assert len(ahead) + len(with_write) == 171
    assert len({e.entry for e in ahead + with_write}) == 171  # every entry once, at its own key
    # an item of today never writes ahead
    assert entries.plan(order())[0] == []


def test_the_stream_gives_an_old_items_entry_into_a_step_the_position_of_its_history():
    from chalicelib.events import automations

    old = legacy_raw(moves=6, step="requested")
    new = legacy_raw(moves=7, step="scheduled")
    entered = automations.entered_step({"dynamodb": {"OldImage": old, "NewImage": new}})
    assert entered is not None and entered[1] == 7 and entered[0].history_count == 7
