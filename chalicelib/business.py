"""Business setup: the business's settings (timezone, opening hours, booking rules), its
services, and each technician's skills, service areas, weekly working hours and time off.

Admins change it through the setup routes; booking and availability read it.
"""
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib import catalog, observability
from chalicelib.errors import NotFound
from chalicelib.models import CatalogModel, StaffModel
from chalicelib.validation import Fields

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SERVICE = "service"
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

DEFAULT_BOOKING_RULES = {
    "min_notice_minutes": 120,
    "max_days_ahead": 60,
    "slot_grid_minutes": 30,
    "travel_buffer_minutes": 30,
    "cancellation_cutoff_hours": 24,
}


# --- weekly hours -----------------------------------------------------------------------------

def _validate_hours(value, field: str, fields: Fields) -> dict | None:
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


# --- settings ---------------------------------------------------------------------------------

def settings() -> dict:
    data = catalog.business()
    data["booking"] = {**DEFAULT_BOOKING_RULES, **data.get("booking", {})}
    data.setdefault("opening_hours", {d: [] for d in DAYS})
    return data


def zone(data: dict | None = None) -> ZoneInfo:
    return ZoneInfo((data or settings())["timezone"])


def update_settings(body: dict) -> dict:
    fields = Fields(body)
    current = settings()
    name = fields.text("name", 120, required=False)
    tz_name = fields.text("timezone", 64, required=False)
    if tz_name:
        try:
            ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            fields.error("timezone", "must be an IANA timezone such as Europe/London")
    currency = fields.text("currency", 3, required=False, min_len=3)
    if currency and not currency.isalpha():
        fields.error("currency", "must be a three-letter ISO 4217 code")
    hours = _validate_hours(body["opening_hours"], "opening_hours", fields) if "opening_hours" in body else None
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
    for key in ("address", "email", "phone"):
        fields.text(key, 200, required=False)
    tax_rate = fields.integer("tax_rate_basis_points", 0, 10000, required=False)
    terms = fields.integer("payment_terms_days", 0, 365, required=False)
    instructions = fields.text("payment_instructions", 1000, required=False, multiline=True)
    fields.raise_if_errors()
    updated = {**current, "booking": rules}
    for key, value in (("name", name), ("timezone", tz_name), ("currency", currency and currency.upper()),
                       ("opening_hours", hours), ("allow_free_text_items", free_text),
                       ("tax_rate_basis_points", tax_rate), ("payment_terms_days", terms),
                       ("payment_instructions", instructions)):
        if value is not None:
            updated[key] = value
    for key in ("address", "email", "phone"):
        if body.get(key):
            updated[key] = body[key].strip()
    catalog.save_business(updated)
    return updated


# --- services ---------------------------------------------------------------------------------

def service_view(item) -> dict:
    return {"id": item.item_id, **item.data}


def service(service_id: str, active_only: bool = True) -> dict:
    try:
        item = CatalogModel.get(SERVICE, service_id)
    except CatalogModel.DoesNotExist:
        raise NotFound(f"No service '{service_id}'.")
    if active_only and not item.data.get("active", True):
        raise NotFound(f"Service '{service_id}' is no longer offered.")
    return service_view(item)


def services(active_only: bool = True) -> list[dict]:
    items = [service_view(i) for i in CatalogModel.query(SERVICE)]
    return [s for s in items if s.get("active", True) or not active_only]


def save_service(service_id: str, body: dict) -> dict:
    fields = Fields(body)
    if not ID_PATTERN.match(service_id or ""):
        fields.error("service_id", "must be lowercase letters, digits and dashes")
    data = {
        "name": fields.text("name", 120),
        "description": fields.text("description", 500, required=False, multiline=True) or "",
        "duration_minutes": fields.integer("duration_minutes", 15, 600),
        "skill": fields.text("skill", 40),
        "price_from_cents": fields.integer("price_from_cents", 0, 100_000_000),
        "buffer_after_minutes": fields.integer("buffer_after_minutes", 0, 240, required=False) or 0,
        "active": body.get("active", True) is not False,
    }
    fields.raise_if_errors()
    CatalogModel(SERVICE, service_id, data=data).save()
    observability.count("ServiceSaved")
    return {"id": service_id, **data}


# --- technicians ------------------------------------------------------------------------------

def technicians() -> list[StaffModel]:
    """Active technicians (one Query on the staff table's `by-role` index)."""
    return [t for t in StaffModel.by_role.query("technician") if t.active]


def profile(member: StaffModel) -> dict:
    data = member.profile or {}
    return {
        "skills": data.get("skills", []),
        "areas": data.get("areas", []),
        "working_hours": data.get("working_hours", {d: [] for d in DAYS}),
        "time_off": data.get("time_off", []),
    }


def technician_view(member: StaffModel) -> dict:
    return {"id": member.user_id, "name": member.name, "email": member.email, "phone": member.phone, **profile(member)}


def technician(technician_id: str) -> StaffModel:
    try:
        member = StaffModel.get(technician_id)
    except StaffModel.DoesNotExist:
        member = None
    if member is None or member.role != "technician":
        raise NotFound(f"No technician '{technician_id}'.")
    return member


def normalise_postcode(value: str) -> str:
    return "".join(value.split()).upper()


def save_profile(technician_id: str, body: dict) -> dict:
    member = technician(technician_id)
    fields = Fields(body)
    current = profile(member)
    skills, areas, hours = current["skills"], current["areas"], current["working_hours"]
    if "skills" in body:
        skills = body["skills"]
        if not isinstance(skills, list) or not all(isinstance(s, str) and 0 < len(s) <= 40 for s in skills):
            fields.error("skills", "must be a list of skill names")
    if "areas" in body:
        areas = body["areas"]
        if not isinstance(areas, list) or not all(isinstance(a, str) and a.strip() and len(a) <= 8 and a.replace(" ", "").isalnum() for a in areas):
            fields.error("areas", "must be a list of postcode prefixes such as \"BS1\"")
        else:
            areas = [normalise_postcode(a) for a in areas]
    if "working_hours" in body:
        hours = _validate_hours(body["working_hours"], "working_hours", fields)
    fields.raise_if_errors()
    member.profile = {**(member.profile or {}), "skills": skills, "areas": areas, "working_hours": hours,
                      "time_off": current["time_off"]}
    member.save()
    return technician_view(member)


def add_time_off(technician_id: str, body: dict) -> dict:
    from chalicelib.orders import new_id

    member = technician(technician_id)
    fields = Fields(body)
    start, end = fields.datetime("start"), fields.datetime("end")
    reason = fields.text("reason", 200, required=False)
    if start and end and end <= start:
        fields.error("end", "must be after the start")
    fields.raise_if_errors()
    entry = {"id": new_id("TO-"), "start": start.isoformat(), "end": end.isoformat(), "reason": reason}
    data = profile(member)
    data["time_off"] = sorted(data["time_off"] + [entry], key=lambda t: t["start"])
    member.profile = {**(member.profile or {}), **data}
    member.save()
    return technician_view(member)


def remove_time_off(technician_id: str, time_off_id: str) -> dict:
    member = technician(technician_id)
    data = profile(member)
    kept = [t for t in data["time_off"] if t["id"] != time_off_id]
    if len(kept) == len(data["time_off"]):
        raise NotFound(f"No time off '{time_off_id}' for '{technician_id}'.")
    member.profile = {**(member.profile or {}), "time_off": kept}
    member.save()
    return technician_view(member)


def time_off_intervals(member: StaffModel) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(t["start"]), datetime.fromisoformat(t["end"])) for t in profile(member)["time_off"]]


def days_between(first, count: int):
    return [first + timedelta(days=i) for i in range(count)]


