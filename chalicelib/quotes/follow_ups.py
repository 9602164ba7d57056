"""The hourly follow-up of quotes: the customer's reminders, the expiry, and the repair of an
answer whose steps did not all happen.

It reads only the sparse `by-follow-up` index, up to now (never a scan): a quote is on it while
something is still to happen, at `next_action_at`. For a sent quote: up to two reminders, at
`quotes.reminder_days` after sending (business setting, default [3, 7]), each sent once (claimed
by a conditional write on `reminders_sent`, its Message-ID derived from the quote and the
reminder); at the end of `valid_until` (the business's timezone) the quote expires and the
estimate order moves to `lost`. For an answered or expired quote: the estimate move, the deposit
invoice and the confirmation email still missing (`after_answer`). A quote with nothing left
leaves the index."""
from datetime import datetime, timedelta

from chalicelib.core import dates, observability, times
from chalicelib.data.quotes import ACCEPTED, DECLINED, EXPIRED, SENT, QuoteModel
from chalicelib.invoicing import pdf_layout
from chalicelib.mail import messages
from chalicelib.quotes import after_answer, public, sending, views
from chalicelib.setup import business as business_settings
from chalicelib.setup import quote_settings

PAGE = 100
MAX_PER_RUN = 1000  # an hour's backlog far beyond any business's; the rest waits for the next run


def due(now: datetime):
    """The quotes whose next look is due (the index, up to now), oldest first."""
    return QuoteModel.by_follow_up.query(after_answer.OPEN, QuoteModel.next_action_at <= now, page_size=PAGE,
                                         limit=MAX_PER_RUN)


def reminder_days(business: dict) -> list[int]:
    return list(quote_settings.complete(business.get("quotes"))["reminder_days"])[:quote_settings.MAX_REMINDERS]


def next_reminder_at(quote: QuoteModel, days: list[int]) -> datetime | None:
    sent = int(quote.reminders_sent or 0)
    if sent >= len(days) or quote.sent_at is None:
        return None
    return quote.sent_at + timedelta(days=int(days[sent]))


def _set_raw(quote_id: str, actions, condition) -> bool:
    """An update that leaves `version` alone (bookkeeping never races the customer's answer,
    which is conditional on the version); False when `condition` failed."""
    try:
        QuoteModel._get_connection().update_item(quote_id, actions=actions, condition=condition)
    except Exception as exc:  # noqa: BLE001 - pynamodb raises UpdateError; only a failed condition is expected
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _reminder_email(quote: QuoteModel, business: dict, number: int):
    price = views.pricing(quote, business)
    counted = views.quote_totals(quote, price)
    money = lambda cents: pdf_layout.money(int(cents), price["currency"])  # noqa: E731
    locale = dates.locale_of(price.get("locale"))
    text, html = messages.render(
        "quote_reminder",
        customer_name=(quote.customer or {}).get("name") or "",
        reference=views.reference(quote),
        title=quote.title or "",
        total=money(counted.total_cents),
        valid_until=dates.long_date(datetime.fromisoformat(quote.valid_until), locale),
        last=number >= len(reminder_days(business)),
        link=sending.customer_link(quote),
        business={key: business.get(key) for key in ("name", "phone", "email", "address")},
    )
    to = messages.recipient((quote.customer or {}).get("email"), (quote.customer or {}).get("name"))
    if to is None:
        return None
    return messages.build(to, f"Reminder: your quote {views.reference(quote)}", text, html,
                          message_id=f"quote-reminder.{quote.quote_id}.{number}",
                          sender_name=after_answer.sender_name(business))


def remind(quote: QuoteModel, business: dict, now: datetime) -> bool:
    """Send the next reminder if it is due and nobody sent it yet; True when this run sent it."""
    days = reminder_days(business)
    at = next_reminder_at(quote, days)
    if at is None or at > now:
        return False
    sent = int(quote.reminders_sent or 0)
    number = sent + 1
    claimed = _set_raw(quote.quote_id, [QuoteModel.reminders_sent.set(number)],
                       (QuoteModel.reminders_sent == sent) & (QuoteModel.status == SENT))
    if not claimed:
        return False
    quote.reminders_sent = number
    entry = {"number": number, "at": times.iso(now)}
    try:
        email = _reminder_email(quote, business, number)
        if email is None:
            entry["status"] = "no_email"
        else:
            entry.update(status="sent", message_id=messages.send(email))
    except Exception as exc:  # claimed: it is not sent twice; the log says it failed
        observability.logger().exception("quote reminder failed", extra={"quote_id": quote.quote_id})
        entry.update(status="failed", error=str(exc)[:300])
    _set_raw(quote.quote_id, [QuoteModel.reminder_log.set(list(quote.reminder_log or []) + [entry])], None)
    quote.reminder_log = list(quote.reminder_log or []) + [entry]
    observability.count("QuoteReminderSent")
    return entry["status"] == "sent"


def expire(quote: QuoteModel, now: datetime) -> QuoteModel | None:
    """Sent and past its validity -> expired (conditional on still being sent); the estimate
    order then moves to `lost`. None when the customer answered first."""
    done = _set_raw(quote.quote_id, [QuoteModel.status.set(EXPIRED), QuoteModel.expired_at.set(now),
                                     QuoteModel.next_action_at.set(now), QuoteModel.updated_at.set(now)],
                    (QuoteModel.status == SENT) & (QuoteModel.version == int(quote.version)))
    if not done:
        return None
    observability.count("QuoteExpired")
    return QuoteModel.get(quote.quote_id, consistent_read=True)


def _follow_sent(quote: QuoteModel, business: dict, now: datetime) -> str:
    if quote.superseded_by:
        _set_raw(quote.quote_id, [QuoteModel.follow_up.remove(), QuoteModel.next_action_at.remove()],
                 QuoteModel.status == SENT)
        return "closed"
    expiry = public.expires_at(quote, public.zone_of(quote, business))
    if now >= expiry:
        expired = expire(quote, now)
        if expired is not None:
            after_answer.finish(expired, now)
            return "expired"
        return "skipped"
    outcome = "reminded" if remind(quote, business, now) else "waiting"
    upcoming = next_reminder_at(quote, reminder_days(business))
    when = min(upcoming, expiry) if upcoming is not None and upcoming > now else expiry
    _set_raw(quote.quote_id, [QuoteModel.next_action_at.set(when)], QuoteModel.status == SENT)
    return outcome


def follow(quote: QuoteModel, business: dict, now: datetime) -> str:
    """Do what is due for one quote; what happened."""
    if quote.status == SENT:
        return _follow_sent(quote, business, now)
    if quote.status in (ACCEPTED, DECLINED, EXPIRED):
        left = after_answer.pending(quote)
        after_answer.finish(quote, now)
        return "repaired" if left else "closed"
    _set_raw(quote.quote_id, [QuoteModel.follow_up.remove(), QuoteModel.next_action_at.remove()],
             QuoteModel.status == quote.status)
    return "closed"


def run(now: datetime) -> dict:
    """The hourly job: every quote due, each read again by key (the index may lag a write)."""
    business = business_settings.settings()
    counts: dict[str, int] = {}
    for listed in due(now):
        try:
            quote = QuoteModel.get(listed.quote_id, consistent_read=True)
        except QuoteModel.DoesNotExist:
            continue
        if quote.follow_up != after_answer.OPEN or (quote.next_action_at and quote.next_action_at > now):
            continue
        try:
            outcome = follow(quote, business, now)
        except Exception:  # one quote's trouble never stops the others; it is looked at next hour
            observability.logger().exception("quote follow-up failed", extra={"quote_id": quote.quote_id})
            outcome = "failed"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
