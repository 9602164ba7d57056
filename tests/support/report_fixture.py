"""A stored quarterly evaluation shaped exactly as issue 17's contract says (chalicelib/reviews/
evaluation.evaluate: suggestions with evidence, saving and draft, not_enough_data, the steps'
median intervals, share of cycle time and SLA clock, experiments, owners, checks, costs), as
GET /reports/reviews answers it, for the office app's browser tests to route into the page
(tests/system/test_office_reports_browser.py) while the API side is built and whatever the
local system's own history happens to hold.

`quarterly_review()` is the whole answer; `older_review()` is the same review as a report stored
before issue 17 (every new key left out), which the page must still show. Staff ids are the
demo's (infra/demo_data.py), named in `people`, so the page can be checked to name and never
show an id.
"""
import copy

QUARTER = {"from": "2026-07-01", "to": "2026-09-30"}
PEOPLE = {"admin-1": "Alex Morgan", "dispatcher-1": "Dana Whitfield", "tech-1": "Sam Fischer", "tech-2": "Priya Patel"}

NEW_KEYS = ("suggestions", "not_enough_data", "experiments", "owners", "checks", "costs")
STEP_KEYS = ("median_interval_minutes", "share_of_cycle_percent", "sla_clock")


def _step(key, label, owner, sla, entered, median, interval, p90, share, met, breached, clock="business", end=False):
    judged = met + breached
    return {"step": key, "label": label, "owner": owner, "sla_minutes": sla, "end_step": end, "entered": entered,
            "left": 0 if end else entered, "median_minutes": median, "p90_minutes": p90, "sla_met": met,
            "sla_breached": breached, "sla_compliance_percent": round(100 * met / judged, 1) if judged else None,
            "backward_moves": 0, "skips": 0, "next_steps": {}, "waiting_at_end": 0,
            "median_interval_minutes": interval, "share_of_cycle_percent": share, "sla_clock": clock}


STEPS = [
    _step("requested", "Requested", "dispatcher-1", 240, 148, 190, [160, 230], 1446, 41.5, 61, 87),
    _step("scheduled", "Scheduled", "dispatcher-1", 2880, 146, 1310, [1200, 1420], 2700, 28.6, 131, 15, clock="calendar"),
    _step("en_route", "On the way", "tech-1", 60, 96, 22, [18, 27], 41, 0.5, 96, 0),
    _step("in_progress", "In progress", "tech-1", 480, 144, 175, [160, 190], 400, 3.8, 140, 4),
    _step("completed", "Completed", "admin-1", 1440, 142, 240, [200, 300], 900, 5.2, 138, 4),
    _step("invoiced", "Invoiced", "admin-1", None, 140, 930, [840, 1020], 2100, 20.4, 0, 0),
    _step("paid", "Paid", "admin-1", None, 138, 55, [40, 70], 90, 0.0, 0, 0),
    _step("closed", "Closed", None, None, 138, None, None, None, None, 0, 0, end=True),
]

SUGGESTIONS = [
    {"kind": "bottleneck", "id": "bottleneck:installation:requested", "work_kind": "installation", "step": "requested",
     "label": "Requested", "owner": "dispatcher-1",
     "text": "'Requested' is the bottleneck: orders wait there longest (median 3 h 10 min, 41.5% of the cycle time).",
     "numbers": {"left": 148, "median_minutes": 190, "p90_minutes": 1446, "share_of_cycle_percent": 41.5, "sla_minutes": 240,
                 "next_longest_step": "scheduled", "next_longest_median_minutes": 1310, "previous_median_minutes": 210},
     "evidence": {"sample_size": 148, "needed": 20, "method": "bootstrap percentile interval of the median (1000 resamples)",
                  "interval": [160, 230], "confidence": 0.9},
     "saving": None, "draft": None},
    {"kind": "remove_step", "id": "remove_step:installation:en_route", "work_kind": "installation", "step": "en_route",
     "label": "On the way", "owner": "tech-1",
     "text": "'On the way' always went on to 'In progress' within 41 min and never changed the outcome: consider removing it."
             " Removing it saves about 11.7 staff hours (£409.50) a month.",
     "numbers": {"left": 96, "same_next_step": 96, "same_next_step_percent": 100.0, "next_step": "in_progress",
                 "next_step_label": "In progress", "median_minutes": 22, "p90_minutes": 41, "automations": ["notify_customer"]},
     "evidence": {"sample_size": 96, "needed": 20, "method": "Wilson score interval of the share going on to the same next step",
                  "interval": [97.2, 100.0], "confidence": 0.9},
     "saving": {"staff_hours_per_month": 11.7, "cost_cents_per_month": 40950, "customer_hours_per_month": 0.0},
     "draft": {"work_kind": "installation", "base_version": 2,
               "note": "Remove 'On the way': it never changed the outcome (96 orders)."
                       " (suggested by the process evaluation: remove_step:installation:en_route)",
               "map": {"name": "Window installation", "start_step": "requested", "steps": [
                   {"key": "requested", "label": "Requested", "owner": "dispatcher-1", "sla_minutes": 240,
                    "next": ["scheduled", "cancelled"]},
                   {"key": "scheduled", "label": "Scheduled", "owner": "dispatcher-1", "sla_minutes": 2880,
                    "sla_clock": "calendar", "next": ["in_progress", "cancelled"]},
                   {"key": "in_progress", "label": "In progress", "owner": "tech-1", "sla_minutes": 480,
                    "next": ["completed"], "automations": ["notify_customer"], "staff_role": "technician"},
                   {"key": "completed", "label": "Completed", "owner": "admin-1", "sla_minutes": 1440, "next": ["closed"]},
                   {"key": "closed", "label": "Closed", "next": []},
                   {"key": "cancelled", "label": "Cancelled", "next": []}]},
               "expected": {"text": "Shorter time from scheduled to in progress.", "step": "scheduled",
                            "measure": "step_median_minutes", "direction": "lower"}}},
    {"kind": "change_sla", "id": "change_sla:installation:requested", "work_kind": "installation", "step": "requested",
     "label": "Requested", "owner": "dispatcher-1",
     "text": "The SLA of 'Requested' (4 h) was breached in 87 of 148 visits (58.8%, 52.1% to 65.2%): it is not the real"
             " promise. 90% of orders leave it within 1 d: set the SLA at 1 d 1 h, or change how the step is worked.",
     "numbers": {"reason": "breached_most", "sla_minutes": 240, "proposed_sla_minutes": 1500, "p90_minutes": 1446,
                 "sla_breached": 87, "judged": 148, "breach_percent": 58.8},
     "evidence": {"sample_size": 148, "needed": 20, "method": "Wilson score interval of the breach share",
                  "interval": [52.1, 65.2], "confidence": 0.9},
     "saving": None, "draft": None},
    {"kind": "change_owner", "id": "change_owner:installation:tech-1", "work_kind": "installation", "step": None,
     "label": None, "owner": "tech-1",
     "text": "Sam Fischer acted within a day on 3 of 14 flagged items: give their steps a deputy, or another owner.",
     "numbers": {"reason": "slow_to_act", "flagged": 14, "acted_within_day": 3, "percent_acted_within_day": 21.4,
                 "median_hours_to_act": 30.5},
     "evidence": {"sample_size": 14, "needed": 10, "method": "Wilson score interval of the share acted on within a day",
                  "interval": [9.6, 41.0], "confidence": 0.9},
     "saving": None, "draft": None},
    {"kind": "add_check", "id": "add_check:estimate:quoted", "work_kind": "estimate", "step": "quoted", "label": "Quoted",
     "owner": "tech-2", "text": "Estimate: 24% of the visits were sent back from 'Quoted' to 'On site': a check before"
                                " leaving the site would catch most.",
     "numbers": {"left": 50, "backward_moves": 12, "rework_percent": 24.0, "sent_back_to": "on_site",
                 "sent_back_to_label": "On site"},
     "evidence": {"sample_size": 50, "needed": 20, "method": "Wilson score interval of the share sent back",
                  "interval": [15.1, 35.2], "confidence": 0.9},
     "saving": None, "draft": None},
]

NOT_ENOUGH = [
    {"work_kind": "installation", "step": "on_hold", "about": "remove_step", "sample_size": 7, "needed": 20,
     "text": "Not enough data yet for 'On hold' (7 orders; at least 20 needed)."},
    {"work_kind": "estimate", "step": None, "about": "experiment", "sample_size": 4, "needed": 20,
     "text": "Not enough data yet for the estimate map's version 2 (4 orders; at least 20 needed)."},
]

EXPERIMENTS = [
    {"work_kind": "installation", "workflow_id": "default", "from_version": 1, "to_version": 2,
     "published_at": "2026-08-03T08:30:00Z", "note": "Technicians set off from the job list: no separate step.",
     "expectation": {"text": "Shorter time from scheduled to in progress.", "step": "scheduled",
                     "measure": "step_median_minutes", "judge_on": "2026-09-14"}, "judge_on": "2026-09-14",
     "orders": {"before": 61, "after": 87},
     "measures": [
         {"measure": "cycle_time_hours", "step": None, "label": "Cycle time",
          "before": {"value": 71.0, "n": 58, "interval": [64.0, 79.5]}, "after": {"value": 62.5, "n": 80, "interval": [58.0, 67.0]},
          "difference": {"value": -8.5, "interval": [-15.0, -2.5]}, "verdict": "better"},
         {"measure": "step_median_minutes", "step": "in_progress", "label": "Time in 'In progress'",
          "before": {"value": 180, "n": 60, "interval": [165, 196]}, "after": {"value": 172, "n": 84, "interval": [158, 187]},
          "difference": {"value": -8, "interval": [-28, 12]}, "verdict": "cant_tell"},
         {"measure": "sla_compliance_percent", "step": None, "label": "SLA compliance",
          "before": {"value": 78.0, "n": 61, "interval": [69.0, 85.0]}, "after": {"value": 71.0, "n": 87, "interval": [63.0, 78.0]},
          "difference": {"value": -7.0, "interval": [-12.5, -1.0]}, "verdict": "worse"},
         {"measure": "rework_percent", "step": None, "label": "Rework",
          "before": {"value": 6.6, "n": 61, "interval": None}, "after": {"value": 5.7, "n": 87, "interval": None},
          "difference": {"value": -0.9, "interval": None}, "verdict": "cant_tell"},
     ],
     "verdict": "better",
     "text": "Version 2 shortened the cycle time by 8 h 30 min (90% interval 2 h 30 min to 15 h); SLA compliance fell 7 points."},
]

OWNERS = [
    {"owner": "dispatcher-1", "name": "Dana Whitfield", "flagged": 31, "acted_within_day": 24, "acted_later": 5, "escalated": 2,
     "untouched": 2, "resolved": 28, "still_open": 3, "median_hours_to_act": 3.5, "percent_acted_within_day": 77.4},
    {"owner": "tech-1", "name": "Sam Fischer", "flagged": 14, "acted_within_day": 3, "acted_later": 2, "escalated": 6,
     "untouched": 9, "resolved": 8, "still_open": 6, "median_hours_to_act": 30.5, "percent_acted_within_day": 21.4},
    {"owner": "admin-1", "name": "Alex Morgan", "flagged": 4, "acted_within_day": 4, "acted_later": 0, "escalated": 0,
     "untouched": 0, "resolved": 4, "still_open": 0, "median_hours_to_act": None, "percent_acted_within_day": 100.0},
]

CHECKS = [
    {"period": "daily", "expected": 65, "ran": 63, "read": 58, "missed": ["2026-08-14", "2026-08-17"],
     "unread": ["2026-07-06", "2026-07-20", "2026-08-03", "2026-09-01", "2026-09-21"]},
    {"period": "weekly", "expected": 13, "ran": 13, "read": 12, "missed": [], "unread": ["2026-08-10"]},
    {"period": "monthly", "expected": 3, "ran": 3, "read": 3, "missed": [], "unread": []},
]

COSTS = {
    "currency": "GBP",
    "rates_per_hour_cents": {"technician": 3500, "dispatcher": 2400, "admin": 3000},
    "steps": [
        {"step": "en_route", "label": "On the way", "work_kind": "installation", "staff_role": "technician", "visits": 96,
         "staff_minutes_per_visit": 22, "staff_hours": 35.2, "cost_cents": 123200,
         "per_month": {"visits": 32, "staff_hours": 11.7, "cost_cents": 40950}},
        {"step": "in_progress", "label": "In progress", "work_kind": "installation", "staff_role": "technician", "visits": 144,
         "staff_minutes_per_visit": None, "staff_hours": 420.0, "cost_cents": 1470000,
         "per_month": {"visits": 48, "staff_hours": 140.0, "cost_cents": 490000}},
        {"step": "requested", "label": "Requested", "work_kind": "installation", "staff_role": "dispatcher", "visits": 148,
         "staff_minutes_per_visit": 6, "staff_hours": 14.8, "cost_cents": 35520,
         "per_month": {"visits": 49.3, "staff_hours": 4.9, "cost_cents": 11840}},
    ],
    "customer_waits": {
        "request_to_visit": {"orders": 146, "median_hours": 27.5, "p90_hours": 70.0},
        "completion_to_invoice": {"orders": 140, "median_hours": 15.5, "p90_hours": 35.0},
        "invoice_to_payment": {"orders": 138, "median_hours": 190.0, "p90_hours": 400.0},
    },
}


def _version(number, orders, steps, published_at):
    return {"workflow_id": "default", "kind": "installation", "workflow_version": number, "published_at": published_at,
            "published_by": "admin-1", "orders": orders, "steps": steps, "bottleneck": None}


def _without(steps, key):
    return [s for s in copy.deepcopy(steps) if s["step"] != key]


def quarterly_report() -> dict:
    steps = copy.deepcopy(STEPS)
    bottleneck = {"step": "requested", "label": "Requested", "median_minutes": 190, "p90_minutes": 1446, "sla_minutes": 240}
    versions = [_version(1, 61, copy.deepcopy(STEPS), "2026-05-04T09:00:00Z"),
                _version(2, 87, _without(STEPS, "en_route"), "2026-08-03T08:30:00Z")]
    figures = {"steps": steps, "bottleneck": bottleneck, "versions": versions,
               "cycle_time": {"orders": 138, "median_hours": 76.3, "p90_hours": 190.0},
               "first_visit_completion": {"completed": 142, "first_visit": 128, "percent": 90.1}}
    previous = {"from": "2026-04-01", "to": "2026-06-30", "steps": _without(STEPS, "closed"), "bottleneck": bottleneck,
                "versions": versions[:1], "cycle_time": {"orders": 120, "median_hours": 81.0, "p90_hours": 200.0},
                "first_visit_completion": {"completed": 120, "first_visit": 104, "percent": 86.7},
                "utilization": {"percent": 61.0, "booked_minutes": 40000, "available_minutes": 65574, "technicians": []},
                "invoices": {"issued": 118, "paid": 110, "overdue": 4, "median_days_to_pay": 8.5}}
    estimate_steps = [_step("requested", "Requested", "dispatcher-1", 240, 50, 120, [90, 150], 600, 30.0, 40, 10),
                      _step("on_site", "On site", "tech-2", 120, 50, 75, [60, 95], 150, 20.0, 45, 5),
                      _step("quoted", "Quoted", "tech-2", None, 50, 1440, [1200, 1700], 4000, 50.0, 0, 0),
                      _step("closed", "Closed", None, None, 50, None, None, None, None, 0, 0, end=True)]
    kind_part = lambda label, wf, version, orders, part: {  # noqa: E731
        "label": label, "workflow_id": wf, "current_workflow_version": version, "orders": orders, **QUARTER, **part,
        "previous": {"orders": 0, **QUARTER, "steps": [], "bottleneck": None, "versions": [],
                     "cycle_time": {"orders": 0, "median_hours": None, "p90_hours": None},
                     "first_visit_completion": {"completed": 0, "first_visit": 0, "percent": None}},
        "suggestions": []}
    estimate = {"steps": estimate_steps, "bottleneck": {"step": "quoted", "label": "Quoted", "median_minutes": 1440,
                                                         "p90_minutes": 4000, "sla_minutes": None},
                "versions": [{"workflow_id": "estimate", "kind": "estimate", "workflow_version": 1, "published_at": "2026-06-01T09:00:00Z",
                              "published_by": "admin-1", "orders": 50, "steps": copy.deepcopy(estimate_steps), "bottleneck": None}],
                "cycle_time": {"orders": 44, "median_hours": 45.0, "p90_hours": 110.0},
                "first_visit_completion": {"completed": 0, "first_visit": 0, "percent": None}}
    return {
        "period": "quarterly", "date": QUARTER["from"], "timezone": "Europe/London", "evaluated_at": "2026-10-01T06:00:00Z",
        "current_workflow_version": 2, **QUARTER, "start": "2026-06-30T23:00:00Z", "end": "2026-09-30T23:00:00Z",
        **figures,
        "utilization": {"percent": 68.2, "booked_minutes": 44700, "available_minutes": 65540,
                        "technicians": [{"technician_id": "tech-1", "name": "Sam Fischer", "percent": 72.0,
                                         "booked_minutes": 23600, "available_minutes": 32770},
                                        {"technician_id": "tech-2", "name": "Priya Patel", "percent": 64.4,
                                         "booked_minutes": 21100, "available_minutes": 32770}]},
        "invoices": {"issued": 140, "paid": 138, "overdue": 3, "median_days_to_pay": 7.9},
        "previous": previous, "changes": None,
        "suggestions": copy.deepcopy(SUGGESTIONS),
        "not_enough_data": copy.deepcopy(NOT_ENOUGH),
        "experiments": copy.deepcopy(EXPERIMENTS),
        "owners": copy.deepcopy(OWNERS),
        "checks": copy.deepcopy(CHECKS),
        "costs": copy.deepcopy(COSTS),
        "kinds": {"installation": kind_part("Installation", "default", 2, 148, copy.deepcopy(figures)),
                  "estimate": kind_part("Estimate", "estimate", 1, 50, estimate)},
    }


def quarterly_review(report: dict | None = None) -> dict:
    """GET /reports/reviews's answer (chalicelib/reviews/archive.view) for the fixture quarter."""
    return {"period": "quarterly", "date": QUARTER["from"], "status": "done", "trigger": "schedule",
            "started_at": "2026-10-01T06:00:00Z", "finished_at": "2026-10-01T06:01:10Z",
            "report": report if report is not None else quarterly_report(), "told": ["admin-1"], "files": {},
            "people": dict(PEOPLE), "read_by": {}}


def older_review() -> dict:
    """The same review as stored before issue 17: none of its keys (the page shows the rest)."""
    report = quarterly_report()
    for key in NEW_KEYS:
        report.pop(key, None)
    parts = [report, report["previous"], *report["kinds"].values()]
    parts += [v for part in list(parts) for v in part.get("versions", [])]
    for part in parts:
        for step in part.get("steps", []):
            for key in STEP_KEYS:
                step.pop(key, None)
    report["suggestions"] = [{"kind": "bottleneck", "step": "requested", "label": "Requested",
                              "text": "'Requested' is the bottleneck: orders wait there longest.",
                              "numbers": {"median_minutes": 190, "p90_minutes": 1446}}]
    return quarterly_review(report)


def review_list() -> dict:
    """GET /reports/reviews/list's answer with the fixture quarter."""
    return {"period": "quarterly", "reviews": [{"period": "quarterly", "date": QUARTER["from"], "from": QUARTER["from"],
                                                "to": QUARTER["to"], "status": "done", "run_by": "schedule",
                                                "finished_at": "2026-10-01T06:01:10Z"}]}
