"""The daily check's staffing items: open orders booked with a technician who is away then (time
off saved over them with `force`) or no longer active (deactivated), each with the technicians
free at that time so the office can reassign it at once (POST /orders/{id}/assign).

Reads by index only: one Query of the staff table's `by-role` index, then per current or coming
time off, and per deactivated technician, one Query of the orders' `by-technician` index.
"""
from datetime import datetime

from chalicelib.data.models import OrderModel, StaffModel
from chalicelib.reviews import figures
from chalicelib.scheduling import time_off
from chalicelib.setup import technicians

AWAY, DEACTIVATED = "technician_away", "technician_deactivated"


def _advice(order: OrderModel, free: list[dict]) -> str:
    names = ", ".join(t["name"] for t in free)
    return ("Reassign it on the dispatch board; "
            + (f"free then: {names}." if names else "nobody else is free then: move the appointment too."))


def _local(moment: datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")


def find(now: datetime, zone, versions: dict, order_item) -> list[dict]:
    """The items; `order_item(kind, order, step, since, now, detail)` builds one (daily_check's)."""
    items, cache = [], {}

    def add(kind, order, since, detail, key_suffix):
        step = figures.step_of(versions, order)
        if step is None or step.is_end:
            return
        free = time_off.free_instead(order, order.technician_id, cache) if order.appointment_start else []
        item = order_item(kind, order, step, since, now, detail)
        item["key"] = f"{kind}:{order.order_id}:{key_suffix}"
        item["technician_id"] = order.technician_id
        item["free_technicians"] = free
        item["advice"] = _advice(order, free)
        items.append(item)

    for member in StaffModel.by_role.query("technician"):
        if not member.active:
            for order in OrderModel.by_technician.query(member.user_id, filter_condition=OrderModel.open_step.exists()):
                if order.technician_id != member.user_id:
                    continue
                when = f" booked {_local(order.appointment_start, zone)}" if order.appointment_start else ""
                add(DEACTIVATED, order, min(now, order.updated_at or now),
                    f"{member.name} is deactivated and still has this job{when}.", member.user_id)
            continue
        for off in technicians.profile(member)["time_off"]:
            start, end = datetime.fromisoformat(off["start"]), datetime.fromisoformat(off["end"])
            if end <= now:
                continue
            for order in time_off.booked_during(member.user_id, start, end):
                if order.appointment_end and order.appointment_end <= now:
                    continue
                reason = f" ({off['reason']})" if off.get("reason") else ""
                add(AWAY, order, min(now, start),
                    f"{member.name} is away {_local(start, zone)} to {_local(end, zone)}{reason}; "
                    f"this job is booked {_local(order.appointment_start, zone)} to "
                    f"{_local(order.appointment_end or order.appointment_start, zone)}.",
                    off["id"])
    return items
