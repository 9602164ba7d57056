"""The process map: validation of a new version, publishing, reading, and version pinning.

The module shares one world, so versions are stated relative to the one current when a test
starts; tests that depend on the map's content first publish the demo map."""
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from infra.demo_data import PROCESS_MAP
from tests.support.helpers import TINY_PNG
from tests.support import map_faults
from tests.support.map_faults import FAULTS, demo_map, index_of, step_of

pytestmark = pytest.mark.shared_world


def reasons(response) -> list[tuple[str, str]]:
    assert response.status == 422, response
    assert response.json["error"]["code"] == "validation_failed"
    return [(d["field"], d["message"]) for d in response.json["error"]["details"]]


def has_reason(found, field: str, words: str) -> bool:
    return any(f == field and words in m for f, m in found)


def publish(as_, document, who="admin"):
    """PUT /workflow with the note every publish needs (the note's own rules: test_workflow_versions)."""
    return as_(who).put("/workflow", {**document, "note": "Tested change"} if isinstance(document, dict) else document)


def current_version(as_) -> int:
    return as_("admin").get("/workflow").json["version"]


@pytest.fixture
def demo_current(as_) -> int:
    """The demo map is the current version (published afresh); returns its number."""
    r = publish(as_, demo_map())
    assert r.status == 201, r
    return r.json["version"]


# --- every kind of bad map is refused with its reason ----------------------------------------

@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__.strip("_"))
def test_a_bad_map_is_refused_with_its_reason(as_, fault):
    before = current_version(as_)
    document = demo_map()
    field, words = fault(document)
    found = reasons(publish(as_, document))
    assert has_reason(found, field, words), found
    assert current_version(as_) == before


@pytest.mark.parametrize("sla", [0, -30, "60", 1.5, True, [60]])
def test_sla_must_be_a_positive_whole_number_of_minutes(as_, sla):
    document = demo_map()
    step_of(document, "scheduled")["sla_minutes"] = sla
    found = reasons(publish(as_, document))
    assert has_reason(found, f"steps[{index_of(document, 'scheduled')}].sla_minutes", "positive whole number"), found


@pytest.mark.parametrize("body", ['["not", "a", "map"]', '"a map"', "42", "null"])
def test_a_map_that_is_not_a_json_object_is_refused(as_, body):
    r = as_("admin").put("/workflow", raw=body)
    assert r.status == 400, r
    assert r.json["error"]["code"] == "invalid_json"


def test_a_map_with_several_faults_lists_every_reason(as_):
    document = demo_map()
    expected = [fault(document) for fault in (
        map_faults.duplicate_key, map_faults.unknown_automation, map_faults.unknown_condition, map_faults.owner_does_not_exist,
        map_faults.unknown_next_step, map_faults.unknown_role, map_faults.unreachable_step,
    )]
    step_of(document, "scheduled")["sla_minutes"] = -1
    expected.append((f"steps[{index_of(document, 'scheduled')}].sla_minutes", "positive whole number"))
    found = reasons(publish(as_, document))
    missing = [e for e in expected if not has_reason(found, *e)]
    assert not missing, (missing, found)


# --- reading and publishing --------------------------------------------------------------------

@pytest.mark.parametrize("who", ["admin", "dispatcher", "tech1"])
def test_every_role_reads_the_current_version(as_, demo_current, who):
    r = as_(who).get("/workflow")
    assert r.status == 200, r
    assert r.json["version"] == demo_current
    assert r.json["start_step"] == "requested"
    assert [s["key"] for s in r.json["steps"]] == [s["key"] for s in PROCESS_MAP["steps"]]


def test_admin_publishes_the_next_version_and_everyone_reads_it(as_, clock):
    before = current_version(as_)
    document = demo_map()
    document["name"] = "Window installation, with survey"
    step_of(document, "requested")["next"] = ["scheduled", "en_route", "on_hold", "cancelled"]
    clock.advance(days=1)
    r = publish(as_, document)
    assert r.status == 201, r
    assert r.json["version"] == before + 1
    assert r.json["published_by"] == "admin-1"
    assert r.json["published_at"].startswith("2026-12-01T08:00:00")
    for who in ("admin", "dispatcher", "tech1"):
        current = as_(who).get("/workflow").json
        assert current["version"] == before + 1
        assert current["name"] == "Window installation, with survey"
        assert step_of(current, "requested")["next"] == ["scheduled", "en_route", "on_hold", "cancelled"]


def test_the_published_map_reads_back_as_sent(as_):
    document = demo_map()
    published = publish(as_, document).json
    for sent, stored in zip(document["steps"], published["steps"]):
        assert {k: stored[k] for k in sent} == sent
    assert as_("dispatcher").get("/workflow").json["steps"] == published["steps"]


@pytest.mark.parametrize("who", ["dispatcher", "tech1"])
def test_only_an_admin_publishes(as_, who):
    before = current_version(as_)
    r = publish(as_, demo_map(), who=who)
    assert r.status == 403, r
    assert r.json["error"]["code"] == "forbidden"
    assert current_version(as_) == before


def test_a_refused_map_uses_up_no_version_number(as_):
    before = current_version(as_)
    document = demo_map()
    map_faults.unknown_role(document)
    publish(as_, document)
    assert publish(as_, demo_map()).json["version"] == before + 1


# --- orders keep the version they started on ---------------------------------------------------

def move(as_, order, to, who="dispatcher"):
    return as_(who).post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})


def test_orders_keep_their_version_while_new_orders_get_the_new_one(as_, new_order, demo_current):
    old = new_order()
    shortcut = demo_map()
    step_of(shortcut, "requested")["next"] = ["scheduled", "en_route", "on_hold", "cancelled"]
    assert publish(as_, shortcut).status == 201
    new = new_order()
    assert (old["workflow_version"], new["workflow_version"]) == (demo_current, demo_current + 1)

    refused = move(as_, old, "en_route")
    assert refused.status == 422, refused
    assert refused.json["error"]["code"] == "move_not_allowed"
    assert refused.json["error"]["details"]["allowed_next"] == ["scheduled", "on_hold", "cancelled"]

    r = move(as_, new, "en_route")
    assert r.status == 200, r
    assert r.json["step"] == "en_route" and r.json["workflow_version"] == demo_current + 1

    r = move(as_, old, "scheduled")
    assert r.status == 200, r
    assert r.json["workflow_version"] == demo_current


def test_an_order_in_a_step_the_new_version_removed_still_moves_by_its_own_version(as_, new_order, demo_current):
    old = new_order()
    held = move(as_, old, "on_hold").json
    without_hold = demo_map()
    without_hold["steps"] = [s for s in without_hold["steps"] if s["key"] != "on_hold"]
    for s in without_hold["steps"]:
        s["next"] = [n for n in s["next"] if n != "on_hold"]
    assert publish(as_, without_hold).status == 201

    new = new_order()
    r = move(as_, new, "on_hold")
    assert r.status == 422 and r.json["error"]["code"] == "move_not_allowed", r
    assert "on_hold" not in r.json["error"]["details"]["allowed_next"]

    r = move(as_, held, "scheduled")
    assert r.status == 200, r
    assert r.json["step"] == "scheduled"


def test_a_step_added_in_the_new_version_governs_only_new_orders(as_, new_order, demo_current):
    with_check = demo_map()
    step_of(with_check, "completed")["next"] = ["quality_check"]
    with_check["steps"].append({
        "key": "quality_check", "label": "Quality check", "owner": "admin-1", "sla_minutes": 1440,
        "next": ["invoiced"], "exit_conditions": [], "automations": [], "allowed_roles": ["admin"],
    })
    old = new_order()
    assert publish(as_, with_check).status == 201
    new = new_order()

    def to_completed(order):
        for step in ("scheduled", "en_route", "in_progress"):
            order = move(as_, order, step).json
        as_("dispatcher").post(f"/orders/{order['order_id']}/line-items", {"price_item_id": "survey", "quantity": 1})
        signed = as_("dispatcher").post(f"/orders/{order['order_id']}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada"})
        return move(as_, signed.json, "completed").json

    old, new = to_completed(old), to_completed(new)
    assert move(as_, new, "invoiced", who="admin").json["error"]["details"]["allowed_next"] == ["quality_check"]
    assert move(as_, new, "quality_check", who="admin").status == 200
    assert move(as_, old, "quality_check", who="admin").json["error"]["code"] == "move_not_allowed"
    assert move(as_, old, "invoiced", who="admin").status == 200


# --- no map, however broken, gives a 500 ----------------------------------------------------------

ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
STEP_FIELDS = ["key", "label", "owner", "sla_minutes", "next", "exit_conditions", "automations", "allowed_roles", "interruption"]
KEYS = [s["key"] for s in PROCESS_MAP["steps"]]


@st.composite
def damaged_maps(draw):
    """The demo map with one to four fields replaced by anything (often a plausible value)."""
    document = demo_map()
    for _ in range(draw(st.integers(1, 4))):
        value = draw(ANY_JSON | st.sampled_from(KEYS) | st.lists(st.sampled_from(KEYS), max_size=4))
        where = draw(st.sampled_from(STEP_FIELDS + ["name", "start_step", "steps"]))
        index = draw(st.integers(0, len(PROCESS_MAP["steps"]) - 1))
        if where in ("name", "start_step", "steps"):
            document[where] = value
        elif isinstance(document["steps"], list) and index < len(document["steps"]) and isinstance(document["steps"][index], dict):
            document["steps"][index][where] = value
    return document


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=damaged_maps() | ANY_JSON)
def test_no_map_gives_a_500(as_, document):
    r = as_("admin").put("/workflow", raw=json.dumps({**document, "note": "Fuzzed"} if isinstance(document, dict) else document))
    assert r.status < 500, (document, r)
    assert r.status == 201 or r.json["error"]["code"] in ("validation_failed", "invalid_json")
