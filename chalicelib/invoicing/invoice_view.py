"""Finding an invoice and the view the API answers with."""
from chalicelib.core import times
from chalicelib.core.errors import NotFound
from chalicelib.data.models import InvoiceModel
from chalicelib.invoicing import documents, numbering


def load(invoice_id: str) -> InvoiceModel:
    try:
        return InvoiceModel.get(invoice_id, consistent_read=True)
    except InvoiceModel.DoesNotExist:
        raise NotFound(f"No invoice '{invoice_id}'.")


def for_order(order_id: str) -> InvoiceModel:
    try:
        return InvoiceModel.get(numbering.invoice_id_for(order_id), consistent_read=True)
    except InvoiceModel.DoesNotExist:
        raise NotFound(f"No invoice for work order '{order_id}'.")


def deposit_view(order_id: str) -> dict | None:
    """The job's deposit invoice as staff see it; None when the order has none."""
    try:
        return view(InvoiceModel.get(numbering.deposit_invoice_id_for(order_id), consistent_read=True))
    except InvoiceModel.DoesNotExist:
        return None


def view(invoice: InvoiceModel) -> dict:
    """The invoice as staff see it; the PDF links are valid for 15 minutes."""
    credit = invoice.credit_note
    return {
        "invoice_id": invoice.invoice_id,
        "number": invoice.number,
        "order_id": invoice.order_id,
        "status": invoice.status,
        "subtotal_cents": int(invoice.subtotal_cents),
        "tax_rate_basis_points": int(invoice.tax_rate_basis_points),
        "tax_cents": int(invoice.tax_cents),
        "total_cents": int(invoice.total_cents),
        "paid_cents": int(invoice.paid_cents or 0),
        "balance_cents": 0 if invoice.status == "void" else int(invoice.total_cents) - int(invoice.paid_cents or 0),
        "currency": invoice.currency,
        "issued_at": times.iso(invoice.issued_at),
        "due_date": invoice.due_date,
        "due_at": times.iso(invoice.due_at),
        "pdf_url": documents.file_url(invoice.pdf_key) if invoice.delivery != "issued" else None,
        "delivery": invoice.delivery,
        "sent_at": times.iso(invoice.sent_at),
        "send_attempts": int(invoice.send_attempts or 0),
        "next_attempt_at": times.iso(invoice.next_attempt_at) if invoice.send_status else None,
        "reminders_sent": int(invoice.reminders_sent or 0),
        "payments": list(invoice.payments or []),
        "lines": list(invoice.lines),
        "customer": invoice.customer,
        # "invoice", or "deposit" for a job's deposit invoice (with the quote that asked for it)
        "kind": invoice.kind or "invoice",
        "quote_id": invoice.quote_id,
        # On a final invoice that deducts the deposit: the deposit invoice, what was deducted, and
        # the work's own totals (subtotal/tax/total above are then what this invoice charges).
        "deposit_deducted": dict(invoice.deposit_deducted) if invoice.deposit_deducted else None,
        "credit_note": (
            {**{k: v for k, v in credit.items() if k not in ("pdf_key", "pdf_stored")},
             "pdf_url": documents.file_url(credit["pdf_key"]) if credit.get("pdf_stored") else None}
            if credit else None
        ),
    }
