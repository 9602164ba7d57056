"""Review periods (`reviews.periods`): which local dates a run reviews, and from when the schedule
runs it (REVIEW_LOCAL_HOUR local time, 07:00 unless set), in the business's timezone."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.core.errors import ValidationFailed
from chalicelib.reviews import periods
from chalicelib.reviews.periods import first_day_of, period_to_review

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def default_hour(monkeypatch):
    monkeypatch.delenv("REVIEW_LOCAL_HOUR", raising=False)
    monkeypatch.delenv("REVIEW_ESCALATE_AFTER", raising=False)


@pytest.mark.parametrize("name, day, first", [
    ("weekly", date(2026, 11, 30), date(2026, 11, 30)),  # a Monday starts its own week
    ("weekly", date(2026, 12, 6), date(2026, 11, 30)),  # the Sunday ends it
    ("weekly", date(2027, 1, 1), date(2026, 12, 28)),  # ISO week 53 of 2026 runs into 2027
    ("monthly", date(2026, 2, 28), date(2026, 2, 1)),
    ("monthly", date(2026, 12, 31), date(2026, 12, 1)),
    ("quarterly", date(2026, 1, 1), date(2026, 1, 1)),
    ("quarterly", date(2026, 3, 31), date(2026, 1, 1)),
    ("quarterly", date(2026, 4, 1), date(2026, 4, 1)),
    ("quarterly", date(2026, 8, 15), date(2026, 7, 1)),
    ("quarterly", date(2026, 12, 31), date(2026, 10, 1)),
    ("daily", date(2026, 11, 30), date(2026, 11, 30)),
])
def test_the_first_day_of_a_period_holding_a_day(name, day, first):
    assert first_day_of(name, day) == first


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(1971, 1, 1), max_value=date(2998, 12, 31)))
def test_a_week_starts_on_the_monday_of_the_day_s_iso_week(day):
    monday = first_day_of("weekly", day)
    assert monday.isocalendar()[:2] == day.isocalendar()[:2] and monday.isoweekday() == 1
    quarter = first_day_of("quarterly", day)
    assert quarter.day == 1 and quarter.month in (1, 4, 7, 10) and 0 <= (day - quarter).days < 92


def test_the_daily_check_reviews_today_from_seven_local_time():
    period = period_to_review("daily", date(2026, 11, 30), LONDON)
    assert (period.name, period.date) == ("daily", "2026-11-30")
    assert (period.window.first_day, period.window.last_day) == (date(2026, 11, 30), date(2026, 11, 30))
    assert period.due == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # GMT in November


def test_seven_local_time_is_six_utc_in_summer():
    assert period_to_review("daily", date(2026, 7, 1), LONDON).due == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


def test_the_hour_the_schedule_runs_can_be_set(monkeypatch):
    monkeypatch.setenv("REVIEW_LOCAL_HOUR", "9")
    assert period_to_review("daily", date(2026, 11, 30), LONDON).due == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("name, today, first, last, due", [
    # a Monday in November reviews the week just ended, the month and quarter before
    ("weekly", date(2026, 11, 30), date(2026, 11, 23), date(2026, 11, 29), datetime(2026, 11, 30, 7, tzinfo=UTC)),
    ("monthly", date(2026, 11, 30), date(2026, 10, 1), date(2026, 10, 31), datetime(2026, 11, 1, 7, tzinfo=UTC)),
    ("quarterly", date(2026, 11, 30), date(2026, 7, 1), date(2026, 9, 30), datetime(2026, 10, 1, 6, tzinfo=UTC)),
    # on the Sunday the week is not over yet: the run is the week before
    ("weekly", date(2026, 11, 29), date(2026, 11, 16), date(2026, 11, 22), datetime(2026, 11, 23, 7, tzinfo=UTC)),
    # January reviews December and the last quarter of the year before
    ("monthly", date(2027, 1, 1), date(2026, 12, 1), date(2026, 12, 31), datetime(2027, 1, 1, 7, tzinfo=UTC)),
    ("quarterly", date(2027, 1, 15), date(2026, 10, 1), date(2026, 12, 31), datetime(2027, 1, 1, 7, tzinfo=UTC)),
    # a leap February
    ("monthly", date(2028, 3, 10), date(2028, 2, 1), date(2028, 2, 29), datetime(2028, 3, 1, 7, tzinfo=UTC)),
])
def test_an_evaluation_reviews_the_period_just_ended(name, today, first, last, due):
    period = period_to_review(name, today, LONDON)
    assert (period.window.first_day, period.window.last_day, period.due) == (first, last, due)
    assert period.date == first.isoformat()


def test_the_week_across_the_new_year_is_iso_week_53():
    period = period_to_review("weekly", date(2027, 1, 4), LONDON)
    assert (period.window.first_day, period.window.last_day) == (date(2026, 12, 28), date(2027, 1, 3))
    assert period.window.first_day.isocalendar()[:2] == (2026, 53)


def test_a_week_holding_the_clocks_going_forward_is_an_hour_short():
    # the week of Sunday 28 March 2027, reviewed on Monday 29 March (BST)
    period = period_to_review("weekly", date(2027, 3, 29), LONDON)
    window = period.window
    assert window.start == datetime(2027, 3, 22, 0, 0, tzinfo=UTC)
    assert window.end == datetime(2027, 3, 28, 23, 0, tzinfo=UTC)  # midnight BST
    assert window.end - window.start == timedelta(days=7) - timedelta(hours=1)
    assert period.due == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)


def test_the_local_day_the_clocks_go_back_is_25_hours():
    period = period_to_review("daily", date(2026, 10, 25), LONDON)
    assert period.window.start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert period.window.end == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    assert period.due == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # GMT again by seven


def test_a_business_east_of_utc_starts_its_day_the_evening_before_in_utc():
    period = period_to_review("daily", date(2026, 11, 30), ZoneInfo("Pacific/Auckland"))
    assert period.window.start == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)  # NZDT, +13:00
    assert period.due == datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


def test_only_the_four_periods_are_known():
    for name in periods.PERIODS:
        assert periods.check_period(name) == name
    with pytest.raises(ValidationFailed) as caught:
        periods.check_period("yearly")
    assert caught.value.details[0]["field"] == "period"


def test_escalation_waits_at_least_one_check(monkeypatch):
    assert periods.escalate_after() == 3
    monkeypatch.setenv("REVIEW_ESCALATE_AFTER", "0")
    assert periods.escalate_after() == 1
