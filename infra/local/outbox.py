"""The outbox: every email the embedded SES accepted, written once to an .eml file."""
import json
import urllib.request
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Iterable

from infra.local.cron import UTC
from infra.local.environment import log


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
