"""Technicians' profiles: skills, service areas, weekly working hours and time off."""
from datetime import datetime, timedelta

from chalicelib.core import ids
from chalicelib.core.errors import NotFound
from chalicelib.core.validation import Fields
from chalicelib.data.models import StaffModel
from chalicelib.setup import business
from chalicelib.setup.business import DAYS


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
        hours = business.validate_hours(body["working_hours"], "working_hours", fields)
    fields.raise_if_errors()
    member.profile = {**(member.profile or {}), "skills": skills, "areas": areas, "working_hours": hours,
                      "time_off": current["time_off"]}
    member.save()
    return technician_view(member)


# The longest time off one request takes (a longer absence is several): it is written in one
# transaction with every local day's calendar item it covers.
MAX_TIME_OFF_DAYS = 62


def time_off_entry(body: dict) -> tuple[dict, bool]:
    """A time off from a request body (`start`, `end`, optional `reason`) and whether it is
    `force`d over booked jobs (`scheduling.time_off`); 422 when not valid."""
    fields = Fields(body)
    start, end = fields.datetime("start"), fields.datetime("end")
    reason = fields.text("reason", 200, required=False)
    force = body.get("force", False) if isinstance(body, dict) else False
    if not isinstance(force, bool):
        fields.error("force", "must be true or false")
    if start and end and end <= start:
        fields.error("end", "must be after the start")
    elif start and end and end - start > timedelta(days=MAX_TIME_OFF_DAYS):
        fields.error("end", f"must be at most {MAX_TIME_OFF_DAYS} days after the start (add a longer absence in parts)")
    fields.raise_if_errors()
    return {"id": ids.new_id("TO-"), "start": start.isoformat(), "end": end.isoformat(), "reason": reason}, force


def with_time_off(member: StaffModel, entry: dict) -> None:
    """Add `entry` to the technician's time off (in memory; the caller writes it)."""
    data = profile(member)
    data["time_off"] = sorted(data["time_off"] + [entry], key=lambda t: t["start"])
    member.profile = {**(member.profile or {}), **data}


def add_time_off(technician_id: str, body: dict) -> dict:
    """Time off without the calendar check (`scheduling.time_off.add` is what the API uses)."""
    member = technician(technician_id)
    entry, _ = time_off_entry(body)
    with_time_off(member, entry)
    member.save()
    return technician_view(member)


def staff_member(user_id: str) -> StaffModel:
    """Any staff member (time off is for everyone: technicians and office staff)."""
    try:
        return StaffModel.get(user_id)
    except StaffModel.DoesNotExist:
        raise NotFound(f"No staff member '{user_id}'.")


def remove_time_off(technician_id: str, time_off_id: str) -> dict:
    member = staff_member(technician_id)
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
