"""What a customer can trust in our emails: who they are from (the business's name), when they
were written (`Date:`), how to reach the business (phone and email in every one), when the
booking can still be changed online (computed from the cut-off rule, in the business's locale),
one "booked" for the first appointment of a waiting request, no offer to move or cancel once it
is too late, and a receipt for each payment. The sent MIME is parsed back with `email`."""
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import pytest

from tests.api.test_booking import _limits_out_of_the_way, booking_body  # noqa: F401 - the fixture is used
from tests.support.helpers import body_part, deliver_chaotically, scheduled_event, sent_emails

WEDNESDAY = "2026-12-02"
PHONE, OFFICE = "+44 117 496 0000", "office@example.com"
CAN_CHANGE = ("You can change or cancel online until Tuesday 1 December, 10:00 (24 hours before your appointment). "
              f"After that, call us on {PHONE}.")
TOO_LATE = f"This appointment is less than 24 hours away, so it can no longer be changed online; call us on {PHONE}."


def _run_stream(stream, deliver, twice=True):
    records = stream.read()
    deliver_chaotically(deliver, records) if twice else deliver(records)
    return records


def _mails(order_id, subject=None):
    return [m for m in sent_emails() if order_id in str(m["Subject"]) and (subject is None or subject in str(m["Subject"]))]


def _book(as_, start):
    r = as_().post("/public/bookings", booking_body(start))
    assert r.status == 201, r
    return r.json


def _texts(message):
    return " ".join(body_part(message, "plain").split()), " ".join(body_part(message, "html").split())


def test_the_booking_email_is_from_the_business_dated_and_says_until_when_it_can_change(as_, stream, deliver, clock):
    booked = _book(as_, f"{WEDNESDAY}T10:00:00+00:00")
    _run_stream(stream, deliver)
    [message] = _mails(booked["order_id"])
    assert str(message["From"]) == "Clearview Windows Ltd <office@example.com>"
    assert message["From"].addresses[0].display_name == "Clearview Windows Ltd"
    date = parsedate_to_datetime(message["Date"])
    assert date.tzinfo is not None and date == clock.now
    assert message["Message-ID"] == f"<notify_customer.{booked['order_id']}.2.scheduled@example.com>"
    text, html = _texts(message)
    assert "Wednesday 2 December 2026, 10:00 to 11:00 (GMT)" in text
    assert CAN_CHANGE in text and CAN_CHANGE in html
    assert "To see, move or cancel your booking:" in text and "See, move or cancel your booking" in html
    for part in (text, html):
        assert PHONE in part and OFFICE in part and "12 Glazier Row, Bristol BS1 4DJ" in part
    assert f'href="tel:+441174960000"' in body_part(message, "html")
    assert "Address: 1 High St, Bristol BS1 1AA" in text  # in the country's order, not "BS1 1AA Bristol"
    assert booked["can_change_online"] is True and booked["change_policy"] == CAN_CHANGE
    assert booked["business"] == {"name": "Clearview Windows Ltd", "phone": PHONE, "email": OFFICE,
                                  "address": "12 Glazier Row, Bristol BS1 4DJ"}


def test_a_booking_made_inside_the_cut_off_says_it_can_no_longer_be_changed_online(as_, stream, deliver):
    booked = _book(as_, "2026-11-30T13:00:00+00:00")  # five hours after now
    assert booked["can_change_online"] is False and booked["change_policy"] == TOO_LATE
    _run_stream(stream, deliver)
    [message] = _mails(booked["order_id"])
    text, html = _texts(message)
    assert TOO_LATE in text and TOO_LATE in html
    assert "move or cancel" not in text and "move or cancel" not in html
    assert "To see your booking:" in text and "See your booking" in html
    view = as_().get(f"/public/bookings/{booked['order_id']}?token={booked['manage_url'].split('token=')[1]}").json
    assert (view["can_change_online"], view["change_policy"]) == (False, TOO_LATE)
    assert view["business"]["phone"] == PHONE


def test_the_cut_off_wording_follows_the_rule(as_, stream, deliver):
    assert as_("admin").put("/business", {"booking": {"cancellation_cutoff_hours": 48}}).status == 200
    booked = _book(as_, "2026-12-03T10:00:00+00:00")
    _run_stream(stream, deliver)
    text, _ = _texts(_mails(booked["order_id"])[0])
    assert ("You can change or cancel online until Tuesday 1 December, 10:00 (48 hours before your appointment). "
            f"After that, call us on {PHONE}.") in text


def test_dates_follow_the_business_locale(as_, stream, deliver):
    assert as_("admin").put("/business", {"locale": "en-US"}).status == 200
    booked = _book(as_, f"{WEDNESDAY}T13:00:00+00:00")
    _run_stream(stream, deliver)
    text, _ = _texts(_mails(booked["order_id"])[0])
    assert "Wednesday, December 2, 2026, 1:00 PM to 2:00 PM (GMT)" in text
    assert "until Tuesday, December 1, 1:00 PM (24 hours before your appointment)" in text
    refused = as_("admin").put("/business", {"locale": "fr-XX"})
    assert refused.status == 422 and refused.json["error"]["details"][0]["field"] == "locale"


def test_the_first_appointment_of_a_waiting_request_sends_one_booked_and_no_moved(as_, stream, deliver):
    dispatcher = as_("dispatcher")
    customer = {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111"}
    address = {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"}
    order = dispatcher.post("/orders", {"customer": customer, "address": address, "service_id": "glazing-repair"}).json
    assert order["step"] == "requested" and order["appointment"] is None
    r = dispatcher.post(f"/orders/{order['order_id']}/assign", {"start": f"{WEDNESDAY}T13:00:00+00:00", "expected_version": order["version"]})
    assert r.status == 200, r
    _run_stream(stream, deliver)
    assert _mails(order["order_id"]) == []  # a time offered inside the request is not a booking yet
    r = dispatcher.post(f"/orders/{order['order_id']}/transitions", {"to": "scheduled", "expected_version": r.json["version"]})
    assert r.status == 200, r
    _run_stream(stream, deliver)
    subjects = [str(m["Subject"]).split(" - ")[0] for m in _mails(order["order_id"])]
    assert subjects == ["Your appointment is booked"]


def test_a_scheduled_order_that_moves_gets_moved_and_the_first_time_of_one_without_gets_booked(as_, new_order, stream, deliver):
    from chalicelib.events import automations

    order = as_("dispatcher").post(f"/orders/{new_order()['order_id']}/transitions", {"to": "scheduled", "expected_version": 1}).json
    old = {"step": {"S": "scheduled"}, "appointment_start": {"NULL": True}, "workflow_version": {"N": "1"}}
    new = {"step": {"S": "scheduled"}, "appointment_start": {"S": "2027-01-04T08:00:00.000000+0000"}, "workflow_version": {"N": "1"},
           "order_id": {"S": order["order_id"]}}
    found = automations.rescheduled({"dynamodb": {"OldImage": old, "NewImage": new}})
    assert found is not None and found[1] == "notify_booked"
    moved = {**old, "appointment_start": {"S": "2027-01-05T08:00:00.000000+0000"}}
    assert automations.rescheduled({"dynamodb": {"OldImage": moved, "NewImage": new}})[1] == "notify_rescheduled"


def test_the_reminder_inside_the_cut_off_offers_no_move_or_cancel(as_, stream, deliver, clock):
    booked = _book(as_, f"{WEDNESDAY}T10:00:00+00:00")
    _run_stream(stream, deliver)
    clock.now = datetime(2026, 12, 1, 17, 5, tzinfo=timezone.utc)
    assert scheduled_event("send_appointment_reminders")["reminded"] == 1
    [reminder] = _mails(booked["order_id"], "Reminder")
    text, html = _texts(reminder)
    assert TOO_LATE in text and TOO_LATE in html
    assert "move or cancel" not in text + html and PHONE in text and OFFICE in html
    assert parsedate_to_datetime(reminder["Date"]) == clock.now


def test_the_on_the_way_email_offers_no_move_or_cancel_and_gives_the_phone(as_, stream, deliver):
    booked = _book(as_, f"{WEDNESDAY}T10:00:00+00:00")
    order = as_("dispatcher").get(f"/orders/{booked['order_id']}").json
    r = as_("dispatcher").post(f"/orders/{booked['order_id']}/transitions", {"to": "en_route", "expected_version": order["version"]})
    assert r.status == 200, r
    _run_stream(stream, deliver)
    [on_the_way] = _mails(booked["order_id"], "on the way")
    text, html = _texts(on_the_way)
    assert "move or cancel" not in text + html and "change or cancel online" not in text
    assert PHONE in text and PHONE in html and on_the_way["From"].addresses[0].display_name == "Clearview Windows Ltd"


def test_the_booking_pages_get_the_business_contact_and_cut_off(as_):
    services = as_().get("/public/services").json
    assert services["business"] == {"name": "Clearview Windows Ltd", "phone": PHONE, "email": OFFICE,
                                    "address": "12 Glazier Row, Bristol BS1 4DJ", "cancellation_cutoff_hours": 24,
                                    "locale": "en-GB", "timezone": "Europe/London"}


@pytest.mark.parametrize("name", ["Clearview\r\nBcc: x@y.z", "=?utf-8?b?QmNjOiB4QHkueg==?=", "Clear\u2028view"])
def test_a_business_name_that_could_break_the_from_header_is_refused(as_, name):
    r = as_("admin").put("/business", {"name": name})
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "name"
