"""The day-before reminder: a scheduled job emails each customer with an appointment tomorrow.

It runs hourly; from the configured local hour (REMINDER_LOCAL_HOUR, default 17) it reminds
every scheduled order whose appointment falls on tomorrow's local date. One Query on the
`by-appointment` index; each reminder is sent at most once per appointment time (Powertools
Idempotency), so later runs that day, and a changed appointment, behave.
"""
from datetime import datetime, time, timedelta

from chalicelib.core import observability, settings
from chalicelib.data.models import ORDER_LIST_PK, OrderModel
from chalicelib.events import automations
from chalicelib.setup import business


def reminder_hour() -> int:
    return int(settings.env("REMINDER_LOCAL_HOUR", "17"))


def send_day_before(now: datetime, context=None) -> dict:
    automations.use_lambda_context(context)
    tz = business.zone()
    local_now = now.astimezone(tz)
    if local_now.hour < reminder_hour():
        return {"reminded": 0, "reason": f"reminders go out from {reminder_hour()}:00 local time"}
    tomorrow = local_now.date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tz)
    end = datetime.combine(tomorrow + timedelta(days=1), time(0), tz)
    reminded = 0
    for order in OrderModel.by_appointment.query(
        ORDER_LIST_PK,
        OrderModel.appointment_start.between(start, end - timedelta(microseconds=1)),
        filter_condition=OrderModel.step == "scheduled",
    ):
        task = {"automation": "remind_customer", "order_id": order.order_id, "appointment_start": order.appointment_start.isoformat()}
        result = automations.run_once(task, order)
        reminded += 1 if result.get("sent") else 0
    observability.count("RemindersSent", reminded)
    return {"reminded": reminded, "date": tomorrow.isoformat()}
