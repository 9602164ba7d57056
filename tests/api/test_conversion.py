"""Quotes and conversion in the evaluation (`reviews.conversion`): exact figures over a small
hand-made world of estimate orders (through the API, moved to the visit at given times) and
quotes (stored as the quote slices store them), the period before for comparison, the
suggestions only when the numbers say so, and the reads counted.

The week evaluated is Monday 30 November to Sunday 6 December 2026 (London is on GMT, so local
times are UTC); the week before is 23 to 29 November. The business charges 20 % VAT on top."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.reviews import conversion
from chalicelib.reviews.figures import Window
from tests.support.estimates import estimate_order, publish_estimate_map, quote
from tests.support.helpers import dynamodb_calls, staff_check

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
WEEK = Window(date(2026, 11, 30), date(2026, 12, 6), LONDON)
EVALUATED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def week(world, as_, clock):
    """This week: three estimates booked; quotes: one accepted a day after it was sent a day after
    the visit, one declined ("Too expensive") sent 70 h after the visit, one revised (A superseded
    by B, still open), one expired (on an estimate booked the week before). The week before: two
    estimates booked, one quote accepted. And an installation order, which is no estimate."""
    publish_estimate_map(as_)
    e1 = estimate_order(as_, clock, at(30, 8), visit=at(30, 10))
    e2 = estimate_order(as_, clock, at(30, 9), visit=at(30, 12), customer="Grace Hopper")
    e3 = estimate_order(as_, clock, at(1, 8, 12))
    e4 = estimate_order(as_, clock, at(26, 8))
    e5 = estimate_order(as_, clock, at(24, 8), visit=at(24, 10))
    clock.now = at(1, 9, 12)
    r = as_("dispatcher").post("/orders", {"customer": {"name": "Ivy Install", "email": "ivy@example.net"},
                                           "address": {"street": "2 Fitter Row", "city": "Bristol", "postcode": "BS1 2AA"},
                                           "service_name": "Window installation"})
    assert r.status == 201, r
    # Q1: 2 x 500.00 required + an optional 200.00; accepted with the option: 1,440.00 with VAT.
    quote(e1["order_id"], 1, at(1, 10, 12), "accepted", lines=((2, 50000, False), (1, 20000, True)),
          answered_at=at(2, 10, 12), accepted_total=144000)
    # Q2: sent with prices including tax: 800.00 is the total.
    quote(e2["order_id"], 2, at(3, 10, 12), "declined", lines=((1, 80000, False),), sent_by="tech-2",
          answered_at=at(4, 10, 12), reason="  Too   expensive ", customer="Grace Hopper",
          pricing={"currency": "GBP", "rate_basis_points": 2000, "prices_include_tax": True})
    quote(e3["order_id"], 3, at(1, 9, 12), "superseded", lines=((1, 10000, False),), superseded_by="QT-0003B")
    quote(e3["order_id"], 3, at(2, 9, 12), "sent", revision="B", lines=((1, 9000, False),), follow_up="open",
          next_action_at=at(5, 9, 12))
    quote(e4["order_id"], 4, at(30, 9), "expired", lines=((1, 30000, False),), sent_by="tech-2", expired_at=at(5, 0, 12))
    quote(e5["order_id"], 5, at(25, 10), "accepted", lines=((1, 50000, False),), answered_at=at(27, 10),
          accepted_total=60000)
    quote(e5["order_id"], 6, None, "draft")  # never sent: not counted anywhere
    clock.now = EVALUATED
    return {"orders": [e1, e2, e3, e4, e5]}


def test_the_week_s_conversion_figures_are_exact(week, as_):
    r = as_("admin").get("/reports/process?from=2026-11-30&to=2026-12-06")
    assert r.status == 200, r
    figures = r.json["conversion"]
    assert {k: figures[k] for k in ("currency", "from", "to", "estimates_booked", "sent", "accepted", "declined", "expired",
                                    "open", "decided", "revised", "accepted_of_decided_percent", "accepted_of_sent_percent",
                                    "value_quoted_cents", "value_won_cents")} == {
        "currency": "GBP", "from": "2026-11-30", "to": "2026-12-06",
        "estimates_booked": 3, "sent": 4, "accepted": 1, "declined": 1, "expired": 1, "open": 1, "decided": 3, "revised": 1,
        "accepted_of_decided_percent": 33.3, "accepted_of_sent_percent": 25.0,
        # 1,200.00 + 800.00 (tax included) + 108.00 (revision B) + 360.00; won: the accepted 1,440.00
        "value_quoted_cents": 120000 + 80000 + 10800 + 36000, "value_won_cents": 144000,
    }
    # the visit to sending: 24 h (Q1) and 70 h (Q2); Q3 and Q4 had no visit. Sent to answer: 24 h twice.
    assert figures["visit_to_sent"] == {"quotes": 2, "median_hours": 47.0}
    assert figures["sent_to_answer"] == {"quotes": 2, "median_hours": 24.0}
    assert figures["promptness"] == {"within_days": 2, "prompt": {"decided": 1, "accepted": 1, "accepted_percent": 100.0},
                                     "late": {"decided": 1, "accepted": 0, "accepted_percent": 0.0}}
    assert figures["decline_reasons"] == [{"reason": "Too expensive", "count": 1}]
    assert [{k: t[k] for k in ("user_id", "name", "sent", "accepted", "declined", "expired", "open", "value_quoted_cents",
                                "value_won_cents")} for t in figures["by_technician"]] == [
        {"user_id": "tech-2", "name": "Priya Patel", "sent": 2, "accepted": 0, "declined": 1, "expired": 1, "open": 0,
         "value_quoted_cents": 116000, "value_won_cents": 0},
        {"user_id": "tech-1", "name": "Sam Fischer", "sent": 2, "accepted": 1, "declined": 0, "expired": 0, "open": 1,
         "value_quoted_cents": 130800, "value_won_cents": 144000},
    ]
    assert figures["suggestions"] == []  # a handful of quotes says nothing yet


def test_the_week_before_is_beside_it_for_comparison(week, as_):
    previous = as_("admin").get("/reports/process?from=2026-11-30&to=2026-12-06").json["conversion"]["previous"]
    assert {k: previous[k] for k in ("from", "to", "estimates_booked", "sent", "accepted", "decided", "accepted_of_decided_percent",
                                     "value_quoted_cents", "value_won_cents", "visit_to_sent", "sent_to_answer")} == {
        "from": "2026-11-23", "to": "2026-11-29", "estimates_booked": 2, "sent": 1, "accepted": 1, "decided": 1,
        "accepted_of_decided_percent": 100.0, "value_quoted_cents": 60000, "value_won_cents": 60000,
        "visit_to_sent": {"quotes": 1, "median_hours": 24.0}, "sent_to_answer": {"quotes": 1, "median_hours": 48.0},
    }


def test_the_weekly_review_stores_the_conversion_and_the_screen_can_narrow_it_to_a_kind(week, as_):
    from chalicelib.reviews import runs

    review, ran = runs.run("weekly", EVALUATED, "admin-1")
    assert ran and review["report"]["conversion"]["sent"] == 4
    stored = as_("admin").get("/reports/reviews?period=weekly&date=2026-11-30&kind=estimate")
    assert stored.status == 200, stored
    assert stored.json["report"]["kind"] == "estimate" and list(stored.json["report"]["kinds"]) == ["estimate"]
    assert stored.json["report"]["conversion"] == review["report"]["conversion"]
    assert stored.json["people"]["tech-2"] == "Priya Patel"
    unknown = as_("admin").get("/reports/reviews?period=weekly&date=2026-11-30&kind=gardening")
    assert unknown.status == 422 and unknown.json["error"]["details"][0]["field"] == "kind"


def test_the_conversion_figures_are_read_by_keys_and_indexes_only(week):
    """One Query of the orders' by-created index, one of by-sent-month per month (November and
    December), one BatchGetItem of the estimate orders, one history Query per order (four of the
    five quoted estimates: the first one's order is known), one BatchGetItem of the senders, one
    GetItem of the settings."""
    from chalicelib.data.models import OrderModel
    from chalicelib.data import entries

    known = OrderModel.get(week["orders"][0]["order_id"])
    entries.read_history(known)

    def by_index(operation, params):
        return f"{operation} {params.get('IndexName') or params.get('TableName', '')}"

    with dynamodb_calls(key=by_index) as calls:
        conversion.report(WEEK, EVALUATED, {known.order_id: known})
    queries = {k: n for k, n in calls.items() if k.startswith("Query")}
    assert queries.pop("Query by-created") == 1 and queries.pop("Query by-sent-month") == 2
    assert sum(queries.values()) == 4 and all("by-" not in k for k in queries)  # the histories, by key
    assert sum(n for k, n in calls.items() if k.startswith("BatchGetItem")) == 2
    assert sum(n for k, n in calls.items() if k.startswith("GetItem")) == 1
    assert not any(k.startswith("Scan") for k in calls)


# --- the suggestions, at their thresholds ---------------------------------------------------------

def _decided(world_orders, start_number, count, status, reason=None):
    """`count` quotes on these orders sent on 1 December from 09:00, a minute apart, answered 5 h later."""
    made = []
    for i in range(count):
        order = world_orders[i % len(world_orders)]
        sent = at(1, 9, 12) + timedelta(minutes=i)
        made.append(quote(order["order_id"], start_number + i, sent, status, answered_at=sent + timedelta(hours=5),
                          reason=reason, accepted_total=12000, expired_at=sent + timedelta(days=3)))
    return made


@pytest.fixture
def visited(world, as_, clock):
    """Two estimates: one visited the day before the quotes go out (prompt), one five days before (late)."""
    publish_estimate_map(as_)
    prompt = estimate_order(as_, clock, at(29, 8), visit=at(30, 9))
    late = estimate_order(as_, clock, at(25, 8), visit=at(26, 9))
    clock.now = EVALUATED
    return {"prompt": prompt, "late": late}


def test_late_quotes_convert_less_is_said_only_with_enough_quotes_each_side(visited, clock):
    _decided([visited["prompt"]], 100, 4, "accepted")
    _decided([visited["prompt"]], 110, 1, "declined", reason="Found someone else")
    _decided([visited["late"]], 120, 1, "accepted")
    _decided([visited["late"]], 130, 3, "declined", reason="Went quiet")
    figures = conversion.report(WEEK, EVALUATED)
    assert figures["promptness"]["prompt"] == {"decided": 5, "accepted": 4, "accepted_percent": 80.0}
    assert figures["promptness"]["late"] == {"decided": 4, "accepted": 1, "accepted_percent": 25.0}
    assert "late_quotes" not in {s["kind"] for s in figures["suggestions"]}  # four late quotes: too few

    _decided([visited["late"]], 140, 1, "declined", reason="Went quiet")
    figures = conversion.report(WEEK, EVALUATED)
    late, = [s for s in figures["suggestions"] if s["kind"] == "late_quotes"]
    assert late["numbers"] == {"within_days": 2, "prompt_decided": 5, "prompt_accepted": 4, "prompt_percent": 80.0,
                               "late_decided": 5, "late_accepted": 1, "late_percent": 20.0}
    assert "20% (1 of 5) against 80% (4 of 5)" in late["text"]
    # and "Went quiet" was given by 4 of the 5 declines: a reason that keeps coming back
    reason, = [s for s in figures["suggestions"] if s["kind"] == "decline_reason"]
    assert reason["numbers"] == {"reason": "Went quiet", "count": 4, "declined": 5}


def test_quotes_expiring_unanswered_point_at_the_reminders(visited, clock):
    _decided([visited["prompt"]], 200, 2, "expired")
    _decided([visited["prompt"]], 210, 3, "accepted")
    assert "expiring_unanswered" not in {s["kind"] for s in conversion.report(WEEK, EVALUATED)["suggestions"]}
    _decided([visited["prompt"]], 220, 1, "expired")
    expiring, = [s for s in conversion.report(WEEK, EVALUATED)["suggestions"] if s["kind"] == "expiring_unanswered"]
    assert expiring["numbers"] == {"expired": 3, "decided": 6, "reminder_days": [3, 7], "expired_percent": 50.0}
    assert "3 days" in expiring["text"] or "3, 7 days" in expiring["text"]


def test_a_decline_reason_needs_three_declines_and_a_third_of_them(visited, clock):
    _decided([visited["prompt"]], 300, 2, "declined", reason="Too expensive")
    _decided([visited["prompt"]], 310, 1, "declined", reason="too EXPENSIVE")
    _decided([visited["prompt"]], 320, 6, "declined", reason=None)
    figures = conversion.report(WEEK, EVALUATED)
    assert figures["decline_reasons"] == [{"reason": None, "count": 6}, {"reason": "Too expensive", "count": 3}]
    reason, = [s for s in figures["suggestions"] if s["kind"] == "decline_reason"]
    assert reason["numbers"] == {"reason": "Too expensive", "count": 3, "declined": 9}
    _decided([visited["prompt"]], 330, 1, "declined", reason="Timing")
    assert not [s for s in conversion.report(WEEK, EVALUATED)["suggestions"] if s["kind"] == "decline_reason"]  # 3 of 10


def test_a_busier_week_says_late_quotes_convert_less_and_names_the_reason_that_keeps_coming_back(world, as_, clock):
    """The reports' browser test seeds this world (tests/support/estimates.seed_conversion_weeks)."""
    from tests.support.estimates import seed_conversion_weeks

    publish_estimate_map(as_)
    seed_conversion_weeks(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    figures = conversion.report(WEEK, datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    assert (figures["sent"], figures["accepted"], figures["declined"], figures["expired"], figures["open"]) == (13, 6, 5, 1, 1)
    assert figures["promptness"]["prompt"] == {"decided": 7, "accepted": 5, "accepted_percent": 71.4}
    assert figures["promptness"]["late"] == {"decided": 5, "accepted": 1, "accepted_percent": 20.0}
    assert [s["kind"] for s in figures["suggestions"]] == ["late_quotes", "decline_reason"]
    assert figures["suggestions"][1]["numbers"] == {"reason": "Too expensive", "count": 3, "declined": 5}
    assert (figures["previous"]["sent"], figures["previous"]["accepted"]) == (6, 3)
