"""The local system (`make run`) as a user meets it: a real `python -m infra.local` process on a
free port with the demo business, measured from outside.

- At rest: the process's CPU time (user + system, from /proc) over `IDLE_SECONDS`, once start-up
  has settled (the demo business loaded, its emails sent, then 10 s more), as a percentage of one core: the
  median of three such windows in a row; and the same again after the bookings below (a
  thousand orders in the tables).
- Under load: `CLIENTS` customers at once, each on a connection of its own per request, each
  asking the health check, two weeks of free slots and then booking one slot of its own
  (4 x 50 = 200 requests): requests per second, the 50th and 99th percentile latency by kind and
  overall, connection errors and 5xx answers.
- Memory: `BOOKINGS` online bookings through the HTTP API (`POST /public/bookings`), one after
  another, each on a slot the availability API listed free; the admin first lets customers book a
  year ahead (`PUT /business`, `max_days_ahead` 365) so that a thousand surveys fit on the three
  technicians' calendars. RSS after the first `EARLY` bookings and after all of them, each taken
  once the stream has sent every confirmation email (the outbox holds one per booking).
"""
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import local_system as local  # noqa: E402

IDLE_SECONDS, IDLE_WINDOWS, SETTLE_SECONDS = 10, 3, 10
CLIENTS = 50
BOOKINGS, EARLY = 1000, 100


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def idle_cpu_percent(system: local.LocalSystem, seconds: float = IDLE_SECONDS) -> float:
    pid = system.process.pid
    before, started = local.cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return round(100 * (local.cpu_seconds(pid) - before) / (time.monotonic() - started), 2)


def idle_windows(system: local.LocalSystem) -> tuple[float, list[float]]:
    """The median of `IDLE_WINDOWS` windows in a row (one stray job, such as the background import
    of the PDF library at start-up, does not make the figure), and every window."""
    windows = [idle_cpu_percent(system) for _ in range(IDLE_WINDOWS)]
    return statistics.median(windows), windows


def _wait_for_emails(system: local.LocalSystem, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while len(list(system.outbox.glob("*.eml"))) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} emails expected in the outbox within {timeout} s:\n{system.log_tail()}")
        time.sleep(0.2)


def under_load(system: local.LocalSystem, starts: list[str]) -> dict:
    day = date.today() + timedelta(days=2)
    answers, seconds = local.many_clients(CLIENTS, lambda i: local.customer_visit(system.port, 10_000 + i, starts[i], day))
    answered = [a for a in answers if a.status is not None]
    kinds = sorted({a.kind for a in answers})
    return {
        "clients": CLIENTS, "requests": len(answers), "seconds": round(seconds, 2),
        "requests_per_second": round(len(answers) / seconds, 1),
        "p50_ms": _percentile([a.seconds for a in answered], 0.50),
        "p99_ms": _percentile([a.seconds for a in answered], 0.99),
        "by_kind_p50_p99_ms": {k: [_percentile([a.seconds for a in answered if a.kind == k], f) for f in (0.5, 0.99)]
                               for k in kinds},
        "connection_errors": sorted({a.error for a in answers if a.error}),
        "answers_5xx": sum(1 for a in answered if a.status >= 500),
        "bookings": {str(status): sum(1 for a in answered if a.kind == "booking" and a.status == status)
                     for status in sorted({a.status for a in answered if a.kind == "booking"})},
    }


def _book_until(system: local.LocalSystem, starts: list[str], token: str, made: int, target: int, refused: list) -> int:
    while made < target:
        start = starts.pop(0)
        status, body = local.request(system.port, "POST", "/public/bookings", local.booking_body(start, made, token))
        if status == 201:
            made += 1
        elif status == 409:
            refused.append(start)  # taken by an earlier booking's travel buffer: the next slot
        else:
            raise RuntimeError(f"booking {start}: {status} {body[:300]!r}")
    return made


def memory_over_bookings(system: local.LocalSystem, starts: list[str], token: str, emails_before: int) -> dict:
    refused: list = []
    started = time.monotonic()
    made = _book_until(system, starts, token, 0, EARLY, refused)
    _wait_for_emails(system, emails_before + made)
    early = local.rss_mb(system.process.pid)
    made = _book_until(system, starts, token, made, BOOKINGS, refused)
    _wait_for_emails(system, emails_before + made)
    late = local.rss_mb(system.process.pid)
    return {"bookings": made, "refused_409": len(refused), "seconds": round(time.monotonic() - started, 1),
            f"rss_mb_after_{EARLY}": round(early, 1), f"rss_mb_after_{BOOKINGS}": round(late, 1),
            "growth_mb": round(late - early, 1), "path": "HTTP, POST /public/bookings"}


def measure() -> dict:
    with tempfile.TemporaryDirectory() as work:
        # As `make run` starts it, whatever the benchmarks before this one set in this process.
        system = local.LocalSystem(Path(work), env={**local.ONE_ADDRESS_CROWD, "POWERTOOLS_METRICS_DISABLED": "false"})
        try:
            system.wait_until_up()
            _wait_for_emails(system, 2)  # the demo business's two booked jobs
            time.sleep(SETTLE_SECONDS)
            idle, idle_each = idle_windows(system)
            rss_at_start = local.rss_mb(system.process.pid)
            admin = {"Authorization": f"Bearer {local.login(system.url, 'admin@example.com')}"}
            local.requests.put(f"{system.url}/business", json={"booking": {"max_days_ahead": 365}},
                               headers=admin, timeout=30).raise_for_status()
            starts, token = local.free_starts(system.url, date.today() + timedelta(days=2), 360)
            # The crowd's slots two hours apart (every fourth on the half-hour grid), each free.
            crowd = starts[::4][:CLIENTS]
            load = under_load(system, crowd)
            emails = len(list(system.outbox.glob("*.eml")))
            memory = memory_over_bookings(system, [s for s in starts if s not in set(crowd)], token, emails)
            time.sleep(SETTLE_SECONDS)
            idle_after, idle_after_each = idle_windows(system)
        finally:
            system.stop()
    return {
        "local_idle_cpu_percent": idle,
        "local_idle_cpu_percent_after_bookings": idle_after,
        "local_idle_cpu_windows": {"at_start": idle_each, "after_bookings": idle_after_each, "seconds_each": IDLE_SECONDS},
        "local_load": load,
        "local_memory": {**memory, "rss_mb_at_start": round(rss_at_start, 1)},
        "local_memory_growth_mb": memory["growth_mb"],
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
