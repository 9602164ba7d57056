"""The process map as a pure definition: `parse` validates a submitted map and lists every
reason it is refused; `from_definition` rebuilds a stored one. The demo map is the valid base;
owners are checked through the `staff_exists` callable, given here as a plain function."""
import copy
import importlib
import sys

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.core.errors import ValidationFailed
from chalicelib.workflow import process_map
from chalicelib.workflow.process_map import (
    AUTOMATIONS, CONDITIONS, MAX_SLA_MINUTES, MAX_STEPS, MOVER_ROLES, ProcessMap, Step, from_definition, parse,
)
from infra.demo_data import PROCESS_MAP, STAFF
from tests.support import map_faults
from tests.support.map_faults import FAULTS, demo_map, index_of, step_of

STAFF_IDS = {user_id for user_id, *_ in STAFF}


def everyone_exists(ids):
    return set(ids)


def demo_staff(ids):
    return {i for i in ids if i in STAFF_IDS}


def refusal(document, staff=demo_staff) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        parse(document, staff)
    assert caught.value.code == "validation_failed" and caught.value.status == 422
    return [(d["field"], d["message"]) for d in caught.value.details]


def has(found, field, words) -> bool:
    return any(f == field and words in m for f, m in found)


# --- the demo data --------------------------------------------------------------------------------

def test_importing_the_demo_data_touches_no_aws(monkeypatch):
    # Given the tripwires of this tier (any botocore call or outside connection raises)
    # When infra.demo_data is executed afresh (the module imported before is put back afterwards)
    monkeypatch.delitem(sys.modules, "infra.demo_data")
    module = importlib.import_module("infra.demo_data")
    # Then it defines its map without having called anything
    assert module.PROCESS_MAP["start_step"] == "requested"


# --- a valid map ----------------------------------------------------------------------------------

def test_the_demo_map_parses_into_its_steps_in_order():
    pm = parse(demo_map(), demo_staff)
    assert isinstance(pm, ProcessMap)
    assert pm.name == PROCESS_MAP["name"] and pm.start_step == "requested"
    assert [s.key for s in pm.steps] == [s["key"] for s in PROCESS_MAP["steps"]]
    assert pm.version == 0 and pm.published_at is None


def test_a_parsed_step_keeps_every_attribute_as_a_tuple():
    pm = parse(demo_map(), demo_staff)
    scheduled = pm.step("scheduled")
    assert scheduled == Step(
        key="scheduled", label="Scheduled", owner="dispatcher-1", sla_minutes=20160,
        next=("en_route", "requested", "on_hold", "cancelled"), exit_conditions=("has_technician", "has_appointment"),
        automations=("notify_customer",), allowed_roles=("admin", "dispatcher", "system"), interruption=False,
    )
    assert pm.step("on_hold").interruption and pm.step("cancelled").interruption


def test_end_steps_are_those_without_next_steps():
    pm = parse(demo_map(), demo_staff)
    assert {s.key for s in pm.steps if s.is_end} == {"closed", "cancelled"}


def test_the_name_is_trimmed():
    document = demo_map()
    document["name"] = "  Windows  "
    assert parse(document, demo_staff).name == "Windows"


def test_without_a_start_step_the_first_step_is_the_start():
    # Given a map that names no start step
    document = demo_map()
    del document["start_step"]
    # Then the first listed step is where orders start
    assert parse(document, demo_staff).start_step == document["steps"][0]["key"]


def test_a_step_with_only_key_and_label_gets_the_defaults():
    pm = parse({"name": "Tiny", "steps": [{"key": "open", "label": "Open", "next": ["done"]},
                                          {"key": "done", "label": "Done"}]}, everyone_exists)
    done = pm.step("done")
    assert (done.owner, done.sla_minutes, done.next, done.exit_conditions, done.automations) == (None, None, (), (), ())
    assert done.allowed_roles == ("admin", "dispatcher") and done.interruption is False and done.is_end


def test_owners_are_checked_once_with_every_distinct_owner_sorted():
    asked = []

    def staff(ids):
        asked.append(list(ids))
        return set(ids)

    parse(demo_map(), staff)
    assert asked == [["admin-1", "dispatcher-1"]]


def test_a_map_without_owners_does_not_ask_for_staff():
    document = demo_map()
    for s in document["steps"]:
        s["owner"] = None

    def staff(ids):
        raise AssertionError("no owner to check")

    assert parse(document, staff).step("requested").owner is None


def test_the_definition_round_trips_through_from_definition():
    # Given the demo map parsed, and its definition as stored
    pm = parse(demo_map(), demo_staff)
    stored = pm.definition()
    # When it is rebuilt as version 3
    again = from_definition(stored, 3, published_by="admin-1")
    # Then it is the same map, now numbered, and parses again as it was
    assert again.steps == pm.steps and again.start_step == pm.start_step and again.name == pm.name
    assert (again.version, again.published_by) == (3, "admin-1")
    assert parse(stored, demo_staff).steps == pm.steps


def test_to_dict_names_the_workflow_and_the_version():
    pm = from_definition(parse(demo_map(), demo_staff).definition(), 7)
    body = pm.to_dict()
    assert (body["workflow_id"], body["version"], body["published_at"]) == (process_map.WORKFLOW_ID, 7, None)
    assert [s["key"] for s in body["steps"]] == [s["key"] for s in PROCESS_MAP["steps"]]
    assert body["steps"][0]["next"] == ["scheduled", "on_hold", "cancelled"]  # lists again, for JSON


def test_from_definition_fills_what_an_older_stored_version_left_out():
    pm = from_definition({"name": "Old", "start_step": "a", "steps": [
        {"key": "a", "label": "A", "next": ["b"]}, {"key": "b", "label": "B"}]}, 1)
    assert pm.step("a").allowed_roles == ("admin", "dispatcher") and pm.step("b").is_end
    assert pm.has_step("a") and not pm.has_step("c")
    with pytest.raises(KeyError):
        pm.step("c")


def test_maps_compare_by_content_not_by_their_index():
    a = from_definition(PROCESS_MAP, 1)
    b = from_definition(copy.deepcopy(PROCESS_MAP), 1)
    assert a == b and a is not b


def test_the_conditions_and_automations_lists_are_what_the_map_may_name():
    assert set(CONDITIONS) == {"has_line_items", "has_technician", "has_appointment", "has_customer_email", "has_signature"}
    assert all(callable(check) and message for check, message in CONDITIONS.values())
    assert set(AUTOMATIONS) == {"create_invoice", "notify_customer"}
    assert process_map.known_automations() == AUTOMATIONS
    # every automation and condition the demo map uses is known
    used = {a for s in PROCESS_MAP["steps"] for a in s["automations"]}
    assert used <= set(AUTOMATIONS)
    assert {c for s in PROCESS_MAP["steps"] for c in s["exit_conditions"]} <= set(CONDITIONS)


# --- bad maps, one fault at a time -----------------------------------------------------------------

@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__.strip("_"))
def test_a_map_with_one_fault_is_refused_naming_the_field_and_the_reason(fault):
    # Given the demo map with one fault
    document = demo_map()
    field, words = fault(document)
    # When it is parsed
    found = refusal(document)
    # Then the refusal names that field with that reason
    assert has(found, field, words), found


def test_a_map_whose_start_step_is_missing_is_refused_naming_the_step():
    document = demo_map()
    document["start_step"] = "intake"
    found = refusal(document)
    assert found == [("start_step", "unknown step 'intake'")]


def test_an_unknown_automation_lists_the_known_ones():
    document = demo_map()
    step_of(document, "completed")["automations"] = ["send_fax"]
    (message,) = [m for f, m in refusal(document) if f.endswith(".automations")]
    assert all(name in message for name in AUTOMATIONS)


def test_an_unknown_role_lists_every_role_that_may_move_orders():
    document = demo_map()
    step_of(document, "completed")["allowed_roles"] = ["janitor"]
    (message,) = [m for f, m in refusal(document) if f.endswith(".allowed_roles")]
    assert all(role in message for role in MOVER_ROLES)


@pytest.mark.parametrize("sla", [0, -30, "60", 1.5, True, False, [60], MAX_SLA_MINUTES + 1])
def test_an_sla_must_be_a_positive_whole_number_of_minutes_at_most_a_year(sla):
    document = demo_map()
    step_of(document, "scheduled")["sla_minutes"] = sla
    found = refusal(document)
    assert has(found, f"steps[{index_of(document, 'scheduled')}].sla_minutes", "positive whole number"), found


@pytest.mark.parametrize("sla", [1, 60, MAX_SLA_MINUTES, None])
def test_an_sla_from_one_minute_to_a_year_or_none_is_accepted(sla):
    document = demo_map()
    step_of(document, "scheduled")["sla_minutes"] = sla
    assert parse(document, demo_staff).step("scheduled").sla_minutes == sla


def test_an_sla_may_be_a_whole_leap_year_but_not_a_minute_more():
    leap_year = 366 * 24 * 60
    document = demo_map()
    step_of(document, "invoiced")["sla_minutes"] = leap_year
    assert parse(document, demo_staff).step("invoiced").sla_minutes == leap_year
    step_of(document, "invoiced")["sla_minutes"] = leap_year + 1
    assert has(refusal(document), f"steps[{index_of(document, 'invoiced')}].sla_minutes", "at most")


def test_too_many_steps_are_refused():
    # Given a chain of MAX_STEPS + 1 valid steps, each leading to the next, the last an end step
    count = MAX_STEPS + 1
    steps = [{"key": f"s{i}", "label": f"Step {i}", "next": [f"s{i + 1}"] if i + 1 < count else []} for i in range(count)]
    found = refusal({"name": "Long", "steps": steps}, everyone_exists)
    # Then the only reason is the number of steps
    assert found == [("steps", f"at most {MAX_STEPS} steps")]


def test_exactly_the_maximum_number_of_steps_is_accepted():
    steps = [{"key": f"s{i}", "label": f"Step {i}", "next": [f"s{i + 1}"] if i + 1 < MAX_STEPS else []}
             for i in range(MAX_STEPS)]
    assert len(parse({"name": "Long", "steps": steps}, everyone_exists).steps) == MAX_STEPS


@pytest.mark.parametrize("steps", [None, [], "requested", {"key": "a"}])
def test_a_map_without_a_list_of_steps_is_refused_at_once(steps):
    document = {"name": "Empty", "steps": steps}
    found = refusal(document)
    assert found == [("steps", "at least one step is required")]


@pytest.mark.parametrize("document", [None, [], "a map", 42])
def test_something_other_than_an_object_is_refused(document):
    with pytest.raises(ValidationFailed) as caught:
        parse(document, demo_staff)
    assert caught.value.details == [{"field": "", "message": "not an object"}]


def test_a_map_with_several_faults_lists_every_reason():
    # Given the demo map with seven faults and a bad SLA
    document = demo_map()
    expected = [fault(document) for fault in (
        map_faults.duplicate_key, map_faults.unknown_automation, map_faults.unknown_condition, map_faults.owner_does_not_exist, map_faults.unknown_next_step,
        map_faults.unknown_role, map_faults.unreachable_step,
    )]
    step_of(document, "scheduled")["sla_minutes"] = -1
    expected.append((f"steps[{index_of(document, 'scheduled')}].sla_minutes", "positive whole number"))
    # When it is parsed
    found = refusal(document)
    # Then every one of them is listed, each under its own field
    missing = [e for e in expected if not has(found, *e)]
    assert not missing, (missing, found)
    assert all(set(d) == {"field", "message"} for d in ({"field": f, "message": m} for f, m in found))


def test_each_bad_next_step_is_listed_on_its_own():
    document = demo_map()
    step_of(document, "requested")["next"] = ["nowhere", "elsewhere"]
    field = f"steps[{index_of(document, 'requested')}].next"
    found = refusal(document)
    assert has(found, field, "unknown step 'nowhere'") and has(found, field, "unknown step 'elsewhere'")


def test_a_step_reachable_only_from_an_unreachable_step_is_unreachable_too():
    # Given two new steps that lead to each other but that nothing reaches
    document = demo_map()
    document["steps"] += [{"key": "limbo", "label": "Limbo", "next": ["purgatory"]},
                          {"key": "purgatory", "label": "Purgatory", "next": ["limbo", "closed"]}]
    found = refusal(document)
    assert has(found, f"steps[{len(document['steps']) - 2}].key", "'limbo' cannot be reached")
    assert has(found, f"steps[{len(document['steps']) - 1}].key", "'purgatory' cannot be reached")


def test_a_bad_key_does_not_hide_the_other_faults():
    document = demo_map()
    document["steps"][0]["key"] = "1st"
    step_of(document, "paid")["owner"] = "ghost-9"
    found = refusal(document)
    assert has(found, "steps[0].key", "must match") and has(found, f"steps[{index_of(document, 'paid')}].owner", "ghost-9")


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=45))
def test_a_step_key_is_accepted_exactly_when_it_is_lowercase_snake_case_of_at_most_40(key):
    document = {"name": "Two", "steps": [{"key": key, "label": "First", "next": ["end"]}, {"key": "end", "label": "End"}]}
    valid = (1 <= len(key) <= 40 and "a" <= key[0] <= "z"
             and all(c == "_" or "a" <= c <= "z" or "0" <= c <= "9" for c in key) and key != "end")
    try:
        parse(document, everyone_exists)
        accepted = True
    except ValidationFailed:
        accepted = False
    assert accepted is valid


def test_a_step_key_with_a_trailing_newline_is_refused():
    document = {"name": "Two", "steps": [{"key": "open\n", "label": "Open", "next": ["done"]},
                                         {"key": "done", "label": "Done"}]}
    assert has(refusal(document, everyone_exists), "steps[0].key", "must match")
