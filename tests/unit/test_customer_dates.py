"""Dates as people write them in the business's locale, and the From and Date headers of the
emails that carry them."""
from datetime import datetime, timezone
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core import dates
from chalicelib.mail import messages

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
START = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)


def test_uk_dates_read_day_month_year_with_a_24_hour_clock():
    assert dates.date_time(START, LONDON) == "Tuesday 3 March 2026, 10:00"
    assert dates.date_time(START, LONDON, "en-GB", year=False) == "Tuesday 3 March, 10:00"


def test_us_dates_read_month_day_year_with_am_and_pm():
    assert dates.date_time(START, LONDON, "en-US") == "Tuesday, March 3, 2026, 10:00 AM"
    assert dates.date_time(START, NEW_YORK, "en-US") == "Tuesday, March 3, 2026, 5:00 AM"
    assert dates.clock_time(datetime(2026, 3, 3, 0, 5), "en-US") == "12:05 AM"
    assert dates.clock_time(datetime(2026, 3, 3, 12, 30), "en-US") == "12:30 PM"


def test_an_unknown_locale_writes_uk_dates():
    assert dates.locale_of("xx-YY") == "en-GB" and dates.date_time(START, LONDON, "xx-YY") == "Tuesday 3 March 2026, 10:00"


def test_an_appointment_shows_the_zone_in_force_that_day_and_both_dates_past_midnight():
    summer = datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc)
    assert dates.appointment(summer, summer.replace(hour=11), LONDON) == "Wednesday 1 July 2026, 10:00 to 12:00 (BST)"
    late = datetime(2026, 3, 3, 23, 0, tzinfo=timezone.utc)
    assert dates.appointment(late, late.replace(day=4, hour=1), LONDON) == "Tuesday 3 March 2026, 23:00 to Wednesday 4 March 2026, 01:00 (GMT)"


def _parsed(message):
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def test_the_business_name_is_the_senders_display_name_and_the_message_is_dated(monkeypatch):
    from chalicelib.core import clock

    monkeypatch.setenv("SENDER_EMAIL", "office@example.com")
    monkeypatch.setattr(clock, "now", lambda: START)
    built = messages.build(messages.mailbox("jo@example.net", "Jo"), "Hi", "t", "<p>h</p>", sender_name="Clearview, Windows & Co")
    back = _parsed(built)
    assert back["From"].addresses[0].display_name == "Clearview, Windows & Co"
    assert back["From"].addresses[0].addr_spec == "office@example.com"
    assert back["Date"] == "Tue, 03 Mar 2026 10:00:00 +0000" and parsedate_to_datetime(back["Date"]) == START


@pytest.mark.parametrize("name", ["Clearview\r\nBcc: x@y.z", "=?utf-8?b?QmNjOiB4QHkueg==?=", "Clear\u2028view", "Clear\x85view"])
def test_a_business_name_that_could_break_the_from_header_is_refused_not_sent(monkeypatch, name):
    monkeypatch.setenv("SENDER_EMAIL", "office@example.com")
    with pytest.raises(messages.UnsafeHeader):
        messages.build(messages.mailbox("jo@example.net"), "Hi", "t", "<p>h</p>", sender_name=name)
