"""A suggestion turned into a draft map change (`workflow.drafts`): the full map document an admin
opens in the editor. Every draft passes the map's own validation as it stands; removing a step
reroutes the steps that led to it and moves its automations and exit conditions on; an SLA
change sets the suggested minutes; a check is an exit condition when the suggestion names one,
else a step before the reworked one; a new owner only when the suggestion names the person."""
import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.workflow import drafts, process_map
from infra.demo_data import ESTIMATE_MAP, PROCESS_MAP

STAFF = {"admin-1", "dispatcher-1", "tech-1"}


def current(document=PROCESS_MAP, version=3, kind="installation") -> process_map.ProcessMap:
    return process_map.from_definition(document, version, workflow_id="default", kind=kind)


def parsed(draft) -> process_map.ProcessMap:
    return process_map.parse(draft["map"], lambda ids: set(ids) & STAFF)


def steps(draft) -> dict:
    return {s["key"]: s for s in draft["map"]["steps"]}


def suggestion(kind, step, **numbers):
    return {"kind": kind, "id": f"{kind}:installation:{step}", "work_kind": "installation", "step": step,
            "label": step, "owner": None, "text": "...", "numbers": numbers}


def test_removing_en_route_moves_its_customer_notice_to_in_progress_and_reroutes_every_step_that_led_to_it():
    draft = drafts.draft_for(suggestion("remove_step", "en_route", next_step="in_progress"), current())
    pm = parsed(draft)
    assert not pm.has_step("en_route")
    assert pm.step("in_progress").automations == ("notify_customer",)
    assert pm.step("scheduled").next == ("in_progress", "requested", "on_hold", "cancelled")
    assert pm.step("on_hold").next == ("requested", "scheduled", "in_progress", "cancelled")  # once, in its place
    assert draft["base_version"] == 3 and draft["work_kind"] == "installation"
    assert "'On the way'" in draft["note"] and "emailing the customer" in draft["note"]
    assert "remove_step:installation:en_route" in draft["note"]
    assert draft["expected"]["measure"] == "cycle_time_hours"


def test_removing_a_step_moves_its_exit_conditions_to_the_next_step():
    draft = drafts.draft_for(suggestion("remove_step", "completed"), current())
    pm = parsed(draft)
    assert pm.step("invoiced").automations == ("create_invoice",)
    assert pm.step("invoiced").exit_conditions == ("has_line_items",)
    assert pm.step("in_progress").next == ("invoiced", "on_hold", "cancelled")


def test_removing_the_start_step_starts_the_map_at_its_next_step():
    pm = parsed(drafts.draft_for(suggestion("remove_step", "requested", next_step="scheduled"), current()))
    assert pm.start_step == "scheduled"
    assert pm.step("scheduled").next == ("en_route", "on_hold", "cancelled")  # no longer back to itself


def test_the_draft_leaves_the_current_map_as_it_was():
    pm = current()
    before = pm.to_dict()
    drafts.draft_for(suggestion("remove_step", "en_route"), pm)
    assert pm.to_dict() == before


def test_an_sla_change_sets_the_suggested_minutes():
    draft = drafts.draft_for(suggestion("change_sla", "requested", proposed_sla_minutes=600), current())
    assert parsed(draft).step("requested").sla_minutes == 600
    assert draft["expected"] == {"text": draft["expected"]["text"], "step": "requested",
                                 "measure": "sla_compliance_percent", "direction": "higher"}


def test_a_check_without_a_named_condition_is_a_step_just_before_the_reworked_one():
    draft = drafts.draft_for(suggestion("add_check", "in_progress", sent_back_to="scheduled"), current())
    pm = parsed(draft)
    keys = [s.key for s in pm.steps]
    assert keys.index("check_in_progress") == keys.index("in_progress") - 1  # the map order knows rework
    check = pm.step("check_in_progress")
    assert check.next == ("in_progress", "scheduled", "on_hold", "cancelled")
    assert check.owner == "dispatcher-1" and check.label == "Check before In progress"
    assert pm.step("en_route").next[0] == "check_in_progress"
    assert "in_progress" in pm.step("on_hold").next  # resuming from hold is not rerouted


def test_a_check_naming_an_exit_condition_adds_it_to_the_step_orders_were_sent_back_to():
    draft = drafts.draft_for(suggestion("add_check", "in_progress", sent_back_to="scheduled",
                                        exit_condition="has_customer_email"), current())
    pm = parsed(draft)
    assert pm.step("scheduled").exit_conditions == ("has_technician", "has_appointment", "has_customer_email")
    assert [s.key for s in pm.steps] == [s["key"] for s in PROCESS_MAP["steps"]]


def test_a_new_owner_only_when_the_suggestion_names_one():
    assert drafts.draft_for(suggestion("change_owner", "requested"), current()) is None
    draft = drafts.draft_for(suggestion("change_owner", "requested", suggested_owner="admin-1"), current())
    assert parsed(draft).step("requested").owner == "admin-1"


@pytest.mark.parametrize("made", [suggestion("bottleneck", "requested"), suggestion("remove_step", "nowhere"),
                                  suggestion("remove_step", "closed"), suggestion("change_sla", "requested"),
                                  suggestion("change_sla", "requested", proposed_sla_minutes=-5),
                                  {"kind": "change_owner", "step": None, "owner": "dispatcher-1", "numbers": {}}])
def test_what_cannot_be_drafted_gives_no_draft(made):
    assert drafts.draft_for(made, current()) is None


def every_suggestion(document):
    pm = current(document)
    for step in pm.steps:
        if step.is_end or step.interruption:
            continue
        for nxt in step.next:
            yield suggestion("remove_step", step.key, next_step=nxt)
        yield suggestion("change_sla", step.key, proposed_sla_minutes=45)
        yield suggestion("change_owner", step.key, suggested_owner="tech-1")
        for back in [s.key for s in pm.steps]:
            yield suggestion("add_check", step.key, sent_back_to=back)
            yield suggestion("add_check", step.key, sent_back_to=back, exit_condition="has_signature")


@pytest.mark.parametrize("document", [PROCESS_MAP, ESTIMATE_MAP], ids=["installation", "estimate"])
def test_every_draft_of_every_step_of_the_demo_maps_passes_the_maps_validation(document):
    made = 0
    for s in every_suggestion(document):
        draft = drafts.draft_for(s, current(document))
        if draft is None:
            continue
        try:
            parsed(draft)
        except ValidationFailed as exc:  # pragma: no cover - the message says which draft and why
            pytest.fail(f"{s['kind']} {s['step']} {s['numbers']}: {exc.details}")
        assert len(draft["note"]) <= drafts.NOTE_MAX
        made += 1
    assert made > 50


def test_two_checks_before_the_same_step_get_distinct_keys():
    first = parsed(drafts.draft_for(suggestion("add_check", "in_progress"), current()))
    again = drafts.draft_for(suggestion("add_check", "in_progress"), first)
    assert "check_in_progress_2" in steps(again)
    parsed(again)


def test_every_automation_has_words_for_a_draft_s_note():
    assert set(drafts.AUTOMATION_WORDS) == set(process_map.AUTOMATIONS)

