"""How customers' details are normalised and matched (chalicelib/customers/normalise.py), and what a
search string is read as (chalicelib/customers/search.py classify): pure, no AWS."""
import pytest

from chalicelib.customers import normalise
from chalicelib.customers.search import classify


@pytest.mark.parametrize("given", ["0117 496 0000", "01174960000", "(0117) 496-0000", "+44 117 496 0000", "+44 (0)117 496 0000",
                                   "0044 117 496 0000", "441174960000", "+44 0117 496 0000", "0117.496.0000", "0117/4960000"])
def test_a_uk_number_in_any_formatting_is_stored_in_e164(given):
    assert normalise.phone(given, "44") == "+441174960000"


def test_a_mobile_and_a_foreign_number_keep_their_own_country():
    assert normalise.phone("07700 900123", "44") == "+447700900123"
    assert normalise.phone("+1 415.555.0100", "44") == "+14155550100"
    assert normalise.phone("0033 1 42 68 53 00", "44") == "+33142685300"


@pytest.mark.parametrize("given, why", [
    ("7700 900123", "country code"),  # neither a trunk 0 nor a country code
    ("0117 496", "wrong number of digits"),
    ("+44 117 496 00000 00", "wrong number of digits"),
    ("call me", "digits"),
    ("++44 117 496 0000", "digits"),
    ("", "digits"),
])
def test_a_number_that_cannot_be_dialled_is_refused_with_the_reason(given, why):
    with pytest.raises(normalise.NotAPhoneNumber, match=why):
        normalise.phone(given, "44")


def test_the_country_code_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PHONE_COUNTRY_CODE", "+353")
    assert normalise.phone("01 234 5678") == "+35312345678"
    monkeypatch.setenv("PHONE_COUNTRY_CODE", "uk")
    with pytest.raises(RuntimeError):
        normalise.phone("01 234 5678")


def test_emails_match_in_any_case_and_postcodes_in_any_spacing():
    assert normalise.email("  Jo.Bloggs@Example.NET ") == "jo.bloggs@example.net"
    assert normalise.postcode(" bs6  5ab") == "BS65AB"
    assert normalise.is_postcode("bs6 5ab") and normalise.is_postcode("EC1A1BB") and normalise.is_postcode("W1A 0AX")
    assert not normalise.is_postcode("BS6") and not normalise.is_postcode("Jo Smith")


def test_names_are_folded_and_found_from_any_word():
    assert normalise.name("Siân O'Brien-Smith") == "sian obrien smith"
    assert normalise.name_suffixes("Jo van Dyke") == ["jo van dyke", "van dyke", "dyke"]
    assert normalise.name_suffixes("J Smith") == ["j smith", "smith"]  # a one-letter word starts nothing alone
    assert normalise.name_suffixes("A B C D E F") == ["a b c d e f", "b c d e f", "c d e f", "d e f"]


def test_the_same_property_in_other_spellings_is_one_address():
    one = {"street": "7 Orchard Lane", "postcode": "BS6 5AB"}
    assert normalise.address_key(one) == normalise.address_key({"street": "7  orchard lane", "postcode": "bs65ab"})
    assert normalise.address_key(one) != normalise.address_key({"street": "9 Orchard Lane", "postcode": "BS6 5AB"})


@pytest.mark.parametrize("q, kind", [
    ("WO-ABCDEFGHJK", "order"), ("wo-abcdefghjk", "order"), ("jo@example.net", "email"), ("BS6 5AB", "postcode"),
    ("bs65ab", "postcode"), ("0117 496 0000", "phone"), ("+44 7700 900123", "phone"), ("Jo Smith", "name"),
    ("jo", "name"), ("O'Brien", "name"), ("12345", "name"),
])
def test_what_a_search_is_read_as(q, kind):
    assert classify(q) == kind
