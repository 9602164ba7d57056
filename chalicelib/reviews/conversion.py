"""Quotes and conversion in the evaluation: per period (and the period before, for comparison),
how many estimates were booked, how many quotes were sent and what became of them, the money
quoted and won, how long quotes took, why customers declined, who sent them, and what the
numbers suggest.

Definitions (the tests hold them):
- *Estimates booked*: orders of the kind `estimate` created in the period.
- *Quotes sent*: revisions sent in the period that are still the quote's last word, i.e. not
  superseded by a later revision (those are counted apart as `revised`); each is counted once,
  in the period it was sent, with its outcome as it stands at the evaluation: `accepted`,
  `declined`, `expired` or still `open` (sent, no answer yet). *Decided* = accepted + declined +
  expired.
- Rates: `accepted_of_decided_percent` = accepted / decided (the conversion rate: of the quotes
  whose fate is known, the share won); `accepted_of_sent_percent` = accepted / sent (still-open
  quotes count against it).
- *Value quoted*: the sum of the required lines' totals (with tax) as sent, at the tax the quote
  was sent with (`pricing`, else the business's); *value won*: the sum of the accepted totals
  (`accepted.totals.total_cents`, optional lines ticked included).
- *Visit to sent*: from the estimate visit (the estimate order's last move into `on_site` before
  the quote was sent; else its appointment start) to sending, in hours; a quote sent before any
  visit is left out. *Sent to answer*: from sending to the acceptance or the decline.
- Decline reasons are counted as given (spaces trimmed; the same words in another case count as
  one reason, shown as first given); none given counts as `null`.
- By technician: by who sent the quote (`sent_by`).

Suggestions, only when the numbers say so (the thresholds are the constants below):
- `late_quotes`: of the decided quotes with a known visit, those sent more than LATE_AFTER_DAYS
  after the visit convert at least LATE_GAP_POINTS points less than those sent within, each side
  with at least MIN_DECIDED quotes;
- `decline_reason`: one reason given at least REASON_MIN times and by at least REASON_SHARE of
  the declines;
- `expiring_unanswered`: at least EXPIRED_MIN quotes expired unanswered, and at least
  EXPIRED_SHARE of the decided ones: the reminder settings (Settings, Quotes) are worth a look.

Access pattern (by keys and indexes only; `tests/api/test_conversion.py` counts the calls):
1. the estimates booked: one Query of the orders' `by-created` index over both periods (filtered
   to the estimate kind);
2. the quotes sent: one Query of the quotes' sparse `by-sent-month` index per UTC month from the
   period before's start to the period's end (both periods at once);
3. the estimate orders of those quotes that the evaluation has not loaded already: BatchGetItem
   (100 keys a call), and one Query of each one's history (data.entries) for the visit;
4. the senders' names: one BatchGetItem of the staff table.
"""
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from chalicelib.core import times
from chalicelib.data import batch, entries
from chalicelib.data.models import ORDER_LIST_PK, OrderModel
from chalicelib.data.quotes import ACCEPTED, DECLINED, EXPIRED, SENT, SUPERSEDED, QuoteModel
from chalicelib.quotes import views as quote_views
from chalicelib.reviews import archive, figures as reviews_figures
from chalicelib.reviews.figures import Window
from chalicelib.setup import business

ESTIMATE_KIND = "estimate"
VISIT_STEP = "on_site"
LATE_AFTER_DAYS = 2
LATE_GAP_POINTS = 10
MIN_DECIDED = 5
REASON_MIN = 3
REASON_SHARE = 1 / 3
EXPIRED_MIN = 3
EXPIRED_SHARE = 0.25


# --- reading --------------------------------------------------------------------------------------

def estimates_booked(start: datetime, end: datetime) -> list[OrderModel]:
    """The estimate orders created from `start` (included) to `end` (excluded): one Query."""
    found = OrderModel.by_created.query(ORDER_LIST_PK, OrderModel.created_at.between(start, end),
                                        filter_condition=OrderModel.kind == ESTIMATE_KIND)
    return [o for o in found if o.created_at < end]


def quotes_sent(start: datetime, end: datetime) -> list[QuoteModel]:
    """The revisions sent from `start` (included) to `end` (excluded): one Query per UTC month."""
    found = []
    for month in reviews_figures.months(start, end - timedelta(microseconds=1)):
        found += [q for q in QuoteModel.by_sent_month.query(month, QuoteModel.sent_at.between(start, end)) if q.sent_at < end]
    return found


def estimate_orders(quotes: list[QuoteModel], known: dict[str, OrderModel]) -> dict[str, OrderModel]:
    """The orders the quotes were made on, with their history: those in `known` (loaded with
    their history by the evaluation) as they are, the others by BatchGetItem and one Query each."""
    wanted = {q.order_id for q in quotes} - set(known)
    found = batch.batch_get([(OrderModel, order_id, None) for order_id in sorted(wanted)]) if wanted else {}
    loaded = {key[1]: order for key, order in found.items()}
    for order in loaded.values():
        entries.read_history(order)
    return {**{k: v for k, v in known.items() if k in {q.order_id for q in quotes}}, **loaded}


# --- figures (pure, over what was read) ----------------------------------------------------------

def _moment(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def accepted_total(quote) -> int:
    """The accepted gross total (`accepted.totals`; a flat record carries it at its top)."""
    accepted = quote.accepted or {}
    record = accepted.get("totals") if isinstance(accepted.get("totals"), dict) else accepted
    return int(record.get("total_cents") or 0)


def quoted_total(quote, settings: dict) -> int:
    """The required lines' gross total, at the tax the quote was sent with."""
    return quote_views.quote_totals(quote, quote_views.pricing(quote, settings)).total_cents


def visit_at(order: OrderModel | None, before: datetime) -> datetime | None:
    """The estimate visit: the last move into `on_site` at or before `before`, else the
    appointment's start (when it is not after `before`)."""
    if order is None:
        return None
    moved = [m.at for m in reviews_figures.moves(order) if m.to_step == VISIT_STEP and m.at <= before]
    if moved:
        return moved[-1]
    start = order.appointment_start
    return start if start is not None and start <= before else None


def answered_at(quote) -> datetime | None:
    if quote.status == ACCEPTED:
        return _moment((quote.accepted or {}).get("at"))
    if quote.status == DECLINED:
        return _moment((quote.declined or {}).get("at"))
    return None


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _outcomes(quotes: list) -> dict:
    counts = Counter(q.status for q in quotes)
    decided = counts[ACCEPTED] + counts[DECLINED] + counts[EXPIRED]
    return {"sent": len(quotes), "accepted": counts[ACCEPTED], "declined": counts[DECLINED],
            "expired": counts[EXPIRED], "open": counts[SENT], "decided": decided,
            "accepted_of_decided_percent": _percent(counts[ACCEPTED], decided),
            "accepted_of_sent_percent": _percent(counts[ACCEPTED], len(quotes))}


def _hours(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def decline_reasons(quotes: list) -> list[dict]:
    """[{"reason", "count"}], most given first; the same words in another case are one reason."""
    counts: Counter = Counter()
    shown: dict = {}
    for q in quotes:
        if q.status != DECLINED:
            continue
        given = (q.declined or {}).get("reason")
        text = " ".join(given.split()) if isinstance(given, str) and given.strip() else None
        key = text.casefold() if text else None
        shown.setdefault(key, text)
        counts[key] += 1
    return [{"reason": shown[key], "count": n} for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def promptness(quotes: list, visits: dict) -> dict:
    """The decided quotes with a known visit, split at LATE_AFTER_DAYS after it."""
    limit = timedelta(days=LATE_AFTER_DAYS)
    groups = {"prompt": [], "late": []}
    for q in quotes:
        visit = visits.get(q.quote_id)
        if visit is None or q.status not in (ACCEPTED, DECLINED, EXPIRED):
            continue
        groups["late" if q.sent_at - visit > limit else "prompt"].append(q)
    answer = {"within_days": LATE_AFTER_DAYS}
    for name, group in groups.items():
        won = sum(1 for q in group if q.status == ACCEPTED)
        answer[name] = {"decided": len(group), "accepted": won, "accepted_percent": _percent(won, len(group))}
    return answer


def period_figures(window: Window, booked: list, quotes: list, orders: dict, settings: dict, names: dict) -> dict:
    """The figures of one window from what was read for both."""
    start, end = window.start, window.end
    sent = [q for q in quotes if reviews_figures.within(q.sent_at, start, end)]
    current = [q for q in sent if q.status != SUPERSEDED]
    visits = {q.quote_id: visit_at(orders.get(q.order_id), q.sent_at) for q in current}
    to_sent = [_hours(q.sent_at, visits[q.quote_id]) for q in current if visits[q.quote_id] is not None]
    to_answer = [_hours(at, q.sent_at) for q in current for at in [answered_at(q)] if at is not None]
    per_sender: dict[str, list] = defaultdict(list)
    for q in current:
        per_sender[q.sent_by or ""].append(q)
    by_technician = []
    for user_id in sorted(per_sender, key=lambda u: (names.get(u) or u or "~")):
        group = per_sender[user_id]
        by_technician.append({"user_id": user_id or None, "name": names.get(user_id), **_outcomes(group),
                              "value_quoted_cents": sum(quoted_total(q, settings) for q in group),
                              "value_won_cents": sum(accepted_total(q) for q in group if q.status == ACCEPTED)})
    return {
        "from": window.first_day.isoformat(),
        "to": window.last_day.isoformat(),
        "estimates_booked": sum(1 for o in booked if reviews_figures.within(o.created_at, start, end)),
        **_outcomes(current),
        "revised": len(sent) - len(current),
        "value_quoted_cents": sum(quoted_total(q, settings) for q in current),
        "value_won_cents": sum(accepted_total(q) for q in current if q.status == ACCEPTED),
        "visit_to_sent": {"quotes": len(to_sent), "median_hours": reviews_figures.median(to_sent)},
        "sent_to_answer": {"quotes": len(to_answer), "median_hours": reviews_figures.median(to_answer)},
        "promptness": promptness(current, visits),
        "decline_reasons": decline_reasons(current),
        "by_technician": by_technician,
    }


def suggestions(figures: dict, reminder_days: list[int]) -> list[dict]:
    """What the conversion figures suggest, each with the numbers it rests on."""
    found = []
    prompt, late = figures["promptness"]["prompt"], figures["promptness"]["late"]
    if prompt["decided"] >= MIN_DECIDED and late["decided"] >= MIN_DECIDED \
            and prompt["accepted_percent"] - late["accepted_percent"] >= LATE_GAP_POINTS:
        found.append({"kind": "late_quotes", "text": (
            f"Quotes sent more than {LATE_AFTER_DAYS} days after the visit convert less: "
            f"{late['accepted_percent']:g}% ({late['accepted']} of {late['decided']}) against "
            f"{prompt['accepted_percent']:g}% ({prompt['accepted']} of {prompt['decided']}) for those sent within "
            f"{LATE_AFTER_DAYS} days. Send the quote from the visit, or within {LATE_AFTER_DAYS} days."),
            "numbers": {"within_days": LATE_AFTER_DAYS, "prompt_decided": prompt["decided"],
                        "prompt_accepted": prompt["accepted"], "prompt_percent": prompt["accepted_percent"],
                        "late_decided": late["decided"], "late_accepted": late["accepted"],
                        "late_percent": late["accepted_percent"]}})
    declined = figures["declined"]
    for entry in figures["decline_reasons"]:
        if entry["reason"] and entry["count"] >= REASON_MIN and entry["count"] >= REASON_SHARE * declined:
            found.append({"kind": "decline_reason", "text": (
                f"'{entry['reason']}' keeps coming back: {entry['count']} of {declined} declines gave it. "
                f"Look at what the quotes say about it."),
                "numbers": {"reason": entry["reason"], "count": entry["count"], "declined": declined}})
    expired, decided = figures["expired"], figures["decided"]
    if expired >= EXPIRED_MIN and decided and expired >= EXPIRED_SHARE * decided:
        days = ", ".join(str(d) for d in reminder_days)
        reminders = (f"The reminders go {days} days after sending" if reminder_days else "No reminders are sent")
        found.append({"kind": "expiring_unanswered", "text": (
            f"{expired} of {decided} decided quotes expired without an answer. {reminders}: "
            f"remind sooner, or call the customer before the quote runs out (Settings, Quotes)."),
            "numbers": {"expired": expired, "decided": decided, "reminder_days": list(reminder_days),
                        "expired_percent": _percent(expired, decided)}})
    return found


def report(window: Window, now: datetime, known: dict[str, OrderModel] | None = None) -> dict:
    """The conversion figures of `window`, with the period before (`previous`) and suggestions."""
    before = window.before()
    settings = business.settings()
    booked = estimates_booked(before.start, window.end)
    quotes = quotes_sent(before.start, window.end)
    orders = estimate_orders(quotes, known or {})
    names = archive.people_by_id({q.sent_by for q in quotes if q.sent_by})
    current = period_figures(window, booked, quotes, orders, settings, names)
    previous = period_figures(before, booked, quotes, orders, settings, names)
    return {"currency": settings.get("currency"), "evaluated_at": times.iso(now), **current, "previous": previous,
            "suggestions": suggestions(current, list((settings.get("quotes") or {}).get("reminder_days") or []))}
