"""The hourly follow-up of quotes: two reminders at the configured days, each sent once; the
expiry at the end of the validity day (the estimate lost); the repair of an answer whose
estimate move did not happen; and a quote with nothing left leaves the follow-up list."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.data.quotes import QuoteModel
from chalicelib.quotes import after_answer, follow_ups
from chalicelib.setup import catalog
from tests.api import quote_helpers as qh
from tests.support.helpers import body_part, scheduled_event, sent_emails


@pytest.fixture
def quote(world, as_, clock):
    estimate = qh.estimate_order(clock.now)
    sent = qh.send_quote(as_("dispatcher"), estimate, valid_until="2026-12-20")
    return {"id": sent["quote_id"], "token": qh.token_of(sent["quote_id"]), "estimate": estimate}


def reminders():
    return [m for m in sent_emails() if str(m["Subject"]).startswith("Reminder:")]


def stored(quote) -> QuoteModel:
    return QuoteModel.get(quote["id"], consistent_read=True)


def test_two_reminders_go_out_at_3_and_7_days_each_once(quote, clock):
    clock.advance(days=2, hours=23)
    assert scheduled_event("quote_follow_ups").get("reminded", 0) == 0
    clock.advance(hours=1)
    assert scheduled_event("quote_follow_ups")["reminded"] == 1
    assert scheduled_event("quote_follow_ups").get("reminded", 0) == 0  # the next hour: nothing due
    clock.advance(days=4)
    assert follow_ups.run(clock.now)["reminded"] == 1
    clock.advance(days=3)
    assert follow_ups.run(clock.now).get("reminded", 0) == 0
    sent = reminders()
    assert len(sent) == 2
    assert [m["Message-ID"].split("@")[0] for m in sent] == [f"<quote-reminder.{quote['id']}.1",
                                                              f"<quote-reminder.{quote['id']}.2"]
    text = body_part(sent[1], "plain")
    assert "A last reminder" in text and f"token={quote['token']}" in text
    q = stored(quote)
    assert int(q.reminders_sent) == 2 and [e["status"] for e in q.reminder_log] == ["sent", "sent"]
    assert q.follow_up == "open" and q.next_action_at == datetime(2026, 12, 21, 0, 0, tzinfo=timezone.utc)


def test_a_reminder_is_claimed_once_even_when_two_runs_overlap(quote, clock):
    clock.advance(days=3)
    first = QuoteModel.get(quote["id"], consistent_read=True)
    business = catalog.business()
    assert follow_ups.remind(first, business, clock.now) is True
    assert follow_ups.remind(first, business, clock.now) is False  # the same stale read: claim refused
    assert len(reminders()) == 1


def test_the_reminder_days_follow_the_business_setting(world, as_, clock):
    r = as_("admin").get("/business")
    settings_now = r.json
    put = as_("admin").put("/business", {"quotes": {"reminder_days": [1]}, "expected_version": settings_now.get("version", 0)})
    assert put.status == 200, put
    estimate = qh.estimate_order(clock.now)
    sent = qh.send_quote(as_("dispatcher"), estimate, valid_until="2026-12-20")
    clock.advance(days=1)
    assert follow_ups.run(clock.now)["reminded"] == 1
    clock.advance(days=7)
    assert follow_ups.run(clock.now).get("reminded", 0) == 0
    assert int(QuoteModel.get(sent["quote_id"]).reminders_sent) == 1


def test_an_unanswered_quote_expires_at_the_end_of_its_day_and_the_estimate_is_lost(quote, clock, as_):
    clock.now = datetime(2026, 12, 20, 23, 59, tzinfo=timezone.utc)  # London is on GMT: still the 20th
    follow_ups.run(clock.now)
    assert stored(quote).status == "sent"
    clock.now = datetime(2026, 12, 21, 0, 0, tzinfo=timezone.utc)
    assert follow_ups.run(clock.now)["expired"] == 1
    q = stored(quote)
    assert q.status == "expired" and q.expired_at == clock.now and q.estimate_moved == "lost"
    assert q.follow_up is None and q.next_action_at is None
    estimate = as_("dispatcher").get(f"/orders/{quote['estimate']}").json
    assert estimate["step"] == "lost" and estimate["history"][-1]["note"] == "Quote expired"
    r = as_().post(f"/public/quotes/{quote['id']}/accept?token={quote['token']}", {"name": "Ada"})
    assert r.status == 409 and r.json["error"]["code"] == "quote_expired"
    assert follow_ups.run(clock.now) == {}


def test_an_answer_whose_estimate_move_failed_is_repaired_by_the_next_run(quote, clock, as_, monkeypatch):
    real_move = after_answer.order_service.move

    def broken(*args, **kwargs):
        raise RuntimeError("unavailable")

    monkeypatch.setattr(after_answer.order_service, "move", broken)
    r = as_().post(f"/public/quotes/{quote['id']}/decline?token={quote['token']}", {"reason": "Going elsewhere"})
    assert r.status == 201
    assert stored(quote).follow_up == "open" and stored(quote).estimate_moved is None
    monkeypatch.setattr(after_answer.order_service, "move", real_move)
    assert follow_ups.run(clock.now) == {}, "not due yet"
    clock.advance(minutes=15)
    assert follow_ups.run(clock.now)["repaired"] == 1
    q = stored(quote)
    assert q.estimate_moved == "lost" and q.follow_up is None
    assert qh.order(quote["estimate"]).step == "lost"


def test_an_accepted_quote_whose_email_failed_is_sent_by_the_follow_up(quote, clock, as_, monkeypatch):
    real_send = after_answer.messages.send
    monkeypatch.setattr(after_answer.messages, "send", lambda message: (_ for _ in ()).throw(RuntimeError("SES down")))
    assert as_().post(f"/public/quotes/{quote['id']}/accept?token={quote['token']}", {"name": "Ada"}).status == 201
    assert stored(quote).answer_email["status"] == "failed" and stored(quote).follow_up == "open"
    monkeypatch.setattr(after_answer.messages, "send", real_send)
    clock.advance(hours=1)
    assert scheduled_event("quote_follow_ups")["repaired"] == 1
    assert stored(quote).answer_email["status"] == "sent" and stored(quote).follow_up is None
    assert len([m for m in sent_emails() if "accepted" in str(m["Subject"])]) == 1
    assert follow_ups.run(clock.now + timedelta(hours=1)) == {}
