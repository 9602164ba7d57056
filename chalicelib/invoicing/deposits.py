"""The deposit invoice of a job whose accepted quote asked for one (`order.deposit` =
{"quote_id", "amount_cents" with tax}), issued and emailed exactly once, and found again by the
final invoice, which deducts it (`issue.deduct_deposit`).

The deposit invoice is an invoice like any other: numbered in the same gapless `INV` series in
the transaction that moves it (`issue.write_new`), stored as a PDF and emailed by the delivery
state machine (the reconciler resumes a send cut off), paid with `POST /invoices/{id}/payments`,
voided with a credit note. It has one line, `Deposit for quote Q-2026-000001-A`, the amount
split into net and tax at the quote's rate as a price that includes the tax (so net + tax is
exactly the amount asked), and it is due on the day it is issued.

Exactly once: its id is derived from the order id and `#deposit`
(`numbering.deposit_invoice_id_for`), a key that neither the order's own invoice (the order id)
nor a reissue (`<order id>#<n>`, n a number: data/invoice_chain.py) is derived from; it is
written only if absent, so a double call, a redelivered stream record or two Lambdas at once
write one invoice and the others read it back. The order then records it (`deposit.invoice_id`,
`deposit.number`) with a write conditional on the deposit as it was read; that record is a
convenience for readers, the id is the truth, and any later call (or the final invoice) writes a
record a crash left out.

A job whose deposit invoice was never issued (the acceptance's call failed, or was cut off)
gets it issued when its final invoice is, and the final invoice deducts it (`for_final`): the
customer accepted a quote that said "a deposit, then the balance", and the two documents say
exactly that, with the tax of the whole job charged once across them. Doing it the other way
(no deduction, no deposit) would leave a window in which a late deposit call bills twice.
"""
from datetime import datetime, time, timezone

from pynamodb.exceptions import UpdateError

from chalicelib.core import observability
from chalicelib.core.errors import NotFound
from chalicelib.data.batch import batch_get
from chalicelib.data.models import CatalogModel, InvoiceModel, OrderModel, SequenceModel
from chalicelib.data.quotes import QuoteModel
from chalicelib.invoicing import delivery, invoice_state, issue, numbering
from chalicelib.invoicing.numbering import INVOICE
from chalicelib.setup import catalog
from chalicelib.setup import tax as tax_rules

DEPOSIT = "deposit"  # InvoiceModel.kind of a deposit invoice
RECORD_ATTEMPTS = 5


def asked(order: OrderModel) -> int:
    """The deposit the order's quote asked for, with tax, in cents (0: none)."""
    deposit = order.deposit or {}
    try:
        return max(0, int(deposit.get("amount_cents") or 0))
    except (TypeError, ValueError):
        return 0


def issue_deposit(order_id: str, now: datetime) -> InvoiceModel | None:
    """The job's deposit invoice: the one it has, or a new one, emailed. None when the order asks
    for no deposit, or its final invoice was issued without one (it charged the whole job)."""
    deposit_id, final_id = numbering.deposit_invoice_id_for(order_id), numbering.invoice_id_for(order_id)
    guess = f"{INVOICE}-{now.year}"
    settings_key = (CatalogModel, catalog.SETTINGS_KIND, catalog.SETTINGS_ID)
    found = batch_get([(OrderModel, order_id, None), (InvoiceModel, deposit_id, None), (InvoiceModel, final_id, None),
                       settings_key, (SequenceModel, guess, None)])
    order = found.get((OrderModel, order_id, None))
    if order is None:
        raise NotFound(f"No work order '{order_id}'.")
    existing = found.get((InvoiceModel, deposit_id, None))
    final = found.get((InvoiceModel, final_id, None))
    if existing is None and (not asked(order) or (final is not None and not final.deposit_deducted)):
        return None
    if existing is not None:
        _record(order, existing)
        return existing
    stored = found.get(settings_key)
    counter = found.get((SequenceModel, guess, None))
    return _finish(order, now, *_write(order, {**catalog.DEFAULT_SETTINGS, **(stored.data if stored else {})}, now,
                                       guess, int(counter.last) if counter else None))


def for_final(order: OrderModel, now: datetime) -> InvoiceModel | None:
    """The deposit invoice the order's final invoice deducts, issued now if it never was (see the
    module's docstring). None when the order asks for no deposit."""
    if not asked(order):
        return None
    try:
        existing = InvoiceModel.get(numbering.deposit_invoice_id_for(order.order_id), consistent_read=True)
    except InvoiceModel.DoesNotExist:
        observability.logger().warning("the deposit invoice was never issued: issuing it with the final invoice",
                                       extra={"order_id": order.order_id})
        return _finish(order, now, *_write(order, catalog.business(), now))
    _record(order, existing)
    return existing


def _quote(quote_id: str | None) -> QuoteModel | None:
    if not quote_id:
        return None
    try:
        return QuoteModel.get(quote_id)
    except QuoteModel.DoesNotExist:
        return None


def _write(order: OrderModel, business: dict, now: datetime, guess: str | None = None,
           guessed_last: int | None = None) -> tuple[InvoiceModel, bool]:
    """Number and write the deposit invoice, or read back the one written meanwhile; (invoice,
    whether this call wrote it)."""
    quote = _quote((order.deposit or {}).get("quote_id"))
    pricing = (quote.pricing if quote is not None else None) or {}
    # The quote's rate: the amount was worked out at it, and its tax is what the customer agreed.
    rate = int(pricing.get("rate_basis_points", business.get("tax_rate_basis_points") or 0))
    invoice = issue._snapshot(order, business, now, numbering.deposit_invoice_id_for(order.order_id))
    gross = asked(order)
    net, tax, _ = tax_rules.split(gross, rate, True)
    shown = gross if invoice.seller["prices_include_tax"] else net  # a line is priced as the business prices
    reference = f"{quote.number}-{quote.revision}" if quote is not None else (order.deposit or {}).get("quote_id")
    invoice.lines = [{"description": f"Deposit for quote {reference}", "quantity": 1, "unit_price_cents": shown,
                      "total_cents": shown}]
    invoice.subtotal_cents, invoice.tax_cents, invoice.total_cents, invoice.tax_rate_basis_points = net, tax, gross, rate
    if pricing.get("currency"):
        invoice.currency = pricing["currency"]
    tz = invoice_state.seller_zone(invoice.seller)
    today = now.astimezone(tz).date()  # due at once: the deposit is what starts the job
    invoice.due_date = today.isoformat()
    invoice.due_at = datetime.combine(today, time(23, 59, 59), tz).astimezone(timezone.utc)
    invoice.kind, invoice.quote_id = DEPOSIT, (order.deposit or {}).get("quote_id")
    written = issue.write_new(invoice, guess, guessed_last)
    if written is invoice:
        observability.count("DepositInvoiceIssued")
        observability.logger().info("deposit invoice issued", extra={"order_id": order.order_id, "number": written.number,
                                                                    "amount_cents": gross})
    return written, written is invoice


def _finish(order: OrderModel, now: datetime, invoice: InvoiceModel, created: bool) -> InvoiceModel:
    """Record the invoice on the order and, when this call wrote it, email it (the delivery state
    machine claims the send, so it goes once; a call that found it written leaves the email to
    the call that wrote it, and a crash in between to the reconciler, after DELIVERY_GRACE)."""
    _record(order, invoice)
    return delivery.deliver(invoice, now) if created else invoice


def _record(order: OrderModel, invoice: InvoiceModel) -> None:
    """`order.deposit` gains the invoice's id and number, unless it has them: conditional on the
    deposit as read (the version moves, so an edit holding the old version is told to reload)."""
    for _ in range(RECORD_ATTEMPTS):
        deposit = order.deposit
        if not deposit or deposit.get("invoice_id") == invoice.invoice_id:
            return
        try:
            order.update(actions=[OrderModel.deposit.set({**deposit, "invoice_id": invoice.invoice_id,
                                                          "number": invoice.number})],
                         condition=OrderModel.deposit == deposit, add_version_condition=False)
            return
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            order.refresh(consistent_read=True)
    observability.logger().warning("the order kept changing; its deposit record waits for the next call",
                                   extra={"order_id": order.order_id})
