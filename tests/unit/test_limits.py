"""The abuse limits' pure rules: fixed windows, how contacts and client addresses are counted, and
the booking form's token."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.core.errors import TooManyRequests
from chalicelib.limits import form_token, gate, keys, windows

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 8, 0, 20, tzinfo=UTC)
KEY = form_token.signing_key(b"a secret for the tests")


# --- windows -----------------------------------------------------------------------------------------

def test_windows_line_up_on_the_epoch_so_every_server_agrees():
    hour = windows.window_at(NOW, 3600)
    assert (hour.start, hour.end) == (datetime(2026, 11, 30, 8, tzinfo=UTC), datetime(2026, 11, 30, 9, tzinfo=UTC))
    assert windows.window_at(hour.start, 3600) == hour  # the start belongs to the window
    assert windows.window_at(hour.end - timedelta(microseconds=1), 3600) == hour
    assert windows.window_at(hour.end, 3600).index == hour.index + 1  # the end does not


def test_retry_after_is_the_whole_seconds_left_in_the_window_and_at_least_one():
    minute = windows.window_at(NOW, 60)
    assert minute.retry_after(NOW) == 40
    assert minute.retry_after(NOW + timedelta(seconds=39, milliseconds=500)) == 1
    assert minute.retry_after(minute.end) == 1


def test_a_window_shorter_than_a_second_is_refused():
    with pytest.raises(ValueError):
        windows.window_at(NOW, 0)


@pytest.mark.parametrize("seconds, words", [
    (1, "1 second"), (45, "45 seconds"), (60, "1 minute"), (61, "2 minutes"), (3540, "59 minutes"), (3580, "about 1 hour"),
    (3600, "about 1 hour"), (5400, "about 2 hours"), (47 * 3600, "about 47 hours"), (3 * 86400, "about 3 days"),
])
def test_waits_in_words(seconds, words):
    assert windows.in_words(seconds) == words


def test_too_many_requests_carries_its_retry_after_in_the_details_too():
    error = TooManyRequests("Slow down.", 12.2, {"limit": 3})
    assert (error.status, error.code, error.retry_after) == (429, "too_many_requests", 12)
    assert error.details == {"limit": 3, "retry_after": 12}
    assert TooManyRequests("Now.", 0).retry_after == 1


# --- contacts and addresses ----------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["Jo@Example.NET", " jo@example.net ", "JO@EXAMPLE.NET"])
def test_an_email_is_one_address_whatever_its_case(written):
    assert keys.normal_email(written) == "jo@example.net"


@pytest.mark.parametrize("written", ["+44 7700 900111", "07700 900111", "0044 (0)7700-900-111", "447700900111", "7700.900.111"])
def test_a_phone_number_is_one_number_however_it_is_written(written):
    assert keys.normal_phone(written) == "700900111"


def test_different_numbers_stay_different_and_short_ones_keep_every_digit():
    assert keys.normal_phone("0117 496 0000") != keys.normal_phone("0117 496 0001")
    assert keys.normal_phone("12-34-56") == "123456"


def test_contact_ids_are_digests_that_hold_no_email_or_phone():
    ids = keys.contact_ids(b"s", "Jo@Example.net", "+44 7700 900111")
    assert ids == keys.contact_ids(b"s", "jo@example.net", "07700 900111")
    assert set(ids) == {"email", "phone"} and ids["email"].startswith("contact:email:")
    assert "jo" not in ids["email"] and "900111" not in ids["phone"]
    assert keys.contact_ids(b"another secret", "jo@example.net", None)["email"] != ids["email"]
    assert keys.contact_ids(b"s", None, "") == {}


@pytest.mark.parametrize("address, network", [
    ("203.0.113.7", "203.0.113.7"),
    (" 203.0.113.7 ", "203.0.113.7"),
    ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4 written as IPv6
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same household
    ("not an address", None),
    ("", None),
])
def test_a_client_is_its_ipv4_address_or_its_ipv6_64(address, network):
    assert keys.client_network(address) == network


def test_the_viewer_address_counts_only_with_the_distributions_proof(monkeypatch):
    monkeypatch.setenv("LIMITS_SECRET", "the-secret")
    context = {"identity": {"sourceIp": "198.51.100.1"}}
    viewer = {"x-viewer-address": "203.0.113.7", "x-origin-verify": "the-secret"}
    assert gate.client_network(context, viewer) == "203.0.113.7"
    assert gate.client_network(context, {**viewer, "x-origin-verify": "the-secret-"}) == "198.51.100.1"
    assert gate.client_network(context, {"x-viewer-address": "203.0.113.7"}) == "198.51.100.1"
    assert gate.client_network(context, {**viewer, "x-viewer-address": "nonsense"}) == "198.51.100.1"
    assert gate.client_network({}, {}) == gate.UNKNOWN_NETWORK


# --- the form token ------------------------------------------------------------------------------------

def test_a_token_is_accepted_between_the_minimum_and_the_maximum_age():
    token = form_token.issue(NOW, KEY)
    for age in (3, 60, 4 * 3600):
        form_token.check(token, NOW + timedelta(seconds=age), KEY, 3, 4 * 3600)


def test_a_token_sent_too_soon_says_how_long_to_wait():
    token = form_token.issue(NOW, KEY)
    with pytest.raises(form_token.SubmittedTooSoon) as early:
        form_token.check(token, NOW + timedelta(seconds=1, milliseconds=200), KEY, 3, 3600)
    assert (early.value.status, early.value.code, early.value.retry_after) == (429, "submitted_too_soon", 2)
    form_token.check(token, NOW, KEY, 0, 3600)  # a minimum of 0 switches the check off


@pytest.mark.parametrize("problem, token, when", [
    ("is missing", None, NOW),
    ("is missing", "", NOW),
    ("is not valid", 42, NOW),
    ("is not valid", "x" * 201, NOW),
    ("is not valid", "1.2.3", NOW),
    ("is not valid", "2.1796112000.nonce.sig", NOW),
    ("has expired", "VALID", NOW + timedelta(hours=4, seconds=1)),
    ("is not valid", "VALID", NOW - timedelta(seconds=6)),  # issued "in the future"
])
def test_tokens_that_are_missing_malformed_expired_or_from_the_future_are_refused(problem, token, when):
    token = form_token.issue(NOW, KEY) if token == "VALID" else token
    with pytest.raises(form_token.FormTokenInvalid) as refused:
        form_token.check(token, when, KEY, 3, 4 * 3600)
    assert (refused.value.status, refused.value.code) == (422, "form_token_invalid")
    assert refused.value.details == [{"field": "form_token", "message": problem}]


def test_a_token_changed_or_signed_with_another_key_is_refused():
    token = form_token.issue(NOW, KEY, nonce="abc")
    version, issued, nonce, signature = token.split(".")
    forgeries = [
        f"{version}.{int(issued) - 3600}.{nonce}.{signature}",  # made to look older
        f"{version}.{issued}.abd.{signature}",
        form_token.issue(NOW, form_token.signing_key(b"another secret"), nonce="abc"),
        f"{version}.{issued}.{nonce}.{signature[:-1]}",
    ]
    for forged in forgeries:
        with pytest.raises(form_token.FormTokenInvalid):
            form_token.check(forged, NOW + timedelta(seconds=10), KEY, 3, 3600)


def test_tokens_are_short_hold_only_a_time_and_differ_each_time():
    a, b = form_token.issue(NOW, KEY), form_token.issue(NOW, KEY)
    assert a != b and len(a) < 80
    assert a.split(".")[1] == str(int(NOW.timestamp()))
