"""The whole local system: embedded AWS, API server, stream pollers, outbox and schedules, started and stopped together."""
import errno
import importlib
import os
import threading
import traceback
from datetime import datetime
from pathlib import Path
from typing import Callable

from infra.local.cron import UTC
from infra.local.environment import REGION, ROOT, STAGE, apply_environment, local_environment, log
from infra.local.outbox import Outbox
from infra.local.runtime import function_name, resolve_handler
from infra.local.scheduler import ScheduledJob, plan, run_schedules, scheduled_jobs
from infra.local.stream import StreamPoller
from infra.local.web import api_server, default_site

POLL_SECONDS = 0.5


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
        from chalicelib.core import clock
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

        from chalicelib.core import settings

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
