"""The business's kinds of work (an estimate, an installation, a repair...): each has its own
versioned process map, and every service and order belongs to one.

The registry is the catalog table's `work_kind` partition, one item per kind (item_id = the key,
data {"label", "workflow_id", "position"}), read with one Query. A business that never defined
a kind (every business before kinds existed) has the legacy registry: one kind, `installation`,
whose maps are the single map stored under workflow id "default"; so it works unchanged.

A kind's maps are stored under its `workflow_id`: "default" for the legacy kind, the kind's own
key for every kind created since (`ensure`). Nothing is cached here: the registry is one Query
and changes only when an admin publishes under a new key."""
from dataclasses import dataclass

from pynamodb.exceptions import PutError

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import header_problem
from chalicelib.data.models import CatalogModel
from chalicelib.workflow.process_map import KEY_PATTERN, WORKFLOW_ID

WORK_KIND = "work_kind"  # the catalog partition
LEGACY_KIND = "installation"
LEGACY_LABEL = "Installation"
LABEL_MAX = 60
MAX_KINDS = 20


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    workflow_id: str
    position: int = 0

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "workflow_id": self.workflow_id, "position": self.position}


LEGACY = Kind(LEGACY_KIND, LEGACY_LABEL, WORKFLOW_ID, 0)


def workflow_id_of(key: str | None) -> str:
    """Where a kind's maps are stored, without reading the registry: the legacy kind's under
    "default", every other kind's under its own key (as `ensure` creates them)."""
    return WORKFLOW_ID if key in (None, LEGACY_KIND) else key


def kind_for_workflow(workflow_id: str | None) -> str:
    """The kind whose maps are stored under `workflow_id` (the inverse of `workflow_id_of`)."""
    return LEGACY_KIND if workflow_id in (None, WORKFLOW_ID) else workflow_id


def from_item(key: str, data) -> Kind | None:
    """A stored kind, or None when the item is not one (a hand-edited table must not break the
    registry: a bad item is left out, the legacy kind falls back to its defaults)."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key) or not isinstance(data, dict):
        return None
    label = data.get("label")
    if not isinstance(label, str) or not label.strip():
        label = LEGACY_LABEL if key == LEGACY_KIND else key.replace("_", " ").capitalize()
    workflow_id = data.get("workflow_id")
    if not isinstance(workflow_id, str) or not workflow_id:
        workflow_id = workflow_id_of(key)
    position = data.get("position")
    if isinstance(position, bool) or not isinstance(position, (int, float)):
        position = 0
    return Kind(key, label.strip(), workflow_id, int(position))


def registry(items) -> list[Kind]:
    """The kinds from the stored items, by position then key; the legacy registry when none is
    stored. The legacy kind is always there (orders from before kinds follow it)."""
    found = [k for k in (from_item(i.item_id, i.data) for i in items) if k is not None]
    if not any(k.key == LEGACY_KIND for k in found):
        found.append(LEGACY)
    return sorted(found, key=lambda k: (k.position, k.key))


def kinds() -> list[Kind]:
    """Every kind of work of the business (one Query)."""
    return registry(CatalogModel.query(WORK_KIND))


def stored_keys() -> set[str]:
    """The keys of the kinds stored (none for a business from before kinds: its one is implied)."""
    return {i.item_id for i in CatalogModel.query(WORK_KIND)}


def store_legacy() -> Kind:
    """Store the legacy kind (its maps under "default"), which until then was only implied."""
    return _put(LEGACY)


def keys() -> list[str]:
    return [k.key for k in kinds()]


def unknown(key) -> ValidationFailed:
    return ValidationFailed("There is no such kind of work.",
                            [{"field": "kind", "message": f"no kind of work '{key}'"}])


def kind(key: str | None) -> Kind:
    """The kind `key` (None: the legacy kind) by one GetItem; 422 `validation_failed` at field
    `kind` for an unknown one."""
    if key is None:
        key = LEGACY_KIND
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise unknown(key)
    try:
        item = CatalogModel.get(WORK_KIND, key)
    except CatalogModel.DoesNotExist:
        if key == LEGACY_KIND:
            return LEGACY
        raise unknown(key)
    found = from_item(item.item_id, item.data)
    if found is None:
        raise unknown(key)
    return found


def workflow_id_for(key: str | None) -> str:
    """The workflow id a kind's maps are stored under (422 for an unknown kind). The legacy kind
    needs no read."""
    if key in (None, LEGACY_KIND):
        return WORKFLOW_ID
    return kind(key).workflow_id


def kind_of(order) -> str:
    """An order's kind: its own `kind`, else the kind whose maps it follows, else the legacy kind
    (orders from before kinds carry neither)."""
    if getattr(order, "kind", None):
        return order.kind
    workflow_id = getattr(order, "workflow_id", None) or WORKFLOW_ID
    if workflow_id == WORKFLOW_ID:
        return LEGACY_KIND
    return next((k.key for k in kinds() if k.workflow_id == workflow_id), LEGACY_KIND)


def for_new_order(named: str | None, service: dict | None) -> str | None:
    """The kind of work of a new order: its service's (a service from before kinds is of the
    legacy kind), else the one the order names (None: the legacy kind). Naming another kind than
    the service's is a 422 at `kind`."""
    if service is None:
        return named
    service_kind = service.get("kind") or LEGACY_KIND
    if named is not None and named != service_kind:
        raise ValidationFailed("The kind of work is not the service's.",
                               [{"field": "kind", "message": f"the service '{service.get('id')}' is of the kind '{service_kind}'"}])
    return service_kind


def check_label(label, field: str = "kind_label") -> str:
    """A kind's label: one line (it may reach an email), 1 to LABEL_MAX characters."""
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= LABEL_MAX:
        raise ValidationFailed("The kind of work's label is not valid.",
                               [{"field": field, "message": f"a label of 1 to {LABEL_MAX} characters is required"}])
    problem = header_problem(label)
    if problem:
        raise ValidationFailed("The kind of work's label is not valid.", [{"field": field, "message": problem}])
    return label.strip()


def check_key(key, field: str = "kind") -> str:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ValidationFailed("The kind of work is not valid.",
                               [{"field": field, "message": "must match ^[a-z][a-z0-9_]{0,39}$"}])
    return key


def ensure(key: str, label: str | None = None) -> Kind:
    """The kind `key`, created when it does not exist yet (its maps under workflow id = key, placed
    after the others). Creating the first kind also stores the legacy kind, which until then was
    only implied, so the business keeps it. Concurrent creates of one key: one writes, the other
    reads what was written (conditional put)."""
    check_key(key)
    current = kinds()
    existing = next((k for k in current if k.key == key), None)
    if existing is not None:
        return existing
    if len(current) >= MAX_KINDS:
        raise ValidationFailed("Too many kinds of work.",
                               [{"field": "kind", "message": f"a business has at most {MAX_KINDS} kinds of work"}])
    label = check_label(label if label is not None else key.replace("_", " ").capitalize())
    stored = {k.key for k in current if _is_stored(k)}
    if LEGACY_KIND not in stored and key != LEGACY_KIND:
        _put(LEGACY)
    return _put(Kind(key, label, workflow_id_of(key), max((k.position for k in current), default=0) + 1))


def _is_stored(k: Kind) -> bool:
    return k is not LEGACY  # `registry` adds this very object when the legacy kind is not stored


def _put(k: Kind) -> Kind:
    try:
        CatalogModel(WORK_KIND, k.key, data={"label": k.label, "workflow_id": k.workflow_id, "position": k.position}).save(
            condition=CatalogModel.item_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return kind(k.key)
    return k
