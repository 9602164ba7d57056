"""An order can always be moved. Its item holds only what moving, assigning and invoicing need; its
history, notes and photos are entries beside it. So an order filled to every limit (the most
notes, line items and photos, the longest texts, a long history) can still be held, resumed,
reassigned, cancelled, completed and invoiced, and a move-only loop never jams it. Content over
its own budget is refused with 422, and nothing already saved is lost.

The orders are filled straight in the tables (what hundreds of requests would write), then
worked through the API."""
import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from chalicelib.core import settings
from chalicelib.data import entries, items
from chalicelib.data.models import LineItem, Move, Note, OrderEntryModel, OrderModel, Photo
from tests.support.helpers import TINY_PNG
from tests.support.world import next_free_slot

WIDE = "\U0001F600"  # four bytes in UTF-8, twelve in the API's JSON: the heaviest a text can be
LAMBDA_ANSWER_LIMIT = 6 * 1024 * 1024


def raw_item_bytes(order_id: str) -> int:
    item = boto3.client("dynamodb", region_name=settings.region()).get_item(
        TableName=settings.ORDERS_TABLE, Key={"order_id": {"S": order_id}})["Item"]
    return len(json.dumps(item, ensure_ascii=False).encode())


def fill(order_id: str, moves: int = 300, notes: int = items.MAX_NOTES, photos: int = items.MAX_PHOTOS,
         line_items: int = items.MAX_LINE_ITEMS, first_position: int | None = None, move_note: str = WIDE * 1000) -> None:
    """Give the order the most notes, photos and line items, all at their longest, and `moves`
    more moves (on hold and back, ending where it is), as the API would have written them."""
    assert moves % 2 == 0, "pairs of moves, so the order ends where it is"
    order = OrderModel.get(order_id, consistent_read=True)
    at, step = order.updated_at, order.step
    position = int(order.history_count) if first_position is None else first_position
    with OrderEntryModel.batch_write() as batch:
        for i in range(moves):
            there = ("on_hold", step)[i % 2]
            batch.save(OrderEntryModel(order_id, f"history#{position + i + 1:08d}", move=Move(
                from_step=("on_hold", step)[1 - i % 2], to_step=there, by="dispatcher-1",
                at=at + timedelta(seconds=i), note=move_note)))
        for i in range(notes):
            batch.save(OrderEntryModel(order_id, f"note#N-{i:010d}", note=Note(
                note_id=f"N-{i:010d}", text=WIDE * 2000, author="tech-1", at=at)))
        for i in range(photos):
            batch.save(OrderEntryModel(order_id, f"photo#P-{i:010d}", photo=Photo(
                photo_id=f"P-{i:010d}", s3_key=f"orders/{order_id}/photos/P-{i:010d}", content_type="image/jpeg",
                size_bytes=10 * 1024 * 1024, uploaded_by="tech-1", uploaded_at=at)))
    order.history_count = position + moves
    order.notes_count, order.photos_count = notes, photos
    order.line_items = [LineItem(item_id=f"LI-{i:010d}", description=WIDE * 200, quantity=1 + i % 3, unit_price_cents=1000 + i,
                                 price_item_id=None, added_by="dispatcher-1", added_at=at) for i in range(line_items)]
    order.save()


def move(who, order: dict, to: str) -> dict:
    r = who.post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, (to, r)
    return r.json


@pytest.fixture
def full(as_, new_order):
    """tech1's scheduled order, filled to every limit, as the office reads it."""
    order = move(as_("dispatcher"), new_order(), "scheduled")
    fill(order["order_id"])
    return as_("dispatcher").get(f"/orders/{order['order_id']}").json


def test_a_full_order_is_read_whole_and_within_lambdas_answer_limit(as_, full):
    r = as_("dispatcher").get(f"/orders/{full['order_id']}")
    assert (len(full["notes"]), len(full["photos"]), len(full["line_items"])) == (items.MAX_NOTES, items.MAX_PHOTOS, items.MAX_LINE_ITEMS)
    assert len(full["history"]) == entries.HISTORY_SHOWN and full["history_count"] == 302
    assert full["history"][-1]["to"] == "scheduled"
    assert len(r.text.encode()) < LAMBDA_ANSWER_LIMIT
    assert raw_item_bytes(full["order_id"]) < items.ORDER_ITEM_BUDGET


def test_a_full_order_can_still_be_held_resumed_reassigned_and_cancelled(as_, full):
    office, oid = as_("dispatcher"), full["order_id"]
    held = move(office, full, "on_hold")
    resumed = move(office, held, "scheduled")
    slot = next_free_slot()
    r = office.post(f"/orders/{oid}/assign", {"technician_id": "tech-2", "start": slot["start"], "end": slot["end"],
                                              "expected_version": resumed["version"]})
    assert r.status == 200, r
    assert r.json["technician"]["id"] == "tech-2" and len(r.json["notes"]) == items.MAX_NOTES
    cancelled = move(office, r.json, "cancelled")
    assert cancelled["history_count"] == full["history_count"] + 4  # hold, resume, reschedule, cancel
    assert [m["to"] for m in cancelled["history"][-4:]] == ["on_hold", "scheduled", "scheduled", "cancelled"]
    # its time is free again
    day = slot["start"][:10]
    schedule = office.get(f"/technicians/tech-2/schedule?from={day}&to={day}").json
    assert oid not in json.dumps(schedule)


def test_a_full_order_is_completed_and_invoiced_with_every_line_item(as_, new_order, clock):
    from chalicelib.invoicing import lifecycle

    office, tech = as_("dispatcher"), as_("tech1")
    order = move(office, new_order(), "scheduled")
    order = move(tech, move(tech, order, "en_route"), "in_progress")
    fill(order["order_id"])
    order = tech.post(f"/orders/{order['order_id']}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"}).json
    completed = move(tech, order, "completed")
    assert lifecycle.create_invoice(order["order_id"], clock.now)["invoiced"]
    invoice = as_("admin").get(f"/orders/{order['order_id']}/invoice").json
    assert len(invoice["lines"]) == items.MAX_LINE_ITEMS
    assert invoice["subtotal_cents"] == completed["total_cents"] == sum(li["total_cents"] for li in completed["line_items"])
    assert [line["description"] for line in invoice["lines"]] == [li["description"] for li in completed["line_items"]]
    paid = as_("admin").post(f"/invoices/{invoice['invoice_id']}/payments", {"amount_cents": invoice["total_cents"], "method": "card"})
    assert paid.status == 201 and paid.json["status"] == "paid"
    assert office.get(f"/orders/{order['order_id']}").json["step"] == "paid"


def test_content_over_its_budget_is_refused_and_nothing_saved_is_lost(as_, full):
    tech, oid = as_("tech1"), full["order_id"]
    refusals = [
        tech.post(f"/orders/{oid}/notes", {"text": "one more"}),
        tech.post(f"/orders/{oid}/line-items", {"price_item_id": "labour-hour", "quantity": 1}),
        tech.post(f"/orders/{oid}/photos/upload-url", {"content_type": "image/jpeg", "size_bytes": 1000}),
        tech.post(f"/orders/{oid}/photos", {"photo_id": "P-ABCDEFGHJKLM"}),
    ]
    for r, field in zip(refusals, ["notes", "line_items", "photos", "photos"]):
        assert r.status == 422 and r.json["error"]["code"] == "limit_reached", r
        assert r.json["error"]["details"][0]["field"] == field
    too_long = tech.post(f"/orders/{oid}/notes", {"text": "x" * 2001})
    assert too_long.status == 422 and too_long.json["error"]["details"] == [{"field": "text", "message": "must be at most 2000 characters"}]
    after = as_("dispatcher").get(f"/orders/{oid}").json
    assert after["version"] == full["version"]
    assert (after["notes"], after["line_items"], after["photos_count"]) == (full["notes"], full["line_items"], items.MAX_PHOTOS)


def test_a_move_only_loop_never_jams_an_order(as_, new_order):
    office = as_("dispatcher")
    order = move(office, new_order(), "scheduled")
    fill(order["order_id"], moves=100, notes=0, photos=0, line_items=0, first_position=99_900, move_note="hold")  # 100,000 so far
    order = office.get(f"/orders/{order['order_id']}").json
    assert order["history_count"] == 100_000
    size = raw_item_bytes(order["order_id"])
    for _ in range(5):
        order = move(office, move(office, order, "on_hold"), "scheduled")
    assert order["history_count"] == 100_010 and len(order["history"]) == entries.HISTORY_SHOWN
    assert raw_item_bytes(order["order_id"]) <= size + 16  # only the counts and times change
    assert office.post(f"/orders/{order['order_id']}/notes", {"text": "still fine"}).status == 201


def test_the_reviews_read_the_whole_history(as_, new_order, clock):
    from chalicelib.reviews import evaluation

    office = as_("dispatcher")
    order = move(office, new_order(), "scheduled")
    fill(order["order_id"], moves=150, notes=0, photos=0, line_items=0, move_note="hold")
    found = {o.order_id: o for o in evaluation.period_orders(clock.now - timedelta(days=1), clock.now, evaluation.all_versions())}
    history = found[order["order_id"]].history
    assert len(history) == 152 and [m.to_step for m in history[:2]] == ["requested", "scheduled"]
    assert datetime(2026, 1, 1, tzinfo=timezone.utc) < history[0].at <= history[-1].at
