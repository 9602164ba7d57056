"""The stored process maps: the current version, any earlier one (orders keep the version they
started on), and publishing a new version atomically with the head pointer."""
import threading
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import settings
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.data.models import WorkflowModel
from chalicelib.staff import directory
from chalicelib.workflow import process_map
from chalicelib.workflow.process_map import WORKFLOW_ID, ProcessMap

_versions: dict[int, ProcessMap] = {}
_versions_lock = threading.Lock()


def _from_model(item) -> ProcessMap:
    return process_map.from_definition(item.definition, int(item.version), item.published_at, item.published_by)


# Version 0 is the head: a copy of the newest version, so "the current map" is one GetItem (or
# one key in a BatchGetItem) rather than a Query.
HEAD = 0


def from_head(item) -> ProcessMap:
    pm = process_map.from_definition(item.definition, int(item.current_version), item.published_at, item.published_by)
    with _versions_lock:
        _versions.setdefault(pm.version, pm)
    return pm


def current() -> ProcessMap:
    """The newest published version (one GetItem of the head)."""
    try:
        return from_head(WorkflowModel.get(WORKFLOW_ID, HEAD, consistent_read=True))
    except WorkflowModel.DoesNotExist:
        raise NotFound("No process map has been published yet.")


def version(number: int) -> ProcessMap:
    """A published version by number; cached per container since versions never change."""
    with _versions_lock:
        if number in _versions:
            return _versions[number]
    try:
        item = WorkflowModel.get(WORKFLOW_ID, number)
    except WorkflowModel.DoesNotExist:
        raise NotFound(f"Process map version {number} does not exist.")
    pm = _from_model(item)
    with _versions_lock:
        _versions[number] = pm
    return pm


def publish(document, published_by: str, now: datetime) -> ProcessMap:
    """Validate and store the next version with the head, in one transaction conditional on the
    head: of two concurrent publishes one wins, the other gets 409."""


    pm = process_map.parse(document, directory.existing_ids)
    try:
        head = WorkflowModel.get(WORKFLOW_ID, HEAD, consistent_read=True)
        latest = int(head.current_version)
        head_condition = WorkflowModel.current_version == latest
    except WorkflowModel.DoesNotExist:
        latest, head_condition = 0, WorkflowModel.version.does_not_exist()
    number = latest + 1
    fields = {"definition": pm.definition(), "published_at": now, "published_by": published_by}
    item = WorkflowModel(WORKFLOW_ID, number, **fields)
    new_head = WorkflowModel(WORKFLOW_ID, HEAD, current_version=number, **fields)
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            tx.save(item, condition=WorkflowModel.version.does_not_exist())
            tx.save(new_head, condition=head_condition)
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            raise Conflict(f"Version {number} was published meanwhile; fetch the map and try again.")
        raise
    return _from_model(item)
