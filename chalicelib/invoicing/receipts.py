"""The payment receipt: when a payment is recorded on an invoice, the customer gets one email
saying what was paid, on which invoice, and what is left (or that it is paid in full).

Sent after the payment is written, never inside its transaction: a failure to send cannot lose
the payment. Exactly once per payment: the send runs under Powertools Idempotency keyed by the
payment id (a retried request or a double-click finds it done, or in progress, and sends nothing),
carries a deterministic Message-ID (`receipt.<payment id>`), and is then recorded on the payment
as `receipt_sent_at` / `receipt_message_id`. A send that failed leaves the payment without
`receipt_sent_at`; replaying the same request (same Idempotency-Key) tries again.
"""
from datetime import datetime

from chalicelib.core import dates, observability, times
from chalicelib.core.once import once
from chalicelib.data.models import InvoiceModel
from chalicelib.invoicing import invoice_pdf, invoice_state
from chalicelib.mail import messages
from chalicelib.setup import business

# Kept as long as a client may replay the request that recorded the payment.
_IDEMPOTENCY_SECONDS = 30 * 24 * 3600
MARK_ATTEMPTS = 5


def message_id(payment_id: str) -> str:
    return f"receipt.{payment_id}"


def _payment(invoice: InvoiceModel, payment_id: str) -> dict | None:
    return next((p for p in invoice.payments or [] if p.get("payment_id") == payment_id), None)


def receipt_email(invoice: InvoiceModel, payment: dict, to, settings_data: dict):
    """The receipt for `payment` (one of `invoice.payments`) as the invoice stands now."""
    money = lambda cents: invoice_pdf.money(int(cents), invoice.currency)  # noqa: E731
    tz, locale = business.zone(settings_data), dates.locale_of(settings_data.get("locale"))
    paid_through = sum(int(p["amount_cents"]) for p in invoice.payments[: invoice.payments.index(payment) + 1])
    balance = int(invoice.total_cents) - paid_through
    paid_on = dates.long_date(datetime.fromisoformat(payment["at"].replace("Z", "+00:00")).astimezone(tz), locale)
    name = invoice.seller.get("name") or settings_data.get("name") or ""
    text, html = messages.render(
        "payment_receipt",
        customer_name=invoice.customer.get("name") or "",
        amount=money(payment["amount_cents"]),
        number=invoice.number,
        order_id=invoice.order_id,
        paid_on=paid_on,
        method=payment.get("method", "").replace("_", " "),
        reference=payment.get("reference") or "",
        total=money(invoice.total_cents),
        paid_so_far=money(paid_through),
        balance=money(balance),
        paid_in_full=balance == 0,
        business={**{k: settings_data.get(k) for k in ("phone", "email", "address")}, "name": name},
    )
    subject = f"Payment received - {invoice.number}" + (" - paid in full" if balance == 0 else "")
    return messages.build(to, subject, text, html, message_id=message_id(payment["payment_id"]), sender_name=name or None)


def _send(task: dict, invoice: InvoiceModel, payment: dict, to, settings_data: dict) -> dict:
    return {"message_id": messages.send(receipt_email(invoice, payment, to, settings_data))}


_send_once = once(_send, _IDEMPOTENCY_SECONDS)


def send_receipt(invoice: InvoiceModel, payment_id: str, now: datetime) -> dict:
    """Email the customer the receipt for one payment, once; never raises for a failed send."""
    payment = _payment(invoice, payment_id)
    if payment is None or payment.get("receipt_sent_at"):
        return {"sent": False, "reason": "no such payment" if payment is None else "already sent"}
    to = messages.recipient((invoice.customer or {}).get("email"), (invoice.customer or {}).get("name"))
    if to is None:
        return {"sent": False, "reason": "the customer has no usable email address"}
    # Deferred with core.once's Powertools (cold start).
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    try:
        result = _send_once(task={"automation": "payment_receipt", "payment_id": payment_id},
                            invoice=invoice, payment=payment, to=to, settings_data=business.settings())
    except IdempotencyAlreadyInProgressError:
        return {"sent": False, "reason": "being sent by another request"}
    except Exception:  # noqa: BLE001 - the payment is written; the receipt is retried on a replay
        observability.logger().exception("payment receipt not sent", extra={"invoice_id": invoice.invoice_id, "payment_id": payment_id})
        observability.count("PaymentReceiptFailed")
        return {"sent": False, "reason": "the email could not be sent"}
    _mark_sent(invoice, payment_id, now, result["message_id"])
    observability.count("PaymentReceiptSent")
    return {"sent": True, "message_id": result["message_id"]}


def _mark_sent(invoice: InvoiceModel, payment_id: str, now: datetime, ses_id: str) -> None:
    """Record the receipt on its payment: the list is rewritten on condition that it is still the
    list we read (another payment or receipt in between: read again and redo)."""
    for _ in range(MARK_ATTEMPTS):
        current = list(invoice.payments or [])
        marked = [{**p, "receipt_sent_at": times.iso(now), "receipt_message_id": ses_id} if p.get("payment_id") == payment_id else p
                  for p in current]
        if marked == current:
            return
        condition = InvoiceModel.payments == current
        if invoice_state.update_invoice(invoice, [InvoiceModel.payments.set(marked)], condition):
            invoice.payments = marked
            return
