"""Making and editing quotes: the first revision of a new quote (numbered in the transaction
that writes it), changes to a draft, and a new revision of a sent one.

- `create`: POST /orders/{order_id}/quotes. The customer and the address are copied from the
  order; the number `Q-<year>-NNNNNN` moves only in the quote's transaction, with the
  Idempotency-Key's record (a replay answers with the first answer). With `"send": true` the
  quote is sent at once (`sending.send`), checked for sending before anything is written.
- `update`: PATCH /quotes/{id}, a draft only, at the version the editor read.
- `revise`: POST /quotes/{id}/revisions: a new draft with the next letter, the same number, the
  lines copied; one draft per number at a time (two made at once collide on the revision's id).
"""
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import link_tokens, observability, settings
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data import request_keys
from chalicelib.data.models import OrderModel
from chalicelib.data.quotes import ACCEPTED, DECLINED, DRAFT, EXPIRED, SENT, QuoteModel
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.quotes import content, numbering, records, sending, views
from chalicelib.setup import business as business_settings
from chalicelib.staff.auth import Principal

REVISABLE = (SENT, DECLINED, EXPIRED)
CONTENT_ATTRIBUTES = ("title", "kind", "service_id", "lines", "valid_until", "notes", "terms", "deposit")


def _customer_of(order: OrderModel) -> dict:
    return {"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone}


def _address_of(order: OrderModel) -> dict:
    return {"street": order.address.street, "city": order.address.city, "postcode": order.address.postcode}


def _content_of(quote: QuoteModel) -> dict:
    return {name: getattr(quote, name) for name in CONTENT_ATTRIBUTES}


def _wants_send(body: dict) -> bool:
    value = body.get("send", False)
    if not isinstance(value, bool):
        raise ValidationFailed("Some fields are not valid.", [{"field": "send", "message": "must be true or false"}])
    return value


def _new_revision(order: OrderModel, principal: Principal, fields: dict, revision: str, now: datetime) -> QuoteModel:
    return QuoteModel(
        "",
        number="",
        revision=revision,
        status=DRAFT,
        order_id=order.order_id,
        customer_id=order.customer_id,
        customer=_customer_of(order),
        address=_address_of(order),
        token=link_tokens.new(),
        created_at=now,
        created_by=principal.user_id,
        updated_at=now,
        updated_by=principal.user_id,
        reminder_log=[],
        **fields,
    )


def _written_view(quote: QuoteModel, business: dict) -> dict:
    """The view of a quote about to be written for the first time (its version will be 1)."""
    view = views.staff_view(quote, business)
    view["version"] = 1
    return view


def _refused_by_key(exc: TransactWriteError, key_at: int) -> bool:
    reasons = list(getattr(exc, "cancellation_reasons", None) or [])
    return len(reasons) > key_at and getattr(reasons[key_at], "code", None) == "ConditionalCheckFailed"


def _write_first(quote: QuoteModel, business: dict, key: RequestKey | None, now: datetime) -> Answer:
    """Number the first revision and write it with the key's record, in the transaction that
    moves the series. A request with the same key that got there first: its answer."""
    series = numbering.series(content.today_in(business, now).year)
    last = numbering.last_number(series)
    for attempt in range(numbering.NUMBER_ATTEMPTS):
        quote.number = numbering.number(series, (last or 0) + 1)
        quote.quote_id = numbering.revision_id(quote.number, numbering.FIRST_REVISION)
        answer = Answer(201, _written_view(quote, business))

        def write(tx):
            tx.save(quote, condition=QuoteModel.quote_id.does_not_exist())
            if key is not None:
                tx.save(request_keys.record(key, answer, now), condition=request_keys.unused())

        try:
            numbering.write_numbered(series, last or 0, last is not None, write)
        except numbering.DocumentWritten:  # the counter was behind its quotes: take the next number
            last = (last or 0) + 1
            continue
        except numbering.SeriesMoved as moved:
            earlier = request_keys.earlier(key)
            if earlier is not None:
                return earlier
            numbering.pause(attempt)
            last = moved.last if moved.last is not None else numbering.last_number(series)
            continue
        except TransactWriteError as exc:
            earlier = request_keys.earlier(key) if key is not None and _refused_by_key(exc, 2) else None
            if earlier is None:
                raise
            return earlier
        observability.count("QuoteCreated")
        return answer
    raise Conflict("The quote number series is busy; try again.", {"order_id": quote.order_id})


def _then_send(principal: Principal, answer: Answer, now: datetime) -> Answer:
    sent = sending.send(principal, answer.body["quote_id"], now)
    return Answer(201, sent.body)


def create(principal: Principal, order_id: str, body: dict, now: datetime, key: RequestKey | None = None) -> Answer:
    """A new quote on an order (its first revision, `A`), a draft, or sent at once with `send`."""
    send = _wants_send(body if isinstance(body, dict) else {})
    earlier = request_keys.earlier(key)
    if earlier is not None:
        return _then_send(principal, earlier, now) if send else earlier
    order = records.order_to_quote(principal, order_id)
    business = business_settings.settings()
    fields = content.read(principal, body, now, business)
    if send:
        problems = content.problems_before_sending(fields, _customer_of(order), business, now)
        if problems:
            raise ValidationFailed("The quote cannot be sent yet; nothing was saved.", problems, code="quote_not_sendable")
    quote = _new_revision(order, principal, fields, numbering.FIRST_REVISION, now)
    answer = _write_first(quote, business, key, now)
    return _then_send(principal, answer, now) if send else answer


def _stale(quote: QuoteModel, expected: int) -> Conflict:
    return Conflict(f"The quote changed since you read it (version {quote.version}, you sent {expected}).",
                    {"quote_id": quote.quote_id, "current_version": int(quote.version), "status": quote.status})


def not_draft(quote: QuoteModel) -> Conflict:
    return Conflict(f"Quote {views.reference(quote)} is '{quote.status}': only a draft can change. "
                    "Make a new revision to change what you offer.",
                    {"quote_id": quote.quote_id, "status": quote.status, "current_version": int(quote.version)},
                    code="quote_not_draft")


def update(principal: Principal, quote_id: str, body: dict, now: datetime) -> dict:
    """PATCH /quotes/{id}: change a draft at the version the editor read (409 with
    `current_version` when stale, 409 `quote_not_draft` once it was sent)."""
    fields = Fields(body)
    expected = fields.integer("expected_version", minimum=1)
    fields.raise_if_errors()
    quote = records.load_for(principal, quote_id)
    records.may_change(principal, quote)
    if quote.status != DRAFT:
        raise not_draft(quote)
    if expected != quote.version:
        raise _stale(quote, expected)
    business = business_settings.settings()
    changed = content.read(principal, body, now, business, current=_content_of(quote))
    for name, value in changed.items():
        setattr(quote, name, value)
    quote.updated_at, quote.updated_by = now, principal.user_id
    try:
        quote.save(condition=QuoteModel.status == DRAFT)
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        fresh = records.load(quote_id)
        raise not_draft(fresh) if fresh.status != DRAFT else _stale(fresh, expected)
    observability.count("QuoteEdited")
    return views.staff_view(quote, business)


def revise(principal: Principal, quote_id: str, body: dict, now: datetime, key: RequestKey | None = None) -> Answer:
    """POST /quotes/{id}/revisions: a new draft of a sent, declined or expired quote, with the
    next letter and the same number; the body may change any field at once (as PATCH)."""
    earlier = request_keys.earlier(key)
    if earlier is not None:
        return earlier
    source = records.load_for(principal, quote_id)
    order = records.may_change(principal, source)
    family = records.revisions(source.number)
    accepted = next((q for q in family if q.status == ACCEPTED), None)
    if accepted is not None:
        raise Conflict(f"Quote {views.reference(accepted)} was accepted; it can no longer be revised.",
                       {"quote_id": accepted.quote_id}, code="quote_answered")
    draft = next((q for q in family if q.status == DRAFT), None)
    if draft is not None:
        raise Conflict(f"Revision {views.reference(draft)} is still a draft: edit or send it first.",
                       {"quote_id": draft.quote_id}, code="quote_draft_exists")
    if source.status not in REVISABLE:
        raise Conflict(f"Quote {views.reference(source)} is '{source.status}'; revise the latest sent revision.",
                       {"quote_id": source.quote_id, "status": source.status}, code="quote_not_revisable")
    letter = numbering.next_letter(max(q.revision for q in family))
    if letter is None:
        raise Conflict("This quote has had every revision it can; make a new quote.", {"quote_id": source.quote_id},
                       code="quote_revisions_exhausted")
    business = business_settings.settings()
    copied = _content_of(source)
    if copied["valid_until"] < content.today_in(business, now).isoformat():
        copied["valid_until"] = content.default_valid_until(business, now)
    fields = content.read(principal, body, now, business, current=copied)
    quote = _new_revision(order, principal, fields, letter, now)
    quote.number, quote.quote_id = source.number, numbering.revision_id(source.number, letter)
    answer = Answer(201, _written_view(quote, business))
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            tx.save(quote, condition=QuoteModel.quote_id.does_not_exist())
            if key is not None:
                tx.save(request_keys.record(key, answer, now), condition=request_keys.unused())
    except TransactWriteError as exc:
        earlier = request_keys.earlier(key)
        if earlier is not None:
            return earlier
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        raise Conflict(f"Someone made revision {letter} of {source.number} at the same moment; reload the quote.",
                       {"quote_id": quote.quote_id}, code="quote_draft_exists")
    observability.count("QuoteRevised")
    return answer
