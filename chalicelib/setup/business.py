"""The business's settings: timezone, opening hours, holidays, booking rules and what staff time
costs; and the business calendar SLAs count on (`calendar`)."""
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.core import dates
from chalicelib.core.business_time import Calendar
from chalicelib.core.errors import Conflict
from chalicelib.core.validation import Fields
from chalicelib.setup import catalog, quote_settings, tax

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]\Z")  # \Z: `$` would let a trailing newline through


# Days the business is closed, local dates: a few years of public holidays at most.
MAX_HOLIDAYS = 100
# What an hour of each role's time costs (the evaluation's cost per step), integer cents.
COST_ROLES = ("technician", "dispatcher", "admin")
MAX_COST_PER_HOUR_CENTS = 100_000_00

ATTEMPTS = 5  # conditional writes of the settings before answering 409 (someone else keeps writing)

DEFAULT_BOOKING_RULES = {
    "min_notice_minutes": 120,
    "max_days_ahead": 60,
    "slot_grid_minutes": 30,
    "travel_buffer_minutes": 30,
    "cancellation_cutoff_hours": 24,
}


def validate_hours(value, field: str, fields: Fields) -> dict | None:
    """{"mon": [["08:00", "17:00"], ...], ...}: ordered, non-overlapping windows per weekday."""
    if not isinstance(value, dict) or set(value) - set(DAYS):
        fields.error(field, f"must be an object with keys among {', '.join(DAYS)}")
        return None
    clean = {}
    for day in DAYS:
        windows = value.get(day, [])
        if not isinstance(windows, list):
            fields.error(f"{field}.{day}", "must be a list of [start, end] pairs")
            return None
        previous_end = None
        clean[day] = []
        for window in windows:
            if (not isinstance(window, list) or len(window) != 2
                    or not all(isinstance(t, str) and HHMM.match(t) for t in window) or window[0] >= window[1]):
                fields.error(f"{field}.{day}", "each window must be [\"HH:MM\", \"HH:MM\"] with start before end")
                return None
            if previous_end and window[0] < previous_end:
                fields.error(f"{field}.{day}", "windows must be in order and must not overlap")
                return None
            previous_end = window[1]
            clean[day].append(list(window))
    return clean


def windows_on(hours: dict, day, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The UTC intervals of a weekly-hours table on a local date (DST-correct)."""
    result = []
    for start, end in hours.get(DAYS[day.weekday()], []):
        s = datetime.combine(day, time.fromisoformat(start), tz)
        e = datetime.combine(day, time.fromisoformat(end), tz)
        result.append((s.astimezone(ZoneInfo("UTC")), e.astimezone(ZoneInfo("UTC"))))
    return result


def validate_holidays(value, field: str, fields: Fields) -> list[str] | None:
    """["YYYY-MM-DD", ...]: real dates, at most MAX_HOLIDAYS, none twice; kept sorted."""
    if not isinstance(value, list) or len(value) > MAX_HOLIDAYS:
        fields.error(field, f"must be a list of at most {MAX_HOLIDAYS} dates (YYYY-MM-DD)")
        return None
    found, ok = set(), True
    for i, item in enumerate(value):
        try:
            day = date.fromisoformat(item) if isinstance(item, str) and len(item) == 10 else None
        except ValueError:
            day = None
        if day is None:
            fields.error(f"{field}[{i}]", "must be a date (YYYY-MM-DD)")
            ok = False
        elif day in found:
            fields.error(f"{field}[{i}]", f"{item} is listed twice")
            ok = False
        else:
            found.add(day)
    return sorted(d.isoformat() for d in found) if ok else None


def validate_costs(value, field: str, fields: Fields) -> dict | None:
    """{"technician": cents, "dispatcher": cents, "admin": cents}, each optional: a whole number
    of cents an hour, not negative. An empty object clears them."""
    if not isinstance(value, dict):
        fields.error(field, f"must be an object with keys among {', '.join(COST_ROLES)}")
        return None
    clean, ok = {}, True
    for key in sorted(set(value) - set(COST_ROLES)):
        fields.error(f"{field}.{key}", f"is not a role: use {', '.join(COST_ROLES)}")
        ok = False
    for role in COST_ROLES:
        if role not in value or value[role] is None:
            continue
        cents = value[role]
        if isinstance(cents, bool) or not isinstance(cents, int) or not 0 <= cents <= MAX_COST_PER_HOUR_CENTS:
            fields.error(f"{field}.{role}", f"must be a whole number of cents from 0 to {MAX_COST_PER_HOUR_CENTS}")
            ok = False
        else:
            clean[role] = cents
    return clean if ok else None


def calendar(data: dict | None = None) -> Calendar:
    """The business's opening hours and holidays in its timezone: the clock SLAs count on. With
    no opening hours set at all it counts every minute (core.business_time)."""
    data = data or settings()
    return Calendar(data.get("opening_hours"), data.get("holidays") or (), zone(data))


def settings() -> dict:
    return _complete(catalog.business())


def _complete(data: dict) -> dict:
    data["booking"] = {**DEFAULT_BOOKING_RULES, **data.get("booking", {})}
    data.setdefault("opening_hours", {d: [] for d in DAYS})
    data.setdefault("holidays", [])
    data.setdefault("cost_per_hour_cents", {})
    data.update(tax.defaults(data))  # country, tax_name, prices_include_tax
    data["quotes"] = quote_settings.complete(data.get("quotes"))  # validity, reminders, terms, deposit
    data["version"] = int(data.get("version") or 0)  # counts the changes made with PUT /business
    return data


def zone(data: dict | None = None) -> ZoneInfo:
    return ZoneInfo((data or settings())["timezone"])


def update_settings(body: dict) -> dict:
    """PUT /business: the fields given change, the others stay. With `expected_version` (the
    `version` GET /business gave) the change is refused with 409 and `current_version` when
    someone changed the settings since; either way the write is conditional on the settings as
    read, so two changes at once never lose one another's fields."""
    fields = Fields(body)
    expected = fields.integer("expected_version", 0, None, required=False)
    fields.raise_if_errors()
    for _ in range(ATTEMPTS):
        stored = catalog.stored_business()
        current = _complete({**catalog.DEFAULT_SETTINGS, **(stored or {})})
        if expected is not None and expected != current["version"]:
            raise Conflict(f"The business settings changed since you read them (version {current['version']}, "
                           f"you sent {expected}). Reload them and make your change again.",
                           {"current_version": current["version"]})
        updated = _changed(body, current)
        updated["version"] = current["version"] + 1
        if catalog.save_business_over(updated, stored):
            return {**updated, **tax.defaults(updated)}
    raise Conflict("The business settings are being changed by someone else right now; try again.",
                   {"current_version": current["version"]})


def _changed(body: dict, current: dict) -> dict:
    """The settings with the body's changes made (422 listing every field that is not valid)."""
    fields = Fields(body)
    name = fields.header_text("name", 120, required=False)  # the name customers' emails are signed with
    tz_name = fields.text("timezone", 64, required=False)
    if tz_name:
        try:
            ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            fields.error("timezone", "must be an IANA timezone such as Europe/London")
    currency = fields.text("currency", 3, required=False, min_len=3)
    if currency and not currency.isalpha():
        fields.error("currency", "must be a three-letter ISO 4217 code")
    hours = validate_hours(body["opening_hours"], "opening_hours", fields) if "opening_hours" in body else None
    holidays = validate_holidays(body["holidays"], "holidays", fields) if "holidays" in body else None
    costs = validate_costs(body["cost_per_hour_cents"], "cost_per_hour_cents", fields) if "cost_per_hour_cents" in body else None
    rules = dict(current["booking"])
    if "booking" in body:
        rf = fields.object("booking")
        limits = {"min_notice_minutes": (0, 10080), "max_days_ahead": (1, 365), "slot_grid_minutes": (5, 240),
                  "travel_buffer_minutes": (0, 240), "cancellation_cutoff_hours": (0, 720)}
        for key, (low, high) in limits.items():
            if rf and key in rf.data:
                value = rf.integer(key, low, high)
                if value is not None:
                    rules[key] = value
        unknown = set(rf.data) - set(limits) if rf else set()
        for key in sorted(unknown):
            rf.error(key, "is not a booking rule")
    free_text = body.get("allow_free_text_items")
    if free_text is not None and not isinstance(free_text, bool):
        fields.error("allow_free_text_items", "must be true or false")
    contact = {"address": fields.text("address", 200, required=False),
               "email": fields.email("email", required=False),
               "phone": fields.text("phone", 200, required=False)}
    tax_rate = fields.integer("tax_rate_basis_points", 0, 10000, required=False)
    terms = fields.integer("payment_terms_days", 0, 365, required=False)
    instructions = fields.text("payment_instructions", 1000, required=False, multiline=True)
    tax_changes = tax.read_settings(body, fields)  # country, VAT and company numbers, registered office
    quotes = quote_settings.read(body, current.get("quotes"), fields) if "quotes" in body else None
    fields.raise_if_errors()
    updated = {**current, "booking": rules}
    for key, value in (("name", name), ("timezone", tz_name), ("currency", currency and currency.upper()),
                       ("opening_hours", hours), ("allow_free_text_items", free_text),
                       ("tax_rate_basis_points", tax_rate), ("payment_terms_days", terms),
                       ("payment_instructions", instructions), ("quotes", quotes), ("holidays", holidays),
                       ("cost_per_hour_cents", costs)):
        if value is not None:
            updated[key] = value
    for key, value in contact.items():
        if value:
            updated[key] = value
    updated = tax.apply(updated, tax_changes, fields)
    locale = fields.text("locale", 5, required=False)  # how customers' emails and pages write dates
    if locale and locale not in dates.LOCALES:
        fields.error("locale", f"must be one of {', '.join(dates.LOCALES)}")
    elif locale:
        updated["locale"] = locale
    fields.raise_if_errors()
    return updated
