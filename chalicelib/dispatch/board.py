"""GET /board: the dispatch board of one day or a week, in the business's timezone.

For each active technician: skills, areas, working hours per day shown, time off overlapping the
range. The appointments starting in the range (cancelled ones aside), each with its customer,
service, step, place and flags. The tray: orders waiting for an appointment or a technician (the
map's start step, appointments whose technician is away or no longer active, and what the latest
daily review flagged as needing a technician, re-checked against the orders as they are now).

Reads, whatever the number of technicians and appointments: one Query of the staff table's
`by-role` index, one Query of the orders' `by-appointment` index over the range (more only past
DynamoDB's 1 MB page), one Query of `by-step` per distinct start step of the kinds' maps (one for
the demo: every kind starts at `requested`); one BatchGetItem more only when the review flagged
orders that are neither shown nor waiting in the start step. The settings, maps, services and
review come from the per-container `context`.

`kind=` shows only the orders of one kind of work (an order from before kinds is of the legacy
kind), 422 at `kind` for an unknown one (one GetItem of the kind)."""
import re
from datetime import date, datetime, time, timedelta, timezone

from chalicelib.core import times
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import parse_date
from chalicelib.data.batch import batch_get
from chalicelib.data.models import ORDER_LIST_PK, OrderModel, StaffModel
from chalicelib.dispatch import context as board_context
from chalicelib.reviews import daily_check, staffing
from chalicelib.setup import business, technicians as setup_technicians
from chalicelib.workflow import kinds, versions

DAYS_ALLOWED = ("1", "7")
# The review's kinds that mean "this order needs a technician or a time" (the tray's).
TRAY_KINDS = ("no_technician", staffing.AWAY, staffing.DEACTIVATED)
DEFAULT_MINUTES = 60
_USER_ID = re.compile(r" \([A-Za-z0-9._@-]{1,64}\)")


def parse_range(params: dict) -> tuple[date | None, int]:
    """`date` (YYYY-MM-DD, default today) and `days` (1, a day; 7, a week); 422 otherwise."""
    errors, first = [], None
    raw = params.get("date")
    if raw:
        try:
            first = parse_date(raw)
        except ValueError:
            errors.append({"field": "date", "message": "must be a date YYYY-MM-DD"})
    raw_days = params.get("days") or "1"
    if raw_days not in DAYS_ALLOWED:
        errors.append({"field": "days", "message": "must be 1 (a day) or 7 (a week)"})
    if errors:
        raise ValidationFailed("The board query is not valid.", errors)
    return first, int(raw_days)


def parse_kind(params: dict) -> str | None:
    """`kind=`: one kind of work's orders only (422 at `kind` when there is no such kind)."""
    wanted = params.get("kind") or None
    if wanted is not None:
        kinds.kind(wanted)
    return wanted


def _local(moment: datetime, zone) -> str:
    return moment.astimezone(zone).isoformat()


def _spoken(moment: datetime, zone) -> str:
    """`Tue 1 Dec 10:00` in the business's timezone."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _reason(kind: str, text: str) -> dict:
    return {"kind": kind, "label": daily_check.KINDS.get(kind, "Waiting to be booked" if kind == "requested" else kind),
            "text": text}


def _step(order: OrderModel):
    pm = versions.of(order)
    return pm.step(order.step) if pm.has_step(order.step) else None


def _confirm_step(order: OrderModel, step) -> dict | None:
    """Where a request goes once it has a technician and a time (the demo's `scheduled`): the
    first next step of the start step that is neither an end nor an interruption."""
    pm = versions.of(order)
    if step is None or step.key != pm.start_step:
        return None
    target = next((pm.step(k) for k in step.next if pm.has_step(k) and not pm.step(k).is_end
                   and not pm.step(k).interruption), None)
    return {"key": target.key, "label": target.label} if target else None


def _away(member: StaffModel | None, order: OrderModel) -> dict | None:
    """The technician's time off that overlaps the order's appointment, if any."""
    if member is None or order.appointment_start is None:
        return None
    finish = order.appointment_end or order.appointment_start
    for off in setup_technicians.profile(member)["time_off"]:
        start, end = datetime.fromisoformat(off["start"]), datetime.fromisoformat(off["end"])
        if start < finish and order.appointment_start < end:
            return off
    return None


def _plain(text: str, known_ids: set[str]) -> str:
    """The review's sentence with staff named by name only ("Sam Fischer (tech-1)" -> "Sam Fischer")."""
    return _USER_ID.sub(lambda m: "" if m.group(0)[2:-1] in known_ids else m.group(0), text or "")


class _Board:
    def __init__(self, ctx: board_context.Context, staff: list[StaffModel], now: datetime):
        self.ctx, self.zone, self.now = ctx, ctx.zone, now
        self.staff = {m.user_id: m for m in staff}
        self.active = {m.user_id: m for m in staff if m.active}
        self.flagged: dict[str, list[dict]] = {}
        for item in (ctx.review or {}).get("items", []):
            if item.get("order_id") and not item.get("invoice_id"):
                self.flagged.setdefault(item["order_id"], []).append(item)

    def review_reasons(self, order_id: str, kinds=None) -> list[dict]:
        return [_reason(i["kind"], _plain(i.get("detail"), set(self.staff)))
                for i in self.flagged.get(order_id, []) if kinds is None or i["kind"] in kinds]

    def live_reasons(self, order: OrderModel) -> list[dict]:
        """Why an order with an appointment needs the dispatcher now, from the data as it is."""
        if not order.technician_id:
            return [_reason("no_technician", "No technician is assigned.")] if order.appointment_start else []
        member = self.staff.get(order.technician_id)
        if order.technician_id not in self.active:
            name = member.name if member else "The technician"
            return [_reason(staffing.DEACTIVATED, f"{name} is no longer active; give the job to someone else.")]
        off = _away(member, order)
        if off:
            why = f" ({off['reason']})" if off.get("reason") else ""
            return [_reason(staffing.AWAY, f"{member.name} is away {_spoken(datetime.fromisoformat(off['start']), self.zone)} "
                                           f"to {_spoken(datetime.fromisoformat(off['end']), self.zone)}{why}.")]
        return []

    def duration(self, order: OrderModel) -> int:
        if order.appointment_start and order.appointment_end:
            return max(15, round(times.minutes(order.appointment_end - order.appointment_start)))
        service = self.ctx.services.get(order.service_id or "")
        return int(service["duration_minutes"]) if service else DEFAULT_MINUTES

    def card(self, order: OrderModel, step) -> dict:
        """What every card shows, on a lane or in the tray."""
        service = self.ctx.services.get(order.service_id or "") or {}
        customer, address = order.customer, order.address
        return {
            "order_id": order.order_id,
            "version": int(order.version),
            "customer_name": customer.name if customer else None,
            "service_id": order.service_id,
            "service_name": order.service_name or service.get("name"),
            "skill": service.get("skill"),
            "duration_minutes": self.duration(order),
            "step": order.step,
            "step_label": step.label if step else order.step,
            "technician_id": order.technician_id,
            "postcode": address.postcode if address else None,
            "town": address.city if address else None,
        }

    def appointment(self, order: OrderModel, step, live: list[dict]) -> dict:
        pm = versions.of(order)
        return {
            **self.card(order, step),
            "start": _local(order.appointment_start, self.zone),
            "end": _local(order.appointment_end or order.appointment_start + timedelta(minutes=DEFAULT_MINUTES), self.zone),
            "tentative": order.step == pm.start_step,
            "movable": step is not None and not step.is_end,
            "flags": live + self.review_reasons(order.order_id),
        }

    def tray_item(self, order: OrderModel, step, reasons: list[dict]) -> dict:
        member = self.staff.get(order.technician_id or "")
        return {
            **self.card(order, step),
            "technician_name": member.name if member else None,
            "appointment": ({"start": _local(order.appointment_start, self.zone),
                             "end": _local(order.appointment_end or order.appointment_start, self.zone)}
                            if order.appointment_start else None),
            "since": times.iso(order.step_entered_at),
            "confirm_step": _confirm_step(order, step),
            "reasons": reasons,
        }

    def request_reasons(self, order: OrderModel) -> list[dict]:
        if order.appointment_start:
            member = self.staff.get(order.technician_id or "")
            who = f" with {member.name}" if member else ""
            text = f"Proposed for {_spoken(order.appointment_start, self.zone)}{who}; waiting to be confirmed."
        else:
            text = f"Waiting for an appointment since {_spoken(order.step_entered_at, self.zone)}."
        return [_reason("requested", text)] + self.review_reasons(order.order_id)

    def still_flagged(self, order: OrderModel, item: dict) -> bool:
        """A review item as the order is now: gone once someone dealt with it."""
        if item["kind"] == "no_technician":
            return not order.technician_id
        if order.technician_id != item.get("technician_id") or not order.technician_id:
            return False
        if item["kind"] == staffing.DEACTIVATED:
            return order.technician_id not in self.active
        return _away(self.staff.get(order.technician_id), order) is not None


def _is_open(step) -> bool:
    return step is not None and not step.is_end


def board(params: dict, now: datetime) -> dict:
    first, count = parse_range(params)
    ctx = board_context.context(now)
    zone = ctx.zone
    first = first or now.astimezone(zone).date()
    dates = [first + timedelta(days=i) for i in range(count)]
    range_start = datetime.combine(first, time(0), zone).astimezone(timezone.utc)
    range_end = datetime.combine(first + timedelta(days=count), time(0), zone).astimezone(timezone.utc)

    staff = list(StaffModel.by_role.query("technician"))
    booked = list(OrderModel.by_appointment.query(
        ORDER_LIST_PK, OrderModel.appointment_start.between(range_start, range_end - timedelta(microseconds=1))))
    requests = [o for start in ctx.start_steps() for o in OrderModel.by_step.query(start)]
    wanted = parse_kind(params)
    if wanted is not None:
        booked = [o for o in booked if kinds.kind_of(o) == wanted]
        requests = [o for o in requests if kinds.kind_of(o) == wanted]

    b = _Board(ctx, staff, now)
    appointments, tray, in_tray = [], [], set()
    for order in sorted(requests, key=lambda o: (o.step_entered_at, o.order_id)):
        step = _step(order)
        if step is None or order.step != versions.of(order).start_step or not _is_open(step):
            continue  # the index is eventually consistent: moved on meanwhile
        tray.append(b.tray_item(order, step, b.request_reasons(order)))
        in_tray.add(order.order_id)
    seen = {o.order_id for o in requests}
    for order in sorted(booked, key=lambda o: (o.appointment_start, o.order_id)):
        seen.add(order.order_id)
        step = _step(order)
        if step is None or (step.is_end and step.interruption) or order.appointment_start is None:
            continue  # cancelled: its time was given back
        live = b.live_reasons(order) if _is_open(step) else []
        if order.technician_id in b.active:
            appointments.append(b.appointment(order, step, live))
        if live and order.order_id not in in_tray:
            tray.append(b.tray_item(order, step, live + b.review_reasons(order.order_id, TRAY_KINDS)))
            in_tray.add(order.order_id)

    missing = sorted(order_id for order_id, items in b.flagged.items()
                     if order_id not in seen and any(i["kind"] in TRAY_KINDS for i in items))
    if missing:
        found = batch_get([(OrderModel, order_id, None) for order_id in missing])
        for order_id in missing:
            order = found.get((OrderModel, order_id, None))
            step = _step(order) if order is not None else None
            if not _is_open(step) or (wanted is not None and kinds.kind_of(order) != wanted):
                continue
            items = [i for i in b.flagged[order_id] if i["kind"] in TRAY_KINDS and b.still_flagged(order, i)]
            if items:
                tray.append(b.tray_item(order, step, [_reason(i["kind"], _plain(i.get("detail"), set(b.staff)))
                                                      for i in items]))

    review = ctx.review
    return {
        "date": first.isoformat(),
        "days": count,
        "kind": wanted,
        "dates": [d.isoformat() for d in dates],
        "timezone": str(zone),
        "as_of": times.iso(now),
        "technicians": [_technician(m, dates, zone, range_start, range_end)
                        for m in sorted(b.active.values(), key=lambda m: (m.name, m.user_id))],
        "appointments": appointments,
        "tray": tray,
        "review": {"date": review["date"], "checked_at": review.get("checked_at")} if review else None,
    }


def _technician(member: StaffModel, dates: list[date], zone, range_start: datetime, range_end: datetime) -> dict:
    profile = setup_technicians.profile(member)
    return {
        "id": member.user_id,
        "name": member.name,
        "skills": profile["skills"],
        "areas": profile["areas"],
        "days": [{"date": d.isoformat(),
                  "hours": [{"start": _local(s, zone), "end": _local(e, zone)}
                            for s, e in business.windows_on(profile["working_hours"], d, zone)]} for d in dates],
        "time_off": [
            {"id": off["id"], "start": _local(datetime.fromisoformat(off["start"]), zone),
             "end": _local(datetime.fromisoformat(off["end"]), zone), "reason": off.get("reason")}
            for off in profile["time_off"]
            if datetime.fromisoformat(off["start"]) < range_end and range_start < datetime.fromisoformat(off["end"])
        ],
    }
