"""Accountable reviews, the pure parts: how a daily review's flag and a person's action change an
item's record (a day counts once; acknowledging or snoozing resolves it; the order moving is
acting on it), what the report says per owner, and which runs each check was due to make."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from chalicelib.data.review_actions import OPEN, ReviewActionModel
from chalicelib.reviews import accountability
from chalicelib.reviews.figures import Window

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
WEEK = Window(MONDAY.date(), MONDAY.date() + timedelta(days=6), LONDON)


def item(key="sla_breach:WO-1:requested", owner="dispatcher-1", escalated=False):
    return {"key": key, "kind": key.split(":")[0], "order_id": key.split(":")[1], "step": "requested",
            "owner": owner, "work_kind": "job", "escalated": escalated}


def test_a_flag_starts_the_record_and_the_same_day_again_changes_nothing():
    record = ReviewActionModel("sla_breach:WO-1:requested")
    assert accountability.apply_flag(record, item(), "2026-11-30", MONDAY) is True
    assert (record.owner, record.step, record.work_kind, record.order_id, record.kind) == (
        "dispatcher-1", "requested", "job", "WO-1", "sla_breach")
    assert (record.first_flagged_at, record.last_flagged_at, record.days_flagged) == (MONDAY, MONDAY, 1)
    assert (record.month_key, record.resolution, record.escalated_at) == (OPEN, None, None)

    retried = MONDAY + timedelta(minutes=20)  # the run retried, or delivered twice
    assert accountability.apply_flag(record, item(), "2026-11-30", retried) is False
    assert (record.last_flagged_at, record.days_flagged) == (MONDAY, 1)

    tuesday = MONDAY + timedelta(days=1)
    assert accountability.apply_flag(record, item(escalated=True), "2026-12-01", tuesday) is True
    assert (record.first_flagged_at, record.last_flagged_at, record.days_flagged) == (MONDAY, tuesday, 2)
    assert record.escalated_at == tuesday
    accountability.apply_flag(record, item(escalated=True), "2026-12-02", tuesday + timedelta(days=1))
    assert record.escalated_at == tuesday and record.days_flagged == 3  # escalated once, when it first was


def test_acknowledging_resolves_the_item_and_stays_resolved_when_flagged_again():
    record = ReviewActionModel("k")
    accountability.apply_flag(record, item("sla_breach:WO-1:requested"), "2026-11-30", MONDAY)
    acted = MONDAY + timedelta(hours=3)
    accountability.note_action(record, "acknowledged", acted)
    assert (record.first_action_at, record.resolved_at, record.resolution) == (acted, acted, "acknowledged")
    assert record.month_key == "2026-11"  # resolved: filed under the month it was first flagged
    accountability.note_action(record, "snoozed", acted + timedelta(hours=1))  # a later snooze: the first stands
    assert (record.first_action_at, record.resolution) == (acted, "acknowledged")
    accountability.apply_flag(record, item(), "2026-12-01", MONDAY + timedelta(days=1))
    assert (record.resolution, record.month_key, record.days_flagged) == ("acknowledged", "2026-11", 2)


def test_an_item_that_went_away_by_itself_opens_again_when_it_comes_back():
    record = ReviewActionModel("k")
    accountability.apply_flag(record, item(), "2026-11-30", MONDAY)
    accountability.apply_resolution(record, "gone", MONDAY + timedelta(days=1), None)
    assert (record.resolution, record.first_action_at, record.month_key) == ("gone", None, "2026-11")
    accountability.apply_flag(record, item(), "2026-12-05", MONDAY + timedelta(days=5))
    assert (record.resolution, record.resolved_at, record.month_key) == (None, None, OPEN)
    assert record.first_flagged_at == MONDAY


def record(owner, flagged_at, acted_after=None, escalated=False, resolved_after=None, key=None):
    r = ReviewActionModel(key or f"k-{owner}-{flagged_at.isoformat()}-{acted_after}", owner=owner,
                          first_flagged_at=flagged_at)
    if acted_after is not None:
        r.first_action_at = flagged_at + acted_after
    if escalated:
        r.escalated_at = flagged_at + timedelta(days=2)
    if resolved_after is not None:
        r.resolved_at = flagged_at + resolved_after
    return r


def test_owner_records_count_each_owners_items_flagged_in_the_window():
    now = MONDAY + timedelta(days=10)
    records = [
        record("dispatcher-1", MONDAY, timedelta(hours=2), resolved_after=timedelta(hours=2)),
        record("dispatcher-1", MONDAY + timedelta(days=1), timedelta(hours=30), escalated=True, resolved_after=timedelta(hours=30)),
        record("dispatcher-1", MONDAY + timedelta(days=2)),  # untouched, still open
        record("dispatcher-1", MONDAY + timedelta(days=3), timedelta(hours=4), resolved_after=timedelta(hours=4)),
        record("admin-1", MONDAY + timedelta(days=2), None, resolved_after=timedelta(days=1)),  # went away by itself
        record(None, MONDAY + timedelta(days=1)),
        record("dispatcher-1", MONDAY - timedelta(days=1), timedelta(hours=1)),  # the week before: not counted
        record("dispatcher-1", MONDAY + timedelta(days=7), timedelta(hours=1)),  # the week after: not counted
    ]
    names = {"dispatcher-1": "Dana Whitfield", "admin-1": "Alex Morgan"}
    answer = accountability.owner_records(records, WEEK, names, now)
    assert answer[0] == {
        "owner": "dispatcher-1", "name": "Dana Whitfield", "flagged": 4, "acted_within_day": 2, "acted_later": 1,
        "escalated": 1, "untouched": 1, "resolved": 3, "still_open": 1, "median_hours_to_act": 4.0,
        "percent_acted_within_day": 50.0,
    }
    by_owner = {o["owner"]: o for o in answer}
    assert by_owner["admin-1"] == {
        "owner": "admin-1", "name": "Alex Morgan", "flagged": 1, "acted_within_day": 0, "acted_later": 0,
        "escalated": 0, "untouched": 1, "resolved": 1, "still_open": 0, "median_hours_to_act": None,
        "percent_acted_within_day": 0.0,
    }
    assert by_owner[None]["name"] == accountability.NO_OWNER and by_owner[None]["flagged"] == 1


def test_owner_records_take_dicts_too_and_nothing_after_now():
    flagged = MONDAY + timedelta(days=1)
    rows = [{"owner": "dispatcher-1", "first_flagged_at": flagged.isoformat(),
             "first_action_at": (flagged + timedelta(hours=23)).isoformat(), "escalated_at": None, "resolved_at": None}]
    answer = accountability.owner_records(rows, WEEK, {}, flagged + timedelta(hours=12))
    assert answer[0]["untouched"] == 1 and answer[0]["acted_within_day"] == 0  # the action is after `now`
    assert answer[0]["name"] == "dispatcher-1"  # unknown to the names: the id
    answer = accountability.owner_records(rows, WEEK, {}, flagged + timedelta(days=2))
    assert (answer[0]["acted_within_day"], answer[0]["median_hours_to_act"]) == (1, 23.0)
    assert accountability.owner_records([], WEEK, {}, MONDAY) == []


def test_the_runs_each_check_was_due_to_make():
    quarter = Window(datetime(2026, 10, 1).date(), datetime(2026, 12, 31).date(), LONDON)
    after = datetime(2027, 1, 1, 12, tzinfo=timezone.utc)
    daily = accountability.expected_runs("daily", quarter, after)
    assert (len(daily), daily[0], daily[-1]) == (92, "2026-10-01", "2026-12-31")
    weekly = accountability.expected_runs("weekly", quarter, after)
    # Mondays 5 Oct .. 28 Dec review the week before each: the first is the week of 28 September.
    assert (len(weekly), weekly[0], weekly[-1]) == (13, "2026-09-28", "2026-12-21")
    assert accountability.expected_runs("monthly", quarter, after) == ["2026-09-01", "2026-10-01", "2026-11-01"]
    # Mid-quarter, only the runs due by now (07:00 London): today's daily run is due, tomorrow's is not.
    now = datetime(2026, 11, 30, 7, 30, tzinfo=timezone.utc)
    daily = accountability.expected_runs("daily", quarter, now)
    assert daily[-1] == "2026-11-30" and len(daily) == 61
    assert accountability.expected_runs("daily", quarter, datetime(2026, 11, 30, 6, 30, tzinfo=timezone.utc))[-1] == "2026-11-29"


def test_an_item_no_longer_flagged_was_acted_on_when_its_order_moved_on_or_changed_after_the_flag():
    from types import SimpleNamespace

    record = ReviewActionModel("no_technician:WO-1:scheduled")
    accountability.apply_flag(record, {**item("no_technician:WO-1:scheduled"), "step": "scheduled"}, "2026-11-30", MONDAY)
    now = MONDAY + timedelta(days=1)
    stayed = SimpleNamespace(step="scheduled", step_entered_at=MONDAY - timedelta(hours=2), updated_at=MONDAY - timedelta(hours=1))
    assert accountability._order_moved_at(record, stayed, now) is None
    assert accountability._order_changed_at(record, stayed, now) is None  # nobody touched it since: it went away by itself
    touched = SimpleNamespace(**{**vars(stayed), "updated_at": MONDAY + timedelta(hours=5)})
    assert accountability._order_changed_at(record, touched, now) == MONDAY + timedelta(hours=5)
    moved = SimpleNamespace(step="en_route", step_entered_at=MONDAY + timedelta(hours=3), updated_at=MONDAY + timedelta(hours=3))
    assert accountability._order_moved_at(record, moved, now) == MONDAY + timedelta(hours=3)
    back = SimpleNamespace(step="scheduled", step_entered_at=MONDAY + timedelta(hours=6), updated_at=MONDAY + timedelta(hours=6))
    assert accountability._order_moved_at(record, back, now) == MONDAY + timedelta(hours=6)  # left and came back
    assert accountability._order_moved_at(record, None, now) is None  # the order is gone
