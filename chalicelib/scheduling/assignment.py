"""Which technician gets a booking.

The rule: among the technicians who are qualified (skill, service area) and free (working
hours, no time off, no overlapping appointment including buffers), the one with the fewest
booked minutes that day; on a tie, the smallest technician id, so the choice is stable.
"""
from chalicelib.scheduling.slots import TechnicianDay


def choose(free: list[TechnicianDay]) -> TechnicianDay | None:
    if not free:
        return None
    return min(free, key=lambda d: (d.booked_minutes, d.technician.user_id))


def reason(chosen: TechnicianDay, free: list[TechnicianDay]) -> str:
    others = len(free) - 1
    return (
        f"Assigned {chosen.technician.name} ({chosen.technician.user_id}): qualified and free; "
        f"fewest booked minutes that day ({chosen.booked_minutes})"
        + (f" among {others + 1} free technicians" if others else ", the only free technician")
        + "; ties go to the smallest technician id."
    )
