"""The whole local system: embedded AWS, API server, stream pollers, outbox and schedules, started and stopped together."""
import errno
import importlib
import os
import threading
import traceback
from datetime import datetime
from pathlib import Path
from typing import Callable

from infra.local import moto_longrun
from infra.local.cron import UTC
from infra.local.embedded import EmbeddedAWS
from infra.local.environment import REGION, ROOT, STAGE, apply_environment, local_environment, log
from infra.local.keys import KEY_FILE, SigningKey, use_signing_key
from infra.local.outbox import Outbox, capture_sent_mail
from infra.local.runtime import function_name, resolve_handler, share_botocore_models
from infra.local.scheduler import ScheduledJob, load_plan, plan, run_schedules, save_plan, scheduled_jobs
from infra.local.stream import (STREAM_IDLE_SECONDS, STREAM_RETRY_DELAYS, STREAM_TIMEOUT_SECONDS, StreamPoller,
                                stream_step, wake_on_writes)
from infra.local.web import api_server, default_site


class Loop(threading.Thread):
    """A daemon thread that runs `step` until `stop` is set. After a step that answers 0 the next
    runs at once (more work is waiting); otherwise after as many seconds as it answers (None:
    `interval`), or as soon as `wake` is set. A step that raises is logged with its traceback,
    and the loop carries on after `interval`."""

    def __init__(self, name: str, step: Callable[[], float | None], stop: threading.Event, interval: float,
                 wake: threading.Event | None = None):
        super().__init__(name=name, daemon=True)
        self._step, self._stop_event, self._interval = step, stop, interval
        self.wake = wake or threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.wake.clear()  # before the step: a write during it wakes the next wait at once
            try:
                pause = self._step()
            except Exception:
                pause = None
                if not self._stop_event.is_set():
                    log(f"{self.name}: the step failed, trying again in {self._interval:g} s:\n{traceback.format_exc()}")
            pause = self._interval if pause is None else pause
            if pause > 0 and not self._stop_event.is_set():
                self.wake.wait(pause)  # `stop()` sets it too


class PortInUse(Exception):
    pass


class LocalSystem:
    def __init__(self, host: str, port: int, local_dir: Path):
        self.host, self.port, self.local_dir = host, port, local_dir
        self.stop_event = threading.Event()
        self.aws: EmbeddedAWS | None = None
        self.api = None
        self.threads: list[threading.Thread] = []
        self.jobs: list[ScheduledJob] = []
        self._undo_hooks: list[Callable[[], None]] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def outbox(self) -> Path:
        return self.local_dir / "outbox"

    @property
    def state_dir(self) -> Path:
        """What the embedded AWS, the stream and the schedules keep (`infra.local.embedded`)."""
        return self.local_dir / "state"

    @property
    def restored(self) -> bool:
        return self.aws is not None and self.aws.restored

    def start(self) -> None:
        moto_url = self._start_moto()
        environment = local_environment(moto_url, self.url)
        if self.restored:
            environment.update(self.aws.state.environment())  # the user pool's and the bucket's ids
        apply_environment(environment)
        import app  # only now: models read table names and endpoints at import

        self._bind_api(app.app)
        if not self.restored:
            self._create_world()
        else:
            self._upgrade_world()
        self._start_threads(app.app, moto_url)

    def _patch_moto(self) -> None:
        """moto, in this process, as the local system needs it: tokens signed with our own key
        (`.local/keys/`), each email written to the outbox as SES accepts it (and not kept), and
        nothing kept for ever or copied whole at every write (`moto_longrun`)."""
        use_signing_key(SigningKey.load_or_create(self.local_dir / KEY_FILE))
        capture_sent_mail(Outbox(self.outbox))
        moto_longrun.install()

    def _start_moto(self) -> str:
        """moto on a free loopback port, with what `.local/state/` holds loaded back into it."""
        from infra import moto_atomic

        moto_atomic.install()  # conditional writes atomic, as in DynamoDB
        self._patch_moto()
        aws = EmbeddedAWS(self.state_dir)
        url = aws.start()
        self.aws = aws  # only once started: stop() stops it
        return url

    def _bind_api(self, chalice_app) -> None:
        from chalice.cli.factory import CLIFactory

        config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name=STAGE)
        share_botocore_models()  # the server's thread per connection would parse them at each request
        try:
            self.api = api_server(chalice_app, config, self.host, self.port, default_site(chalice_app))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(f"{self.host}:{self.port} is already in use; choose another with --port or PORT") from None

    def _upgrade_world(self) -> None:
        """A world kept by an older version: add what it lacks (customer records: their tables, the
        orders' index, each order linked to its customer). With nothing to do it costs three DescribeTable."""
        from infra import migrate_customers

        if migrate_customers.ensure_schema():
            migrate_customers.migrate(out=lambda line: None)
            self.aws.checkpoint()

    def _create_world(self) -> None:
        from chalicelib.core import clock
        from infra import bootstrap, demo_data

        created = bootstrap.create_all()
        os.environ.update(created)
        demo_data.load(clock.now())
        # Only a world created whole counts as one: a start cut short before this starts afresh.
        self.aws.checkpoint()
        self.aws.state.save_environment(created)

    def _start_threads(self, chalice_app, moto_url: str) -> None:
        from infra import moto_atomic

        self.threads.append(threading.Thread(target=self.api.server.serve_forever, name="api", daemon=True))
        for poller in self._pollers(chalice_app, moto_url, self.state_dir / "stream-position.json"):
            loop = Loop("stream", stream_step(poller), self.stop_event, STREAM_IDLE_SECONDS)
            self._undo_hooks.append(moto_atomic.after_each_request(wake_on_writes(poller.table_name, loop.wake)))
            self.threads.append(loop)
        self.jobs = scheduled_jobs(chalice_app)
        plan_file = self.state_dir / "schedules.json"
        plan(self.jobs, datetime.now(UTC), load_plan(plan_file))  # what a stop or crash left undone runs now
        save_plan(plan_file, self.jobs)
        if self.jobs:
            self.threads.append(threading.Thread(
                target=run_schedules, args=(self.jobs, self.stop_event, lambda: datetime.now(UTC), plan_file),
                name="schedules", daemon=True))
        # The first invoice would otherwise pay for importing the PDF library (about a second),
        # as a Lambda cold start does; locally it is loaded in the background at start-up.
        self.threads.append(threading.Thread(target=importlib.import_module, args=("fpdf",), name="warm-up", daemon=True))
        for thread in self.threads:
            thread.start()

    def _pollers(self, chalice_app, moto_url: str, position_file: Path | None = None) -> list[StreamPoller]:
        """One poller per stream handler; the orders table is the only table with a stream. With
        `position_file`, the poller resumes where it was (one handler per file)."""
        import boto3
        from chalice.app import DynamoDBEventConfig

        from chalicelib.core import settings

        dynamodb, streams = (boto3.client(name, endpoint_url=moto_url, region_name=REGION)
                             for name in ("dynamodb", "dynamodbstreams"))
        return [
            StreamPoller(dynamodb, streams, settings.ORDERS_TABLE,
                         resolve_handler(source.handler_string), function_name(chalice_app, source.name),
                         batch_size=source.batch_size, position_file=position_file,
                         retry_delays=STREAM_RETRY_DELAYS, timeout_seconds=STREAM_TIMEOUT_SECONDS)
            for source in chalice_app.event_sources
            if isinstance(source, DynamoDBEventConfig)
        ]

    def stop(self) -> None:
        self.stop_event.set()
        for undo in self._undo_hooks:
            undo()
        for thread in self.threads:
            if isinstance(thread, Loop):
                thread.wake.set()
        if self.api is not None:
            if any(t.name == "api" and t.is_alive() for t in self.threads):
                self.api.server.shutdown()
            self.api.server.server_close()
        for thread in self.threads:
            thread.join(timeout=10)
        if self.aws is not None:
            self.aws.stop()  # a snapshot of what the journal holds, for a quick next start

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
            f"  Your data        {self.local_dir.resolve()}  ({'restored; ' if self.restored else ''}kept across stops and"
            f" crashes; to start afresh with the demo business, stop and run make reset-local)\n"
            f"  Schedules:{schedules}\n"
            "Ctrl-C to stop.\n"
        )
