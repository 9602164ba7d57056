"""Entry automations, run when an order enters a step, driven by the orders table's stream.

The stream handler compares each record's old and new images; when the step changed, it runs the
automations the order's process-map version names for the new step. Each automation runs once per
entry into a step (Powertools Idempotency keyed by order, history position and automation), so a
redelivered record does nothing twice. Per-record failures go back to Lambda as
`batchItemFailures`: one bad record neither blocks nor drops the others.
"""
import functools

from chalicelib import catalog, notifications, settings, staff, workflow
from chalicelib.models import OrderModel

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


def notify_customer(order: OrderModel, step: workflow.Step) -> dict:
    """Email the customer that their order entered `step`."""
    if not order.customer.email:
        return {"sent": False, "reason": "the customer has no email address"}
    business = catalog.business()
    subject, message = CUSTOMER_MESSAGES.get(step.key, ("Update on your work order", f"Your work order is now: {step.label}."))
    tech = staff.find(order.technician_id)
    tz = _zone(business["timezone"])
    appointment = (
        order.appointment_start.astimezone(tz).strftime("%A %d %B %Y, %H:%M")
        + order.appointment_end.astimezone(tz).strftime(" to %H:%M (%Z)")
        if order.appointment_start and order.appointment_end
        else None
    )
    context = {
        "customer_name": order.customer.name,
        "message": message,
        "order_id": order.order_id,
        "appointment": appointment,
        "technician": tech.name.split()[0] if tech else None,
        "address": f"{order.address.street}, {order.address.postcode} {order.address.city}",
        "business_name": business["name"],
    }
    text, html = notifications.render("order_step", **context)
    email = notifications.build(
        notifications.mailbox(order.customer.email, order.customer.name),
        f"{subject} - {order.order_id}",
        text,
        html,
    )
    return {"sent": True, "message_id": notifications.send(email)}


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


REGISTRY = {
    "notify_customer": notify_customer,
}


# --- the stream -------------------------------------------------------------------------------

@functools.cache
def _run_once():
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    store = DynamoDBPersistenceLayer(table_name=settings.IDEMPOTENCY_TABLE)
    config = IdempotencyConfig(expires_after_seconds=_IDEMPOTENCY_SECONDS)

    @idempotent_function(data_keyword_argument="task", persistence_store=store, config=config)
    def run_automation(task: dict, order: OrderModel) -> dict:
        pm = workflow.version(int(order.workflow_version))
        return REGISTRY[task["automation"]](order, pm.step(task["step"]))

    return run_automation


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
    return order, len(order.history)


def handle_record(record) -> list[str]:
    """Run the entry automations for one stream record; returns the automations it ran."""
    raw = record.raw_event if hasattr(record, "raw_event") else record
    entered = entered_step(raw)
    if entered is None:
        return []
    order, position = entered
    step = workflow.version(int(order.workflow_version)).step(order.step)
    run = _run_once()
    for name in step.automations:
        run(task={"order_id": order.order_id, "position": position, "step": step.key, "automation": name}, order=order)
    return list(step.automations)


def handle_stream(event: dict, context=None) -> dict:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
