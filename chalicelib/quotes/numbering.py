"""A quote's number, revision letters and ids: `Q-<year>-NNNNNN` from a gapless series (the
invoices' `write_numbered`, series `Q-<year>`), moved only in the transaction that writes the
first revision; revision letters `A` to `Z`; and the revisions' ids, derived from the number and
the letter, so that every revision of a number can be read by key (strongly consistent, one
BatchGetItem) and two people making "the next revision" at once collide on one id."""
from chalicelib.core import ids
from chalicelib.data.quotes import QUOTE_SERIES
from chalicelib.invoicing import numbering as series_numbering

FIRST_REVISION = "A"
MAX_REVISIONS = 26  # A..Z: a quote revised more often than that is a new quote


def series(year: int) -> str:
    return f"{QUOTE_SERIES}-{int(year)}"


def number(series_name: str, n: int) -> str:
    """`Q-2026` and 1 -> `Q-2026-000001`."""
    return f"{series_name}-{int(n):06d}"


def reference(number_text: str, revision: str) -> str:
    """What the customer and the office quote: `Q-2026-000001-A`."""
    return f"{number_text}-{revision}"


def year_of(number_text: str) -> int:
    """The year a number was given out in (`Q-2026-000001` -> 2026)."""
    return int(number_text.split("-")[1])


def next_letter(letter: str) -> str | None:
    """The revision after `letter` (`A` -> `B`); None after the last one allowed (`Z`)."""
    if len(letter) != 1 or not "A" <= letter < "Z":
        return None
    return chr(ord(letter) + 1)


def letters(up_to: str) -> list[str]:
    """`A` up to and including `up_to`."""
    return [chr(c) for c in range(ord(FIRST_REVISION), ord(up_to) + 1)]


def revision_id(number_text: str, letter: str) -> str:
    """The quote id of a number's revision (`Q-` and 12 characters; not a secret: the token is)."""
    return ids.id_for_key("Q-", number_text, f"revision-{letter}")


# The counter's helpers, re-exported so the quotes package names one place for them.
SeriesMoved = series_numbering.SeriesMoved
DocumentWritten = series_numbering.DocumentWritten
NUMBER_ATTEMPTS = series_numbering.NUMBER_ATTEMPTS
write_numbered = series_numbering.write_numbered
last_number = series_numbering.last_number
pause = series_numbering.pause
