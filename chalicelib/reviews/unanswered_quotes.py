"""The daily check's unanswered quotes: a quote sent and not answered, past its first reminder or
within two days of running out, is an item for the owner of the estimate's `quoted` step (in the
estimate order's own map version), saying whom to call about which quote and for how much.

Reads by index and key only: one Query of the quotes' sparse `by-follow-up` index (the quotes
still waiting for something), then the estimate orders by BatchGetItem (100 keys a call).
"""
from datetime import datetime, timedelta

from chalicelib.core import times
from chalicelib.data import batch
from chalicelib.data.models import OrderModel
from chalicelib.data.quotes import SENT, QuoteModel
from chalicelib.invoicing.pdf_layout import money
from chalicelib.quotes import sending as quote_sending
from chalicelib.quotes import views as quote_views
from chalicelib.reviews import figures, links
from chalicelib.reviews.suggestions import human
from chalicelib.setup import quote_settings
from chalicelib.workflow import kinds

KIND = "quote_unanswered"
QUOTED_STEP = "quoted"
NEAR_EXPIRY = timedelta(days=2)
FOLLOW_UP_OPEN = "open"  # the `by-follow-up` partition of quotes still waiting for something (quotes.after_answer)


def expires_at(quote: QuoteModel, zone) -> datetime:
    """The end of the quote's last valid local day (the rule sending and expiry use)."""
    return quote_sending.expires_at(quote.valid_until, zone)


def is_due(quote: QuoteModel, now: datetime, zone, reminder_days: list[int]) -> bool:
    """Sent, no answer, and past its first reminder (sent, or due: `reminder_days[0]` after
    sending) or within NEAR_EXPIRY of expiring."""
    if quote.status != SENT or quote.accepted or quote.declined or quote.sent_at is None:
        return False
    if int(quote.reminders_sent or 0) >= 1:
        return True
    if reminder_days and now >= quote.sent_at + timedelta(days=int(reminder_days[0])):
        return True
    return now >= expires_at(quote, zone) - NEAR_EXPIRY


def _step(versions: dict, order: OrderModel | None):
    """The estimate's `quoted` step in its own map version, else the step it is in now."""
    if order is None:
        return None
    pm = figures.order_map(versions, order)
    if pm is None:
        return None
    key = QUOTED_STEP if pm.has_step(QUOTED_STEP) else order.step
    return pm.step(key) if pm.has_step(key) else None


def find(now: datetime, zone, versions: dict, settings: dict) -> list[dict]:
    """The items (the same fields as the daily check's other items, and the quote's)."""
    reminder_days = list(quote_settings.complete(settings.get("quotes"))["reminder_days"])
    due = [q for q in QuoteModel.by_follow_up.query(FOLLOW_UP_OPEN, filter_condition=QuoteModel.status == SENT)
           if is_due(q, now, zone, reminder_days)]
    if not due:
        return []
    found = batch.batch_get([(OrderModel, q.order_id, None) for q in due])
    orders = {key[1]: order for key, order in found.items()}
    items = []
    for quote in due:
        order = orders.get(quote.order_id)
        step = _step(versions, order)
        reference = quote_views.reference(quote)
        price = quote_views.pricing(quote, settings)
        value = quote_views.quote_totals(quote, price).total_cents
        name = (quote.customer or {}).get("name") or "the customer"
        phone = (quote.customer or {}).get("phone")
        expiry = expires_at(quote, zone)
        reminders = int(quote.reminders_sent or 0)
        ends = (f"it runs out at the end of {expiry.astimezone(zone) - timedelta(seconds=1):%a %d %b}"
                if expiry > now else "it has run out and is about to expire")
        call = f" (phone {phone})" if phone else ""
        detail = (f"{reference} ({money(value, price['currency'])}) was sent to {name}{call} "
                  f"{human(times.minutes(now - quote.sent_at))} ago with no answer; "
                  f"{reminders} reminder{'' if reminders == 1 else 's'} sent; {ends}.")
        items.append({
            "key": f"{KIND}:{quote.order_id}:{quote.quote_id}",
            "kind": KIND,
            "order_id": quote.order_id,
            "invoice_id": None,
            "quote_id": quote.quote_id,
            "reference": reference,
            "customer_name": name,
            "value_cents": value,
            "currency": price["currency"],
            "valid_until": quote.valid_until,
            "reminders_sent": reminders,
            "step": step.key if step else QUOTED_STEP,
            "step_label": step.label if step else "Quoted",
            "owner": step.owner if step else None,
            "deputy": step.deputy if step else None,
            "workflow_id": order.workflow_id if order is not None else None,
            "workflow_version": int(order.workflow_version) if order is not None else None,
            "work_kind": (order.kind or kinds.kind_for_workflow(order.workflow_id)) if order is not None else None,
            "since": times.iso(quote.sent_at),
            "minutes": round(times.minutes(now - quote.sent_at)),
            "detail": detail,
            "todo": f"Call {name} about {reference}.",
            "link": links.order_link(quote.order_id),
        })
    return items
