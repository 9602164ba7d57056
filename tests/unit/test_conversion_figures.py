"""The pure parts of the conversion figures (`reviews.conversion`) and of reading map versions per
kind of work (`reviews.figures.version_of`): the estimate visit, the answer's time, the accepted
total in either record shape, decline reasons counted as given, the prompt/late split at two days,
and (workflow_id, number) keys beside plain numbers."""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from chalicelib.data.models import Move, OrderModel
from chalicelib.reviews import conversion, figures
from chalicelib.reviews.figures import Window
from chalicelib.workflow import process_map
from infra.demo_data import PROCESS_MAP

UTC = timezone.utc
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def estimate(*moves, appointment=None) -> OrderModel:
    """An estimate order with moves (step, at) from `requested` at T0."""
    history, previous = [Move(from_step=None, to_step="requested", by="admin-1", at=T0)], "requested"
    for step, moment in moves:
        history.append(Move(from_step=previous, to_step=step, by="tech-1", at=moment))
        previous = step
    return OrderModel(order_id="WO-E", workflow_id="estimate", workflow_version=1, kind="estimate", step=previous,
                      step_entered_at=history[-1].at, history=history, appointment_start=appointment)


def sent(status="sent", quote_id="QT-1", at=T0, **fields):
    return SimpleNamespace(**{"quote_id": quote_id, "status": status, "sent_at": at, "accepted": None, "declined": None,
                              **fields})


def test_the_visit_is_the_last_move_into_on_site_before_sending():
    order = estimate(("on_site", T0 + timedelta(hours=1)), ("on_hold", T0 + timedelta(hours=2)),
                     ("on_site", T0 + timedelta(days=1)), ("quoted", T0 + timedelta(days=1, hours=1)))
    assert conversion.visit_at(order, T0 + timedelta(hours=5)) == T0 + timedelta(hours=1)
    assert conversion.visit_at(order, T0 + timedelta(days=2)) == T0 + timedelta(days=1)


def test_without_a_move_into_on_site_the_visit_is_the_appointment_unless_it_is_after_sending():
    booked = estimate(appointment=T0 + timedelta(hours=3))
    assert conversion.visit_at(booked, T0 + timedelta(hours=4)) == T0 + timedelta(hours=3)
    assert conversion.visit_at(booked, T0 + timedelta(hours=2)) is None  # quoted before the visit: no visit time
    assert conversion.visit_at(estimate(), T0) is None and conversion.visit_at(None, T0) is None


def test_the_accepted_total_is_read_from_either_record_shape():
    assert conversion.accepted_total(sent("accepted", accepted={"total_cents": 144000, "at": "x"})) == 144000
    assert conversion.accepted_total(sent("accepted", accepted={"totals": {"total_cents": 99}, "at": "x"})) == 99


def test_the_answer_time_is_the_acceptance_or_the_decline_never_the_expiry():
    assert conversion.answered_at(sent("accepted", accepted={"at": "2026-12-01T10:00:00+00:00"})) == \
        datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert conversion.answered_at(sent("declined", declined={"at": "2026-12-02T10:00:00Z", "reason": "x"})) == \
        datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert conversion.answered_at(sent("expired")) is None and conversion.answered_at(sent("declined", declined={})) is None


def test_decline_reasons_are_counted_as_given_spacing_and_case_aside():
    quotes = [sent("declined", declined={"reason": r}) for r in ("Too expensive", " too  expensive", "Timing", None, "")]
    quotes.append(sent("accepted", accepted={"at": "x"}))
    assert conversion.decline_reasons(quotes) == [
        {"reason": None, "count": 2}, {"reason": "Too expensive", "count": 2}, {"reason": "Timing", "count": 1}]


def test_a_quote_sent_exactly_two_days_after_the_visit_is_still_prompt():
    visit = T0
    quotes = [sent("accepted", "QT-A", visit + timedelta(days=2)), sent("declined", "QT-B", visit + timedelta(days=2, seconds=1)),
              sent("sent", "QT-C", visit + timedelta(days=5)), sent("expired", "QT-D", visit + timedelta(hours=1))]
    split = conversion.promptness(quotes, {"QT-A": visit, "QT-B": visit, "QT-C": visit})  # QT-D: no visit known
    assert split == {"within_days": 2, "prompt": {"decided": 1, "accepted": 1, "accepted_percent": 100.0},
                     "late": {"decided": 1, "accepted": 0, "accepted_percent": 0.0}}


def test_no_suggestion_without_figures():
    empty = conversion.period_figures(Window(date(2026, 11, 30), date(2026, 12, 6), ZoneInfo("Europe/London")),
                                      [], [], {}, {}, {})
    assert (empty["sent"], empty["accepted_of_decided_percent"], empty["accepted_of_sent_percent"]) == (0, None, None)
    assert conversion.suggestions(empty, [3, 7]) == []


def test_versions_are_found_by_workflow_id_and_number_or_by_number_for_one_map():
    installation = process_map.from_definition(PROCESS_MAP, 1)
    estimate_map = process_map.from_definition(PROCESS_MAP, 1, workflow_id="estimate", kind="estimate")
    both = {("default", 1): installation, ("estimate", 1): estimate_map}
    assert figures.version_of(both, "estimate", 1) is estimate_map
    assert figures.version_of(both, None, 1) is installation  # orders from before kinds: the legacy map
    assert figures.version_of({1: estimate_map}, "estimate", 1) is estimate_map
    assert figures.version_of({1: estimate_map}, "default", 1) is None  # another kind's version 1
    assert figures.newest(both) is installation and [pm.workflow_id for pm in figures.heads(both)] == ["default", "estimate"]
