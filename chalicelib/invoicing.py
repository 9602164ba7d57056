"""Invoicing: one invoice per completed work order, numbered without gaps, rendered as a PDF,
emailed to the customer exactly once, paid, reminded about, or voided with a credit note.

The invoice item carries a small state machine so that every effect happens once even though
the stream delivers records at least once and any step can crash:

1. **issue**: one DynamoDB transaction takes the next number of the year's series (the counter
   item, conditional on the number it held) and puts the invoice (conditional on its absence; its
   id is derived from the order id, so one order can never get two invoices). A second attempt
   finds the invoice and carries on from its state. `delivery` = `issued`.
2. **store the PDF** in the private bucket (`invoices/<year>/<number>.pdf`; writing it again is
   harmless), then `issued` -> `pdf_stored`, conditional on `issued`.
3. **send**: claim `pdf_stored | send_failed` -> `sending` conditional on the state and attempt
   count read, so only one worker can hold the claim; then SES; then `sending` -> `sent` with the
   SES message id. SES refusing the message -> `send_failed` with the next attempt due after an
   exponential backoff; after INVOICE_MAX_SEND_ATTEMPTS failures the step owner is alerted once.
   A claim older than Lambda's longest run means the sender died between SES and the write:
   the email may or may not have gone, so it becomes `send_unknown` and the owner is alerted
   instead of risking a second email (at most once, never silently lost).
4. **move** the order to `invoiced` as the `system`, through the map's rules.

Until its email has gone (or its owner has been told why not), an invoice sits in the sparse
`by-send-status` index with the time to look at it next; the reconciler (every 15 minutes)
resumes those, and invoices `completed` orders the stream missed.
"""
import random
import time as _time
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib import catalog, invoice_pdf, notifications, observability, orders, settings, staff, workflow
from chalicelib.auth import SYSTEM, Principal
from chalicelib.errors import ConditionsUnmet, Conflict, DomainError, Forbidden, MoveNotAllowed, NotFound, ValidationFailed
from chalicelib.models import CatalogModel, InvoiceModel, OrderModel, SequenceModel, batch_get
from chalicelib.validation import Fields

INVOICE, CREDIT_NOTE = "INV", "CN"
PENDING, OPEN = "pending", "open"
# The stream normally finishes a fresh invoice within seconds; after this the reconciler may.
DELIVERY_GRACE = timedelta(minutes=5)
# Longer than Lambda's longest run (15 minutes): a claim this old was left by a dead sender.
SENDING_STALE = timedelta(minutes=20)
RETRY_BASE, RETRY_CAP = timedelta(minutes=5), timedelta(hours=6)
# The reconciler invoices completed orders the stream has not invoiced after this long.
UNINVOICED_AFTER = timedelta(minutes=5)
RECONCILE_LIMIT = 200
PDF_URL_SECONDS = 900
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "other")
_NUMBER_ATTEMPTS = 200
_MOVE_ATTEMPTS = 5


# --- configuration ----------------------------------------------------------------------------

def max_send_attempts() -> int:
    return max(1, int(settings.env("INVOICE_MAX_SEND_ATTEMPTS", "5")))


def reminder_days() -> list[int]:
    """Days after the due date on which reminders go (PAYMENT_REMINDER_DAYS, e.g. "1,7,14")."""
    return sorted({int(d) for d in settings.env("PAYMENT_REMINDER_DAYS", "1,7,14").split(",") if d.strip()})


def max_reminders() -> int:
    return int(settings.env("PAYMENT_REMINDER_MAX", "3"))


def backoff(attempt: int) -> timedelta:
    """5, 10, 20, 40 minutes... after the 1st, 2nd, 3rd, 4th failure; at most 6 hours."""
    return min(RETRY_BASE * (2 ** max(attempt - 1, 0)), RETRY_CAP)


def invoice_id_for(order_id: str) -> str:
    """The one invoice id an order can have."""
    return orders.id_for_key("IV-", "invoice", order_id)


# --- issuing: the number and the invoice in one transaction ------------------------------------

class _SeriesMoved(Exception):
    """Someone took the number we read. `last` is the counter's value now, when DynamoDB said."""

    def __init__(self, last: int | None):
        super().__init__(last)
        self.last = last


class _DocumentWritten(Exception):
    """The document's own condition failed: it exists already (or changed)."""


def _write_numbered(series: str, last: int, counter_exists: bool, write_document) -> None:
    """One transaction: the series moves from `last` to `last + 1` and `write_document(tx)`
    writes the document that carries that number."""
    from pynamodb.connection import Connection
    from pynamodb.transactions import TransactWrite

    condition = SequenceModel.last == last if counter_exists else SequenceModel.series.does_not_exist()
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            # ALL_OLD: a refused counter comes back with its current value, saving a read.
            tx.save(SequenceModel(series, last=last + 1), condition=condition, return_values="ALL_OLD")
            write_document(tx)
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        reasons = list(exc.cancellation_reasons or [])
        codes = [getattr(r, "code", None) for r in reasons]
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise _DocumentWritten() from exc
        if codes and codes[0] == "ConditionalCheckFailed":
            raw = getattr(reasons[0], "raw_item", None) or {}
            raise _SeriesMoved(int(raw["last"]["N"]) if "last" in raw else None) from exc
        if "TransactionConflict" in codes:
            raise _SeriesMoved(None) from exc
        raise


def _last(series: str) -> int | None:
    """The last number the series gave out; None before its first."""
    try:
        return int(SequenceModel.get(series, consistent_read=True).last)
    except SequenceModel.DoesNotExist:
        return None


def _pause(attempt: int) -> None:
    """Jittered backoff between attempts on a contended counter."""
    _time.sleep(random.uniform(0, min(0.2, 0.002 * 2 ** min(attempt, 7))))


def _zone(seller: dict) -> ZoneInfo:
    return ZoneInfo(seller.get("timezone") or "UTC")


def _snapshot(order: OrderModel, business: dict, now: datetime, invoice_id: str) -> InvoiceModel:
    """The invoice as the order and the business are now (unnumbered)."""
    lines = [
        {"description": li.description, "quantity": int(li.quantity), "unit_price_cents": int(li.unit_price_cents),
         "total_cents": int(li.quantity) * int(li.unit_price_cents)}
        for li in order.line_items
    ]
    subtotal = sum(line["total_cents"] for line in lines)
    rate = int(business.get("tax_rate_basis_points") or 0)
    tax = (subtotal * rate + 5000) // 10000  # half up, once per invoice
    seller = {key: business.get(key) for key in ("name", "address", "email", "phone", "timezone", "payment_instructions")}
    tz = _zone(seller)
    due_date = now.astimezone(tz).date() + timedelta(days=int(business.get("payment_terms_days") or 0))
    address = order.address
    return InvoiceModel(
        invoice_id,
        order_id=order.order_id,
        number="",
        seller=seller,
        customer={"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone,
                  "address": f"{address.street}, {address.postcode} {address.city}" if address else None},
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


def issue(order_id: str, now: datetime) -> InvoiceModel | None:
    """The order's invoice: the one it has, or a new one with the next number of the year.
    None when the order has no line items (nothing to invoice)."""
    invoice_id = invoice_id_for(order_id)
    guess = f"{INVOICE}-{now.year}"
    settings_key = (CatalogModel, catalog.SETTINGS_KIND, catalog.SETTINGS_ID)
    found = batch_get([(OrderModel, order_id, None), (InvoiceModel, invoice_id, None), settings_key,
                       (SequenceModel, guess, None)])
    existing = found.get((InvoiceModel, invoice_id, None))
    if existing is not None:
        return existing
    order = found.get((OrderModel, order_id, None))
    if order is None:
        raise NotFound(f"No work order '{order_id}'.")
    if not order.line_items:
        observability.logger().warning("nothing to invoice: the order has no line items", extra={"order_id": order_id})
        return None
    stored = found.get(settings_key)
    business = {**catalog.DEFAULT_SETTINGS, **(stored.data if stored else {})}
    invoice = _snapshot(order, business, now, invoice_id)
    year = now.astimezone(_zone(invoice.seller)).year
    series = f"{INVOICE}-{year}"
    if series == guess:
        counter = found.get((SequenceModel, guess, None))
        last = int(counter.last) if counter else None
    else:
        last = _last(series)
    for attempt in range(_NUMBER_ATTEMPTS):
        invoice.number = f"{series}-{(last or 0) + 1:06d}"
        invoice.pdf_key = f"invoices/{year}/{invoice.number}.pdf"
        try:
            _write_numbered(series, last or 0, last is not None,
                            lambda tx: tx.save(invoice, condition=InvoiceModel.invoice_id.does_not_exist()))
        except _DocumentWritten:
            return InvoiceModel.get(invoice_id, consistent_read=True)
        except _SeriesMoved as moved:
            _pause(attempt)
            last = moved.last if moved.last is not None else _last(series)
            continue
        observability.count("InvoiceIssued")
        return invoice
    raise Conflict("The invoice number series is busy; try again.", {"order_id": order_id})


# --- the invoice's email: the state machine --------------------------------------------------

def _update(invoice: InvoiceModel, actions: list, condition) -> bool:
    """Apply `actions` if `condition` holds; else refresh `invoice` and return False."""
    try:
        invoice.update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        invoice.refresh(consistent_read=True)
        return False


def _document(invoice: InvoiceModel, credit: bool = False) -> dict:
    tz = _zone(invoice.seller)
    doc = {
        "title": "Credit note" if credit else "Invoice",
        "number": invoice.credit_note["number"] if credit else invoice.number,
        "issued": _local_date(datetime.fromisoformat(invoice.credit_note["issued_at"]) if credit else invoice.issued_at, tz),
        "due": None if credit else _long_date(invoice.due_date),
        "order_id": invoice.order_id,
        "seller": invoice.seller,
        "customer": invoice.customer,
        "work": invoice.work,
        "lines": invoice.lines,
        "currency": invoice.currency,
        "subtotal_cents": int(invoice.subtotal_cents),
        "tax_rate_basis_points": int(invoice.tax_rate_basis_points),
        "tax_cents": int(invoice.tax_cents),
        "total_cents": int(invoice.total_cents),
        "payment_instructions": None if credit else invoice.seller.get("payment_instructions"),
        "note": None,
    }
    if credit:
        reason = invoice.credit_note.get("reason")
        doc["note"] = f"This credit note cancels invoice {invoice.number} in full." + (f" Reason: {reason}" if reason else "")
    return doc


def _local_date(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d %B %Y")


def _long_date(iso_date: str) -> str:
    return datetime.fromisoformat(iso_date).strftime("%d %B %Y")


def _s3():
    from chalicelib.aws import client

    return client("s3")


def _put_pdf(key: str, pdf: bytes) -> None:
    _s3().put_object(Bucket=settings.files_bucket(), Key=key, Body=pdf, ContentType="application/pdf")


def _stored_pdf(key: str) -> bytes:
    return _s3().get_object(Bucket=settings.files_bucket(), Key=key)["Body"].read()


def store_pdf(invoice: InvoiceModel) -> bytes:
    """Render and store the PDF; `issued` -> `pdf_stored`. Storing it twice is harmless."""
    pdf = invoice_pdf.render(_document(invoice))
    _put_pdf(invoice.pdf_key, pdf)
    _update(invoice, [InvoiceModel.delivery.set("pdf_stored")], InvoiceModel.delivery == "issued")
    return pdf


def _due(invoice: InvoiceModel, now: datetime) -> bool:
    return invoice.next_attempt_at is None or invoice.next_attempt_at <= now


def deliver(invoice: InvoiceModel, now: datetime, pdf: bytes | None = None) -> InvoiceModel:
    """Take the invoice's email one or more steps further, from whatever state it is in."""
    if invoice.status == "void":
        if invoice.send_status:
            _update(invoice, [InvoiceModel.send_status.remove()], InvoiceModel.status == "void")
        return invoice
    if invoice.delivery == "issued":
        pdf = store_pdf(invoice)
    if invoice.delivery == "pdf_stored":
        return _send(invoice, now, pdf)
    if invoice.delivery == "send_failed" and invoice.send_status == PENDING and _due(invoice, now):
        if int(invoice.send_attempts) < max_send_attempts():
            return _send(invoice, now, pdf)
        return _tell_owner(invoice, now)
    if invoice.delivery == "sending" and invoice.sending_since and invoice.sending_since + SENDING_STALE <= now:
        if _update(invoice, [InvoiceModel.delivery.set("send_unknown"), InvoiceModel.sending_since.remove(),
                             InvoiceModel.last_error.set("the sender stopped between SES and recording the result")],
                   (InvoiceModel.delivery == "sending") & (InvoiceModel.send_attempts == int(invoice.send_attempts))):
            observability.count("InvoiceSendUnknown")
            return _tell_owner(invoice, now)
        return invoice
    if invoice.delivery in ("send_unknown", "no_email") and invoice.send_status == PENDING and _due(invoice, now):
        return _tell_owner(invoice, now)
    return invoice


def _definite_failures() -> tuple:
    """Errors after which SES certainly did not accept the message: it answered with an error,
    or the connection was never made. Anything else (a read timeout) leaves it unknown."""
    from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

    return ClientError, EndpointConnectionError, ConnectTimeoutError


def _recipient(invoice: InvoiceModel):
    email = (invoice.customer or {}).get("email")
    if not email:
        return None
    try:
        return notifications.mailbox(email, invoice.customer.get("name"))
    except ValueError:
        return None


def _send(invoice: InvoiceModel, now: datetime, pdf: bytes | None = None, resend: bool = False) -> InvoiceModel:
    """Claim the send, send once through SES, record the outcome."""
    to = _recipient(invoice)
    state, attempts = invoice.delivery, int(invoice.send_attempts)
    if to is None:
        if _update(invoice, [InvoiceModel.delivery.set("no_email"), InvoiceModel.last_error.set("the customer has no email address")],
                   InvoiceModel.delivery == state):
            return _tell_owner(invoice, now)
        return invoice
    message = _invoice_email(invoice, to, pdf if pdf is not None else _stored_pdf(invoice.pdf_key), reminder=None)
    attempt = 1 if resend else attempts + 1
    claim = [InvoiceModel.delivery.set("sending"), InvoiceModel.send_attempts.set(attempt),
             InvoiceModel.sending_since.set(now), InvoiceModel.send_status.set(PENDING),
             InvoiceModel.next_attempt_at.set(now + SENDING_STALE)]
    if resend:
        claim += [InvoiceModel.owner_alerted_at.remove(), InvoiceModel.resends.add(1)]
    if not _update(invoice, claim, (InvoiceModel.delivery == state) & (InvoiceModel.send_attempts == attempts)):
        return invoice  # someone else holds or finished the send
    held = (InvoiceModel.delivery == "sending") & (InvoiceModel.send_attempts == attempt)
    try:
        message_id = notifications.send(message)
    except _definite_failures() as exc:
        final = attempt >= max_send_attempts()
        observability.logger().warning("invoice email refused", extra={"invoice_id": invoice.invoice_id, "attempt": attempt, "error": str(exc)})
        observability.count("InvoiceSendFailed")
        actions = [InvoiceModel.delivery.set("send_failed"), InvoiceModel.sending_since.remove(),
                   InvoiceModel.last_error.set(str(exc)[:500]), InvoiceModel.next_attempt_at.set(now + backoff(attempt))]
        if _update(invoice, actions, held) and final:
            return _tell_owner(invoice, now)
        return invoice
    except Exception as exc:  # noqa: BLE001 - SES may have accepted it: never send again blindly
        observability.logger().exception("invoice email outcome unknown", extra={"invoice_id": invoice.invoice_id})
        if _update(invoice, [InvoiceModel.delivery.set("send_unknown"), InvoiceModel.sending_since.remove(),
                             InvoiceModel.last_error.set(f"unknown outcome: {exc}"[:500])], held):
            return _tell_owner(invoice, now)
        return invoice
    _update(invoice, [InvoiceModel.delivery.set("sent"), InvoiceModel.sent_at.set(now), InvoiceModel.ses_message_id.set(message_id),
                      InvoiceModel.sending_since.remove(), InvoiceModel.send_status.remove(),
                      InvoiceModel.next_attempt_at.remove(), InvoiceModel.last_error.remove()], held)
    observability.count("InvoiceSent")
    return invoice


def _invoice_email(invoice: InvoiceModel, to, pdf: bytes, reminder: int | None):
    tz = _zone(invoice.seller)
    money = lambda cents: invoice_pdf.money(int(cents), invoice.currency)  # noqa: E731
    balance = int(invoice.total_cents) - int(invoice.paid_cents or 0)
    if reminder:
        subject = f"Reminder: invoice {invoice.number} is overdue"
        message = (f"This is a friendly reminder that invoice {invoice.number} was due on "
                   f"{_long_date(invoice.due_date)} and {money(balance)} is still outstanding.")
    else:
        subject = f"Your job is complete - invoice {invoice.number}"
        message = "The work is complete. Thank you for choosing us. Your invoice is attached."
    text, html = notifications.render(
        "invoice",
        customer_name=invoice.customer.get("name") or "",
        message=message,
        number=invoice.number,
        order_id=invoice.order_id,
        work=invoice.work,
        issued=_local_date(invoice.issued_at, tz),
        due=_long_date(invoice.due_date),
        lines=[{"description": line["description"], "quantity": line["quantity"], "amount": money(line["total_cents"])}
               for line in invoice.lines],
        subtotal=money(invoice.subtotal_cents),
        tax_label=f"VAT {invoice_pdf.percent(int(invoice.tax_rate_basis_points))}",
        tax=money(invoice.tax_cents),
        total=money(invoice.total_cents),
        balance=money(balance),
        payment_instructions=invoice.seller.get("payment_instructions") or "",
        business_name=invoice.seller.get("name") or "",
    )
    return notifications.build(to, f"{subject} - {invoice.order_id}", text, html,
                               [(f"{invoice.number}.pdf", "application/pdf", pdf)])


def _owner(invoice: InvoiceModel):
    """Who hears of an invoice that could not be emailed: the owner of the order's `invoiced`
    step, else of the step that invoices it (`completed`), in the order's map version."""
    try:
        order = orders.load(invoice.order_id)
        pm = workflow.version(int(order.workflow_version))
        keys = ["invoiced"] + [s.key for s in pm.steps if "create_invoice" in s.automations]
        for key in keys:
            if pm.has_step(key) and pm.step(key).owner:
                member = staff.find(pm.step(key).owner)
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
        _update(invoice, [InvoiceModel.send_status.remove(), InvoiceModel.next_attempt_at.remove()], InvoiceModel.delivery == state)
        return invoice
    claimed = _update(invoice, [InvoiceModel.owner_alerted_at.set(now), InvoiceModel.send_status.remove(),
                                InvoiceModel.next_attempt_at.remove()],
                      (InvoiceModel.delivery == state) & InvoiceModel.owner_alerted_at.does_not_exist())
    if not claimed:
        return invoice
    owner = _owner(invoice)
    to = notifications.mailbox(owner.email, owner.name) if owner else notifications.mailbox(settings.sender_email())
    reasons = {
        "send_failed": f"SES refused it {int(invoice.send_attempts)} times; the last error: {invoice.last_error}.",
        "send_unknown": "The send was cut off: it may or may not have reached the customer. Check with them, "
                        "then resend it if needed.",
        "no_email": "The customer has no usable email address. Send it by post or add an address and resend it.",
    }
    text, html = notifications.render(
        "invoice_alert",
        owner_name=owner.name if owner else "",
        number=invoice.number,
        order_id=invoice.order_id,
        customer_name=invoice.customer.get("name") or "",
        customer_email=invoice.customer.get("email") or "(none)",
        reason=reasons.get(state, state),
        business_name=invoice.seller.get("name") or "",
    )
    try:
        notifications.send(notifications.build(to, f"Invoice {invoice.number} was not emailed - {invoice.order_id}", text, html))
    except Exception:
        observability.logger().exception("owner alert failed", extra={"invoice_id": invoice.invoice_id})
        _update(invoice, [InvoiceModel.owner_alerted_at.remove(), InvoiceModel.send_status.set(PENDING),
                          InvoiceModel.next_attempt_at.set(now + RETRY_BASE)], InvoiceModel.owner_alerted_at == now)
        return invoice
    observability.count("InvoiceOwnerAlerted")
    return invoice


# --- moving the order -------------------------------------------------------------------------

def _advance(order_id: str, target: str, note: str, now: datetime) -> bool:
    """Move the order to `target` as the system if the map leads there from its current step."""
    for _ in range(_MOVE_ATTEMPTS):
        order = orders.load(order_id)
        pm = workflow.version(int(order.workflow_version))
        if order.step == target or not pm.has_step(order.step) or target not in pm.step(order.step).next:
            return False
        try:
            orders.move(SYSTEM, order, target, note, None, now)
            return True
        except Conflict:
            continue
        except (MoveNotAllowed, Forbidden, ConditionsUnmet) as exc:
            observability.logger().warning("the map does not let the system move the order",
                                           extra={"order_id": order_id, "target": target, "reason": exc.message})
            return False
    raise Conflict("The work order kept changing; it will be moved on the next attempt.", {"order_id": order_id})


# --- the automation and the reconciler ----------------------------------------------------------

def create_invoice(order_id: str, now: datetime) -> dict:
    """The `create_invoice` automation: issue, store the PDF, email, move the order to
    `invoiced`. Safe to run any number of times, concurrently too: each step resumes."""
    invoice = issue(order_id, now)
    if invoice is None:
        return {"invoiced": False, "reason": "the order has no line items"}
    invoice = deliver(invoice, now)
    _advance(order_id, "invoiced", f"Invoice {invoice.number} issued", now)
    return {"invoiced": True, "invoice_id": invoice.invoice_id, "number": invoice.number, "delivery": invoice.delivery}


def _invoicing_steps() -> list[str]:
    try:
        pm = workflow.current()
    except NotFound:
        return []
    return [s.key for s in pm.steps if "create_invoice" in s.automations]


def reconcile(now: datetime) -> dict:
    """Every 15 minutes: resume invoices whose email is due (backoff elapsed, or a step left
    unfinished), and invoice orders that have waited in an invoicing step for a few minutes."""
    log = observability.logger()
    resumed, invoiced, failed = 0, 0, 0
    for invoice in InvoiceModel.by_send_status.query(PENDING, InvoiceModel.next_attempt_at <= now, limit=RECONCILE_LIMIT):
        try:
            deliver(invoice, now)
            resumed += 1
        except Exception:
            failed += 1
            log.exception("reconciling an invoice failed", extra={"invoice_id": invoice.invoice_id})
    cutoff = now - UNINVOICED_AFTER
    for step in _invoicing_steps():
        for order in OrderModel.by_step.query(step, OrderModel.step_entered_at <= cutoff, limit=RECONCILE_LIMIT):
            try:
                pm = workflow.version(int(order.workflow_version))
                if pm.has_step(order.step) and "create_invoice" in pm.step(order.step).automations:
                    invoiced += 1 if create_invoice(order.order_id, now).get("invoiced") else 0
            except Exception:
                failed += 1
                log.exception("invoicing a completed order failed", extra={"order_id": order.order_id})
    observability.count("InvoicesReconciled", resumed + invoiced)
    return {"resumed": resumed, "invoiced": invoiced, "failed": failed}


# --- reading ----------------------------------------------------------------------------------

def load(invoice_id: str) -> InvoiceModel:
    try:
        return InvoiceModel.get(invoice_id, consistent_read=True)
    except InvoiceModel.DoesNotExist:
        raise NotFound(f"No invoice '{invoice_id}'.")


def for_order(order_id: str) -> InvoiceModel:
    try:
        return InvoiceModel.get(invoice_id_for(order_id), consistent_read=True)
    except InvoiceModel.DoesNotExist:
        raise NotFound(f"No invoice for work order '{order_id}'.")


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def _url(key: str | None) -> str | None:
    if not key:
        return None
    return _s3().generate_presigned_url("get_object", Params={"Bucket": settings.files_bucket(), "Key": key},
                                        ExpiresIn=PDF_URL_SECONDS)


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
        "issued_at": _iso(invoice.issued_at),
        "due_date": invoice.due_date,
        "due_at": _iso(invoice.due_at),
        "pdf_url": _url(invoice.pdf_key) if invoice.delivery != "issued" else None,
        "delivery": invoice.delivery,
        "sent_at": _iso(invoice.sent_at),
        "send_attempts": int(invoice.send_attempts or 0),
        "next_attempt_at": _iso(invoice.next_attempt_at) if invoice.send_status else None,
        "reminders_sent": int(invoice.reminders_sent or 0),
        "payments": list(invoice.payments or []),
        "lines": list(invoice.lines),
        "customer": invoice.customer,
        "credit_note": (
            {**{k: v for k, v in credit.items() if k not in ("pdf_key", "pdf_stored")},
             "pdf_url": _url(credit["pdf_key"]) if credit.get("pdf_stored") else None}
            if credit else None
        ),
    }


# --- payments ---------------------------------------------------------------------------------

def _refused(message: str, code: str, field: str = "invoice") -> ValidationFailed:
    return ValidationFailed(message, [{"field": field, "message": message}], code=code)


def record_payment(principal: Principal, invoice_id: str, body: dict, now: datetime,
                   key: str | None = None) -> tuple[InvoiceModel, bool]:
    """Add a payment; partial payments add up, overpayment is refused. A replay of the same
    Idempotency-Key adds nothing. Fully paid, the order moves to `paid`. Returns (invoice,
    whether this call added the payment)."""
    fields = Fields(body)
    amount = fields.integer("amount_cents", minimum=1, maximum=100_000_000_00)
    method = fields.text("method", 20)
    if method and method not in PAYMENT_METHODS:
        fields.error("method", f"must be one of {', '.join(PAYMENT_METHODS)}")
    reference = fields.text("reference", 100, required=False)
    fields.raise_if_errors()
    payment_id = orders.id_for_key("PAY-", invoice_id, key)
    for _ in range(_MOVE_ATTEMPTS):
        invoice = load(invoice_id)
        if any(p["payment_id"] == payment_id for p in invoice.payments or []):
            _settle(invoice, now)
            return invoice, False
        if invoice.status == "void":
            raise _refused("The invoice is void; it takes no payments.", "invoice_void")
        paid = int(invoice.paid_cents or 0)
        balance = int(invoice.total_cents) - paid
        if amount > balance:
            raise ValidationFailed(
                "The payment is more than the invoice's balance.",
                [{"field": "amount_cents", "message": f"must be at most the balance, {balance}"}], code="overpayment")
        payment = {"payment_id": payment_id, "amount_cents": amount, "method": method, "reference": reference,
                   "recorded_by": principal.user_id, "at": _iso(now)}
        actions = [InvoiceModel.payments.set(list(invoice.payments or []) + [payment]),
                   InvoiceModel.paid_cents.set(paid + amount)]
        if amount == balance:
            actions += [InvoiceModel.status.set("paid"), InvoiceModel.paid_at.set(now), InvoiceModel.open_status.remove()]
        if _update(invoice, actions, (InvoiceModel.paid_cents == paid) & (InvoiceModel.status == "issued")):
            observability.count("InvoicePaymentRecorded")
            _settle(invoice, now)
            return invoice, True
    raise Conflict("The invoice is being changed by others right now; try again.", {"invoice_id": invoice_id})


def _settle(invoice: InvoiceModel, now: datetime) -> None:
    """A fully paid invoice's order moves on to `paid` (through `invoiced` if it is not there yet)."""
    if invoice.status != "paid":
        return
    _advance(invoice.order_id, "invoiced", f"Invoice {invoice.number} issued", now)
    _advance(invoice.order_id, "paid", f"Invoice {invoice.number} paid", now)


# --- void: a credit note with its own number ------------------------------------------------------

def void(principal: Principal, invoice_id: str, body: dict, now: datetime) -> InvoiceModel:
    """Cancel an unpaid invoice with a credit note numbered from its own series (`CN-2026-...`).
    The invoice keeps its number and stays on record. Voiding again changes nothing."""
    fields = Fields(body)
    reason = fields.text("reason", 500, required=False, multiline=True)
    fields.raise_if_errors()
    invoice = load(invoice_id)
    for attempt in range(_NUMBER_ATTEMPTS):
        if invoice.status == "void":
            break
        if int(invoice.paid_cents or 0) > 0:
            raise _refused("The invoice has payments; refund them before voiding it.", "invoice_has_payments")
        year = now.astimezone(_zone(invoice.seller)).year
        series = f"{CREDIT_NOTE}-{year}"
        last = _last(series)
        number = f"{series}-{(last or 0) + 1:06d}"
        credit = {"number": number, "issued_at": _iso(now), "amount_cents": int(invoice.total_cents), "reason": reason,
                  "issued_by": principal.user_id, "pdf_key": f"credit-notes/{year}/{number}.pdf", "pdf_stored": False}
        actions = [InvoiceModel.status.set("void"), InvoiceModel.credit_note.set(credit), InvoiceModel.open_status.remove(),
                   InvoiceModel.send_status.remove(), InvoiceModel.next_attempt_at.remove()]
        condition = (InvoiceModel.status == "issued") & (InvoiceModel.paid_cents == int(invoice.paid_cents or 0))
        try:
            _write_numbered(series, last or 0, last is not None, lambda tx: tx.update(invoice, actions, condition))
        except (_DocumentWritten, _SeriesMoved):
            _pause(attempt)
            invoice = load(invoice_id)
            continue
        observability.count("InvoiceVoided")
        invoice = load(invoice_id)
        break
    else:
        raise Conflict("The credit note series is busy; try again.", {"invoice_id": invoice_id})
    if not invoice.credit_note.get("pdf_stored"):
        _put_pdf(invoice.credit_note["pdf_key"], invoice_pdf.render(_document(invoice, credit=True)))
        _update(invoice, [InvoiceModel.credit_note.set({**invoice.credit_note, "pdf_stored": True})], InvoiceModel.status == "void")
    return invoice


# --- resend -----------------------------------------------------------------------------------

def resend(principal: Principal, invoice_id: str, now: datetime) -> InvoiceModel:
    """Email the invoice again now, on a person's request (a new email, deliberately)."""
    invoice = load(invoice_id)
    if invoice.status == "void":
        raise _refused("The invoice is void.", "invoice_void")
    if invoice.delivery == "sending" and not (invoice.sending_since and invoice.sending_since + SENDING_STALE <= now):
        raise Conflict("The invoice is being emailed right now.", {"invoice_id": invoice_id})
    if _recipient(invoice) is None:
        raise _refused("The customer has no usable email address.", "no_customer_email")
    pdf = store_pdf(invoice) if invoice.delivery == "issued" else None
    resends = int(invoice.resends or 0)
    invoice = _send(invoice, now, pdf, resend=True)
    if int(invoice.resends or 0) == resends:
        raise Conflict("The invoice changed at the same moment; try again.", {"invoice_id": invoice_id})
    observability.logger().info("invoice resent", extra={"invoice_id": invoice_id, "by": principal.user_id})
    return invoice


# --- payment reminders ------------------------------------------------------------------------

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
        overdue = (now.astimezone(_zone(invoice.seller)).date() - datetime.fromisoformat(invoice.due_date).date()).days
        owed = min(sum(1 for d in days if overdue >= d), cap)
        done = int(invoice.reminders_sent or 0)
        to = _recipient(invoice)
        if done >= owed or to is None or invoice.status != "issued":
            continue
        if not _update(invoice, [InvoiceModel.reminders_sent.set(done + 1)],
                       (InvoiceModel.reminders_sent == done) & (InvoiceModel.open_status == OPEN)):
            continue
        try:
            message_id = notifications.send(_invoice_email(invoice, to, _stored_pdf(invoice.pdf_key), reminder=done + 1))
        except _definite_failures():
            observability.logger().warning("payment reminder refused", extra={"invoice_id": invoice.invoice_id})
            _update(invoice, [InvoiceModel.reminders_sent.set(done)], InvoiceModel.reminders_sent == done + 1)
            continue
        entry = {"reminder": done + 1, "at": _iso(now), "days_overdue": overdue, "message_id": message_id}
        _update(invoice, [InvoiceModel.reminder_log.set(list(invoice.reminder_log or []) + [entry])],
                InvoiceModel.reminders_sent == done + 1)
        sent += 1
    observability.count("PaymentRemindersSent", sent)
    return {"reminded": sent}
