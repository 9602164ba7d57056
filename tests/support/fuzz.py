"""Fuzzing the HTTP API with Schemathesis against the local system, using docs/openapi.yaml.

`python -m tests.support.fuzz [--profile ci|full]` (`make fuzz` runs `full`; tests/system/test_fuzz.py runs `ci`):

1. starts `python -m infra.local` on a free port, with its own embedded AWS and demo business;
2. signs in as the demo admin, whose token goes on every request (admins may call every staff
   route; public routes ignore it);
3. seeds a world worth fuzzing through the API itself: a web booking (with its manage token), a
   completed and invoiced order, a technician's time off. Their ids, and dates and slot times that
   can really be booked, go to Schemathesis as dictionaries, so the operations on an existing
   order, booking, invoice or slot run their real logic and not only their 404 or 422 branch;
4. runs Schemathesis on the spec the local system serves (`GET /openapi.yaml`) with the checks
   `not_a_server_error` (no 5xx), `status_code_conformance` (every status is documented),
   `content_type_conformance` and `response_schema_conformance`;
5. stops the local system; the exit code is Schemathesis's (0: nothing found).

A failure prints a `curl` line to reproduce it. The local system's log is kept in the work folder.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import requests

from tests.support.local_system import LocalSystem

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin@example.com", "Demo-Password-1")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
TIMEOUT = 15
# The ends of the calendar, where date arithmetic overflows: offered with the real dates and times.
EDGE_DATES = ["0001-01-01", "1969-12-31", "9999-12-31"]
EDGE_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1969-12-31T23:59:59Z"]
# A valid 1x1 PNG, as the technician's app sends a signature (tests.support.helpers.TINY_PNG).
TINY_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=")


@dataclass(frozen=True)
class Profile:
    max_examples: int
    max_time: int  # seconds of fuzzing: Schemathesis repeats its phases until it is spent
    phases: str
    seed: int | None  # fixed for CI, so a failure there reproduces; random for `make fuzz`


# One worker: with two, Schemathesis's threads call `ast.parse` (through Hypothesis) at the same
# time, which CPython 3.11 does not survive ("AST constructor recursion depth mismatch").
PROFILES = {
    # Bounded for CI (tests/system/test_fuzz.py): a few examples per operation, about a minute and a half.
    "ci": Profile(max_examples=5, max_time=75, phases="examples,coverage,fuzzing", seed=20261130),
    # `make fuzz`: many examples, the stateful phase along the spec's links, ten minutes.
    "full": Profile(max_examples=100, max_time=600, phases="examples,coverage,fuzzing,stateful", seed=None),
}


# --- a world worth fuzzing ----------------------------------------------------------------------

class Api:
    def __init__(self, url: str, token: str | None = None):
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body=None, expect=(200, 201)) -> dict:
        r = requests.request(method, self.url + path, json=body, headers=self.headers, timeout=TIMEOUT)
        if r.status_code not in expect:
            raise RuntimeError(f"seeding: {method} {path} answered {r.status_code}: {r.text[:500]}")
        return r.json()


def login(url: str) -> str:
    email, password = ADMIN
    return Api(url).call("POST", "/auth/login", {"email": email, "password": password})["id_token"]


def _free_slots(public: Api, today: date) -> list[str]:
    for offset in (2, 9, 16):
        first = today + timedelta(days=offset)
        slots = public.call("GET", f"/public/availability?service_id=survey&date={first.isoformat()}&days=7")["slots"]
        if slots:
            return [s["start"] for s in slots]
    return []


def _invoice_an_order(admin: Api, order: dict) -> str | None:
    """Work an order through to `completed`; the stream automation invoices it within seconds."""
    order_id = order["order_id"]
    for step in ("en_route", "in_progress"):
        order = admin.call("POST", f"/orders/{order_id}/transitions", {"to": step, "expected_version": order["version"]})
    admin.call("POST", f"/orders/{order_id}/line-items", {"price_item_id": "window-casement", "quantity": 2})
    order = admin.call("POST", f"/orders/{order_id}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Fuzz Customer"})
    admin.call("POST", f"/orders/{order_id}/transitions", {"to": "completed", "expected_version": order["version"]})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = requests.get(f"{admin.url}/orders/{order_id}/invoice", headers=admin.headers, timeout=TIMEOUT)
        if r.status_code == 200:
            return r.json()["invoice_id"]
        time.sleep(0.5)
    return None


def seed_world(url: str, token: str) -> dict:
    """Create what the fuzzer should find, through the API; returns the dictionaries for it."""
    admin, public = Api(url, token), Api(url)
    today = date.fromisoformat(admin.call("GET", "/technician/jobs?technician=tech-1")["date"])
    starts = _free_slots(public, today)
    booking = None
    token = public.call("GET", "/public/services")["form_token"]  # as the booking form gets it
    if starts:
        form = {
            "service_id": "survey", "start": starts[len(starts) // 2],
            "customer": {"name": "Fuzz Customer", "email": "fuzz@example.net", "phone": "+44 7700 900999"},
            "address": {"street": "1 Fuzz Lane", "city": "Bristol", "postcode": "BS1 1AA"},
            "form_token": token,
        }
        booking = public.call("POST", "/public/bookings", form, expect=(201, 429))
        if "error" in booking:  # sooner than the form's minimum time after its token: wait, as the form does
            time.sleep(booking["error"]["details"]["retry_after"])
            booking = public.call("POST", "/public/bookings", form)
    orders = admin.call("GET", "/orders")["orders"]
    # a job (an estimate has no "in progress" and is never invoiced)
    scheduled = [o for o in orders if o["step"] == "scheduled" and o["source"] == "phone" and o["kind"] != "estimate"]
    invoice_id = _invoice_an_order(admin, scheduled[0]) if scheduled else None
    time_off = admin.call("POST", "/technicians/tech-3/time-off", {
        "start": f"{today + timedelta(days=30)}T09:00:00+00:00", "end": f"{today + timedelta(days=30)}T12:00:00+00:00",
        "reason": "Training"})["time_off"]
    return {
        "order_ids": [o["order_id"] for o in admin.call("GET", "/orders")["orders"]],
        "booking_ids": [booking["order_id"]] if booking else [],
        "manage_tokens": [booking["manage_url"].split("token=")[1]] if booking else [],
        "invoice_ids": [invoice_id] if invoice_id else [],
        "technician_ids": ["tech-1", "tech-2", "tech-3"],
        "time_off_ids": [t["id"] for t in time_off],
        "service_ids": [s["id"] for s in public.call("GET", "/public/services")["services"]],
        "price_item_ids": [i["id"] for i in admin.call("GET", "/price-list")["items"]],
        "dates": [(today + timedelta(days=d)).isoformat() for d in range(0, 14)] + EDGE_DATES,
        "starts": starts[:40] + EDGE_TIMES,
        "form_tokens": [token],
        "steps": [s["key"] for s in admin.call("GET", "/workflow")["steps"]],
    }


def _toml_list(values: list) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


# One client sends everything, at once: the abuse limits (tests/api/test_limits.py) would answer
# most requests 429 and hide the logic behind them from the fuzzer. The form token still counts.
FUZZ_LIMITS = {"BOOKINGS_PER_ADDRESS": "0", "AVAILABILITY_PER_ADDRESS": "0", "BOOKINGS_PER_CONTACT": "0",
               "FORM_MIN_SECONDS": "0"}

# parameter -> (dictionary, probability), for every operation
BINDINGS = {
    "path.invoice_id": ("invoice_ids", 0.8),
    "path.technician_id": ("technician_ids", 0.8),
    "path.time_off_id": ("time_off_ids", 0.6),
    "path.service_id": ("service_ids", 0.5),
    "path.item_id": ("price_item_ids", 0.5),
    "query.service_id": ("service_ids", 0.8),
    "query.date": ("dates", 0.7),
    "query.from": ("dates", 0.5),
    "query.to": ("dates", 0.5),
    "query.technician": ("technician_ids", 0.7),
    "query.step": ("steps", 0.7),
    "body.service_id": ("service_ids", 0.8),
    "body.price_item_id": ("price_item_ids", 0.8),
    "body.technician_id": ("technician_ids", 0.6),
    "body.to": ("steps", 0.8),
    "body.start": ("starts", 0.6),
    "body.form_token": ("form_tokens", 0.8),
}
# path regex -> its own bindings: staff routes get the orders; the manage routes get the web
# booking's own id with its own token, so the token matches.
OPERATION_BINDINGS = {
    "^/orders/": {"path.order_id": ("order_ids", 0.8)},
    "^/public/bookings/": {"path.order_id": ("booking_ids", 0.8), "query.token": ("manage_tokens", 0.8)},
}


def _binding(parameter: str, name: str, probability: float) -> str:
    return f'"{parameter}" = {{ dictionary = "{name}", probability = {probability} }}'


def config_toml(dictionaries: dict) -> str:
    """A schemathesis.toml: real values for ids, dates and fields, chosen most of the time, so
    the rest of the time Schemathesis still generates its own. An empty dictionary binds nothing."""
    present = {name for name, values in dictionaries.items() if values}
    lines = []
    for name in sorted(present):
        lines += [f"[dictionaries.{name}]", f"values = {_toml_list(dictionaries[name])}", ""]
    lines.append("[parameters]")
    lines += [_binding(p, name, chance) for p, (name, chance) in BINDINGS.items() if name in present]
    for regex, bindings in OPERATION_BINDINGS.items():
        chosen = [_binding(p, name, chance) for p, (name, chance) in bindings.items() if name in present]
        if chosen:
            lines += ["", "[[operations]]", f'include-path-regex = "{regex}"', "[operations.parameters]", *chosen]
    return "\n".join(lines) + "\n"


# --- the run ------------------------------------------------------------------------------------

def schemathesis_command(url: str, token: str, profile: Profile, config: Path, seed: int | None) -> list[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color", "run", f"{url}/openapi.yaml",
        "--url", url, "--header", f"Authorization: Bearer {token}", "--checks", CHECKS,
        "--phases", profile.phases, "--max-examples", str(profile.max_examples), "--max-time", str(profile.max_time),
        "--workers", "1", "--generation-database", "none", "--request-timeout", "30",
        "--suppress-health-check", "all",
    ]
    if seed is not None:
        command += ["--seed", str(seed)]
    return command


def run(profile_name: str, work: Path, seed: int | None = None) -> int:
    profile = PROFILES[profile_name]
    seed = seed if seed is not None else profile.seed
    system = LocalSystem(work, env=FUZZ_LIMITS)
    try:
        system.wait_until_up()
        served = requests.get(f"{system.url}/openapi.yaml", timeout=TIMEOUT)
        if served.status_code != 200 or served.content != (ROOT / "docs" / "openapi.yaml").read_bytes():
            raise RuntimeError(f"GET /openapi.yaml did not serve docs/openapi.yaml ({served.status_code})")
        token = login(system.url)
        dictionaries = seed_world(system.url, token)
        config = work / "schemathesis.toml"
        config.write_text(config_toml(dictionaries))
        print(f"fuzz: local system at {system.url}; seeded {json.dumps({k: len(v) for k, v in dictionaries.items()})}",
              flush=True)
        command = schemathesis_command(system.url, token, profile, config, seed)
        return subprocess.run(command, cwd=work, timeout=profile.max_time + 300).returncode
    finally:
        system.stop()
        print(f"fuzz: the local system's log is {system.log_path}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--seed", type=int, default=None, help="Schemathesis's random seed (default: the profile's)")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the log and config go (default: a new temporary folder)")
    options = parser.parse_args(argv)
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    return run(options.profile, work.resolve(), options.seed)


if __name__ == "__main__":
    sys.exit(main())
