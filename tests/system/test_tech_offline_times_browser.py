"""Offline times in a real browser: what the technician does without a signal is stamped with the
time it was done (`done_at`), and when the phone is back online the server keeps that time as the
entry's `at`, next to `recorded_at`, when it arrived; a replay (the first answer lost) sends the
very same body. Same setup as tests/system/test_tech_browser.py (its fixtures and helpers).

With TECH_SCREENSHOTS=1 the job's history after the sync is saved to
docs/screenshots/tech-390-offline-times.png (390 x 844).
"""
import json
import os
import re
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from tests.support.browser import browser, expect, local_system_fixture  # noqa: F401  (fixtures)
from tests.system.test_tech_browser import (  # noqa: F401  (context, page, office: fixtures)
    PHONE, book_for_tech1, context, office, open_job, page, sign_in, sync_status, wait_for_service_worker, wait_until_sent)

ROOT = Path(__file__).resolve().parents[2]
TAKE_SHOTS = os.environ.get("TECH_SCREENSHOTS", "").lower() in ("1", "true", "yes")
OFFLINE_SECONDS = 4

system = local_system_fixture("tech-times")


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_changes_made_offline_keep_the_time_they_were_done_and_the_time_they_arrived(page, context, system, office, tmp_path):
    booked = book_for_tech1(office, "Nora Quayle")
    order_id = booked["order_id"]
    sign_in(page, system)
    wait_for_service_worker(page)
    open_job(page, system, order_id, "Nora Quayle")

    # offline: a note and a move, done now
    context.set_offline(True)
    expect(page.get_by_text("You are offline.")).to_be_visible()
    done_from = datetime.now().astimezone()
    note = f"No signal in the basement. {uuid.uuid4().hex[:6]}"
    page.get_by_label("Add a note").fill(note)
    page.get_by_role("button", name="Add note").click()
    page.get_by_role("button", name="On my way").click()
    expect(sync_status(page)).to_have_text("2 to send")
    done_to = datetime.now().astimezone()
    queued = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('tech-app');
        open.onsuccess = () => {
          const all = open.result.transaction('queue').objectStore('queue').getAll();
          all.onsuccess = () => resolve(all.result.map(i => ({type: i.type, done_at: i.body.done_at})));
        };
    })""")
    assert sorted(q["type"] for q in queued) == ["note", "transition"]
    assert all(done_from - timedelta(seconds=1) <= moment(q["done_at"]) <= done_to + timedelta(seconds=1) for q in queued), queued

    time.sleep(OFFLINE_SECONDS)  # the phone stays without a signal a while

    # back online; the first answer to the move is lost on the way, so the app sends it again
    bodies, lost = [], []

    def lose_first_answer(route):
        bodies.append((route.request.headers.get("idempotency-key"), route.request.post_data))
        if not lost:
            route.fetch()  # the server applies it...
            lost.append(True)
            route.abort("connectionreset")  # ...and the phone never hears back
        else:
            route.continue_()

    page.route(re.compile(r"/orders/[^/]+/transitions$"), lose_first_answer)
    online_at = datetime.now().astimezone()
    context.set_offline(False)
    wait_until_sent(page, timeout=30_000)
    assert len(bodies) >= 2 and len(set(bodies)) == 1, bodies  # same key, same body (with done_at)
    assert json.loads(bodies[0][1])["done_at"] == next(q["done_at"] for q in queued if q["type"] == "transition")

    order = office.order(order_id)
    written, = [n for n in order["notes"] if n["text"] == note]
    move = order["history"][-1]
    assert move["to"] == "en_route" and move["by"] == "tech-1"
    for entry in (written, move):
        at, recorded = moment(entry["at"]), moment(entry["recorded_at"])
        assert done_from - timedelta(seconds=1) <= at <= done_to + timedelta(seconds=1), entry
        assert recorded >= online_at - timedelta(seconds=1) and recorded - at >= timedelta(seconds=OFFLINE_SECONDS), entry
    assert order["step_entered_at"] == move["at"]  # the step (its SLA) counts from when it was done
    # a second reading of the queue: nothing is left to send, and the move is in the history once
    assert [m["to"] for m in order["history"]].count("en_route") == 1

    # the job's history on the phone shows the move as done
    history = page.locator("#tc-history-title").locator("xpath=ancestor::section[1]")
    expect(history.locator(".tc-move").first).to_contain_text("On the way")
    page.set_viewport_size(PHONE)
    history.scroll_into_view_if_needed()
    shot = (ROOT / "docs" / "screenshots" / "tech-390-offline-times.png") if TAKE_SHOTS else tmp_path / "offline-times.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), animations="disabled", caret="hide")
    print(f"screenshot: {shot}")
    assert page.errors == []
