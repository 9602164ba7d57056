"""Process evaluation: how work orders went through the process map over a period, and what to
change in the map.

Figures, per step: orders entering, median and 90th percentile of the time spent in it, SLA
compliance, rework (a move back to a step earlier in the map's order) and skips (a move past the
next step in the map's order); overall: cycle time (created to paid), first-visit completion,
technicians' utilization and, once invoices exist, invoices issued, paid and overdue with the
days to pay. Figures are given for all orders together, per kind of work (`kinds`: each kind's
own map and versions, its steps, bottleneck, cycle time, first-visit completion and suggestions)
and per process-map version, and for the period before for comparison; the quotes and their
conversion (`conversion`, reviews.conversion) beside them. Suggestions say in plain words which step could go, which is the
bottleneck and where SLA breaches pile up.

Definitions (the tests hold them):
- Only moves count: a history entry from a step to the same step (a reschedule) is not a move.
- A *visit* is the time from a move into a step to the next move out of it. Time in a step is
  counted for visits that left the step in the period. The median is the usual median; the
  90th percentile is the nearest-rank one (the ceil(0.9 n)-th smallest value).
- SLA: a visit that left the step before its SLA ran out is met, counted in the period it left;
  one still in the step when its SLA ran out is breached, counted in the period the SLA ran out.
- Map order: the order of the steps in the order's own map version, without interruption steps
  (on hold, cancelled): moves into or out of those are neither rework nor skips.

Map versions are keyed by (workflow_id, number): every kind of work has its own numbered map.

Reading a period's orders never scans: the open ones come from the `by-step` index (one Query per
step that is open in some map version of any kind: those partitions hold only the orders now in
that step),
the closed ones from the sparse `by-closed-month` index (one Query per UTC month from the period's
start to now; an order with a move in the period closed at or after that move). Each order's
history is beside it (data.entries): one Query per order reads it.
"""
from collections import defaultdict
from datetime import datetime

from chalicelib.core import times
from chalicelib.core.errors import NotFound
from chalicelib.data import batch, entries, models
from chalicelib.data.models import CalendarDayModel, OrderModel
from chalicelib.invoicing.numbering import invoice_id_for
from chalicelib.reviews import accountability, archive, conversion
from chalicelib.reviews import figures as reviews_figures
from chalicelib.reviews import suggestions
from chalicelib.reviews import evidence, experiments
from chalicelib.reviews import costs
from chalicelib.reviews.figures import INVOICED_STEP, Visit, Window
from chalicelib.setup import business, technicians
from chalicelib.workflow import kinds as work_kinds
from chalicelib.workflow import process_map
from chalicelib.workflow import drafts
from chalicelib.workflow import versions as workflow_versions

VersionKey = tuple[str, int]  # (workflow_id, number)


def all_versions(kinds: list | None = None) -> dict[VersionKey, process_map.ProcessMap]:
    """Every published version of every kind of work's map, by (workflow_id, number): per kind
    its head (one GetItem), then each earlier version (cached per container). A kind with no map
    published yet is left out; NotFound when no kind has one."""
    versions: dict[VersionKey, process_map.ProcessMap] = {}
    for kind in kinds if kinds is not None else work_kinds.kinds():
        try:
            current = workflow_versions.head_of(kind.workflow_id, kind.key)
        except NotFound:
            continue
        for number in range(1, current.version):
            versions[(kind.workflow_id, number)] = workflow_versions.version(number, kind.workflow_id)
        versions[(kind.workflow_id, current.version)] = current
    if not versions:
        raise NotFound("No process map has been published yet.")
    return versions


def of_workflow(versions: dict, workflow_id: str) -> dict[int, process_map.ProcessMap]:
    """One map's versions by number (the figures of one kind of work)."""
    return {number: pm for (wid, number), pm in versions.items() if wid == workflow_id}


def kind_key(order: OrderModel, by_workflow: dict[str, str]) -> str:
    """`kinds.kind_of(order)` from a registry already read (no Query per order)."""
    if order.kind:
        return order.kind
    return by_workflow.get(order.workflow_id or process_map.WORKFLOW_ID, work_kinds.LEGACY_KIND)


def period_orders(since: datetime, now: datetime, versions: dict) -> list[OrderModel]:
    """Every order with a move at or after `since`: all open orders and those closed since."""
    found: dict[str, OrderModel] = {}
    open_keys = sorted({s.key for pm in versions.values() for s in pm.steps if not s.is_end})
    for key in open_keys:
        for order in OrderModel.by_step.query(key):
            found[order.order_id] = order
    for month in reviews_figures.months(since, now):
        for order in OrderModel.by_closed_month.query(month, OrderModel.step_entered_at >= since):
            found[order.order_id] = order
    for order in found.values():
        entries.read_history(order)
    return list(found.values())


def _overlap_minutes(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> float:
    return max(0.0, times.minutes(min(a[1], b[1]) - max(a[0], b[0])))


def utilization(windows: list[Window]) -> list[dict]:
    """Per window: booked minutes (the technicians' calendars) against available minutes (their
    working hours, less time off). One Query of each technician's calendar covers all windows."""
    first = min(w.first_day for w in windows)
    last = max(w.last_day for w in windows)
    zone = windows[0].zone
    per_window = [{"technicians": [], "booked_minutes": 0, "available_minutes": 0} for _ in windows]
    for member in sorted(technicians.technicians(), key=lambda m: m.user_id):
        booked_by_day = {
            c.day: int(c.booked_minutes or 0)
            for c in CalendarDayModel.query(member.user_id, CalendarDayModel.day.between(first.isoformat(), last.isoformat()))
        }
        profile = technicians.profile(member)
        time_off = technicians.time_off_intervals(member)
        for window, figures in zip(windows, per_window):
            booked = sum(booked_by_day.get(day.isoformat(), 0) for day in window.days())
            available = 0.0
            for day in window.days():
                for span in business.windows_on(profile["working_hours"], day, zone):
                    available += times.minutes(span[1] - span[0]) - sum(_overlap_minutes(span, off) for off in time_off)
            available = int(round(available))
            figures["technicians"].append({
                "technician_id": member.user_id, "name": member.name, "booked_minutes": booked,
                "available_minutes": available,
                "percent": round(100 * booked / available, 1) if available else None,
            })
            figures["booked_minutes"] += booked
            figures["available_minutes"] += available
    for figures in per_window:
        available = figures["available_minutes"]
        figures["percent"] = round(100 * figures["booked_minutes"] / available, 1) if available else None
    return per_window


def invoice_figures(orders: list[OrderModel], windows: list[Window], now: datetime) -> list[dict | None]:
    """Invoices issued, paid and overdue per window, and the days to pay. Everything about
    invoices is here, so the rest works before invoicing exists (then: None per window).

    The invoices of the period's orders are read by key (an order's invoice id is derived from
    its id), so no invoice index is needed: an invoice issued or paid in a period moved its order
    in that period, and an unpaid invoice's order is still open."""
    if not hasattr(models, "InvoiceModel"):
        return [None for _ in windows]

    invoiced = [o for o in orders if any(m.to_step == INVOICED_STEP for m in reviews_figures.moves(o))]
    found = batch.batch_get([(models.InvoiceModel, invoice_id_for(o.order_id), None) for o in invoiced])
    invoices = list(found.values())
    result = []
    for window in windows:
        cutoff = min(window.end, now)
        issued = [i for i in invoices if reviews_figures.within(i.issued_at, window.start, window.end)]
        paid = [i for i in invoices if i.status == "paid" and reviews_figures.within(i.paid_at, window.start, window.end)]
        overdue = [i for i in invoices if i.status != "void" and i.issued_at < cutoff and i.due_at < cutoff
                   and (i.paid_at is None or i.paid_at >= cutoff)]
        days = [(i.paid_at - i.issued_at).total_seconds() / 86400 for i in paid]
        result.append({"issued": len(issued), "paid": len(paid), "overdue": len(overdue),
                       "median_days_to_pay": reviews_figures.median(days)})
    return result


def _bottleneck(steps: list[dict]) -> dict | None:
    """The step orders wait longest in (the suggestions' bottleneck), with its figures."""
    worst = suggestions.bottleneck(steps)
    if worst is None:
        return None
    return {key: worst.get(key) for key in ("step", "label", "median_minutes", "p90_minutes", "sla_minutes",
                                            "median_interval_minutes", "share_of_cycle_percent", "left")}


def _version_order(key: VersionKey) -> tuple:
    return (key[0] != process_map.WORKFLOW_ID, key[0], key[1])


def figures_for(orders: list[OrderModel], versions: dict, window: Window, now: datetime, calendar=None) -> dict:
    """`calendar`: the business calendar SLAs on the business clock count (None: calendar time)."""
    all_visits = [v for o in orders for v in reviews_figures.visits(o)]
    by_version: dict[VersionKey, list[Visit]] = defaultdict(list)
    for visit in all_visits:
        by_version[(visit.workflow_id, visit.version)].append(visit)
    start, end = window.start, window.end

    def moved(v: Visit) -> bool:
        return reviews_figures.within(v.entered, start, end) or reviews_figures.within(v.left, start, end)

    active = {(v.workflow_id, v.version) for v in all_visits if moved(v)}
    steps = reviews_figures.step_figures(all_visits, versions, start, end, now, calendar)
    per_version = []
    for key in sorted(active, key=_version_order):
        pm = reviews_figures.version_of(versions, *key)
        version_steps = reviews_figures.step_figures(by_version[key], {key: pm} if pm is not None else versions, start, end, now,
                                                     calendar)
        per_version.append({
            "workflow_id": key[0],
            "kind": getattr(pm, "kind", None) or work_kinds.kind_for_workflow(key[0]),
            "workflow_version": key[1],
            "orders": len({v.order_id for v in by_version[key] if moved(v)}),
            "steps": version_steps,
            "bottleneck": _bottleneck(version_steps),
            "published_at": times.iso(pm.published_at) if pm is not None else None,
            "published_by": pm.published_by if pm is not None else None,
        })
    return {
        "from": window.first_day.isoformat(),
        "to": window.last_day.isoformat(),
        "start": times.iso(start),
        "end": times.iso(end),
        "steps": steps,
        "bottleneck": _bottleneck(steps),
        "versions": per_version,
        "cycle_time": reviews_figures.cycle_time(orders, start, end),
        "first_visit_completion": reviews_figures.first_visit(orders, versions, start, end),
    }


KIND_FIGURES = ("steps", "bottleneck", "versions", "cycle_time", "first_visit_completion")


def _kind_part(figures: dict) -> dict:
    return {key: figures[key] for key in ("from", "to", *KIND_FIGURES)}


def per_kind(kinds: list, orders: list[OrderModel], versions: dict, window: Window, now: datetime,
             calendar=None) -> dict:
    """{kind: {label, workflow_id, current_workflow_version, orders, steps, bottleneck, versions,
    cycle_time, first_visit_completion, previous: {...}, suggestions}}: each kind's figures over
    its own orders and its own map's versions. A kind with no map published is left out."""
    by_workflow = {k.workflow_id: k.key for k in kinds}
    mine: dict[str, list[OrderModel]] = defaultdict(list)
    for order in orders:
        mine[kind_key(order, by_workflow)].append(order)
    before = window.before()
    answer = {}
    for kind in kinds:
        own = of_workflow(versions, kind.workflow_id)
        if not own:
            continue
        kind_orders = [o for o in mine.get(kind.key, []) if (o.workflow_id or process_map.WORKFLOW_ID) == kind.workflow_id]
        current, previous = (figures_for(kind_orders, own, window, now, calendar),
                             figures_for(kind_orders, own, before, now, calendar))
        answer[kind.key] = {
            "label": kind.label,
            "workflow_id": kind.workflow_id,
            "current_workflow_version": max(own),
            "orders": sum(v["orders"] for v in current["versions"]),
            **_kind_part(current),
            "previous": {"orders": sum(v["orders"] for v in previous["versions"]), **_kind_part(previous)},
            **dict(zip(("suggestions", "not_enough_data"),
                       suggestions.evaluate(current["steps"], own, work_kind=kind.key, previous=previous))),
        }
    return answer


def overall_suggestions(by_kind: dict, current: dict, previous: dict, versions: dict) -> list[dict]:
    """What to change: with orders of one kind of work (or none), from the overall figures (as
    they always were); with orders of several kinds, each kind's own suggestions (a step, its
    SLA and its bottleneck mean something within one map), each saying its kind (`work_kind`,
    `kind_label`, and the label before the text)."""
    busy = [key for key, part in by_kind.items() if part["orders"] or part["previous"]["orders"]]
    if len(busy) == 1:
        return by_kind[busy[0]]["suggestions"]
    if not busy:
        return suggestions.suggestions(current["steps"], versions, previous)
    return [{**s, "work_kind": key, "kind_label": by_kind[key]["label"], "text": f"{by_kind[key]['label']}: {s['text']}"}
            for key in busy for s in by_kind[key]["suggestions"]]


def judge(orders: list[OrderModel], versions: dict, window: Window, now: datetime, *, owners: list | None = None,
          calendar=None) -> dict:
    """The evaluation's judgement, pure (no DynamoDB): over in-memory orders with their `.history`
    set and the map `versions` they follow (keyed by (workflow_id, number), or by number for one
    map), for the visits that left each step in `window` up to `now`.

    Returns {"steps": the step figures of all orders (with their evidence), "kinds": {work_kind:
    steps}, "suggestions": [...], "not_enough_data": [...], "experiments": [...]}; `evaluate`
    uses the same functions (figures.step_figures, suggestions.evaluate, suggestions.slow_owners,
    experiments.experiments). The rules a suggestion must pass (sample sizes, intervals,
    thresholds) are in reviews.suggestions' docstring; in short, on one kind of work's orders:
    - bottleneck: of the steps whose SLA is breached in most of >= 20 judged visits (the wait is
      beyond the promise; a step waiting on the customer or left only by an automation is never
      one), the longest median, its 90% interval above the next such step's median;
    - remove_step: >= 20 visits, >= 90% (interval's lower end) on to the same next step, a 90th
      percentile of at most 15 min, no SLA breach, nobody sent back from it, not left only by an
      automation ("system": machinery);
    - add_check: >= 10% of >= 20 visits sent back to an earlier step (interval's lower end >= 5%);
    - change_owner: an owner with >= half the SLA breaches and a breach rate whose interval is
      above the other owners' (and its lower end >= 20%); or (from `owners`, the review records)
      acting within a day on under half of >= 10 flagged items (interval's upper end under 50%);
    - change_sla: breached in most of >= 20 judged visits (interval's lower end above 50%), or
      more than 10 times looser than the 90th percentile and never breached; not for a step a
      bottleneck or owner suggestion already names.
    Experiments (reviews.experiments): each version against the one before, both followed for
    the same time after each order started, each difference at a family-wise 99.8% confidence.
    A history with none of these effects gets no suggestion. `owners`: records as
    `accountability.owners` gives them (owner, name, flagged, acted_within_day, ...)."""
    maps = experiments.version_maps(versions)
    mine: dict[str, list[OrderModel]] = defaultdict(list)
    visits_of: dict[str, list[Visit]] = defaultdict(list)
    for order in orders:
        mine[order.workflow_id or process_map.WORKFLOW_ID].append(order)
        visits_of[order.workflow_id or process_map.WORKFLOW_ID] += reviews_figures.visits(order)
    all_visits = [v for own in visits_of.values() for v in own]
    steps = reviews_figures.step_figures(all_visits, versions, window.start, window.end, now, calendar) if orders else []
    kinds_steps, found, short = {}, [], []
    for workflow_id in sorted(mine):
        own = maps.get(workflow_id)
        if not own:
            continue
        newest = own[max(own)]
        work_kind = mine[workflow_id][0].kind or newest.kind or work_kinds.kind_for_workflow(workflow_id)
        rows = reviews_figures.step_figures(visits_of[workflow_id], own, window.start, window.end, now, calendar)
        kinds_steps[work_kind] = rows
        more, fewer = suggestions.evaluate(rows, own, work_kind=work_kind)
        found += more
        short += fewer
    if owners:
        more, fewer = suggestions.slow_owners(owners, next(iter(kinds_steps)) if len(kinds_steps) == 1 else None)
        found = suggestions.merge(found, more)
        short += fewer
    tried = experiments.experiments(orders, versions, now, calendar)
    short += experiment_gaps(tried)
    return {"steps": steps, "kinds": kinds_steps, "suggestions": found, "not_enough_data": short, "experiments": tried}


def experiment_gaps(tried: list[dict]) -> list[dict]:
    """A `not_enough_data` entry for each version comparison with too few orders on a side."""
    gaps = []
    for e in tried:
        n = min(e["orders"]["before"], e["orders"]["after"])
        if n < evidence.MIN_ORDERS:
            gaps.append(evidence.not_enough(
                e["work_kind"], None, None, f"version {e['to_version']} against {e['from_version']}", n,
                evidence.MIN_ORDERS, why=(f"{e['orders']['after']} orders on version {e['to_version']}, "
                                          f"{e['orders']['before']} on version {e['from_version']}; at least "
                                          f"{evidence.MIN_ORDERS} on each needed")))
    return gaps


def with_names(found: list[dict], names: dict[str, str]) -> None:
    """Owners by name in the suggestions' words (the figures know only user ids): each suggestion
    about an owner gains `owner_name`, and its text says the name where it said the id."""
    for s in found:
        name = names.get(s.get("owner") or "")
        if not name:
            continue
        s["owner_name"] = name
        if s["kind"] == "change_owner":
            s["text"] = s["text"].replace(s["owner"], name)


def evaluate(window: Window, now: datetime, period: str = "custom") -> dict:
    """The evaluation of `window`, compared with the window of the same length before it."""
    kinds = work_kinds.kinds()
    versions = all_versions(kinds)
    before = window.before()
    orders = period_orders(before.start, now, versions)
    calendar = business.calendar()  # SLAs judged on the clock the moves set them with
    current, previous = figures_for(orders, versions, window, now, calendar), figures_for(orders, versions, before, now, calendar)
    for figures, used in zip((current, previous), utilization([window, before])):
        figures["utilization"] = used
    for figures, invoices in zip((current, previous), invoice_figures(orders, [window, before], now)):
        figures["invoices"] = invoices
    by_kind = per_kind(kinds, orders, versions, window, now, calendar)
    report = {
        "period": period,
        "date": window.first_day.isoformat(),
        "timezone": str(window.zone),
        "evaluated_at": times.iso(now),
        "current_workflow_version": reviews_figures.newest(versions).version,
        **current,
        "previous": previous,
        "changes": suggestions.changes(current, previous),
        "suggestions": overall_suggestions(by_kind, current, previous, versions),
        "kinds": by_kind,
        "conversion": conversion.report(window, now, {o.order_id: o for o in orders}),
        "owners": accountability.owners(window, now),  # what each owner did about their flagged items
        "checks": accountability.checks_record(window, now),  # whether each check ran and was read
    }
    # Evidence (reviews.evidence): what the figures can't say yet, each map version against the
    # one before it, and the owners slow to act on their flagged items (from `owners` above).
    by_workflow = {k.workflow_id: k.key for k in kinds}
    tried = experiments.experiments(orders, versions, now, calendar,
                                    lambda workflow_id, pm: by_workflow.get(workflow_id) or pm.kind or workflow_id)
    busy = [key for key, part in by_kind.items() if part["orders"]]
    slow, unsure = suggestions.slow_owners(report.get("owners") or [], busy[0] if len(busy) == 1 else None)
    report["suggestions"] = suggestions.merge(report["suggestions"], slow)
    report["not_enough_data"] = ([entry for part in by_kind.values() for entry in part["not_enough_data"]]
                                 + unsure + experiment_gaps(tried))
    report["experiments"] = tried
    every = report["suggestions"] + [x for part in by_kind.values() for x in part["suggestions"]]
    names = archive.people_by_id({x["owner"] for x in every if x.get("owner")})
    with_names(every, names)
    # What each step costs, the saving of removing one, and each suggestion as a draft map change
    # an admin opens in the editor (reviews.costs, workflow.drafts).
    report["costs"] = costs.of_period(orders, versions, window)
    costs.attach_savings(report["suggestions"], report["costs"])
    maps = {pm.kind or work_kinds.kind_for_workflow(pm.workflow_id): pm for pm in reviews_figures.heads(versions)}
    for s in report["suggestions"]:
        s["draft"] = drafts.draft_for(s, maps.get(s.get("work_kind") or work_kinds.LEGACY_KIND))
    return report
