"""The invoices table and the number series: invoices, their credit notes and reissues, and the
gapless sequences that number invoices, credit notes and quotes."""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core import settings


class _Meta:
    billing_mode = "PAY_PER_REQUEST"


class SequenceModel(Model):
    """A gapless number series, one item per series and year (`INV-2026`, `CN-2026`): `last` is
    the last number given out. It only moves in the transaction that writes the numbered
    document, conditional on its previous value, so no number is skipped or used twice."""

    class Meta(_Meta):
        table_name = settings.SEQUENCES_TABLE

    series = UnicodeAttribute(hash_key=True)
    last = NumberAttribute(default=0)


class InvoicesBySendStatus(GlobalSecondaryIndex):
    """Sparse: only invoices whose email still has to go, or whose owner still has to hear of a
    failure (`send_status` = `pending`), by when to look at them next: the reconciler's list."""

    class Meta:
        index_name = "by-send-status"
        projection = AllProjection()

    send_status = UnicodeAttribute(hash_key=True)
    next_attempt_at = UTCDateTimeAttribute(range_key=True)


class InvoicesByDue(GlobalSecondaryIndex):
    """Sparse: only unpaid invoices that are not void (`open_status` = `open`), by due time:
    the payment reminders' list."""

    class Meta:
        index_name = "by-due"
        projection = AllProjection()

    open_status = UnicodeAttribute(hash_key=True)
    due_at = UTCDateTimeAttribute(range_key=True)


class InvoiceModel(Model):
    """An invoice: at most one per work order (`invoice_id` is derived from the order id and
    written only if absent). Once issued it is never deleted or renumbered; voiding adds a credit
    note. `delivery` is the email's state machine: issued -> pdf_stored -> sending -> sent, or
    send_failed (retried with backoff), send_unknown (a send cut off mid-way) or no_email.
    Every change is conditional on the state it leaves (see chalicelib/invoicing.py)."""

    class Meta(_Meta):
        table_name = settings.INVOICES_TABLE

    invoice_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute()
    number = UnicodeAttribute()
    status = UnicodeAttribute(default="issued")  # issued | paid | void
    # The seller's details, the customer and the lines as they were when the invoice was issued.
    seller = JSONAttribute()
    customer = JSONAttribute()
    lines = JSONAttribute()
    work = UnicodeAttribute(null=True)
    currency = UnicodeAttribute()
    subtotal_cents = NumberAttribute()
    tax_rate_basis_points = NumberAttribute()
    tax_cents = NumberAttribute()
    total_cents = NumberAttribute()
    issued_at = UTCDateTimeAttribute()
    due_date = UnicodeAttribute()  # the local date payment is due
    due_at = UTCDateTimeAttribute()  # the end of that local day
    open_status = UnicodeAttribute(null=True)  # `open` until paid or void
    pdf_key = UnicodeAttribute()
    # The email.
    delivery = UnicodeAttribute(default="issued")
    send_status = UnicodeAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    send_attempts = NumberAttribute(default=0)
    sending_since = UTCDateTimeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    ses_message_id = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    owner_alerted_at = UTCDateTimeAttribute(null=True)
    resends = NumberAttribute(default=0)
    # Payments, reminders and the credit note.
    payments = JSONAttribute(default=list)
    paid_cents = NumberAttribute(default=0)
    paid_at = UTCDateTimeAttribute(null=True)
    reminders_sent = NumberAttribute(default=0)
    reminder_log = JSONAttribute(default=list)
    credit_note = JSONAttribute(null=True)
    # Reissues (chalicelib/data/invoice_chain.py): a void invoice names the one that replaced it;
    # the first invoice of an order keeps the id derived from the order, later ones add `#<n>`.
    replaced_by = UnicodeAttribute(null=True)
    replaces = UnicodeAttribute(null=True)
    reissue_no = NumberAttribute(null=True)  # 2 for the first reissue, 3 for the next...
    # Deposits (chalicelib/invoicing/deposits.py): a job's deposit invoice has `kind` "deposit"
    # (None: the order's own invoice) and `quote_id` (the accepted quote), under an id of its own
    # (`numbering.deposit_invoice_id_for`); the order's final invoice that deducts it keeps the
    # deduction in `deposit_deducted` {"invoice_id", "number", "subtotal_cents", "tax_cents",
    # "total_cents", "work_subtotal_cents", "work_tax_cents", "work_total_cents"}: its own
    # subtotal, tax and total are then what it charges (the work's less the deposit's).
    kind = UnicodeAttribute(null=True)
    quote_id = UnicodeAttribute(null=True)
    deposit_deducted = JSONAttribute(null=True)

    by_send_status = InvoicesBySendStatus()
    by_due = InvoicesByDue()
