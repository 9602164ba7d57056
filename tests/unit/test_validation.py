"""Request validation at the edge (`core.validation`): JSON bodies, dates and times, and the
`Fields` reader that collects every wrong field of a body into one refusal."""
import json
import sys
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.core import settings as app_settings
from chalicelib.core.errors import BadRequest, PayloadTooLarge, ValidationFailed
from chalicelib.core.validation import (FIRST_YEAR, HEADER_BREAKS, LAST_YEAR, NO_ENCODED_WORDS, NON_ASCII_DOMAIN,
                                        NON_ASCII_LOCAL_PART, NOT_ONE_LINE, Fields, email_problem, header_problem,
                                        json_body, parse_date, parse_datetime, query_datetime)
from tests.support.header_payloads import ACCENTED_NAME, ADDRESSES, NAMES, ORDINARY_NAMES, params

UTC = timezone.utc


def errors_of(fields: Fields) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for e in fields.errors]


# --- JSON bodies -------------------------------------------------------------------------------------------

def test_a_json_object_body_is_decoded():
    assert json_body(b'{"name": "Zo\\u00eb", "n": 2}') == {"name": "Zoë", "n": 2}
    assert json_body('{"name": "Zoë"}'.encode()) == {"name": "Zoë"}


@pytest.mark.parametrize("raw", [b"", b"   ", None])
def test_an_empty_body_is_refused_when_required_and_empty_otherwise(raw):
    with pytest.raises(BadRequest) as caught:
        json_body(raw)
    assert caught.value.code == "invalid_json" and caught.value.status == 400
    assert json_body(raw, required=False) == {}


@pytest.mark.parametrize("raw", [b"{", b"{'a': 1}", b'{"a": 1,}', b"\xff\xfe\x00", b"nul"])
def test_a_body_that_is_not_json_is_refused(raw):
    with pytest.raises(BadRequest) as caught:
        json_body(raw)
    assert caught.value.code == "invalid_json" and "not valid JSON" in caught.value.message


@pytest.mark.parametrize("raw", [b"[]", b'["a"]', b'"a map"', b"42", b"null", b"true"])
def test_a_json_value_that_is_not_an_object_is_refused(raw):
    with pytest.raises(BadRequest) as caught:
        json_body(raw)
    assert caught.value.message == "The body must be a JSON object."


def test_a_body_over_the_limit_is_refused_before_it_is_parsed():
    limit = app_settings.MAX_BODY_BYTES
    body = b'{"a": "' + b"x" * (limit - 9) + b'"}'
    assert len(body) == limit and json_body(body)["a"].startswith("x")
    with pytest.raises(PayloadTooLarge) as caught:
        json_body(body + b" ")
    assert caught.value.status == 413 and caught.value.details == {"limit_bytes": limit}
    with pytest.raises(PayloadTooLarge):
        json_body(b"{" * 11, max_bytes=10)  # too large wins over not JSON


def test_a_body_nested_too_deeply_is_refused_not_a_crash():
    with pytest.raises(BadRequest) as caught:
        json_body(b"[" * 60_000)
    assert caught.value.code == "invalid_json"


def test_text_that_is_not_unicode_is_refused():
    # a lone surrogate, spelt with a JSON escape: no store or email can encode it
    with pytest.raises(BadRequest) as caught:
        json_body(b'{"name": "\\ud800"}')
    assert "not valid Unicode" in caught.value.message
    assert json_body(b'{"name": "\\ud83d\\ude00"}') == {"name": "😀"}  # a proper pair is fine


# --- dates and times ---------------------------------------------------------------------------------------

def test_a_date_is_a_calendar_date():
    assert parse_date("2026-12-02") == date(2026, 12, 2)
    assert parse_date("2028-02-29") == date(2028, 2, 29)


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-29", "2026-12-32", "02/12/2026", "", "tomorrow"])
def test_a_date_that_does_not_exist_is_refused(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize("value", ["0001-01-01", "1969-12-31", "3000-01-01", "9999-12-31"])
def test_a_date_outside_the_years_the_business_books_is_refused(value):
    with pytest.raises(ValueError) as caught:
        parse_date(value)
    assert str(FIRST_YEAR) in str(caught.value) and str(LAST_YEAR) in str(caught.value)


@pytest.mark.parametrize("value", [f"{FIRST_YEAR}-01-01", f"{LAST_YEAR}-12-31"])
def test_the_first_and_last_years_are_accepted(value):
    assert parse_date(value).isoformat() == value


@pytest.mark.parametrize("value, utc", [
    ("2026-12-02T09:00:00Z", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
    ("2026-12-02T09:00:00+00:00", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
    ("2026-12-02T10:00:00+01:00", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
    ("2026-12-02T04:00:00-05:00", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
    ("2026-12-02T14:45:00+05:45", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
    ("  2026-12-02T09:00:00.250Z  ", datetime(2026, 12, 2, 9, 0, 0, 250000, tzinfo=UTC)),
])
def test_a_time_with_an_offset_or_z_is_returned_in_utc(value, utc):
    parsed = parse_datetime(value)
    assert parsed == utc and parsed.utcoffset() == timedelta(0) and parsed.tzinfo is UTC


@pytest.mark.parametrize("value", ["2026-12-02T09:00:00", "2026-12-02 09:00", "2026-12-02"])
def test_a_naive_time_is_refused(value):
    with pytest.raises(ValueError) as caught:
        parse_datetime(value)
    assert "offset" in str(caught.value)


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "1969-12-31T12:00:00Z",
                                   "3000-01-01T00:00:00Z"])
def test_a_time_outside_the_years_is_refused_before_any_arithmetic(value):
    with pytest.raises(ValueError):
        parse_datetime(value)


@pytest.mark.parametrize("value", ["2026-12-02T25:00:00Z", "2026-12-02T09:00:00+25:00", "soon", "", "Z"])
def test_a_time_that_is_not_a_time_is_refused(value):
    with pytest.raises(ValueError):
        parse_datetime(value)


@settings(max_examples=50, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2998, 12, 31)),
       st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_any_time_written_with_any_offset_reads_back_as_the_same_instant(moment, offset_minutes):
    zone = timezone(timedelta(minutes=offset_minutes))
    aware = moment.replace(tzinfo=zone)
    assert parse_datetime(aware.isoformat()) == aware
    assert parse_datetime(aware.astimezone(UTC).isoformat().replace("+00:00", "Z")) == aware


@pytest.mark.parametrize("value, expected", [
    ("2026-12-02", datetime(2026, 12, 2, tzinfo=UTC)),  # a plain date: midnight UTC
    ("2026-12-02T10:00:00+01:00", datetime(2026, 12, 2, 9, tzinfo=UTC)),
    ("", None),
])
def test_a_query_time_is_a_date_or_a_time_with_an_offset(value, expected):
    assert query_datetime({"from": value}, "from") == expected
    assert query_datetime({}, "from") is None


@pytest.mark.parametrize("value", ["23/11/2026", "2026-12-02T10:00:00", "1900-01-01", "yesterday"])
def test_a_bad_query_time_is_refused_naming_the_parameter(value):
    with pytest.raises(ValidationFailed) as caught:
        query_datetime({"from": value}, "from")
    assert [d["field"] for d in caught.value.details] == ["from"]


# --- Fields: text ---------------------------------------------------------------------------------------

def test_text_is_trimmed():
    assert Fields({"name": "  Jo Bloggs  "}).text("name", 100) == "Jo Bloggs"


@pytest.mark.parametrize("body, message", [
    ({}, "is required"),
    ({"name": None}, "is required"),
    ({"name": 42}, "must be a string"),
    ({"name": ["Jo"]}, "must be a string"),
    ({"name": "   "}, "must have at least 1 character(s)"),
    ({"name": "x" * 101}, "must be at most 100 characters"),
    ({"name": "Jo\x00"}, "must not contain control characters"),
    ({"name": "Jo\nBloggs"}, "must not contain control characters"),
    ({"name": "Jo\x7f"}, "must not contain control characters"),
])
def test_a_bad_text_field_is_named_with_its_reason(body, message):
    fields = Fields(body)
    assert fields.text("name", 100) is None
    assert errors_of(fields) == [("name", message)]


def test_an_optional_text_may_be_missing_or_blank():
    fields = Fields({"note": "  "})
    assert fields.text("note", 100, required=False) is None and fields.text("other", 100, required=False) is None
    assert fields.errors == []


def test_multiline_text_keeps_line_breaks_but_refuses_other_control_characters():
    fields = Fields({"notes": "Side gate\r\nis open", "bad": "tab\there"})
    assert fields.text("notes", 100, multiline=True) == "Side gate\r\nis open"
    assert fields.text("bad", 100, multiline=True) is None
    assert errors_of(fields) == [("bad", "must not contain control characters")]


def test_a_minimum_length_applies_to_optional_text_only_when_given():
    fields = Fields({"currency": "EU"})
    assert fields.text("currency", 3, required=False, min_len=3) is None
    assert fields.text("missing", 3, required=False, min_len=3) is None
    assert errors_of(fields) == [("currency", "must have at least 3 character(s)")]


# --- Fields: email and phone ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, clean", [
    ("jo@example.net", "jo@example.net"),
    ("  Jo.Bloggs+jobs@Example.CO.UK ", "jo.bloggs+jobs@example.co.uk"),  # trimmed and lower-cased
    ("o'neill@example.ie", "o'neill@example.ie"),
    ("jo@xn--bcher-kva.example", "jo@xn--bcher-kva.example"),  # an internationalised domain, in ASCII form
    ("a@b-c.example", "a@b-c.example"),
])
def test_an_email_address_is_accepted_lower_cased(value, clean):
    fields = Fields({"email": value})
    assert fields.email("email") == clean and fields.errors == []


@pytest.mark.parametrize("value", [
    "jo", "jo@", "@example.net", "jo@example", "jo@@example.net", "jo@example..net", "jo@-example.net",
    "jo@example-.net", "jo bloggs@example.net", "<jo@example.net>", "jo@example.net, eve@evil.test",
    "jo@example.net;eve@evil.test", '"jo"@example.net', "jo@exam_ple.net", "jo@example.net\nBcc: eve@evil.test",
    "x" * 250 + "@example.net",
])
def test_anything_but_one_plain_email_address_is_refused(value):
    fields = Fields({"email": value})
    assert fields.email("email") is None
    assert [f for f, _ in errors_of(fields)] == ["email"]


@pytest.mark.parametrize("value", ["zoë@example.net", "jürgen@example.com", "李@example.cn", "ｊｏ@example.net"])
def test_an_address_with_non_ascii_before_the_at_is_refused_because_our_email_cannot_reach_it(value):
    fields = Fields({"email": value})
    assert fields.email("email") is None
    assert errors_of(fields) == [("email", NON_ASCII_LOCAL_PART)]


def test_an_internationalised_domain_is_asked_for_in_its_ascii_form():
    fields = Fields({"email": "jo@bücher.example"})
    assert fields.email("email") is None
    assert errors_of(fields) == [("email", NON_ASCII_DOMAIN)]


@pytest.mark.parametrize("value", params(ADDRESSES))
def test_an_address_that_tries_to_add_a_header_or_a_recipient_is_refused(value):
    fields = Fields({"customer": {"email": value}})
    assert fields.object("customer").email("email") is None
    assert [f for f, _ in errors_of(fields)] == ["customer.email"]
    assert email_problem(value) is not None


def test_an_optional_email_may_be_left_out():
    fields = Fields({})
    assert fields.email("email", required=False) is None and fields.errors == []


@pytest.mark.parametrize("value", ["+44 7700 900123", "07700 900123", "(0117) 496-0000", "+1 415.555.0100", "123456", "0117/4960000"])
def test_a_phone_number_is_digits_with_the_usual_separators(value):
    fields = Fields({"phone": value})
    assert fields.phone("phone") == value and fields.errors == []


@pytest.mark.parametrize("value", ["12345", "+44 (0) ---", "call me", "+44 7700 900123 ext 4", "1" * 25, "++447700900123",
                                   "+44\t7700900123"])
def test_anything_else_is_not_a_phone_number(value):
    fields = Fields({"phone": value})
    assert fields.phone("phone") is None
    assert [f for f, _ in errors_of(fields)] == ["phone"]


# --- Fields: numbers, times, objects -------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("3", "must be a whole number"), (2.5, "must be a whole number"), (3.0, "must be a whole number"),
    (True, "must be a whole number"), (0, "must be at least 1"), (10_001, "must be at most 10000"),
])
def test_a_bad_integer_is_named_with_its_reason(value, message):
    fields = Fields({"quantity": value})
    assert fields.integer("quantity", 1, 10_000) is None
    assert errors_of(fields) == [("quantity", message)]


def test_an_integer_within_its_bounds_is_accepted():
    fields = Fields({"a": 1, "b": 10_000, "c": -5})
    assert (fields.integer("a", 1, 10_000), fields.integer("b", 1, 10_000), fields.integer("c")) == (1, 10_000, -5)
    assert fields.errors == []


def test_a_time_field_is_read_in_utc_and_a_naive_one_is_named():
    fields = Fields({"start": "2026-12-02T10:00:00+01:00", "end": "2026-12-02T11:00:00", "other": 1700000000})
    assert fields.datetime("start") == datetime(2026, 12, 2, 9, tzinfo=UTC)
    assert fields.datetime("end") is None and fields.datetime("other") is None
    assert [f for f, _ in errors_of(fields)] == ["end", "other"]
    assert "offset" in fields.errors[0]["message"]


def test_nested_objects_name_their_fields_with_a_path():
    # Given a booking whose customer has a bad email and whose address lacks a city
    body = {"customer": {"name": "Jo", "email": "not-an-address"}, "address": {"street": "1 High St"}}
    fields = Fields(body)
    customer, address = fields.object("customer"), fields.object("address")
    customer.text("name", 100)
    customer.email("email")
    address.text("street", 200)
    address.text("city", 100)
    # Then the refusal lists both, by their paths, in one go
    with pytest.raises(ValidationFailed) as caught:
        fields.raise_if_errors("The booking is not valid.")
    assert caught.value.message == "The booking is not valid."
    assert caught.value.details == [{"field": "customer.email", "message": "must be a valid email address"},
                                    {"field": "address.city", "message": "is required"}]


def test_a_nested_value_that_is_not_an_object_is_named():
    fields = Fields({"customer": "Jo"})
    fields.object("customer")
    assert errors_of(fields) == [("customer", "must be an object")]
    assert fields.object("missing", required=False) is None


def test_a_body_that_is_not_an_object_is_one_error():
    fields = Fields(["not", "an", "object"])
    assert fields.text("name", 10, required=False) is None
    assert errors_of(fields) == [("body", "must be an object")]


def test_a_reader_without_errors_does_not_raise():
    fields = Fields({"name": "Jo"})
    fields.text("name", 10)
    fields.raise_if_errors()


def test_every_wrong_field_is_listed_once():
    fields = Fields({"name": "", "email": "x", "phone": "1", "quantity": "2", "start": "now"})
    fields.text("name", 10)
    fields.email("email")
    fields.phone("phone")
    fields.integer("quantity", 1)
    fields.datetime("start")
    fields.text("missing", 10)
    assert [f for f, _ in errors_of(fields)] == ["name", "email", "phone", "quantity", "start", "missing"]
    with pytest.raises(ValidationFailed) as caught:
        fields.raise_if_errors()
    assert caught.value.status == 422 and len(caught.value.details) == 6
    json.dumps(caught.value.details)  # the details go out as JSON as they are


# --- text that can reach an email header ----------------------------------------------------------------

def test_the_header_check_refuses_exactly_the_control_and_separator_characters():
    """Every character Unicode calls a control (Cc), a line separator (Zl) or a paragraph
    separator (Zp), and every boundary str.splitlines() knows: nothing more, nothing less."""
    unsafe = {chr(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) in ("Cc", "Zl", "Zp")}
    assert {"\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x00", "\x7f"} <= unsafe
    assert {c for c in unsafe if HEADER_BREAKS.search(c)} == unsafe
    assert HEADER_BREAKS.findall("".join(chr(c) for c in range(0x2100)) + "\u2028\u2029") == sorted(
        c for c in unsafe if ord(c) < 0x2100) + ["\u2028", "\u2029"]
    breaks = {c for c in unsafe | {chr(c) for c in range(0x3000)} if len(f"a{c}b".splitlines()) > 1}
    assert breaks <= unsafe


@pytest.mark.parametrize("value", params(NAMES))
def test_every_shape_of_header_injection_is_named_by_the_header_check(value):
    assert header_problem(value) in (NOT_ONE_LINE, NO_ENCODED_WORDS)


@pytest.mark.parametrize("value", ORDINARY_NAMES)
def test_ordinary_names_pass_the_header_check(value):
    assert header_problem(value) is None
    assert Fields({"name": f"  {value} "}).header_text("name", 120) == value


@pytest.mark.parametrize("value", params(NAMES))
def test_a_name_that_could_break_a_header_is_refused_at_the_edge_with_the_field_named(value):
    # Given a booking whose customer's name holds a line break or an encoded word
    fields = Fields({"customer": {"name": value}})
    # Then the name is refused, by its path, with a reason a person can act on
    assert fields.object("customer").header_text("name", 120) is None
    [(field, message)] = errors_of(fields)
    assert field == "customer.name" and message in (NOT_ONE_LINE, NO_ENCODED_WORDS)
    with pytest.raises(ValidationFailed) as caught:
        fields.raise_if_errors()
    assert caught.value.status == 422 and caught.value.code == "validation_failed"


def test_a_line_break_is_refused_even_where_trimming_would_remove_it():
    for value in ("Jo Bloggs\r\n", "\nJo Bloggs", "Jo Bloggs\u2028", "\x85Jo"):
        fields = Fields({"name": value})
        assert fields.header_text("name", 120) is None and errors_of(fields) == [("name", NOT_ONE_LINE)]


def test_encoded_word_markers_are_refused_but_their_characters_alone_are_not():
    assert header_problem("=?utf-8?q?Jo?=") == NO_ENCODED_WORDS
    assert header_problem("Jo =?") == NO_ENCODED_WORDS and header_problem("Jo ?=") == NO_ENCODED_WORDS
    assert header_problem("Who? = Me") is None and header_problem("a=b?") is None


def test_header_text_keeps_the_other_text_rules():
    fields = Fields({"name": "x" * 121, "blank": "  ", "number": 7})
    assert fields.header_text("name", 120) is None
    assert fields.header_text("blank", 120, required=False) is None
    assert fields.header_text("number", 120) is None
    assert fields.header_text("missing", 120) is None
    assert errors_of(fields) == [("name", "must be at most 120 characters"), ("number", "must be a string"),
                                 ("missing", "is required")]
    assert Fields({"name": ACCENTED_NAME}).header_text("name", 120) == ACCENTED_NAME

