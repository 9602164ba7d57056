"""One fixture builds the world: in-process moto with the tables, the Cognito pool and the demo
business; tests state only what differs. A tier's conftest takes these with
`from tests.support.world import *`."""
import copy
import gzip
import itertools
import json
import os
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


_client_settings_seen = None
_NOT_CLIENT_SETTINGS = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                  "AWS_SECURITY_TOKEN", "AWS_EXECUTION_ENV"})


def _client_settings() -> tuple:
    """What a botocore client takes from the environment when made: region, endpoints, retries.
    Not the keys, which mock_aws() swaps for its own while active and moto does not check, nor
    AWS_EXECUTION_ENV, which chalice.test.Client sets and only names the caller."""
    return tuple(sorted((k, v) for k, v in os.environ.items()
                        if k.startswith("AWS_") and k not in _NOT_CLIENT_SETTINGS))


def reset_caches(keep_clients: bool = False):
    """Forget what the app keeps between invocations. `keep_clients` keeps the boto3 clients and
    PynamoDB's connections when the environment they were made from is unchanged: moto answers
    them whichever `mock_aws()` is active (they hold no data), and making them again costs more
    than most tests (about 30 ms a client)."""
    global _client_settings_seen
    from chalicelib.core import aws as core_aws
    from chalicelib.dispatch import context as board_context
    from chalicelib.events import automations
    from chalicelib.mail import messages
    from chalicelib.staff import auth, directory
    from chalicelib.workflow import versions
    from chalicelib.data.models import ALL_MODELS

    settings_now = _client_settings()
    if not (keep_clients and settings_now == _client_settings_seen):
        core_aws.client.cache_clear()
        for model in ALL_MODELS:
            model._connection = None
    _client_settings_seen = settings_now
    automations._run_once.cache_clear()
    messages._environment.cache_clear()
    versions._versions.clear()
    directory._profiles.clear()
    auth._key_set = auth._KeySet()
    board_context.forget()


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


# --- worlds built once, copied for each test ------------------------------------------------------
#
# Building a world through the API (fourteen tables, the user pool, five accounts, the settings) costs
# about 0.6 s of CPU; a test usually takes less. So each world is built once per process, through the
# very calls it always was, and what moto then holds (its backends) is deep-copied; each test gets a
# fresh deep copy of that, in a fresh `mock_aws()`, as if built for it. A copy is keyed by everything
# the build reads (the environment, the demo data's clock, moto as patched), so a test that changes
# one of them gets a world built for it. WORLD_COPIES=0 builds every world afresh, as before.

_COPIES = os.environ.get("WORLD_COPIES", "1") != "0"
_NOT_INPUTS = frozenset({"PYTEST_CURRENT_TEST", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID",
                         "AWS_EXECUTION_ENV"})  # the last: set by chalice.test.Client, read by no build
_copies: dict = {}  # key -> (what moto held, the environment the build answered)


def _key(level: str, now) -> tuple:
    from infra.local import moto_longrun

    from chalicelib.core import settings

    environment = {k: v for k, v in os.environ.items() if k not in _NOT_INPUTS}
    # the bucket's name, as bootstrap picks it (and then leaves in the environment)
    environment["FILES_BUCKET"] = os.environ.get("FILES_BUCKET", f"workorders-{settings.STAGE}-files")
    return level, now, tuple(sorted(environment.items())), bool(moto_longrun._undo)


def _moto_state() -> list:
    """moto's backends in use now, as (backend dict, {account: {region: backend}})."""
    from moto.core.base_backend import BackendDict

    return [(backends, {account: dict(regions) for account, regions in backends.items()})
            for backends in BackendDict._instances]


def _freeze(state: list) -> list:
    return copy.deepcopy(state, {id(backends): backends for backends, _ in state})


def _thaw(frozen: list) -> None:
    """Replace whatever moto holds with a fresh copy of `frozen` (inside an active mock_aws)."""
    from moto.core.base_backend import BackendDict

    for backends in list(BackendDict._instances):
        for regions in backends.values():
            regions.reset()
        backends.clear()
    BackendDict._instances.clear()
    for backends, accounts in _freeze(frozen):
        for account, regions in accounts.items():
            live = backends[account]  # registers the backend dict as in use, as moto does
            for region, backend in regions.items():
                dict.__setitem__(live, region, backend)


def _built(level: str, now, build, on: dict | None = None) -> dict:
    """The world `level` as `build()` makes it (on top of the world `on` answered, if given: its
    pool's ids are part of the key), built here the first time, copied after that. The copy
    replaces all moto holds, so nothing may be put in moto between the two levels."""
    key = (_key(level, now), tuple(sorted((on or {}).items()))) if _COPIES else None
    if _copies.get(key) is not None:
        frozen, created = _copies[key]
        _thaw(frozen)
        return dict(created)
    created = build()
    if key is not None and key not in _copies:
        try:
            _copies[key] = (_freeze(_moto_state()), dict(created))
        except Exception:  # something moto holds cannot be copied: build this world each time
            _copies[key] = None
    return created


def _create_all() -> dict:
    from infra import bootstrap

    return bootstrap.create_all()


def _load_demo(now, created: dict):
    from infra import demo_data

    def build():
        demo_data.load_staff_and_setup(now)
        return created

    return build


@pytest.fixture(scope="module")
def _module_world(jwks_url):
    """One world for a whole module marked `shared_world`."""
    patch = pytest.MonkeyPatch()
    patch.setenv("JWKS_URL", jwks_url)
    try:
        with mock_aws():
            reset_caches(keep_clients=_COPIES)
            created = _built("aws", None, _create_all)
            for key, value in created.items():
                patch.setenv(key, value)
            _built("world", FIXED_NOW, _load_demo(FIXED_NOW, created), on=created)
            yield created
        reset_caches(keep_clients=_COPIES)
    finally:
        patch.undo()


@pytest.fixture
def aws(request, jwks_url, monkeypatch):
    if _shared(request):
        yield request.getfixturevalue("_module_world")
        return
    monkeypatch.setenv("JWKS_URL", jwks_url)
    with mock_aws():
        reset_caches(keep_clients=_COPIES)
        created = _built("aws", None, _create_all)
        for key, value in created.items():
            monkeypatch.setenv(key, value)
        yield created
    reset_caches(keep_clients=_COPIES)


@pytest.fixture
def world(request, aws, clock):
    """The demo business with its staff, price list and process map (no orders). A copy, like
    `aws`: a fixture that writes to moto must come after this one, not between the two."""
    if not _shared(request):
        _built("world", clock.now, _load_demo(clock.now, aws), on=aws)
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
