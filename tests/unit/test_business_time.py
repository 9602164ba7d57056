"""Business time: SLAs count the business's opening hours and holidays, in its timezone."""
import time as wall
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.business_time import HORIZON_DAYS, Calendar
from infra import demo_data

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def at(zone, *parts):
    return datetime(*parts, tzinfo=zone)


def test_a_request_at_1730_with_a_four_hour_sla_is_due_at_1130_the_next_working_day():
    cal = Calendar(WEEKDAYS, (), LONDON)
    assert cal.add(at(LONDON, 2026, 12, 1, 17, 30), 240) == at(LONDON, 2026, 12, 2, 11, 30)


def test_friday_evening_runs_on_into_monday_past_the_weekend():
    cal = Calendar(WEEKDAYS, (), LONDON)
    assert cal.add(at(LONDON, 2026, 12, 4, 17, 0), 240) == at(LONDON, 2026, 12, 7, 11, 0)


def test_a_start_before_opening_counts_from_the_opening_and_one_after_closing_from_the_next_morning():
    cal = Calendar(WEEKDAYS, (), LONDON)
    assert cal.add(at(LONDON, 2026, 12, 1, 5, 0), 60) == at(LONDON, 2026, 12, 1, 9, 0)
    assert cal.add(at(LONDON, 2026, 12, 1, 21, 0), 60) == at(LONDON, 2026, 12, 2, 9, 0)
    assert cal.add(at(LONDON, 2026, 12, 5, 12, 0), 60) == at(LONDON, 2026, 12, 7, 9, 0)  # a Saturday


def test_an_sla_used_up_exactly_at_closing_is_due_at_closing():
    cal = Calendar(WEEKDAYS, (), LONDON)
    assert cal.add(at(LONDON, 2026, 12, 1, 14, 0), 240) == at(LONDON, 2026, 12, 1, 18, 0)


def test_holidays_close_the_whole_day():
    cal = Calendar(WEEKDAYS, {date(2026, 12, 25), date(2026, 12, 28)}, LONDON)
    # Thursday 24th 17:00: one hour that day, then Friday 25th (holiday), the weekend, Monday 28th
    # (holiday), so three hours on Tuesday the 29th.
    assert cal.add(at(LONDON, 2026, 12, 24, 17, 0), 240) == at(LONDON, 2026, 12, 29, 11, 0)
    assert cal.minutes_between(at(LONDON, 2026, 12, 24, 17, 0), at(LONDON, 2026, 12, 29, 11, 0)) == 240


def test_holidays_may_be_given_as_iso_dates():
    cal = Calendar(WEEKDAYS, ["2026-12-02"], LONDON)
    assert cal.add(at(LONDON, 2026, 12, 1, 17, 30), 240) == at(LONDON, 2026, 12, 3, 11, 30)


def test_several_windows_a_day_skip_the_lunch_break():
    cal = Calendar({"mon": [["08:00", "12:00"], ["13:00", "17:00"]]}, (), LONDON)
    assert cal.add(at(LONDON, 2026, 11, 30, 11, 0), 120) == at(LONDON, 2026, 11, 30, 14, 0)
    assert cal.minutes_between(at(LONDON, 2026, 11, 30, 7, 0), at(LONDON, 2026, 11, 30, 20, 0)) == 480


def test_the_day_the_clocks_go_forward_keeps_local_opening_times():
    cal = Calendar({d: [["08:00", "18:00"]] for d in ("sat", "sun", "mon")}, (), LONDON)
    # London springs forward on Sunday 29 March 2026 at 01:00 UTC.
    start = at(LONDON, 2026, 3, 28, 17, 0)  # Saturday, GMT
    due = cal.add(start, 120)
    assert due == at(LONDON, 2026, 3, 29, 9, 0)  # Sunday, BST
    assert due.astimezone(timezone.utc) == datetime(2026, 3, 29, 8, 0, tzinfo=timezone.utc)
    assert cal.minutes_between(start, due) == 120


def test_a_window_through_the_change_counts_real_minutes():
    # New York falls back on 1 November 2026 at 02:00 local: 01:00-03:00 that night is 3 hours;
    # it springs forward on 8 March 2026: 01:00-04:00 is 2 hours.
    night = {"sun": [["01:00", "04:00"]]}
    cal = Calendar(night, (), NEW_YORK)
    assert cal.minutes_between(at(NEW_YORK, 2026, 11, 1, 0, 0), at(NEW_YORK, 2026, 11, 1, 12, 0)) == 240
    assert cal.minutes_between(at(NEW_YORK, 2026, 3, 8, 0, 0), at(NEW_YORK, 2026, 3, 8, 12, 0)) == 120
    assert cal.minutes_between(at(NEW_YORK, 2026, 11, 8, 0, 0), at(NEW_YORK, 2026, 11, 8, 12, 0)) == 180


def test_minutes_between_counts_only_open_time_and_is_negative_backwards():
    cal = Calendar(WEEKDAYS, (), LONDON)
    friday, monday = at(LONDON, 2026, 12, 4, 17, 0), at(LONDON, 2026, 12, 7, 9, 0)
    assert cal.minutes_between(friday, monday) == 120
    assert cal.minutes_between(monday, friday) == -120
    assert cal.minutes_between(friday, friday) == 0


def test_add_and_minutes_between_agree():
    cal = Calendar({**WEEKDAYS, "sat": [["09:00", "13:00"]]}, {date(2026, 12, 25)}, LONDON)
    start = at(LONDON, 2026, 12, 20, 23, 59)
    for minutes in (1, 59, 600, 601, 2400, 10_000):
        assert cal.minutes_between(start, cal.add(start, minutes)) == pytest.approx(minutes)


def test_no_opening_hours_at_all_counts_calendar_time():
    for hours in (None, {}, {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}):
        cal = Calendar(hours, (), LONDON)
        start = at(LONDON, 2026, 12, 1, 17, 30)
        assert cal.add(start, 240) == start + timedelta(hours=4)
        assert cal.minutes_between(start, start + timedelta(hours=4)) == 240


def test_a_year_long_sla_is_found_quickly():
    cal = Calendar(WEEKDAYS, (), LONDON)
    start = at(LONDON, 2026, 12, 1, 9, 0)
    began = wall.perf_counter()
    due = cal.add(start, 366 * 24 * 60)
    assert wall.perf_counter() - began < 1.0
    assert cal.minutes_between(start, due) == 366 * 24 * 60
    assert due.year == 2030  # 8,784 hours at 50 a week: about 3.4 years


def test_hours_that_cannot_use_up_the_sla_stop_at_the_horizon():
    cal = Calendar({"mon": [["08:00", "08:01"]]}, (), LONDON)  # one minute a week
    start = at(LONDON, 2026, 12, 1, 9, 0)
    assert cal.add(start, 366 * 24 * 60) == start + timedelta(days=HORIZON_DAYS)


def test_the_two_clocks():
    cal = Calendar(WEEKDAYS, (), LONDON)
    start = at(LONDON, 2026, 12, 1, 17, 30)
    assert cal.due(start, 240, "calendar") == at(LONDON, 2026, 12, 1, 21, 30)
    assert cal.due(start, 240, "business") == at(LONDON, 2026, 12, 2, 11, 30)
    assert cal.elapsed(start, at(LONDON, 2026, 12, 2, 9, 0), "calendar") == 930
    assert cal.elapsed(start, at(LONDON, 2026, 12, 2, 9, 0), "business") == 90


def test_naive_moments_and_negative_minutes_are_refused():
    cal = Calendar(WEEKDAYS, (), LONDON)
    with pytest.raises(ValueError):
        cal.add(datetime(2026, 12, 1, 9, 0), 60)
    with pytest.raises(ValueError):
        cal.add(at(LONDON, 2026, 12, 1, 9, 0), -1)


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc),  # Monday morning: Friday's request
    datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc),  # Tuesday before opening: yesterday's
    datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc),  # Wednesday afternoon
    datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc),  # Sunday
    datetime(2027, 3, 29, 8, 30, tzinfo=timezone.utc),  # the Monday after the clocks go forward
])
def test_the_demo_s_waiting_request_is_past_its_four_business_hours_whenever_the_demo_starts(now):
    since = demo_data.waiting_since(now)
    cal = Calendar(demo_data.BUSINESS["opening_hours"], (), LONDON)
    assert cal.minutes_between(since, now) >= 2 * 240
    assert now - since <= timedelta(days=7)
    if now.weekday() in (1, 2):  # after a working day: since yesterday, as the README says
        assert now - since == timedelta(days=1)
