"""The parts of a work order: the map attributes its item and its entries hold (customer, address,
line item, note, move, photo, signature), and `EntryList`, how the order holds its history, notes
and photos, which are items of their own beside it (`data.entries`)."""
from pynamodb.attributes import JSONAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute


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
    added_at = UTCDateTimeAttribute()  # when it was done (the app's `done_at`, bounded)
    recorded_at = UTCDateTimeAttribute(null=True)  # when the server received it (null: items of before)


class Note(MapAttribute):
    note_id = UnicodeAttribute()
    text = UnicodeAttribute()
    author = UnicodeAttribute()
    at = UTCDateTimeAttribute()  # when it was written (the app's `done_at`, bounded)
    recorded_at = UTCDateTimeAttribute(null=True)  # when the server received it (null: notes of before)


class Move(MapAttribute):
    """One entry of an order's append-only history."""

    from_step = UnicodeAttribute(null=True)
    to_step = UnicodeAttribute()
    by = UnicodeAttribute()
    at = UTCDateTimeAttribute()  # when it was done (the app's `done_at`, bounded: orders.moves.done_time)
    note = UnicodeAttribute(null=True)
    recorded_at = UTCDateTimeAttribute(null=True)  # when the server received it (null: moves of before)
    # A move made before order entries kept its Idempotency-Key here (hashed, `MV-...`): kept with
    # it when it moves beside its order. Moves made since keep theirs in data.request_keys.
    key = UnicodeAttribute(null=True)
    # A correction (not a move; the step stays): [{"field", "old", "new"}] (chalicelib/orders/corrections.py).
    changes = JSONAttribute(null=True)
    # Who an order put on hold waits on ("customer": no SLA runs while it waits), else null.
    waiting_on = UnicodeAttribute(null=True)


class Photo(MapAttribute):
    photo_id = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()
    uploaded_by = UnicodeAttribute()
    uploaded_at = UTCDateTimeAttribute()  # when it was taken/attached on the phone (`done_at`, bounded)
    recorded_at = UTCDateTimeAttribute(null=True)  # when the server received it (null: photos of before)


class Signature(MapAttribute):
    """The customer's signature, drawn on the technician's phone, stored as a PNG in S3."""

    signature_id = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    signed_by = UnicodeAttribute()
    captured_by = UnicodeAttribute()
    at = UTCDateTimeAttribute()  # when it was signed (`done_at`, bounded)
    recorded_at = UTCDateTimeAttribute(null=True)  # when the server received it (null: signatures of before)


class _Kept:
    """What an order holds of one kind of entry: those read from the entries table, those still inline
    on its item (the layout before order entries), then those added since."""

    def __init__(self, stored: int):
        self.read: list = []
        self.inline: list = []  # stored on the order's item itself: its next write moves them beside it
        self.new: list = []
        self.stored = stored  # how many the entries table holds (the order's count when it was read)

    def held(self) -> list:
        return self.read + self.inline + self.new


class EntryList:
    """An order's entries of one kind (history, notes, photos) as a list on the order, though they
    are not in its item: the entries read with it (`data.entries.read`), then those added since,
    which the order's next write puts beside it in the same transaction (`data.entries.new_items`).

    An item stored before order entries existed holds its entries inline, and no count
    (`data.entries.take_inline`): they come after those read (there are none) and before those
    added, count as stored, and move beside the order with its next write, at their positions.

    Append-only: a list that drops or replaces an entry already stored is refused. Assigning keeps
    the order's count attribute (`history_count`...) equal to stored + inline + added, so the count
    is written with the order and a new history entry's position follows from it."""

    def __init__(self, count_attribute: str):
        self.count_attribute = count_attribute
        self.name = ""

    def __set_name__(self, owner, name):
        self.name = name

    def kept(self, order) -> _Kept:
        lists = order.__dict__.setdefault("_entry_lists", {})
        if self.name not in lists:
            lists[self.name] = _Kept(int(getattr(order, self.count_attribute) or 0))
        return lists[self.name]

    def __get__(self, order, owner=None):
        if order is None:
            return self
        return self.kept(order).held()

    def __set__(self, order, entries):
        kept = self.kept(order)
        entries, held = list(entries), kept.read + kept.inline
        if len(entries) < len(held) or any(a is not b for a, b in zip(entries, held)):
            raise ValueError(f"an order's {self.name} only grows: an entry already stored cannot change or go")
        kept.new = entries[len(held):]
        self._count(order, kept)

    def _count(self, order, kept: _Kept) -> None:
        setattr(order, self.count_attribute, kept.stored + len(kept.inline) + len(kept.new))

    def set_inline(self, order, entries: list) -> None:
        """The entries the order's item holds inline (read from an item in the old layout)."""
        kept = self.kept(order)
        kept.inline = list(entries)
        self._count(order, kept)

    def set_read(self, order, entries: list) -> None:
        """What was read from the table (all of them, or the newest of the history); entries
        inline on the item and those added and not yet written stay after them."""
        kept = self.kept(order)
        kept.read = list(entries)
        kept.stored = int(getattr(order, self.count_attribute) or 0) - len(kept.inline) - len(kept.new)

    def saved(self, order) -> None:
        """The inline and new entries were written to the table: they are stored ones now."""
        kept = self.kept(order)
        moved = kept.inline + kept.new
        kept.read, kept.stored, kept.inline, kept.new = kept.read + moved, kept.stored + len(moved), [], []
