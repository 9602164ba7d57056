"""A suggestion of the process evaluation turned into a draft map change (pure): the full map
document an admin opens in the editor, reviews and publishes (PUT /workflow), with a note saying
where it came from and what to expect of it. Nothing is published here.

What each kind of suggestion drafts (from the kind's current map):
- `remove_step`: the step goes; every step that led to it leads to its next step instead (the
  suggestion's `numbers.next_step`, else its first next step that is not an interruption; then
  the removed step's other next steps, so that none becomes unreachable), and its entry
  automations and exit conditions move to that next step (so "remove `en_route`"
  notifies the customer on arrival, in `in_progress`). A removed start step makes its next step
  the start.
- `change_sla`: the step's SLA becomes the suggested minutes (`numbers.proposed_sla_minutes`).
- `add_check`: when the suggestion names a known exit condition (`numbers.exit_condition`), it is
  added to the step orders were sent back to (`numbers.sent_back_to`), else to the steps leading
  into the reworked step; otherwise a check step ("Check before <step>", key `check_<step>`) is
  put just before the reworked step: the main-line steps before it that led to it lead to the
  check (a move back to it from a later step stays as it is), and
  the check leads on to it, back to the step orders were sent back to, and to the reworked step's
  interruption steps (on hold, cancelled); owner and roles as the reworked step's.
- `change_owner`: the step's owner becomes the person the suggestion names (`numbers.
  suggested_owner` or `suggested_owner`); a suggestion naming nobody drafts nothing (None).
Any other kind (the bottleneck: what to do about it is a judgement) drafts nothing.

Every draft passes `process_map.parse` as it stands (tests/unit/test_drafts.py)."""
import copy

from chalicelib.workflow import kinds
from chalicelib.workflow.process_map import CONDITIONS, KEY_PATTERN, MAX_SLA_MINUTES, ProcessMap

NOTE_MAX = 1000
# What each entry automation does, in the words of a draft's note (the office app says the same).
AUTOMATION_WORDS = {"notify_customer": "emailing the customer", "create_invoice": "creating the invoice"}
LABEL_MAX = 80


def _named(suggestion: dict, key: str):
    numbers = suggestion.get("numbers") or {}
    return numbers.get(key) if numbers.get(key) is not None else suggestion.get(key)


def _document(pm: ProcessMap) -> dict:
    return copy.deepcopy(pm.definition())


def _by_key(document: dict) -> dict:
    return {s["key"]: s for s in document["steps"]}


def _add(values: list, more) -> list:
    return values + [v for v in more if v not in values]


def _remove_step(suggestion: dict, pm: ProcessMap):
    key = suggestion.get("step")
    if not key or not pm.has_step(key) or pm.step(key).is_end:
        return None
    gone = pm.step(key)
    onward = [n for n in gone.next if pm.has_step(n) and not pm.step(n).interruption]
    following = _named(suggestion, "next_step")
    following = following if following in onward else (onward[0] if onward else None)
    if following is None:
        return None
    document = _document(pm)
    steps = _by_key(document)
    target = steps[following]
    target["automations"] = _add(target["automations"], gone.automations)
    target["exit_conditions"] = _add(target["exit_conditions"], gone.exit_conditions)
    for step in document["steps"]:
        if key in step["next"]:
            rerouted = [following if n == key else n for n in step["next"]] + list(gone.next)
            step["next"] = [n for i, n in enumerate(rerouted) if n != step["key"] and n not in rerouted[:i]]
    document["steps"] = [s for s in document["steps"] if s["key"] != key]
    if document["start_step"] == key:
        document["start_step"] = following
    moved = [f"what it did on entry ({', '.join(AUTOMATION_WORDS.get(a, a) for a in gone.automations)})"
             if gone.automations else "",
             f"its checks ({'; '.join(CONDITIONS[c][1] if c in CONDITIONS else c for c in gone.exit_conditions)})"
             if gone.exit_conditions else ""]
    moved = " and ".join(m for m in moved if m)
    note = f"Remove '{gone.label}': the steps that led to it lead to '{target['label']}'"
    note += f", which takes {moved}." if moved else "."
    expected = {"text": f"Orders get through the map faster without '{gone.label}', and nothing else gets worse.",
                "measure": "cycle_time_hours", "direction": "lower"}
    return document, note, expected


def _change_sla(suggestion: dict, pm: ProcessMap):
    key, minutes = suggestion.get("step"), _named(suggestion, "proposed_sla_minutes")
    if not key or not pm.has_step(key) or isinstance(minutes, bool) or not isinstance(minutes, (int, float)):
        return None
    minutes = int(round(minutes))
    if not 0 < minutes <= MAX_SLA_MINUTES:
        return None
    document = _document(pm)
    step = _by_key(document)[key]
    before = step["sla_minutes"]
    step["sla_minutes"] = minutes
    was = f"{before} minutes" if before else "none"
    note = f"Set the SLA of '{step['label']}' to {minutes} minutes (was {was}), the time 90% of orders take there."
    expected = {"text": f"'{step['label']}' meets its SLA most of the time, so a late order stands out.",
                "step": key, "measure": "sla_compliance_percent", "direction": "higher"}
    return document, note, expected


def _check_key(key: str, taken) -> str:
    base = f"check_{key}"[:40]
    candidate, n = base, 2
    while candidate in taken or not KEY_PATTERN.match(candidate):
        suffix = f"_{n}"
        candidate, n = base[:40 - len(suffix)] + suffix, n + 1
    return candidate


def _add_check(suggestion: dict, pm: ProcessMap):
    key = suggestion.get("step")
    if not key or not pm.has_step(key):
        return None
    reworked = pm.step(key)
    back = _named(suggestion, "sent_back_to")
    back = back if back and back != key and pm.has_step(back) and not pm.step(back).interruption else None
    document = _document(pm)
    steps = _by_key(document)
    line = [s.key for s in pm.steps if not s.interruption]
    # the main-line steps before it that lead to it (a move back to it is rework, not the way in)
    leading = [s for s in document["steps"] if key in s["next"] and s["key"] in line
               and key in line and line.index(s["key"]) < line.index(key)]
    condition = _named(suggestion, "exit_condition")
    expected = {"text": f"Fewer orders are sent back from '{reworked.label}'.", "measure": "rework_percent",
                "direction": "lower"}
    if condition in CONDITIONS:
        where = [steps[back]] if back else leading
        if not where:
            return None
        for step in where:
            step["exit_conditions"] = _add(step["exit_conditions"], [condition])
        names = ", ".join(f"'{s['label']}'" for s in where)
        return document, f"Check before '{reworked.label}': {names} now needs {condition} to be left.", expected
    if not leading:
        return None
    check = _check_key(key, steps)
    interruptions = [n for n in reworked.next if pm.has_step(n) and pm.step(n).interruption]
    step = {**reworked.to_dict(), "key": check, "label": f"Check before {reworked.label}"[:LABEL_MAX],
            "sla_minutes": None, "next": [key] + ([back] if back else []) + interruptions,
            "exit_conditions": [], "automations": [], "interruption": False, "waits_on_customer": False,
            "staff_role": None, "staff_minutes": None}
    for s in leading:
        s["next"] = [check if n == key else n for n in s["next"]]
    position = next(i for i, s in enumerate(document["steps"]) if s["key"] == key)
    document["steps"].insert(position, step)
    names = ", ".join(f"'{s['label']}'" for s in leading)
    note = (f"Add a step '{step['label']}' between {names} and '{reworked.label}', to catch what was missing "
            "before the order goes on (say in the editor what to check; an exit condition may do it).")
    return document, note, expected


def _change_owner(suggestion: dict, pm: ProcessMap):
    key, person = suggestion.get("step"), _named(suggestion, "suggested_owner")
    if not key or not pm.has_step(key) or not isinstance(person, str) or not person:
        return None
    document = _document(pm)
    step = _by_key(document)[key]
    before = step["owner"]
    step["owner"] = person
    note = f"Give '{step['label']}' a new owner: {person}" + (f" (was {before})." if before else ".")
    expected = {"text": f"'{step['label']}' meets its SLA more often with an owner who has the time.",
                "step": key, "measure": "sla_compliance_percent", "direction": "higher"}
    return document, note, expected


DRAFTERS = {"remove_step": _remove_step, "change_sla": _change_sla, "add_check": _add_check,
            "change_owner": _change_owner}


def draft_for(suggestion: dict, current_map: ProcessMap) -> dict | None:
    """{"work_kind", "base_version", "note", "map", "expected"} (the map document to open in the
    editor, the version it was made from, the note and the expectation to publish it with), or
    None when the suggestion's kind drafts nothing or the map does not have what it names."""
    drafter = DRAFTERS.get(suggestion.get("kind"))
    if drafter is None or current_map is None:
        return None
    made = drafter(suggestion, current_map)
    if made is None:
        return None
    document, note, expected = made
    origin = f" Suggested by the process evaluation ({suggestion['id']})." if suggestion.get("id") else ""
    note = note + origin
    return {
        "work_kind": suggestion.get("work_kind") or current_map.kind or kinds.kind_for_workflow(current_map.workflow_id),
        "base_version": current_map.version,
        "note": note[:NOTE_MAX],
        "map": document,
        "expected": expected,
    }
