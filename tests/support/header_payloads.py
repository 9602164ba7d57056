"""One catalogue of values that try to add an email header or a recipient, for the unit tier (the
validator, the mail layer) and the api tier (every route that takes a value that can reach a
header). Each shape is one a naive check misses somewhere: lone CR or LF, the Unicode line and
paragraph separators, NEL, other controls, RFC 2047 encoded words that Python before 3.11.10
decodes into real headers (CVE-2024-6923), folded continuation lines."""
import base64

import pytest

EVE = "eve@evil.test"
CRLF = "\r\n"


def _b(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Display names (a customer's, a technician's, the business's) and subjects.
NAMES = {
    "crlf": f"Eve\r\nBcc: {EVE}",
    "lone-cr": f"Eve\rBcc: {EVE}",
    "lone-lf": f"Eve\nBcc: {EVE}",
    "u2028-line-separator": f"Eve\u2028Bcc: {EVE}",
    "u2029-paragraph-separator": f"Eve\u2029Bcc: {EVE}",
    "nel-u0085": f"Eve\x85Bcc: {EVE}",
    "vertical-tab": f"Eve\x0bBcc: {EVE}",
    "form-feed": f"Eve\x0cBcc: {EVE}",
    "file-separator": f"Eve\x1cBcc: {EVE}",
    "nul": "Eve\x00",
    "b-encoded-bcc": f"=?utf-8?b?{_b('a@b.c' + CRLF + 'Bcc: ' + EVE + CRLF)}?=",
    "q-encoded-bcc": f"=?utf-8?q?Eve=0D=0ABcc:_{EVE}?=",
    "b-encoded-subject": f"=?UTF-8?B?{_b('Jo' + CRLF + 'Subject: Free money')}?=",
    "q-encoded-subject": "=?utf-8?Q?Jo=0D=0ASubject:_Free_money?=",
    "encoded-word-inside": f"Jo =?utf-8?q?=0D=0ABcc:_{EVE}?= Bloggs",
    "folded-crlf-space": f"Eve\r\n Bcc: {EVE}",
    "folded-lf-tab": f"Eve\n\tBcc: {EVE}",
    "trailing-crlf": "Eve Bloggs\r\n",
}

# Email addresses.
ADDRESSES = {
    "crlf": f"jo@example.net\r\nBcc: {EVE}",
    "lone-cr": f"jo@example.net\rBcc: {EVE}",
    "lone-lf": f"jo@example.net\nBcc: {EVE}",
    "u2028-line-separator": f"jo@example.net\u2028Bcc: {EVE}",
    "u2029-paragraph-separator": f"jo@example.net\u2029Bcc: {EVE}",
    "nel-u0085": f"jo@example.net\x85Bcc: {EVE}",
    "b-encoded-local-part": f"=?utf-8?b?{_b(EVE + CRLF + 'Bcc: x')}?=@example.net",
    "q-encoded-local-part": "=?utf-8?q?eve=40evil.test?=@example.net",
    "folded-crlf-space": f"jo@example.net\r\n Bcc: {EVE}",
    "folded-lf-tab": f"jo@example.net\n\tBcc: {EVE}",
    "second-recipient": f"jo@example.net, {EVE}",
}

# Accepted, and encoded properly wherever they go.
ACCENTED_NAME = "Zoë Ñúñez-O'Brien"
ORDINARY_NAMES = [ACCENTED_NAME, "Jo Bloggs", "Smith & Sons (Bristol) Ltd", "Who? Me", "A = B", "李小龙", "Ana-María d'Ávila"]


def params(catalogue: dict) -> list:
    """The catalogue as pytest parameters, each named for its shape."""
    return [pytest.param(value, id=key) for key, value in catalogue.items()]
