"""Issuing the invoice of a completed order: the seller, customer and lines as they are now, totals
in integer cents (less the deposit invoice of a job that had one), the number."""
from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone

from chalicelib.core import observability
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.data import invoice_chain
from chalicelib.data.batch import batch_get
from chalicelib.data.models import CatalogModel, InvoiceModel, OrderModel, SequenceModel
from chalicelib.invoicing import invoice_state, numbering
from chalicelib.invoicing.invoice_state import DELIVERY_GRACE, OPEN, PENDING
from chalicelib.invoicing.numbering import INVOICE, NUMBER_ATTEMPTS, DocumentWritten, SeriesMoved
from chalicelib.setup import addresses, catalog, tax as tax_rules


def _snapshot(order: OrderModel, business: dict, now: datetime, invoice_id: str) -> InvoiceModel:
    """The invoice as the order and the business are now (unnumbered)."""
    lines = [
        {"description": li.description, "quantity": int(li.quantity), "unit_price_cents": int(li.unit_price_cents),
         "total_cents": int(li.quantity) * int(li.unit_price_cents)}
        for li in order.line_items
    ]
    rate = int(business.get("tax_rate_basis_points") or 0)
    seller = tax_rules.seller_snapshot(business)  # with the VAT number, company number, registered office
    # Half up, once per invoice; with prices that include the tax, the lines add up to the total.
    subtotal, tax, _ = tax_rules.split(sum(line["total_cents"] for line in lines), rate, seller["prices_include_tax"])
    tz = invoice_state.seller_zone(seller)
    due_date = now.astimezone(tz).date() + timedelta(days=int(business.get("payment_terms_days") or 0))
    address = order.address
    return InvoiceModel(
        invoice_id,
        order_id=order.order_id,
        number="",
        seller=seller,
        customer={"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone,
                  "address": addresses.one_line(address, seller["country"]),
                  "address_lines": addresses.lines(address, seller["country"])},
        lines=lines,
        work=" - ".join(p for p in (order.service_name, order.description) if p) or None,
        currency=(business.get("currency") or "USD").upper(),
        subtotal_cents=subtotal,
        tax_rate_basis_points=rate,
        tax_cents=tax,
        total_cents=subtotal + tax,
        issued_at=now,
        due_date=due_date.isoformat(),
        due_at=datetime.combine(due_date, time(23, 59, 59), tz).astimezone(timezone.utc),
        open_status=OPEN,
        pdf_key="",
        status="issued",
        delivery="issued",
        send_status=PENDING,
        next_attempt_at=now + DELIVERY_GRACE,
        send_attempts=0,
        payments=[],
        paid_cents=0,
        reminders_sent=0,
        reminder_log=[],
    )


def deduct_deposit(invoice: InvoiceModel, deposit: InvoiceModel | None) -> InvoiceModel:
    """The final invoice less the job's deposit invoice: the deposit's net and tax are taken off
    the work's separately, so this invoice's tax is the work's tax less the tax the deposit
    invoice already charged, and the two invoices together charge exactly the work's. The
    amount due never goes below 0 (a deposit larger than the work deducts the whole work).
    A void deposit invoice (cancelled by its credit note) deducts nothing."""
    if deposit is None or deposit.status == "void":
        return invoice
    net, tax, gross = int(invoice.subtotal_cents), int(invoice.tax_cents), int(invoice.total_cents)
    due_gross = max(0, gross - int(deposit.total_cents))
    due_tax = min(max(0, tax - int(deposit.tax_cents)), due_gross)
    due_net = due_gross - due_tax
    invoice.deposit_deducted = {
        "invoice_id": deposit.invoice_id, "number": deposit.number,
        "subtotal_cents": net - due_net, "tax_cents": tax - due_tax, "total_cents": gross - due_gross,
        "work_subtotal_cents": net, "work_tax_cents": tax, "work_total_cents": gross,
    }
    invoice.subtotal_cents, invoice.tax_cents, invoice.total_cents = due_net, due_tax, due_gross
    if due_gross == 0:  # nothing left to pay: settled by the deposit
        invoice.status, invoice.open_status, invoice.paid_at = "paid", None, invoice.issued_at
    return invoice


def issue(order_id: str, now: datetime,
          deposit_of: Callable[[OrderModel], InvoiceModel | None] | None = None) -> InvoiceModel | None:
    """The order's invoice: the one it has (the newest, after reissues), or a new one with the
    next number of the year. None when the order has no line items (nothing to invoice).
    `deposit_of(order)` gives a job's deposit invoice (issuing it if it never was:
    `deposits.for_final`); a new invoice deducts it."""
    invoice_id = numbering.invoice_id_for(order_id)
    guess = f"{INVOICE}-{now.year}"
    settings_key = (CatalogModel, catalog.SETTINGS_KIND, catalog.SETTINGS_ID)
    found = batch_get([(OrderModel, order_id, None), (InvoiceModel, invoice_id, None), settings_key,
                       (SequenceModel, guess, None)])
    existing = found.get((InvoiceModel, invoice_id, None))
    if existing is not None:
        return invoice_chain.current(order_id) if existing.replaced_by else existing
    order = found.get((OrderModel, order_id, None))
    if order is None:
        raise NotFound(f"No work order '{order_id}'.")
    if not order.line_items:
        observability.logger().warning("nothing to invoice: the order has no line items", extra={"order_id": order_id})
        return None
    stored = found.get(settings_key)
    business = {**catalog.DEFAULT_SETTINGS, **(stored.data if stored else {})}
    invoice = _snapshot(order, business, now, invoice_id)
    if order.deposit and deposit_of is not None:
        # The deposit invoice may have just taken a number: the counter read above is stale.
        return write_new(deduct_deposit(invoice, deposit_of(order)))
    counter = found.get((SequenceModel, guess, None))
    return write_new(invoice, guess, int(counter.last) if counter else None)


def write_new(invoice: InvoiceModel, guess: str | None = None, guessed_last: int | None = None,
              also=None) -> InvoiceModel:
    """Number `invoice` and write it (only if its id is new) in the transaction that moves the
    series; `also(tx)` adds writes to it (a reissue marks the void invoice replaced). An invoice
    written meanwhile under the same id is read back and returned instead (a double click, a
    replayed record): the caller tells the two apart by identity (`written is invoice`)."""
    year = invoice.issued_at.astimezone(invoice_state.seller_zone(invoice.seller)).year
    series = f"{INVOICE}-{year}"
    last = guessed_last if series == guess else numbering.last_number(series)

    def write(tx):
        tx.save(invoice, condition=InvoiceModel.invoice_id.does_not_exist())
        if also is not None:
            also(tx)

    for attempt in range(NUMBER_ATTEMPTS):
        invoice.number = f"{series}-{(last or 0) + 1:06d}"
        invoice.pdf_key = f"invoices/{year}/{invoice.number}.pdf"
        try:
            numbering.write_numbered(series, last or 0, last is not None, write)
        except DocumentWritten:
            return InvoiceModel.get(invoice.invoice_id, consistent_read=True)
        except SeriesMoved as moved:
            numbering.pause(attempt)
            last = moved.last if moved.last is not None else numbering.last_number(series)
            continue
        observability.count("InvoiceIssued")
        return invoice
    raise Conflict("The invoice number series is busy; try again.", {"order_id": invoice.order_id})
