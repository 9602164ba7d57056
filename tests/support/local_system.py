"""The whole local system (`python -m infra.local`, as `make run` starts it) as a child process,
for the browser tests and the fuzzer: on a free port, with LOCAL_DIR in a folder of the caller's,
so its outbox (`<LOCAL_DIR>/outbox/*.eml`) and log are that caller's alone."""
import os
import signal
import socket
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(local_dir: Path) -> dict:
    """This environment without AWS settings (the local system sets its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_", "JWKS_"))}
    return {**env, "LOCAL_DIR": str(local_dir), "PYTHONUNBUFFERED": "1"}


class LocalSystem:
    """Started at once; `wait_until_up()` before use, `stop()` (as Ctrl-C does) after."""

    def __init__(self, work: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.local_dir = work / "local"
        self.outbox = self.local_dir / "outbox"
        self.log_path = work / "local.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local", "--port", str(self.port), "--local-dir", str(self.local_dir)],
            cwd=ROOT, env=child_env(self.local_dir), stdout=self._log, stderr=subprocess.STDOUT,
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
