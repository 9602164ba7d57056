"""From completion to invoiced: the stream's automation, moving the order on, and the reconciler
that finishes what a stream record or a Lambda left undone."""
from datetime import datetime, timedelta

from chalicelib.core import observability
from chalicelib.core.errors import ConditionsUnmet, Conflict, Forbidden, MoveNotAllowed, NotFound
from chalicelib.data.models import InvoiceModel, OrderModel
from chalicelib.invoicing import deposits, delivery, issue
from chalicelib.invoicing.invoice_state import PENDING
from chalicelib.orders import service, storage
from chalicelib.staff.auth import SYSTEM
from chalicelib.workflow import versions

# The reconciler invoices completed orders the stream has not invoiced after this long.
UNINVOICED_AFTER = timedelta(minutes=5)
RECONCILE_LIMIT = 200


MOVE_ATTEMPTS = 5


def advance(order_id: str, target: str, note: str, now: datetime) -> bool:
    """Move the order to `target` as the system if the map leads there from its current step."""
    for _ in range(MOVE_ATTEMPTS):
        order = storage.load(order_id)
        pm = versions.of(order)
        if order.step == target or not pm.has_step(order.step) or target not in pm.step(order.step).next:
            return False
        try:
            service.move(SYSTEM, order, target, note, None, now)
            return True
        except Conflict:
            continue
        except (MoveNotAllowed, Forbidden, ConditionsUnmet) as exc:
            observability.logger().warning("the map does not let the system move the order",
                                           extra={"order_id": order_id, "target": target, "reason": exc.message})
            return False
    raise Conflict("The work order kept changing; it will be moved on the next attempt.", {"order_id": order_id})


def create_invoice(order_id: str, now: datetime) -> dict:
    """The `create_invoice` automation: issue, store the PDF, email, move the order to
    `invoiced`. Safe to run any number of times, concurrently too: each step resumes."""
    invoice = issue.issue(order_id, now, deposit_of=lambda order: deposits.for_final(order, now))
    if invoice is None:
        return {"invoiced": False, "reason": "the order has no line items"}
    invoice = delivery.deliver(invoice, now)
    advance(order_id, "invoiced", f"Invoice {invoice.number} issued", now)
    if invoice.status == "paid" and invoice.deposit_deducted:  # the deposit covered it all
        advance(order_id, "paid", f"Invoice {invoice.number} settled by deposit {invoice.deposit_deducted['number']}", now)
    return {"invoiced": True, "invoice_id": invoice.invoice_id, "number": invoice.number, "delivery": invoice.delivery}


def _invoicing_steps() -> list[str]:
    # every kind of work's current map (an estimate's may invoice nothing, a repair's may)
    return sorted({s.key for pm in versions.every_current() for s in pm.steps if "create_invoice" in s.automations})


def reconcile(now: datetime) -> dict:
    """Every 15 minutes: resume invoices whose email is due (backoff elapsed, or a step left
    unfinished), and invoice orders that have waited in an invoicing step for a few minutes."""
    log = observability.logger()
    resumed, invoiced, failed = 0, 0, 0
    for invoice in InvoiceModel.by_send_status.query(PENDING, InvoiceModel.next_attempt_at <= now, limit=RECONCILE_LIMIT):
        try:
            delivery.deliver(invoice, now)
            resumed += 1
        except Exception:
            failed += 1
            log.exception("reconciling an invoice failed", extra={"invoice_id": invoice.invoice_id})
    cutoff = now - UNINVOICED_AFTER
    for step in _invoicing_steps():
        for order in OrderModel.by_step.query(step, OrderModel.step_entered_at <= cutoff, limit=RECONCILE_LIMIT):
            try:
                pm = versions.of(order)
                if pm.has_step(order.step) and "create_invoice" in pm.step(order.step).automations:
                    invoiced += 1 if create_invoice(order.order_id, now).get("invoiced") else 0
            except Exception:
                failed += 1
                log.exception("invoicing a completed order failed", extra={"order_id": order.order_id})
    observability.count("InvoicesReconciled", resumed + invoiced)
    return {"resumed": resumed, "invoiced": invoiced, "failed": failed}
