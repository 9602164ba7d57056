"""The pure rules of quotes: numbers and revision letters, when a sent quote is next looked at,
the quote settings' validation, and what stops a quote from being sent."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.validation import Fields
from chalicelib.quotes import content, numbering, sending
from chalicelib.setup import quote_settings

LONDON = ZoneInfo("Europe/London")


def test_numbers_are_six_digits_in_a_yearly_series_with_a_revision_letter():
    series = numbering.series(2026)
    assert series == "Q-2026"
    assert numbering.number(series, 1) == "Q-2026-000001"
    assert numbering.reference("Q-2026-000042", "C") == "Q-2026-000042-C"
    assert numbering.year_of("Q-2027-000003") == 2027


def test_revision_letters_run_from_a_to_z_and_stop():
    assert numbering.next_letter("A") == "B" and numbering.next_letter("Y") == "Z"
    assert numbering.next_letter("Z") is None
    assert numbering.letters("C") == ["A", "B", "C"]


def test_revision_ids_are_derived_from_the_number_and_the_letter():
    a = numbering.revision_id("Q-2026-000001", "A")
    assert a == numbering.revision_id("Q-2026-000001", "A") and a.startswith("Q-") and len(a) == 14
    assert a != numbering.revision_id("Q-2026-000001", "B") != numbering.revision_id("Q-2026-000002", "B")


def test_a_quote_is_valid_to_the_end_of_its_day_in_the_business_timezone():
    assert sending.expires_at("2026-07-01", LONDON) == datetime(2026, 7, 1, 23, 0, tzinfo=timezone.utc)  # BST
    assert sending.expires_at("2026-12-30", LONDON) == datetime(2026, 12, 31, 0, 0, tzinfo=timezone.utc)


def test_the_first_follow_up_is_the_first_reminder_or_the_expiry_if_sooner():
    sent = datetime(2026, 11, 30, 8, 5, tzinfo=timezone.utc)
    assert sending.first_action_at(sent, "2026-12-30", [3, 7], LONDON) == datetime(2026, 12, 3, 8, 5, tzinfo=timezone.utc)
    assert sending.first_action_at(sent, "2026-12-01", [3, 7], LONDON) == datetime(2026, 12, 2, 0, 0, tzinfo=timezone.utc)
    assert sending.first_action_at(sent, "2026-12-30", [], LONDON) == datetime(2026, 12, 31, 0, 0, tzinfo=timezone.utc)


def _read(block, current=None):
    fields = Fields({"quotes": block})
    result = quote_settings.read({"quotes": block}, current or {}, fields)
    return result, {e["field"]: e["message"] for e in fields.errors}


def test_quote_settings_change_only_the_keys_given():
    result, errors = _read({"validity_days": 14}, {"terms": "Net 30", "reminder_days": [2]})
    assert not errors
    assert result == {"validity_days": 14, "reminder_days": [2], "terms": "Net 30", "deposit": None}
    result, errors = _read({"deposit": {"amount_cents": 10000}, "terms": None, "reminder_days": []})
    assert not errors and result["deposit"] == {"amount_cents": 10000} and result["terms"] == "" and result["reminder_days"] == []


@pytest.mark.parametrize("block, field", [
    ({"validity_days": 0}, "quotes.validity_days"),
    ({"validity_days": 366}, "quotes.validity_days"),
    ({"validity_days": "30"}, "quotes.validity_days"),
    ({"reminder_days": [7, 3]}, "quotes.reminder_days"),
    ({"reminder_days": [3, 3]}, "quotes.reminder_days"),
    ({"reminder_days": [1, 2, 3]}, "quotes.reminder_days"),
    ({"reminder_days": [0]}, "quotes.reminder_days"),
    ({"reminder_days": [True]}, "quotes.reminder_days"),
    ({"deposit": {"percent_basis_points": 0}}, "quotes.deposit.percent_basis_points"),
    ({"deposit": {"percent_basis_points": 10001}}, "quotes.deposit.percent_basis_points"),
    ({"deposit": {"percent_basis_points": 2500, "amount_cents": 1}}, "quotes.deposit"),
    ({"deposit": {"amount_cents": 0}}, "quotes.deposit.amount_cents"),
    ({"deposit": 25}, "quotes.deposit"),
    ({"terms": "x" * 4001}, "quotes.terms"),
    ({"colour": "blue"}, "quotes.colour"),
])
def test_quote_settings_refuse_what_is_not_valid_at_its_field(block, field):
    result, errors = _read(block)
    assert field in errors, errors
    assert result == quote_settings.complete(None)  # nothing wrong is kept


def test_the_defaults_are_copies_nobody_can_change_by_accident():
    one = quote_settings.complete(None)
    one["reminder_days"].append(30)
    assert quote_settings.complete(None)["reminder_days"] == [3, 7]


NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
BUSINESS = {"timezone": "Europe/London"}
LINE = {"line_id": "L-1", "description": "Window", "quantity": 1, "unit_price_cents": 100, "optional": False}


def test_a_quote_is_sendable_with_a_required_line_a_future_date_and_an_email():
    ok = {"lines": [LINE], "valid_until": "2026-11-30"}
    assert content.problems_before_sending(ok, {"email": "a@example.net"}, BUSINESS, NOW) == []
    only_optional = {"lines": [{**LINE, "optional": True}], "valid_until": "2026-12-30"}
    past = {"lines": [LINE], "valid_until": "2026-11-29"}
    assert [p["field"] for p in content.problems_before_sending(only_optional, {"email": "a@example.net"}, BUSINESS, NOW)] == ["lines"]
    assert [p["field"] for p in content.problems_before_sending(past, {"email": "a@example.net"}, BUSINESS, NOW)] == ["valid_until"]
    assert [p["field"] for p in content.problems_before_sending(ok, {"email": None}, BUSINESS, NOW)] == ["customer.email"]


def test_today_is_the_business_local_date():
    late = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)  # 00:30 on 1 July in London
    assert content.today_in(BUSINESS, late).isoformat() == "2026-07-01"
    assert content.default_valid_until({**BUSINESS, "quotes": {"validity_days": 10}}, late) == "2026-07-11"
