"""Stateful properties (Hypothesis `RuleBasedStateMachine`), through the HTTP API against
in-process moto:

- a work order moved at random through the demo process map, with line items, notes, the
  signature, reassignments and stale writes: every answer is the one a small model of the map
  predicts, the history stays consistent with the step and runs along the map's edges, the
  version only grows, and the money adds up;
- online bookings, reschedules and cancellations at random times and postcodes on two days:
  every answer is the one a simple model of the technicians' free time predicts (including which
  technician gets the job), no technician's calendar ever holds overlapping occupied time, every
  scheduled order is on exactly one calendar, and cancelled orders are on none.

Both are bounded (`max_examples`, `stateful_step_count`) to stay well under a minute each.
"""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, initialize, invariant, multiple, rule,
                                 run_state_machine_as_test)

from infra.demo_data import PRICE_LIST, PROCESS_MAP
from tests.support.world import next_free_slot
from tests.support.helpers import TINY_PNG

STEPS = {s["key"]: s for s in PROCESS_MAP["steps"]}
START = PROCESS_MAP["start_step"]
ROLE = {"admin": "admin", "dispatcher": "dispatcher", "tech1": "technician"}
PRICES = {item_id: cents for item_id, _, cents, _ in PRICE_LIST}
# What a person types into a note: any text but control characters (line breaks are fine).
NOTE = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\r"), max_size=40)
CONDITIONS = {
    "has_line_items": lambda m: bool(m.lines),
    "has_technician": lambda m: m.booked,
    "has_appointment": lambda m: m.booked,
    "has_signature": lambda m: m.signed,
    "has_customer_email": lambda m: True,
}


def bounded(examples: int, steps: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# --- one work order through the process map ------------------------------------------------------

class WorkOrderMachine(RuleBasedStateMachine):
    """The model: the step, whether a technician and time are booked, the signature, the line
    items (quantity, unit price) and the last version seen."""

    as_ = None  # set by the test: the signed-in API

    @initialize()
    def create(self):
        r = self.as_("dispatcher").post("/orders", {
            "customer": {"name": "Ada Lovelace", "email": "ada@example.net"},
            "address": {"street": "1 Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"},
            "service_name": "Window installation", "technician_id": "tech-1", "appointment": next_free_slot(),
        })
        assert r.status == 201, r
        self.order_id = r.json["order_id"]
        self.step, self.booked, self.signed, self.lines = START, True, False, []
        self.version = r.json["version"]

    @property
    def closed(self) -> bool:
        return not STEPS[self.step]["next"]

    def hidden_from(self, who: str) -> bool:
        """Sent back to be booked again, the order has no technician: tech1 no longer sees it."""
        return who == "tech1" and not self.booked

    def wrote(self, r, status: int):
        assert r.status == status, r
        assert r.json["version"] > self.version, "a write makes the version grow"
        self.version = r.json["version"]
        return r.json

    def refused(self, r, status: int, code: str | None = None):
        """The invariant then checks that nothing was written: the version is the same."""
        assert r.status == status, r
        if code:
            assert r.json["error"]["code"] == code, r

    @rule(to=st.sampled_from(sorted(STEPS)), who=st.sampled_from(sorted(ROLE)), note=st.none() | NOTE)
    def move(self, to, who, note):
        body = {"to": to, "expected_version": self.version, **({"note": note} if note is not None else {})}
        r = self.as_(who).post(f"/orders/{self.order_id}/transitions", body)
        destination = STEPS[to]
        if self.hidden_from(who):
            return self.refused(r, 404, "not_found")
        if to not in STEPS[self.step]["next"]:
            return self.refused(r, 422, "move_not_allowed")
        if ROLE[who] not in destination["allowed_roles"]:
            return self.refused(r, 403, "forbidden")
        unmet = [c for c in STEPS[self.step]["exit_conditions"] if not CONDITIONS[c](self)]
        if unmet and not destination.get("interruption"):
            return self.refused(r, 422, "exit_conditions_unmet")
        order = self.wrote(r, 200)
        if to == START:  # back to be booked again: the time is released
            self.booked = False
        self.step = to
        assert order["step"] == to

    @rule(who=st.sampled_from(sorted(ROLE)))
    def stale_move(self, who):
        nxt = STEPS[self.step]["next"]
        if not nxt or self.version < 2:
            return
        r = self.as_(who).post(f"/orders/{self.order_id}/transitions", {"to": nxt[0], "expected_version": self.version - 1})
        self.refused(r, 404 if self.hidden_from(who) else 409)

    @rule(item=st.sampled_from(sorted(PRICES)), quantity=st.integers(1, 10_000), who=st.sampled_from(sorted(ROLE)))
    def add_price_list_item(self, item, quantity, who):
        r = self.as_(who).post(f"/orders/{self.order_id}/line-items", {"price_item_id": item, "quantity": quantity})
        if self.hidden_from(who):
            return self.refused(r, 404, "not_found")
        if self.closed:
            return self.refused(r, 422, "move_not_allowed")
        self.wrote(r, 201)
        self.lines.append((quantity, PRICES[item]))

    @rule(quantity=st.integers(1, 10_000), cents=st.integers(0, 100_000_000))
    def add_free_text_item(self, quantity, cents):
        r = self.as_("dispatcher").post(f"/orders/{self.order_id}/line-items",
                                        {"description": "Extra work", "quantity": quantity, "unit_price_cents": cents})
        if self.closed:
            return self.refused(r, 422, "move_not_allowed")
        self.wrote(r, 201)
        self.lines.append((quantity, cents))

    @rule(text=NOTE.filter(str.strip), who=st.sampled_from(sorted(ROLE)))
    def add_note(self, text, who):
        r = self.as_(who).post(f"/orders/{self.order_id}/notes", {"text": text})
        if self.hidden_from(who):
            return self.refused(r, 404, "not_found")
        self.wrote(r, 201)

    @rule(who=st.sampled_from(sorted(ROLE)))
    def sign(self, who):
        r = self.as_(who).post(f"/orders/{self.order_id}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada"})
        if self.hidden_from(who):
            return self.refused(r, 404, "not_found")
        if self.closed:
            return self.refused(r, 422, "move_not_allowed")
        self.wrote(r, 201)
        self.signed = True

    @rule()
    def reassign(self):
        """The office books tech-1 at a new time; the step stays."""
        slot = next_free_slot()
        r = self.as_("dispatcher").post(f"/orders/{self.order_id}/assign",
                                        {"technician_id": "tech-1", **slot, "expected_version": self.version})
        if self.closed:
            return self.refused(r, 422, "validation_failed")
        assert self.wrote(r, 200)["appointment"] == {k: v.replace("+00:00", "Z") for k, v in slot.items()}
        self.booked = True

    @invariant()
    def the_order_agrees_with_the_model_and_its_history(self):
        order = self.as_("admin").get(f"/orders/{self.order_id}").json
        assert order["step"] == self.step
        assert order["version"] == self.version, "the version only changes with a write"
        history = order["history"]
        assert history[0]["from"] is None and history[0]["to"] == START
        assert history[-1]["to"] == order["step"]
        for before, entry in zip(history, history[1:]):
            assert entry["from"] == before["to"], "each move starts where the previous one ended"
            moved = entry["from"] != entry["to"]  # a reassignment is recorded in place
            assert not moved or entry["to"] in STEPS[entry["from"]]["next"], f"{entry['from']} -> {entry['to']} is no edge"
        totals = [li["total_cents"] for li in order["line_items"]]
        assert [(li["quantity"], li["unit_price_cents"]) for li in order["line_items"]] == self.lines
        assert totals == [q * p for q, p in self.lines]
        assert order["total_cents"] == sum(q * p for q, p in self.lines)
        assert (order["technician"] is not None) == self.booked == (order["appointment"] is not None)


def test_a_work_order_moved_at_random_keeps_its_history_version_and_money_consistent(as_, clock):
    WorkOrderMachine.as_ = staticmethod(as_)
    run_state_machine_as_test(WorkOrderMachine, settings=bounded(examples=10, steps=20))


# --- booking, rescheduling and cancelling against a model of free time ---------------------------

DAYS = ("2026-12-02", "2026-12-03")  # a Wednesday and a Thursday, GMT, two days after the clock
STARTS = [f"{h:02d}:{m:02d}" for h in range(8, 18) for m in (0, 30)][:-1]  # 08:00 ... 17:00
NAMES = {"Sam": "tech-1", "Priya": "tech-2", "Luis": "tech-3"}
# From the demo business: who does surveys where, and until when they work on weekdays.
AREAS = {"tech-1": ("BS", "BA"), "tech-2": ("BS",), "tech-3": ("BS", "BA", "GL")}
WORKS_UNTIL = {"tech-1": "18:00", "tech-2": "17:00", "tech-3": "17:00"}
POSTCODES = ("BS1 1AA", "BA1 2QT", "GL1 2AB")
SURVEY, OCCUPIED = timedelta(minutes=60), timedelta(minutes=60 + 15 + 30)  # the job; + buffer + travel
UTC = timezone.utc


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+00:00")


class Booked:
    def __init__(self, order_id, token, postcode):
        self.order_id, self.token, self.postcode = order_id, token, postcode


class BookingMachine(RuleBasedStateMachine):
    """The model: each scheduled order's technician and start. A technician is free for a start
    when the survey ends inside their working hours and its occupied time (job, buffer, travel)
    overlaps no other job's; among the free and qualified, the one with the fewest booked minutes
    that day gets it, then the smallest id; a reschedule keeps the same technician when free."""

    as_ = None
    bookings = Bundle("bookings")

    @initialize()
    def empty_calendars(self):
        self.jobs: dict[str, tuple[str, datetime]] = {}  # order id -> (technician, start)
        self.cancelled: set[str] = set()
        self.tokens: dict[str, str] = {}

    def free(self, postcode: str, start: datetime, except_order: str | None = None) -> list[str]:
        day, end = start.date(), start + SURVEY
        result = []
        for tech in sorted(AREAS):
            if not postcode.replace(" ", "").startswith(AREAS[tech]) or end > at(day.isoformat(), WORKS_UNTIL[tech]):
                continue
            busy = [s for oid, (t, s) in self.jobs.items() if t == tech and oid != except_order and s.date() == day]
            if all(not (s < start + OCCUPIED and start < s + OCCUPIED) for s in busy):
                result.append(tech)
        return result

    def minutes(self, tech: str, day) -> int:
        return sum(60 for t, s in self.jobs.values() if t == tech and s.date() == day)

    def chosen(self, free: list[str], day) -> str:
        return min(free, key=lambda tech: (self.minutes(tech, day), tech))

    @rule(target=bookings, day=st.sampled_from(DAYS), hhmm=st.sampled_from(STARTS), postcode=st.sampled_from(POSTCODES))
    def book(self, day, hhmm, postcode):
        start = at(day, hhmm)
        r = self.as_().post("/public/bookings", {
            "service_id": "survey", "start": start.isoformat(),
            "customer": {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111"},
            "address": {"street": "1 High St", "city": "Bristol", "postcode": postcode},
            "form_token": self.form_token,
        })
        free = self.free(postcode, start)
        if not free:
            assert r.status == 409 and r.json["error"]["code"] == "slot_taken", (free, r)
            return multiple()
        assert r.status == 201, (free, r)
        tech = NAMES[r.json["technician"]["name"]]
        assert tech == self.chosen(free, start.date()), (free, tech)
        self.jobs[r.json["order_id"]] = (tech, start)
        token = r.json["manage_url"].split("token=")[1]
        return Booked(r.json["order_id"], token, postcode)

    @rule(booking=bookings, day=st.sampled_from(DAYS), hhmm=st.sampled_from(STARTS))
    def reschedule(self, booking, day, hhmm):
        start = at(day, hhmm)
        r = self.as_().post(f"/public/bookings/{booking.order_id}/reschedule?token={booking.token}", {"start": start.isoformat()})
        if booking.order_id in self.cancelled:
            assert r.status == 422, r
            return
        current = self.jobs[booking.order_id][0]
        free = self.free(booking.postcode, start, except_order=booking.order_id)
        if not free:
            assert r.status == 409 and r.json["error"]["code"] == "slot_taken", (free, r)
            return
        assert r.status == 200, (free, r)
        expected = current if current in free else self.chosen(free, start.date())
        assert NAMES[r.json["technician"]["name"]] == expected, (free, current, r.json)
        self.jobs[booking.order_id] = (expected, start)

    @rule(booking=consumes(bookings))
    def cancel(self, booking):
        r = self.as_().post(f"/public/bookings/{booking.order_id}/cancel?token={booking.token}")
        if booking.order_id in self.cancelled:
            assert r.status == 422, r
            return
        assert r.status == 200 and r.json["step"] == "cancelled", r
        del self.jobs[booking.order_id]
        self.cancelled.add(booking.order_id)

    def calendars(self) -> dict[tuple, list[dict]]:
        """(technician, day) -> the appointments on that calendar item (one BatchGetItem)."""
        from chalicelib.data.models import CalendarDayModel

        found = {(tech, day): [] for tech in AREAS for day in DAYS}
        for item in CalendarDayModel.batch_get(list(found), consistent_read=True):
            found[(item.technician_id, item.day)] = list(item.appointments)
        return found

    @invariant()
    def calendars_hold_exactly_the_scheduled_orders_without_overlaps(self):
        calendars = self.calendars()
        for (tech, day), entries in calendars.items():
            entries = sorted(entries, key=lambda a: a["start"])
            for a, b in zip(entries, entries[1:]):
                assert a["blocked_until"] <= b["start"], f"double booking of {tech} on {day}: {a} {b}"
        places: dict[str, list] = {}
        for (tech, _), entries in calendars.items():
            for entry in entries:
                places.setdefault(entry["order_id"], []).append((tech, datetime.fromisoformat(entry["start"])))
        for order_id, (tech, start) in self.jobs.items():
            assert places.get(order_id) == [(tech, start)], f"{order_id} must be on exactly {tech}'s calendar"
        assert not set(places) & self.cancelled, "a cancelled order holds time"
        assert set(places) == set(self.jobs)

    def teardown(self):
        """Free the time again, so the next example starts from empty calendars."""
        from chalicelib.booking import manage, online
        from chalicelib.orders import storage

        for order_id in list(getattr(self, "jobs", {})):
            manage.cancel(storage.load(order_id), online.CUSTOMER, datetime(2026, 11, 30, 8, tzinfo=UTC))


def test_bookings_reschedules_and_cancellations_never_double_book_and_follow_the_model(as_, clock, monkeypatch):
    # One customer books from one address, at once: the abuse limits are tests/api/test_limits.py's.
    for variable in ("BOOKINGS_PER_CONTACT", "BOOKINGS_PER_ADDRESS", "FORM_MIN_SECONDS"):
        monkeypatch.setenv(variable, "0")
    BookingMachine.as_ = staticmethod(as_)
    BookingMachine.form_token = as_().get("/public/services").json["form_token"]
    run_state_machine_as_test(BookingMachine, settings=bounded(examples=10, steps=20))


@pytest.fixture(autouse=True)
def _forget_the_api():
    yield
    WorkOrderMachine.as_ = BookingMachine.as_ = None
