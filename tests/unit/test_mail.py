"""Email built without sending it (`mail.messages.build`, `mailbox`, `recipient`, `render`, `send`
with a fake SES; the invoice email of `invoicing.delivery`) and calendar invitations
(`mail.invites.calendar_invite`, RFC 5545).

No value may add a header or a recipient: the mail layer refuses (`UnsafeHeader`) to build a
header from anything the edge would refuse (tests/support/header_payloads.py), and tells SES the
recipients itself. The built message is serialised and parsed back to check what a mail server
would see."""
import email
import email.policy
from datetime import datetime, timedelta, timezone
from email.headerregistry import Address as Mailbox
from email.message import EmailMessage

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.core.validation import NON_ASCII_LOCAL_PART, Fields, header_problem
from chalicelib.data.models import Address, Customer, LineItem, OrderModel
from chalicelib.invoicing import delivery, issue, numbering
from chalicelib.mail import invites, messages
from infra.demo_data import BUSINESS
from tests.support.header_payloads import ACCENTED_NAME, ADDRESSES, EVE, NAMES, ORDINARY_NAMES, params

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def simple(to=None, subject="Your booking - WO-1", **kw):
    return messages.build(to or messages.mailbox("jo@example.net", "Jo Bloggs"), subject, "Hello Jo\n", "<p>Hello Jo</p>", **kw)


def header_lines(message) -> list[bytes]:
    """The header block as a server reads it: CRLF or LF, continuation lines unfolded."""
    head = message.as_bytes().replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    return head.replace(b"\n ", b" ").replace(b"\n\t", b" ").split(b"\n")


def header_names(message) -> list[bytes]:
    return [line.split(b":", 1)[0].lower() for line in header_lines(message)]


# --- addresses -------------------------------------------------------------------------------------------

def test_a_mailbox_is_a_display_name_and_an_address():
    box = messages.mailbox("jo@example.net", "Jo Bloggs")
    assert (box.display_name, box.username, box.domain, box.addr_spec) == ("Jo Bloggs", "jo", "example.net", "jo@example.net")
    assert str(box) == "Jo Bloggs <jo@example.net>"
    assert str(messages.mailbox("jo@example.net")) == "jo@example.net"


@pytest.mark.parametrize("address", [
    "jo@example.net, eve@evil.test",
    "jo@example.net; eve@evil.test",
    "Jo <jo@example.net>",
    '"jo"@example.net',
    "jo @example.net",
    "jo\u00a0@example.net",
    "jo.example.net",
    "@example.net",
    "jo@",
    "jo@@example.net",
    "",
    None,
])
def test_anything_but_one_plain_address_is_not_deliverable(address):
    with pytest.raises(messages.UnsafeHeader):
        messages.mailbox(address, "Jo")


@pytest.mark.parametrize("address", params(ADDRESSES))
def test_an_address_that_tries_to_add_a_header_or_a_recipient_is_refused(address):
    with pytest.raises(messages.UnsafeHeader):
        messages.mailbox(address, "Jo")
    assert messages.recipient(address, "Jo") is None


def test_the_address_is_trimmed_and_the_trimmed_value_is_the_one_checked():
    # surrounding spaces are trimmed (the value used is the value checked); a space inside is refused
    assert messages.mailbox("  jo@example.net ", "Jo").addr_spec == "jo@example.net"
    with pytest.raises(messages.UnsafeHeader):
        messages.mailbox(" jo @example.net ", "Jo")
    # a line break is refused even where trimming would have hidden it
    for address in ("jo@example.net\r\n", "\njo@example.net", "jo@example.net\u2028"):
        with pytest.raises(messages.UnsafeHeader):
            messages.mailbox(address)


def test_a_non_ascii_local_part_is_refused_not_mangled_into_an_encoded_word():
    with pytest.raises(messages.UnsafeHeader) as caught:
        messages.mailbox("jürgen@example.com", "Jürgen")
    assert NON_ASCII_LOCAL_PART in str(caught.value)
    assert messages.recipient("jürgen@example.com", "Jürgen") is None


def test_an_internationalised_domain_goes_in_its_punycode_form_and_reaches_the_header_unchanged():
    # bücher.example is written xn--bcher-kva.example; the Unicode spelling is refused, not mangled
    back = parsed(simple(messages.mailbox("jo@xn--bcher-kva.example", "Jo")))
    assert back["To"].addresses[0].addr_spec == "jo@xn--bcher-kva.example"
    assert b"<jo@xn--bcher-kva.example>" in b"\n".join(header_lines(simple(messages.mailbox("jo@xn--bcher-kva.example", "Jo"))))
    with pytest.raises(messages.UnsafeHeader):
        messages.mailbox("jo@bücher.example")


@pytest.mark.parametrize("name", params(NAMES))
def test_a_display_name_that_could_break_a_header_is_refused_not_repaired(name):
    with pytest.raises(messages.UnsafeHeader):
        messages.mailbox("jo@example.net", name)


@pytest.mark.parametrize("name", params(NAMES))
def test_a_stored_name_no_header_may_carry_leaves_the_address_alone(name):
    # data written before the edge refused such names still reaches the customer, without the name
    to = messages.recipient("jo@example.net", name)
    assert (to.addr_spec, to.display_name) == ("jo@example.net", "")
    raw = simple(to).as_bytes()
    assert b"evil" not in raw and b"Free money" not in raw and header_names(simple(to)).count(b"subject") == 1


def test_a_recipient_needs_an_address():
    assert messages.recipient(None, "Jo") is None and messages.recipient("", "Jo") is None
    assert str(messages.recipient("jo@example.net", "Jo Bloggs")) == "Jo Bloggs <jo@example.net>"


def test_spaces_in_a_display_name_are_collapsed():
    assert messages.mailbox("jo@example.net", "  Jo   Bloggs ").display_name == "Jo Bloggs"
    assert messages.mailbox("jo@example.net", None).display_name == ""


# --- the message -----------------------------------------------------------------------------------------

def test_a_message_goes_from_the_sender_to_one_recipient_with_text_and_html(monkeypatch):
    monkeypatch.setenv("SENDER_EMAIL", "office@example.com")
    monkeypatch.setenv("SENDER_NAME", "Clearview Windows")
    back = parsed(simple())
    assert back["From"] == "Clearview Windows <office@example.com>"
    assert back["To"] == "Jo Bloggs <jo@example.net>"
    assert back["Subject"] == "Your booking - WO-1"
    assert back.get_content_type() == "multipart/alternative"
    assert back.get_body(("plain",)).get_content() == "Hello Jo\n"
    assert back.get_body(("html",)).get_content().strip() == "<p>Hello Jo</p>"
    assert back["Reply-To"] is None and back["Message-ID"] is None
    assert header_names(simple()) == [b"from", b"to", b"date", b"subject", b"mime-version", b"content-type"]


def test_a_display_name_with_commas_quotes_and_brackets_stays_one_quoted_name():
    to = messages.mailbox("jo@example.net", 'Bloggs, Jo "x" <eve@evil.test>; x@y.z')
    back = parsed(simple(to))
    recipients = back["To"].addresses
    assert [a.addr_spec for a in recipients] == ["jo@example.net"]
    assert recipients[0].display_name == 'Bloggs, Jo "x" <eve@evil.test>; x@y.z'
    assert back["Bcc"] is None and messages.destinations(simple(to)) == ["jo@example.net"]


@pytest.mark.parametrize("subject", params(NAMES))
def test_a_subject_that_could_break_a_header_is_refused(subject):
    with pytest.raises(messages.UnsafeHeader):
        simple(subject=f"Your booking - {subject}")


@pytest.mark.parametrize("name", params({k: v for k, v in NAMES.items() if "\x00" not in v}))  # no NUL in the environment
def test_a_sender_name_that_could_break_a_header_is_refused(monkeypatch, name):
    monkeypatch.setenv("SENDER_NAME", name)
    with pytest.raises(messages.UnsafeHeader):
        simple()


@pytest.mark.parametrize("name", params(NAMES))
def test_a_mailbox_made_without_messages_mailbox_is_checked_again(name):
    # an Address built by hand gets no way round the check (the email package itself refuses only
    # CR and LF, when the Address is made: hence ValueError, of which UnsafeHeader is one)
    with pytest.raises(ValueError):
        simple(Mailbox(display_name=name, username="jo", domain="example.net"))
    with pytest.raises(messages.UnsafeHeader):
        simple("Jo <jo@example.net>")


def test_without_the_check_python_would_have_written_a_bcc_line():
    """Why encoded words are refused: this runtime's email package decodes one in a display name
    when it writes the header (CVE-2024-6923, fixed in 3.11.10, which Lambda's patch level may not
    have). Either it writes the Bcc line, or (patched) it refuses: our check never relies on it."""
    message = EmailMessage()
    try:
        message["To"] = Mailbox(display_name=NAMES["b-encoded-bcc"], username="jo", domain="example.net")
        raw = message.as_bytes()
    except Exception:  # noqa: BLE001 - a patched runtime refuses to write it
        return
    assert b"\nBcc: eve@evil.test" in raw.replace(b"\r\n", b"\n")


def test_a_reply_to_is_one_plain_address():
    for reply_to in ("office@example.com\r\nBcc: eve@evil.test", "=?utf-8?q?x?=@example.com", "a@b.c, eve@evil.test"):
        with pytest.raises(ValueError):
            simple(reply_to=reply_to)
    assert parsed(simple(reply_to="office@example.com"))["Reply-To"] == "office@example.com"


def test_an_accented_name_is_encoded_in_the_to_header_and_reads_back_as_typed():
    message = simple(messages.mailbox("zoe@example.net", ACCENTED_NAME), subject="Rechnung für Zoë – £90")
    [to_line] = [line for line in header_lines(message) if line.lower().startswith(b"to:")]
    assert to_line.isascii() and b"=?utf-8?" in to_line.lower() and to_line.endswith(b" <zoe@example.net>")
    back = parsed(message)
    assert back["To"].addresses[0].display_name == ACCENTED_NAME and back["Subject"] == "Rechnung für Zoë – £90"
    assert messages.destinations(message) == ["zoe@example.net"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_name_the_edge_accepts_is_one_display_name_and_adds_no_header(name):
    if header_problem(name):  # what the edge refuses for being unsafe, the mail layer refuses too
        with pytest.raises(messages.UnsafeHeader):
            messages.mailbox("jo@example.net", name)
        return
    accepted = Fields({"name": name}).header_text("name", 120)
    if accepted is None:  # blank
        return
    message = simple(messages.mailbox("jo@example.net", accepted))
    assert header_names(message) == [b"from", b"to", b"date", b"subject", b"mime-version", b"content-type"]
    [to] = parsed(message)["To"].addresses
    # Compared without spaces: a long name is written as several encoded words, and Python's parser
    # (unlike RFC 2047 and mail clients) keeps the folding space between them when it reads them back.
    assert (to.addr_spec, "".join(to.display_name.split())) == ("jo@example.net", "".join(accepted.split()))


def test_attachments_come_after_the_bodies_with_their_name_and_type():
    pdf = b"%PDF-1.4 fake"
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    back = parsed(simple(attachments=[("INV-2026-000001.pdf", "application/pdf", pdf),
                                      ("appointment.ics", "text/calendar", ics)]))
    assert back.get_content_type() == "multipart/mixed"
    files = list(back.iter_attachments())
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [
        ("INV-2026-000001.pdf", "application/pdf"), ("appointment.ics", "text/calendar")]
    assert [f.get_payload(decode=True) for f in files] == [pdf, ics]
    assert back.get_body(("plain",)).get_content() == "Hello Jo\n"


# --- Message-ID ------------------------------------------------------------------------------------------

def test_a_message_id_is_set_at_the_senders_domain(monkeypatch):
    monkeypatch.setenv("SENDER_EMAIL", "office@clearview.example")
    message = simple(message_id="invoice.INV-2026-000001_1-a")
    assert parsed(message)["Message-ID"] == "<invoice.INV-2026-000001_1-a@clearview.example>"
    assert b"Message-ID: <invoice.INV-2026-000001_1-a@clearview.example>" in header_lines(message)


@pytest.mark.parametrize("message_id", ["", "a b", "a@b", "<a>", "a\r\nBcc: eve@evil.test", "a\nb", "=?utf-8?q?a?=",
                                        "é", ".a", "a.", "a..b", "a/b", "x" * 201, 42])
def test_a_message_id_with_anything_but_letters_digits_dots_dashes_and_underscores_is_refused(message_id):
    with pytest.raises(messages.UnsafeHeader):
        simple(message_id=message_id)


# --- sending ----------------------------------------------------------------------------------------------

class FakeSes:
    def __init__(self):
        self.calls = []

    def send_raw_email(self, **kwargs):
        self.calls.append(kwargs)
        return {"MessageId": f"m-{len(self.calls)}"}


@pytest.fixture
def ses(monkeypatch):
    fake = FakeSes()
    monkeypatch.setattr(messages, "client", lambda service: fake)
    return fake


def test_ses_is_told_the_recipients_so_headers_cannot_add_one(ses, monkeypatch):
    monkeypatch.setenv("SENDER_EMAIL", "office@example.com")
    message = simple(messages.mailbox("jo@example.net", ACCENTED_NAME))
    assert messages.send(message) == "m-1"
    [call] = ses.calls
    assert call["Destinations"] == ["jo@example.net"] and call["Source"] == "office@example.com"
    assert call["RawMessage"]["Data"] == message.as_bytes()


def test_a_cc_the_message_was_built_with_is_a_destination_too(ses):
    message = simple()
    message["Cc"] = messages.mailbox("office@example.com", "Office")
    messages.send(message)
    assert ses.calls[0]["Destinations"] == ["jo@example.net", "office@example.com"]


def test_a_message_with_a_bcc_or_without_a_recipient_is_never_sent(ses):
    with_bcc = simple()
    with_bcc["Bcc"] = EVE
    without = EmailMessage()
    without["Subject"] = "x"
    for message in (with_bcc, without):
        with pytest.raises(messages.UnsafeHeader):
            messages.send(message)
    assert ses.calls == []


# --- the invoice email ------------------------------------------------------------------------------------

def _invoice(name="Jo Bloggs", description="Sealant"):
    order = OrderModel(order_id="WO-1", workflow_id="default", workflow_version=1, step="completed",
                       customer=Customer(name=name, email="jo@example.net"),
                       address=Address(street="1 High St", city="Bristol", postcode="BS1 1AA"),
                       service_name="Window installation", description=None,
                       line_items=[LineItem(item_id="LI-1", description=description, quantity=3, unit_price_cents=1200,
                                            added_by="tech-1", added_at=NOW)])
    invoice = issue._snapshot(order, dict(BUSINESS), NOW, numbering.invoice_id_for("WO-1"))
    invoice.number = "INV-2026-000001"
    return invoice


def test_the_invoice_email_states_the_totals_and_carries_the_pdf():
    invoice = _invoice()
    back = parsed(delivery.invoice_email(invoice, delivery.recipient(invoice), b"%PDF-1.4", reminder=None))
    assert back["Subject"] == "Your job is complete - invoice INV-2026-000001 - WO-1"
    text = back.get_body(("plain",)).get_content()
    assert "3 x Sealant: £36.00" in text
    assert "Subtotal (excl. VAT): £36.00" in text and "VAT 20%: £7.20" in text and "Total (incl. VAT): £43.20" in text
    assert "Payment due: 14 December 2026" in text and "Please quote INV-2026-000001" in text
    (pdf,) = back.iter_attachments()
    assert (pdf.get_filename(), pdf.get_content()) == ("INV-2026-000001.pdf", b"%PDF-1.4")


def test_a_reminder_names_the_balance_still_outstanding():
    invoice = _invoice()
    invoice.paid_cents = 1000
    back = parsed(delivery.invoice_email(invoice, delivery.recipient(invoice), b"%PDF", reminder=1))
    assert back["Subject"].startswith("Reminder: invoice INV-2026-000001 is overdue")
    text = back.get_body(("plain",)).get_content()
    assert "was due on 14 December 2026 and £33.20 is still outstanding" in text
    assert "Amount due: £33.20" in text


def test_customer_values_are_escaped_in_the_html_and_kept_in_the_text():
    invoice = _invoice(name="<script>alert(1)</script>", description='<img src=x onerror="steal()">')
    back = parsed(delivery.invoice_email(invoice, delivery.recipient(invoice), b"%PDF", reminder=None))
    html = back.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=&#34;steal()&#34;&gt;" in html
    text = back.get_body(("plain",)).get_content()
    assert "Hello <script>alert(1)</script>," in text  # plain text is not markup


def test_a_template_missing_a_value_fails_rather_than_sending_a_blank():
    with pytest.raises(Exception) as caught:
        messages.render("invoice", customer_name="Jo")
    assert "undefined" in str(caught.value).lower()

def test_the_invoice_emails_headers_come_only_from_the_invoices_checked_values(monkeypatch):
    # Given an invoice for a customer with an accented name (accepted at the edge)
    monkeypatch.setenv("SENDER_EMAIL", "office@example.com")
    invoice = _invoice(name=ACCENTED_NAME)
    message = delivery.invoice_email(invoice, delivery.recipient(invoice), b"%PDF", reminder=None)
    # Then the headers are the sender, the customer's mailbox and a subject of our own words,
    # the invoice number and the order id: nothing else a customer or a technician typed
    assert header_names(message) == [b"from", b"to", b"date", b"subject", b"mime-version", b"content-type"]
    back = parsed(message)
    assert [(a.display_name, a.addr_spec) for a in back["To"].addresses] == [(ACCENTED_NAME, "jo@example.net")]
    assert back["Subject"] == "Your job is complete - invoice INV-2026-000001 - WO-1"
    assert messages.destinations(message) == ["jo@example.net"]


@pytest.mark.parametrize("name", params(NAMES))
def test_an_invoice_for_a_stored_name_no_header_may_carry_goes_to_the_address_alone(name):
    invoice = _invoice(name=name)
    message = delivery.invoice_email(invoice, delivery.recipient(invoice), b"%PDF", reminder=None)
    assert [(a.display_name, a.addr_spec) for a in parsed(message)["To"].addresses] == [("", "jo@example.net")]
    assert b"bcc" not in header_names(message) and header_names(message).count(b"subject") == 1
    # and the mail layer will not build it with the name (CR and LF: nor will the email package)
    with pytest.raises(ValueError):
        delivery.invoice_email(invoice, Mailbox(display_name=name, addr_spec="jo@example.net"), b"%PDF", reminder=None)


@pytest.mark.parametrize("address", params({**ADDRESSES, "non-ascii-local-part": "jürgen@example.com"}))
def test_an_invoice_for_a_stored_address_that_cannot_be_reached_has_no_recipient(address):
    invoice = _invoice()
    invoice.customer = {**invoice.customer, "email": address}
    assert delivery.recipient(invoice) is None  # delivery then records `no_email` and tells the owner


# --- calendar invitations ----------------------------------------------------------------------------------

START = datetime(2026, 12, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))  # 09:00 UTC


def invite(**changes) -> bytes:
    values = dict(uid="WO-1@workorders", sequence=2, start=START, end=START + timedelta(hours=1),
                  summary="Measure and quote visit - Clearview Windows", location="1 High St, BS1 1AA Bristol",
                  description="Work order WO-1", organizer="office@example.com", stamp=NOW)
    values.update(changes)
    return invites.calendar_invite(**values)


def unfold(ics: bytes) -> list[str]:
    return ics.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_an_invitation_is_a_published_confirmed_event_in_utc():
    lines = unfold(invite())
    assert lines[:4] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//workorders//booking//EN", "METHOD:PUBLISH"]
    assert "DTSTART:20261202T090000Z" in lines and "DTEND:20261202T100000Z" in lines
    assert "DTSTAMP:20261130T150000Z" in lines and "UID:WO-1@workorders" in lines and "SEQUENCE:2" in lines
    assert "STATUS:CONFIRMED" in lines and "ORGANIZER:mailto:office@example.com" in lines
    assert lines[-3:] == ["END:VEVENT", "END:VCALENDAR", ""]


def test_a_cancellation_is_a_cancel_of_the_same_event():
    lines = unfold(invite(cancelled=True, sequence=3))
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines and "UID:WO-1@workorders" in lines


def test_every_line_ends_in_crlf():
    raw = invite()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")


@pytest.mark.parametrize("text, escaped", [
    ("Flat 2, 1 High St", "Flat 2\\, 1 High St"),
    ("a;b", "a\\;b"),
    ("C:\\temp", "C:\\\\temp"),
    ("line one\nline two", "line one\\nline two"),
    ("line one\r\nline two\rthree", "line one\\nline two\\nthree"),
    ("\\,", "\\\\\\,"),  # a backslash before a comma: both escaped, in that order
])
def test_text_values_escape_commas_semicolons_backslashes_and_newlines(text, escaped):
    lines = unfold(invite(location=text))
    assert f"LOCATION:{escaped}" in lines


def test_a_description_cannot_add_a_property():
    lines = unfold(invite(description="Hi\r\nATTENDEE:mailto:eve@evil.test\nEND:VEVENT"))
    assert not any(line.startswith("ATTENDEE") for line in lines)
    assert lines.count("END:VEVENT") == 1


def test_long_lines_fold_at_75_octets_and_unfold_to_the_original():
    description = "Work order WO-1. Manage your booking: https://book.example.com/manage?token=" + "x" * 120
    raw = invite(description=description)
    for physical in raw.split(b"\r\n"):
        assert len(physical) <= 75
    assert f"DESCRIPTION:{description}" in unfold(raw)
    folded = [line for line in raw.split(b"\r\n") if line.startswith(b" ")]
    assert folded and all(line[:1] == b" " for line in folded)


def test_folding_never_splits_a_multibyte_character():
    # Given a summary of two-byte and three-byte characters, far over 75 octets
    summary = "Zoë Ångström – € " * 10
    raw = invite(summary=summary)
    # Then each physical line is valid UTF-8 on its own, and at most 75 octets
    for physical in raw.split(b"\r\n"):
        physical.decode("utf-8")
        assert len(physical) <= 75
    assert f"SUMMARY:{summary}" in unfold(raw)


def test_a_line_of_exactly_75_octets_is_not_folded():
    line = "SUMMARY:" + "x" * 67
    assert invites._fold(line) == line
    assert invites._fold(line + "y") == line + "\r\n y"


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_folds_within_75_octets_and_reads_back_escaped(text):
    raw = invite(summary=text)
    physical = raw.split(b"\r\n")
    assert all(len(p) <= 75 for p in physical)
    lines = unfold(raw)
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    # no raw line break survives, so the event has exactly the properties it was built with
    assert "\r" not in summary and "\n" not in summary
    assert len(lines) == len(unfold(invite(summary="x")))

@pytest.mark.parametrize("text", params(NAMES))
def test_no_line_break_of_any_kind_ends_a_property_early(text):
    # a service or business name in the summary, an address in the location: each stays one property
    lines = unfold(invite(summary=f"{text} - Clearview", location=text))
    assert not any(line.startswith("Bcc") or line.startswith(" Bcc") for line in lines)
    assert len(lines) == len(unfold(invite()))
    raw = invite(summary=text)
    for char in "\r\n\x0b\x0c\x1c\x85\u2028\u2029\x00":
        assert char not in raw.decode("utf-8").replace("\r\n", "")


@pytest.mark.parametrize("changes", [{"organizer": "office@example.com\r\nATTENDEE:mailto:eve@evil.test"},
                                     {"organizer": "jürgen@example.com"}, {"uid": "WO-1@workorders\nEND:VEVENT"}])
def test_an_organizer_or_uid_that_could_break_a_line_is_refused(changes):
    with pytest.raises(ValueError):
        invite(**changes)


# --- what the edge accepts, the header carries unchanged -------------------------------------------------

@pytest.mark.parametrize("address", ["zoë@example.net", "jürgen@example.com", "jo@example.net", "o'neill@example.ie",
                                     "jo@xn--bcher-kva.example", "Jo.Bloggs+jobs@Example.CO.UK"])
def test_an_address_the_edge_accepts_reaches_the_to_header_unchanged(address):
    accepted = Fields({"email": address}).email("email")
    if accepted is None:  # refused at the edge (a non-ASCII local part): then the mail layer refuses it too
        assert not address.partition("@")[0].isascii()
        with pytest.raises(messages.UnsafeHeader):
            messages.mailbox(address, "Zoë")
        return
    message = simple(messages.mailbox(accepted, "Zoë"))
    [to] = [line for line in header_lines(message) if line.lower().startswith(b"to:")]
    assert to.endswith(f" <{accepted}>".encode()), to
    assert messages.destinations(message) == [accepted]
