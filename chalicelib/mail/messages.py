"""Email to customers and staff: MIME built with the standard `email` package, bodies rendered
with Jinja2 (autoescape on for HTML), sent through SES.

No value reaches a header unchecked. The edge refuses, field by field, anything that could break
a header (`core.validation.header_problem`: line breaks of every kind, control characters, RFC
2047 encoded words, which Python before 3.11.10 decodes into real headers); this module asks the
same rule again of every name, address and subject it puts in a header and raises `UnsafeHeader`
rather than build one. And `send` names the recipients to SES itself (`Destinations`, the To and
Cc it built), so no header can add one.
"""
import functools
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from chalicelib.core import clock, settings
from chalicelib.core.aws import client
from chalicelib.core.validation import email_problem, header_problem

TEMPLATES = Path(__file__).parent / "templates" / "email"
# The left part of a Message-ID: dot-separated runs of letters, digits, `_` and `-`.
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
MESSAGE_ID_MAX = 200


class UnsafeHeader(ValueError):
    """A value that must not become (part of) an email header; nothing was built or sent."""


@functools.cache
def _environment():
    # Deferred for cold start: only invocations that send email need Jinja2.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, **context) -> tuple[str, str]:
    """The plain-text and HTML bodies of `template` (`<template>.txt` and `<template>.html`)."""
    env = _environment()
    return env.get_template(f"{template}.txt").render(**context), env.get_template(f"{template}.html").render(**context)


def _header_safe(value, what: str) -> str:
    if not isinstance(value, str):
        raise UnsafeHeader(f"{what} must be text, not {type(value).__name__}")
    problem = header_problem(value)
    if problem:
        raise UnsafeHeader(f"{what} {problem}: {value!r}")
    return " ".join(value.split())  # one space between words, none at the ends


def _address(email) -> tuple[str, str]:
    """(local part, domain) of one plain address; the value checked is the value used."""
    if not isinstance(email, str):
        raise UnsafeHeader(f"not a deliverable address: {email!r}")
    _header_safe(email, "an address")  # line breaks anywhere, even where trimming would hide them
    address = email.strip()
    problem = email_problem(address)
    if problem:
        raise UnsafeHeader(f"not a deliverable address ({problem}): {email!r}")
    local, _, domain = address.rpartition("@")
    return local, domain


def mailbox(email: str, name: str | None = None) -> Address:
    """A recipient: one plain address (ASCII, see `core.validation.email_problem`) and a display
    name on one line. Raises `UnsafeHeader` (a ValueError) for anything else, never repairs it."""
    local, domain = _address(email)
    display = _header_safe(name, "a display name") if name else ""
    return Address(display_name=display, username=local, domain=domain)


def recipient(email: str | None, name: str | None = None) -> Address | None:
    """The customer's mailbox from what is stored: None when the address cannot receive our email;
    the address alone when only the name cannot go in a header (stored before the edge refused
    such names), so the customer still hears from us and no header carries the name."""
    if not email:
        return None
    try:
        return mailbox(email, name)
    except UnsafeHeader:
        pass
    try:
        return mailbox(email)
    except UnsafeHeader:
        return None


def _checked_mailbox(to) -> Address:
    if not isinstance(to, Address):
        raise UnsafeHeader(f"a recipient must be a mailbox (messages.mailbox), not {type(to).__name__}")
    return mailbox(to.addr_spec, to.display_name or None)


def _message_id(message_id: str, domain: str) -> str:
    if not isinstance(message_id, str) or len(message_id) > MESSAGE_ID_MAX or not MESSAGE_ID.fullmatch(message_id):
        raise UnsafeHeader(f"a Message-ID takes letters, digits, '.', '_' and '-' only: {message_id!r}")
    return f"<{message_id}@{domain}>"


def build(to: Address, subject: str, text: str, html: str, attachments=(), reply_to: str | None = None,
          message_id: str | None = None, sender_name: str | None = None) -> EmailMessage:
    """A message from the sender to one mailbox, dated now (`Date:`, RFC 5322, with the UTC
    offset). The sender is `"<sender_name>" <SENDER_EMAIL>`: customers' emails pass the business's
    name; without one, SENDER_NAME. With `message_id` it carries `Message-ID: <message_id@sender's
    domain>`. Raises `UnsafeHeader` when any value (the business's name too) would go into a
    header unchecked."""
    sender = mailbox(settings.sender_email(), sender_name or settings.env("SENDER_NAME", "") or None)
    to = _checked_mailbox(to)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(clock.now())
    message["Subject"] = _header_safe(subject, "the subject")
    if reply_to:
        message["Reply-To"] = mailbox(reply_to)
    if message_id is not None:
        message["Message-ID"] = _message_id(message_id, sender.domain)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def destinations(message: EmailMessage) -> list[str]:
    """The addresses the message was built for: its To and Cc, each once, in order."""
    found: list[str] = []
    for field in ("To", "Cc"):
        for header in message.get_all(field, []):
            for address in header.addresses:
                if address.addr_spec not in found:
                    found.append(address.addr_spec)
    return found


def send(message: EmailMessage) -> str:
    """Send through SES to the message's To and Cc, named to SES explicitly (`Destinations`):
    whatever the headers hold, nobody else receives it. Returns the SES message id."""
    if message.get("Bcc") is not None:
        raise UnsafeHeader("a message with a Bcc header is never sent")
    to = destinations(message)
    if not to:
        raise UnsafeHeader("the message has no recipient")
    answer = client("ses").send_raw_email(
        Source=settings.sender_email(),
        Destinations=to,
        RawMessage={"Data": message.as_bytes()},
    )
    return answer["MessageId"]
