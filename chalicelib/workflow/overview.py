"""GET /workflow/kinds: the business's kinds of work at a glance, each with its map's current
version and name and the services of that kind (one Query of the kinds, one BatchGetItem of
their maps' heads; the services are given by the caller, who reads them once)."""
from chalicelib.data.batch import batch_get
from chalicelib.data.models import WorkflowModel
from chalicelib.workflow import kinds, versions


def service_kind(service: dict) -> str:
    """A service's kind of work: services from before kinds belong to the legacy kind."""
    return service.get("kind") or kinds.LEGACY_KIND


def overview(services: list[dict]) -> dict:
    every = kinds.kinds()
    found = batch_get([(WorkflowModel, k.workflow_id, versions.HEAD) for k in every])
    rows = []
    for k in every:
        head = found.get((WorkflowModel, k.workflow_id, versions.HEAD))
        pm = versions.from_head(head) if head is not None else None
        rows.append({
            **k.to_dict(),
            "current_version": pm.version if pm else None,
            "map_name": pm.name if pm else None,
            "start_step": pm.start_step if pm else None,
            "services": [{"id": s["id"], "name": s.get("name"), "active": s.get("active", True)}
                         for s in services if service_kind(s) == k.key],
        })
    return {"legacy_kind": kinds.LEGACY_KIND, "kinds": rows}
