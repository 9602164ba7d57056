"""The embedded AWS (moto on loopback) and the state it keeps in `.local/state/` across stops and crashes.

- `journal.log`: every request that changed DynamoDB or S3, fsynced before moto answered it.
- `snapshot.pickle`: DynamoDB and S3 as they were after journal record `seq`; the journal is
  emptied once a snapshot holds it (at start-up after a replay, every `CHECKPOINT_RECORDS`
  records or `CHECKPOINT_BYTES`, and at a clean stop).
- `cognito-idp.pickle`, `ses.pickle`: the user pool and the verified sender, small, saved whole
  after each change (a sign-in included: the refresh tokens it issues).
- `environment.json`: the ids the world was created with (user pool, app client, bucket).

Restoring loads the snapshots into moto and replays the journal after them, before the server
takes its first request. DynamoDB's stream comes back with the same records and sequence
numbers, so the stream poller resumes from the position it saved.
"""
import fcntl
import io
import json
import os
import pickle
import threading
import time
from pathlib import Path

from infra import moto_atomic
from infra.local.environment import log
from infra.local.files import write_atomically
from infra.local.journal import JOURNALED, SNAPSHOTTED, Journal, Request, kind_of, service_of

PRIVATE = 0o600  # the state holds the staff's passwords and the customers' details
CHECKPOINT_RECORDS = 5000
CHECKPOINT_BYTES = 64 * 1024 * 1024


def _backend(service: str):
    from moto.backends import get_backend  # moto is imported only by the local system

    return get_backend(service)


class _KeyPickler(pickle.Pickler):
    """Pickles cryptography's RSA keys (in Cognito's user pools) as PEM."""

    def reducer_override(self, obj):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        if isinstance(obj, rsa.RSAPrivateKey):
            pem = obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            return _private_key, (pem,)
        if isinstance(obj, rsa.RSAPublicKey):
            pem = obj.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            return _public_key, (pem,)
        return NotImplemented


def _private_key(pem: bytes):
    from cryptography.hazmat.primitives import serialization  # comes with moto

    return serialization.load_pem_private_key(pem, None)


def _public_key(pem: bytes):
    from cryptography.hazmat.primitives import serialization  # comes with moto

    return serialization.load_pem_public_key(pem)


def _dumps_with_keys(value) -> bytes:
    buffer = io.BytesIO()
    _KeyPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _install(service: str, accounts: dict) -> None:
    live = _backend(service)
    live.clear()
    for account_id, backend in accounts.items():
        live[account_id] = backend
    live._create_account_specific_backend(next(iter(accounts), "123456789012"))


class StateInUse(Exception):
    pass


class State:
    """The state folder: what is on disk, writing to it, and loading it back into moto."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.journal = Journal(folder / "journal.log")
        self.snapshot_seq = 0
        self.replayed = 0
        self._lock_file = None

    def lock(self) -> None:
        """One process at a time: a second one writing the same journal would corrupt it."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        self._lock_file = open(self.folder / "lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            holder = self._lock_file.read().strip() or "another process"
            self._lock_file.close()
            raise StateInUse(f"{self.folder} is in use by another local system (pid {holder})") from None
        self._lock_file.truncate(0)
        self._lock_file.write(str(os.getpid()))
        self._lock_file.flush()

    def unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    @property
    def environment_file(self) -> Path:
        return self.folder / "environment.json"

    def exists(self) -> bool:
        return self.environment_file.exists()

    def clear(self) -> None:
        for path in self.folder.iterdir():
            if path.is_file() and path.name != "lock":
                path.unlink()

    def environment(self) -> dict:
        return json.loads(self.environment_file.read_text())

    def save_environment(self, env: dict) -> None:
        write_atomically(self.environment_file, json.dumps(env, indent=2).encode(), PRIVATE)

    def load(self, app) -> None:
        """Snapshots into moto, then the journal's records after them through `app`, then open
        the journal for appending."""
        for service in SNAPSHOTTED:
            path = self.folder / f"{service}.pickle"
            if path.exists():
                _install(service, pickle.loads(path.read_bytes()))  # noqa: S301 (our own file)
        snapshot = self.folder / "snapshot.pickle"
        if snapshot.exists():
            saved = pickle.loads(snapshot.read_bytes())  # noqa: S301 (our own file)
            self.snapshot_seq = saved["seq"]
            for service, accounts in saved["backends"].items():
                _install(service, accounts)
        for request in self.journal.read():
            if request.seq > self.snapshot_seq:
                status = replay(app, request)
                self.replayed += 1
                if not status.startswith("2"):
                    log(f"local state: replaying journal record {request.seq} ({request.service}) answered {status}")
        self.journal.open(self.snapshot_seq)

    def record(self, request: Request) -> None:
        self.journal.append(request)

    def save_service(self, service: str) -> None:
        write_atomically(self.folder / f"{service}.pickle", _dumps_with_keys(dict(_backend(service))), PRIVATE)

    def checkpoint(self) -> None:
        """Snapshot DynamoDB and S3 and empty the journal (call it holding moto's lock)."""
        started = time.monotonic()
        data = pickle.dumps({"seq": self.journal.last_seq,
                             "backends": {s: dict(_backend(s)) for s in JOURNALED}}, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomically(self.folder / "snapshot.pickle", data, PRIVATE)
        self.snapshot_seq = self.journal.last_seq
        self.journal.reset()
        log(f"local state: snapshot of {len(data) // 1024} KB written in {time.monotonic() - started:.2f} s")

    def due(self) -> bool:
        return self.journal.records >= CHECKPOINT_RECORDS or self.journal.size >= CHECKPOINT_BYTES


def replay(app, request: Request) -> str:
    environ = dict(request.environ)
    environ.update({"wsgi.input": io.BytesIO(request.body), "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0),
                    "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False})
    status, _, _ = _run(app, environ)
    return status


def _run(app, environ: dict) -> tuple[str, list, list]:
    """The whole answer of `app`, read before it is sent on (so it can be kept under the lock)."""
    from werkzeug.test import run_wsgi_app  # werkzeug comes with moto's server

    chunks, status, headers = run_wsgi_app(app, environ, buffered=True)
    return status, headers.to_wsgi_list(), list(chunks)


def _read_body(environ: dict) -> bytes:
    from werkzeug.wsgi import get_input_stream  # werkzeug comes with moto's server

    body = get_input_stream(environ).read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)
    return body


class Recorder:
    """WSGI middleware in front of moto: a request that changes state is applied and written to
    disk under moto's lock, in that order, before its answer goes back."""

    def __init__(self, app, state: State | None):
        self.app, self.state = app, state
        self.writes = threading.Event()  # set on every change, for whoever waits for one

    def __call__(self, environ, start_response):
        service = service_of(environ)
        if service not in JOURNALED + SNAPSHOTTED:
            return self.app(environ, start_response)
        body = _read_body(environ)
        kind = kind_of(service, environ, body)
        if kind is None or self.state is None:
            return self.app(environ, start_response)
        with moto_atomic.lock():
            status, headers, chunks = _run(self.app, environ)
            if status.startswith("2"):
                if kind == "journal":
                    self.state.record(Request.of(environ, body, service))
                    if self.state.due():
                        self.state.checkpoint()
                else:
                    self.state.save_service(service)
        start_response(status, headers)
        return chunks


class EmbeddedAWS:
    """moto's server on a free loopback port, with a `Recorder` in front when `state_dir` is given."""

    def __init__(self, state_dir: Path | None):
        self.state = State(state_dir) if state_dir else None
        self._server = None
        self._thread: threading.Thread | None = None
        self._restored: bool | None = None

    @property
    def restored(self) -> bool:
        """Whether this start found a world on disk (not whether one is there now)."""
        if self._restored is None:
            self._restored = self.state is not None and self.state.exists()
        return self._restored

    def start(self) -> str:
        import logging

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        moto_atomic.install()  # conditional writes atomic, as in DynamoDB
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call otherwise
        moto = DomainDispatcherApplication(create_backend_app)
        if self.state is not None:
            self.state.lock()
        if self.restored:
            started = time.monotonic()
            self.state.load(moto)
            log(f"local state: restored from {self.state.folder} ({self.state.replayed} journal records replayed"
                f" in {time.monotonic() - started:.1f} s)")
            if self.state.replayed:
                with moto_atomic.lock():
                    self.state.checkpoint()
        elif self.state is not None:
            self.state.clear()  # what a start cut short before its world was whole left behind
            self.state.journal.open(0)
        self.recorder = Recorder(moto, self.state)
        self._server = make_server("127.0.0.1", 0, self.recorder, threaded=True, request_handler=MotoRequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-aws", daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def checkpoint(self) -> None:
        if self.state is not None:
            with moto_atomic.lock():
                self.state.checkpoint()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
        if self.state is not None:
            if self.state.journal.records:
                self.checkpoint()
            self.state.journal.close()
            self.state.unlock()
