"""Email header injection, refused at the edge on every path that takes a value that can reach a
header: the public booking form, phone intake, the customer's reschedule, the office's
reassignment, the business's name and address, service names, staff names. Each refusal is a 422
`validation_failed` naming the field, and nothing is stored. What was stored before the edge
checked (written straight into the table here) still cannot add a header or a recipient: the
mail layer leaves such a name out, and SES is told the recipients (`Destinations`) itself.

The payloads are one catalogue (tests/support/header_payloads.py). Refusals write nothing, so the
module shares one world; the tests that book read only their own orders' emails."""
from email.utils import parseaddr

import botocore.client
import pytest

from tests.support.header_payloads import ACCENTED_NAME, ADDRESSES, NAMES, params
from tests.support.helpers import raw_emails, sent_emails

pytestmark = pytest.mark.shared_world

CUSTOMER = {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111"}
ADDRESS = {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"}
WEDNESDAY = "2026-12-02"  # London is on GMT (+00:00) in December
STANDARD_HEADERS = [b"from", b"to", b"date", b"subject", b"mime-version", b"content-type"]
OPTIONAL_HEADERS = {b"message-id"}  # an automation's email carries a Message-ID of its own


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(monkeypatch):
    """Many bookings from one address, at once after the form is shown: the booking limits have
    their own tests."""
    for variable in ("BOOKINGS_PER_CONTACT", "BOOKINGS_PER_ADDRESS", "AVAILABILITY_PER_ADDRESS", "FORM_MIN_SECONDS"):
        monkeypatch.setenv(variable, "0")
    monkeypatch.setenv("FORM_TOKEN_MAX_AGE_SECONDS", str(10 * 365 * 86400))


@pytest.fixture
def ses_calls(monkeypatch):
    """The parameters of every SES SendRawEmail the app makes."""
    calls, real = [], botocore.client.BaseClient._make_api_call

    def call(client, operation, params):
        if operation == "SendRawEmail":
            calls.append(params)
        return real(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    return calls


def booking(public, start, customer=None, **overrides):
    form = public.get("/public/services").json  # the booking form's token comes with the services
    body = {"service_id": "survey", "start": start, "customer": customer or dict(CUSTOMER), "address": dict(ADDRESS),
            "form_token": form.get("form_token")}
    body.update(overrides)
    return body


def order_count(as_) -> int:
    return len(as_("dispatcher").get("/orders?limit=100").json["orders"])


def refused(r, field):
    assert r.status == 422, r
    assert r.json["error"]["code"] == "validation_failed", r
    assert field in [d["field"] for d in r.json["error"]["details"]], r
    return [d["message"] for d in r.json["error"]["details"] if d["field"] == field][0]


def drain(stream, deliver, rounds=6):
    for _ in range(rounds):
        records = stream.read()
        if not records:
            return
        assert deliver(records) == {"batchItemFailures": []}


def emails_about(order_id):
    """(parsed, raw) of every email sent about the order."""
    return [(parsed, raw) for parsed, raw in zip(sent_emails(), raw_emails()) if order_id in str(parsed["Subject"])]


def header_lines(raw: bytes) -> list[bytes]:
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    return head.replace(b"\n ", b" ").replace(b"\n\t", b" ").split(b"\n")


def assert_one_recipient(raw: bytes, parsed, address: str, ses_call: dict):
    """The email reaches `address` and nobody else, whatever its headers hold."""
    names = [line.split(b":", 1)[0].lower() for line in header_lines(raw)]
    standard = [n for n in names if n not in OPTIONAL_HEADERS]
    assert standard[:len(STANDARD_HEADERS)] == STANDARD_HEADERS and b"bcc" not in names and b"cc" not in names, names
    assert [a.addr_spec for a in parsed["To"].addresses] == [address]
    assert ses_call["Destinations"] == [address]
    head = b"\n".join(header_lines(raw)).lower()  # the body may quote a stored name: it is not a header
    assert b"evil" not in head and b"free money" not in head


# --- the public booking form ----------------------------------------------------------------------

@pytest.mark.parametrize("name", params(NAMES))
def test_the_booking_form_refuses_a_name_that_could_break_a_header(as_, name):
    before = order_count(as_)
    public = as_()
    r = public.post("/public/bookings", booking(public, f"{WEDNESDAY}T10:00:00+00:00", {**CUSTOMER, "name": name}))
    refused(r, "customer.name")
    assert order_count(as_) == before


@pytest.mark.parametrize("address", params(ADDRESSES))
def test_the_booking_form_refuses_an_address_that_could_break_a_header(as_, address):
    before = order_count(as_)
    public = as_()
    r = public.post("/public/bookings", booking(public, f"{WEDNESDAY}T10:00:00+00:00", {**CUSTOMER, "email": address}))
    refused(r, "customer.email")
    assert order_count(as_) == before


def test_the_booking_form_refuses_an_address_our_email_cannot_reach(as_):
    public = as_()
    r = public.post("/public/bookings", booking(public, f"{WEDNESDAY}T10:00:00+00:00", {**CUSTOMER, "email": "jürgen@example.com"}))
    assert "non-ASCII characters before the @" in refused(r, "customer.email")


def test_an_accented_name_is_booked_and_encoded_in_the_to_header(as_, stream, deliver, ses_calls):
    # Given a customer whose name has accents and an apostrophe
    public = as_()
    customer = {**CUSTOMER, "name": ACCENTED_NAME, "email": "zoe.nunez@example.net"}
    r = public.post("/public/bookings", booking(public, f"{WEDNESDAY}T09:00:00+00:00", customer))
    assert r.status == 201, r
    order_id = r.json["order_id"]
    assert as_("dispatcher").get(f"/orders/{order_id}").json["customer"]["name"] == ACCENTED_NAME
    # When the confirmation goes out
    drain(stream, deliver)
    [(parsed, raw)] = emails_about(order_id)
    # Then the To header is plain ASCII (an RFC 2047 encoded word and the address) and reads back as typed
    [to_line] = [line for line in header_lines(raw) if line.lower().startswith(b"to:")]
    assert to_line.isascii() and b"=?utf-8?" in to_line.lower() and to_line.endswith(b" <zoe.nunez@example.net>"), to_line
    assert parsed["To"].addresses[0].display_name == ACCENTED_NAME
    assert_one_recipient(raw, parsed, "zoe.nunez@example.net", ses_calls[-1])


# --- phone intake -----------------------------------------------------------------------------------

def phone_call(**changes):
    body = {"customer": dict(CUSTOMER), "address": dict(ADDRESS), "service_name": "Window installation"}
    body.update(changes)
    return body


@pytest.mark.parametrize("name", params(NAMES))
def test_phone_intake_refuses_a_name_or_a_kind_of_work_that_could_break_a_header(as_, name):
    before = order_count(as_)
    office = as_("dispatcher")
    refused(office.post("/orders", phone_call(customer={**CUSTOMER, "name": name})), "customer.name")
    refused(office.post("/orders", phone_call(service_name=f"Repair {name}")), "service_name")
    assert order_count(as_) == before


@pytest.mark.parametrize("address", params({**ADDRESSES, "non-ascii-local-part": "jürgen@example.com"}))
def test_phone_intake_refuses_an_address_that_could_break_a_header(as_, address):
    before = order_count(as_)
    refused(as_("dispatcher").post("/orders", phone_call(customer={**CUSTOMER, "email": address})), "customer.email")
    assert order_count(as_) == before


# --- the customer's reschedule and the office's reassignment ----------------------------------------

def test_a_reschedule_takes_only_a_time_and_its_email_is_built_from_the_stored_booking(as_, stream, deliver, ses_calls):
    # Given a booking made with a proper name
    public = as_()
    r = public.post("/public/bookings", booking(public, f"{WEDNESDAY}T12:00:00+00:00", {**CUSTOMER, "email": "jo.moved@example.net"}))
    assert r.status == 201, r
    order_id, token = r.json["order_id"], r.json["manage_url"].split("token=")[1]
    drain(stream, deliver)
    # When the customer moves it with a body that also tries to change the name and the subject
    r = public.post(f"/public/bookings/{order_id}/reschedule?token={token}", {
        "start": f"{WEDNESDAY}T15:00:00+00:00", "customer": {"name": NAMES["b-encoded-bcc"], "email": "eve@evil.test"},
        "service_name": NAMES["crlf"], "subject": NAMES["q-encoded-subject"]})
    # Then only the time changes, and the notice goes to the stored customer alone
    assert r.status == 200, r
    assert as_("dispatcher").get(f"/orders/{order_id}").json["customer"]["name"] == CUSTOMER["name"]
    drain(stream, deliver)
    [(parsed, raw)] = [(p, w) for p, w in emails_about(order_id) if "moved" in str(p["Subject"])]
    assert parsed["To"].addresses[0].display_name == CUSTOMER["name"]
    assert_one_recipient(raw, parsed, "jo.moved@example.net", ses_calls[-1])


@pytest.mark.parametrize("value", params({k: NAMES[k] for k in ("crlf", "u2028-line-separator", "b-encoded-bcc")}))
def test_a_reschedule_or_a_reassignment_refuses_values_that_are_not_a_time_or_a_technician(as_, new_order, value):
    order = new_order()
    office = as_("dispatcher")
    refused(office.post(f"/orders/{order['order_id']}/assign",
                        {"technician_id": f"tech-2{value}", "expected_version": order["version"]}), "technician_id")
    refused(office.post(f"/orders/{order['order_id']}/assign",
                        {"start": f"{WEDNESDAY}T10:00:00+00:00{value}", "expected_version": order["version"]}), "start")


def test_a_customer_reschedule_refuses_a_start_that_is_not_a_time(as_):
    public = as_()
    r = public.post("/public/bookings", booking(public, f"{WEDNESDAY}T13:00:00+00:00"))
    assert r.status == 201, r
    order_id, token = r.json["order_id"], r.json["manage_url"].split("token=")[1]
    for value in (NAMES["crlf"], NAMES["q-encoded-bcc"], f"{WEDNESDAY}T15:00:00+00:00\r\nBcc: eve@evil.test"):
        refused(public.post(f"/public/bookings/{order_id}/reschedule?token={token}", {"start": value}), "start")


# --- business setup -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", params(NAMES))
def test_the_business_name_that_could_break_a_header_is_refused(as_, name):
    admin = as_("admin")
    before = admin.get("/business").json["name"]
    refused(admin.put("/business", {"name": name}), "name")
    assert admin.get("/business").json["name"] == before


@pytest.mark.parametrize("address", params({**ADDRESSES, "non-ascii-local-part": "jürgen@example.com"}))
def test_the_business_email_that_could_break_a_header_is_refused(as_, address):
    admin = as_("admin")
    before = admin.get("/business").json["email"]
    refused(admin.put("/business", {"email": address}), "email")
    assert admin.get("/business").json["email"] == before


def test_an_accented_business_name_and_a_plain_email_are_accepted(as_):
    admin = as_("admin")
    before = admin.get("/business").json
    try:
        r = admin.put("/business", {"name": "Fenêtres Ñúñez & Söhne", "email": " Office@Clearview.Example "})
        assert r.status == 200, r
        assert (r.json["name"], r.json["email"]) == ("Fenêtres Ñúñez & Söhne", "office@clearview.example")
    finally:
        assert admin.put("/business", {"name": before["name"], "email": before["email"]}).status == 200


@pytest.mark.parametrize("name", params(NAMES))
def test_a_service_name_that_could_break_a_header_is_refused(as_, name):
    admin = as_("admin")
    [survey] = [s for s in admin.get("/services").json["services"] if s["id"] == "survey"]
    body = {key: survey[key] for key in ("description", "duration_minutes", "skill", "price_from_cents")}
    refused(admin.put("/services/survey", {**body, "name": f"Survey {name}"}), "name")
    [after] = [s for s in admin.get("/services").json["services"] if s["id"] == "survey"]
    assert after["name"] == survey["name"]


# --- staff ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, address, field", [
    *[pytest.param(value, "new.tech@example.com", "name", id=f"name-{key}") for key, value in NAMES.items()],
    *[pytest.param("New Tech", value, "email", id=f"email-{key}") for key, value in ADDRESSES.items()],
])
def test_a_staff_member_whose_name_or_address_could_break_a_header_is_not_created(world, name, address, field):
    import boto3

    from chalicelib.core import settings
    from chalicelib.core.errors import ValidationFailed
    from chalicelib.staff import directory

    with pytest.raises(ValidationFailed) as caught:
        directory.create("tech-new", address, name, "technician", "Demo-Password-1")
    assert [d["field"] for d in caught.value.details] == [field]
    with pytest.raises(boto3.client("cognito-idp").exceptions.UserNotFoundException):
        boto3.client("cognito-idp").admin_get_user(UserPoolId=settings.user_pool_id(), Username="tech-new")
    assert directory.find("tech-new") is None


# --- the invoice email ------------------------------------------------------------------------------

def completed_in_table(clock, name, email):
    """A completed order written straight into the table: what an import, or a version before the
    edge checked names, could have stored."""
    from chalicelib.core import ids
    from chalicelib.data.models import LineItem, OrderModel
    from chalicelib.orders import intake as orders_intake
    from chalicelib.staff.auth import Principal
    from chalicelib.workflow import versions

    intake = orders_intake.Intake({"name": name, "email": email, "phone": None}, dict(ADDRESS), service_name="Glazing repair")
    order = orders_intake.build(ids.new_id("WO-"), Principal("dispatcher-1", "dispatcher", ("dispatcher",)),
                                intake, versions.current(), clock.now, "phone")
    order.step = "completed"
    order.line_items = [LineItem(item_id="LI-1", description="Double-glazed unit replacement", quantity=1,
                                 unit_price_cents=16500, added_by="dispatcher-1", added_at=clock.now)]
    order.save(condition=OrderModel.order_id.does_not_exist())
    return order.order_id


@pytest.mark.parametrize("name", params({k: NAMES[k] for k in ("crlf", "nel-u0085", "b-encoded-bcc", "q-encoded-subject",
                                                            "folded-lf-tab")}))
def test_an_invoice_for_a_name_stored_before_the_check_goes_to_the_address_alone(world, clock, stream, deliver, ses_calls, name):
    from chalicelib.invoicing import invoice_view

    order_id = completed_in_table(clock, name, "ada.invoice@example.net")
    drain(stream, deliver)
    [(parsed, raw)] = [(p, w) for p, w in emails_about(order_id) if "invoice INV-" in str(p["Subject"])]
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [("", "ada.invoice@example.net")]
    assert_one_recipient(raw, parsed, "ada.invoice@example.net", ses_calls[-1])
    assert invoice_view.for_order(order_id).delivery == "sent"


def test_an_invoice_for_an_accented_name_carries_it_encoded(world, clock, stream, deliver, ses_calls):
    order_id = completed_in_table(clock, ACCENTED_NAME, "zoe.invoice@example.net")
    drain(stream, deliver)
    [(parsed, raw)] = [(p, w) for p, w in emails_about(order_id) if "invoice INV-" in str(p["Subject"])]
    assert parsed["To"].addresses[0].display_name == ACCENTED_NAME
    assert_one_recipient(raw, parsed, "zoe.invoice@example.net", ses_calls[-1])


def test_moto_lists_a_recipient_in_destinations_and_in_to_once_each(world, clock, stream, deliver):
    """What the SES outbox of the tests holds (STACK-NOTES): the address SES was told, then the To
    header's again. One person, one message."""
    from moto.ses.models import ses_backends

    order_id = completed_in_table(clock, "Ada Lovelace", "ada.once@example.net")
    drain(stream, deliver)
    [message] = [m for m in ses_backends["123456789012"]["us-east-1"].sent_messages if order_id in m.raw_data]
    assert {parseaddr(d)[1] for d in message.destinations} == {"ada.once@example.net"}
    assert len(emails_about(order_id)) == 1
