"""The app's `@app.schedule` handlers: the jobs, their plan and the loop that runs them when due."""
import threading
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from infra.local.cron import UTC, CronSchedule, RateSchedule, parse_schedule
from infra.local.environment import ACCOUNT, REGION, log
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


def plan(jobs: list[ScheduledJob], now: datetime) -> None:
    """Set each job's first fire time (a rate fires one interval after start-up, as in AWS)."""
    for job in jobs:
        job.next_at = job.schedule.next_after(now)


def run_schedules(jobs: list[ScheduledJob], stop: threading.Event, now: Callable[[], datetime]) -> None:
    """Run each planned job when due, until `stop` is set or no job will fire again."""
    while not stop.is_set():
        current = now()
        for job in jobs:
            if job.next_at is not None and job.next_at <= current:
                run_job(job, job.next_at)
                # After a long handler, skip missed fires rather than run them back to back.
                job.next_at = job.schedule.next_after(max(job.next_at, now()))
        upcoming = [j.next_at for j in jobs if j.next_at is not None]
        if not upcoming:
            return
        stop.wait(min(max((min(upcoming) - now()).total_seconds(), 0.05), 30))
