"""The dispatch board (`GET /board`) at the issue's scale: 30 technicians and 300 appointments in
the week, a few requests waiting and a daily review that flagged some orders. DynamoDB calls
(counted at botocore's entry point) and latency of the board for one day and for the week,
against in-process moto answering each Query from its partition (bench/moto_partitions.py), as
DynamoDB does.

`scale_world` is shared with tests/api/test_board.py (the call budget test). This module changes
the process environment only when `measure` runs."""
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)  # a Monday, 08:00 in London
TECHNICIANS, APPOINTMENTS, REQUESTS, RUNS = 30, 300, 6, 30
HOURS = [(8, 0), (10, 30), (13, 0), (15, 30)]


def scale_world(now: datetime = NOW, technicians: int = TECHNICIANS, appointments: int = APPOINTMENTS,
                requests: int = REQUESTS, setup: bool = True) -> dict:
    """The demo business padded to `technicians`, with `appointments` scheduled orders spread over
    the seven days from `now`'s local date and `requests` waiting without a time. Orders are
    built as the intake builds them and written in batches (the board reads the order items
    only); the daily review then runs for real. `setup` False: the demo business is there already
    (a test's world). Returns the day and week dates."""
    from chalicelib.data.models import OrderModel, StaffModel
    from chalicelib.orders import intake as orders_intake, moves
    from chalicelib.reviews import runs
    from chalicelib.setup import technicians as setup_technicians
    from chalicelib.staff.auth import Principal
    from chalicelib.workflow import versions
    from infra import bootstrap, demo_data

    if setup:
        bootstrap.create_all()
        demo_data.load_staff_and_setup(now)
    for i in range(4, technicians + 1):
        StaffModel(f"tech-{i}", email=f"tech{i}@example.com", name=f"Technician {i:02d}", role="technician").save()
        setup_technicians.save_profile(f"tech-{i}", demo_data.TECHNICIANS["tech-1"])
    dispatcher = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
    pm = versions.current()
    zone = ZoneInfo(demo_data.TIMEZONE)
    first = now.astimezone(zone).date()
    survey = demo_data.SERVICES["survey"]
    with OrderModel.batch_write() as batch:
        for n in range(appointments + requests):
            intake = orders_intake.Intake(
                {"name": f"Customer {n:03d}", "email": f"customer{n}@example.net", "phone": f"+4477009{n:05d}"},
                {"street": f"{n + 1} Bench Road", "city": "Bristol", "postcode": "BS1 1AA"},
                service_id="survey", service_name=survey["name"])
            order = orders_intake.build(f"WO-BENCH{n:04d}", dispatcher, intake, pm, now - timedelta(days=1), "phone")
            if n < appointments:
                hour, minute = HOURS[(n // technicians) % len(HOURS)]  # never twice at once for one technician
                start = datetime.combine(first + timedelta(days=n % 7), datetime.min.time(), zone).replace(hour=hour, minute=minute)
                order.technician_id = f"tech-{n % technicians + 1}"
                order.appointment_start = start.astimezone(timezone.utc)
                order.appointment_end = order.appointment_start + timedelta(minutes=survey["duration_minutes"])
                moves.track_step(order, pm.step("scheduled"), now - timedelta(hours=12))
            order.version = 1
            batch.save(order)
    runs.run("daily", now, "admin-1")
    return {"day": first.isoformat(), "week": first.isoformat()}


def measure() -> dict:
    from bench import use_in_process_moto

    use_in_process_moto()
    from moto import mock_aws

    from bench import moto_partitions
    from bench.dynamodb_calls import CallCounter
    from chalicelib.dispatch import board, context
    from infra import moto_atomic
    from tests.support import speedups
    from tests.support.world import reset_caches

    speedups.install()
    moto_atomic.install()
    moto_partitions.install()
    counter = CallCounter()
    counter.install()
    result = {}
    with mock_aws():
        reset_caches()
        context.forget()
        dates = scale_world()
        moto_partitions.enabled = True
        for name, days in (("day", "1"), ("week", "7")):
            params = {"date": dates[name], "days": days}
            context.forget()
            with counter.counting() as calls:
                answer = board.board(params, NOW)
            result[f"{name}_cold_calls"] = sum(calls.values())
            with counter.counting() as calls:
                answer = board.board(params, NOW)
            result[f"{name}_calls"] = sum(calls.values())
            result[f"{name}_calls_detail"] = dict(calls)
            result[f"{name}_appointments"] = len(answer["appointments"])
            result[f"{name}_tray"] = len(answer["tray"])
            result[f"{name}_bytes"] = len(json.dumps(answer))
            times = []
            for _ in range(RUNS):
                began = time.perf_counter()
                board.board(params, NOW)
                times.append((time.perf_counter() - began) * 1000)
            result[f"{name}_median_ms"] = round(statistics.median(times), 1)
            result[f"{name}_p90_ms"] = round(sorted(times)[int(len(times) * 0.9) - 1], 1)
        moto_partitions.enabled = False
        result["technicians"] = len(answer["technicians"])
    reset_caches()
    context.forget()
    return {"board": result}


DRAWS = 7
# What the page fetches besides the app itself (the API's answers).
API_PATHS = ("/auth/", "/business", "/board")


def measure_draw() -> dict:
    """In Chromium (Playwright, /usr/bin/chromium) against a real local system with the demo data,
    signed in as the dispatcher: the time from the page load to the board drawn (the app's
    `board-drawn` performance mark, milliseconds after navigation start), the median of DRAWS
    reloads; and the bytes the first load of the office app transferred (a fresh browser, no
    cache), the app's files apart from the API's answers."""
    import os

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"board_draw": {"skipped": "the playwright package is not installed"}}
    if not os.path.isfile(chromium):
        return {"board_draw": {"skipped": f"no Chromium at {chromium} (make browser)"}}
    import tempfile

    from tests.support.local_system import LocalSystem

    with tempfile.TemporaryDirectory() as work:
        system = LocalSystem(Path(work))
        try:
            system.wait_until_up()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB",
                                           timezone_id="Europe/London").new_page()
                page.goto(f"{system.url}/office/")
                page.wait_for_load_state("networkidle")
                entries = page.evaluate("""() => [...performance.getEntriesByType('navigation'),
                    ...performance.getEntriesByType('resource')].map(e => [e.name, e.transferSize, e.encodedBodySize])""")
                app_files = [e for e in entries if not any(p in e[0] for p in API_PATHS)]
                page.get_by_label("Email", exact=True).fill("dispatcher@example.com")
                page.get_by_label("Password", exact=True).fill("Demo-Password-1")
                page.get_by_role("button", name="Sign in", exact=True).click()
                page.wait_for_selector("[data-board-drawn]")
                board_files = page.evaluate("""() => performance.getEntriesByType('resource')
                    .filter(e => e.name.includes('/views/board')).map(e => [e.name, e.transferSize, e.encodedBodySize])""")
                drawn = []
                for _ in range(DRAWS):
                    page.reload()
                    page.wait_for_selector("[data-board-drawn]")
                    drawn.append(page.evaluate("performance.getEntriesByName('board-drawn')[0].startTime"))
                browser.close()
        finally:
            system.stop()
    files = {name: size for name, size, _ in app_files + board_files}  # each file once
    return {"board_draw": {
        "median_ms": round(statistics.median(drawn)),
        "runs_ms": [round(d) for d in drawn],
        "app_transferred_kb": round(sum(files.values()) / 1024, 1),
        "app_files": len(files),
    }}


if __name__ == "__main__":
    print(json.dumps({**measure(), **measure_draw()}, indent=2))
