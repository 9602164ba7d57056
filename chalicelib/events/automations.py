"""Entry automations, run when an order enters a step, driven by the orders table's stream.

The stream handler compares each record's old and new images; when the step changed, it runs the
automations the order's process-map version names for the new step. Each automation runs once per
entry into a step (Powertools Idempotency keyed by order, history position and automation), so a
redelivered record does nothing twice. Per-record failures go back to Lambda as
`batchItemFailures`: one bad record neither blocks nor drops the others.
"""
import functools
import re
from zoneinfo import ZoneInfo

from chalicelib.booking import manage as booking_manage
from chalicelib.core import clock, dates, settings
from chalicelib.data.models import OrderModel
from chalicelib.invoicing import lifecycle
from chalicelib.mail import invites, messages
from chalicelib.setup import addresses
from chalicelib.setup import business as business_settings
from chalicelib.staff import directory
from chalicelib.workflow import process_map, versions

# Idempotency records are kept long enough to cover the stream's 24-hour retention.
_IDEMPOTENCY_SECONDS = 3 * 24 * 3600

CUSTOMER_MESSAGES = {
    "scheduled": ("Your appointment is booked", "Your appointment is booked. We look forward to seeing you."),
    "en_route": ("Your technician is on the way", "Your technician is on the way to you now."),
    "in_progress": ("Work has started", "Your technician has started the work."),
    "completed": ("Your job is complete", "The work is complete. Thank you for choosing us."),
    "on_hold": ("Your work order is on hold", "Your work order is on hold for now. We will be in touch."),
    "cancelled": ("Your appointment is cancelled", "Your work order has been cancelled."),
}


def notify_customer(order: OrderModel, step: process_map.Step, key: str | None = None) -> dict:
    """Email the customer that their order entered `step`; a booking, a reschedule and a
    cancellation carry an .ics file for their calendar."""
    subject, message = CUSTOMER_MESSAGES.get(step.key, ("Update on your work order", f"Your work order is now: {step.label}."))
    invite = "cancel" if step.key == "cancelled" else ("publish" if step.key == "scheduled" else None)
    return _email_customer(order, subject, message, invite, key)


def notify_rescheduled(order: OrderModel, key: str | None = None) -> dict:
    return _email_customer(order, "Your appointment has moved", "Your appointment has been moved to the new time below.", "publish", key)


def notify_booked(order: OrderModel, key: str | None = None) -> dict:
    """The first appointment of an order that had none, given in a step that sends no "booked"
    on entry: it is a booking, not a move."""
    subject, message = CUSTOMER_MESSAGES["scheduled"]
    return _email_customer(order, subject, message, "publish", key)


def remind_customer(order: OrderModel, key: str | None = None) -> dict:
    return _email_customer(order, "Reminder: your appointment is tomorrow", "This is a reminder of your appointment tomorrow.", None, key)


def message_key(task: dict) -> str:
    """The Message-ID of the email a task sends, the same each time the task runs: a resend
    after a crash between sending and recording it is recognisably the same message (the local
    outbox keeps one copy, mail programs show one)."""
    return ".".join(re.sub(r"[^A-Za-z0-9_-]+", "-", str(task[name])) for name in sorted(task))


def _email_customer(order: OrderModel, subject: str, message: str, invite: str | None, key: str | None) -> dict:
    if not order.customer.email:
        return {"sent": False, "reason": "the customer has no email address"}
    to = messages.recipient(order.customer.email, order.customer.name)
    if to is None:  # stored before the edge refused such addresses (a non-ASCII local part)
        return {"sent": False, "reason": "the customer's email address cannot receive our emails"}
    business = business_settings.settings()
    tech = directory.find(order.technician_id)
    tz = _zone(business["timezone"])
    locale = dates.locale_of(business.get("locale"))
    appointment = (
        dates.appointment(order.appointment_start, order.appointment_end, tz, locale)
        if order.appointment_start and order.appointment_end
        else None
    )
    address = addresses.one_line(order.address, business.get("country") or "GB")
    manage = None
    if order.manage_token and invite != "cancel":
        manage = booking_manage.manage_url(order)
    policy = booking_manage.change_policy(order, business, clock.now())
    context = {
        "customer_name": order.customer.name,
        "message": message,
        "order_id": order.order_id,
        "service": order.service_name,
        "appointment": appointment,
        "technician": tech.name.split()[0] if tech else None,
        "address": address,
        "manage_url": manage,
        "can_change_online": policy["can_change_online"],
        "change_policy": policy["text"],
        "business_name": business["name"],
        "business": booking_manage.contact(business),
    }
    text, html = messages.render("order_step", **context)
    attachments = []
    if invite and order.appointment_start and order.appointment_end:
        ics = invites.calendar_invite(
            uid=f"{order.order_id}@workorders",
            sequence=int(order.version or 0),
            start=order.appointment_start,
            end=order.appointment_end,
            summary=f"{order.service_name or 'Appointment'} - {business['name']}",
            location=address,
            description=f"Work order {order.order_id}" + (f". Manage your booking: {manage}" if manage else ""),
            organizer=settings.sender_email(),
            stamp=order.updated_at,
            cancelled=invite == "cancel",
        )
        attachments.append(("appointment.ics", "text/calendar", ics))
    email = messages.build(
        to,
        f"{subject} - {order.order_id}",
        text,
        html,
        attachments,
        message_id=key,
        sender_name=business["name"],
    )
    return {"sent": True, "message_id": messages.send(email)}


def _zone(name: str):

    return ZoneInfo(name)


def create_invoice(order: OrderModel, step: process_map.Step, key: str | None = None) -> dict:
    """Invoice the order, email the invoice with its PDF and move the order to `invoiced`
    (chalicelib/invoicing.py). The invoice email also tells the customer the job is complete."""
    return lifecycle.create_invoice(order.order_id, clock.now())


REGISTRY = {
    "notify_customer": notify_customer,
    "create_invoice": create_invoice,
}
if set(REGISTRY) != set(process_map.AUTOMATIONS):
    raise RuntimeError(f"the stream handler registers {sorted(REGISTRY)}, the process map allows {sorted(process_map.AUTOMATIONS)}")


@functools.cache
def _config():
    # Deferred for cold start: Powertools Idempotency is needed by the stream handler only.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(expires_after_seconds=_IDEMPOTENCY_SECONDS)


@functools.cache
def _run_once():
    # Deferred for cold start (see _config).
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent_function

    store = DynamoDBPersistenceLayer(table_name=settings.IDEMPOTENCY_TABLE)
    config = _config()

    @idempotent_function(data_keyword_argument="task", persistence_store=store, config=config)
    def run_automation(task: dict, order: OrderModel) -> dict:
        key = message_key(task)
        if task["automation"] == "notify_rescheduled":
            return notify_rescheduled(order, key)
        if task["automation"] == "notify_booked":
            return notify_booked(order, key)
        if task["automation"] == "remind_customer":
            return remind_customer(order, key)
        pm = versions.of(order)
        return REGISTRY[task["automation"]](order, pm.step(task["step"]), key)

    return run_automation


def use_lambda_context(context) -> None:
    """Without the invocation's context an automation cut off by a timeout stays "in progress"
    for the whole idempotency window, and every redelivery fails instead of retrying it."""
    if hasattr(context, "get_remaining_time_in_millis"):
        _config().register_lambda_context(context)


def run_once(task: dict, order: OrderModel) -> dict:
    """Run an automation at most once for this task (Powertools Idempotency)."""
    return _run_once()(task=task, order=order)


def entered_step(record: dict) -> tuple[OrderModel, int] | None:
    """(order as of this record, its history position) when the record moved it into a step."""
    data = record.get("dynamodb", {})
    new_image, old_image = data.get("NewImage"), data.get("OldImage")
    if not new_image:
        return None
    new_step = new_image.get("step", {}).get("S")
    old_step = (old_image or {}).get("step", {}).get("S")
    if new_step == old_step:
        return None
    order = OrderModel.from_raw_data(new_image)
    return order, int(order.history_count or 0)  # the history is beside the order: its count is here


def rescheduled(record: dict) -> tuple[OrderModel, str] | None:
    """(order as of this record, the notice) when it kept its step but its appointment changed:
    `notify_rescheduled` for a move, `notify_booked` for the first appointment of an order that
    had none. Nothing while the order waits in the map's first step (a request): the customer
    has not been told of a time yet, and hears "booked" once, when it enters a step that says so."""
    data = record.get("dynamodb", {})
    new_image, old_image = data.get("NewImage"), data.get("OldImage")
    if not new_image or not old_image:
        return None
    same_step = new_image.get("step") == old_image.get("step")
    if not same_step or new_image.get("appointment_start") == old_image.get("appointment_start"):
        return None
    if not new_image.get("appointment_start"):
        return None
    order = OrderModel.from_raw_data(new_image)
    pm = versions.of(order)
    if order.step == pm.start_step:
        return None
    first = not old_image.get("appointment_start") or "NULL" in old_image["appointment_start"]
    return order, ("notify_booked" if first else "notify_rescheduled")


def handle_record(record) -> list[str]:
    """Run what one stream record calls for; returns the automations it ran."""
    raw = record.raw_event if hasattr(record, "raw_event") else record
    run = _run_once()
    moved = rescheduled(raw)
    if moved is not None:
        order, notice = moved
        run(task={"order_id": order.order_id, "version": int(order.version), "automation": notice}, order=order)
        return [notice]
    entered = entered_step(raw)
    if entered is None:
        return []
    order, position = entered
    step = versions.of(order).step(order.step)
    for name in step.automations:
        run(task={"order_id": order.order_id, "position": position, "step": step.key, "automation": name}, order=order)
    return list(step.automations)


def handle_stream(event: dict, context=None) -> dict:
    # Deferred for cold start: only the stream handler processes batches.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    use_lambda_context(context)
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
