"""The process map as a pure definition: steps (key, label, owner, SLA, next steps, exit
conditions, entry automations, roles), parsing and validating a submitted map, and the moves
it allows. Nothing here reads or writes the database."""
import re
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.core.errors import ValidationFailed

WORKFLOW_ID = "default"
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")  # \Z: `$` would let a trailing newline through
# Who may move orders: staff roles, the system (automations, online booking) and the customer
# (self-service cancellation through the manage link).
MOVER_ROLES = ("admin", "dispatcher", "technician", "system", "customer")
MAX_STEPS = 50
# A year. DynamoDB stores numbers of at most 38 digits, so an unbounded SLA could fail the write.
MAX_SLA_MINUTES = 366 * 24 * 60
# How a step's SLA counts: the business's working hours and holidays in its timezone (the
# default), or every minute of the calendar (an emergency call-out promised within 4 hours).
SLA_CLOCKS = ("business", "calendar")
# Who spends working time on an order while it is in a step (what the step costs), and at most
# how many minutes of it per visit a step may state (a working day).
STAFF_ROLES = ("technician", "dispatcher", "admin")
MAX_STAFF_MINUTES = 24 * 60


def _has_line_items(order) -> bool:
    return bool(order.line_items)


def _has_technician(order) -> bool:
    return bool(order.technician_id)


def _has_appointment(order) -> bool:
    return order.appointment_start is not None and order.appointment_end is not None


def _has_signature(order) -> bool:
    return order.signature is not None


def _has_customer_email(order) -> bool:
    return bool(order.customer and order.customer.email)


# Exit conditions by name: what must be true before an order may leave a step.
CONDITIONS = {
    "has_line_items": (_has_line_items, "the order needs at least one line item"),
    "has_technician": (_has_technician, "a technician must be assigned"),
    "has_appointment": (_has_appointment, "an appointment (start and end) must be set"),
    "has_customer_email": (_has_customer_email, "the customer needs an email address"),
    "has_signature": (_has_signature, "the customer's signature is needed"),
}


# The entry automations a step may name. The stream handler (`events.automations`) registers one
# function for each and refuses to start if its registry and this list differ.
AUTOMATIONS = ("create_invoice", "notify_customer")


def known_automations() -> tuple[str, ...]:
    return AUTOMATIONS


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    owner: str | None
    sla_minutes: int | None
    next: tuple[str, ...]
    exit_conditions: tuple[str, ...] = ()
    automations: tuple[str, ...] = ()
    allowed_roles: tuple[str, ...] = ("admin", "dispatcher")
    interruption: bool = False
    # The SLA's clock (SLA_CLOCKS). An order in a step that waits on the customer (a quote sent,
    # an approval asked for) has no SLA running there, whatever the step's clock.
    sla_clock: str = "business"
    waits_on_customer: bool = False
    # Who stands in for the owner while the owner is on time off (None: the admins).
    deputy: str | None = None
    # What the step costs: the role whose time it takes (None: nobody's, the order only waits),
    # and how many minutes of it per visit; None minutes with a role: the whole time in the step
    # (travel, work on site).
    staff_role: str | None = None
    staff_minutes: int | None = None

    @property
    def is_end(self) -> bool:
        return not self.next

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "owner": self.owner,
            "sla_minutes": self.sla_minutes,
            "next": list(self.next),
            "exit_conditions": list(self.exit_conditions),
            "automations": list(self.automations),
            "allowed_roles": list(self.allowed_roles),
            "interruption": self.interruption,
            "sla_clock": self.sla_clock,
            "waits_on_customer": self.waits_on_customer,
            "deputy": self.deputy,
            "staff_role": self.staff_role,
            "staff_minutes": self.staff_minutes,
        }


@dataclass(frozen=True)
class ProcessMap:
    name: str
    start_step: str
    steps: tuple[Step, ...]
    version: int = 0
    published_at: datetime | None = None
    published_by: str | None = None
    # Why this version was published (required when an admin publishes through the API; a map
    # seeded by a script may have none). Not part of the map itself: two maps that differ only
    # in their notes are the same map.
    note: str | None = field(default=None, compare=False)
    # Which kind of work's map this is (its maps are stored under `workflow_id`).
    workflow_id: str = field(default=WORKFLOW_ID, compare=False)
    kind: str | None = field(default=None, compare=False)
    # What the publisher expects this version to change, and when to judge it (a map change as
    # an experiment): {"text", "step"?, "measure"?, "direction"?, "judge_on": "YYYY-MM-DD"?} or
    # None. Kept beside the map like the note.
    expectation: dict | None = field(default=None, compare=False)
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._index.update({s.key: s for s in self.steps})

    def step(self, key: str) -> Step:
        return self._index[key]

    def has_step(self, key: str) -> bool:
        return key in self._index

    def to_dict(self) -> dict:
        return {
            "workflow_id": self.workflow_id,
            "kind": self.kind,
            "version": self.version,
            "name": self.name,
            "start_step": self.start_step,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "published_by": self.published_by,
            "note": self.note,
            "expectation": self.expectation,
            "steps": [s.to_dict() for s in self.steps],
        }

    def definition(self) -> dict:
        return {"name": self.name, "start_step": self.start_step, "steps": [s.to_dict() for s in self.steps]}


def _as_str_list(value, path: str, errors: list) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append({"field": path, "message": "must be a list of strings"})
        return ()
    if len(set(value)) != len(value):
        errors.append({"field": path, "message": "has duplicates"})
    return tuple(value)


def parse(document, staff_exists) -> ProcessMap:
    """Parse and validate a process map. Raises ValidationFailed listing every reason.

    `staff_exists(user_ids) -> set of the ids that exist` checks owners.
    """
    errors: list[dict] = []
    if not isinstance(document, dict):
        raise ValidationFailed("The process map must be a JSON object.", [{"field": "", "message": "not an object"}])
    name = document.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        errors.append({"field": "name", "message": "a name of 1 to 100 characters is required"})
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        errors.append({"field": "steps", "message": "at least one step is required"})
        raise ValidationFailed("The process map is not valid.", errors)
    if len(raw_steps) > MAX_STEPS:
        errors.append({"field": "steps", "message": f"at most {MAX_STEPS} steps"})

    automations = set(known_automations())
    steps: list[Step] = []
    seen: set[str] = set()
    invalid_keys: set[str] = set()  # already refused at their `key` field: not also "unreachable"
    positions: list[int] = []  # each parsed step's index in the document (a non-object is skipped)
    for i, raw in enumerate(raw_steps):
        path = f"steps[{i}]"
        if not isinstance(raw, dict):
            errors.append({"field": path, "message": "must be an object"})
            continue
        key = raw.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            errors.append({"field": f"{path}.key", "message": "must match ^[a-z][a-z0-9_]{0,39}$"})
            key = f"<invalid {i}>"
            invalid_keys.add(key)
        elif key in seen:
            errors.append({"field": f"{path}.key", "message": f"duplicate step key '{key}'"})
        seen.add(key)
        label = raw.get("label")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 80:
            errors.append({"field": f"{path}.label", "message": "a label of 1 to 80 characters is required"})
        owner = raw.get("owner")
        if owner is not None and not isinstance(owner, str):
            errors.append({"field": f"{path}.owner", "message": "must be a staff user id or null"})
            owner = None
        sla = raw.get("sla_minutes")
        if sla is not None and (isinstance(sla, bool) or not isinstance(sla, int) or not 0 < sla <= MAX_SLA_MINUTES):
            errors.append({"field": f"{path}.sla_minutes", "message": f"must be a positive whole number of minutes, at most {MAX_SLA_MINUTES} (a year), or none"})
            sla = None
        nxt = _as_str_list(raw.get("next", []), f"{path}.next", errors)
        if key in nxt:
            errors.append({"field": f"{path}.next", "message": "a step cannot lead to itself"})
        conditions = _as_str_list(raw.get("exit_conditions", []), f"{path}.exit_conditions", errors)
        for c in conditions:
            if c not in CONDITIONS:
                errors.append({"field": f"{path}.exit_conditions", "message": f"unknown condition '{c}'; known: {', '.join(sorted(CONDITIONS))}"})
        autos = _as_str_list(raw.get("automations", []), f"{path}.automations", errors)
        for a in autos:
            if a not in automations:
                errors.append({"field": f"{path}.automations", "message": f"unknown automation '{a}'; known: {', '.join(sorted(automations))}"})
        roles = _as_str_list(raw.get("allowed_roles", ["admin", "dispatcher"]), f"{path}.allowed_roles", errors)
        for r in roles:
            if r not in MOVER_ROLES:
                errors.append({"field": f"{path}.allowed_roles", "message": f"unknown role '{r}'; known: {', '.join(MOVER_ROLES)}"})
        interruption = raw.get("interruption", False)
        if not isinstance(interruption, bool):
            errors.append({"field": f"{path}.interruption", "message": "must be true or false"})
            interruption = False
        sla_clock = raw.get("sla_clock", "business")
        if sla_clock not in SLA_CLOCKS:
            errors.append({"field": f"{path}.sla_clock", "message": f"must be one of {', '.join(SLA_CLOCKS)}"})
            sla_clock = "business"
        waits = raw.get("waits_on_customer", False)
        if not isinstance(waits, bool):
            errors.append({"field": f"{path}.waits_on_customer", "message": "must be true or false"})
            waits = False
        deputy = raw.get("deputy")
        if deputy is not None and not isinstance(deputy, str):
            errors.append({"field": f"{path}.deputy", "message": "must be a staff user id or null"})
            deputy = None
        staff_role = raw.get("staff_role")
        if staff_role is not None and staff_role not in STAFF_ROLES:
            errors.append({"field": f"{path}.staff_role", "message": f"must be one of {', '.join(STAFF_ROLES)}, or null"})
            staff_role = None
        staff_minutes = raw.get("staff_minutes")
        if staff_minutes is not None and (isinstance(staff_minutes, bool) or not isinstance(staff_minutes, int)
                                          or not 0 < staff_minutes <= MAX_STAFF_MINUTES):
            errors.append({"field": f"{path}.staff_minutes",
                           "message": f"must be a positive whole number of minutes, at most {MAX_STAFF_MINUTES}, or null"})
            staff_minutes = None
        if staff_minutes is not None and staff_role is None:
            errors.append({"field": f"{path}.staff_minutes", "message": "needs a staff_role: whose minutes they are"})
        steps.append(Step(key, label if isinstance(label, str) else "", owner, sla, nxt, conditions, autos, roles, interruption,
                          sla_clock, waits, deputy, staff_role, staff_minutes))
        positions.append(i)

    keys = [s.key for s in steps]
    for i, s in zip(positions, steps):
        for n in s.next:
            if n not in keys:
                errors.append({"field": f"steps[{i}].next", "message": f"unknown step '{n}'"})
    start = document.get("start_step", keys[0] if keys else None)
    if start not in keys:
        errors.append({"field": "start_step", "message": f"unknown step '{start}'"})
    else:
        reachable = _reachable(start, {s.key: s.next for s in steps})
        for i, s in zip(positions, steps):
            if s.key not in reachable and s.key not in invalid_keys:
                errors.append({"field": f"steps[{i}].key", "message": f"step '{s.key}' cannot be reached from '{start}'"})
    if steps and not any(s.is_end for s in steps):
        errors.append({"field": "steps", "message": "at least one end step (a step with no next steps) is required"})

    people = sorted({s.owner for s in steps if s.owner} | {s.deputy for s in steps if s.deputy})
    if people:
        existing = staff_exists(people)
        for i, s in zip(positions, steps):
            if s.owner and s.owner not in existing:
                errors.append({"field": f"steps[{i}].owner", "message": f"no staff user '{s.owner}'"})
            if s.deputy and s.deputy not in existing:
                errors.append({"field": f"steps[{i}].deputy", "message": f"no staff user '{s.deputy}'"})
    if errors:
        raise ValidationFailed("The process map is not valid.", errors)
    return ProcessMap(name=name.strip(), start_step=start, steps=tuple(steps))


def _reachable(start: str, edges: dict) -> set:
    seen, todo = {start}, [start]
    while todo:
        for n in edges.get(todo.pop(), ()):
            if n in edges and n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def from_definition(definition: dict, version: int, published_at=None, published_by=None,
                    workflow_id: str = WORKFLOW_ID, kind: str | None = None) -> ProcessMap:
    """Rebuild a stored (already validated) version. The stored definition may carry the
    publisher's `note` beside the map (`versions.publish`)."""
    steps = tuple(
        Step(
            key=s["key"],
            label=s["label"],
            owner=s.get("owner"),
            sla_minutes=s.get("sla_minutes"),
            next=tuple(s.get("next", ())),
            exit_conditions=tuple(s.get("exit_conditions", ())),
            automations=tuple(s.get("automations", ())),
            allowed_roles=tuple(s.get("allowed_roles", ("admin", "dispatcher"))),
            interruption=bool(s.get("interruption", False)),
            sla_clock=s.get("sla_clock") or "business",
            waits_on_customer=bool(s.get("waits_on_customer", False)),
            deputy=s.get("deputy"),
            staff_role=s.get("staff_role"),
            staff_minutes=s.get("staff_minutes"),
        )
        for s in definition["steps"]
    )
    note = definition.get("note")
    expectation = definition.get("expectation")
    return ProcessMap(definition["name"], definition["start_step"], steps, version, published_at, published_by,
                      note if isinstance(note, str) else None, workflow_id, kind,
                      expectation if isinstance(expectation, dict) else None)
