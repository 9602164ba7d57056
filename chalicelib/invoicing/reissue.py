"""Correcting an invoice: after a void, a new invoice with a new number from the order's current
lines and contact details (POST /orders/{id}/invoice), the history of an order's invoices, and
taking a corrected email address from the order for a resend.

The void invoice keeps its id, number and credit note; it names the invoice that replaced it
(`replaced_by`), written in the same transaction as the new invoice and its number, so the number
series stays gapless and two reissues at once (a double click) create one invoice.
"""
from datetime import datetime, timedelta

from chalicelib.core import observability
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.data import invoice_chain
from chalicelib.data.models import CatalogModel, InvoiceModel
from chalicelib.invoicing import delivery, deposits, invoice_state, invoice_view, issue, lifecycle
from chalicelib.orders import storage
from chalicelib.setup import catalog
from chalicelib.staff.auth import Principal

# A second reissue request this soon after one succeeded is the same click, answered with its invoice.
_DOUBLE_CLICK = timedelta(seconds=30)


def history(order_id: str) -> dict:
    """GET /orders/{id}/invoice: the current invoice; once reissued, with `earlier`: the void ones
    it replaced, newest first, each with its credit note; and, for a job with one,
    `deposit_invoice`: its deposit invoice."""
    invoices = invoice_chain.chain(order_id)
    if not invoices:
        raise NotFound(f"No invoice for work order '{order_id}'.")
    answer = invoice_view.view(invoices[-1])
    if len(invoices) > 1:  # only once reissued: the answer of an order with one invoice is that invoice's
        answer["earlier"] = [invoice_view.view(i) for i in reversed(invoices[:-1])]
    deposit = invoice_view.deposit_view(order_id)
    if deposit is not None:  # as `earlier`: only there when there is one
        answer["deposit_invoice"] = deposit
    return answer


def reissue(principal: Principal, order_id: str, now: datetime) -> tuple[InvoiceModel, bool]:
    """A new invoice for an order whose current invoice is void; (invoice, created). Refused (409)
    while the current invoice is not void. The new invoice is emailed like the first, and the order
    moves on to `invoiced` if it is not there yet, so a payment settles it as before."""
    invoices = invoice_chain.chain(order_id)
    if not invoices:
        raise Conflict("The order has no invoice yet; it is invoiced when it is completed.",
                       {"order_id": order_id}, code="not_invoiced")
    current = invoices[-1]
    n = len(invoices) + 1
    new_id = invoice_chain.reissue_id(order_id, n)
    if current.status != "void":
        if current.replaces and current.reissue_no == len(invoices) and current.issued_at >= now - _DOUBLE_CLICK:
            return current, False  # the same request again, just after it succeeded
        raise Conflict(f"Invoice {current.number} is {current.status}; only a void invoice can be reissued.",
                       {"order_id": order_id, "invoice_id": current.invoice_id, "status": current.status},
                       code="invoice_not_void")
    order = storage.load(order_id)
    if not order.line_items:
        raise ValidationFailed("The order has no line items; add them before reissuing the invoice.",
                               [{"field": "line_items", "message": "the order has none"}], code="nothing_to_invoice")
    try:
        stored = CatalogModel.get(catalog.SETTINGS_KIND, catalog.SETTINGS_ID)
    except CatalogModel.DoesNotExist:
        stored = None
    business = {**catalog.DEFAULT_SETTINGS, **(stored.data if stored else {})}
    # A job's deposit invoice is deducted again (unless it was voided since).
    invoice = issue.deduct_deposit(issue._snapshot(order, business, now, new_id), deposits.for_final(order, now))
    invoice.replaces, invoice.reissue_no = current.invoice_id, n

    def mark_replaced(tx):
        tx.update(current, [InvoiceModel.replaced_by.set(new_id)],
                  condition=(InvoiceModel.status == "void") & InvoiceModel.replaced_by.does_not_exist())

    written = issue.write_new(invoice, also=mark_replaced)
    created = written is invoice  # else another request wrote it first (write_new read that one back)
    if created:
        observability.logger().info("invoice reissued", extra={"order_id": order_id, "replaces": current.number,
                                                               "number": written.number, "by": principal.user_id})
        # Only the request that wrote it emails it; a crash here is resumed by the reconciler
        # (the invoice is pending delivery from the moment it is written).
        written = delivery.deliver(written, now)
    lifecycle.advance(order_id, "invoiced", f"Invoice {written.number} issued (replaces {current.number})", now)
    return written, created


def take_corrected_email(invoice_id: str) -> InvoiceModel:
    """Before a resend: an invoice issued without a customer email takes the order's email as it
    is now (corrected with PATCH /orders/{id}); the change is kept on the invoice's customer as
    `email_corrected_from_order`. An invoice that had an email keeps it (void and reissue to change it)."""
    invoice = invoice_view.load(invoice_id)
    if (invoice.customer or {}).get("email") or invoice.status == "void":
        return invoice
    try:
        order = storage.load(invoice.order_id)
    except NotFound:
        return invoice
    email = order.customer.email if order.customer else None
    if not email:
        return invoice
    customer = {**(invoice.customer or {}), "email": email, "email_corrected_from_order": True}
    invoice_state.update_invoice(invoice, [InvoiceModel.customer.set(customer)], InvoiceModel.number == invoice.number)
    invoice.refresh(consistent_read=True)
    return invoice
