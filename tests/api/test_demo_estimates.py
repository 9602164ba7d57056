"""The demo's estimates (infra/demo_estimates.py): every state of a quote, at times in the
previous one to three weeks, so a fresh `make run` shows conversion for last week."""
import time
from datetime import datetime, timedelta, timezone

from chalicelib.data.models import OrderModel
from chalicelib.data.quotes import QuoteModel
from infra import demo_data, demo_estimates


def test_the_demo_has_estimates_in_every_state_with_last_week_answers(world, clock):
    clock.now = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)  # a Wednesday
    demo_data.load_kinds(clock.now)
    began = time.perf_counter()
    order_ids = demo_estimates.load(clock.now)
    took = time.perf_counter() - began
    estimates = {oid: OrderModel.get(oid) for oid in order_ids}
    quotes = {q.order_id: q for oid in order_ids for q in QuoteModel.by_order.query(oid)}
    assert all(o.kind == "estimate" for o in estimates.values())
    states = sorted(q.status for q in quotes.values())
    assert states == ["accepted", "accepted", "declined", "expired", "sent", "sent"]
    steps = sorted(o.step for o in estimates.values())
    assert steps == ["lost", "lost", "quoted", "quoted", "scheduled", "won", "won"]

    last_monday = datetime(2026, 11, 23, tzinfo=timezone.utc)
    accepted = [q for q in quotes.values() if q.status == "accepted"]
    for q in accepted:
        assert last_monday <= datetime.fromisoformat(q.accepted["at"]) < last_monday + timedelta(days=7)
        job = OrderModel.get(q.job_order_id)
        assert job.kind == "installation" and job.step == "requested" and job.estimate_order_id == q.order_id
    deposits = [OrderModel.get(q.job_order_id).deposit for q in accepted]
    assert sum(1 for d in deposits if d and d.get("invoice_id")) == 1
    declined = next(q for q in quotes.values() if q.status == "declined")
    assert declined.declined["reason"] == demo_estimates.DECLINE_REASON
    expired = next(q for q in quotes.values() if q.status == "expired")
    assert int(expired.reminders_sent) == 2 and last_monday <= expired.expired_at < last_monday + timedelta(days=7)
    waiting = sorted(int(q.reminders_sent) for q in quotes.values() if q.status == "sent")
    assert waiting == [0, 1]
    booked = next(o for o in estimates.values() if o.step == "scheduled")
    assert booked.appointment_start > clock.now and booked.order_id not in quotes
    assert all(q.sent_at < clock.now - timedelta(hours=12) for q in quotes.values())
    assert took < 20, f"the demo's estimates took {took:.1f} s"
