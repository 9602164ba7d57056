"""The whole local system (`python -m infra.local`, as `make run` starts it) as a child process,
for the system tests, the browser tests, the fuzzer and the benchmarks: on a free port, with
LOCAL_DIR in a folder of the caller's, so its outbox (`<LOCAL_DIR>/outbox/*.eml`) and log are that
caller's alone. Also: customers booking through the public API, many clients at once, and the
process's CPU time and memory as the kernel counts them."""
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Callable

import requests

ROOT = Path(__file__).resolve().parents[2]


def _ephemeral_ports() -> range:
    """The ports the kernel hands out to outgoing connections and to `bind(0)` (Linux)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_port() -> int:
    """A free loopback port for a server started next, in another process. Picked below the
    ephemeral range: a port from `bind(0)` is free only until the kernel gives it to some
    outgoing connection, which the many clients of tests running side by side (pytest -n) do
    within the second a local system takes to bind it."""
    top, chooser = min(_ephemeral_ports().start, 32768), random.SystemRandom()
    for _ in range(50 if top > 20000 else 0):
        port = chooser.randrange(20000, top)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(local_dir: Path, extra: dict | None = None) -> dict:
    """This environment without AWS settings (the local system sets its own), plus `extra`. The
    demo without its months of history (infra/demo_history) unless DEMO_HISTORY says otherwise."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_", "JWKS_"))}
    return {"DEMO_HISTORY": "0", **env, "LOCAL_DIR": str(local_dir), "PYTHONUNBUFFERED": "1", **(extra or {})}


# Many customers from one address (the test's): the limits per client address off, and no
# minimum time between showing the booking form and sending it (nobody types here).
ONE_ADDRESS_CROWD = {"BOOKINGS_PER_ADDRESS": "0", "AVAILABILITY_PER_ADDRESS": "0", "FORM_MIN_SECONDS": "0"}


class LocalSystem:
    """Started at once; `wait_until_up()` before use, `stop()` (as Ctrl-C does) after."""

    def __init__(self, work: Path, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.local_dir = work / "local"
        self.outbox = self.local_dir / "outbox"
        self.log_path = work / "local.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local", "--port", str(self.port), "--local-dir", str(self.local_dir)],
            cwd=ROOT, env=child_env(self.local_dir, env), stdout=self._log, stderr=subprocess.STDOUT,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.splitlines()[-lines:])

    def wait_until_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"infra.local exited early:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"/health did not answer within {timeout} s:\n{self.log_tail()}")

    def emails(self) -> list:
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(p.read_bytes()) for p in sorted(self.outbox.glob("*.eml"))]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # stops every server and thread, like Ctrl-C
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


# --- customers, many at once -------------------------------------------------------------------

PASSWORD = "Demo-Password-1"


def login(url: str, email: str) -> str:
    answer = requests.post(f"{url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    return answer.json()["id_token"]


def booking_body(start: str, n: int, form_token: str | None, service_id: str = "survey") -> dict:
    """Customer number `n` (an email and a phone number of their own) books `start`, in Bristol
    (every demo technician covers BS), with the form token the booking page was given."""
    return {"service_id": service_id, "start": start, "form_token": form_token,
            "customer": {"name": f"Customer {n}", "email": f"customer{n}@example.net", "phone": f"+44 7700 9{n:05d}"},
            "address": {"street": f"{n} High Street", "city": "Bristol", "postcode": "BS1 1AA"}}


def availability_path(first_day: date, days: int = 7, service_id: str = "survey") -> str:
    return f"/public/availability?service_id={service_id}&date={first_day.isoformat()}&days={days}"


def free_starts(url: str, first_day: date, days: int) -> tuple[list[str], str]:
    """The free survey slots' start times from `first_day` for `days` days, as the booking page
    sees them, and a form token to book them with."""
    starts, token = [], None
    for offset in range(0, days, 14):
        answer = requests.get(url + availability_path(first_day + timedelta(days=offset), min(14, days - offset)),
                              timeout=60)
        answer.raise_for_status()
        starts.extend(slot["start"] for slot in answer.json()["slots"])
        token = answer.json().get("form_token")
    return starts, token


@dataclass
class Answer:
    kind: str
    status: int | None  # None: no HTTP answer (`error` says why)
    seconds: float
    body: bytes = b""
    error: str | None = None


def request(port: int, method: str, path: str, body: dict | None = None, timeout: float = 120) -> tuple[int, bytes]:
    """One request on a connection of its own, as a new visitor's browser opens one."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def timed(kind: str, port: int, method: str, path: str, body: dict | None = None) -> Answer:
    started = time.perf_counter()
    try:
        status, data = request(port, method, path, body)
        return Answer(kind, status, time.perf_counter() - started, data)
    except OSError as exc:  # ConnectionResetError, ConnectionRefusedError, timeouts
        return Answer(kind, None, time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")


def customer_visit(port: int, n: int, start: str, day: date) -> list[Answer]:
    """One customer on the booking page: the health check, the week's free slots, the next
    week's, and a booking of `start` with the form token the page was given."""
    answers = [timed("health", port, "GET", "/health"),
               timed("availability", port, "GET", availability_path(day)),
               timed("availability", port, "GET", availability_path(day + timedelta(days=7)))]
    try:
        token = json.loads(answers[1].body).get("form_token")
    except ValueError:
        token = None
    answers.append(timed("booking", port, "POST", "/public/bookings", booking_body(start, n, token)))
    return answers


def many_clients(count: int, visit: Callable[[int], list[Answer]]) -> tuple[list[Answer], float]:
    """`visit(i)` for i in range(count), each in a thread of its own, all released at once;
    every answer (or the error instead of one) and the seconds the whole took."""
    barrier, answers, lock = threading.Barrier(count), [], threading.Lock()

    def client(i):
        barrier.wait()
        mine = visit(i)
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


# --- the process, as the kernel counts it -------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")
