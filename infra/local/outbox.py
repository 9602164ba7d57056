"""The outbox: every email the embedded SES accepts, written to an .eml file before SES answers.

`capture_sent_mail` patches moto's SES backend in this process: each message it accepts is
written to the outbox (the file and its folder fsynced) and then dropped from moto's memory, so
the outbox is the only record of what was sent. A message with a `Message-ID` header is stored
under a name made from it, once: a stream record delivered again sends the same Message-ID, and
finds its file there already.
"""
import hashlib
import re
import uuid
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from infra.local.cron import UTC
from infra.local.environment import log
from infra.local.files import create_once

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")
_NAME_MAX = 150


def file_name(message_id: str | None, now: datetime) -> str:
    """`<Message-ID>.eml` (characters a file name should not hold replaced, with a digest when
    anything was), or `<UTC time>-<random>.eml` for a message without one."""
    bare = (message_id or "").strip().strip("<>")
    if not bare:
        return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}.eml"
    safe = _UNSAFE.sub("_", bare)[:_NAME_MAX].lstrip(".")
    if safe != bare:
        safe = f"{safe}-{hashlib.sha256(bare.encode()).hexdigest()[:16]}"
    return f"{safe}.eml"


class Outbox:
    """The folder of .eml files: `write` stores one message, once per Message-ID."""

    def __init__(self, folder: Path):
        self.folder = folder

    def write(self, raw: bytes, now: datetime | None = None) -> Path:
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        path = self.folder / file_name(headers.get("Message-ID"), now or datetime.now(UTC))
        self.folder.mkdir(parents=True, exist_ok=True)
        if create_once(path, raw):
            log(f"email: to {headers.get('To')} | {headers.get('Subject')} | {_shown(path)}")
        else:
            log(f"email: {headers.get('Message-ID')} is in the outbox already ({_shown(path)}); not written again")
        return path


def simple_message(source: str, subject: str, body: str, destinations: dict) -> bytes:
    """The MIME of an SES `SendEmail` (subject and text body), as a mail program would show it."""
    message = EmailMessage()
    message["From"] = source
    message["To"] = ", ".join(destinations.get("ToAddresses", []))
    if destinations.get("CcAddresses"):
        message["Cc"] = ", ".join(destinations["CcAddresses"])
    message["Subject"] = subject
    message.set_content(body or "")
    return message.as_bytes()


_outbox: Outbox | None = None
_originals: dict = {}  # what `release_sent_mail` puts back


def capture_sent_mail(outbox: Outbox) -> None:
    """Route every message moto's SES accepts (raw or simple, SES v1 and v2) to `outbox`, in this
    process, from now on; moto keeps none of them."""
    global _outbox
    from moto.ses.models import SESBackend

    _outbox = outbox
    if _originals:
        return
    send_raw_email = _originals["send_raw_email"] = SESBackend.send_raw_email
    send_email = _originals["send_email"] = SESBackend.send_email

    def send_raw_email_to_outbox(backend, source, destinations, raw_data):
        message = send_raw_email(backend, source, destinations, raw_data)
        _forget(backend, message)
        _outbox.write(raw_data.encode("utf-8") if isinstance(raw_data, str) else raw_data)
        return message

    def send_email_to_outbox(backend, source, subject, body, destinations):
        message = send_email(backend, source, subject, body, destinations)
        _forget(backend, message)
        _outbox.write(simple_message(source, subject, body, destinations))
        return message

    SESBackend.send_raw_email, SESBackend.send_email = send_raw_email_to_outbox, send_email_to_outbox


def release_sent_mail() -> None:
    """moto's SES as it was (for tests that capture mail in their own process)."""
    from moto.ses.models import SESBackend

    for name, original in _originals.items():
        setattr(SESBackend, name, original)
    _originals.clear()


def _forget(backend, message) -> None:
    # moto appends every message it accepts to `sent_messages` for ever (an invoice's PDF included).
    if backend.sent_messages and backend.sent_messages[-1] is message:
        backend.sent_messages.pop()


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
