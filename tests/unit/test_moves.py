"""Moving an order through its map (`orders.moves`), on orders built in memory and never saved.

The map versions an order can be on are given to `workflow.versions`' per-container cache for
the test (the cache is where `versions.version` looks first), so nothing reads the table."""
import copy
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.business_time import Calendar
from chalicelib.core.errors import ConditionsUnmet, Forbidden, MoveNotAllowed, ValidationFailed
from chalicelib.data.models import Address, Customer, LineItem, Move, OrderModel, Signature
from chalicelib.orders import moves
from chalicelib.staff.auth import SYSTEM, Principal
from chalicelib.workflow import process_map, versions
from infra.demo_data import BUSINESS, PROCESS_MAP

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CREATED = NOW - timedelta(hours=3)

ADMIN = Principal("admin-1", "admin", ("admin",))
DISPATCHER = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
TECHNICIAN = Principal("tech-1", "technician", ("technician",))
CUSTOMER = Principal("customer", "customer", ())


def _v2_definition() -> dict:
    """Version 2 drops "on the way": scheduled leads straight to in progress."""
    document = copy.deepcopy(PROCESS_MAP)
    document["steps"] = [s for s in document["steps"] if s["key"] != "en_route"]
    for s in document["steps"]:
        s["next"] = [n for n in s["next"] if n != "en_route"]
    next(s for s in document["steps"] if s["key"] == "scheduled")["next"].insert(0, "in_progress")
    return document


V1 = process_map.from_definition(PROCESS_MAP, 1)
V2 = process_map.from_definition(_v2_definition(), 2)


@pytest.fixture(autouse=True)
def published(monkeypatch):
    monkeypatch.setattr(versions, "_versions", {("default", 1): V1, ("default", 2): V2})


# The demo business's calendar (weekdays 08:00-18:00, Saturdays 09:00-13:00, London), given to
# the moves instead of the stored settings, so nothing reads the table.
DEMO_CALENDAR = Calendar(BUSINESS["opening_hours"], (), ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def business_calendar(monkeypatch):
    monkeypatch.setattr(moves.business, "calendar", lambda data=None: DEMO_CALENDAR)


def order(step="requested", version=1, **fields) -> OrderModel:
    o = OrderModel(
        order_id="WO-TEST", workflow_id="default", workflow_version=version, step=step, step_entered_at=CREATED,
        created_at=CREATED, updated_at=CREATED, created_by="dispatcher-1", source="phone",
        customer=Customer(name="Jo Bloggs", email="jo@example.net", phone=None),
        address=Address(street="1 High St", city="Bristol", postcode="BS1 1AA"),
        history=[Move(from_step=None, to_step="requested", by="dispatcher-1", at=CREATED)],
    )
    for key, value in fields.items():
        setattr(o, key, value)
    return o


def booked(step="requested", **fields) -> OrderModel:
    return order(step, technician_id="tech-1", appointment_start=NOW + timedelta(days=1),
                 appointment_end=NOW + timedelta(days=1, hours=1), **fields)


def line_item() -> LineItem:
    return LineItem(item_id="LI-1", description="Sealant", quantity=2, unit_price_cents=1200, added_by="tech-1", added_at=NOW)


def signature() -> Signature:
    return Signature(signature_id="SG-1", s3_key="signatures/WO-TEST.png", signed_by="Jo", captured_by="tech-1", at=NOW)


def keys(options) -> list[str]:
    return [o["key"] for o in options]


# --- the steps a person may move an order to ---------------------------------------------------------

@pytest.mark.parametrize("who, step, expected", [
    (DISPATCHER, "requested", ["scheduled", "on_hold", "cancelled"]),
    (ADMIN, "requested", ["scheduled", "on_hold", "cancelled"]),
    # a technician may only put a request on hold: scheduling and cancelling are office work
    (TECHNICIAN, "requested", ["on_hold"]),
    (TECHNICIAN, "en_route", ["in_progress", "on_hold"]),
    # the customer may only cancel (the manage link)
    (CUSTOMER, "scheduled", ["cancelled"]),
    (CUSTOMER, "en_route", ["cancelled"]),
    # the system invoices, records payment, closes
    (SYSTEM, "completed", ["invoiced"]),
    (SYSTEM, "paid", ["closed"]),
    (DISPATCHER, "completed", []),  # only an admin (or the system) invoices
    (ADMIN, "closed", []),  # an end step leads nowhere
])
def test_next_steps_are_the_map_s_next_steps_the_role_may_enter(who, step, expected):
    assert keys(moves.next_steps(order(step), who)) == expected


def test_next_steps_carry_the_labels_of_the_steps():
    assert moves.next_steps(order("requested"), DISPATCHER) == [
        {"key": "scheduled", "label": "Scheduled"}, {"key": "on_hold", "label": "On hold"},
        {"key": "cancelled", "label": "Cancelled"}]


def test_an_order_keeps_the_map_version_it_started_on():
    # Given version 2 dropped "on the way"
    assert keys(moves.next_steps(order("scheduled", version=2), ADMIN)) == ["in_progress", "requested", "on_hold", "cancelled"]
    # Then an order on version 1 still goes by version 1
    assert keys(moves.next_steps(order("scheduled", version=1), ADMIN)) == ["en_route", "requested", "on_hold", "cancelled"]


def test_an_order_in_a_step_a_newer_version_removed_still_moves():
    o = booked("en_route", version=1)
    destination = moves.apply_move(TECHNICIAN, o, "in_progress", None, NOW)
    assert destination.key == "in_progress" and o.step == "in_progress"


# --- allowed moves ---------------------------------------------------------------------------------

def test_an_allowed_move_appends_to_the_history_and_puts_the_order_in_the_step():
    # Given a request with a technician and an appointment
    o = booked("requested")
    # When the dispatcher schedules it
    destination = moves.apply_move(DISPATCHER, o, "scheduled", "booked by phone", NOW)
    # Then it is in "scheduled" since now, and the history says who moved it, when, why
    assert destination == V1.step("scheduled")
    assert (o.step, o.step_entered_at, o.updated_at) == ("scheduled", NOW, NOW)
    assert len(o.history) == 2 and o.history_count == 2  # the count is written with the order
    last = o.history[-1]
    assert (last.from_step, last.to_step, last.by, last.at, last.note) == (
        "requested", "scheduled", "dispatcher-1", NOW, "booked by phone")
    assert o.history[0].to_step == "requested"  # the earlier entries stay as they were


def test_the_move_keeps_the_review_index_fields_for_an_open_step_with_an_sla():
    o = booked("requested")
    moves.apply_move(DISPATCHER, o, "scheduled", None, NOW)
    # scheduled has an SLA of 20160 minutes (336 business hours): from Monday 30 November 09:00,
    # 53 hours that week, 54 in each of the next five, and 13 more by Tuesday 12 January 11:00
    assert o.open_step == "scheduled"
    assert o.sla_due_at == datetime(2027, 1, 12, 11, 0, tzinfo=UTC)
    assert o.closed_month is None


def test_moving_into_an_end_step_clears_the_open_fields_and_records_the_utc_month():
    # Given a paid order, and a move late on 30 November in New York: already December in UTC
    o = order("paid", open_step="paid", sla_due_at=NOW)
    evening_in_new_york = datetime(2026, 11, 30, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    # When the admin closes it
    moves.apply_move(ADMIN, o, "closed", None, evening_in_new_york)
    # Then it is off the open index and on the closed one, by its UTC month
    assert (o.open_step, o.sla_due_at, o.closed_month) == (None, None, "2026-12")
    assert moves.is_closed(o)


def test_an_interruption_needs_no_exit_conditions():
    # Given a request with neither technician nor appointment (scheduling it needs both)
    o = order("requested")
    # Then it may still go on hold, or be cancelled
    assert moves.apply_move(DISPATCHER, o, "on_hold", None, NOW).key == "on_hold"
    o = order("requested")
    assert moves.apply_move(DISPATCHER, o, "cancelled", None, NOW).is_end


def test_the_customer_may_cancel_their_scheduled_order():
    o = booked("scheduled")
    moves.apply_move(CUSTOMER, o, "cancelled", "cancelled online", NOW)
    assert o.step == "cancelled" and o.history[-1].by == "customer" and o.closed_month == "2026-11"


def test_work_with_a_line_item_and_the_signature_can_be_completed():
    o = booked("in_progress", line_items=[line_item()], signature=signature())
    assert moves.apply_move(TECHNICIAN, o, "completed", None, NOW).automations == ("create_invoice",)


# --- refused moves -----------------------------------------------------------------------------------

def test_a_move_the_map_does_not_allow_is_refused_naming_the_allowed_steps():
    o = booked("requested")
    with pytest.raises(MoveNotAllowed) as caught:
        moves.apply_move(ADMIN, o, "completed", None, NOW)
    assert caught.value.details == {"step": "requested", "allowed_next": ["scheduled", "on_hold", "cancelled"]}
    assert "'requested'" in caught.value.message and "'completed'" in caught.value.message
    assert caught.value.status == 422


def test_a_move_to_a_step_that_does_not_exist_is_refused():
    with pytest.raises(MoveNotAllowed):
        moves.apply_move(ADMIN, booked("requested"), "teleported", None, NOW)


def test_a_move_to_the_same_step_is_refused():
    with pytest.raises(MoveNotAllowed):
        moves.apply_move(ADMIN, booked("scheduled"), "scheduled", None, NOW)


@pytest.mark.parametrize("who, step, target", [
    (TECHNICIAN, "requested", "scheduled"),
    (TECHNICIAN, "scheduled", "cancelled"),
    (DISPATCHER, "completed", "invoiced"),
    (DISPATCHER, "invoiced", "paid"),
    (TECHNICIAN, "paid", "closed"),
    (CUSTOMER, "requested", "on_hold"),
])
def test_a_role_the_destination_does_not_allow_is_forbidden(who, step, target):
    o = booked(step, line_items=[line_item()])
    with pytest.raises(Forbidden) as caught:
        moves.apply_move(who, o, target, None, NOW)
    assert caught.value.details == {"allowed_roles": list(V1.step(target).allowed_roles)}
    assert who.role in caught.value.message


def test_leaving_a_step_with_unmet_conditions_lists_each_missing_thing_in_the_step_s_order():
    # Given a request with neither technician nor appointment
    o = order("requested")
    # When the dispatcher tries to schedule it
    with pytest.raises(ConditionsUnmet) as caught:
        moves.apply_move(DISPATCHER, o, "scheduled", None, NOW)
    # Then both conditions are listed, each with what must be done
    assert caught.value.code == "exit_conditions_unmet"
    assert caught.value.details == {"step": "requested", "unmet_conditions": [
        {"condition": "has_technician", "message": process_map.CONDITIONS["has_technician"][1]},
        {"condition": "has_appointment", "message": process_map.CONDITIONS["has_appointment"][1]},
    ]}
    assert "technician" in caught.value.message and "appointment" in caught.value.message


def test_only_the_conditions_still_unmet_are_listed():
    o = order("requested", technician_id="tech-1")
    with pytest.raises(ConditionsUnmet) as caught:
        moves.apply_move(DISPATCHER, o, "scheduled", None, NOW)
    assert [u["condition"] for u in caught.value.details["unmet_conditions"]] == ["has_appointment"]


def test_an_appointment_needs_both_its_start_and_its_end():
    o = order("requested", technician_id="tech-1", appointment_start=NOW)
    with pytest.raises(ConditionsUnmet) as caught:
        moves.apply_move(DISPATCHER, o, "scheduled", None, NOW)
    assert [u["condition"] for u in caught.value.details["unmet_conditions"]] == ["has_appointment"]


@pytest.mark.parametrize("fields, missing", [
    ({}, ["has_line_items", "has_signature"]),
    ({"line_items": [line_item()]}, ["has_signature"]),
    ({"signature": signature()}, ["has_line_items"]),
])
def test_work_cannot_be_completed_without_a_line_item_and_the_signature(fields, missing):
    o = booked("in_progress", **fields)
    with pytest.raises(ConditionsUnmet) as caught:
        moves.apply_move(TECHNICIAN, o, "completed", None, NOW)
    assert [u["condition"] for u in caught.value.details["unmet_conditions"]] == missing


def test_the_role_is_checked_before_the_exit_conditions():
    # a technician who may not schedule learns that, not what the order lacks
    with pytest.raises(Forbidden):
        moves.apply_move(TECHNICIAN, order("requested"), "scheduled", None, NOW)


def test_a_refused_move_leaves_the_order_as_it_was():
    o = order("requested", open_step="requested", sla_due_at=CREATED + timedelta(hours=4))
    before = (o.step, o.step_entered_at, o.updated_at, len(o.history), o.open_step, o.sla_due_at)
    for who, target in ((DISPATCHER, "scheduled"), (TECHNICIAN, "cancelled"), (ADMIN, "paid")):
        with pytest.raises((ConditionsUnmet, Forbidden, MoveNotAllowed)):
            moves.apply_move(who, o, target, None, NOW)
    assert (o.step, o.step_entered_at, o.updated_at, len(o.history), o.open_step, o.sla_due_at) == before


def test_a_customer_email_condition_reads_the_customer():
    check, _ = process_map.CONDITIONS["has_customer_email"]
    assert check(order())
    assert not check(order(customer=Customer(name="No Mail", email=None)))
    assert not check(order(customer=Customer(name="Empty", email="")))


# --- track_step and releases_time --------------------------------------------------------------------

def test_an_open_step_without_an_sla_is_open_with_no_due_time():
    o = order("requested", sla_due_at=NOW, closed_month="2026-10")
    moves.track_step(o, process_map.Step("waiting", "Waiting", None, None, ("done",)), NOW)
    assert (o.step, o.step_entered_at, o.open_step, o.sla_due_at, o.closed_month) == ("waiting", NOW, "waiting", None, None)


def test_reopening_a_closed_order_clears_its_closed_month():
    o = order("closed", closed_month="2026-11")
    moves.track_step(o, V1.step("requested"), NOW)
    assert (o.open_step, o.closed_month, o.sla_due_at) == ("requested", None, NOW + timedelta(minutes=240))


@pytest.mark.parametrize("target, releases", [
    ("cancelled", True),  # an end step that is an interruption: the order is cancelled
    ("requested", True),  # back to the start to be booked again
    ("on_hold", False),  # an interruption that is not an end keeps the time
    ("closed", False),  # an end step that is not an interruption
    ("en_route", False),
])
def test_cancelling_or_sending_back_to_the_start_frees_the_booked_time(target, releases):
    assert moves.releases_time(booked("scheduled"), V1.step(target)) is releases


@pytest.mark.parametrize("fields", [{}, {"technician_id": "tech-1"}, {"appointment_start": NOW}])
def test_an_order_without_a_booking_has_no_time_to_free(fields):
    assert moves.releases_time(order("scheduled", **fields), V1.step("cancelled")) is False


def test_the_start_step_is_the_order_s_version_s_start():
    assert moves.start_step(order(version=2)) == "requested"
    assert not moves.is_closed(order("requested")) and moves.is_closed(order("cancelled"))


# --- the SLA's clock ---------------------------------------------------------------------------------

def _step(**changes) -> process_map.Step:
    return process_map.Step("waiting", "Waiting", None, 240, ("done",), **changes)


def test_an_sla_on_the_business_clock_runs_overnight_only_in_opening_hours():
    # A request at 17:30 with a 4-hour SLA: half an hour today, three and a half tomorrow from 08:00
    evening = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    o = order("requested")
    moves.track_step(o, _step(), evening)
    assert o.sla_due_at == datetime(2026, 12, 2, 11, 30, tzinfo=UTC)


def test_an_sla_on_the_calendar_clock_counts_every_minute_and_reads_no_calendar(monkeypatch):
    monkeypatch.setattr(moves.business, "calendar", lambda data=None: pytest.fail("the calendar clock needs no calendar"))
    evening = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    o = order("requested")
    moves.track_step(o, _step(sla_clock="calendar"), evening)
    assert o.sla_due_at == datetime(2026, 12, 1, 21, 30, tzinfo=UTC)


def test_a_step_that_waits_on_the_customer_has_no_sla_running():
    o = order("requested")
    moves.track_step(o, _step(waits_on_customer=True), NOW)
    assert (o.open_step, o.sla_due_at) == ("waiting", None)  # open, but off the past-SLA index


def test_an_order_put_on_hold_for_the_customer_has_no_sla_running_and_the_entry_says_why():
    o = booked("scheduled")
    moves.apply_move(DISPATCHER, o, "on_hold", "customer away until Friday", NOW, waiting_on="customer")
    assert (o.step, o.open_step, o.sla_due_at) == ("on_hold", "on_hold", None)
    assert o.history[-1].waiting_on == "customer"
    # Back from hold, the step's SLA starts again
    moves.apply_move(DISPATCHER, o, "scheduled", None, NOW + timedelta(days=3))
    assert o.sla_due_at is not None and o.history[-1].waiting_on is None


def test_on_hold_without_waiting_on_keeps_the_hold_steps_sla():
    o = booked("scheduled")
    moves.apply_move(DISPATCHER, o, "on_hold", None, NOW)
    assert o.sla_due_at == DEMO_CALENDAR.add(NOW, 4320)


def test_waiting_on_the_customer_is_only_for_a_move_on_hold():
    o = booked("requested")
    with pytest.raises(ValidationFailed) as refused:
        moves.apply_move(DISPATCHER, o, "scheduled", None, NOW, waiting_on="customer")
    assert refused.value.details[0]["field"] == "waiting_on"
    assert o.step == "requested" and len(o.history) == 1
