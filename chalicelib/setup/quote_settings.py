"""The `quotes` block of the business settings: how long a quote is valid, when unanswered
quotes remind the customer, the standard terms and the standard deposit. Validated here (for
`PUT /business`), with the deposit rule the quotes themselves use."""
from chalicelib.core.validation import Fields

DEFAULTS = {"validity_days": 30, "reminder_days": [3, 7], "terms": "", "deposit": None}
MAX_REMINDERS = 2
TERMS_MAX = 4000
MAX_DEPOSIT_CENTS = 100_000_000
KEYS = tuple(DEFAULTS)


def complete(block: dict | None) -> dict:
    """The block with its defaults filled in (a copy: nothing shared with DEFAULTS)."""
    given = block if isinstance(block, dict) else {}
    merged = {**DEFAULTS, **given}
    merged["reminder_days"] = list(merged["reminder_days"] or [])
    merged["deposit"] = dict(merged["deposit"]) if merged["deposit"] else None
    return merged


def read_deposit(value, field: str, fields: Fields) -> dict | None:
    """`null`, `{"percent_basis_points": 1..10000}` or `{"amount_cents": 1..}` (exactly one);
    an error at `field` otherwise (None then)."""
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) != 1 or not set(value) <= {"percent_basis_points", "amount_cents"}:
        fields.error(field, 'must be null, {"percent_basis_points": 1..10000} or {"amount_cents": n}')
        return None
    inner = Fields(value, field + ".", fields.errors)
    if "percent_basis_points" in value:
        percent = inner.integer("percent_basis_points", 1, 10000)
        return None if percent is None else {"percent_basis_points": percent}
    amount = inner.integer("amount_cents", 1, MAX_DEPOSIT_CENTS)
    return None if amount is None else {"amount_cents": amount}


def read_reminder_days(value, field: str, fields: Fields) -> list[int] | None:
    """Up to two whole numbers of days after sending, 1..365, increasing."""
    if (not isinstance(value, list) or len(value) > MAX_REMINDERS
            or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 365 for d in value)):
        fields.error(field, f"must be a list of at most {MAX_REMINDERS} whole numbers of days from 1 to 365")
        return None
    if any(later <= earlier for earlier, later in zip(value, value[1:])):
        fields.error(field, "must be increasing (for example [3, 7])")
        return None
    return list(value)


def read(body: dict, current: dict, fields: Fields) -> dict:
    """The `quotes` block of a `PUT /business` body (`body["quotes"]`) over the current one: the
    keys given change, the others stay. Errors are recorded at `quotes.<key>`."""
    block = complete(current)
    raw = body.get("quotes")
    if not isinstance(raw, dict):
        fields.error("quotes", "must be an object")
        return block
    section = Fields(raw, "quotes.", fields.errors)
    for key in sorted(set(raw) - set(KEYS)):
        section.error(key, "is not a quote setting")
    if "validity_days" in raw:
        days = section.integer("validity_days", 1, 365)
        if days is not None:
            block["validity_days"] = days
    if "reminder_days" in raw:
        reminders = read_reminder_days(raw["reminder_days"], "quotes.reminder_days", fields)
        if reminders is not None:
            block["reminder_days"] = reminders
    if "terms" in raw:
        before = len(fields.errors)
        terms = section.text("terms", TERMS_MAX, required=False, multiline=True)
        if len(fields.errors) == before:
            block["terms"] = terms or ""  # null or blank: no standard terms
    if "deposit" in raw:
        before = len(fields.errors)
        deposit = read_deposit(raw["deposit"], "quotes.deposit", fields)
        if len(fields.errors) == before:
            block["deposit"] = deposit
    return block
