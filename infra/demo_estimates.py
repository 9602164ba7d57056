"""The demo's estimates in every state, so a fresh `make run` shows quotes and the weekly
evaluation of last week shows conversion: one booked (upcoming), two quoted and waiting (one of
them reminded), two accepted (their installation jobs waiting to be scheduled; one with a
deposit, invoiced), one declined with a reason, one expired.

Everything goes through the capability functions the API uses (online booking, moves, quote
drafts and sending, the customer's answer, the follow-up job), each at its own time in the past
one to three weeks (the business's local time), so the histories read as if it had happened.
Times are derived from `now` only; the same `now` gives the same story."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.booking import online
from chalicelib.data.quotes import QuoteModel
from chalicelib.orders import intake as orders_intake
from chalicelib.orders import service, storage
from chalicelib.quotes import acceptance, drafts, follow_ups
from chalicelib.setup import business as business_settings
from chalicelib.staff.auth import Principal

TIMEZONE = "Europe/London"
DISPATCHER = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
TECHS = {user_id: Principal(user_id, "technician", ("technician",)) for user_id in ("tech-2", "tech-3")}

WINDOWS = [{"price_item_id": "window-casement", "quantity": 3}, {"price_item_id": "disposal", "quantity": 3},
           {"price_item_id": "sealant", "quantity": 3, "optional": True}]
SASH = [{"price_item_id": "window-sash", "quantity": 2}, {"price_item_id": "disposal", "quantity": 2}]
PATIO = [{"price_item_id": "door-patio", "quantity": 1}, {"price_item_id": "labour-hour", "quantity": 2, "optional": True}]
INSTALL = {"kind": "installation", "service_id": "window-install"}
DOOR = {"kind": "installation", "service_id": "door-install"}

# (customer, email, phone, street, postcode, technician, what the quote offers)
CUSTOMERS = {
    "accepted_deposit": ("Oliver Bennett", "oliver.bennett@example.net", "+44 7700 900201", "22 Redland Grove", "BS6 6PR",
                         "tech-2", {"title": "Three casement windows", "lines": WINDOWS,
                                    "deposit": {"percent_basis_points": 2500}, **INSTALL}),
    "accepted": ("Grace Whitaker", "grace.whitaker@example.net", "+44 7700 900202", "5 Clifton Vale", "BS8 4PT",
                 "tech-3", {"title": "Two sash windows", "lines": SASH, **INSTALL}),
    "declined": ("Thomas Reid", "thomas.reid@example.net", "+44 7700 900203", "41 Gloucester Road", "BS7 8AD",
                 "tech-2", {"title": "Patio door", "lines": PATIO, **DOOR}),
    "expired": ("Hannah Price", "hannah.price@example.net", "+44 7700 900204", "9 Bath Road", "BS4 3DR",
                "tech-3", {"title": "Three casement windows", "lines": WINDOWS, **INSTALL}),
    "reminded": ("Samuel Hughes", "samuel.hughes@example.net", "+44 7700 900205", "17 Whiteladies Road", "BS8 2PH",
                 "tech-2", {"title": "Patio door", "lines": PATIO, **DOOR}),
    "waiting": ("Emily Clarke", "emily.clarke@example.net", "+44 7700 900206", "3 Ashley Down Road", "BS7 9JN",
                "tech-3", {"title": "Two sash windows", "lines": SASH, **INSTALL}),
    "booked": ("Jack Turner", "jack.turner@example.net", "+44 7700 900207", "60 North Street", "BS3 1HJ",
               "tech-3", None),
}
DECLINE_REASON = "We found a cheaper quote elsewhere."


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(TIMEZONE))


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _book(key: str, booked_at: datetime, visit: datetime) -> str:
    name, email, phone, street, postcode, tech, _ = CUSTOMERS[key]
    intake = orders_intake.Intake({"name": name, "email": email, "phone": phone},
                                  {"street": street, "city": "Bristol", "postcode": postcode},
                                  service_id="survey", technician_id=tech, start=visit, confirm=True,
                                  description="Measure and quote")
    return online.book(DISPATCHER, intake, booked_at, source="phone", check_rules=False).order.order_id


def _visit(order_id: str, tech: str, visit: datetime) -> None:
    """The representative on the way and on site, at the visit's time."""
    for step, at in (("en_route", visit - timedelta(minutes=20)), ("on_site", visit)):
        service.move(TECHS[tech], storage.load(order_id), step, None, None, at)


def _quote(key: str, order_id: str, sent_at: datetime, valid_until: date) -> QuoteModel:
    tech, offer = CUSTOMERS[key][5], CUSTOMERS[key][6]
    answer = drafts.create(TECHS[tech], order_id, {**offer, "valid_until": valid_until.isoformat(), "send": True}, sent_at)
    return QuoteModel.get(answer.body["quote_id"], consistent_read=True)


def _estimate(key: str, visit: datetime, sent_at: datetime, valid_until: date) -> QuoteModel:
    order_id = _book(key, visit - timedelta(days=5), visit)
    _visit(order_id, CUSTOMERS[key][5], visit)
    return _quote(key, order_id, sent_at, valid_until)


def load(now: datetime) -> list[str]:
    """The estimates (see the module's docstring); their order ids."""
    local_today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    last_monday = local_today - timedelta(days=local_today.weekday() + 7)
    business = business_settings.settings()
    quotes = []

    # Accepted last week: one with a 25 % deposit (its invoice issued), one without.
    q = _estimate("accepted_deposit", _at(last_monday, 10), _at(last_monday, 11, 30), last_monday + timedelta(days=30))
    acceptance.accept(q.quote_id, q.token, {"name": "Oliver Bennett", "optional_lines": [
        line["line_id"] for line in q.lines if line.get("optional")]}, _at(last_monday + timedelta(days=2), 18))
    quotes.append(q)
    tuesday = last_monday + timedelta(days=1)
    q = _estimate("accepted", _at(tuesday, 10), _at(tuesday, 12), tuesday + timedelta(days=30))
    acceptance.accept(q.quote_id, q.token, {"name": "Grace Whitaker"}, _at(tuesday + timedelta(days=2), 9))
    quotes.append(q)

    # Declined last week, quoted a day after the visit.
    q = _estimate("declined", _at(last_monday, 14), _at(tuesday, 9), tuesday + timedelta(days=30))
    acceptance.decline(q.quote_id, q.token, {"reason": DECLINE_REASON}, _at(last_monday + timedelta(days=4), 10))
    quotes.append(q)

    # Expired last Wednesday: sent on a Friday two weeks before, reminded twice, never answered.
    sent = _at(last_monday - timedelta(days=10), 15)
    q = _estimate("expired", sent - timedelta(hours=4), sent, last_monday + timedelta(days=2))
    for moment in (sent + timedelta(days=3, hours=1), sent + timedelta(days=7, hours=1),
                   _at(last_monday + timedelta(days=3), 1)):
        follow_ups.follow(QuoteModel.get(q.quote_id, consistent_read=True), business, moment)
    quotes.append(q)

    # Waiting for an answer: one sent last Thursday and reminded on Sunday, one sent on the last working day.
    thursday = last_monday + timedelta(days=3)
    q = _estimate("reminded", _at(thursday, 10), _at(thursday, 12), thursday + timedelta(days=30))
    follow_ups.follow(QuoteModel.get(q.quote_id, consistent_read=True), business, _at(thursday + timedelta(days=3), 13))
    quotes.append(q)
    recent = _weekday_on_or_before(local_today - timedelta(days=1))
    q = _estimate("waiting", _at(recent, 9), _at(recent, 11), recent + timedelta(days=30))
    quotes.append(q)

    # Booked: a survey visit on the next weekday after tomorrow, booked two days ago.
    visit = _at(_weekday_on_or_after(local_today + timedelta(days=2)), 14)
    booked = _book("booked", now - timedelta(days=2), visit)
    return [q.order_id for q in quotes] + [booked]
