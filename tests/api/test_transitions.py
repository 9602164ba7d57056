"""Moving orders through the demo process map: every allowed and every refused move, exit
conditions, who may move an order where, the history and the version."""
from collections import deque
from datetime import timedelta

import pytest

from infra.demo_data import PROCESS_MAP
from tests.support.helpers import TINY_PNG

pytestmark = pytest.mark.shared_world

STEPS = {s["key"]: s for s in PROCESS_MAP["steps"]}
START = PROCESS_MAP["start_step"]
USER_IDS = {"admin": "admin-1", "dispatcher": "dispatcher-1", "tech1": "tech-1"}
ROLE_OF = {"admin": "admin", "dispatcher": "dispatcher", "tech1": "technician"}


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def mover_for(step: str) -> str:
    """The least privileged demo user (of the order's technician, the dispatcher, the admin) whom
    the map allows to move an order into `step`."""
    return next(who for who in ("tech1", "dispatcher", "admin") if ROLE_OF[who] in STEPS[step]["allowed_roles"])


def path_to(target: str) -> list[str]:
    """The shortest chain of steps from the start step to `target` along the map's `next`."""
    paths = {START: [START]}
    todo = deque([START])
    while todo:
        key = todo.popleft()
        for n in STEPS[key]["next"]:
            if n not in paths:
                paths[n] = paths[key] + [n]
                todo.append(n)
    return paths[target]


class Orders:
    """Drives orders through the API with real moves."""

    def __init__(self, as_, new_order):
        self.as_, self.new_order = as_, new_order

    def move(self, order, to, who=None, note=None, expected=None):
        body = {"to": to, "expected_version": order["version"] if expected is None else expected}
        if note is not None:
            body["note"] = note
        return self.as_(who or mover_for(to)).post(f"/orders/{order['order_id']}/transitions", body)

    def add_item(self, order, who="dispatcher"):
        r = self.as_(who).post(f"/orders/{order['order_id']}/line-items", {"price_item_id": "labour-hour", "quantity": 2})
        assert r.status == 201, r
        return r.json

    def sign(self, order, who="dispatcher"):
        r = self.as_(who).post(f"/orders/{order['order_id']}/signature",
                               {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"})
        assert r.status == 201, r
        return r.json

    def ready_to_leave(self, order):
        """Meet the current step's exit conditions that a real visit meets on the way."""
        conditions = STEPS[order["step"]]["exit_conditions"]
        if "has_line_items" in conditions and not order["line_items"]:
            order = self.add_item(order)
        if "has_signature" in conditions and not order.get("signature"):
            order = self.sign(order)
        return order

    def at(self, step, **overrides):
        """A new order (tech1's, with an appointment) moved step by step into `step`."""
        order = self.new_order(**overrides)
        for nxt in path_to(step)[1:]:
            order = self.ready_to_leave(order)
            r = self.move(order, nxt)
            assert r.status == 200, (nxt, r)
            order = r.json
        assert order["step"] == step
        return order

    def get(self, order, who="dispatcher"):
        return self.as_(who).get(f"/orders/{order['order_id']}").json


def stored(order: dict) -> dict:
    """What the order holds, without what depends on who reads it and when: the moves on offer
    to the reader and the expiry of its file links."""
    kept = {k: v for k, v in order.items() if k != "next_steps"}
    if kept.get("signature"):
        kept["signature"] = {**kept["signature"], "url": kept["signature"]["url"].split("?")[0]}
    kept["photos"] = [{**p, "url": p["url"].split("?")[0]} for p in kept.get("photos", [])]
    return kept


@pytest.fixture
def orders(as_, new_order):
    return Orders(as_, new_order)


# --- the whole map: every (from, to) pair --------------------------------------------------------

PAIRS = [(a, b) for a in STEPS for b in STEPS]
ALLOWED = [(a, b) for a, b in PAIRS if b in STEPS[a]["next"]]
REFUSED = [(a, b) for a, b in PAIRS if b not in STEPS[a]["next"]]


def test_the_matrix_covers_the_whole_map():
    assert len(PAIRS) == len(STEPS) ** 2
    assert set(ALLOWED) | set(REFUSED) == set(PAIRS) and not set(ALLOWED) & set(REFUSED)
    assert all(path_to(step) for step in STEPS), "every step is reachable by real moves"


@pytest.mark.parametrize("source,target", ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_an_allowed_move_succeeds(orders, clock, source, target):
    order = orders.ready_to_leave(orders.at(source))
    clock.advance(minutes=5)
    who = mover_for(target)
    r = orders.move(order, target, who=who, note=f"{source} to {target}")
    assert r.status == 200, r
    moved = r.json
    assert moved["step"] == target
    assert moved["version"] == order["version"] + 1
    assert moved["step_entered_at"] == iso(clock.now)
    assert moved["history"][:-1] == order["history"]
    assert moved["history"][-1] == {
        "from": source, "to": target, "by": USER_IDS[who],
        "at": iso(clock.now), "note": f"{source} to {target}", "recorded_at": iso(clock.now),
    }


@pytest.mark.parametrize("source,target", REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_a_move_the_map_does_not_allow_is_refused(orders, source, target):
    order = orders.ready_to_leave(orders.at(source))
    r = orders.move(order, target, who="admin")
    assert r.status == 422, r
    error = r.json["error"]
    assert error["code"] == "move_not_allowed"
    assert error["details"]["allowed_next"] == STEPS[source]["next"]
    assert stored(orders.get(order)) == stored(order)


def test_a_move_to_a_step_that_does_not_exist_is_refused(orders):
    order = orders.at(START)
    r = orders.move(order, "teleported", who="admin")
    assert r.status == 422 and r.json["error"]["code"] == "move_not_allowed", r


# --- exit conditions ------------------------------------------------------------------------

def unmet(response) -> list[str]:
    assert response.status == 422, response
    assert response.json["error"]["code"] == "exit_conditions_unmet"
    return [c["condition"] for c in response.json["error"]["details"]["unmet_conditions"]]


def test_work_cannot_be_completed_without_a_line_item_and_the_signature(orders):
    order = orders.at("in_progress")
    assert not order["line_items"] and order["signature"] is None
    r = orders.move(order, "completed", who="tech1")
    assert unmet(r) == ["has_line_items", "has_signature"]
    assert r.json["error"]["details"]["step"] == "in_progress"
    assert orders.get(order)["step"] == "in_progress"
    signed = orders.sign(order, who="tech1")
    assert unmet(orders.move(signed, "completed", who="tech1")) == ["has_line_items"]


def test_an_order_cannot_be_scheduled_without_technician_and_appointment(orders):
    order = orders.new_order(technician_id=None, appointment=None)
    r = orders.move(order, "scheduled")
    assert sorted(unmet(r)) == ["has_appointment", "has_technician"]


def test_an_order_cannot_be_scheduled_with_a_technician_but_no_appointment(orders):
    order = orders.new_order(appointment=None)
    assert unmet(orders.move(order, "scheduled")) == ["has_appointment"]


@pytest.mark.parametrize("interruption", [k for k, s in STEPS.items() if s.get("interruption")])
def test_moving_to_an_interruption_skips_exit_conditions(orders, interruption):
    bare = orders.new_order(technician_id=None, appointment=None)
    r = orders.move(bare, interruption, who="dispatcher")
    assert r.status == 200, r
    assert r.json["step"] == interruption

    working = orders.at("in_progress")
    r = orders.move(working, interruption, who="dispatcher")
    assert r.status == 200, r
    assert not r.json["line_items"]


# --- who may move an order where -------------------------------------------------------------

def test_a_technician_moves_their_own_order_through_the_visit(orders):
    order = orders.at("scheduled")
    for step in ("en_route", "in_progress"):
        r = orders.move(order, step, who="tech1")
        assert r.status == 200, r
        order = r.json
    order = orders.add_item(order, who="tech1")
    order = orders.sign(order, who="tech1")
    r = orders.move(order, "completed", who="tech1")
    assert r.status == 200, r
    assert [m["by"] for m in r.json["history"][-3:]] == ["tech-1"] * 3


def test_a_technician_may_put_their_order_on_hold(orders):
    order = orders.at("en_route")
    r = orders.move(order, "on_hold", who="tech1")
    assert r.status == 200, r


@pytest.mark.parametrize("source,target", [
    ("en_route", "scheduled"), ("on_hold", "scheduled"), ("on_hold", "requested"),
    ("scheduled", "cancelled"), ("in_progress", "cancelled"),
])
def test_a_technician_may_not_schedule_or_cancel(orders, source, target):
    order = orders.at(source)
    r = orders.move(order, target, who="tech1")
    assert r.status == 403, r
    assert r.json["error"]["code"] == "forbidden"
    assert "technician" not in r.json["error"]["details"]["allowed_roles"]
    assert stored(orders.get(order)) == stored(order)


@pytest.mark.parametrize("source,target", [("completed", "invoiced"), ("invoiced", "paid")])
@pytest.mark.parametrize("who", ["dispatcher", "tech1"])
def test_only_an_admin_invoices_and_records_payment(orders, source, target, who):
    order = orders.at(source)
    r = orders.move(order, target, who=who)
    assert r.status == 403, r
    assert r.json["error"]["details"]["allowed_roles"] == STEPS[target]["allowed_roles"]
    assert orders.move(order, target, who="admin").status == 200


def test_a_technician_may_not_close_an_order(orders):
    order = orders.at("paid")
    assert orders.move(order, "closed", who="tech1").status == 403


# --- history and versions -----------------------------------------------------------------------

def test_every_move_is_appended_to_the_history(orders, clock):
    order = orders.new_order()
    start = clock.now
    steps = ["scheduled", "en_route", "on_hold", "en_route", "in_progress"]
    for i, step in enumerate(steps, start=1):
        clock.advance(minutes=10)
        order = orders.move(order, step, note=f"move {i}").json
    history = order["history"]
    assert history[0]["from"] is None and history[0]["to"] == START
    assert [(m["from"], m["to"]) for m in history[1:]] == list(zip([START] + steps[:-1], steps))
    assert [m["note"] for m in history[1:]] == [f"move {i}" for i in range(1, 6)]
    assert [m["at"] for m in history] == [iso(start + timedelta(minutes=10 * i)) for i in range(6)]
    assert set(history[0]) == {"from", "to", "by", "at", "note", "recorded_at"}


def test_the_version_grows_by_one_with_every_write(orders):
    order = orders.new_order()
    assert order["version"] == 1
    order = orders.move(order, "scheduled").json
    assert order["version"] == 2
    r = orders.as_("dispatcher").post(f"/orders/{order['order_id']}/notes", {"text": "Gate code 4411"})
    assert r.json["version"] == 3
    order = orders.add_item(r.json)
    assert order["version"] == 4
    assert orders.move(order, "en_route").json["version"] == 5


def test_a_refused_move_writes_nothing(orders):
    order = orders.at("scheduled")
    orders.move(order, "paid", who="admin")
    orders.move(order, "cancelled", who="tech1")
    assert stored(orders.get(order)) == stored(order)


def test_second_writer_with_stale_version_gets_409(orders):
    order = orders.at("scheduled")
    first = orders.move(order, "en_route", who="tech1")
    assert first.status == 200
    second = orders.move(order, "cancelled", who="dispatcher")
    assert second.status == 409, second
    assert second.json["error"]["code"] == "conflict"
    assert second.json["error"]["details"]["current_version"] == order["version"] + 1
    assert second.json["error"]["details"]["current_step"] == "en_route"  # what the office sees it as now
    assert orders.get(order)["step"] == "en_route"


def test_a_move_must_say_which_version_it_saw(orders):
    order = orders.new_order()
    r = orders.as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": "scheduled"})
    assert r.status == 422, r
    assert [d["field"] for d in r.json["error"]["details"]] == ["expected_version"]


def test_moving_an_unknown_order_is_404(orders):
    r = orders.as_("dispatcher").post("/orders/WO-NOSUCHORDER/transitions", {"to": "scheduled", "expected_version": 1})
    assert r.status == 404 and r.json["error"]["code"] == "not_found", r
