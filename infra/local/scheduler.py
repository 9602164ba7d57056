"""The app's `@app.schedule` handlers: the jobs, their plan and the loop that runs them when due."""
import json
import threading
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from infra.local.cron import UTC, CronSchedule, RateSchedule, parse_schedule
from infra.local.environment import ACCOUNT, REGION, log
from infra.local.files import write_atomically
from infra.local.runtime import LambdaContext, function_name, resolve_handler


@dataclass
class ScheduledJob:
    name: str
    expression: str
    schedule: RateSchedule | CronSchedule
    handler: Callable
    function: str
    next_at: datetime | None = None


def scheduled_jobs(chalice_app, resolve: Callable[[str], Callable] = resolve_handler) -> list[ScheduledJob]:
    from chalice.app import ScheduledEventConfig

    jobs = []
    for source in chalice_app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            text = expression.to_string() if hasattr(expression, "to_string") else str(expression)
            jobs.append(ScheduledJob(source.name, text, parse_schedule(expression), resolve(source.handler_string),
                                     function_name(chalice_app, source.name)))
    return jobs


def scheduled_event(job: ScheduledJob, at: datetime) -> dict:
    """The event EventBridge sends a scheduled rule's target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{job.function}"],
        "detail": {},
    }


def run_job(job: ScheduledJob, at: datetime) -> None:
    log(f"schedule: running {job.name} ({job.expression})")
    try:
        job.handler(scheduled_event(job, at), LambdaContext(job.function))
    except Exception:
        log(f"schedule: {job.name} failed:\n{traceback.format_exc()}")


def plan(jobs: list[ScheduledJob], now: datetime, saved: dict | None = None) -> None:
    """Set each job's first fire time (a rate fires one interval after start-up, as in AWS).
    `saved` is the plan an earlier run left (`load_plan`): a fire it had planned and not done,
    because the system was stopped or killed before or during it, is due at once, one time."""
    saved = saved or {}
    for job in jobs:
        planned = saved.get(job.name)
        job.next_at = planned if planned is not None else job.schedule.next_after(now)


def load_plan(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    return {name: datetime.fromisoformat(at) for name, at in json.loads(path.read_text()).items() if at}


def save_plan(path: Path | None, jobs: list[ScheduledJob]) -> None:
    if path is not None:
        write_atomically(path, json.dumps({j.name: j.next_at.isoformat() if j.next_at else None for j in jobs}).encode())


def run_schedules(jobs: list[ScheduledJob], stop: threading.Event, now: Callable[[], datetime],
                  plan_file: Path | None = None) -> None:
    """Run each planned job when due, until `stop` is set or no job will fire again; with
    `plan_file`, the plan is saved after each run, so a restart knows what is still to do."""
    while not stop.is_set():
        current = now()
        for job in jobs:
            if job.next_at is not None and job.next_at <= current:
                run_job(job, job.next_at)
                # After a long handler, skip missed fires rather than run them back to back.
                job.next_at = job.schedule.next_after(max(job.next_at, now()))
                save_plan(plan_file, jobs)
        upcoming = [j.next_at for j in jobs if j.next_at is not None]
        if not upcoming:
            return
        stop.wait(min(max((min(upcoming) - now()).total_seconds(), 0.05), 30))
