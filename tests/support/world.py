"""One fixture builds the world: in-process moto with the tables, the Cognito pool and the demo
business; tests state only what differs. A tier's conftest takes these with
`from tests.support.world import *`."""
import gzip
import itertools
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from moto import mock_aws

from infra import moto_atomic
from tests.support import speedups

__all__ = [  # the fixtures (and the helpers tests import from here)
    "jwks_url", "_module_world", "aws", "world", "clock", "_scan_guard_installed", "scan_guard",
    "client", "as_", "new_order", "stream", "deliver",
    "FIXED_NOW", "Api", "Response", "EMAILS", "login", "next_free_slot", "reset_caches",
]

speedups.install()
moto_atomic.install()

FIXED_NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)  # a Monday, 08:00 in London


def _moto_jwks_file(tmp_dir: Path) -> str:
    """moto signs every pool's tokens with one key pair; its public half, as a JWKS file."""
    import moto.cognitoidp

    source = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-public.json.gz"
    target = tmp_dir / "jwks.json"
    target.write_bytes(gzip.decompress(source.read_bytes()))
    return target.as_uri()


@pytest.fixture(scope="session")
def jwks_url(tmp_path_factory):
    return _moto_jwks_file(tmp_path_factory.mktemp("jwks"))


def reset_caches():
    from chalicelib.core import aws as core_aws
    from chalicelib.events import automations
    from chalicelib.mail import messages
    from chalicelib.staff import auth, directory
    from chalicelib.workflow import versions
    from chalicelib.data.models import ALL_MODELS

    core_aws.client.cache_clear()
    automations._run_once.cache_clear()
    messages._environment.cache_clear()
    versions._versions.clear()
    directory._profiles.clear()
    auth._key_set = auth._KeySet()
    for model in ALL_MODELS:
        model._connection = None


@pytest.fixture
def clock(monkeypatch):
    """A controllable clock: `clock.now` is what the app sees as now."""

    class Clock:
        now = FIXED_NOW

        def advance(self, **delta):
            from datetime import timedelta

            self.now = self.now + timedelta(**delta)

    c = Clock()
    from chalicelib.core import clock as core_clock

    monkeypatch.setattr(core_clock, "now", lambda: c.now)
    return c


def _shared(request) -> bool:
    return request.node.get_closest_marker("shared_world") is not None


@pytest.fixture(scope="module")
def _module_world(jwks_url):
    """One world for a whole module marked `shared_world`."""
    from infra import bootstrap, demo_data

    patch = pytest.MonkeyPatch()
    patch.setenv("JWKS_URL", jwks_url)
    try:
        with mock_aws():
            reset_caches()
            created = bootstrap.create_all()
            for key, value in created.items():
                patch.setenv(key, value)
            demo_data.load_staff_and_setup(FIXED_NOW)
            yield created
        reset_caches()
    finally:
        patch.undo()


@pytest.fixture
def aws(request, jwks_url, monkeypatch):
    if _shared(request):
        yield request.getfixturevalue("_module_world")
        return
    monkeypatch.setenv("JWKS_URL", jwks_url)
    with mock_aws():
        reset_caches()
        from infra import bootstrap

        created = bootstrap.create_all()
        for key, value in created.items():
            monkeypatch.setenv(key, value)
        yield created
    reset_caches()


@pytest.fixture
def world(request, aws, clock):
    """The demo business with its staff, price list and process map (no orders)."""
    from infra import demo_data

    if not _shared(request):
        demo_data.load_staff_and_setup(clock.now)
    return aws


# --- the Scan guard ---------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def _scan_guard_installed():
    """No code path may Scan a DynamoDB table: every read goes through a key or an index."""
    from tests.support.helpers import SCAN_GUARD

    SCAN_GUARD.install()
    yield SCAN_GUARD
    SCAN_GUARD.uninstall()


@pytest.fixture(autouse=True)
def scan_guard(_scan_guard_installed):
    """Fails the test if anything scanned during it, even where the error was swallowed (a stream
    handler reports failures instead of raising, a view turns exceptions into 500)."""
    guard = _scan_guard_installed
    guard.calls.clear()
    yield guard
    calls, guard.calls[:] = list(guard.calls), []
    if calls:
        pytest.fail(f"DynamoDB Scan called: {calls}", pytrace=False)


@pytest.fixture
def client(world):
    from chalice.test import Client

    import app

    with Client(app.app) as c:
        yield c


class Api:
    """The HTTP API as a signed-in person would use it."""

    def __init__(self, client, token=None):
        self.client, self.token = client, token

    def headers(self, extra=None):
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(extra or {})
        return h

    def call(self, method, path, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=self.headers(headers), body=data)
        return Response(response)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self.call("DELETE", path, body, **kw)


class Response:
    def __init__(self, raw):
        self.status = raw.status_code
        self.headers = raw.headers
        self.text = raw.body.decode() if isinstance(raw.body, bytes) else raw.body
        try:
            self.json = json.loads(self.text) if self.text else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.text[:300]}>"


EMAILS = {
    "admin": "admin@example.com",
    "dispatcher": "dispatcher@example.com",
    "tech1": "tech1@example.com",
    "tech2": "tech2@example.com",
    "tech3": "tech3@example.com",
}


def login(client, who: str) -> str:
    from infra.demo_data import PASSWORD

    r = Api(client).post("/auth/login", {"email": EMAILS[who], "password": PASSWORD})
    assert r.status == 200, r
    return r.json["id_token"]


@pytest.fixture
def as_(client):
    """`as_("dispatcher")` -> an Api signed in as that demo user (tokens cached per test)."""
    tokens = {}

    def make(who=None):
        if who is None:
            return Api(client)
        if who not in tokens:
            tokens[who] = login(client, who)
        return Api(client, tokens[who])

    return make


_slots = itertools.count()


def next_free_slot() -> dict:
    """Weekdays from Monday 4 January 2027: 08:00, 10:30 and 13:00 (GMT), two hours each, so the
    travel buffer never makes two of them clash and every technician works then."""
    from datetime import date, timedelta

    n = next(_slots)
    day, weekday_index = date(2027, 1, 4), n // 3
    day += timedelta(days=weekday_index // 5 * 7 + weekday_index % 5)
    hour, minute = [(8, 0), (10, 30), (13, 0)][n % 3]
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}


@pytest.fixture
def new_order(as_):
    """Create an order by phone intake; keyword arguments override the body. By default it is
    tech1's, with its own two-hour appointment reserved (each order a different free slot, from
    January 2027, clear of the dates tests name), waiting in `requested`."""

    def make(who="dispatcher", **overrides):
        body = {
            "customer": {"name": "Ada Lovelace", "email": "ada@example.net", "phone": "+44 7700 900001"},
            "address": {"street": "1 Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"},
            "service_name": "Window installation",
            "technician_id": "tech-1",
            "appointment": next_free_slot(),
        }
        body.update(overrides)
        r = as_(who).post("/orders", body)
        assert r.status == 201, r
        return r.json

    return make


# --- the orders stream --------------------------------------------------------------------------

@pytest.fixture
def stream(world):
    """Reads moto's orders stream and turns its records into the Lambda event's shape."""
    from tests.support.helpers import StreamReader

    return StreamReader()


@pytest.fixture
def deliver(client):
    """Hand records to the stream handler in one batch; returns the handler's answer."""

    def invoke(records):
        return client.lambda_.invoke("on_order_change", {"Records": records}).payload

    return invoke
