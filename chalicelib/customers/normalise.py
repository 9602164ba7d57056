"""How customers' details are stored and matched: emails lower-cased, phones in E.164, postcodes
without spaces, names folded to plain lower-case words.

Phone numbers follow a small rule set for the business's country (PHONE_COUNTRY_CODE, 44 by
default, the UK): a national number with its trunk 0 (`0117 496 0000`) gets the country code
(`+441174960000`); an international one (`+1 415 555 0100`, `0044 ...`) keeps its own; a UK
`+44 (0)117 ...` loses the bracketed 0. Anything else is refused with a message that says what
is missing, rather than guessed.
"""
import re
import unicodedata

from chalicelib.core import settings

_PHONE_CHARS = re.compile(r"^[0-9+()\-. /]+$")
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_ORDER_ID = re.compile(r"^WO-[0-9A-Z]{6,24}$")
# National significant numbers: the UK's are 9 or 10 digits; elsewhere E.164 allows 4 to 14.
_NATIONAL_DIGITS = {"44": (9, 10)}


class NotAPhoneNumber(ValueError):
    """The text is not a phone number this business can dial (the message says why)."""


def country_code() -> str:
    code = settings.env("PHONE_COUNTRY_CODE", "44").strip().lstrip("+")
    if not code.isdigit() or not 1 <= len(code) <= 3:
        raise RuntimeError(f"PHONE_COUNTRY_CODE must be 1 to 3 digits, not {code!r}")
    return code


def _national_ok(country: str, national: str) -> bool:
    low, high = _NATIONAL_DIGITS.get(country, (4, 14))
    return low <= len(national) <= high and not national.startswith("0")


def phone(value: str, country: str | None = None) -> str:
    """`value` in E.164 (`+441174960000`), or NotAPhoneNumber."""
    country = country or country_code()
    text = (value or "").strip().replace("(0)", "")
    if not text or not _PHONE_CHARS.match(text) or "+" in text[1:]:
        raise NotAPhoneNumber("must be a phone number: digits, spaces and + ( ) - . /")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        full = digits
    elif digits.startswith("00"):
        full = digits[2:]
    elif digits.startswith("0"):
        full = country + digits[1:]
    elif digits.startswith(country) and _national_ok(country, digits[len(country):]):
        full = digits
    else:
        raise NotAPhoneNumber("needs its country code (+44 ...) or the national number with its leading 0")
    if full.startswith(country) and full[len(country):].startswith("0"):
        full = country + full[len(country) + 1:]  # +44 0117 ...: the trunk 0 is not dialled from abroad
    if full.startswith(country) and not _national_ok(country, full[len(country):]):
        raise NotAPhoneNumber(f"has the wrong number of digits for +{country}")
    if not 8 <= len(full) <= 15 or full.startswith("0"):
        raise NotAPhoneNumber("has the wrong number of digits for a phone number")
    return "+" + full


def phone_or_none(value: str | None) -> str | None:
    try:
        return phone(value) if value else None
    except NotAPhoneNumber:
        return None


def email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def postcode(value: str | None) -> str:
    """`bs6 5ab` -> `BS65AB`."""
    return re.sub(r"\s+", "", (value or "")).upper()


def is_postcode(text: str) -> bool:
    """A full UK postcode, in any spacing and case."""
    return bool(_UK_POSTCODE.match(postcode(text)))


def is_order_id(text: str) -> bool:
    return bool(_ORDER_ID.match(text.strip().upper()))


def looks_like_phone(text: str) -> bool:
    text = text.strip()
    return bool(_PHONE_CHARS.match(text)) and sum(c.isdigit() for c in text) >= 6


def name(value: str | None) -> str:
    """Folded for matching: accents dropped, lower-case, apostrophes gone, other punctuation a
    space, one space between words: `Siân O'Brien-Smith` -> `sian obrien smith`."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['\u2019`]", "", text)
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


# How many of a name's words start a prefix key (the first name, middle names, the surname...).
NAME_WORDS = 4


def name_suffixes(value: str) -> list[str]:
    """What a name can be found by: the folded name from each of its first words on
    (`jo van dyke`, `van dyke`, `dyke`), those of at least two characters."""
    words = name(value).split()
    suffixes = [" ".join(words[i:]) for i in range(min(len(words), NAME_WORDS))]
    return [s for s in dict.fromkeys(suffixes) if len(s) >= 2]


def address_key(address: dict) -> tuple[str, str]:
    """Two addresses are the same property when street (folded) and postcode match."""
    return name(address.get("street")), postcode(address.get("postcode"))
