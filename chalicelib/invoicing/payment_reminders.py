"""Reminders for overdue invoices, up to a configured number."""
from datetime import datetime

from chalicelib.core import observability, settings, times
from chalicelib.data.models import InvoiceModel
from chalicelib.invoicing import delivery, documents, invoice_state
from chalicelib.invoicing.invoice_state import OPEN
from chalicelib.mail import messages


def reminder_days() -> list[int]:
    """Days after the due date on which reminders go (PAYMENT_REMINDER_DAYS, e.g. "1,7,14")."""
    return sorted({int(d) for d in settings.env("PAYMENT_REMINDER_DAYS", "1,7,14").split(",") if d.strip()})


def max_reminders() -> int:
    return int(settings.env("PAYMENT_REMINDER_MAX", "3"))


def send_payment_reminders(now: datetime) -> dict:
    """Daily: for each open invoice past its due date, the next reminder once the invoice is
    PAYMENT_REMINDER_DAYS overdue, at most PAYMENT_REMINDER_MAX per invoice. Each reminder is
    claimed (`reminders_sent` moves n -> n+1) before it is sent, so it goes at most once; an SES
    refusal gives the claim back for the next day."""
    days, cap = reminder_days(), max_reminders()
    sent = 0
    if not days or cap < 1:
        return {"reminded": 0}
    for invoice in InvoiceModel.by_due.query(OPEN, InvoiceModel.due_at < now, limit=1000):
        overdue = (now.astimezone(invoice_state.seller_zone(invoice.seller)).date() - datetime.fromisoformat(invoice.due_date).date()).days
        owed = min(sum(1 for d in days if overdue >= d), cap)
        done = int(invoice.reminders_sent or 0)
        to = delivery.recipient(invoice)
        if done >= owed or to is None or invoice.status != "issued":
            continue
        if not invoice_state.update_invoice(invoice, [InvoiceModel.reminders_sent.set(done + 1)],
                       (InvoiceModel.reminders_sent == done) & (InvoiceModel.open_status == OPEN)):
            continue
        try:
            message_id = messages.send(delivery.invoice_email(invoice, to, documents.stored_pdf(invoice.pdf_key), reminder=done + 1))
        except delivery.definite_failures():
            observability.logger().warning("payment reminder refused", extra={"invoice_id": invoice.invoice_id})
            invoice_state.update_invoice(invoice, [InvoiceModel.reminders_sent.set(done)], InvoiceModel.reminders_sent == done + 1)
            continue
        entry = {"reminder": done + 1, "at": times.iso(now), "days_overdue": overdue, "message_id": message_id}
        invoice_state.update_invoice(invoice, [InvoiceModel.reminder_log.set(list(invoice.reminder_log or []) + [entry])],
                InvoiceModel.reminders_sent == done + 1)
        sent += 1
    observability.count("PaymentRemindersSent", sent)
    return {"reminded": sent}
