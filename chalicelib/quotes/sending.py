"""Sending a quote to the customer: draft -> sent, the PDF, the email with the link, the estimate
order moved to `quoted`.

`send` marks the quote sent in one transaction, conditional on its version and status: with it,
an earlier `sent` revision of the same number becomes `superseded` (and every other revision must
be as read, so two revisions sent at once leave one open, never two), and the Idempotency-Key's
record is written. Whoever made that change holds the email (`delivery.status` "sending"); a
double click finds the quote sent and sends nothing. The email carries the PDF and a Message-ID
derived from the quote id, so a retry is the same message. A refused send answers 502 (SES said
no) or 503 (SES could not be reached, or the outcome is unknown); the quote stays sent with its
delivery failed, and sending it again retries the email.

Delivery bookkeeping is conditional on the delivery as read and leaves `version` alone: it never
races the customer's answer, which is conditional on the version."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import dates, observability, settings, times
from chalicelib.core.errors import Conflict, DomainError, ValidationFailed
from chalicelib.core.validation import header_problem
from chalicelib.data import request_keys
from chalicelib.data.models import OrderModel
from chalicelib.data.quotes import ACCEPTED, DRAFT, SENT, SUPERSEDED, QuoteModel
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.invoicing import documents, pdf_layout, quote_pdf
from chalicelib.mail import messages
from chalicelib.orders import service as order_service
from chalicelib.orders import storage as order_storage
from chalicelib.quotes import content, numbering, records, views
from chalicelib.setup import addresses, business as business_settings, quote_settings, tax
from chalicelib.staff.auth import SYSTEM, Principal
from chalicelib.workflow import versions

QUOTED = "quoted"  # the estimate map's step for "quote sent"
SENDING_STALE = timedelta(minutes=20)  # a claim this old was left by a sender that died
MARK_ATTEMPTS = 5
MOVE_ATTEMPTS = 3


class EmailRefused(DomainError):
    """SES refused the email; the quote is sent, its delivery failed; sending again retries."""
    code, status = "quote_email_failed", 502


class EmailUnavailable(DomainError):
    """SES could not be reached, or did not say whether it took the email; sending again retries."""
    code, status = "quote_email_unavailable", 503


def pdf_key(quote: QuoteModel) -> str:
    """Where the quote's PDF is kept in the files bucket: `quotes/<year>/<reference>.pdf`."""
    return f"quotes/{numbering.year_of(quote.number)}/{views.reference(quote)}.pdf"


def message_id(quote: QuoteModel) -> str:
    return f"quote.{quote.quote_id}"


def customer_link(quote: QuoteModel) -> str:
    """The customer's page for this revision (the token is the secret that opens it)."""
    return f"{settings.public_base_url().rstrip('/')}/book/quote.html?quote={quote.quote_id}&token={quote.token}"


def expires_at(valid_until: str, zone: ZoneInfo) -> datetime:
    """A quote is valid to the end of its `valid_until` day, in the business's timezone (UTC)."""
    day = datetime.fromisoformat(valid_until).date() + timedelta(days=1)
    return datetime.combine(day, time(0), zone).astimezone(timezone.utc)


def first_action_at(sent_at: datetime, valid_until: str, reminder_days: list[int], zone: ZoneInfo) -> datetime:
    """When the follow-up job first looks at a sent quote: its first reminder, or its expiry if that is sooner."""
    expiry = expires_at(valid_until, zone)
    if not reminder_days:
        return expiry
    return min(sent_at + timedelta(days=int(reminder_days[0])), expiry)


def _customer(order: OrderModel) -> dict:
    return {"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone}


def _address(order: OrderModel) -> dict:
    return {"street": order.address.street, "city": order.address.city, "postcode": order.address.postcode}


def _check_sendable(quote: QuoteModel, order: OrderModel, business: dict, now: datetime) -> None:
    draft = {"lines": quote.lines, "valid_until": quote.valid_until}
    problems = content.problems_before_sending(draft, _customer(order), business, now)
    email = order.customer.email
    if email and messages.recipient(email, order.customer.name) is None:
        problems.append({"field": "customer.email", "message": "is not an address our email can reach: correct it on the order"})
    if problems:
        raise ValidationFailed("The quote cannot be sent yet.", problems, code="quote_not_sendable")


def _supersede(tx, other: QuoteModel, by: str, now: datetime) -> None:
    tx.update(other, [QuoteModel.status.set(SUPERSEDED), QuoteModel.superseded_by.set(by),
                      QuoteModel.follow_up.remove(), QuoteModel.next_action_at.remove(),
                      QuoteModel.updated_at.set(now)],
              condition=QuoteModel.status == SENT)


def _mark_sent(principal: Principal, quote: QuoteModel, order: OrderModel, business: dict,
               key: RequestKey | None, now: datetime) -> tuple[QuoteModel, bool]:
    """Draft -> sent (see the module's docstring). Returns the quote as it is now and whether
    this call sent it (and so holds its email)."""
    for _ in range(MARK_ATTEMPTS):
        if quote.status != DRAFT:
            return quote, False
        _check_sendable(quote, order, business, now)
        family = [q for q in records.revisions(quote.number) if q.quote_id != quote.quote_id]
        accepted = next((q for q in family if q.status == ACCEPTED), None)
        if accepted is not None:
            raise Conflict(f"Quote {views.reference(accepted)} was accepted already; this revision cannot be sent.",
                           {"quote_id": accepted.quote_id}, code="quote_answered")
        zone = ZoneInfo(business.get("timezone") or "UTC")
        quote.customer, quote.address, quote.customer_id = _customer(order), _address(order), order.customer_id
        quote.status, quote.sent_at, quote.sent_by = SENT, now, principal.user_id
        quote.sent_month = now.astimezone(timezone.utc).strftime("%Y-%m")
        quote.pricing = views.pricing_now(business)
        quote.follow_up = "open"
        quote.next_action_at = first_action_at(now, quote.valid_until,
                                               quote_settings.complete(business.get("quotes"))["reminder_days"], zone)
        quote.delivery = {"status": "sending", "attempt": 1, "at": times.iso(now)}
        quote.updated_at, quote.updated_by = now, principal.user_id
        try:
            with TransactWrite(connection=Connection(region=settings.region())) as tx:
                tx.save(quote, condition=QuoteModel.status == DRAFT)
                for other in family:
                    if other.status == SENT:
                        _supersede(tx, other, quote.quote_id, now)
                    else:
                        tx.condition_check(QuoteModel, other.quote_id, condition=QuoteModel.version == other.version)
                if key is not None:
                    tx.save(request_keys.record(key, Answer(200, None), now), condition=request_keys.unused())
        except TransactWriteError as exc:
            if exc.cause_response_code != "TransactionCanceledException":
                raise
            quote = records.load(quote.quote_id)  # someone sent it, edited it, or another revision moved
            continue
        observability.count("QuoteSent")
        return quote, True
    raise Conflict("The quote is being changed by others right now; reload it and try again.", {"quote_id": quote.quote_id})


def _set_delivery(quote: QuoteModel, delivery: dict, expected: dict | None, while_sent: bool = False) -> bool:
    """Write `delivery` if the delivery is still `expected` (and, `while_sent`, the quote still
    open); the version stays as it is, so the customer's answer never has to retry for it."""
    condition = QuoteModel.delivery == expected if expected is not None else QuoteModel.delivery.does_not_exist()
    if while_sent:
        condition &= QuoteModel.status == SENT
    try:
        QuoteModel._get_connection().update_item(quote.quote_id, actions=[QuoteModel.delivery.set(delivery)],
                                                 condition=condition)
    except Exception as exc:  # noqa: BLE001 - pynamodb raises UpdateError; only a failed condition is expected
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise
    quote.delivery = delivery
    return True


def _claim_retry(quote: QuoteModel, now: datetime) -> bool:
    """Take the email of a sent quote whose email failed, or whose sender stopped long ago."""
    delivery = dict(quote.delivery or {})
    state = delivery.get("status")
    stale = state == "sending" and datetime.fromisoformat(delivery["at"].replace("Z", "+00:00")) + SENDING_STALE <= now
    if state not in ("failed", "unknown") and not stale:
        return False
    claim = {"status": "sending", "attempt": int(delivery.get("attempt") or 0) + 1, "at": times.iso(now)}
    return _set_delivery(quote, claim, quote.delivery, while_sent=True)


def _seller(business: dict) -> dict:
    return tax.seller_snapshot(business)


def pdf_view(quote: QuoteModel, business: dict) -> dict:
    """What the PDF shows: the staff view with the business's dates and the customer's address lines."""
    view = views.staff_view(quote, business)
    country = tax.country(business)
    view["address_line"] = addresses.one_line(_AddressView(quote.address), country)
    view["address_lines"] = addresses.lines(_AddressView(quote.address), country)
    view["valid_until_text"] = dates.long_date(datetime.fromisoformat(quote.valid_until), view_locale(business))
    view["sent_on_text"] = dates.long_date(quote.sent_at.astimezone(ZoneInfo(business.get("timezone") or "UTC")),
                                           view_locale(business)) if quote.sent_at else None
    view["customer_link"] = view["accept_url"] = customer_link(quote)
    return view


class _AddressView:
    def __init__(self, address: dict | None):
        address = address or {}
        self.street, self.city, self.postcode = address.get("street"), address.get("city"), address.get("postcode")


def view_locale(business: dict) -> str:
    return dates.locale_of(business.get("locale"))


def quote_email(quote: QuoteModel, business: dict, pdf: bytes):
    """The customer's email: the quote in brief, the link, the PDF attached."""
    view = pdf_view(quote, business)
    currency = view["currency"]
    money = lambda cents: pdf_layout.money(int(cents), currency)  # noqa: E731
    name = business.get("name") or ""
    contact = {"name": name, "phone": business.get("phone") or "", "email": business.get("email") or "",
               "address": business.get("address") or ""}
    text, html = messages.render(
        "quote_sent",
        customer_name=(quote.customer or {}).get("name") or "",
        revised=quote.revision != numbering.FIRST_REVISION,
        title=quote.title or "",
        reference=view["reference"],
        address=view["address_line"] or "",
        total=money(view["totals"]["total_cents"]),
        total_label=tax.total_labels({**_seller(business), "tax_name": view["tax"]["name"],
                                      "prices_include_tax": view["tax"]["prices_include_tax"]},
                                     pdf_layout.percent(view["tax"]["rate_basis_points"]))["gross"],
        deposit=money(view["totals"]["deposit_cents"]) if view["totals"]["deposit_cents"] else "",
        optional_count=sum(1 for line in view["lines"] if line["optional"]),
        valid_until=view["valid_until_text"],
        lines=[{"description": line["description"], "quantity": line["quantity"], "amount": money(line["total_cents"]),
                "optional": line["optional"]} for line in view["lines"]],
        link=view["customer_link"],
        business=contact,
        legal=tax.legal_lines(_seller(business)),
    )
    to = messages.recipient((quote.customer or {}).get("email"), (quote.customer or {}).get("name"))
    sender_name = name if name and not header_problem(name) else None
    subject = f"Your quote {view['reference']}" + (f" from {sender_name}" if sender_name else "")
    return messages.build(to, subject, text, html, [(f"{view['reference']}.pdf", "application/pdf", pdf)],
                          message_id=message_id(quote), sender_name=sender_name)


def render_pdf(quote: QuoteModel, business: dict) -> bytes:
    """Render the quote's PDF and keep it in the files bucket (`pdf_key`); storing it again is harmless."""
    pdf = quote_pdf.render_quote(pdf_view(quote, business), _seller(business))
    documents.put_pdf(pdf_key(quote), pdf)
    return pdf


def _deliver(quote: QuoteModel, business: dict, now: datetime) -> QuoteModel:
    """Send the email this call holds, and record what happened (raising 502/503 when it failed)."""
    held = dict(quote.delivery)
    attempt = int(held.get("attempt") or 1)
    try:
        message = quote_email(quote, business, render_pdf(quote, business))
        ses_id = messages.send(message)
    except ClientError as exc:
        _record_failure(quote, held, "failed", attempt, exc, now)
        raise EmailRefused("The quote is sent, but its email was refused; send it again to retry.",
                           {"quote_id": quote.quote_id, "delivery": quote.delivery})
    except (EndpointConnectionError, ConnectTimeoutError) as exc:
        _record_failure(quote, held, "failed", attempt, exc, now)
        raise EmailUnavailable("The quote is sent, but the email service could not be reached; send it again to retry.",
                               {"quote_id": quote.quote_id, "delivery": quote.delivery})
    except messages.UnsafeHeader as exc:
        _record_failure(quote, held, "failed", attempt, exc, now)
        raise EmailRefused("The quote is sent, but its email could not be built; correct the order's customer and send it again.",
                           {"quote_id": quote.quote_id, "delivery": quote.delivery})
    except Exception as exc:  # noqa: BLE001 - SES may have taken it: the same Message-ID on a retry
        observability.logger().exception("quote email outcome unknown", extra={"quote_id": quote.quote_id})
        _record_failure(quote, held, "unknown", attempt, exc, now)
        raise EmailUnavailable("The quote is sent; whether its email left is not known. Send it again to retry "
                               "(the customer gets the same message).", {"quote_id": quote.quote_id, "delivery": quote.delivery})
    done = {"status": "sent", "attempt": attempt, "at": times.iso(now), "message_id": ses_id,
            "to": (quote.customer or {}).get("email")}
    if _set_delivery(quote, done, held):
        observability.count("QuoteEmailed")
    return quote


def _record_failure(quote: QuoteModel, held: dict, state: str, attempt: int, exc: Exception, now: datetime) -> None:
    observability.logger().warning("quote email not sent", extra={"quote_id": quote.quote_id, "error": str(exc)[:300]})
    observability.count("QuoteEmailFailed")
    _set_delivery(quote, {"status": state, "attempt": attempt, "at": times.iso(now), "error": str(exc)[:500]}, held)


def move_estimate(order_id: str, reference: str, now: datetime) -> str | None:
    """Move the order the quote was made on to `quoted` when its map allows that next (as the
    system); a map without it, or an order past it, is left as it is. Returns the step moved to."""
    for _ in range(MOVE_ATTEMPTS):
        try:
            order = order_storage.load(order_id)
        except DomainError:
            return None
        pm = versions.of(order)
        if not pm.has_step(QUOTED) or not pm.has_step(order.step) or QUOTED not in pm.step(order.step).next:
            return None
        try:
            order_service.move(SYSTEM, order, QUOTED, f"Quote {reference} sent", None, now)
            return QUOTED
        except Conflict:
            continue
        except DomainError as exc:  # not the system's to move, or the step's conditions unmet
            observability.logger().info("estimate not moved to quoted", extra={"order_id": order_id, "why": exc.message})
            return None
    return None


def send(principal: Principal, quote_id: str, now: datetime, key: RequestKey | None = None) -> Answer:
    """POST /quotes/{id}/send: send a draft (or retry the email of a sent quote whose email
    failed). 200 with the quote; a double click sends one email."""
    request_keys.earlier(key)  # 422 when the key was used for another request; a replay goes on as a retry
    quote = records.load_for(principal, quote_id)
    order = records.may_change(principal, quote)
    business = business_settings.settings()
    quote, holds_email = _mark_sent(principal, quote, order, business, key, now)
    if quote.status != SENT:
        raise Conflict(f"Quote {views.reference(quote)} is '{quote.status}'; it cannot be sent.",
                       {"quote_id": quote.quote_id, "status": quote.status}, code="quote_not_sendable")
    move_estimate(quote.order_id, views.reference(quote), now)
    if holds_email or _claim_retry(quote, now):
        quote = _deliver(quote, business, now)
    return Answer(200, views.staff_view(quote, business))
