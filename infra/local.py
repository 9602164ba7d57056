"""The whole system on this machine, in one process, with no AWS account (`make run`).

- An embedded AWS: moto's server on a free port; every boto3/PynamoDB call goes there through
  `AWS_ENDPOINT_URL`, with fake credentials so nothing can reach a real account.
- The dev stage's environment from `.chalice/config.json`, then the tables, the Cognito pool,
  the bucket and the SES sender (`infra.bootstrap`) and the demo business (`infra.demo_data`).
- The API on Chalice's local server (threaded), which also serves the web pages: `/book/` from
  `web/booking/`, `/tech/` from `web/tech/`, `/` from `web/index.html`, `/openapi.yaml` from `docs/`.
- What `chalice local` lacks (it serves routes only): a poller that feeds the
  orders table's stream to the stream handler the way Lambda does (batches, `batchItemFailures`,
  bounded retries), and a scheduler that runs the app's `@app.schedule` handlers (rate and cron).
- An outbox: every email SES "sent" is written once to `<local dir>/outbox/*.eml`.

Ctrl-C or SIGTERM stops every server and thread; nothing is left listening.
"""
import argparse
import errno
import functools
import importlib
import json
import mimetypes
import os
import re
import signal
import sys
import threading
import time
import traceback
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Callable, Iterable

from chalice import local as chalice_local

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
STAGE = "dev"
POLL_SECONDS = 0.5
STREAM_MAX_RETRIES = 3  # like an event source mapping's MaximumRetryAttempts

UTC = timezone.utc


def log(message: str) -> None:
    print(message, flush=True)


# --- environment ------------------------------------------------------------------------------

def stage_environment(project_dir: Path, stage: str = STAGE) -> dict:
    """The environment Chalice would give the stage's functions: top level, then the stage's."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    return env


def local_environment(moto_url: str, public_url: str) -> dict:
    env = stage_environment(ROOT)
    env.update(
        {
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            # botocore would send Streams calls to an account-based host moto does not serve.
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "APP_STAGE": STAGE,
            "PUBLIC_BASE_URL": public_url,
        }
    )
    return env


def apply_environment(env: dict) -> None:
    """Set `env`, and drop whatever could send a call past the embedded AWS or override it."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_") or name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "JWKS_URL"):
            del os.environ[name]
    os.environ.update(env)


# --- schedules: rate() and the AWS cron subset, in UTC -----------------------------------------

@dataclass(frozen=True)
class RateSchedule:
    interval: timedelta

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.interval


_RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name: i for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_WEEKDAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
# (name, lowest, highest, names): the six fields of an AWS cron expression.
_CRON_FIELDS = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _WEEKDAYS),
    ("year", 1970, 2199, {}),
)


def _cron_value(text: str, names: dict, field_name: str) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ValueError(f"cron {field_name}: {text!r} is not supported locally (numbers, names, * ? , - / only)")
    return int(text)


def _cron_part(part: str, low: int, high: int, names: dict, field_name: str) -> range:
    base, slash, step_text = part.partition("/")
    step = int(step_text) if step_text.isdigit() else 0 if slash else 1
    if step < 1:
        raise ValueError(f"cron {field_name}: bad step in {part!r}")
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _cron_value(first, names, field_name), _cron_value(last, names, field_name)
    else:
        start = _cron_value(base, names, field_name)
        end = high if slash else start  # "5/15" means from 5 to the end, every 15
    if not low <= start <= end <= high:
        raise ValueError(f"cron {field_name}: {part!r} is outside {low}-{high}")
    return range(start, end + 1, step)


def _cron_field(text: str, low: int, high: int, names: dict, field_name: str) -> frozenset | None:
    """The values a field allows; None for `?` (no constraint from this field)."""
    if text == "?":
        if field_name not in ("day-of-month", "day-of-week"):
            raise ValueError(f"cron {field_name}: '?' is only allowed for day-of-month or day-of-week")
        return None
    values = set()
    for part in text.split(","):
        values.update(_cron_part(part, low, high, names, field_name))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    minutes: frozenset
    hours: frozenset
    days_of_month: frozenset | None
    months: frozenset
    days_of_week: frozenset | None  # AWS numbering: 1 = Sunday ... 7 = Saturday
    years: frozenset

    @classmethod
    def parse(cls, text: str) -> "CronSchedule":
        fields = text.split()
        if len(fields) != 6:
            raise ValueError(f"cron needs 6 fields (minutes hours day-of-month month day-of-week year): {text!r}")
        if (fields[2] == "?") == (fields[4] == "?"):
            # AWS refuses both or neither; failing here is better than failing at deployment.
            raise ValueError(f"cron: exactly one of day-of-month and day-of-week must be '?': {text!r}")
        return cls(*(_cron_field(value, *spec[1:], spec[0]) for value, spec in zip(fields, _CRON_FIELDS)))

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        if self.days_of_month is not None:
            return day.day in self.days_of_month
        return (day.weekday() + 1) % 7 + 1 in self.days_of_week  # Python: Monday=0; AWS: Sunday=1

    def _first_time(self, day: date, not_before: tuple[int, int]) -> datetime | None:
        for hour in sorted(h for h in self.hours if h >= not_before[0]):
            start_minute = not_before[1] if hour == not_before[0] else 0
            minute = min((m for m in self.minutes if m >= start_minute), default=None)
            if minute is not None:
                return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        return None

    def next_after(self, moment: datetime) -> datetime | None:
        """The first whole minute strictly after `moment` that matches; None if there is none."""
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day, not_before = start.date(), (start.hour, start.minute)
        while day.year <= max(self.years):
            if day.year not in self.years:
                day, not_before = date(day.year + 1, 1, 1), (0, 0)
                continue
            if self._day_matches(day):
                found = self._first_time(day, not_before)
                if found:
                    return found
            day, not_before = day + timedelta(days=1), (0, 0)
        return None


def parse_schedule(expression) -> RateSchedule | CronSchedule:
    """A Chalice `Rate`/`Cron` object or an EventBridge string such as `rate(5 minutes)` or
    `cron(0 7 * * ? *)`."""
    text = expression.to_string() if hasattr(expression, "to_string") else str(expression)
    match = re.fullmatch(r"\s*(rate|cron)\((.*)\)\s*", text)
    if not match:
        raise ValueError(f"not a schedule expression: {text!r}")
    kind, body = match.groups()
    if kind == "cron":
        return CronSchedule.parse(body)
    rate = re.fullmatch(r"\s*(\d+)\s+(minute|hour|day)(s?)\s*", body)
    if not rate or int(rate[1]) < 1 or (int(rate[1]) == 1) == bool(rate[3]):
        raise ValueError(f"rate needs a positive whole number and a unit, singular only for 1: {text!r}")
    return RateSchedule(timedelta(seconds=int(rate[1]) * _RATE_UNITS[rate[2]]))


# --- Lambda-like invocation --------------------------------------------------------------------

class LambdaContext:
    """The parts of a Lambda context object handlers and Powertools read."""

    def __init__(self, function_name: str, timeout_seconds: int = 60, memory_mb: int = 128):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve_handler(handler_string: str) -> Callable:
    """What Lambda calls for a handler string such as `app.on_order_change`."""
    module_name, _, attribute = handler_string.rpartition(".")
    module = sys.modules.get(module_name) or importlib.import_module(module_name)
    return getattr(module, attribute)


def function_name(chalice_app, source_name: str) -> str:
    return f"{chalice_app.app_name}-{STAGE}-{source_name}"


# --- the orders stream -------------------------------------------------------------------------

def lambda_record(record: dict, stream_arn: str) -> dict:
    """A `get_records` record as Lambda delivers it: with `eventSourceARN`, and the creation
    time in epoch seconds (boto3 parses it into a datetime). Images stay raw DynamoDB JSON."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": data, "eventSourceARN": stream_arn}


@dataclass
class _Batch:
    records: list
    attempts: int = 0


class StreamPoller:
    """Reads a table's stream shard by shard and calls a stream handler like Lambda's event
    source mapping with `ReportBatchItemFailures`: a failed batch is retried from its first failed
    record (the shard waits meanwhile), at most `max_retries` times, then reported and skipped."""

    def __init__(self, dynamodb, streams, table_name: str, handler: Callable, function: str,
                 batch_size: int = 25, max_retries: int = STREAM_MAX_RETRIES):
        self._dynamodb, self._streams = dynamodb, streams
        self._table, self._handler, self._function = table_name, handler, function
        self._batch_size, self._max_retries = batch_size, max_retries
        self._stream_arn: str | None = None
        self._seen_shards: set = set()
        self._iterators: dict = {}  # shard id -> next iterator (None once the shard is closed)
        self._pending: dict = {}  # shard id -> _Batch waiting for a retry

    def poll_once(self) -> None:
        if self._stream_arn is None:
            self._stream_arn = self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        self._discover_shards()
        for shard_id in list(self._iterators):
            self._poll_shard(shard_id)

    def _discover_shards(self) -> None:
        # Shards come parents first, so a split shard's records keep their order.
        request = {"StreamArn": self._stream_arn}
        while True:
            description = self._streams.describe_stream(**request)["StreamDescription"]
            for shard in description.get("Shards", []):
                if shard["ShardId"] not in self._seen_shards:
                    self._seen_shards.add(shard["ShardId"])
                    self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                        StreamArn=self._stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                    )["ShardIterator"]
            if not description.get("LastEvaluatedShardId"):
                return
            request["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]

    def _poll_shard(self, shard_id: str) -> None:
        batch = self._pending.pop(shard_id, None) or self._read(shard_id)
        if batch is not None:
            self._deliver(shard_id, batch)

    def _read(self, shard_id: str) -> _Batch | None:
        iterator = self._iterators[shard_id]
        if iterator is None:  # closed and fully read
            del self._iterators[shard_id]
            return None
        answer = self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
        self._iterators[shard_id] = answer.get("NextShardIterator")
        records = [lambda_record(r, self._stream_arn) for r in answer.get("Records", [])]
        return _Batch(records) if records else None

    def _deliver(self, shard_id: str, batch: _Batch) -> None:
        failed_from = self._invoke(batch.records)
        if failed_from is None:
            return
        remaining = batch.records[failed_from:]
        ids = ", ".join(r["dynamodb"]["SequenceNumber"] for r in remaining)
        if batch.attempts >= self._max_retries:
            # Lambda would now hand them to the on-failure destination and move on.
            log(f"stream: gave up after {batch.attempts} retries on records {ids}")
            return
        log(f"stream: retrying from the first failed record ({batch.attempts + 1}/{self._max_retries}): {ids}")
        self._pending[shard_id] = _Batch(remaining, batch.attempts + 1)

    def _invoke(self, records: list) -> int | None:
        """Call the handler; the index of the first record to retry, or None when all succeeded."""
        try:
            answer = self._handler({"Records": records}, LambdaContext(self._function))
        except Exception:  # the whole batch failed, as in Lambda
            log(f"stream: the handler raised on a batch of {len(records)} records:\n{traceback.format_exc()}")
            return 0
        failures = (answer or {}).get("batchItemFailures") or []
        if not failures:
            return None
        failed = {f.get("itemIdentifier") for f in failures}
        log(f"stream: batchItemFailures {sorted(map(str, failed))} of {len(records)} records")
        positions = [i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in failed]
        return min(positions, default=0)  # an unknown identifier fails the whole batch


# --- schedules ---------------------------------------------------------------------------------

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


# --- the outbox --------------------------------------------------------------------------------

class Outbox:
    """Writes each email the embedded SES has accepted to `<folder>/<UTC time>-<n>.eml`, once."""

    def __init__(self, moto_url: str, folder: Path):
        self._url = moto_url.rstrip("/") + "/moto-api/data.json"
        self.folder = folder
        self._seen: set = set()
        self._count = 0

    def poll_once(self) -> list[Path]:
        with urllib.request.urlopen(self._url, timeout=10) as answer:  # noqa: S310 (our own server)
            state = json.loads(answer.read())
        written = []
        for message_id, raw in sent_messages(state):
            if message_id not in self._seen:
                self._seen.add(message_id)
                written.append(self._write(raw))
        return written

    def _write(self, raw: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._count += 1
        path = self.folder / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{self._count}.eml"
        path.write_bytes(raw)
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        log(f"email: to {headers.get('To')} | {headers.get('Subject')} | {_shown(path)}")
        return path


def sent_messages(state: dict) -> Iterable[tuple[str, bytes]]:
    """(id, raw MIME) of each message in moto's state: raw sends as they were, simple sends
    rebuilt as a plain-text message."""
    ses = state.get("ses", {})
    for message in ses.get("RawMessage", []):
        yield message["id"], message["raw_data"].encode("utf-8")
    for message in ses.get("Message", []):
        yield message["id"], _simple_message(message)


def _simple_message(message: dict) -> bytes:
    from email.message import EmailMessage

    email = EmailMessage()
    email["From"] = message.get("source", "")
    email["To"] = ", ".join(message.get("destinations", {}).get("ToAddresses", []))
    email["Subject"] = message.get("subject", "")
    email.set_content(message.get("body") or "")
    return email.as_bytes()


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- static files ------------------------------------------------------------------------------

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
}


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class StaticAnswer:
    status: int  # 200 (path), 301 (location) or 404 (message)
    path: Path | None = None
    location: str | None = None
    message: str | None = None


def _missing(url_path: str) -> StaticAnswer:
    return StaticAnswer(404, message=f"There is no file at {url_path}.")


@dataclass
class StaticSite:
    """URL prefixes served from folders (`mounts`) and single URLs served from files (`files`).
    A request never reaches a file outside its folder: `..` segments (raw or %-encoded) and
    symbolic links that lead out are answered 404."""

    mounts: dict = field(default_factory=dict)  # "/book" -> Path
    files: dict = field(default_factory=dict)  # "/openapi.yaml" -> Path

    def lookup(self, raw_path: str) -> StaticAnswer | None:
        """The answer for a request path, or None when the path is not a static one."""
        split = urllib.parse.urlsplit(raw_path)
        url_path = split.path
        if url_path in self.files:
            path = self.files[url_path]
            return StaticAnswer(200, path=path) if path.is_file() else _missing(url_path)
        for prefix, folder in self.mounts.items():
            if url_path == prefix or url_path.startswith(prefix + "/"):
                return self._from_folder(folder, url_path, url_path[len(prefix):], split.query)
        return None

    @staticmethod
    def _from_folder(folder: Path, url_path: str, rest: str, query: str) -> StaticAnswer:
        relative = urllib.parse.unquote(rest).lstrip("/")
        parts = relative.split("/")
        if any(p in (".", "..") for p in parts) or "\\" in relative or "\x00" in relative:
            return _missing(url_path)
        root = folder.resolve()
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or not root.is_dir():
            return _missing(url_path)
        if target.is_dir():
            if not url_path.endswith("/"):  # so relative links in the page resolve inside it
                return StaticAnswer(301, location=url_path + "/" + (f"?{query}" if query else ""))
            target = target / "index.html"
        return StaticAnswer(200, path=target) if target.is_file() else _missing(url_path)


def default_site(chalice_app=None) -> StaticSite:
    files = {"/openapi.yaml": ROOT / "docs" / "openapi.yaml"}
    if chalice_app is None or "/" not in chalice_app.routes:  # never shadow an API route
        files["/"] = WEB / "index.html"
    return StaticSite(mounts={"/book": WEB / "booking", "/tech": WEB / "tech"}, files=files)


class WebRequestHandler(chalice_local.ChaliceRequestHandler):
    """Chalice's local request handler, plus the static pages of `site`."""

    def __init__(self, request, client_address, server, app_object, config, site: StaticSite):
        self.site = site
        super().__init__(request, client_address, server, app_object=app_object, config=config)

    def _handle(self) -> None:
        answer = self.site.lookup(self.path)
        if answer is None:
            self._generic_handle()
            return
        self._discard_body()  # keep-alive: an unread body would be parsed as the next request
        if self.command not in ("GET", "HEAD"):
            self._send_json(405, "method_not_allowed", f"{self.command} is not allowed here.", {"Allow": "GET, HEAD"})
        elif answer.status == 301:
            self._send(301, {"Location": answer.location}, b"")
        elif answer.status == 404:
            self._send_json(404, "not_found", answer.message)
        else:
            self._send(200, {"Content-Type": content_type(answer.path)}, answer.path.read_bytes())

    # The base class binds its own _generic_handle to these names, so rebind them here. TRACE and
    # QUERY too: without them the standard library answers 501 in HTML, where the app answers 405.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_QUERY = _handle

    def _discard_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)

    def _send_json(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        body = {"error": {"code": code, "message": message, "details": None}}
        self._send(status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode())

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body)), "Cache-Control": "no-cache",
                            "X-Content-Type-Options": "nosniff"}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def api_server(chalice_app, config, host: str, port: int, site: StaticSite):
    """Chalice's threaded local server (binds the port now) with the static-aware handler.

    `create_local_server` also makes `app.current_request` thread-local, which a threaded server
    needs; its default handler class is then swapped for ours."""
    server = chalice_local.create_local_server(chalice_app, config, host, port)
    server.server.RequestHandlerClass = functools.partial(
        WebRequestHandler, app_object=chalice_app, config=config, site=site
    )
    server.server.handle_error = functools.partial(_report_unless_gone, server.server.handle_error)
    return server


def _report_unless_gone(report: Callable, request, client_address) -> None:
    """A client that hung up (a timed-out probe, a closed tab) is not worth a traceback."""
    if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
        report(request, client_address)


# --- the whole system --------------------------------------------------------------------------

class Loop(threading.Thread):
    """A daemon thread that calls `step` every `interval` seconds until `stop` is set; an error
    in one step is printed and the next step runs as usual."""

    def __init__(self, name: str, step: Callable[[], object], stop: threading.Event, interval: float = POLL_SECONDS):
        super().__init__(name=name, daemon=True)
        self._step, self._stop_event, self._interval = step, stop, interval

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self._step()
            except Exception:
                if not self._stop_event.is_set():
                    log(f"{self.name}: {traceback.format_exc()}")
            self._stop_event.wait(self._interval)


class PortInUse(Exception):
    pass


class LocalSystem:
    def __init__(self, host: str, port: int, local_dir: Path):
        self.host, self.port, self.local_dir = host, port, local_dir
        self.stop_event = threading.Event()
        self.moto = None
        self.api = None
        self.threads: list[threading.Thread] = []
        self.jobs: list[ScheduledJob] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def outbox(self) -> Path:
        return self.local_dir / "outbox"

    def start(self) -> None:
        moto_url = self._start_moto()
        apply_environment(local_environment(moto_url, self.url))
        import app  # only now: models read table names and endpoints at import

        self._bind_api(app.app)
        self._create_world()
        self._start_threads(app.app, moto_url)

    def _start_moto(self) -> str:
        import logging

        from moto.server import ThreadedMotoServer

        from infra import moto_atomic

        moto_atomic.install()  # conditional writes atomic, as in DynamoDB
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call otherwise
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        self.moto = moto  # only once started: stop() joins its thread
        host, port = moto.get_host_and_port()
        return f"http://{host}:{port}"

    def _bind_api(self, chalice_app) -> None:
        from chalice.cli.factory import CLIFactory

        config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name=STAGE)
        try:
            self.api = api_server(chalice_app, config, self.host, self.port, default_site(chalice_app))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(f"{self.host}:{self.port} is already in use; choose another with --port or PORT") from None

    def _create_world(self) -> None:
        from chalicelib import clock
        from infra import bootstrap, demo_data

        os.environ.update(bootstrap.create_all())
        demo_data.load(clock.now())

    def _start_threads(self, chalice_app, moto_url: str) -> None:
        self.threads.append(threading.Thread(target=self.api.server.serve_forever, name="api", daemon=True))
        for poller in self._pollers(chalice_app, moto_url):
            self.threads.append(Loop("stream", poller.poll_once, self.stop_event))
        self.threads.append(Loop("outbox", Outbox(moto_url, self.outbox).poll_once, self.stop_event))
        self.jobs = scheduled_jobs(chalice_app)
        plan(self.jobs, datetime.now(UTC))
        if self.jobs:
            self.threads.append(threading.Thread(
                target=run_schedules, args=(self.jobs, self.stop_event, lambda: datetime.now(UTC)),
                name="schedules", daemon=True))
        # The first invoice would otherwise pay for importing the PDF library (about a second),
        # as a Lambda cold start does; locally it is loaded in the background at start-up.
        self.threads.append(threading.Thread(target=importlib.import_module, args=("fpdf",), name="warm-up", daemon=True))
        for thread in self.threads:
            thread.start()

    def _pollers(self, chalice_app, moto_url: str) -> list[StreamPoller]:
        """One poller per stream handler; the orders table is the only table with a stream."""
        import boto3
        from chalice.app import DynamoDBEventConfig

        from chalicelib import settings

        dynamodb, streams = (boto3.client(name, endpoint_url=moto_url, region_name=REGION)
                             for name in ("dynamodb", "dynamodbstreams"))
        return [
            StreamPoller(dynamodb, streams, settings.ORDERS_TABLE,
                         resolve_handler(source.handler_string), function_name(chalice_app, source.name),
                         batch_size=source.batch_size)
            for source in chalice_app.event_sources
            if isinstance(source, DynamoDBEventConfig)
        ]

    def stop(self) -> None:
        self.stop_event.set()
        if self.api is not None:
            if any(t.name == "api" and t.is_alive() for t in self.threads):
                self.api.server.shutdown()
            self.api.server.server_close()
        for thread in self.threads:
            thread.join(timeout=10)
        if self.moto is not None:
            self.moto.stop()

    def banner(self) -> str:
        from infra import demo_data

        logins = "\n".join(f"    {email:<26} {role}" for _, email, _, role in demo_data.STAFF)
        schedules = "".join(
            f"\n    {j.name:<26} {j.expression}, next at {j.next_at:%Y-%m-%d %H:%M} UTC" if j.next_at
            else f"\n    {j.name:<26} {j.expression}, never again"
            for j in self.jobs
        ) or " none"
        return (
            f"\nWork orders, running locally (embedded AWS: {os.environ['AWS_ENDPOINT_URL']})\n"
            f"  API              {self.url}   (try {self.url}/health)\n"
            f"  Home page        {self.url}/\n"
            f"  Booking page     {self.url}/book/\n"
            f"  Technician app   {self.url}/tech/\n"
            f"  API description  {self.url}/openapi.yaml\n"
            f"  Demo logins (password {demo_data.PASSWORD}):\n{logins}\n"
            f"  Outbox           {self.outbox.resolve()}  (one .eml file per email sent)\n"
            f"  Schedules:{schedules}\n"
            "Ctrl-C to stop.\n"
        )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument("--local-dir", type=Path, default=Path(os.environ.get("LOCAL_DIR") or ROOT / ".local"),
                        help="where the outbox folder goes (default .local/, or $LOCAL_DIR)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    system = LocalSystem(options.host, options.port, options.local_dir)
    # Both signals stop cleanly. SIGINT is set explicitly: a shell starts background jobs with it
    # ignored, and Python then never turns it into KeyboardInterrupt (`make run &`, `kill -INT`).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    code = 0
    try:
        log("Starting the embedded AWS, the tables, the user pool and the demo business...")
        system.start()
        log(system.banner())
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        log("Stopping...")
    except PortInUse as exc:
        log(f"Cannot start: {exc}.")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        system.stop()
    log("Stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
