"""Email to customers and staff: MIME built with the standard `email` package, bodies rendered
with Jinja2 (autoescape on for HTML), sent through SES.

Customer-supplied values never reach a header unchecked: addresses are parsed by
`email.headerregistry.Address`, and the `email` package refuses CR or LF in any header.
"""
import functools
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from chalicelib.core import settings
from chalicelib.core.aws import client

TEMPLATES = Path(__file__).parent / "templates" / "email"


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


def _single_line(value: str) -> str:
    return " ".join(str(value).split())


def mailbox(email: str, name: str | None = None) -> Address:
    """A recipient; a display name can never add a header or another recipient."""
    local, _, domain = email.strip().rpartition("@")
    if not local or not domain or any(c in email for c in "\r\n,;<>\" "):
        raise ValueError(f"not a deliverable address: {email!r}")
    return Address(display_name=_single_line(name or ""), username=local, domain=domain)


def build(to: Address, subject: str, text: str, html: str, attachments=(), reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = Address(display_name=_single_line(settings.env("SENDER_NAME", "")), addr_spec=settings.sender_email())
    message["To"] = to
    message["Subject"] = _single_line(subject)
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def send(message: EmailMessage) -> str:
    """Send through SES; returns the SES message id."""
    answer = client("ses").send_raw_email(
        Source=settings.sender_email(),
        RawMessage={"Data": message.as_bytes()},
    )
    return answer["MessageId"]
