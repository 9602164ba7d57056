"""Abuse limits on the public booking routes, through the API with the test clock (nothing sleeps):
upcoming bookings per email and per phone, rates per client address with their windows, the
booking form's token (minimum time, forgeries), and postcodes no technician covers. Over a limit
the answer is 429 with a Retry-After, and nothing is booked or sent."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.helpers import StreamReader, sent_emails

CUSTOMER = {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111"}
ADDRESS = {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"}
WEDNESDAY, THURSDAY = "2026-12-02", "2026-12-03"  # London is on GMT in December


def at(day: str, hhmm: str) -> str:
    return f"{day}T{hhmm}:00+00:00"


def form_token(as_) -> str:
    r = as_().get("/public/services")
    assert r.status == 200, r
    return r.json["form_token"]


def book(as_, clock, start, customer=None, postcode=None, headers=None, token=None, wait=5):
    """Book as the form does: take a token with the services, fill in the form (`wait` seconds
    on the test clock), send."""
    token = token or form_token(as_)
    clock.advance(seconds=wait)
    body = {"service_id": "survey", "start": start, "customer": {**CUSTOMER, **(customer or {})},
            "address": {**ADDRESS, **({"postcode": postcode} if postcode else {})}, "form_token": token}
    return as_().post("/public/bookings", body, headers=headers)


def retry_after(r) -> int:
    headers = {k.lower(): v for k, v in r.headers.items()}
    assert r.status == 429, r
    assert int(headers["retry-after"]) == r.json["error"]["details"]["retry_after"] >= 1, (headers, r)
    return int(headers["retry-after"])


def orders(as_) -> list:
    return as_("dispatcher").get("/orders").json["orders"]


def emails_to(address: str) -> list:
    return [m for m in sent_emails() if any(a.addr_spec == address for a in m["To"].addresses)]


def deliver_stream(reader):
    import app

    assert app.on_order_change({"Records": reader.read()}, None) == {"batchItemFailures": []}


# --- upcoming bookings per contact ------------------------------------------------------------------

def test_the_fourth_upcoming_booking_by_one_email_is_429_and_nothing_is_booked_or_sent(as_, clock):
    reader = StreamReader()
    for hhmm in ("09:00", "11:00", "13:00"):
        assert book(as_, clock, at(WEDNESDAY, hhmm)).status == 201
    r = book(as_, clock, at(WEDNESDAY, "15:00"), customer={"email": "JO@Example.NET ", "phone": "0117 496 0000"})
    assert r.json["error"]["code"] == "too_many_bookings", r
    # the next place frees when the earliest appointment (Wednesday 09:00) has passed
    assert retry_after(r) == (datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc) - clock.now).total_seconds()
    assert "3 upcoming bookings for this email address" in r.json["error"]["message"]
    assert r.json["error"]["details"]["field"] == "customer.email" and r.json["error"]["details"]["limit"] == 3
    assert len(orders(as_)) == 3
    deliver_stream(reader)
    assert len(emails_to("jo@example.net")) == 3  # the three confirmations, none for the refusal


def test_the_same_phone_written_another_way_counts_as_the_same_customer(as_, clock):
    phones = ("+44 7700 900111", "07700 900111", "0044 (0)7700-900-111")
    for i, phone in enumerate(phones):
        r = book(as_, clock, at(WEDNESDAY, f"{9 + 2 * i:02d}:00"), customer={"email": f"jo{i}@example.net", "phone": phone})
        assert r.status == 201, r
    r = book(as_, clock, at(THURSDAY, "09:00"), customer={"email": "someone.else@example.net", "phone": "447700900111"})
    assert r.json["error"]["code"] == "too_many_bookings" and r.json["error"]["details"]["field"] == "customer.phone", r
    assert "this phone number" in r.json["error"]["message"]
    retry_after(r)
    assert len(orders(as_)) == 3


def test_cancelling_a_booking_frees_its_place(as_, clock):
    booked = [book(as_, clock, at(WEDNESDAY, hhmm)).json for hhmm in ("09:00", "11:00", "13:00")]
    assert book(as_, clock, at(THURSDAY, "09:00")).status == 429
    first = booked[0]
    token = first["manage_url"].split("token=")[1]
    assert as_().post(f"/public/bookings/{first['order_id']}/cancel?token={token}").status == 200
    assert book(as_, clock, at(THURSDAY, "09:00")).status == 201
    assert book(as_, clock, at(THURSDAY, "11:00")).status == 429  # full again


def test_an_office_cancellation_and_a_past_appointment_free_places_too(as_, clock):
    booked = [book(as_, clock, at(WEDNESDAY, hhmm)).json for hhmm in ("09:00", "11:00", "13:00")]
    dispatcher = as_("dispatcher")
    order = dispatcher.get(f"/orders/{booked[1]['order_id']}").json
    assert dispatcher.post(f"/orders/{order['order_id']}/transitions", {"to": "cancelled", "expected_version": order["version"]}).status == 200
    assert book(as_, clock, at(THURSDAY, "09:00")).status == 201
    assert book(as_, clock, at(THURSDAY, "11:00")).status == 429
    clock.now = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)  # Wednesday's 09:00 visit has begun
    assert book(as_, clock, at(THURSDAY, "11:00")).status == 201


def test_the_office_books_phone_calls_without_the_online_limit(as_):
    dispatcher = as_("dispatcher")
    for hhmm in ("08:00", "09:30", "11:00", "12:30", "14:00"):
        r = dispatcher.post("/orders", {"service_id": "survey", "start": at(WEDNESDAY, hhmm), "customer": CUSTOMER, "address": ADDRESS})
        assert r.status == 201, r


def test_the_limit_per_contact_is_a_setting(as_, clock, monkeypatch):
    monkeypatch.setenv("BOOKINGS_PER_CONTACT", "1")
    assert book(as_, clock, at(WEDNESDAY, "09:00")).status == 201
    r = book(as_, clock, at(WEDNESDAY, "11:00"))
    assert r.status == 429 and r.json["error"]["details"]["limit"] == 1, r
    monkeypatch.setenv("BOOKINGS_PER_CONTACT", "0")  # off
    assert book(as_, clock, at(WEDNESDAY, "11:00")).status == 201


def _race(clock, starts: list[str], email: str, phone: str) -> list[str]:
    """Book every start at once (one thread each, released together) for one customer; the
    outcome of each: "ok" or the error code."""
    from chalicelib.booking import online
    from chalicelib.core.errors import DomainError
    from chalicelib.core.validation import parse_datetime
    from chalicelib.orders import intake

    barrier, results = threading.Barrier(len(starts)), []

    def attempt(start):
        request = intake.Intake({**CUSTOMER, "email": email, "phone": phone}, dict(ADDRESS), service_id="survey",
                                start=parse_datetime(start), confirm=True)
        barrier.wait()
        try:
            online.book(online.CUSTOMER, request, clock.now, source="web")
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=attempt, args=(s,)) for s in starts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_two_bookings_racing_for_a_contacts_last_place_give_exactly_one(as_, clock, monkeypatch):
    # The booking's own transaction carries the contact's ledger, conditional on what it read:
    # every round, one of the two commits and the other reads again and is refused.
    monkeypatch.setenv("BOOKINGS_PER_ADDRESS", "0")  # all from one address here
    for round_, day in enumerate(("2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10")):
        email, phone = f"racer{round_}@example.net", f"0117 496 010{round_}"
        for hhmm in ("08:00", "10:00"):
            assert book(as_, clock, at(day, hhmm), customer={"email": email, "phone": phone}).status == 201
        assert _race(clock, [at(day, "13:00"), at(day, "15:00")], email, phone) == ["ok", "too_many_bookings"]
    # the phone's ledger is checked the same way: another email, the same number
    assert _race(clock, [at(THURSDAY, "13:00"), at(THURSDAY, "15:00")], "other@example.net", "0117 496 0103") == \
        ["too_many_bookings", "too_many_bookings"]
    # and eight at once for the last place
    email, phone = "crowd@example.net", "0117 496 0200"
    assert book(as_, clock, at(WEDNESDAY, "12:00"), customer={"email": email, "phone": phone}).status == 201
    assert book(as_, clock, at(WEDNESDAY, "14:00"), customer={"email": email, "phone": phone}).status == 201
    starts = [at(day, hhmm) for day in ("2026-12-14", "2026-12-15") for hhmm in ("08:00", "10:00", "12:00", "14:00")]
    assert _race(clock, starts, email, "0117 496 0300") == ["ok"] + ["too_many_bookings"] * 7


def test_a_ledger_written_since_it_was_read_cannot_be_written_back(as_, clock):
    """What decides the race above: each ledger write is conditional on the revision it read."""
    from pynamodb.exceptions import PutError

    from chalicelib.data.counters import CounterModel, unchanged_since_read
    from chalicelib.limits import contacts

    assert book(as_, clock, at(WEDNESDAY, "09:00")).status == 201
    ids = contacts.counter_ids(CUSTOMER)
    stale = {counter_id: CounterModel.get(counter_id) for counter_id in ids.values()}
    assert {item.revision for item in stale.values()} == {1}
    assert book(as_, clock, at(WEDNESDAY, "11:00")).status == 201  # revision 2 now
    late = contacts.reserve(stale, ids, "WO-LATE", clock.now + timedelta(days=3), clock.now, limit=3)
    with pytest.raises(PutError) as refused:
        late[0].save(condition=unchanged_since_read(late[0]))
    assert refused.value.cause_response_code == "ConditionalCheckFailedException"
    assert len(CounterModel.get(ids["email"]).entries) == 2


# --- rates per client address -------------------------------------------------------------------

def test_bookings_per_address_are_limited_per_window_and_the_window_resets(as_, clock, monkeypatch):
    monkeypatch.setenv("BOOKINGS_PER_ADDRESS", "3")
    monkeypatch.setenv("BOOKINGS_WINDOW_SECONDS", "3600")
    for i, hhmm in enumerate(("09:00", "11:00", "13:00")):
        assert book(as_, clock, at(WEDNESDAY, hhmm), customer={"email": f"n{i}@example.net", "phone": f"0117 496 00{i}0"}).status == 201
    r = book(as_, clock, at(WEDNESDAY, "15:00"), customer={"email": "n9@example.net", "phone": "0117 496 0099"})
    assert r.json["error"]["code"] == "too_many_requests", r
    # the hour started at 08:00 (windows line up on the epoch); it is now 08:00:20
    assert retry_after(r) == 3600 - 20
    assert "from your network" in r.json["error"]["message"] and "try again in 1 hour" not in r.json["error"]["message"]
    assert len(orders(as_)) == 3
    token, late = form_token(as_), {"email": "n9@example.net", "phone": "0117 496 0099"}
    clock.advance(seconds=3600 - 20 - 1)  # 08:59:59, the window's last second
    assert book(as_, clock, at(WEDNESDAY, "15:00"), customer=late, token=token, wait=0).status == 429
    clock.advance(seconds=1)  # 09:00:00, a new window
    assert book(as_, clock, at(WEDNESDAY, "15:00"), customer=late, token=token, wait=0).status == 201


def test_availability_per_address_is_limited_and_other_addresses_are_not(as_, clock, monkeypatch):
    from chalicelib.core import settings

    monkeypatch.setenv("AVAILABILITY_PER_ADDRESS", "5")
    monkeypatch.setenv("AVAILABILITY_WINDOW_SECONDS", "60")
    public = as_()
    path = f"/public/availability?service_id=survey&date={WEDNESDAY}"
    for _ in range(5):
        assert public.get(path).status == 200
    r = public.get(path)
    assert r.json["error"]["code"] == "too_many_requests" and retry_after(r) == 60, r
    assert public.get("/public/availability?service_id=nope&date=x").status == 429  # counted before anything is read
    # Through the stack's CloudFront the viewer's address counts, when the proof is genuine.
    proof = settings.limits_secret().decode()
    viewer = {"X-Viewer-Address": "203.0.113.7", "X-Origin-Verify": proof}
    assert public.get(path, headers=viewer).status == 200
    assert public.get(path, headers={**viewer, "X-Origin-Verify": "guessed"}).status == 429  # counted as 127.0.0.1
    # IPv6 clients are counted by /64: another address in the same /64 shares the count
    for i in range(5):
        assert public.get(path, headers={**viewer, "X-Viewer-Address": f"2001:db8:1:2::{i + 1}"}).status == 200
    assert public.get(path, headers={**viewer, "X-Viewer-Address": "2001:db8:1:2:ffff::9"}).status == 429
    assert public.get(path, headers={**viewer, "X-Viewer-Address": "2001:db8:1:3::1"}).status == 200
    clock.advance(seconds=60)  # the next minute
    assert public.get(path).status == 200


def test_a_window_is_one_item_counted_up_with_its_expiry_for_dynamodbs_ttl(as_, clock, monkeypatch):
    from chalicelib.core import settings
    from chalicelib.data.counters import CounterModel
    from chalicelib.limits import keys, windows

    monkeypatch.setenv("AVAILABILITY_PER_ADDRESS", "2")
    for _ in range(3):
        as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}")
    window = windows.window_at(clock.now, 60)
    item = CounterModel.get(keys.rate_id(settings.limits_secret(), "availability", "127.0.0.1", window.index))
    assert item.hits == 2  # the refused third request added nothing
    assert item.expires_at == window.end + timedelta(seconds=60)
    assert "127.0.0.1" not in item.counter_id


# --- the booking form's token -----------------------------------------------------------------------

def test_a_booking_sent_sooner_than_the_minimum_after_the_form_was_shown_is_429(as_, clock):
    token = form_token(as_)
    r = book(as_, clock, at(WEDNESDAY, "10:00"), token=token, wait=1)  # the default minimum is 3 seconds
    assert r.json["error"]["code"] == "submitted_too_soon", r
    assert retry_after(r) == 2
    assert orders(as_) == []
    assert book(as_, clock, at(WEDNESDAY, "10:00"), token=token, wait=2).status == 201  # 3 seconds after it was shown


def test_the_minimum_time_is_a_setting(as_, clock, monkeypatch):
    monkeypatch.setenv("FORM_MIN_SECONDS", "10")
    r = book(as_, clock, at(WEDNESDAY, "10:00"), wait=9)
    assert r.json["error"]["code"] == "submitted_too_soon" and retry_after(r) == 1, r
    monkeypatch.setenv("FORM_MIN_SECONDS", "0")
    assert book(as_, clock, at(WEDNESDAY, "10:00"), wait=0).status == 201


def _forged_tokens(genuine: str) -> dict:
    import base64
    import hashlib
    import hmac

    version, issued, nonce, signature = genuine.split(".")
    older = f"{version}.{int(issued) - 60}.{nonce}"
    other_key = hmac.new(b"not the secret", older.encode(), hashlib.sha256).digest()
    return {
        "an older time with the old signature": f"{older}.{signature}",
        "signed with another key": f"{older}.{base64.urlsafe_b64encode(other_key).decode().rstrip('=')}",
        "no signature": f"{version}.{issued}.{nonce}",
        "not a token": "hello",
        "a number": 12345,
        "too long": genuine + "x" * 300,
    }


@pytest.mark.parametrize("kind", list(_forged_tokens("1.1.n.s")))
def test_a_forged_token_is_refused_with_422_and_nothing_is_booked(as_, clock, kind):
    token = _forged_tokens(form_token(as_))[kind]
    r = book(as_, clock, at(WEDNESDAY, "10:00"), token=token)
    assert r.status == 422 and r.json["error"]["code"] == "form_token_invalid", r
    assert r.json["error"]["details"] == [{"field": "form_token", "message": "is not valid"}]
    assert orders(as_) == []


def test_a_missing_or_expired_token_is_refused_with_422(as_, clock):
    body = {"service_id": "survey", "start": at(WEDNESDAY, "10:00"), "customer": CUSTOMER, "address": ADDRESS}
    r = as_().post("/public/bookings", body)
    assert r.status == 422 and r.json["error"]["details"] == [{"field": "form_token", "message": "is missing"}], r
    assert "reload the page" in r.json["error"]["message"]
    token = form_token(as_)
    r = book(as_, clock, at(WEDNESDAY, "10:00"), token=token, wait=4 * 3600 + 1)  # older than the 4 hours a token lasts
    assert r.status == 422 and r.json["error"]["details"] == [{"field": "form_token", "message": "has expired"}], r
    assert orders(as_) == []


def test_the_services_and_availability_answers_carry_a_fresh_token(as_, clock):
    services = as_().get("/public/services").json
    assert services["service_areas"] is True and services["form_token"].startswith("1.")
    slots = as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}").json
    assert slots["form_token"] != services["form_token"]
    assert book(as_, clock, at(WEDNESDAY, "10:00"), token=slots["form_token"]).status == 201


# --- service areas ------------------------------------------------------------------------------------

def test_a_postcode_no_technician_covers_is_422_area_not_served_naming_it(as_, clock):
    r = book(as_, clock, at(WEDNESDAY, "10:00"), postcode="zz9 9zz")
    assert r.status == 422 and r.json["error"]["code"] == "area_not_served", r
    assert r.json["error"]["message"] == "Sorry, we do not work in ZZ9 9ZZ: it is outside our service area."
    assert r.json["error"]["details"] == [{"field": "address.postcode", "message": "ZZ9 9ZZ is outside our service area"}]
    assert orders(as_) == []
    r = as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}&postcode=ZZ9%209ZZ")
    assert r.status == 422 and r.json["error"]["code"] == "area_not_served", r


def test_a_covered_postcode_without_the_skill_names_the_service(as_, clock):
    token = form_token(as_)
    clock.advance(seconds=5)
    body = {"service_id": "window-install", "start": at(WEDNESDAY, "10:00"), "customer": CUSTOMER,
            "address": {**ADDRESS, "postcode": "GL1 2AB"}, "form_token": token}  # only tech-3 covers GL; no installs
    r = as_().post("/public/bookings", body)
    assert r.status == 422 and r.json["error"]["code"] == "area_not_served", r
    assert r.json["error"]["message"] == "Sorry, we do not offer Window installation in GL1 2AB."


def test_a_business_without_service_areas_serves_every_postcode(as_, clock):
    admin = as_("admin")
    for tech in ("tech-1", "tech-2", "tech-3"):
        assert admin.put(f"/technicians/{tech}", {"areas": []}).status == 200
    assert as_().get("/public/services").json["service_areas"] is False
    assert book(as_, clock, at(WEDNESDAY, "10:00"), postcode="ZZ9 9ZZ").status == 201
