"""What an invoice must say about tax and the seller for an accountant to accept it: the
business's country, the tax's name (VAT, sales tax, GST), its registration and company numbers,
its registered office, whether prices include the tax, and the labels of the totals.

The settings are validated here (`read_settings`, called by `business.update_settings`) and
copied into each invoice when it is issued (`seller_snapshot`), so an invoice keeps saying what
was true on its date of issue.
"""
import re

from chalicelib.core.validation import Fields

# ISO 3166-1 alpha-2 (the tz database's iso3166.tab).
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA
CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA
GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW
TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())
DEFAULT_COUNTRY = "GB"
# The tax's usual name where it is not called VAT.
TAX_NAMES = {"US": "Sales tax", "AU": "GST", "NZ": "GST", "CA": "GST", "IN": "GST", "SG": "GST", "MY": "SST",
             "JP": "Consumption tax"}
# UK VAT: GB (or XI, Northern Ireland) and 9 digits, 12 for a branch; GD/HA and 3 digits for
# government departments and health authorities. Spaces are ignored.
UK_VAT = re.compile(r"(GB|XI)([0-9]{9}|[0-9]{12}|GD[0-4][0-9]{2}|HA[5-9][0-9]{2})\Z")
# Companies House: 8 characters, digits or two letters (SC, NI, OC...) and 6 digits.
UK_COMPANY = re.compile(r"([0-9]{8}|[A-Z]{2}[0-9]{6})\Z")
SCOTLAND = ("SC", "SO", "SL", "SF", "SG", "SP", "SZ", "SA")
NORTHERN_IRELAND = ("NI", "NF", "NL", "NO", "NP", "NR", "NZ", "R0")
UK = ("GB", "XI")
TEXT_KEYS = ("tax_name", "tax_registration_number", "company_number", "registered_office")
SNAPSHOT_KEYS = ("name", "address", "email", "phone", "timezone", "payment_instructions", "country", "tax_name",
                 "tax_registration_number", "company_number", "registered_office", "prices_include_tax")


def country(settings: dict) -> str:
    return (settings.get("country") or DEFAULT_COUNTRY).upper()


def tax_name(settings: dict) -> str:
    return settings.get("tax_name") or TAX_NAMES.get(country(settings), "VAT")


def defaults(settings: dict) -> dict:
    """The tax settings a business has before it sets them: GB, VAT, prices before tax."""
    return {"country": country(settings), "tax_name": tax_name(settings),
            "prices_include_tax": settings.get("prices_include_tax") is True}


def read_settings(body: dict, fields: Fields) -> dict:
    """The tax and company settings in a `PUT /business` body, validated and normalised. A key
    that is absent stays as it is; `null` or `""` clears a number or the registered office."""
    changes: dict = {}
    code = None
    if "country" in body:
        code = fields.text("country", 2, required=False, min_len=2)
        code = code.upper() if code else None
        if code is None or code not in COUNTRIES:
            fields.error("country", "must be an ISO 3166 two-letter country code such as GB, US or DE")
        else:
            changes["country"] = code
    for key, max_len, multiline in (("tax_name", 30, False), ("tax_registration_number", 30, False),
                                    ("company_number", 30, False), ("registered_office", 300, True)):
        if key in body:
            value = fields.text(key, max_len, required=False, multiline=multiline)
            if value is not None or body[key] in (None, ""):
                changes[key] = value or ""
    if "prices_include_tax" in body:
        if isinstance(body["prices_include_tax"], bool):
            changes["prices_include_tax"] = body["prices_include_tax"]
        else:
            fields.error("prices_include_tax", "must be true or false")
    return changes


def check_numbers(settings: dict, fields: Fields) -> dict:
    """The settings with UK VAT and company numbers normalised (`GB 123 4567 89` ->
    `GB123456789`, `1234567` -> `01234567`); a number that is not in the UK format is refused."""
    if country(settings) != "GB":
        return settings
    updated = dict(settings)
    vat = "".join((settings.get("tax_registration_number") or "").split()).upper()
    if vat:
        vat = vat if vat.startswith(UK) else "GB" + vat
        if UK_VAT.match(vat):
            updated["tax_registration_number"] = vat
        else:
            fields.error("tax_registration_number", "must be a UK VAT number: GB and 9 digits, such as GB123456789")
    company = "".join((settings.get("company_number") or "").split()).upper()
    if company:
        company = company.zfill(8) if company.isdigit() else company
        if UK_COMPANY.match(company):
            updated["company_number"] = company
        else:
            fields.error("company_number", "must be a Companies House number: 8 characters, such as 01234567 or SC123456")
    return updated


def apply(updated: dict, changes: dict, fields: Fields) -> dict:
    """The business settings with the tax changes of a `PUT /business` made, ready to store. A
    tax name left at its country's default is not stored, so it follows the country."""
    merged = {**updated, **changes}
    if "tax_name" not in changes and updated.get("tax_name") == TAX_NAMES.get(country(updated), "VAT"):
        merged.pop("tax_name", None)
    if not merged.get("tax_name"):
        merged.pop("tax_name", None)
    return check_numbers(merged, fields)


def seller_snapshot(settings: dict) -> dict:
    """The seller as an invoice keeps it."""
    seller = {key: settings.get(key) for key in SNAPSHOT_KEYS}
    seller.update(defaults(settings))
    return seller


def split(amount_cents: int, rate_basis_points: int, inclusive: bool) -> tuple[int, int, int]:
    """(net, tax, gross) of an amount, the tax rounded half up once. `inclusive`: the amount
    already includes the tax (gross); else it is before tax (net)."""
    amount, rate = int(amount_cents), int(rate_basis_points)
    if inclusive:
        tax = (amount * rate * 2 + (10000 + rate)) // (2 * (10000 + rate))  # half up of amount*rate/(1+rate)
        return amount - tax, tax, amount
    tax = (amount * rate + 5000) // 10000
    return amount, tax, amount + tax


def _lower(name: str) -> str:
    """`Sales tax` -> `sales tax` inside a sentence; an acronym (`VAT`, `GST`) stays."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def total_labels(seller: dict, rate_text: str) -> dict:
    """The words of an invoice's totals: {net, tax, gross, includes}. `includes` is the
    sentence under an inclusive total (`includes VAT 20% of {amount}`), else None."""
    name = tax_name(seller)
    if seller.get("prices_include_tax") is True:
        return {"net": f"Net amount (excl. {_lower(name)})", "tax": f"{name} {rate_text}",
                "gross": f"Total incl. {_lower(name)}", "includes": f"includes {_lower(name)} {rate_text} of {{amount}}"}
    return {"net": f"Subtotal (excl. {_lower(name)})", "tax": f"{name} {rate_text}",
            "gross": f"Total (incl. {_lower(name)})", "includes": None}


def legal_lines(seller: dict) -> list[str]:
    """The seller's registration as the foot of an invoice says it: the tax registration number,
    then the company's registration and registered office."""
    result = []
    name, number = tax_name(seller), seller.get("tax_registration_number")
    if number:
        result.append(f"{name} registration number: {number}")
    company, office = seller.get("company_number"), " ".join((seller.get("registered_office") or "").split())
    if company and country(seller) == "GB":
        where = ("Scotland" if company.startswith(SCOTLAND)
                 else "Northern Ireland" if company.startswith(NORTHERN_IRELAND) else "England and Wales")
        result.append(f"Registered in {where} No. {company}." + (f" Registered office: {office}" if office else ""))
    elif company:
        result.append(f"Company number: {company}." + (f" Registered office: {office}" if office else ""))
    elif office:
        result.append(f"Registered office: {office}")
    return result
