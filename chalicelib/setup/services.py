"""The services the business offers (what a customer books): duration, skills, price, and the
kind of work it is (whose process map its orders follow; `workflow.kinds`)."""
import re

from chalicelib.core import observability
from chalicelib.core.errors import NotFound
from chalicelib.core.validation import Fields
from chalicelib.data.models import CatalogModel

SERVICE = "service"
LEGACY_KIND = "installation"  # = workflow.kinds.LEGACY_KIND: a service from before kinds is one


ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")  # \Z: `$` would let a trailing newline through


def service_view(item) -> dict:
    return {"id": item.item_id, "kind": LEGACY_KIND, **item.data}


def service(service_id: str, active_only: bool = True) -> dict:
    try:
        item = CatalogModel.get(SERVICE, service_id)
    except CatalogModel.DoesNotExist:
        raise NotFound(f"No service '{service_id}'.")
    if active_only and not item.data.get("active", True):
        raise NotFound(f"Service '{service_id}' is no longer offered.")
    return service_view(item)


def services(active_only: bool = True) -> list[dict]:
    items = [service_view(i) for i in CatalogModel.query(SERVICE)]
    return [s for s in items if s.get("active", True) or not active_only]


def save_service(service_id: str, body: dict, known_kinds=(LEGACY_KIND,)) -> dict:
    """Store a service. Its `kind` (default the legacy kind) must be one of `known_kinds` (the
    caller reads them: `workflow.kinds.keys()`; this layer does not read the workflow's rooms)."""
    fields = Fields(body)
    kind = fields.text("kind", 40, required=False) or LEGACY_KIND
    if kind not in known_kinds:
        fields.error("kind", f"no kind of work '{kind}'; known: {', '.join(known_kinds)}")
    if not ID_PATTERN.match(service_id or ""):
        fields.error("service_id", "must be lowercase letters, digits and dashes")
    data = {
        "name": fields.header_text("name", 120),  # reaches the booking emails and the invitation
        "description": fields.text("description", 500, required=False, multiline=True) or "",
        "duration_minutes": fields.integer("duration_minutes", 15, 600),
        "skill": fields.text("skill", 40),
        "price_from_cents": fields.integer("price_from_cents", 0, 100_000_000),
        "buffer_after_minutes": fields.integer("buffer_after_minutes", 0, 240, required=False) or 0,
        "active": body.get("active", True) is not False,
        "kind": kind,
    }
    fields.raise_if_errors()
    CatalogModel(SERVICE, service_id, data=data).save()
    observability.count("ServiceSaved")
    return {"id": service_id, **data}
