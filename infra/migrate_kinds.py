"""Give a business from before kinds of work its kinds: once, after upgrading (idempotent).

A business from before kinds has one process map (workflow id "default") that every service and
order follows. This command stores its kinds of work:

    python -m infra.migrate_kinds --stage prod                      # a deployed stage
    python -m infra.migrate_kinds --service survey=estimate         # the tables in the environment

- `installation` -> the existing map ("default"), unchanged: no new version, and every order in
  flight keeps the map and version it started on (nothing about an order is written);
- `repair` -> a copy of the current map, published as the repair map's version 1;
- `estimate` -> the estimate template (requested -> scheduled -> en_route -> on_site -> quoted ->
  won | lost -> closed, on hold and cancelled; no invoice), its steps owned as the current map's
  steps of the same key are (else by the owner of its start step);
- services keep the kind `installation` unless `--service ID=KIND` says otherwise.

A kind that already has a map is left as it is, so a second run (or a run racing another: the
publish is conditional on the map's head) changes nothing.
"""
import argparse
import copy
import sys

from infra import stage_tables

TABLES = ("CATALOG_TABLE", "WORKFLOW_TABLE", "STAFF_TABLE")
BY = "system"


def _estimate_template(current) -> dict:
    """The estimate template, each step owned like the current map's step of the same key (else
    like its start step), so it names only staff the business has."""
    from infra.demo_data import ESTIMATE_MAP

    owners = {s.key: s.owner for s in current.steps}
    fallback = owners.get(current.start_step)
    document = copy.deepcopy(ESTIMATE_MAP)
    for step in document["steps"]:
        if step["owner"] is not None:
            step["owner"] = owners.get(step["key"], fallback)
    return document


def _without_missing_owners(document: dict) -> dict:
    """A step owned by someone no longer on the staff keeps no owner (publishing would refuse it)."""
    from chalicelib.staff import directory

    owners = {s["owner"] for s in document["steps"] if s.get("owner")}
    existing = directory.existing_ids(sorted(owners)) if owners else set()
    for step in document["steps"]:
        if step.get("owner") and step["owner"] not in existing:
            step["owner"] = None
    return document


def _publish_once(kind: str, label: str, document: dict, note: str, now) -> str:
    """Publish `document` as the kind's first version unless the kind has a map already."""
    from chalicelib.core.errors import Conflict, NotFound
    from chalicelib.workflow import kinds, versions

    made = kinds.ensure(kind, label)
    try:
        versions.head_of(made.workflow_id, kind)
        return "kept"
    except NotFound:
        pass
    try:
        versions.publish(_without_missing_owners(document), BY, now, note=note, expected_version=0,
                         kind=kind, kind_label=label)
    except Conflict:  # another run published it meanwhile
        return "kept"
    return "published"


def migrate(now, service_kinds: dict | None = None) -> dict:
    """Store the kinds and their first maps; put the named services in their kinds. Returns what
    it did: {"installation": ..., "repair": ..., "estimate": ..., "services": {id: kind}}."""
    from chalicelib.core.errors import ValidationFailed
    from chalicelib.setup import services
    from chalicelib.workflow import kinds, versions

    current = versions.current()  # 404 NotFound: a business with no map has nothing to migrate
    done = {"installation": "kept" if kinds.LEGACY_KIND in kinds.stored_keys() else "stored"}
    kinds.store_legacy()  # installation -> "default": the existing map, its versions and orders as they are
    repair = {**current.definition(), "name": "Repair"}
    done["repair"] = _publish_once("repair", "Repair", copy.deepcopy(repair),
                                   f"Copied from the installation map, version {current.version}, when kinds of work came.", now)
    done["estimate"] = _publish_once("estimate", "Estimate", _estimate_template(current),
                                     "The estimate template: visit, measure, quote, won or lost; no invoice.", now)
    known = kinds.keys()
    moved = {}
    for service_id, kind in sorted((service_kinds or {}).items()):
        if kind not in known:
            raise ValidationFailed("There is no such kind of work.",
                                   [{"field": "kind", "message": f"no kind of work '{kind}' (for the service '{service_id}')"}])
        existing = services.service(service_id, active_only=False)
        if existing.get("kind") != kind:
            body = {k: v for k, v in existing.items() if k != "id"}
            services.save_service(service_id, {**body, "kind": kind}, known)
        moved[service_id] = kind
    done["services"] = moved
    return done


def _pairs(values: list[str]) -> dict:
    found = {}
    for value in values or []:
        service_id, sep, kind = value.partition("=")
        if not sep or not service_id or not kind:
            raise SystemExit(f"--service takes SERVICE_ID=KIND, not {value!r}")
        found[service_id] = kind
    return found


def main(argv=None, out=print) -> int:
    parser = argparse.ArgumentParser(description="Store the kinds of work of a business from before kinds.")
    parser.add_argument("--stage", help="a deployed stage (default: the tables named in the environment)")
    parser.add_argument("--service", action="append", metavar="ID=KIND",
                        help="put a service in a kind of work (repeatable), e.g. survey=estimate")
    args = parser.parse_args(argv)
    service_kinds = _pairs(args.service)
    if args.stage:
        stage_tables.use_stage(args.stage, TABLES)
    from chalicelib.core import clock

    done = migrate(clock.now(), service_kinds)
    out(f"Kinds of work: installation {done['installation']} (the existing map), repair {done['repair']}, "
        f"estimate {done['estimate']}; services moved: "
        + (", ".join(f"{s} -> {k}" for s, k in done["services"].items()) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
