"""The published versions of a kind of work's process map as a list for the people who own it: when each was
published, by whom (by name), why (the note), and how many orders are still open on each, step by
step (an order keeps the version it started on until it closes).

Counting reads no order table in full. An order is open while its step is not an end step of its
own version; the orders currently in a step are one Query of an index by step. For each step key
that is open in some version, one Query, reading only `workflow_version` (and `step`):
- `by-open-step` (sparse: only open orders in a step with an SLA) when the key has an SLA in every
  version where it is open, so closed orders are never read;
- otherwise `by-step`, filtered to orders with `open_step` set (an open step without an SLA is
  not in `by-open-step`).
Step keys are shared between kinds (an estimate and an installation are both `scheduled`), so an
order read is counted only when it follows this kind's maps (its `workflow_id`).
So the list costs 1 Query of the versions + 1 BatchGetItem of the publishers + one Query per
distinct open step key (8 for the demo map), each paged by DynamoDB's 1 MB per page."""
from collections import Counter, defaultdict

from chalicelib.core.errors import NotFound
from chalicelib.data.models import OrderModel, StaffModel, WorkflowModel
from chalicelib.workflow import kinds, versions
from chalicelib.workflow.process_map import WORKFLOW_ID, ProcessMap

_COUNT_ATTRIBUTES = ["workflow_version", "step", "workflow_id"]


def published(kind: str | None = None) -> list[ProcessMap]:
    """Every published version of a kind's map, newest first (one Query, paged; the head is
    left out). 422 for an unknown kind."""
    workflow_id = kinds.workflow_id_for(kind)
    items = WorkflowModel.query(workflow_id, WorkflowModel.version > versions.HEAD, scan_index_forward=False)
    return [versions.from_model(i) for i in items]


def publisher_names(user_ids) -> dict[str, str]:
    """Staff names by id (one BatchGetItem per 100 ids); someone since removed keeps their id."""
    ids = sorted({u for u in user_ids if u})
    return {m.user_id: m.name for m in StaffModel.batch_get(ids)} if ids else {}


def _open_keys(maps: list[ProcessMap]) -> dict[str, bool]:
    """Each step key open (not an end step) in some version -> whether it has an SLA in every
    version where it is open (then all its open orders are in `by-open-step`)."""
    keys: dict[str, bool] = {}
    for pm in maps:
        for step in pm.steps:
            if not step.is_end:
                keys[step.key] = keys.get(step.key, True) and bool(step.sla_minutes)
    return keys


def open_orders(maps: list[ProcessMap]) -> dict[int, Counter]:
    """Open orders per version (of one kind's maps), by step: {version: Counter({step: n})}."""
    by_number = {pm.version: pm for pm in maps}
    workflow_id = maps[0].workflow_id if maps else WORKFLOW_ID
    counts: dict[int, Counter] = defaultdict(Counter)
    for key, always_sla in sorted(_open_keys(maps).items()):
        if always_sla:
            found = OrderModel.by_open_step.query(key, attributes_to_get=_COUNT_ATTRIBUTES)
        else:
            found = OrderModel.by_step.query(key, filter_condition=OrderModel.open_step.exists(),
                                             attributes_to_get=_COUNT_ATTRIBUTES)
        for order in found:
            if (order.workflow_id or WORKFLOW_ID) != workflow_id:
                continue  # another kind's order in a step of the same name
            number = int(order.workflow_version)
            pm = by_number.get(number)
            if pm is not None and pm.has_step(key) and not pm.step(key).is_end:
                counts[number][key] += 1
    return counts


def listing(kind: str | None = None) -> dict:
    """GET /workflow/versions?kind=: every version of a kind's map, newest first, with its note,
    its publisher's name and its open orders (in total and by step)."""
    kind = kind or kinds.LEGACY_KIND
    maps = published(kind)
    names = publisher_names(pm.published_by for pm in maps)
    counts = open_orders(maps)
    rows = [{
        "version": pm.version,
        "name": pm.name,
        "published_at": pm.published_at.isoformat() if pm.published_at else None,
        "published_by": pm.published_by,
        "published_by_name": names.get(pm.published_by),
        "note": pm.note,
        "expectation": pm.expectation,  # what the publisher expects it to change, and when to judge it
        "steps": len(pm.steps),
        "open_orders": sum(counts[pm.version].values()),
        "open_orders_by_step": {s.key: counts[pm.version][s.key] for s in pm.steps if counts[pm.version][s.key]},
    } for pm in maps]
    return {
        "kind": kind,
        "current_version": maps[0].version if maps else None,
        "open_orders": sum(r["open_orders"] for r in rows),
        "versions": rows,
    }


def one(number: int, kind: str | None = None) -> dict:
    """GET /workflow/versions/{version}?kind=: one version of a kind's map, with its publisher's name."""
    workflow_id = kinds.workflow_id_for(kind)
    if number < 1:  # 0 is the head, a copy of the newest version, not a version of its own
        raise NotFound(f"Process map version {number} does not exist.")
    pm = versions.version(number, workflow_id)
    return {**pm.to_dict(), "published_by_name": publisher_names([pm.published_by]).get(pm.published_by)}
