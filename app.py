"""Wiring only: routes (blueprints), middleware, the orders stream handler and the schedules.

Every rule lives in `chalicelib`; each function here hands over to it in one call.
"""
import os

from chalice import Chalice, Cron, Rate, Response

from chalicelib.core import clock, errors, observability
from chalicelib.events import automations, day_before
from chalicelib.invoicing import lifecycle, payment_reminders
from chalicelib.quotes import follow_ups
from chalicelib.reviews import runs
from chalicelib.routes import (
    customer_routes,
    dispatch_routes,
    edge,
    field_routes,
    intake_routes,
    invoice_routes,
    order_routes,
    public_quote_routes,
    public_routes,
    quote_routes,
    review_routes,
    setup_routes,
    staff_routes,
    system,
    workflow_routes,
)

app = Chalice(app_name="workorders")
app.api.binary_types = []  # every answer is JSON or text

app.register_blueprint(system.bp)
app.register_blueprint(workflow_routes.bp)
app.register_blueprint(order_routes.bp)
app.register_blueprint(field_routes.bp)
app.register_blueprint(public_routes.bp)
app.register_blueprint(public_quote_routes.bp)
app.register_blueprint(setup_routes.bp)
app.register_blueprint(invoice_routes.bp)
app.register_blueprint(review_routes.bp)
app.register_blueprint(customer_routes.bp)
app.register_blueprint(intake_routes.bp)
app.register_blueprint(staff_routes.bp)
app.register_blueprint(dispatch_routes.bp)
app.register_blueprint(quote_routes.bp)


@app.middleware("http")
def one_error_shape_and_context(event, get_response):
    """Log with request and order ids, flush metrics, and give Chalice's own error answers
    (405, 415, 500) the same JSON error shape as ours."""
    log = observability.logger()
    context = event.lambda_context
    log.append_keys(
        request_id=getattr(context, "aws_request_id", None),
        path=event.path,
        order_id=(event.uri_params or {}).get("order_id"),
    )
    try:
        response = get_response(event)
    finally:
        observability.flush()
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body and "error" not in body:
        code = edge.CHALICE_CODES.get(body["Code"], "error")
        message = body.get("Message") or "The request failed."
        response = Response(
            body=errors.error_body(code, message),
            status_code=response.status_code,
            headers={**response.headers, "Content-Type": "application/json"},
        )
    if response.status_code >= 500:
        log.error("request failed", extra={"status": response.status_code})
    return response


# Chalice needs a stream ARN when it builds the app; the packaged template replaces it with the
# table's real stream (infra/), and the local system feeds records to the handler directly.
ORDERS_STREAM_ARN = os.environ.get(
    "ORDERS_STREAM_ARN",
    "arn:aws:dynamodb:us-east-1:123456789012:table/workorders-orders/stream/1970-01-01T00:00:00.000",
)


@app.on_dynamodb_record(stream_arn=ORDERS_STREAM_ARN, batch_size=25, starting_position="TRIM_HORIZON")
def on_order_change(event):
    return automations.handle_stream(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.HOURS))
def send_appointment_reminders(event):
    return day_before.send_day_before(clock.now(), event.context)


@app.schedule(Rate(15, unit=Rate.MINUTES))
def reconcile_invoices(event):
    return lifecycle.reconcile(clock.now())


@app.schedule(Cron(0, 9, "*", "*", "?", "*"))
def send_payment_reminders(event):
    return payment_reminders.send_payment_reminders(clock.now())


@app.schedule(Rate(1, unit=Rate.HOURS))
def quote_follow_ups(event):
    return follow_ups.run(clock.now())


# Reviews: cron is UTC and the business's timezone has daylight saving, so each runs hourly and
# acts from REVIEW_LOCAL_HOUR local time, once per period (chalicelib/reviews.py).
@app.schedule(Cron(5, "*", "*", "*", "?", "*"))
def review_daily(event):
    return runs.scheduled("daily", clock.now())


@app.schedule(Cron(10, "*", "*", "*", "?", "*"))
def review_weekly(event):
    return runs.scheduled("weekly", clock.now())


@app.schedule(Cron(15, "*", "*", "*", "?", "*"))
def review_monthly(event):
    return runs.scheduled("monthly", clock.now())


@app.schedule(Cron(20, "*", "*", "*", "?", "*"))
def review_quarterly(event):
    return runs.scheduled("quarterly", clock.now())
