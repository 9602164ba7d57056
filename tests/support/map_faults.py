"""Bad process maps, one fault each, for the unit tier (`parse`) and the api tier (`PUT /workflow`):
each fault changes a copy of the demo map and returns the field and the words its refusal names."""
import copy

from infra.demo_data import PROCESS_MAP


def demo_map() -> dict:
    return copy.deepcopy(PROCESS_MAP)


def step_of(document: dict, key: str) -> dict:
    return next(s for s in document["steps"] if s["key"] == key)


def index_of(document: dict, key: str) -> int:
    return next(i for i, s in enumerate(document["steps"]) if s["key"] == key)


def unknown_next_step(d):
    step_of(d, "requested")["next"] = ["scheduled", "nowhere"]
    return f"steps[{index_of(d, 'requested')}].next", "unknown step 'nowhere'"


def unreachable_step(d):
    d["steps"].append({"key": "archived", "label": "Archived", "next": []})
    return f"steps[{len(d['steps']) - 1}].key", "step 'archived' cannot be reached from 'requested'"


def unknown_automation(d):
    step_of(d, "scheduled")["automations"] = ["notify_customer", "send_fax"]
    return f"steps[{index_of(d, 'scheduled')}].automations", "unknown automation 'send_fax'"


def unknown_condition(d):
    step_of(d, "in_progress")["exit_conditions"] = ["has_line_items", "has_permit"]
    return f"steps[{index_of(d, 'in_progress')}].exit_conditions", "unknown condition 'has_permit'"


def duplicate_key(d):
    d["steps"].append({**step_of(d, "closed"), "label": "Closed again"})
    return f"steps[{len(d['steps']) - 1}].key", "duplicate step key 'closed'"


def unknown_start_step(d):
    d["start_step"] = "intake"
    return "start_step", "unknown step 'intake'"


def no_end_step(d):
    step_of(d, "closed")["next"] = ["requested"]
    step_of(d, "cancelled")["next"] = ["requested"]
    return "steps", "at least one end step"


def step_leads_to_itself(d):
    step_of(d, "paid")["next"] = ["paid", "closed"]
    return f"steps[{index_of(d, 'paid')}].next", "cannot lead to itself"


def duplicate_next(d):
    step_of(d, "paid")["next"] = ["closed", "closed"]
    return f"steps[{index_of(d, 'paid')}].next", "has duplicates"


def next_not_a_list(d):
    step_of(d, "paid")["next"] = "closed"
    return f"steps[{index_of(d, 'paid')}].next", "must be a list of strings"


def unknown_role(d):
    step_of(d, "completed")["allowed_roles"] = ["admin", "janitor"]
    return f"steps[{index_of(d, 'completed')}].allowed_roles", "unknown role 'janitor'"


def bad_key(d):
    d["steps"][0]["key"] = "Requested Step"
    return "steps[0].key", "must match"


def missing_label(d):
    del step_of(d, "invoiced")["label"]
    return f"steps[{index_of(d, 'invoiced')}].label", "label of 1 to 80 characters"


def label_too_long(d):
    step_of(d, "invoiced")["label"] = "x" * 81
    return f"steps[{index_of(d, 'invoiced')}].label", "label of 1 to 80 characters"


def owner_not_a_string(d):
    step_of(d, "paid")["owner"] = 42
    return f"steps[{index_of(d, 'paid')}].owner", "staff user id or null"


def owner_does_not_exist(d):
    step_of(d, "paid")["owner"] = "ghost-9"
    return f"steps[{index_of(d, 'paid')}].owner", "no staff user 'ghost-9'"


def interruption_not_a_bool(d):
    step_of(d, "on_hold")["interruption"] = "yes"
    return f"steps[{index_of(d, 'on_hold')}].interruption", "true or false"


def step_not_an_object(d):
    d["steps"].append("archived")
    return f"steps[{len(d['steps']) - 1}]", "must be an object"


def no_steps(d):
    d["steps"] = []
    return "steps", "at least one step"


def blank_name(d):
    d["name"] = "   "
    return "name", "a name of 1 to 100 characters"


def name_too_long(d):
    d["name"] = "n" * 101
    return "name", "a name of 1 to 100 characters"


FAULTS = [
    unknown_next_step, unreachable_step, unknown_automation, unknown_condition, duplicate_key,
    unknown_start_step, no_end_step, step_leads_to_itself, duplicate_next, next_not_a_list, unknown_role,
    bad_key, missing_label, label_too_long, owner_not_a_string, owner_does_not_exist,
    interruption_not_a_bool, step_not_an_object, no_steps, blank_name, name_too_long,
]
