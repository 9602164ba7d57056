"""Calendar invitations (iCalendar, RFC 5545) attached to booking emails.

Text values (the service and business names, the address, the description) are escaped so that no
value can end its content line: every kind of line break becomes `\\n`, other control characters
are dropped. The UID and the organizer are ours, checked all the same.
"""
import re
from datetime import timezone

from chalicelib.core.validation import email_problem, header_problem

# Everything some reader takes as the end of a line (CRLF counts once), and the other control
# characters RFC 5545 forbids in TEXT (it allows HTAB).
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT: escape backslash, semicolon, comma and line breaks; drop other controls."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub("", _LINE_BREAK.sub("\\\\n", value))


def _fold(line: str) -> str:
    """Fold content lines at 75 octets, as RFC 5545 asks."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def calendar_invite(uid: str, sequence: int, start, end, summary: str, location: str, description: str,
                    organizer: str, stamp, cancelled: bool = False) -> bytes:
    """An iCalendar event (METHOD PUBLISH, or CANCEL) for the customer's calendar."""
    if header_problem(uid) or email_problem(organizer):
        raise ValueError(f"not a UID and an organizer address for an invitation: {uid!r}, {organizer!r}")
    fmt = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//workorders//booking//EN",
        f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{stamp.astimezone(timezone.utc).strftime(fmt)}",
        f"DTSTART:{start.astimezone(timezone.utc).strftime(fmt)}",
        f"DTEND:{end.astimezone(timezone.utc).strftime(fmt)}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(location)}",
        f"DESCRIPTION:{_ics_text(description)}",
        f"ORGANIZER:mailto:{organizer}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
