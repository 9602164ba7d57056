"""Emailing the invoice exactly once: the delivery state machine, retries with backoff, telling
the step's owner when it fails."""
from datetime import datetime, timedelta

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

from chalicelib.core import observability, settings
from chalicelib.core.errors import DomainError
from chalicelib.core.validation import header_problem
from chalicelib.data.models import InvoiceModel
from chalicelib.invoicing import documents, invoice_pdf, invoice_state
from chalicelib.invoicing.invoice_state import PENDING
from chalicelib.mail import messages
from chalicelib.orders import storage
from chalicelib.staff import directory
from chalicelib.workflow import versions

# Longer than Lambda's longest run (15 minutes): a claim this old was left by a dead sender.
SENDING_STALE = timedelta(minutes=20)
RETRY_BASE, RETRY_CAP = timedelta(minutes=5), timedelta(hours=6)


def max_send_attempts() -> int:
    return max(1, int(settings.env("INVOICE_MAX_SEND_ATTEMPTS", "5")))


def backoff(attempt: int) -> timedelta:
    """5, 10, 20, 40 minutes... after the 1st, 2nd, 3rd, 4th failure; at most 6 hours."""
    return min(RETRY_BASE * (2 ** max(attempt - 1, 0)), RETRY_CAP)


def _due(invoice: InvoiceModel, now: datetime) -> bool:
    return invoice.next_attempt_at is None or invoice.next_attempt_at <= now


def deliver(invoice: InvoiceModel, now: datetime, pdf: bytes | None = None) -> InvoiceModel:
    """Take the invoice's email one or more steps further, from whatever state it is in."""
    if invoice.status == "void":
        if invoice.send_status:
            invoice_state.update_invoice(invoice, [InvoiceModel.send_status.remove()], InvoiceModel.status == "void")
        return invoice
    if invoice.delivery == "issued":
        pdf = documents.store_pdf(invoice)
    if invoice.delivery == "pdf_stored":
        return send_invoice_email(invoice, now, pdf)
    if invoice.delivery == "send_failed" and invoice.send_status == PENDING and _due(invoice, now):
        if int(invoice.send_attempts) < max_send_attempts():
            return send_invoice_email(invoice, now, pdf)
        return _tell_owner(invoice, now)
    if invoice.delivery == "sending" and invoice.sending_since and invoice.sending_since + SENDING_STALE <= now:
        if invoice_state.update_invoice(invoice, [InvoiceModel.delivery.set("send_unknown"), InvoiceModel.sending_since.remove(),
                             InvoiceModel.last_error.set("the sender stopped between SES and recording the result")],
                   (InvoiceModel.delivery == "sending") & (InvoiceModel.send_attempts == int(invoice.send_attempts))):
            observability.count("InvoiceSendUnknown")
            return _tell_owner(invoice, now)
        return invoice
    if invoice.delivery in ("send_unknown", "no_email") and invoice.send_status == PENDING and _due(invoice, now):
        return _tell_owner(invoice, now)
    return invoice


def definite_failures() -> tuple:
    """Errors after which SES certainly did not accept the message: it answered with an error,
    or the connection was never made. Anything else (a read timeout) leaves it unknown."""

    return ClientError, EndpointConnectionError, ConnectTimeoutError


def recipient(invoice: InvoiceModel):
    customer = invoice.customer or {}
    return messages.recipient(customer.get("email"), customer.get("name"))


def send_invoice_email(invoice: InvoiceModel, now: datetime, pdf: bytes | None = None, resend: bool = False) -> InvoiceModel:
    """Claim the send, send once through SES, record the outcome."""
    to = recipient(invoice)
    state, attempts = invoice.delivery, int(invoice.send_attempts)
    if to is None:
        if invoice_state.update_invoice(invoice, [InvoiceModel.delivery.set("no_email"), InvoiceModel.last_error.set("the customer has no email address")],
                   InvoiceModel.delivery == state):
            return _tell_owner(invoice, now)
        return invoice
    message = invoice_email(invoice, to, pdf if pdf is not None else documents.stored_pdf(invoice.pdf_key), reminder=None)
    attempt = 1 if resend else attempts + 1
    claim = [InvoiceModel.delivery.set("sending"), InvoiceModel.send_attempts.set(attempt),
             InvoiceModel.sending_since.set(now), InvoiceModel.send_status.set(PENDING),
             InvoiceModel.next_attempt_at.set(now + SENDING_STALE)]
    if resend:
        claim += [InvoiceModel.owner_alerted_at.remove(), InvoiceModel.resends.add(1)]
    if not invoice_state.update_invoice(invoice, claim, (InvoiceModel.delivery == state) & (InvoiceModel.send_attempts == attempts)):
        return invoice  # someone else holds or finished the send
    held = (InvoiceModel.delivery == "sending") & (InvoiceModel.send_attempts == attempt)
    try:
        message_id = messages.send(message)
    except definite_failures() as exc:
        final = attempt >= max_send_attempts()
        observability.logger().warning("invoice email refused", extra={"invoice_id": invoice.invoice_id, "attempt": attempt, "error": str(exc)})
        observability.count("InvoiceSendFailed")
        actions = [InvoiceModel.delivery.set("send_failed"), InvoiceModel.sending_since.remove(),
                   InvoiceModel.last_error.set(str(exc)[:500]), InvoiceModel.next_attempt_at.set(now + backoff(attempt))]
        if invoice_state.update_invoice(invoice, actions, held) and final:
            return _tell_owner(invoice, now)
        return invoice
    except Exception as exc:  # noqa: BLE001 - SES may have accepted it: never send again blindly
        observability.logger().exception("invoice email outcome unknown", extra={"invoice_id": invoice.invoice_id})
        if invoice_state.update_invoice(invoice, [InvoiceModel.delivery.set("send_unknown"), InvoiceModel.sending_since.remove(),
                             InvoiceModel.last_error.set(f"unknown outcome: {exc}"[:500])], held):
            return _tell_owner(invoice, now)
        return invoice
    invoice_state.update_invoice(invoice, [InvoiceModel.delivery.set("sent"), InvoiceModel.sent_at.set(now), InvoiceModel.ses_message_id.set(message_id),
                      InvoiceModel.sending_since.remove(), InvoiceModel.send_status.remove(),
                      InvoiceModel.next_attempt_at.remove(), InvoiceModel.last_error.remove()], held)
    observability.count("InvoiceSent")
    return invoice


def invoice_email(invoice: InvoiceModel, to, pdf: bytes, reminder: int | None):
    tz = invoice_state.seller_zone(invoice.seller)
    money = lambda cents: invoice_pdf.money(int(cents), invoice.currency)  # noqa: E731
    balance = int(invoice.total_cents) - int(invoice.paid_cents or 0)
    if reminder:
        subject = f"Reminder: invoice {invoice.number} is overdue"
        message = (f"This is a friendly reminder that invoice {invoice.number} was due on "
                   f"{documents.long_date(invoice.due_date)} and {money(balance)} is still outstanding.")
    elif invoice.kind == "deposit":
        subject = f"Deposit invoice {invoice.number}"
        message = ("Thank you for accepting our quote. Here is the invoice for the deposit; the balance is invoiced "
                   "when the work is done.")
    else:
        subject = f"Your job is complete - invoice {invoice.number}"
        message = "The work is complete. Thank you for choosing us. Your invoice is attached."
        if invoice.deposit_deducted:
            message += f" It deducts the deposit of invoice {invoice.deposit_deducted['number']}."
    text, html = messages.render(
        "invoice",
        customer_name=invoice.customer.get("name") or "",
        message=message,
        number=invoice.number,
        order_id=invoice.order_id,
        work=invoice.work,
        issued=documents.local_date(invoice.issued_at, tz),
        due=documents.long_date(invoice.due_date),
        lines=[{"description": line["description"], "quantity": line["quantity"], "amount": money(line["total_cents"])}
               for line in invoice.lines],
        totals=documents.total_rows(invoice),  # worded as the PDF words them
        seller=documents.seller_contact(invoice),
        balance=money(balance),
        payment_instructions=invoice.seller.get("payment_instructions") or "",
        business_name=invoice.seller.get("name") or "",
    )
    seller_name = invoice.seller.get("name") or ""
    # A name stored before header checks existed is left out of From rather than fail the send.
    sender_name = seller_name if seller_name and not header_problem(seller_name) else None
    return messages.build(to, f"{subject} - {invoice.order_id}", text, html,
                          [(f"{invoice.number}.pdf", "application/pdf", pdf)], sender_name=sender_name)


def _owner(invoice: InvoiceModel):
    """Who hears of an invoice that could not be emailed: the owner of the order's `invoiced`
    step, else of the step that invoices it (`completed`), in the order's map version."""
    try:
        order = storage.load(invoice.order_id)
        pm = versions.of(order)
        keys = ["invoiced"] + [s.key for s in pm.steps if "create_invoice" in s.automations]
        for key in keys:
            if pm.has_step(key) and pm.step(key).owner:
                member = directory.find(pm.step(key).owner)
                if member is not None and member.email:
                    return member
    except DomainError:
        pass
    return None


def _tell_owner(invoice: InvoiceModel, now: datetime) -> InvoiceModel:
    """Email the step owner once that this invoice's email did not (or may not have) reached the
    customer, and take the invoice off the reconciler's list. A failed alert puts it back."""
    state = invoice.delivery
    if invoice.owner_alerted_at is not None:
        invoice_state.update_invoice(invoice, [InvoiceModel.send_status.remove(), InvoiceModel.next_attempt_at.remove()], InvoiceModel.delivery == state)
        return invoice
    claimed = invoice_state.update_invoice(invoice, [InvoiceModel.owner_alerted_at.set(now), InvoiceModel.send_status.remove(),
                                InvoiceModel.next_attempt_at.remove()],
                      (InvoiceModel.delivery == state) & InvoiceModel.owner_alerted_at.does_not_exist())
    if not claimed:
        return invoice
    owner = _owner(invoice)
    to = messages.mailbox(owner.email, owner.name) if owner else messages.mailbox(settings.sender_email())
    reasons = {
        "send_failed": f"SES refused it {int(invoice.send_attempts)} times; the last error: {invoice.last_error}.",
        "send_unknown": "The send was cut off: it may or may not have reached the customer. Check with them, "
                        "then resend it if needed.",
        "no_email": "The customer has no usable email address. Add it to the work order and resend the invoice, "
                    "or send it by post.",
    }
    text, html = messages.render(
        "invoice_alert",
        owner_name=owner.name if owner else "",
        number=invoice.number,
        order_id=invoice.order_id,
        customer_name=invoice.customer.get("name") or "",
        customer_email=invoice.customer.get("email") or "(none)",
        reason=reasons.get(state, state),
        business_name=invoice.seller.get("name") or "",
        base_url=settings.public_base_url().rstrip("/"),
    )
    try:
        messages.send(messages.build(to, f"Invoice {invoice.number} was not emailed - {invoice.order_id}", text, html))
    except Exception:
        observability.logger().exception("owner alert failed", extra={"invoice_id": invoice.invoice_id})
        invoice_state.update_invoice(invoice, [InvoiceModel.owner_alerted_at.remove(), InvoiceModel.send_status.set(PENDING),
                          InvoiceModel.next_attempt_at.set(now + RETRY_BASE)], InvoiceModel.owner_alerted_at == now)
        return invoice
    observability.count("InvoiceOwnerAlerted")
    return invoice
