"""The local scheduler (`infra.local`): schedule expressions, next fire times in UTC, and how
the app's `@app.schedule` handlers are found and invoked."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from chalice import Chalice, Cron, Rate

from infra.local.cron import CronSchedule, RateSchedule, parse_schedule
from infra.local.scheduler import load_plan, plan, run_schedules, save_plan, scheduled_jobs

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "expression, after, expected",
    [
        # every day at 07:00: later today, or tomorrow once it has passed
        ("cron(0 7 * * ? *)", "2026-11-30T06:59:30", "2026-11-30T07:00"),
        ("cron(0 7 * * ? *)", "2026-11-30T07:00", "2026-12-01T07:00"),
        # weekdays at 10:15, from a Friday afternoon: the next Monday
        ("cron(15 10 ? * MON-FRI *)", "2026-12-04T11:00", "2026-12-07T10:15"),
        # every 15 minutes
        ("cron(0/15 * * * ? *)", "2026-11-30T10:07", "2026-11-30T10:15"),
        ("cron(*/15 * * * ? *)", "2026-11-30T10:45", "2026-11-30T11:00"),
        # AWS numbers days of the week from Sunday = 1
        ("cron(0 8 ? * 1 *)", "2026-11-30T00:00", "2026-12-06T08:00"),
        ("cron(30 18 ? * SAT,SUN *)", "2026-11-30T00:00", "2026-12-05T18:30"),
        # lists and ranges in hours; month names; the first of a month
        ("cron(0 9,17 * * ? *)", "2026-11-30T09:00", "2026-11-30T17:00"),
        ("cron(0 9-11/2 * * ? *)", "2026-11-30T09:30", "2026-11-30T11:00"),
        ("cron(0 9 1 JAN,JUL ? *)", "2026-11-30T00:00", "2027-01-01T09:00"),
        # the 31st skips short months; the 29th of February waits for a leap year
        ("cron(0 0 31 * ? *)", "2026-11-01T00:00", "2026-12-31T00:00"),
        ("cron(0 0 29 2 ? *)", "2026-03-01T00:00", "2028-02-29T00:00"),
        # a year field
        ("cron(0 12 1 1 ? 2030)", "2026-11-30T00:00", "2030-01-01T12:00"),
        # the last minute of the year rolls over
        ("cron(* * * * ? *)", "2026-12-31T23:59:10", "2027-01-01T00:00"),
    ],
)
def test_cron_next_fire_time(expression, after, expected):
    assert parse_schedule(expression).next_after(at(after)) == at(expected)


def test_cron_with_no_future_fire_time_gives_none():
    assert parse_schedule("cron(0 12 * * ? 2025)").next_after(at("2026-01-01T00:00")) is None


def test_cron_fire_times_are_utc_whatever_the_input_zone():
    london_summer = datetime(2026, 7, 1, 7, 30, tzinfo=timezone(timedelta(hours=1)))  # 06:30 UTC
    assert parse_schedule("cron(0 7 * * ? *)").next_after(london_summer) == at("2026-07-01T07:00")


@pytest.mark.parametrize(
    "expression, interval",
    [
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(2 hours)", timedelta(hours=2)),
        ("rate(1 day)", timedelta(days=1)),
        (Rate(10, unit=Rate.MINUTES), timedelta(minutes=10)),
        (Rate(1, unit=Rate.HOURS), timedelta(hours=1)),
    ],
)
def test_rate_fires_every_interval(expression, interval):
    schedule = parse_schedule(expression)
    assert schedule == RateSchedule(interval)
    assert schedule.next_after(at("2026-11-30T08:00")) == at("2026-11-30T08:00") + interval


def test_chalice_cron_objects_are_understood():
    schedule = parse_schedule(Cron(0, 7, "?", "*", "MON-FRI", "*"))
    assert isinstance(schedule, CronSchedule)
    assert schedule.next_after(at("2026-12-05T00:00")) == at("2026-12-07T07:00")  # Saturday -> Monday


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 7 * * * *)",  # AWS needs '?' in day-of-month or day-of-week
        "cron(0 7 ? * ? *)",
        "cron(0 7 * *)",  # five fields
        "cron(60 7 * * ? *)",
        "cron(0 7 L * ? *)",  # L, W and # are not supported locally
        "cron(0 7 ? * MON#1 *)",
        "cron(0 ? * * ? *)",
        "cron(0/0 * * * ? *)",
        "rate(0 minutes)",
        "rate(1 minutes)",  # AWS wants the singular for 1
        "rate(5 minute)",
        "rate(5 weeks)",
        "every 5 minutes",
    ],
)
def test_expressions_aws_would_refuse_are_refused(expression):
    with pytest.raises(ValueError):
        parse_schedule(expression)


def _app_with_schedules(calls):
    app = Chalice(app_name="clock")

    @app.schedule(Rate(5, unit=Rate.MINUTES))
    def every_five(event):
        calls.append(("every_five", event.to_dict()))

    @app.schedule("cron(0 7 * * ? *)", name="morning")
    def morning_summary(event):
        calls.append(("morning", event.to_dict()))

    handlers = {"app.every_five": every_five, "app.morning_summary": morning_summary}
    return app, handlers


def test_schedules_are_found_on_the_app_and_named_like_their_functions():
    app, handlers = _app_with_schedules([])
    jobs = scheduled_jobs(app, resolve=handlers.__getitem__)
    assert [(j.name, j.expression, j.function) for j in jobs] == [
        ("every_five", "rate(5 minutes)", "clock-dev-every_five"),
        ("morning", "cron(0 7 * * ? *)", "clock-dev-morning"),
    ]


def test_a_due_schedule_invokes_its_handler_with_an_eventbridge_event():
    calls = []
    app, handlers = _app_with_schedules(calls)
    jobs = [j for j in scheduled_jobs(app, resolve=handlers.__getitem__) if j.name == "every_five"]
    stop = threading.Event()
    ticks = iter(at("2026-11-30T08:00") + timedelta(minutes=5 * n) for n in range(100))

    def now():  # each look at the clock is five minutes later: the job is due at once
        return next(ticks)

    def handler(event, context):
        handlers["app.every_five"](event, context)
        stop.set()

    jobs[0].handler = handler
    plan(jobs, now())
    assert jobs[0].next_at == at("2026-11-30T08:05")
    worker = threading.Thread(target=run_schedules, args=(jobs, stop, now), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive()
    (name, event), = calls
    assert name == "every_five"
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2026-11-30T08:05:00Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/clock-dev-every_five"]


def test_every_schedule_the_real_app_declares_parses():
    import app

    for job in scheduled_jobs(app.app):
        assert job.schedule.next_after(at("2026-11-30T08:00")) is not None, job.expression


def test_a_fire_planned_before_a_stop_is_due_at_once_after_the_restart_and_only_once(tmp_path):
    """The local system saves its plan after every run; a restart after the daily job's time
    (the system was down, or killed while the job ran) runs it once, then plans as usual."""
    calls = []
    app, handlers = _app_with_schedules(calls)
    plan_file = tmp_path / "schedules.json"
    jobs = scheduled_jobs(app, resolve=handlers.__getitem__)
    plan(jobs, at("2026-11-30T06:00"))
    save_plan(plan_file, jobs)  # what the first run left behind, before it was stopped
    assert load_plan(plan_file) == {"every_five": at("2026-11-30T06:05"), "morning": at("2026-11-30T07:00")}

    restarted = scheduled_jobs(app, resolve=handlers.__getitem__)
    plan(restarted, at("2026-11-30T09:00"), load_plan(plan_file))
    assert {j.name: j.next_at for j in restarted} == {"every_five": at("2026-11-30T06:05"), "morning": at("2026-11-30T07:00")}

    stop = threading.Event()
    clock = iter([at("2026-11-30T09:00")] * 5 + [at("2026-11-30T09:01")] * 100)
    original = restarted[1].handler

    def morning(event, context):
        original(event, context)
        stop.set()

    restarted[1].handler = morning
    worker = threading.Thread(target=run_schedules, args=(restarted, stop, lambda: next(clock), plan_file), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert [name for name, _ in calls] == ["every_five", "morning"]  # each missed job once
    assert calls[1][1]["time"] == "2026-11-30T07:00:00Z"  # the fire that was missed
    assert load_plan(plan_file)["morning"] == at("2026-12-01T07:00")
    assert load_plan(plan_file)["every_five"] == at("2026-11-30T09:05")


def test_no_saved_plan_plans_from_now(tmp_path):
    app, handlers = _app_with_schedules([])
    jobs = scheduled_jobs(app, resolve=handlers.__getitem__)
    plan(jobs, at("2026-11-30T06:00"), load_plan(tmp_path / "missing.json"))
    assert [j.next_at for j in jobs] == [at("2026-11-30T06:05"), at("2026-11-30T07:00")]
