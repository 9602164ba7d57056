"""The office's bookings: phone intake and assigning a technician."""
from datetime import datetime

from chalicelib.booking import manage, online
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data.models import OrderModel
from chalicelib.orders import intake as orders_intake
from chalicelib.orders import service, storage
from chalicelib.staff.auth import Principal
from chalicelib.workflow import versions


def assign(principal: Principal, order_id: str, body: dict, now: datetime) -> OrderModel:
    """POST /orders/{id}/assign: the office sets or changes the technician and the time; the
    step stays (confirming a requested order is a move to `scheduled`).

    Without `technician_id` the current technician is kept when free, else the assignment rule
    picks one; without `start` the current time is kept. A job without a service needs `end` the
    first time."""
    fields = Fields(body)
    technician_id = fields.text("technician_id", 64, required=False)
    start = fields.datetime("start", required=False)
    end = fields.datetime("end", required=False)
    expected = fields.integer("expected_version", minimum=1)
    fields.raise_if_errors()
    order = storage.load(order_id)
    if expected != order.version:
        raise Conflict(f"The order changed since you read it (version {order.version}, you sent {expected}).",
                       {"order_id": order_id, "current_version": int(order.version)})
    start = start or order.appointment_start
    problems = []
    if start is None:
        problems.append({"field": "start", "message": "is required: the order has no appointment yet"})
    elif end is not None and end <= start:
        problems.append({"field": "end", "message": "must be after the start"})
    elif not order.service_id and end is None and order.appointment_start is None:
        problems.append({"field": "end", "message": "is required for a job without a service"})
    pm = versions.of(order)
    if pm.step(order.step).is_end:
        problems.append({"field": "order_id", "message": f"the order is '{order.step}'"})
    if problems:
        raise ValidationFailed("The order cannot be assigned.", problems)
    return manage.reschedule(order, start, principal, now, technician_id=technician_id, expected=expected, new_end=end)


def phone_intake(principal: Principal, body: dict, now: datetime) -> tuple[OrderModel, object]:
    """POST /orders: an order with a time is booked onto a calendar (checked like any booking);
    one without waits at the start step. Returns the order and the technician, when known."""
    intake = orders_intake.parse_intake(body)
    if intake.start is None:
        order = service.create(principal, intake, now)
        return order, None
    booked = online.book(principal, intake, now, source="phone")
    return booked.order, booked.setup.technician(booked.order.technician_id)
