"""Moving an order through its process map: the allowed next steps, the exit conditions, the
fields the review indexes need. Rules over an order in memory and the map version it follows
(from the per-container cache of versions); nothing here writes.

An SLA's due time (`sla_due`) counts on the step's clock: the business calendar (opening hours,
holidays, timezone) unless the step says `calendar`. No SLA runs in a step that waits on the
customer, nor while the order is on hold for the customer (`waiting_on`). A due time is set
when the order enters the step, so changing the hours later leaves the orders in flight due
when they were."""
from datetime import datetime, timedelta, timezone

from chalicelib.core.business_time import Calendar
from chalicelib.core.errors import ConditionsUnmet, Forbidden, MoveNotAllowed, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data.models import Move, OrderModel
from chalicelib.setup import business
from chalicelib.staff.auth import Principal
from chalicelib.workflow import process_map, versions


# How far ahead of the server's clock a phone's clock may run: a `done_at` up to this far in the
# future (or this far before the order was created) is taken as "now" (as "when it was created").
CLOCK_SKEW = timedelta(minutes=2)
# Who an order on hold waits on (`waiting_on` of a move into an interruption step): while it
# waits on the customer, no SLA runs.
WAITING_ON = ("customer",)


def requested_waiting_on(fields: Fields) -> str | None:
    """The optional `waiting_on` of a move's body ("customer"): the order goes on hold for the
    customer (a callback, a decision, access), so no SLA runs while it waits."""
    value = fields.data.get("waiting_on")
    if value is not None and value not in WAITING_ON:
        fields.error("waiting_on", f"must be one of {', '.join(WAITING_ON)}, or left out")
        return None
    return value


def requested_done_at(fields: Fields, now: datetime) -> datetime | None:
    """The optional `done_at` of an action's body: when the technician did it (the app queues
    actions offline and sends them later). 422 when it is more than `CLOCK_SKEW` in the future."""
    done_at = fields.datetime("done_at", required=False)
    if done_at is not None and done_at > now + CLOCK_SKEW:
        fields.error("done_at", "must not be in the future (the server's time is "
                     + now.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") + ")")
    return done_at


def done_time(order: OrderModel, done_at: datetime | None, now: datetime, in_history: bool = False) -> datetime:
    """When an action on `order` counts as done: `now` without a `done_at`; else `done_at`, bounded.

    - Not in the future: a `done_at` within the clock skew ahead is now (further: 422, see
      `requested_done_at`).
    - Not before the order existed: within the skew before its creation it is the creation time;
      earlier is 422 (nobody worked on an order that did not exist yet).
    - A move (`in_history`) never goes before the order's latest history entry: moves are applied
      in the order they arrive, so a move done offline at 10:00 that reaches the server after the
      office's move recorded at 10:05 counts as done at 10:05, and the history never runs backwards
      (its `recorded_at` still says when it arrived)."""
    if done_at is None:
        return now
    at = min(done_at, now)
    created = order.created_at
    if at < created - CLOCK_SKEW:
        raise ValidationFailed("The action cannot have been done before the order existed.",
                               [{"field": "done_at", "message": "is before the order was created"}])
    at = max(at, created)
    if in_history:
        latest = [order.step_entered_at] + ([order.history[-1].at] if order.history else [])
        at = max([at] + [t for t in latest if t is not None])
    return min(at, now)


def next_steps(order: OrderModel, principal: Principal) -> list[dict]:
    """The steps this person may move the order to now (before exit conditions are checked)."""
    pm = versions.of(order)
    return [
        {"key": key, "label": pm.step(key).label}
        for key in pm.step(order.step).next
        if principal.role in pm.step(key).allowed_roles
    ]


def sla_due(step: process_map.Step, entered_at: datetime, calendar: Calendar | None = None,
            waiting_on: str | None = None) -> datetime | None:
    """When the SLA of `step`, entered at `entered_at`, runs out on the step's clock; None with
    no SLA, in a step that waits on the customer, or on hold waiting on the customer. The
    business calendar is read only when the clock needs it."""
    if not step.sla_minutes or step.waits_on_customer or waiting_on == "customer":
        return None
    if step.sla_clock == "calendar":
        return entered_at + timedelta(minutes=step.sla_minutes)
    return (calendar or business.calendar()).due(entered_at, step.sla_minutes, step.sla_clock)


def track_step(order: OrderModel, step: process_map.Step, entered_at: datetime, calendar: Calendar | None = None,
               waiting_on: str | None = None) -> None:
    """Put the order in `step` and keep the review indexes' attributes with it: while the step
    is open, `open_step` and the SLA due time (`sla_due`: none without an SLA running, so the
    past-SLA index leaves it out); once it is an end step, the month it closed. Call it
    wherever an order's step changes."""
    order.step = step.key
    order.step_entered_at = entered_at
    if step.is_end:
        order.open_step, order.sla_due_at = None, None
        order.closed_month = entered_at.astimezone(timezone.utc).strftime("%Y-%m")
        return
    order.open_step = step.key
    order.sla_due_at = sla_due(step, entered_at, calendar, waiting_on)
    order.closed_month = None


def start_step(order: OrderModel) -> str:
    return versions.of(order).start_step


def releases_time(order: OrderModel, destination: process_map.Step) -> bool:
    """Cancelling an order, or sending it back to the start to be booked again, frees the
    technician's reserved time."""
    booked = bool(order.technician_id and order.appointment_start)
    cancelled = destination.is_end and destination.interruption
    return booked and (cancelled or destination.key == start_step(order))


def apply_move(principal: Principal, order: OrderModel, target: str, note: str | None, now: datetime,
               done_at: datetime | None = None, waiting_on: str | None = None) -> process_map.Step:
    """Check a move against the order's process-map version and apply it to `order` (unsaved).
    The move and the step's timing (SLA, evaluation) count from when it was done (`done_time`);
    `recorded_at` is when the server received it. `waiting_on` ("customer") only with a move on
    hold (into an interruption step that is not an end): it is kept on the history entry."""
    pm = versions.of(order)
    current = pm.step(order.step)
    if target not in current.next:
        raise MoveNotAllowed(
            f"An order in '{current.key}' cannot move to '{target}'.",
            {"step": current.key, "allowed_next": list(current.next)},
        )
    destination = pm.step(target)
    if waiting_on and not (destination.interruption and not destination.is_end):
        raise ValidationFailed("Only an order put on hold can wait on the customer.",
                               [{"field": "waiting_on", "message": f"'{target}' is not a step that puts the order on hold"}])
    if principal.role not in destination.allowed_roles:
        raise Forbidden(
            f"The role '{principal.role}' may not move an order into '{target}'.",
            {"allowed_roles": list(destination.allowed_roles)},
        )
    if not destination.interruption:
        unmet = [
            {"condition": name, "message": process_map.CONDITIONS[name][1]}
            for name in current.exit_conditions
            if not process_map.CONDITIONS[name][0](order)
        ]
        if unmet:
            raise ConditionsUnmet(
                f"The order cannot leave '{current.key}' yet: " + "; ".join(u["message"] for u in unmet) + ".",
                {"step": current.key, "unmet_conditions": unmet},
            )
    at = done_time(order, done_at, now, in_history=True)
    order.history = list(order.history) + [Move(from_step=current.key, to_step=target, by=principal.user_id, at=at, note=note,
                                                 recorded_at=now, waiting_on=waiting_on)]
    track_step(order, destination, at, waiting_on=waiting_on)
    order.updated_at = now
    return destination


def is_closed(order: OrderModel) -> bool:
    return versions.of(order).step(order.step).is_end
