"""The stored process maps, one versioned map per kind of work: the current version of a kind's
map, any earlier one (orders keep the map and version they started on), and publishing a new
version (with the publisher's note saying why, and optionally what it is expected to change and
the local date to judge it: a map change as an experiment) atomically with that map's head pointer.

A kind's maps are stored under its workflow id (`kinds`): the legacy kind `installation` under
"default", so `current()` with no kind is the single map of a business from before kinds."""
import threading
from datetime import date, datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import settings
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.validation import Fields, parse_date
from chalicelib.data.batch import batch_get
from chalicelib.data.models import WorkflowModel
from chalicelib.setup import business
from chalicelib.staff import directory
from chalicelib.workflow import kinds, process_map
from chalicelib.workflow.process_map import WORKFLOW_ID, ProcessMap

_versions: dict[tuple[str, int], ProcessMap] = {}  # (workflow_id, number) -> the version
_versions_lock = threading.Lock()


def _kind_of(item) -> str:
    stored = item.definition.get("kind") if isinstance(item.definition, dict) else None
    return stored if isinstance(stored, str) and stored else kinds.kind_for_workflow(item.workflow_id)


def from_model(item) -> ProcessMap:
    return process_map.from_definition(item.definition, int(item.version), item.published_at, item.published_by,
                                       item.workflow_id, _kind_of(item))


# Version 0 is the head: a copy of the newest version, so "the current map" is one GetItem (or
# one key in a BatchGetItem) rather than a Query.
HEAD = 0


def from_head(item) -> ProcessMap:
    pm = process_map.from_definition(item.definition, int(item.current_version), item.published_at, item.published_by,
                                     item.workflow_id, _kind_of(item))
    with _versions_lock:
        _versions.setdefault((item.workflow_id, pm.version), pm)
    return pm


def _not_published(kind: str | None) -> NotFound:
    if kind in (None, kinds.LEGACY_KIND):
        return NotFound("No process map has been published yet.")
    return NotFound(f"No process map has been published yet for the kind of work '{kind}'.")


def current(kind: str | None = None) -> ProcessMap:
    """The newest published version of a kind's map (None: the legacy kind): one GetItem of its
    head (and, for a kind other than the legacy one, one of the kind: 422 when unknown)."""
    return head_of(kinds.workflow_id_for(kind), kind)


def head_of(workflow_id: str, kind: str | None = None) -> ProcessMap:
    """The newest version of the maps stored under `workflow_id` (one GetItem)."""
    try:
        return from_head(WorkflowModel.get(workflow_id, HEAD, consistent_read=True))
    except WorkflowModel.DoesNotExist:
        raise _not_published(kind if kind is not None else kinds.kind_for_workflow(workflow_id))


def every_current() -> list[ProcessMap]:
    """The current map of every kind of work that has one published, in the kinds' order: one
    Query of the kinds and one BatchGetItem of their heads."""
    every = kinds.kinds()
    found = batch_get([(WorkflowModel, k.workflow_id, HEAD) for k in every])
    heads = [found.get((WorkflowModel, k.workflow_id, HEAD)) for k in every]
    return [from_head(h) for h in heads if h is not None]


def version(number: int, workflow_id: str = WORKFLOW_ID) -> ProcessMap:
    """A published version of a map by number; cached per container since versions never change."""
    with _versions_lock:
        if (workflow_id, number) in _versions:
            return _versions[(workflow_id, number)]
    try:
        item = WorkflowModel.get(workflow_id, number)
    except WorkflowModel.DoesNotExist:
        raise NotFound(f"Process map version {number} does not exist.")
    pm = from_model(item)
    with _versions_lock:
        _versions[(workflow_id, number)] = pm
    return pm


def of(order) -> ProcessMap:
    """The map version an order follows: its own map (`workflow_id`) at the version it started on."""
    return version(int(order.workflow_version), order.workflow_id or WORKFLOW_ID)


NOTE_MAX = 1000
EXPECTED_TEXT_MAX = 500
# What a publisher may say a version will change (reviews.experiments measures them), and which way.
MEASURES = ("step_median_minutes", "cycle_time_hours", "sla_compliance_percent", "rework_percent")
DIRECTIONS = ("lower", "higher")
EXPECTED_FIELDS = ("text", "step", "measure", "direction")
JUDGE_WITHIN_DAYS = 366


def _choice(fields: Fields, name: str, allowed: tuple) -> str | None:
    value = fields.data.get(name)
    if value is None:
        return None
    if value not in allowed:
        fields.error(name, f"must be one of {', '.join(allowed)}")
        return None
    return value


def read_expectation(body: dict, step_keys, today: date, errors: list) -> dict | None:
    """The version's expectation from `expected` {"text" (required with it), "step" (a step of the
    map), "measure", "direction"} and `judge_on` (a local date after `today`, within a year), both
    optional: {"text", "step"?, "measure"?, "direction"?, "judge_on"?} or None. Every wrong field
    goes to `errors`."""
    if not isinstance(body, dict):
        return None
    expectation: dict = {}
    raw = body.get("expected")
    if raw is not None:
        if not isinstance(raw, dict):
            errors.append({"field": "expected", "message": "must be an object: {text, step, measure, direction}"})
        else:
            fields = Fields(raw, "expected.", errors)
            for key in sorted(set(raw) - set(EXPECTED_FIELDS)):
                fields.error(key, f"unknown field; known: {', '.join(EXPECTED_FIELDS)}")
            text = fields.text("text", EXPECTED_TEXT_MAX, multiline=True)
            step = raw.get("step")
            if step is not None and (not isinstance(step, str) or step not in step_keys):
                fields.error("step", "must be the key of a step of this map")
                step = None
            measure, direction = _choice(fields, "measure", MEASURES), _choice(fields, "direction", DIRECTIONS)
            if measure == "step_median_minutes" and raw.get("step") is None:
                fields.error("step", "is required with the measure step_median_minutes: which step's time")
            expectation = {key: value for key, value in (("text", text), ("step", step), ("measure", measure),
                                                          ("direction", direction)) if value is not None}
    raw_day = body.get("judge_on")
    if raw_day is not None:
        day = None
        if isinstance(raw_day, str):
            try:
                day = parse_date(raw_day)
            except ValueError:
                pass
        if day is None:
            errors.append({"field": "judge_on", "message": "must be a date, YYYY-MM-DD"})
        elif day <= today:
            errors.append({"field": "judge_on", "message": f"must be after today ({today.isoformat()})"})
        elif (day - today).days > JUDGE_WITHIN_DAYS:
            errors.append({"field": "judge_on", "message": f"must be within a year ({JUDGE_WITHIN_DAYS} days) of today"})
        else:
            expectation["judge_on"] = day.isoformat()
    return expectation or None


def _step_keys(body) -> set:
    steps = body.get("steps") if isinstance(body, dict) else None
    return {s["key"] for s in steps if isinstance(s, dict) and isinstance(s.get("key"), str)} \
        if isinstance(steps, list) else set()


def publish_request(body: dict, published_by: str, now: datetime, kind: str | None = None) -> ProcessMap:
    """PUT /workflow?kind=: the map, with `note` (why this version is published; required) and
    optionally `expected_version` (the version the map was edited from: 409 when another was
    published meanwhile), `expected` and `judge_on` (`read_expectation`). Every wrong field is
    listed at once, the note's and the expectation's with the map's. Publishing under a kind that
    does not exist yet creates it (labelled `kind_label`)."""
    errors: list[dict] = []
    fields = Fields(body, errors=errors)
    raw_note = body.get("note") if isinstance(body, dict) else None
    if raw_note is None or (isinstance(raw_note, str) and not raw_note.strip()):
        errors.append({"field": "note", "message": "is required: say why this version is published"})
        note = None
    else:
        note = fields.text("note", NOTE_MAX, multiline=True)
    expected = fields.integer("expected_version", minimum=0, required=False)
    expectation = read_expectation(body, _step_keys(body), now.astimezone(business.zone()).date(), errors)
    label = body.get("kind_label") if isinstance(body, dict) else None
    for check, value in ((kinds.check_key, kind), (kinds.check_label, label)):
        if value is not None:
            try:
                check(value)
            except ValidationFailed as exc:
                errors += list(exc.details or [])
    try:
        pm = process_map.parse(body, directory.existing_ids)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, errors + list(exc.details or []))
    if errors:
        raise ValidationFailed("The process map is not valid.", errors)
    return _store(pm, published_by, now, note, expected, _kind_for_publishing(kind, label), expectation)


def publish(document, published_by: str, now: datetime, note: str | None = None,
            expected_version: int | None = None, kind: str | None = None, kind_label: str | None = None,
            expectation: dict | None = None) -> ProcessMap:
    """Validate and store the next version of a kind's map (for scripts and seeds; the API
    requires a note). A kind that does not exist yet is created. `expectation` is stored as
    given (the API's is checked by `read_expectation`)."""
    pm = process_map.parse(document, directory.existing_ids)
    return _store(pm, published_by, now, note, expected_version, _kind_for_publishing(kind, kind_label), expectation)


def _kind_for_publishing(kind: str | None, label: str | None) -> kinds.Kind:
    """The kind a map is published under (created when new, only once the map is valid)."""
    if kind in (None, kinds.LEGACY_KIND):
        return kinds.LEGACY  # its maps are always the single map "default": nothing to read
    return kinds.ensure(kind, label)


def _store(pm: ProcessMap, published_by: str, now: datetime, note: str | None, expected_version: int | None,
           kind: kinds.Kind, expectation: dict | None = None) -> ProcessMap:
    """Store the next version with the head, in one transaction conditional on the head: of two
    concurrent publishes one wins, the other gets 409 (as does a stale `expected_version`).
    The note and the expectation are kept in the stored definition, beside the map."""
    workflow_id = kind.workflow_id
    try:
        head = WorkflowModel.get(workflow_id, HEAD, consistent_read=True)
        latest = int(head.current_version)
        head_condition = WorkflowModel.current_version == latest
    except WorkflowModel.DoesNotExist:
        latest, head_condition = 0, WorkflowModel.version.does_not_exist()
    if expected_version is not None and expected_version != latest:
        raise Conflict(f"The map was edited from version {expected_version}, but version {latest} has been "
                       "published since; look at it and publish again.", {"current_version": latest})
    number = latest + 1
    definition = {**pm.definition(), "kind": kind.key, **({"note": note} if note else {}),
                  **({"expectation": expectation} if expectation else {})}
    fields = {"definition": definition, "published_at": now, "published_by": published_by}
    item = WorkflowModel(workflow_id, number, **fields)
    new_head = WorkflowModel(workflow_id, HEAD, current_version=number, **fields)
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            tx.save(item, condition=WorkflowModel.version.does_not_exist())
            tx.save(new_head, condition=head_condition)
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            now_current = int(WorkflowModel.get(workflow_id, HEAD, consistent_read=True).current_version)
            raise Conflict(f"Version {number} was published meanwhile; fetch the map and try again.",
                           {"current_version": now_current})
        raise
    return from_model(item)
