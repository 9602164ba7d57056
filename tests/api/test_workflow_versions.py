"""The versions of the process map as its owners see them: publishing needs a note saying why
(refused at the `note` field without one), an editor's stale `expected_version` is a conflict,
the list of versions names the publisher and counts the orders still open on each version (by
index Queries, no Scan, a bounded number of calls), one version reads back as it was, and
validation errors name the field precisely enough to be shown beside it.

The module shares one world: versions and counts are stated relative to what a test finds when
it starts (each test that counts publishes its own version first)."""

import pytest

from tests.support.helpers import dynamodb_calls, staff_check
from tests.support.map_faults import demo_map, index_of, step_of

pytestmark = pytest.mark.shared_world

NOTE = "Quarterly review: survey before the visit"


def put(as_, document, who="admin", **extra):
    return as_(who).put("/workflow", {**document, **extra})


def fields_of(response) -> dict[str, str]:
    assert response.status == 422, response
    assert response.json["error"]["code"] == "validation_failed"
    return {d["field"]: d["message"] for d in response.json["error"]["details"]}


def current_version(as_) -> int:
    return as_("admin").get("/workflow").json["version"]


# --- the note ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("note", [None, "", "   ", 42, ["why"]], ids=["missing", "empty", "blank", "number", "list"])
def test_publishing_without_a_note_saying_why_is_refused_at_the_note_field(as_, note):
    before = current_version(as_)
    extra = {} if note is None else {"note": note}
    found = fields_of(put(as_, demo_map(), **extra))
    assert list(found) == ["note"], found
    assert current_version(as_) == before


def test_a_missing_note_is_listed_with_the_maps_own_faults(as_):
    document = demo_map()
    step_of(document, "scheduled")["sla_minutes"] = -5
    found = fields_of(put(as_, document))
    assert "note" in found and f"steps[{index_of(document, 'scheduled')}].sla_minutes" in found, found


def test_a_note_longer_than_1000_characters_is_refused(as_):
    found = fields_of(put(as_, demo_map(), note="x" * 1001))
    assert "at most 1000" in found["note"]


def test_the_note_is_kept_with_the_version_and_read_with_it(as_):
    r = put(as_, demo_map(), note=f"  {NOTE}\n")
    assert r.status == 201, r
    assert r.json["note"] == NOTE
    assert as_("dispatcher").get("/workflow").json["note"] == NOTE
    assert as_("dispatcher").get(f"/workflow/versions/{r.json['version']}").json["note"] == NOTE
    # the note is not part of the map: the stored steps are as sent
    assert [s["key"] for s in r.json["steps"]] == [s["key"] for s in demo_map()["steps"]]


# --- the editor's conflict ---------------------------------------------------------------------------

def test_publishing_from_a_version_that_is_no_longer_current_is_a_conflict(as_):
    edited_from = current_version(as_)
    assert put(as_, demo_map(), note="Someone else's change").status == 201
    r = put(as_, demo_map(), note=NOTE, expected_version=edited_from)
    assert r.status == 409, r
    assert r.json["error"]["code"] == "conflict"
    assert r.json["error"]["details"]["current_version"] == edited_from + 1
    assert current_version(as_) == edited_from + 1


def test_publishing_from_the_current_version_succeeds(as_):
    edited_from = current_version(as_)
    r = put(as_, demo_map(), note=NOTE, expected_version=edited_from)
    assert r.status == 201, r
    assert r.json["version"] == edited_from + 1


def test_an_expected_version_that_is_not_a_number_is_refused_at_its_field(as_):
    found = fields_of(put(as_, demo_map(), note=NOTE, expected_version="3"))
    assert list(found) == ["expected_version"], found


# --- the list of versions ------------------------------------------------------------------------------

def move(as_, order, to):
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


def versions_by_number(as_) -> dict[int, dict]:
    r = as_("dispatcher").get("/workflow/versions")
    assert r.status == 200, r
    return {v["version"]: v for v in r.json["versions"]}


def test_the_list_names_the_publisher_gives_the_note_and_counts_open_orders_per_version(as_, new_order):
    assert put(as_, demo_map(), note="The demo map, to start from").status == 201
    v1 = current_version(as_)
    kept_open = [new_order(), new_order()]
    move(as_, new_order(), "cancelled")  # an end step: closed, not counted
    # the next version: on_hold has no SLA, so its open orders are not in the sparse by-open-step index
    no_hold_sla = demo_map()
    step_of(no_hold_sla, "on_hold")["sla_minutes"] = None
    assert put(as_, no_hold_sla, note=NOTE).status == 201
    held = move(as_, new_order(), "on_hold")
    move(as_, kept_open[0], "on_hold")  # an order of the version before, on hold with that version's SLA
    assert held["workflow_version"] == v1 + 1

    r = as_("dispatcher").get("/workflow/versions")
    assert r.status == 200, r
    listing = r.json
    numbers = [v["version"] for v in listing["versions"]]
    assert listing["current_version"] == v1 + 1 and numbers[:2] == [v1 + 1, v1]
    assert numbers == sorted(numbers, reverse=True) and numbers[-1] == 1
    newest, before, seeded = listing["versions"][0], listing["versions"][1], listing["versions"][-1]
    assert (newest["published_by"], newest["published_by_name"], newest["note"]) == ("admin-1", "Alex Morgan", NOTE)
    assert seeded["note"] == "The demo business's process, from first call to paid invoice."  # the seed says why too
    assert seeded["published_by_name"] == "Alex Morgan"
    assert (newest["open_orders"], newest["open_orders_by_step"]) == (1, {"on_hold": 1})
    assert (before["open_orders"], before["open_orders_by_step"]) == (2, {"requested": 1, "on_hold": 1})
    assert listing["open_orders"] == sum(v["open_orders"] for v in listing["versions"])


def test_the_list_reads_by_key_and_index_in_a_bounded_number_of_calls(as_, new_order):
    assert put(as_, demo_map(), note=NOTE).status == 201
    for _ in range(3):
        new_order()
    admin = as_("admin")
    with dynamodb_calls(skip=staff_check()) as calls:
        assert admin.get("/workflow/versions").status == 200
    open_keys = set()
    for number in versions_by_number(as_):
        steps = as_("admin").get(f"/workflow/versions/{number}").json["steps"]
        open_keys |= {s["key"] for s in steps if s["next"]}
    # one Query of the versions, one BatchGetItem of the publishers, one Query per open step key
    assert calls == {"Query": 1 + len(open_keys), "BatchGetItem": 1}, calls


def test_one_version_reads_back_as_it_was_published(as_):
    first = current_version(as_)
    changed = demo_map()
    changed["name"] = "With a survey"
    assert put(as_, changed, note=NOTE).status == 201
    r = as_("dispatcher").get(f"/workflow/versions/{first}")
    assert r.status == 200, r
    assert (r.json["version"], r.json["name"]) == (first, demo_map()["name"])
    assert r.json["published_by_name"] == "Alex Morgan"
    assert [s["key"] for s in r.json["steps"]] == [s["key"] for s in demo_map()["steps"]]


@pytest.mark.parametrize("version", ["0", "99999", "abc", "-1", "1e3", "99999999999"])
def test_a_version_that_does_not_exist_is_404(as_, version):
    r = as_("dispatcher").get(f"/workflow/versions/{version}")
    assert r.status == 404, r
    assert r.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/workflow/versions", "/workflow/versions/1"])
def test_a_technician_cannot_read_the_versions(as_, path):
    r = as_("tech1").get(path)
    assert r.status == 403, r


# --- errors precise enough to show at the field ---------------------------------------------------------

def test_a_step_that_is_not_an_object_shifts_no_other_steps_error(as_):
    document = demo_map()
    document["steps"].insert(2, 42)
    document["steps"][5]["owner"] = "nobody-9"
    found = fields_of(put(as_, document, note=NOTE))
    assert found.get("steps[2]") == "must be an object", found
    assert "steps[5].owner" in found and "no staff user 'nobody-9'" in found["steps[5].owner"], found


def test_a_bad_key_is_refused_once_at_its_field_not_also_as_unreachable(as_):
    document = demo_map()
    i = index_of(document, "on_hold")
    document["steps"][i]["key"] = "On Hold"
    found = fields_of(put(as_, document, note=NOTE))
    assert "must match" in found[f"steps[{i}].key"], found
    assert "cannot be reached" not in found[f"steps[{i}].key"]


def test_an_added_step_with_a_bad_sla_is_refused_at_that_steps_sla(as_):
    document = demo_map()
    i = index_of(document, "completed")
    step_of(document, "in_progress")["next"] = ["quality_check", "on_hold"]
    document["steps"].insert(i, {"key": "quality_check", "label": "Quality check", "owner": "admin-1",
                                 "sla_minutes": 0, "next": ["completed"]})
    found = fields_of(put(as_, document, note=NOTE))
    assert list(found) == [f"steps[{i}].sla_minutes"], found
