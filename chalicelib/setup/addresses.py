"""Postal addresses written in the order of the business's country: the street, then the town
and postcode as the post there reads them ("Bristol BS6 5AB", "Springfield, IL 62704",
"10115 Berlin")."""

# Countries that write the postcode before the town.
POSTCODE_FIRST = frozenset("""
AT BE BG CH CZ DE DK EE ES FI FR GR HR IS IT LI LT LU MC NL NO PL PT RO SE SI SK SM TR VA
""".split())


def town_line(city: str | None, postcode: str | None, country: str) -> str:
    city, postcode = " ".join((city or "").split()), " ".join((postcode or "").split())
    parts = (postcode, city) if country.upper() in POSTCODE_FIRST else (city, postcode)
    return " ".join(p for p in parts if p)


def lines(address, country: str) -> list[str]:
    """An address (`street`, `city`, `postcode`) as the lines of a letter."""
    if address is None:
        return []
    street = " ".join((getattr(address, "street", None) or "").split())
    town = town_line(getattr(address, "city", None), getattr(address, "postcode", None), country)
    return [part for part in (street, town) if part]


def one_line(address, country: str) -> str | None:
    return ", ".join(lines(address, country)) or None
