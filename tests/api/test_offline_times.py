"""Offline times: an action the technician app queued carries when it was done (`done_at`); the
server records that (bounded) and when it received it (`recorded_at`); step timing and the
evaluation count from the done time.

The clock is the test clock (FIXED_NOW, Monday 30 November 2026 08:00 UTC); the demo map's SLA
for "on the way" is 2 h and for "in progress" 8 h."""
from datetime import timedelta

import pytest
import requests

from chalicelib.data.models import OrderModel
from chalicelib.reviews import figures
from chalicelib.data import entries
from tests.support.helpers import TINY_PNG


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def key(n):
    return {"Idempotency-Key": f"offline-action-{n:04d}"}


@pytest.fixture
def job(as_, new_order, clock):
    """tech1's order, scheduled and on the way (at FIXED_NOW), then an hour passes."""
    order = new_order()
    order = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions",
                                   {"to": "scheduled", "expected_version": order["version"]}).json
    r = as_("tech1").post(f"/orders/{order['order_id']}/transitions", {"to": "en_route", "expected_version": order["version"]})
    assert r.status == 200, r
    clock.advance(hours=1)
    return r.json


def test_a_move_done_offline_is_recorded_at_the_time_it_was_done_and_when_it_arrived(as_, job, clock):
    done = clock.now - timedelta(minutes=40)  # done at 08:20 in a cellar, sent at 09:00
    r = as_("tech1").post(f"/orders/{job['order_id']}/transitions",
                          {"to": "in_progress", "expected_version": job["version"], "done_at": done.isoformat()}, headers=key(1))
    assert r.status == 200, r
    last = r.json["history"][-1]
    assert (last["to"], last["at"], last["recorded_at"]) == ("in_progress", iso(done), iso(clock.now))
    assert r.json["step_entered_at"] == iso(done)
    stored = OrderModel.get(job["order_id"])
    assert stored.step_entered_at == done and stored.sla_due_at == done + timedelta(hours=8)


def test_a_move_sent_without_done_at_counts_from_when_the_server_got_it(as_, job, clock):
    r = as_("tech1").post(f"/orders/{job['order_id']}/transitions", {"to": "in_progress", "expected_version": job["version"]})
    last = r.json["history"][-1]
    assert last["at"] == last["recorded_at"] == iso(clock.now)


def test_a_done_at_more_than_two_minutes_ahead_of_the_server_is_refused_with_422(as_, job, clock):
    ahead = (clock.now + timedelta(minutes=3)).isoformat()
    for path, body in [("transitions", {"to": "in_progress", "expected_version": job["version"]}),
                       ("notes", {"text": "from the future"}),
                       ("line-items", {"price_item_id": "labour-hour", "quantity": 1}),
                       ("signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada"})]:
        r = as_("tech1").post(f"/orders/{job['order_id']}/{path}", {**body, "done_at": ahead})
        assert r.status == 422, (path, r)
        assert "done_at" in r.text and r.json["error"]["code"] == "validation_failed"


def test_a_done_at_a_little_ahead_is_a_phone_clock_running_fast_and_counts_as_now(as_, job, clock):
    r = as_("tech1").post(f"/orders/{job['order_id']}/notes", {"text": "fast clock",
                                                                "done_at": (clock.now + timedelta(seconds=90)).isoformat()})
    assert r.status == 201, r
    assert r.json["notes"][-1]["at"] == iso(clock.now)


def test_a_done_at_before_the_order_existed_is_refused_with_422(as_, job, clock):
    created = OrderModel.get(job["order_id"]).created_at
    r = as_("tech1").post(f"/orders/{job['order_id']}/notes", {"text": "too early", "done_at": (created - timedelta(hours=1)).isoformat()})
    assert r.status == 422 and "done_at" in r.text
    r = as_("tech1").post(f"/orders/{job['order_id']}/transitions",
                          {"to": "in_progress", "expected_version": job["version"], "done_at": (created - timedelta(days=1)).isoformat()})
    assert r.status == 422 and "done_at" in r.text


def test_a_done_at_without_an_offset_is_refused_with_422(as_, job):
    r = as_("tech1").post(f"/orders/{job['order_id']}/notes", {"text": "naive", "done_at": "2026-11-30T08:30:00"})
    assert r.status == 422 and "done_at" in r.text


def test_a_queued_move_done_before_a_later_recorded_move_never_makes_the_history_run_backwards(as_, job, clock):
    """The office put the job on hold at 08:50; the technician's 'in progress' done at 08:30 arrives
    at 09:00 after it (queued offline): it counts as done at 08:50, the latest history time."""
    office = as_("dispatcher")
    hold_at = clock.now - timedelta(minutes=10)
    held = office.post(f"/orders/{job['order_id']}/transitions",
                       {"to": "on_hold", "expected_version": job["version"], "done_at": hold_at.isoformat()}).json
    back = office.post(f"/orders/{job['order_id']}/transitions", {"to": "en_route", "expected_version": held["version"],
                                                                   "done_at": hold_at.isoformat()}).json
    queued = clock.now - timedelta(minutes=30)
    r = as_("tech1").post(f"/orders/{job['order_id']}/transitions",
                          {"to": "in_progress", "expected_version": back["version"], "done_at": queued.isoformat()})
    assert r.status == 200, r
    times = [h["at"] for h in r.json["history"]]
    assert times == sorted(times)
    assert r.json["history"][-1]["at"] == iso(hold_at) and r.json["history"][-1]["recorded_at"] == iso(clock.now)


def test_notes_line_items_and_the_signature_keep_the_done_time_and_the_recorded_time(as_, job, clock):
    tech, done = as_("tech1"), clock.now - timedelta(minutes=25)
    note = tech.post(f"/orders/{job['order_id']}/notes", {"text": "Meter in the cellar", "done_at": done.isoformat()}, headers=key(2))
    assert note.status == 201, note
    assert (note.json["notes"][-1]["at"], note.json["notes"][-1]["recorded_at"]) == (iso(done), iso(clock.now))
    line = tech.post(f"/orders/{job['order_id']}/line-items", {"price_item_id": "labour-hour", "quantity": 1, "done_at": done.isoformat()})
    assert line.status == 201, line
    assert (line.json["line_items"][-1]["added_at"], line.json["line_items"][-1]["recorded_at"]) == (iso(done), iso(clock.now))
    signed = tech.post(f"/orders/{job['order_id']}/signature",
                       {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace", "done_at": done.isoformat()})
    assert signed.status == 201, signed
    assert (signed.json["signature"]["at"], signed.json["signature"]["recorded_at"]) == (iso(done), iso(clock.now))


def test_a_photo_attached_offline_keeps_when_it_was_attached(as_, job, clock):
    tech, done = as_("tech1"), clock.now - timedelta(minutes=15)
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 500
    ticket = tech.post(f"/orders/{job['order_id']}/photos/upload-url", {"content_type": "image/jpeg", "size_bytes": len(jpeg)}).json
    up = requests.post(ticket["upload"]["url"], data=ticket["upload"]["fields"], files={"file": ("p", jpeg, "image/jpeg")}, timeout=10)
    assert up.status_code in (200, 201, 204)
    r = tech.post(f"/orders/{job['order_id']}/photos", {"photo_id": ticket["photo_id"], "done_at": done.isoformat()})
    assert r.status == 201, r
    assert (r.json["photos"][-1]["uploaded_at"], r.json["photos"][-1]["recorded_at"]) == (iso(done), iso(clock.now))


def test_a_replay_of_a_queued_action_with_the_same_body_adds_it_once_and_a_changed_done_at_is_a_reused_key(as_, job, clock):
    tech, done = as_("tech1"), (clock.now - timedelta(minutes=5)).isoformat()
    body = {"text": "queued offline", "done_at": done}
    first = tech.post(f"/orders/{job['order_id']}/notes", body, headers=key(7))
    clock.advance(minutes=3)
    again = tech.post(f"/orders/{job['order_id']}/notes", body, headers=key(7))
    assert first.status == again.status == 201 and again.json == first.json
    changed = tech.post(f"/orders/{job['order_id']}/notes", {**body, "done_at": clock.now.isoformat()}, headers=key(7))
    assert changed.status == 422 and changed.json["error"]["code"] == "idempotency_key_reused"


def test_the_evaluation_measures_time_in_a_step_from_the_done_times(as_, job, clock):
    """On the way from 08:00; 'in progress' done at 08:30 (sent 09:00): 30 minutes on the way."""
    done = clock.now - timedelta(minutes=30)
    as_("tech1").post(f"/orders/{job['order_id']}/transitions",
                      {"to": "in_progress", "expected_version": job["version"], "done_at": done.isoformat()})
    order = OrderModel.get(job["order_id"])
    entries.read_history(order)
    en_route = next(v for v in figures.visits(order) if v.step == "en_route")
    assert en_route.left - en_route.entered == timedelta(minutes=30) and en_route.next_step == "in_progress"
