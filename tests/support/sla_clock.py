"""For tests about something other than the SLA's clock (digests, inboxes, lists, escalation):
the business calendar counts every minute, as a business with no opening hours set does, so
their orders' SLAs run out at plain wall-clock times. Business time itself is tested in
tests/unit/test_business_time.py, tests/unit/test_sla_figures.py and
tests/api/test_business_time_sla.py."""
from chalicelib.core.business_time import Calendar
from chalicelib.setup import business


def count_calendar_time(monkeypatch) -> None:
    monkeypatch.setattr(business, "calendar", lambda data=None: Calendar(None))
