"""What follows a customer's answer, once it is recorded: the estimate order moves to `won` (or
`lost`), the deposit invoice is issued, the customer gets the `quote_accepted` email. Each step
is idempotent and recorded on the quote (or, for the deposit, on the job order), so the
follow-up job repeats exactly the ones that did not happen; `follow_up` stays open until all of
them did."""
import secrets
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.core import dates, observability, times
from chalicelib.core.errors import Conflict, DomainError
from chalicelib.core.validation import header_problem
from chalicelib.data.models import OrderModel
from chalicelib.data.quotes import ACCEPTED, DECLINED, EXPIRED, QuoteModel
from chalicelib.invoicing import deposits, pdf_layout
from chalicelib.mail import messages
from chalicelib.orders import service as order_service
from chalicelib.quotes import views
from chalicelib.setup import business as business_settings
from chalicelib.staff.auth import SYSTEM
from chalicelib.workflow import versions

NOT_MOVED = "not_moved"  # the estimate's map has no such move from where it is: nothing to repeat
ATTEMPTS = 5
# When the follow-up job looks again at an answer whose steps did not all happen.
REPAIR_AFTER = timedelta(minutes=15)
OPEN = "open"


def change(quote: QuoteModel, build) -> QuoteModel | None:
    """Update the quote with the actions `build(quote)` gives (None: nothing to do), conditional
    on its version; on a conflict it is read again and `build` asked again."""
    for _ in range(ATTEMPTS):
        actions = build(quote)
        if not actions:
            return quote
        try:
            quote.update(actions=actions)
            return quote
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            quote = QuoteModel.get(quote.quote_id, consistent_read=True)
    raise Conflict("The quote is busy changing; try again.", {"quote_id": quote.quote_id})


# --- the estimate order ----------------------------------------------------------------------

def move_estimate(quote: QuoteModel, target: str, note: str | None, now: datetime) -> QuoteModel:
    """Move the estimate order to `target` when its map allows it from where it is; record the
    outcome (`estimate_moved`) once."""
    if quote.estimate_moved:
        return quote
    outcome = None
    for _ in range(ATTEMPTS):
        try:
            order = OrderModel.get(quote.order_id, consistent_read=True)
        except OrderModel.DoesNotExist:
            outcome = NOT_MOVED
            break
        pm = versions.of(order)
        if order.step == target:
            outcome = target
            break
        if not pm.has_step(target) or not pm.has_step(order.step) or target not in pm.step(order.step).next:
            outcome = NOT_MOVED
            break
        try:
            order_service.move(SYSTEM, order, target, note, None, now)
            outcome = target
            break
        except Conflict:
            continue
        except DomainError as exc:  # a condition of the map the system cannot meet
            observability.logger().info("estimate not moved", extra={"quote_id": quote.quote_id, "reason": exc.message})
            outcome = NOT_MOVED
            break
    if outcome is None:
        return quote
    return change(quote, lambda q: None if q.estimate_moved else [QuoteModel.estimate_moved.set(outcome)])


# --- the deposit invoice ---------------------------------------------------------------------

def deposit_pending(quote: QuoteModel, job: OrderModel | None) -> bool:
    return bool(job is not None and job.deposit and int(job.deposit.get("amount_cents") or 0) > 0
                and not job.deposit.get("invoice_id"))


def issue_deposit(quote: QuoteModel, now: datetime) -> bool:
    """Ask invoicing for the job's deposit invoice (it issues it once); True when nothing is left."""
    if not quote.job_order_id:
        return True
    try:
        job = OrderModel.get(quote.job_order_id, consistent_read=True)
    except OrderModel.DoesNotExist:
        return True
    if not deposit_pending(quote, job):
        return True
    deposits.issue_deposit(job.order_id, now)  # None: nothing to issue (the final invoice charged it all)
    return True


# --- the confirmation email ------------------------------------------------------------------

def message_id(quote: QuoteModel) -> str:
    return f"quote-accepted.{quote.quote_id}"


def _context(quote: QuoteModel, job: OrderModel | None, business: dict) -> dict:
    price = views.pricing(quote, business)
    money = lambda cents: pdf_layout.money(int(cents), price["currency"])  # noqa: E731
    accepted = quote.accepted or {}
    tz = business_settings.zone(business)
    locale = dates.locale_of(price.get("locale"))
    appointment = (dates.appointment(job.appointment_start, job.appointment_end, tz, locale)
                   if job is not None and job.appointment_start and job.appointment_end else None)
    deposit = int(accepted.get("deposit_cents") or 0)
    return {
        "customer_name": accepted.get("name") or (quote.customer or {}).get("name"),
        "reference": views.reference(quote),
        "title": quote.title,
        "lines": [{"description": line["description"], "quantity": int(line["quantity"]),
                   "amount": money(int(line["quantity"]) * int(line["unit_price_cents"])),
                   "optional": bool(line.get("optional"))} for line in accepted.get("lines") or []],
        "subtotal": money(accepted.get("subtotal_cents") or 0),
        "tax": money(accepted.get("tax_cents") or 0),
        "tax_name": price["tax_name"],
        "total": money(accepted.get("total_cents") or 0),
        "deposit": money(deposit) if deposit else None,
        "balance": money(int(accepted.get("total_cents") or 0) - deposit),
        "job_order_id": quote.job_order_id,
        "appointment": appointment,
        "accepted_at": dates.date_time(datetime.fromisoformat(accepted["at"]), tz, locale) if accepted.get("at") else None,
        "business_name": business["name"],
        "business": {key: business.get(key) for key in ("name", "phone", "email", "address")},
    }


def sender_name(business: dict) -> str | None:
    """The business's name as the sender, unless it could break the header (then SENDER_NAME)."""
    name = business.get("name")
    return name if name and not header_problem(name) else None


def email_pending(quote: QuoteModel) -> bool:
    return quote.status == ACCEPTED and (quote.answer_email is None or quote.answer_email.get("status") == "failed")


def send_accepted_email(quote: QuoteModel, now: datetime) -> QuoteModel:
    """Email the customer what they accepted, the job and the deposit invoice to come: claimed on
    the quote first (`answer_email`), so two runs never both send it."""
    if not email_pending(quote):
        return quote
    claim = {"status": "sending", "at": times.iso(now), "claim": secrets.token_hex(8)}
    quote = change(quote, lambda q: [QuoteModel.answer_email.set(claim)] if email_pending(q) else None)
    if (quote.answer_email or {}).get("claim") != claim["claim"]:
        return quote  # someone else is sending it (or sent it)
    email = (quote.customer or {}).get("email")
    to = messages.recipient(email, (quote.customer or {}).get("name"))
    if to is None:
        return change(quote, lambda q: [QuoteModel.answer_email.set({"status": "no_email", "at": times.iso(now)})])
    job = None
    if quote.job_order_id:
        try:
            job = OrderModel.get(quote.job_order_id, consistent_read=True)
        except OrderModel.DoesNotExist:
            job = None
    business = business_settings.settings()
    try:
        text, html = messages.render("quote_accepted", **_context(quote, job, business))
        built = messages.build(to, f"Thank you: quote {views.reference(quote)} accepted", text, html,
                               message_id=message_id(quote), sender_name=sender_name(business))
        sent_id = messages.send(built)
    except Exception as exc:  # recorded, and repeated by the follow-up job
        observability.logger().exception("quote accepted email failed", extra={"quote_id": quote.quote_id})
        return change(quote, lambda q: [QuoteModel.answer_email.set(
            {"status": "failed", "at": times.iso(now), "error": str(exc)[:300]})])
    observability.count("QuoteAcceptedEmailed")
    return change(quote, lambda q: [QuoteModel.answer_email.set(
        {"status": "sent", "message_id": sent_id, "at": times.iso(now)})])


# --- all of it -------------------------------------------------------------------------------

def _job(quote: QuoteModel) -> OrderModel | None:
    if not quote.job_order_id:
        return None
    try:
        return OrderModel.get(quote.job_order_id, consistent_read=True)
    except OrderModel.DoesNotExist:
        return None


def pending(quote: QuoteModel) -> list[str]:
    """What is still to happen after the quote's answer (or its expiry)."""
    left = []
    if quote.status in (ACCEPTED, DECLINED, EXPIRED) and not quote.estimate_moved:
        left.append("estimate")
    if quote.status == ACCEPTED:
        if deposit_pending(quote, _job(quote)):
            left.append("deposit")
        if email_pending(quote):
            left.append("email")
    return left


def estimate_target(quote: QuoteModel) -> tuple[str, str | None]:
    if quote.status == ACCEPTED:
        return "won", f"Quote {views.reference(quote)} accepted by {(quote.accepted or {}).get('name')}"
    if quote.status == DECLINED:
        return "lost", (quote.declined or {}).get("reason") or "Quote declined"
    return "lost", "Quote expired"


def finish(quote: QuoteModel, now: datetime) -> QuoteModel:
    """Take every step still to happen; each failure is logged and left for the follow-up job.
    Once none is left, the quote leaves the follow-up list."""
    steps = {"estimate": lambda q: move_estimate(q, *estimate_target(q), now),
             "deposit": lambda q: q if issue_deposit(q, now) else None,
             "email": lambda q: send_accepted_email(q, now)}
    resolved = set()
    for name in pending(quote):
        try:
            done = steps[name](quote)
        except Exception:  # the answer stands; the follow-up job repeats the step
            observability.logger().exception("quote follow-up step failed", extra={"quote_id": quote.quote_id, "step": name})
            continue
        if done is not None:
            quote = done
            resolved.add(name)
    left = [name for name in pending(quote) if not (name == "deposit" and "deposit" in resolved)]
    return close_if_done(quote, now, left)


def close_if_done(quote: QuoteModel, now: datetime, left: list[str]) -> QuoteModel:
    if left:
        return change(quote, lambda q: [QuoteModel.follow_up.set(OPEN), QuoteModel.next_action_at.set(now + REPAIR_AFTER)]
                      if q.status in (ACCEPTED, DECLINED, EXPIRED) else None)
    return change(quote, lambda q: [QuoteModel.follow_up.remove(), QuoteModel.next_action_at.remove()]
                  if q.status in (ACCEPTED, DECLINED, EXPIRED) and q.follow_up else None)
