"""Orders stored by the version before order entries keep everything. Such an item holds its history,
notes and photos inline (lists on the item) and no counts. The app shows them as they are, the
reviews and the stream's automations count them, the order's next write moves them beside it (in
the same transaction, at their positions) and leaves the item without them, and
`python -m infra.migrate_entries` does that for every such order at once, idempotently.

Each legacy order is made the way a deployed system has it: an order made through the API, its
item then put back (boto3 `put_item`) in the old shape, with its entries gone."""
from datetime import timedelta

import boto3
import pytest

from chalicelib.core import settings
from chalicelib.data import entries, items
from chalicelib.data.models import OrderEntryModel, OrderModel
from infra import migrate_entries
from tests.support.world import FIXED_NOW

INLINE = ("history", "notes", "photos")
COUNTS = ("history_count", "notes_count", "photos_count")
# The old history: made, scheduled, held, scheduled again (where the order is).
ROUTE = [(None, "requested", "dispatcher-1"), ("requested", "scheduled", "dispatcher-1"),
         ("scheduled", "on_hold", "tech-1"), ("on_hold", "scheduled", "dispatcher-1")]


def dynamodb():
    return boto3.client("dynamodb", region_name=settings.region())


def raw_item(order_id: str) -> dict:
    return dynamodb().get_item(TableName=settings.ORDERS_TABLE, Key={"order_id": {"S": order_id}}, ConsistentRead=True)["Item"]


def stored_entries(order_id: str) -> dict:
    """The entries table's items of the order: {sort key: item}."""
    return {e.entry: e for e in OrderEntryModel.query(order_id, consistent_read=True)}


def at(minutes: int) -> dict:
    return {"S": (FIXED_NOW - timedelta(days=2) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")}


def old_move(i: int, from_step, to_step: str, by: str) -> dict:
    m = {"to_step": {"S": to_step}, "by": {"S": by}, "at": at(i), "note": {"S": f"move {i}"}}
    if i == 1:  # the version before kept a move's hashed Idempotency-Key with it
        m["key"] = {"S": "MV-OLDKEY0001"}
    if from_step is not None:
        m["from_step"] = {"S": from_step}
    elif i % 2:
        m["from_step"] = {"NULL": True}
    return {"M": m}


def old_note(i: int) -> dict:
    return {"M": {"note_id": {"S": f"N-OLD{i:08d}"}, "text": {"S": f"Old note {i}: gate code 44{i:02d}"},
                  "author": {"S": "tech-1"}, "at": at(100 + i)}}


def old_photo(i: int, order_id: str) -> dict:
    return {"M": {"photo_id": {"S": f"P-OLD{i:08d}"}, "s3_key": {"S": f"orders/{order_id}/photos/P-OLD{i:08d}"},
                  "content_type": {"S": "image/jpeg"}, "size_bytes": {"N": str(1000 + i)},
                  "uploaded_by": {"S": "tech-1"}, "uploaded_at": at(200 + i)}}


def to_old_layout(order_id: str, notes: int = 3, photos: int = 2, more_moves: int = 0) -> dict:
    """Put the order's item back as the version before order entries stored it: the history of
    ROUTE (and `more_moves` pairs of hold and resume), `notes` notes and `photos` photos inline,
    no counts, nothing in the entries table. Returns the raw item."""
    item = raw_item(order_id)
    for name in COUNTS:
        item.pop(name, None)
    route = ROUTE + [("scheduled", "on_hold", "tech-1"), ("on_hold", "scheduled", "tech-1")] * more_moves
    item["history"] = {"L": [old_move(i, *m) for i, m in enumerate(route)]}
    item["notes"] = {"L": [old_note(i) for i in range(notes)]}
    item["photos"] = {"L": [old_photo(i, order_id) for i in range(photos)]}
    dynamodb().put_item(TableName=settings.ORDERS_TABLE, Item=item)
    with OrderEntryModel.batch_write() as batch:
        for entry in stored_entries(order_id).values():
            batch.delete(entry)
    return item


def transition(office, order: dict, to: str) -> dict:
    r = office.post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, (to, r)
    return r.json


@pytest.fixture
def legacy(as_, new_order):
    """A scheduled order of tech1's in the old layout: 4 moves, 3 notes and 2 photos inline."""

    def make(**shape) -> str:
        order = transition(as_("dispatcher"), new_order(), "scheduled")
        to_old_layout(order["order_id"], **shape)
        return order["order_id"]

    return make


def without_links(photos: list) -> list:
    return [{k: v for k, v in photo.items() if k != "url"} for photo in photos]


def test_an_old_order_shows_its_history_notes_and_photos_and_reading_writes_nothing(as_, legacy):
    office, oid = as_("dispatcher"), legacy()
    before = raw_item(oid)
    shown = office.get(f"/orders/{oid}").json
    assert [(m["from"], m["to"], m["by"]) for m in shown["history"]] == ROUTE
    assert [m["note"] for m in shown["history"]] == ["move 0", "move 1", "move 2", "move 3"]
    assert [n["text"] for n in shown["notes"]] == ["Old note 0: gate code 4400", "Old note 1: gate code 4401", "Old note 2: gate code 4402"]
    assert [(p["id"], p["size_bytes"]) for p in shown["photos"]] == [("P-OLD00000000", 1000), ("P-OLD00000001", 1001)]
    assert (shown["history_count"], shown["notes_count"], shown["photos_count"]) == (4, 3, 2)
    # the list (a Query on an index) and the technician see the same
    listed = {o["order_id"]: o for o in office.get("/orders").json["orders"]}[oid]
    assert (listed["history_count"], listed["notes_count"], listed["photos_count"]) == (4, 3, 2)
    assert len(as_("tech1").get(f"/orders/{oid}").json["notes"]) == 3
    # reading wrote nothing
    assert raw_item(oid) == before and stored_entries(oid) == {}


def test_a_move_keeps_every_old_entry_and_moves_them_beside_the_order(as_, legacy):
    office, oid = as_("dispatcher"), legacy()
    held = transition(office, office.get(f"/orders/{oid}").json, "on_hold")
    assert [m["to"] for m in held["history"]] == ["requested", "scheduled", "on_hold", "scheduled", "on_hold"]
    assert (held["history_count"], len(held["notes"]), len(held["photos"])) == (5, 3, 2)
    # the item holds no list any more, and its counts
    item = raw_item(oid)
    assert not set(INLINE) & set(item)
    assert [item[c]["N"] for c in COUNTS] == ["5", "3", "2"]
    # every old entry is in the entries table at its position or id, with the new move after them
    stored = stored_entries(oid)
    assert sorted(stored) == [f"history#{p:08d}" for p in range(1, 6)] + [f"note#N-OLD{i:08d}" for i in range(3)] + [
        f"photo#P-OLD{i:08d}" for i in range(2)]
    assert [(stored[f"history#{p:08d}"].move.from_step, stored[f"history#{p:08d}"].move.to_step) for p in range(1, 6)] == [
        (f, t) for f, t, _ in ROUTE] + [("scheduled", "on_hold")]
    assert stored["history#00000002"].move.key == "MV-OLDKEY0001"
    assert stored["note#N-OLD00000002"].note.text == "Old note 2: gate code 4402"
    assert int(stored["photo#P-OLD00000001"].photo.size_bytes) == 1001
    # and the order reads the same from there; what comes next takes the next positions
    again = office.get(f"/orders/{oid}").json
    assert (again["history"], again["notes"]) == (held["history"], held["notes"])
    # a photo's signed URL carries its expiry second, which differs between two reads
    assert without_links(again["photos"]) == without_links(held["photos"])
    assert office.post(f"/orders/{oid}/notes", {"text": "New note"}).status == 201
    resumed = transition(office, office.get(f"/orders/{oid}").json, "scheduled")
    assert resumed["history_count"] == 6 and len(resumed["notes"]) == 4 and "history#00000006" in stored_entries(oid)


def test_a_note_is_the_first_write_of_an_old_order(as_, legacy):
    office, oid = as_("dispatcher"), legacy()
    assert office.post(f"/orders/{oid}/notes", {"text": "Ring twice"}).status == 201
    shown = office.get(f"/orders/{oid}").json
    assert sorted(n["text"] for n in shown["notes"])[-1] == "Ring twice" and len(shown["notes"]) == 4
    assert [m["to"] for m in shown["history"]] == [t for _, t, _ in ROUTE] and len(shown["photos"]) == 2
    assert not set(INLINE) & set(raw_item(oid)) and len(stored_entries(oid)) == 4 + 4 + 2


def test_the_stream_gives_an_old_orders_entry_into_a_step_its_old_position(as_, legacy, stream, deliver):
    from chalicelib.events import automations

    office, oid = as_("dispatcher"), legacy()
    stream.read()  # from here on
    # the version before order entries moved it (a Put of the whole item, its history one longer)
    item = raw_item(oid)
    item["history"]["L"].append(old_move(4, "scheduled", "en_route", "tech-1"))
    item.update(step={"S": "en_route"}, version={"N": str(int(item["version"]["N"]) + 1)})
    dynamodb().put_item(TableName=settings.ORDERS_TABLE, Item=item)
    # this version moves it back
    transition(office, office.get(f"/orders/{oid}").json, "scheduled")
    records = [r for r in stream.read() if r["dynamodb"]["Keys"]["order_id"]["S"] == oid]
    positions = [(order.step, position) for order, position in filter(None, map(automations.entered_step, records))]
    assert positions == [("en_route", 5), ("scheduled", 6)]  # len(history) as the old version counted it
    assert deliver(records) == {"batchItemFailures": []}


def test_the_reviews_read_an_old_orders_whole_history(legacy, clock):
    from chalicelib.reviews import evaluation

    oid = legacy(more_moves=3)
    found = {o.order_id: o for o in evaluation.period_orders(clock.now - timedelta(days=7), clock.now, evaluation.all_versions())}
    assert [m.to_step for m in found[oid].history] == [t for _, t, _ in ROUTE] + ["on_hold", "scheduled"] * 3


def test_an_old_order_with_more_than_a_transaction_takes_and_over_todays_budgets_loses_nothing(as_, legacy):
    office, oid = as_("dispatcher"), legacy(notes=items.MAX_NOTES + 1, photos=items.MAX_PHOTOS + 1, more_moves=60)
    shown = office.get(f"/orders/{oid}").json
    assert (shown["history_count"], len(shown["history"])) == (124, entries.HISTORY_SHOWN)
    assert (len(shown["notes"]), len(shown["photos"])) == (items.MAX_NOTES + 1, items.MAX_PHOTOS + 1)
    # over today's budget: no more notes, and nothing is lost
    refused = office.post(f"/orders/{oid}/notes", {"text": "one more"})
    assert refused.status == 422 and refused.json["error"]["code"] == "limit_reached"
    # 276 entries, more than one transaction takes: the move still writes them all
    held = transition(office, shown, "on_hold")
    assert held["history_count"] == 125 and not set(INLINE) & set(raw_item(oid))
    assert len(stored_entries(oid)) == 125 + items.MAX_NOTES + 1 + items.MAX_PHOTOS + 1
    again = office.get(f"/orders/{oid}").json
    assert (len(again["notes"]), len(again["photos"]), again["history"][-1]["to"]) == (101, 51, "on_hold")


def test_entries_written_ahead_of_a_refused_write_are_never_shown_twice(as_, legacy):
    from pynamodb.exceptions import TransactWriteError

    office, oid = as_("dispatcher"), legacy(notes=40, more_moves=30)
    order = OrderModel.get(oid, consistent_read=True)
    # someone else writes the order (the old item, one version on) between the read and the write
    dynamodb().update_item(TableName=settings.ORDERS_TABLE, Key={"order_id": {"S": oid}},
                           UpdateExpression="SET version = version + :one", ExpressionAttributeValues={":one": {"N": "1"}})
    order.notes = order.notes[:]
    with pytest.raises(TransactWriteError):
        order.save()
    assert stored_entries(oid), "the entries past one transaction were written ahead"
    shown = office.get(f"/orders/{oid}").json
    assert (shown["history_count"], len(shown["history"]), len(shown["notes"])) == (64, 64, 40)
    assert set(INLINE) <= set(raw_item(oid))
    # the next write moves them all, once
    held = transition(office, shown, "on_hold")
    assert (held["history_count"], len(held["history"]), len(held["notes"])) == (65, 65, 40)
    assert len(stored_entries(oid)) == 65 + 40 + 2


# --- the migration command ------------------------------------------------------------------------

def run_migration() -> list[str]:
    said: list[str] = []
    assert migrate_entries.main([], out=said.append) == 0
    return said


def test_the_migration_moves_every_old_order_leaves_the_others_alone_and_is_idempotent(as_, new_order, legacy):
    old = [legacy(), legacy(notes=0, photos=0), legacy(more_moves=40, notes=30, photos=10)]
    today = [new_order()["order_id"], transition(as_("dispatcher"), new_order(), "scheduled")["order_id"]]
    before = {oid: raw_item(oid) for oid in old + today}
    shown = {oid: as_("dispatcher").get(f"/orders/{oid}").json for oid in old}

    assert run_migration()[-1].startswith("Migrated 3 of 5 orders")
    for oid in old:
        item = raw_item(oid)
        assert not set(INLINE) & set(item) and int(item["version"]["N"]) == int(before[oid]["version"]["N"]) + 1
        assert [int(item[c]["N"]) for c in COUNTS] == [len(before[oid][name]["L"]) for name in INLINE]
        assert len(stored_entries(oid)) == sum(len(before[oid][name]["L"]) for name in INLINE)
        after = as_("dispatcher").get(f"/orders/{oid}").json
        assert all(after[k] == shown[oid][k] for k in ("history", "notes", "history_count", "step"))
        assert without_links(after["photos"]) == without_links(shown[oid]["photos"])  # links are signed anew
    for oid in today:
        assert raw_item(oid) == before[oid]
    # a second run changes nothing
    migrated = {oid: (raw_item(oid), stored_entries(oid).keys()) for oid in old + today}
    assert run_migration()[-1].startswith("Migrated 0 of 5 orders")
    assert {oid: (raw_item(oid), stored_entries(oid).keys()) for oid in old + today} == migrated


def test_the_migration_retries_an_order_someone_changed_meanwhile(legacy, monkeypatch):
    oid = legacy()
    save, raced = OrderModel.save, []

    def save_after_someone_else(order, *args, **kwargs):
        if not raced:  # the first time, another write lands between the read and this write
            raced.append(order.order_id)
            dynamodb().update_item(TableName=settings.ORDERS_TABLE, Key={"order_id": {"S": oid}},
                                   UpdateExpression="SET version = version + :one, description = :d",
                                   ExpressionAttributeValues={":one": {"N": "1"}, ":d": {"S": "changed meanwhile"}})
        return save(order, *args, **kwargs)

    monkeypatch.setattr(OrderModel, "save", save_after_someone_else)
    assert run_migration()[-1].startswith("Migrated 1 of 1 orders")
    item = raw_item(oid)
    assert raced == [oid] and item["description"]["S"] == "changed meanwhile" and not set(INLINE) & set(item)
    assert len(stored_entries(oid)) == 4 + 3 + 2
