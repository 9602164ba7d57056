"""Two people changing the same thing at the same moment: one wins, the other is told (409), and
nothing is silently overwritten.

The races are forced, not hoped for: each writer reads, then waits at a barrier until the other
has read too, so both write on top of the same version."""
import copy

import pytest

from chalicelib.core import settings
from chalicelib.orders import service
from chalicelib.workflow import process_map, versions
from chalicelib.staff.auth import Principal
from chalicelib.core.errors import Conflict
from infra.demo_data import PROCESS_MAP
from tests.support.races import after_first_read, all_read_first as both_read_first, race

DISPATCHER = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
TECH1 = Principal("tech-1", "technician", ("technician",))


@pytest.fixture(autouse=True, scope="module")
def atomic_dynamodb_requests():
    """DynamoDB applies a conditional write atomically; moto checks the condition and stores the
    item in separate Python steps, so a thread switch between them could let two writers both
    pass. infra/moto_atomic serializes moto's request handling (conftest installs it for every
    test; these tests depend on it, so they say so)."""
    from infra import moto_atomic

    moto_atomic.install()


def scheduled_order(as_, new_order) -> dict:
    order = new_order()
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": "scheduled", "expected_version": 1})
    assert r.status == 200, r
    return r.json


# --- moves -------------------------------------------------------------------------------------

def test_of_two_concurrent_moves_exactly_one_wins(as_, new_order, clock):
    order = scheduled_order(as_, new_order)
    oid, seen = order["order_id"], order["version"]
    with both_read_first(settings.ORDERS_TABLE):
        results = race(
            lambda: service.transition(TECH1, oid, {"to": "en_route", "expected_version": seen}, clock.now),
            lambda: service.transition(DISPATCHER, oid, {"to": "on_hold", "expected_version": seen}, clock.now),
        )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict) and losers[0].status == 409

    stored = as_("dispatcher").get(f"/orders/{oid}").json
    assert stored["version"] == seen + 1
    assert stored["step"] == winners[0].body["step"]
    assert len(stored["history"]) == len(order["history"]) + 1, "exactly one move recorded"
    assert stored["history"][-1]["to"] == winners[0].body["step"]


def test_the_losing_writer_gets_409_through_the_api(as_, new_order):
    """Writer A reads the order; before A writes, writer B moves it. A's write must fail."""
    order = scheduled_order(as_, new_order)
    oid, seen = order["order_id"], order["version"]
    meanwhile = []

    def writer_b():
        meanwhile.append(as_("tech1").post(f"/orders/{oid}/transitions", {"to": "en_route", "expected_version": seen}))

    with after_first_read(settings.ORDERS_TABLE, writer_b):
        r = as_("dispatcher").post(f"/orders/{oid}/transitions", {"to": "on_hold", "expected_version": seen})
    assert meanwhile[0].status == 200, meanwhile
    assert r.status == 409, r
    assert r.json["error"]["code"] == "conflict"

    stored = as_("dispatcher").get(f"/orders/{oid}").json
    assert (stored["step"], stored["version"]) == ("en_route", seen + 1)
    assert [m["to"] for m in stored["history"]][-2:] == ["scheduled", "en_route"]


# --- notes --------------------------------------------------------------------------------------

def test_two_concurrent_notes_both_land(as_, new_order, clock):
    order = new_order()
    oid = order["order_id"]
    with both_read_first(settings.ORDERS_TABLE):
        results = race(
            lambda: service.add_note(DISPATCHER, oid, {"text": "Customer called: gate code 4411"}, clock.now),
            lambda: service.add_note(TECH1, oid, {"text": "Bring the long ladder"}, clock.now),
        )
    assert not [r for r in results if isinstance(r, Exception)], results
    stored = as_("dispatcher").get(f"/orders/{oid}").json
    assert sorted(n["text"] for n in stored["notes"]) == ["Bring the long ladder", "Customer called: gate code 4411"]
    assert stored["version"] == order["version"] + 2


def test_a_note_with_a_stale_expected_version_is_refused(as_, new_order, clock):
    order = new_order()
    oid, seen = order["order_id"], order["version"]
    with both_read_first(settings.ORDERS_TABLE):
        results = race(
            lambda: service.add_note(DISPATCHER, oid, {"text": "first", "expected_version": seen}, clock.now),
            lambda: service.add_note(TECH1, oid, {"text": "second", "expected_version": seen}, clock.now),
        )
    assert sorted(type(r).__name__ for r in results) == ["Answer", "Conflict"], results
    stored = as_("dispatcher").get(f"/orders/{oid}").json
    assert len(stored["notes"]) == 1 and stored["version"] == seen + 1


# --- publishing the process map ------------------------------------------------------------------

def _variant(name: str) -> dict:
    document = copy.deepcopy(PROCESS_MAP)
    document["name"] = name
    document["note"] = f"Publishing {name}"  # PUT /workflow requires a note saying why
    return document


def test_two_concurrent_publishes_take_one_version_each_or_are_refused(as_, clock):
    from chalicelib.data.models import WorkflowModel

    before = as_("admin").get("/workflow").json["version"]
    with both_read_first(settings.WORKFLOW_TABLE):
        results = race(
            lambda: versions.publish(_variant("Map A"), "admin-1", clock.now),
            lambda: versions.publish(_variant("Map B"), "admin-1", clock.now),
        )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict)

    stored = {
        int(v.version): v.definition["name"]
        for v in WorkflowModel.query(process_map.WORKFLOW_ID, range_key_condition=WorkflowModel.version > 0)
    }
    assert sorted(stored) == list(range(1, before + 2)), "one new version, no gap, no duplicate"
    assert stored[before + 1] == winners[0].name, "the winner's map, not overwritten by the loser"
    latest = as_("dispatcher").get("/workflow").json
    assert (latest["version"], latest["name"]) == (before + 1, winners[0].name)


def test_the_losing_publisher_gets_409_through_the_api(as_):
    before = as_("admin").get("/workflow").json["version"]
    meanwhile = []

    def publisher_b():
        meanwhile.append(as_("admin").put("/workflow", _variant("Map B")))

    admin = as_("admin")
    with after_first_read(settings.WORKFLOW_TABLE, publisher_b):
        r = admin.put("/workflow", _variant("Map A"))
    assert meanwhile[0].status == 201, meanwhile
    assert r.status == 409, r
    assert r.json["error"]["code"] == "conflict"
    latest = as_("dispatcher").get("/workflow").json
    assert (latest["version"], latest["name"]) == (before + 1, "Map B")
