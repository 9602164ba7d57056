"""Money after issue: payments (partial ones add up), voiding with a credit note, resending."""
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import ids, observability, settings, times
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data import items, request_keys
from chalicelib.data.models import InvoiceModel
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.invoicing import (
    delivery,
    documents,
    invoice_pdf,
    invoice_state,
    invoice_view,
    lifecycle,
    numbering,
    receipts,
)
from chalicelib.invoicing.delivery import SENDING_STALE
from chalicelib.invoicing.lifecycle import MOVE_ATTEMPTS
from chalicelib.invoicing.numbering import CREDIT_NOTE, NUMBER_ATTEMPTS, DocumentWritten, SeriesMoved
from chalicelib.staff.auth import Principal

PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "other")


def _refused(message: str, code: str, field: str = "invoice") -> ValidationFailed:
    return ValidationFailed(message, [{"field": field, "message": message}], code=code)


def record_payment(principal: Principal, invoice_id: str, body: dict, now: datetime,
                   key: RequestKey | None = None) -> Answer:
    """Add a payment; partial payments add up, overpayment is refused, and an invoice takes at
    most `items.MAX_PAYMENTS`. The payment and the Idempotency-Key's record (with the answer) are
    written in one transaction: a replay gets the first answer and adds nothing. Fully paid, the
    order moves to `paid` (a replay finishes that move if it was cut off). The customer is then
    emailed a receipt, once per payment (`receipts.send_receipt`; a replay sends one that failed)."""
    fields = Fields(body)
    amount = fields.integer("amount_cents", minimum=1, maximum=100_000_000_00)
    method = fields.text("method", 20)
    if method and method not in PAYMENT_METHODS:
        fields.error("method", f"must be one of {', '.join(PAYMENT_METHODS)}")
    reference = fields.text("reference", 100, required=False)
    fields.raise_if_errors()
    payment_id = ids.id_for_key("PAY-", invoice_id, key.key if key else None)
    for _ in range(MOVE_ATTEMPTS):
        earlier = request_keys.earlier(key)
        if earlier is not None:
            invoice = invoice_view.load(invoice_id)
            _settle(invoice, now)
            receipts.send_receipt(invoice, payment_id, now)  # a replay finishes a receipt cut off
            return earlier if earlier.body is not None else Answer(earlier.status, invoice_view.view(invoice))
        invoice = invoice_view.load(invoice_id)
        if any(p["payment_id"] == payment_id for p in invoice.payments or []):
            if key is not None and request_keys.earlier(key) is not None:
                continue  # a double click's twin wrote it (with its key) since the check above: answer as it was
            _settle(invoice, now)
            receipts.send_receipt(invoice, payment_id, now)
            return Answer(200, invoice_view.view(invoice))
        if invoice.status == "void":
            raise _refused("The invoice is void; it takes no payments.", "invoice_void")
        items.check_room("payments", len(invoice.payments or []))
        paid = int(invoice.paid_cents or 0)
        balance = int(invoice.total_cents) - paid
        if amount > balance:
            raise ValidationFailed(
                "The payment is more than the invoice's balance.",
                [{"field": "amount_cents", "message": f"must be at most the balance, {balance}"}], code="overpayment")
        payment = {"payment_id": payment_id, "amount_cents": amount, "method": method, "reference": reference,
                   "recorded_by": principal.user_id, "at": times.iso(now)}
        actions = [InvoiceModel.payments.set(list(invoice.payments or []) + [payment]),
                   InvoiceModel.paid_cents.set(paid + amount)]
        # The invoice as it will be, for the answer (written with the key's record).
        invoice.payments, invoice.paid_cents = list(invoice.payments or []) + [payment], paid + amount
        if amount == balance:
            actions += [InvoiceModel.status.set("paid"), InvoiceModel.paid_at.set(now), InvoiceModel.open_status.remove()]
            invoice.status, invoice.paid_at, invoice.open_status = "paid", now, None
        answer = Answer(201, invoice_view.view(invoice))
        condition = (InvoiceModel.paid_cents == paid) & (InvoiceModel.status == "issued")
        try:
            with TransactWrite(connection=Connection(region=settings.region())) as tx:
                tx.update(invoice, actions, condition=condition)
                if key is not None:
                    tx.save(request_keys.record(key, answer, now), condition=request_keys.unused())
        except TransactWriteError as exc:
            if exc.cause_response_code != "TransactionCanceledException":
                raise
            continue  # the invoice or the key moved on: look again
        observability.count("InvoicePaymentRecorded")
        _settle(invoice, now)
        receipts.send_receipt(invoice, payment_id, now)  # after the write: a failed send loses no payment
        return answer
    raise Conflict("The invoice is being changed by others right now; try again.", {"invoice_id": invoice_id})


def _settle(invoice: InvoiceModel, now: datetime) -> None:
    """A fully paid invoice's order moves on to `paid` (through `invoiced` if it is not there yet).
    A paid deposit invoice moves nothing: the job is still to be done and invoiced."""
    if invoice.status != "paid" or invoice.kind == "deposit":
        return
    lifecycle.advance(invoice.order_id, "invoiced", f"Invoice {invoice.number} issued", now)
    lifecycle.advance(invoice.order_id, "paid", f"Invoice {invoice.number} paid", now)


def void(principal: Principal, invoice_id: str, body: dict, now: datetime) -> InvoiceModel:
    """Cancel an unpaid invoice with a credit note numbered from its own series (`CN-2026-...`).
    The invoice keeps its number and stays on record. Voiding again changes nothing."""
    fields = Fields(body)
    reason = fields.text("reason", 500, required=False, multiline=True)
    fields.raise_if_errors()
    invoice = invoice_view.load(invoice_id)
    for attempt in range(NUMBER_ATTEMPTS):
        if invoice.status == "void":
            break
        if int(invoice.paid_cents or 0) > 0:
            raise _refused("The invoice has payments; refund them before voiding it.", "invoice_has_payments")
        year = now.astimezone(invoice_state.seller_zone(invoice.seller)).year
        series = f"{CREDIT_NOTE}-{year}"
        last = numbering.last_number(series)
        number = f"{series}-{(last or 0) + 1:06d}"
        credit = {"number": number, "issued_at": times.iso(now), "amount_cents": int(invoice.total_cents), "reason": reason,
                  "issued_by": principal.user_id, "pdf_key": f"credit-notes/{year}/{number}.pdf", "pdf_stored": False}
        actions = [InvoiceModel.status.set("void"), InvoiceModel.credit_note.set(credit), InvoiceModel.open_status.remove(),
                   InvoiceModel.send_status.remove(), InvoiceModel.next_attempt_at.remove()]
        condition = (InvoiceModel.status == "issued") & (InvoiceModel.paid_cents == int(invoice.paid_cents or 0))
        try:
            numbering.write_numbered(series, last or 0, last is not None, lambda tx: tx.update(invoice, actions, condition))
        except (DocumentWritten, SeriesMoved):
            numbering.pause(attempt)
            invoice = invoice_view.load(invoice_id)
            continue
        observability.count("InvoiceVoided")
        invoice = invoice_view.load(invoice_id)
        break
    else:
        raise Conflict("The credit note series is busy; try again.", {"invoice_id": invoice_id})
    if not invoice.credit_note.get("pdf_stored"):
        documents.put_pdf(invoice.credit_note["pdf_key"], invoice_pdf.render(documents.pdf_document(invoice, credit=True)))
        invoice_state.update_invoice(invoice, [InvoiceModel.credit_note.set({**invoice.credit_note, "pdf_stored": True})], InvoiceModel.status == "void")
    return invoice


def resend(principal: Principal, invoice_id: str, now: datetime) -> InvoiceModel:
    """Email the invoice again now, on a person's request (a new email, deliberately)."""
    invoice = invoice_view.load(invoice_id)
    if invoice.status == "void":
        raise _refused("The invoice is void.", "invoice_void")
    if invoice.delivery == "sending" and not (invoice.sending_since and invoice.sending_since + SENDING_STALE <= now):
        raise Conflict("The invoice is being emailed right now.", {"invoice_id": invoice_id})
    if delivery.recipient(invoice) is None:
        raise _refused("The customer has no usable email address.", "no_customer_email")
    pdf = documents.store_pdf(invoice) if invoice.delivery == "issued" else None
    resends = int(invoice.resends or 0)
    invoice = delivery.send_invoice_email(invoice, now, pdf, resend=True)
    if int(invoice.resends or 0) == resends:
        raise Conflict("The invoice changed at the same moment; try again.", {"invoice_id": invoice_id})
    observability.logger().info("invoice resent", extra={"invoice_id": invoice_id, "by": principal.user_id})
    return invoice
