"""What the board needs besides the orders and technicians, kept per container for a short while:
the business's settings (its timezone), the current process map of each kind of work its services
belong to (their start steps and labels; the legacy kind's always), the services (their durations,
skills and kinds) and the latest finished daily review (its flagged items).

All of it changes rarely (a daily review once a day), none of it decides whether a move is
allowed (the assign API reads everything fresh), so one container reads it at most once per
CONTEXT_TTL_SECONDS: one Query of the services, then one BatchGetItem (settings, the map heads of
the services' kinds, the daily reviews of the days that can be "today" or "yesterday" somewhere). The board itself then makes
only the reads whose answers change by the minute (technicians, appointments, requests)."""
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from chalicelib.core.errors import NotFound
from chalicelib.data.batch import batch_get
from chalicelib.data.models import CatalogModel, ReviewModel, WorkflowModel
from chalicelib.reviews.periods import DAILY
from chalicelib.setup import business, catalog, services
from chalicelib.workflow import kinds, versions
from chalicelib.workflow.process_map import ProcessMap

CONTEXT_TTL_SECONDS = 300.0

_lock = threading.Lock()
_cached: tuple[float, "Context"] | None = None


@dataclass(frozen=True)
class Context:
    settings: dict
    process_map: ProcessMap  # the legacy kind's (else the first kind's that has one)
    services: dict  # service id -> the service (active or not: old orders name retired ones)
    review: dict | None  # the latest finished daily review's report, or None
    process_maps: dict | None = None  # kind -> its current map, for the kinds that have one

    def start_steps(self) -> list[str]:
        """The start steps of the kinds' current maps (where requests wait), sorted."""
        return sorted({pm.start_step for pm in (self.process_maps or {"": self.process_map}).values()})

    @property
    def zone(self):
        return business.zone(self.settings)


def _settings(item) -> dict:
    data = {**catalog.DEFAULT_SETTINGS, **(item.data if item else {})}
    data["booking"] = {**business.DEFAULT_BOOKING_RULES, **data.get("booking", {})}
    data.setdefault("opening_hours", {})
    return data


def review_days(now: datetime) -> list[str]:
    """The local dates that can be today or yesterday in some timezone, newest first: the daily
    review is stored under its local date, unknown before the settings are read."""
    utc_day: date = now.astimezone(timezone.utc).date()
    return [(utc_day + timedelta(days=d)).isoformat() for d in (1, 0, -1, -2)]


def _load(now: datetime) -> Context:
    days = review_days(now)
    every_service = {s["id"]: s for s in services.services(active_only=False)}
    wanted = sorted({kinds.LEGACY_KIND} | {s.get("kind") or kinds.LEGACY_KIND for s in every_service.values()})
    heads = {k: (WorkflowModel, kinds.workflow_id_of(k), versions.HEAD) for k in wanted}
    keys = [(CatalogModel, catalog.SETTINGS_KIND, catalog.SETTINGS_ID), *heads.values()]
    keys += [(ReviewModel, DAILY, day) for day in days]
    found = batch_get(keys)
    maps = {k: versions.from_head(found[key]) for k, key in heads.items() if found.get(key) is not None}
    if not maps:
        raise NotFound("No process map has been published yet.")
    settings = _settings(found.get((CatalogModel, catalog.SETTINGS_KIND, catalog.SETTINGS_ID)))
    today = now.astimezone(business.zone(settings)).date()
    review = None
    for day in days:  # newest first; a review of a day still to come locally is not the latest
        item = found.get((ReviewModel, DAILY, day))
        if item is not None and item.status == "done" and item.report and day <= today.isoformat():
            review = item.report
            break
    legacy = maps.get(kinds.LEGACY_KIND) or next(iter(maps.values()))
    return Context(settings, legacy, every_service, review, maps)


def context(now: datetime) -> Context:
    """The context, read again once it is older than CONTEXT_TTL_SECONDS."""
    global _cached
    moment = time.monotonic()
    with _lock:
        hit = _cached
    if hit is not None and moment - hit[0] < CONTEXT_TTL_SECONDS:
        return hit[1]
    fresh = _load(now)
    with _lock:
        _cached = (moment, fresh)
    return fresh


def forget() -> None:
    """Drop the kept context (tests, and a container that changed the setup itself)."""
    global _cached
    with _lock:
        _cached = None
