"""When an action counts as done (orders.moves.done_time): the app's `done_at`, bounded by the
server's clock (with 2 minutes of skew), the order's creation and, for a move, its latest history."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.orders.moves import CLOCK_SKEW, done_time, requested_done_at

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CREATED = NOW - timedelta(hours=3)


def order(*moves_at):
    history = [SimpleNamespace(at=t) for t in moves_at]
    return SimpleNamespace(created_at=CREATED, step_entered_at=moves_at[-1] if moves_at else CREATED, history=history)


def test_without_done_at_an_action_is_done_when_the_server_gets_it():
    assert done_time(order(CREATED), None, NOW) == NOW


def test_a_done_at_between_the_order_s_creation_and_now_is_kept():
    assert done_time(order(CREATED), NOW - timedelta(minutes=50), NOW) == NOW - timedelta(minutes=50)


def test_a_done_at_within_the_clock_skew_ahead_is_now():
    assert done_time(order(CREATED), NOW + CLOCK_SKEW, NOW) == NOW


def test_a_done_at_further_ahead_is_a_field_error():
    fields = Fields({"done_at": (NOW + CLOCK_SKEW + timedelta(seconds=1)).isoformat()})
    requested_done_at(fields, NOW)
    assert [e["field"] for e in fields.errors] == ["done_at"]


def test_a_done_at_just_before_the_creation_is_the_creation_and_earlier_is_refused():
    assert done_time(order(CREATED), CREATED - timedelta(seconds=30), NOW) == CREATED
    with pytest.raises(ValidationFailed):
        done_time(order(CREATED), CREATED - CLOCK_SKEW - timedelta(seconds=1), NOW)


def test_a_move_never_goes_before_the_latest_history_entry_but_a_note_may():
    latest = NOW - timedelta(minutes=10)
    early = NOW - timedelta(minutes=30)
    assert done_time(order(CREATED, latest), early, NOW, in_history=True) == latest
    assert done_time(order(CREATED, latest), early, NOW) == early
