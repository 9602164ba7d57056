"""The customer's answer to a quote: accepting it (their typed name, the optional lines they
ticked, and a time for the job when the quote offers one) or declining it (with a reason).

Accepting writes, in ONE transaction, the quote (conditional on the version read and on being
`sent`: a superseded, answered or concurrently changed quote refuses it) and the job order
(its id derived from the quote's, conditional on not existing: a replay can never make two),
with the technician's calendar when a time was picked. What was accepted (name, time, lines,
totals) is written once and never changed. The estimate's move, the deposit invoice and the
email follow (`after_answer`), each repeated by the follow-up job if it did not happen."""
import hashlib
from dataclasses import dataclass
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.booking import online
from chalicelib.core import ids, link_tokens, observability, settings, times
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.customers import records as customer_records
from chalicelib.data import entries, items
from chalicelib.data.models import CalendarDayModel, LineItem, OrderModel
from chalicelib.data.quotes import ACCEPTED, DECLINED, EXPIRED, SENT, SUPERSEDED, QuoteModel
from chalicelib.orders import intake as orders_intake
from chalicelib.orders import moves
from chalicelib.quotes import after_answer, public, totals, views
from chalicelib.scheduling import assignment, availability, calendars, slots
from chalicelib.setup import business as business_settings
from chalicelib.workflow import versions

NAME_MAX, REASON_MAX = 120, 500


class QuoteAnswered(Conflict):
    code = "quote_answered"


class QuoteExpired(Conflict):
    code = "quote_expired"


class QuoteSuperseded(Conflict):
    code = "quote_superseded"


class _QuoteChanged(Exception):
    """The quote (or a calendar) changed between the read and the write: read again."""


@dataclass
class Answer:
    quote: QuoteModel
    created: bool  # False: the same answer was already recorded (a double click, a retry)


def job_order_id(quote_id: str) -> str:
    """The job's order id, derived from the quote's: one quote, one job, whatever happens."""
    digest = hashlib.sha256(("quote-job:" + quote_id).encode()).digest()
    return "WO-" + "".join(ids.ALPHABET[b % len(ids.ALPHABET)] for b in digest[:10])


def _key_hash(key: str | None) -> str | None:
    return hashlib.sha256(key.encode()).hexdigest() if key else None


# --- reading the answer ----------------------------------------------------------------------

def parse_accept(body: dict, quote: QuoteModel) -> dict:
    """{"name", "optional_lines": [line ids], "start"?}: every wrong field at once."""
    fields = Fields(body)
    name = fields.header_text("name", NAME_MAX)
    raw = body.get("optional_lines") if isinstance(body, dict) else None
    chosen: list[str] = []
    if raw is not None:
        optional = {line["line_id"] for line in quote.lines or [] if line.get("optional")}
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            fields.error("optional_lines", "must be a list of line ids")
        elif not set(raw) <= optional:
            fields.error("optional_lines", "must name only this quote's optional lines")
        else:
            chosen = sorted(set(raw))
    start = fields.datetime("start", required=False)
    fields.raise_if_errors("The acceptance is not valid.")
    return {"name": name, "optional_lines": chosen, "start": times.iso(start) if start else None, "start_at": start}


def parse_decline(body: dict) -> str:
    fields = Fields(body)
    reason = fields.text("reason", REASON_MAX, multiline=True)
    fields.raise_if_errors("The answer is not valid.")
    return reason


def _same_acceptance(accepted: dict, request: dict) -> bool:
    return (accepted.get("name") == request["name"] and sorted(accepted.get("optional_lines") or []) == request["optional_lines"]
            and accepted.get("start") == request["start"])


def _recorded(quote: QuoteModel, same: bool, recorded_key: str | None, key_hash: str | None) -> Answer:
    """The answer to a request on a quote that already has an answer."""
    if key_hash and recorded_key == key_hash:
        if not same:
            raise ValidationFailed("This Idempotency-Key was used for a different answer.",
                                   [{"field": "Idempotency-Key", "message": "was already used with another request body"}],
                                   code="idempotency_key_reused")
        return Answer(quote, True)  # a replay of the very request: its first answer
    if same:
        return Answer(quote, False)
    raise QuoteAnswered("This quote has already been answered.", {"status": quote.status})


def _check_open(quote: QuoteModel, now: datetime, business: dict) -> None:
    if quote.status == SUPERSEDED or quote.superseded_by:
        raise QuoteSuperseded("A newer revision of this quote has been sent; please answer that one.",
                              {"superseded_by": quote.superseded_by})
    if quote.status == EXPIRED or (quote.status == SENT and public.is_past(quote, now, business)):
        raise QuoteExpired(f"This quote was valid until {quote.valid_until}; please ask us for a new one.",
                           {"valid_until": quote.valid_until})
    if quote.status in (ACCEPTED, DECLINED):
        raise QuoteAnswered("This quote has already been answered.", {"status": quote.status})
    if quote.status != SENT:
        raise QuoteAnswered("This quote can no longer be answered.", {"status": quote.status})


def _still_open():
    return (QuoteModel.status == SENT) & QuoteModel.superseded_by.does_not_exist()


# --- accepting -------------------------------------------------------------------------------

def accept(quote_id: str, token: str | None, body: dict, now: datetime, key: str | None = None) -> Answer:
    """Accept the quote (see the module's docstring). 409 quote_answered / quote_expired /
    quote_superseded / slot_taken; 422 at the field for a bad name, line or time."""
    quote = public.load_with_token(quote_id, token)
    request = parse_accept(body, quote)
    key_hash = _key_hash(key)
    business = business_settings.settings()
    for _ in range(calendars.ATTEMPTS):
        if quote.status == ACCEPTED:
            accepted = quote.accepted or {}
            return _recorded(quote, _same_acceptance(accepted, request), accepted.get("request_key"), key_hash)
        _check_open(quote, now, business)
        try:
            _commit_acceptance(quote, request, key_hash, now, business)
        except _QuoteChanged:
            quote = QuoteModel.get(quote_id, consistent_read=True)
            continue
        observability.count("QuoteAccepted")
        return Answer(after_answer.finish(quote, now), True)
    raise Conflict("The quote is busy changing; try again.", {"quote_id": quote_id})


def _job(quote: QuoteModel, request: dict, counted: totals.Totals, lines: list[dict], now: datetime,
         service_name: str | None) -> OrderModel:
    """The job order, unsaved, at the start step of the current map of the quote's kind."""
    pm = versions.current(quote.kind)
    customer = {key: (quote.customer or {}).get(key) for key in ("name", "email", "phone")}
    address = {key: (quote.address or {}).get(key) for key in ("street", "city", "postcode")}
    intake = orders_intake.Intake(customer, address, service_id=quote.service_id, service_name=service_name,
                                  description=quote.title, customer_id=quote.customer_id)
    order_id = job_order_id(quote.quote_id)
    order = orders_intake.build(order_id, online.CUSTOMER, intake, pm, now, "quote", service_name=service_name)
    order.workflow_id = pm.workflow_id
    order.kind = quote.kind
    order.quote_id, order.estimate_order_id = quote.quote_id, quote.order_id
    order.history[0].note = f"Created from quote {views.reference(quote)}, accepted online by {request['name']}"
    if counted.deposit_cents:
        order.deposit = {"quote_id": quote.quote_id, "amount_cents": counted.deposit_cents}
    order.line_items = [LineItem(item_id=ids.id_for_key("LI-", order_id, line["line_id"]), description=line["description"],
                                 quantity=int(line["quantity"]), unit_price_cents=int(line["unit_price_cents"]),
                                 price_item_id=line.get("price_item_id"), added_by="customer", added_at=now, recorded_at=now)
                        for line in lines]
    return order


def _book(quote: QuoteModel, order: OrderModel, start: datetime, now: datetime) -> list[CalendarDayModel]:
    """Put the job on a free technician's calendar at `start` (the online booking's rules and
    assignment) and in `scheduled`; the calendar items to write with it. 409 slot_taken."""
    postcode = (quote.address or {}).get("postcode")
    setup = availability.load(quote.service_id, slots.days_around(start))
    online.check_booking_rules(setup, start, now)
    availability.check_area(setup, postcode, "start")
    free = slots.free_technicians(setup, start, postcode)
    chosen = assignment.choose(free)
    wanted = orders_intake.Intake({}, {"postcode": postcode}, service_id=quote.service_id, start=start)
    if chosen is None:
        raise online.taken(wanted, now, "That time is no longer free; please pick another.")
    job = setup.job(start)
    order.appointment_start, order.appointment_end = job.start, job.end
    order.technician_id = chosen.technician.user_id
    order.manage_token = link_tokens.new()
    order.service_name = order.service_name or (setup.service or {}).get("name")
    moves.apply_move(online.SYSTEM, order, online.BOOKED_STEP, assignment.reason(chosen, free), now)
    day = start.astimezone(setup.zone).date()
    return [calendars.reserve(chosen.calendar, chosen.technician.user_id, day, order.order_id, job)]


def _service_name(quote: QuoteModel) -> str | None:
    offer = public.booking_offer(quote)
    return offer["service_name"] if offer else None


def _commit_acceptance(quote: QuoteModel, request: dict, key_hash: str | None, now: datetime, business: dict) -> None:
    price = views.pricing(quote, business)
    chosen = set(request["optional_lines"])
    counted = views.quote_totals(quote, price, chosen)
    lines = totals.counted_lines(list(quote.lines or []), chosen)
    order = _job(quote, request, counted, lines, now, _service_name(quote))
    touched: list[CalendarDayModel] = []
    if request["start_at"] is not None:
        if not quote.service_id or public.booking_offer(quote) is None:
            raise ValidationFailed("This quote does not offer a time to book.",
                                   [{"field": "start", "message": "the office will contact you to arrange a time"}])
        touched = _book(quote, order, request["start_at"], now)
    quote.accepted = {
        "name": request["name"], "at": times.iso(now), "optional_lines": request["optional_lines"],
        "lines": [dict(line) for line in lines], "subtotal_cents": counted.subtotal_cents, "tax_cents": counted.tax_cents,
        "total_cents": counted.total_cents, "deposit_cents": counted.deposit_cents, "start": request["start"],
        "request_key": key_hash,
    }
    quote.status = ACCEPTED
    quote.job_order_id = order.order_id
    quote.follow_up, quote.next_action_at = after_answer.OPEN, now + after_answer.REPAIR_AFTER
    quote.updated_at, quote.updated_by = now, "customer"
    # Only what the answer sets: the bookkeeping others write beside it (reminders, delivery) stays.
    actions = [QuoteModel.status.set(ACCEPTED), QuoteModel.accepted.set(quote.accepted),
               QuoteModel.job_order_id.set(order.order_id), QuoteModel.follow_up.set(quote.follow_up),
               QuoteModel.next_action_at.set(quote.next_action_at), QuoteModel.updated_at.set(now),
               QuoteModel.updated_by.set("customer")]
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            tx.update(quote, actions, condition=_still_open())
            tx.save(order, condition=OrderModel.order_id.does_not_exist())
            for calendar in touched:
                tx.save(calendar)
            for entry in entries.new_items(order):
                tx.save(entry)
            if order.customer_id:
                customer_records.count_order(tx, order.customer_id, now)
    except TransactWriteError as exc:
        if items.is_too_large(exc):
            raise items.order_full(order.order_id)
        reasons = exc.cancellation_reasons if exc.cause_response_code == "TransactionCanceledException" else []
        codes = [r.code if r else None for r in reasons]
        if any(c in ("ConditionalCheckFailed", "TransactionConflict") for c in codes):
            raise _QuoteChanged()
        raise
    entries.saved(order)


# --- declining -------------------------------------------------------------------------------

def decline(quote_id: str, token: str | None, body: dict, now: datetime, key: str | None = None) -> Answer:
    """Decline the quote with a reason (required, up to 500 characters); the estimate order then
    moves to `lost` with the reason as the move's note."""
    quote = public.load_with_token(quote_id, token)
    reason = parse_decline(body)
    key_hash = _key_hash(key)
    business = business_settings.settings()
    for _ in range(calendars.ATTEMPTS):
        if quote.status == DECLINED:
            declined = quote.declined or {}
            return _recorded(quote, declined.get("reason") == reason, declined.get("request_key"), key_hash)
        _check_open(quote, now, business)
        declined = {"reason": reason, "at": times.iso(now), "request_key": key_hash}
        try:
            quote.update(actions=[QuoteModel.status.set(DECLINED), QuoteModel.declined.set(declined),
                                  QuoteModel.follow_up.set(after_answer.OPEN),
                                  QuoteModel.next_action_at.set(now + after_answer.REPAIR_AFTER),
                                  QuoteModel.updated_at.set(now), QuoteModel.updated_by.set("customer")],
                         condition=_still_open())
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            quote = QuoteModel.get(quote_id, consistent_read=True)
            continue
        observability.count("QuoteDeclined")
        return Answer(after_answer.finish(quote, now), True)
    raise Conflict("The quote is busy changing; try again.", {"quote_id": quote_id})
