"""A work order's entries: its history, notes and photos, each an item of its own beside the order.

The orders table keeps each order's item small and bounded (what moves, assigning and invoicing
need: the step, the appointment, the line items, the signature, counts); what grows with use
lives in the entries table, one item collection per order (partition `order_id`), sorted by
`entry`:

- `history#<position, 8 digits>`: a move (or a reschedule), in order;
- `note#<note_id>`, `photo#<photo_id>`.

An order read for a view gets its entries in one Query (newest first: its photos, its notes and
its newest `HISTORY_SHOWN` moves); the reviews read a whole history with one Query per order. New
entries wait on the order (`attributes.EntryList`) until its next write, which puts them in the
same transaction as the order's item (conditional on its version, so positions never clash).
The entries table has no stream: the automations, driven by the orders table's stream, never see
an entry.

An order item written before order entries existed holds its history, notes and photos inline (as
lists) and has no counts. Read, such an item shows them as stored entries (`take_inline`,
`hold_inline`: the counts follow), and reading writes nothing; its next write, a Put of the whole
item, leaves the lists off the item and puts them beside it at their positions, in the same
transaction (those past `TRANSACTION_ENTRIES` are written just before it: see `plan`).
`python -m infra.migrate_entries` does that write for every such order at once.
"""
from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core import settings
from chalicelib.data.attributes import Move, Note, Photo
from chalicelib.data.items import MAX_NOTES, MAX_PHOTOS

# The newest moves an order's view shows (the count of all of them is `history_count`).
HISTORY_SHOWN = 100
# Entry lists of an order: (its attribute on the order, the sort key prefix, the entry's attribute).
KINDS = (("history", "history#", "move"), ("notes", "note#", "note"), ("photos", "photo#", "photo"))
# The most entries one write carries in its transaction (DynamoDB takes 100 actions: the rest is
# room for the order, an Idempotency-Key's record, calendar days, counters). Only an item in the
# old layout can hold more, inline: those past it are written just before the transaction.
TRANSACTION_ENTRIES = 50
_INLINE = {"history": ListAttribute(of=Move), "notes": ListAttribute(of=Note), "photos": ListAttribute(of=Photo)}


class OrderEntryModel(Model):
    """One entry of a work order: a move of its history, a note or a photo (one of the three)."""

    class Meta:
        table_name = settings.ORDER_ENTRIES_TABLE
        billing_mode = "PAY_PER_REQUEST"

    order_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    move = Move(null=True)
    note = Note(null=True)
    photo = Photo(null=True)


def _list(order, name: str):
    return getattr(type(order), name)


def _sort_key(prefix: str, entry, position: int) -> str:
    if prefix == "history#":
        return f"history#{position:08d}"
    return prefix + (entry.note_id if prefix == "note#" else entry.photo_id)


# --- the old layout: entries inline on the order's item ---------------------------------------------

def take_inline(data: dict) -> tuple[dict, dict]:
    """A raw order item (GetItem, Query, BatchGetItem, a stream image) without the lists an item
    of the old layout holds inline, and those lists' entries by name ({} for an item of today)."""
    found = [name for name in _INLINE if name in data]
    if not found:
        return data, {}
    inline = {}
    for name in found:
        raw = data[name]
        if raw.get("NULL"):
            inline[name] = []
        elif "L" in raw:
            inline[name] = _INLINE[name].deserialize(raw["L"])
        else:
            raise ValueError(f"the order's inline {name} is not a list")
    return {k: v for k, v in data.items() if k not in inline}, inline


def hold_inline(order, inline: dict) -> None:
    """Give the order just read the entries its item holds inline (`take_inline`), as stored ones."""
    if not inline:
        return
    for name, held in inline.items():
        _list(order, name).set_inline(order, held)
    order.__dict__["_inline"] = True


def has_inline(order) -> bool:
    """Whether the order's item, as read, is in the old layout (it holds lists, even empty ones)."""
    return bool(order.__dict__.get("_inline"))


# --- writing ----------------------------------------------------------------------------------------

def _pending(order) -> tuple[list, list]:
    """The items of the entries the order's next write puts beside it: (those inline on its item,
    those added since), each kind in turn, at the positions after the stored ones."""
    inline, new, taken = [], [], set()
    for name, prefix, attribute in KINDS:
        kept = _list(order, name).kept(order)
        for i, entry in enumerate(kept.inline + kept.new):
            key = _sort_key(prefix, entry, kept.stored + i + 1)
            if key in taken:  # two entries of the old layout with one id: both are kept
                key = f"{key}#{i + 1}"
            taken.add(key)
            item = OrderEntryModel(order.order_id, key)
            setattr(item, attribute, entry)
            (inline if i < len(kept.inline) else new).append(item)
    return inline, new


def plan(order) -> tuple[list[OrderEntryModel], list[OrderEntryModel]]:
    """(entries to write just before the order's transaction, entries to write in it). The first
    holds only what is inline on an item of the old layout past `TRANSACTION_ENTRIES`: copies of
    stored entries, at keys nothing else takes, so writing them early loses nothing if the
    transaction fails (the next write writes them again, the same) and a read skips them while the
    item still holds them."""
    inline, new = _pending(order)
    ahead = max(0, len(inline) - max(0, TRANSACTION_ENTRIES - len(new)))
    return inline[:ahead], inline[ahead:] + new


def new_items(order) -> list[OrderEntryModel]:
    """The entries to write in the transaction that writes `order`: those added since it was read
    and, for an item of the old layout, those it holds inline (any past `TRANSACTION_ENTRIES` are
    written here, before the transaction: see `plan`)."""
    ahead, items = plan(order)
    if ahead:
        with OrderEntryModel.batch_write() as batch:
            for item in ahead:
                batch.save(item)
    return items


def saved(order) -> None:
    """After the write that carried `new_items(order)`: the item holds no list inline any more."""
    for name, _, _ in KINDS:
        _list(order, name).saved(order)
    order.__dict__.pop("_inline", None)


def is_read(order) -> bool:
    """Whether the order's entries were read (or it is new and has none stored yet)."""
    return bool(order.__dict__.get("_entries_read"))


def mark_new(order) -> None:
    """A new order: nothing of it is stored, so there is nothing to read."""
    order.__dict__["_entries_read"] = True


def _not_stored(order) -> set[str]:
    """The keys of the entries that are the order's but not in the table yet: a copy there was
    written ahead of a transaction that failed (`plan`), and the item's own is the one that counts."""
    inline, new = _pending(order)
    return {item.entry for item in inline + new}


def read(order) -> None:
    """Read the order's photos, notes and newest moves, in one Query (newest first). The counts
    bound the photos and notes (the budgets, data.items, bound them for all but orders of the old
    layout), so one page of this many items holds them all."""
    found = {"history": [], "notes": [], "photos": []}
    skip = _not_stored(order)
    limit = max(MAX_PHOTOS + MAX_NOTES, int(order.notes_count or 0) + int(order.photos_count or 0)) + HISTORY_SHOWN
    for item in OrderEntryModel.query(order.order_id, consistent_read=True, scan_index_forward=False, limit=limit):
        if item.entry in skip:
            continue
        for name, prefix, attribute in KINDS:
            if item.entry.startswith(prefix):
                found[name].append(getattr(item, attribute))
    _list(order, "history").set_read(order, list(reversed(found["history"][:HISTORY_SHOWN])))
    _list(order, "notes").set_read(order, sorted(found["notes"], key=lambda n: (n.at, n.note_id)))
    _list(order, "photos").set_read(order, sorted(found["photos"], key=lambda p: (p.uploaded_at, p.photo_id)))
    order.__dict__["_entries_read"] = True


def read_history(order) -> None:
    """The order's whole history, oldest first (the reviews count time per step from it)."""
    skip = _not_stored(order)
    moves = [item.move for item in OrderEntryModel.query(order.order_id, OrderEntryModel.entry.startswith("history#"))
             if item.entry not in skip]
    _list(order, "history").set_read(order, moves)
