"""Online booking: availability, atomic assignment, idempotency, self-service and emails."""
import threading
from datetime import datetime, timezone

import pytest

from tests.support.helpers import StreamReader, body_part, scheduled_event, sent_emails

CUSTOMER = {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111"}
ADDRESS = {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"}
WEDNESDAY = "2026-12-02"  # London is on GMT (+00:00) in December


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(monkeypatch):
    """These tests book many times from one address with one email and phone, at once after the
    form token is issued: the limits have their own tests (tests/api/test_limits.py)."""
    for variable in ("BOOKINGS_PER_CONTACT", "BOOKINGS_PER_ADDRESS", "AVAILABILITY_PER_ADDRESS", "FORM_MIN_SECONDS"):
        monkeypatch.setenv(variable, "0")
    monkeypatch.setenv("FORM_TOKEN_MAX_AGE_SECONDS", str(10 * 365 * 86400))  # tests move the clock


def form_token() -> str:
    """What the booking form gets with the services and free times (issued at the test clock's start)."""
    from chalicelib.limits import gate
    from tests.support.world import FIXED_NOW

    return gate.new_form_token(FIXED_NOW)


def booking_body(start, service_id="survey", **overrides):
    body = {"service_id": service_id, "start": start, "customer": dict(CUSTOMER), "address": dict(ADDRESS),
            "form_token": form_token()}
    body.update(overrides)
    return body


def starts(r):
    assert r.status == 200, r
    return [s["start"][11:16] for s in r.json["slots"]]


def only_technician(as_, keep):
    """Leave one technician able to do surveys, so slots are easy to compute by hand."""
    admin = as_("admin")
    for tech in ("tech-1", "tech-2", "tech-3"):
        if tech != keep:
            assert admin.put(f"/technicians/{tech}", {"skills": []}).status == 200


def every_half_hour(first, last):
    result, h, m = [], int(first[:2]), int(first[3:])
    while f"{h:02d}:{m:02d}" <= last:
        result.append(f"{h:02d}:{m:02d}")
        h, m = (h, 30) if m == 0 else (h + 1, 0)
    return result


# --- availability -----------------------------------------------------------------------------

def test_a_free_day_offers_every_grid_start_inside_opening_and_working_hours(as_):
    only_technician(as_, "tech-1")  # works 08:00-18:00; the business opens 08:00-18:00
    r = as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}")
    assert starts(r) == every_half_hour("08:00", "17:00")
    assert r.json["slots"][0] == {"start": f"{WEDNESDAY}T08:00:00+00:00", "end": f"{WEDNESDAY}T09:00:00+00:00"}


def test_a_booking_blocks_its_time_plus_service_buffer_and_travel(as_):
    only_technician(as_, "tech-1")
    r = as_().post("/public/bookings", booking_body(f"{WEDNESDAY}T10:00:00+00:00"))
    assert r.status == 201, r
    # The survey occupies 10:00-11:00, then 15 min buffer and 30 min travel: busy until 11:45.
    # A new 60-minute survey also needs its own 45 minutes after it before 10:00.
    free = starts(as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}"))
    assert free == ["08:00"] + every_half_hour("12:00", "17:00")


def test_time_off_removes_the_slots_it_touches(as_):
    only_technician(as_, "tech-1")
    r = as_("dispatcher").post("/technicians/tech-1/time-off", {"start": f"{WEDNESDAY}T13:00:00+00:00", "end": f"{WEDNESDAY}T15:00:00+00:00", "reason": "Dentist"})
    assert r.status == 201, r
    free = starts(as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}"))
    assert free == every_half_hour("08:00", "12:00") + every_half_hour("15:00", "17:00")


def test_working_hours_bound_the_slots(as_):
    only_technician(as_, "tech-2")  # Mon-Fri 08:00-17:00
    free = starts(as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}"))
    assert free == every_half_hour("08:00", "16:00")
    sunday = starts(as_().get("/public/availability?service_id=survey&date=2026-12-06"))
    assert sunday == []  # the business is closed on Sundays


def test_service_area_and_skill_filter_technicians(as_):
    # Only tech-3 covers GL postcodes, and tech-3 does no installations.
    gl = starts(as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}&postcode=GL1%202AB"))
    assert gl == every_half_hour("08:00", "16:00")  # tech-3 works until 17:00
    install = as_().get(f"/public/availability?service_id=window-install&date={WEDNESDAY}&postcode=GL1")
    assert install.status == 422 and install.json["error"]["code"] == "area_not_served", install
    assert install.json["error"]["message"] == "Sorry, we do not offer Window installation in GL1."
    nowhere = as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}&postcode=zz9%209zz")
    assert nowhere.status == 422 and nowhere.json["error"]["code"] == "area_not_served", nowhere
    assert "ZZ9 9ZZ" in nowhere.json["error"]["message"]
    assert nowhere.json["error"]["details"] == [{"field": "postcode", "message": "ZZ9 9ZZ is outside our service area"}]


def test_a_slot_stays_offered_while_any_qualified_technician_is_free(as_):
    public = as_()
    taken = []
    for _ in range(3):  # three technicians do surveys in BS
        r = public.post("/public/bookings", booking_body(f"{WEDNESDAY}T10:00:00+00:00"))
        assert r.status == 201, r
        taken.append(r.json["technician"]["name"])
    assert sorted(taken) == ["Luis", "Priya", "Sam"]
    assert "10:00" not in starts(public.get(f"/public/availability?service_id=survey&date={WEDNESDAY}"))
    r = public.post("/public/bookings", booking_body(f"{WEDNESDAY}T10:00:00+00:00"))
    assert r.status == 409 and r.json["error"]["code"] == "slot_taken", r
    alternatives = r.json["error"]["details"]["alternatives"]
    assert 1 <= len(alternatives) <= 3 and all(a["start"] != f"{WEDNESDAY}T10:00:00+00:00" for a in alternatives)


def test_slots_on_a_daylight_saving_day_carry_the_right_offsets(as_):
    admin = as_("admin")
    hours = {d: [["09:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert admin.put("/business", {"opening_hours": hours, "booking": {"max_days_ahead": 365}}).status == 200
    only_technician(as_, "tech-1")
    # Clocks go forward at 01:00 UTC on Sunday 28 March 2027 in London.
    before = as_().get("/public/availability?service_id=survey&date=2027-03-27&days=2")
    assert before.status == 200, before
    by_day = {}
    for s in before.json["slots"]:
        by_day.setdefault(s["start"][:10], []).append(s["start"][11:])
    assert by_day["2027-03-27"][0] == "09:00:00+00:00"
    assert by_day["2027-03-28"][0] == "09:00:00+01:00"
    assert by_day["2027-03-28"][-1] == "11:00:00+01:00"  # a 60-minute job ends by 12:00 local
    r = as_().post("/public/bookings", booking_body("2027-03-28T09:00:00+01:00"))
    assert r.status == 201, r
    assert r.json["appointment"] == {"start": "2027-03-28T09:00:00+01:00", "end": "2027-03-28T10:00:00+01:00"}


def test_availability_refuses_bad_queries(as_):
    public = as_()
    for query, field in [
        ("service_id=survey&date=2026-13-01", "date"),
        ("service_id=survey&date=2026-11-01", "date"),
        ("service_id=survey&date=2026-12-02&days=15", "days"),
        ("date=2026-12-02", "service_id"),
        ("service_id=nope&date=2026-12-02", "service_id"),
        ("service_id=survey&date=2026-12-02&postcode=%3Cscript%3E", "postcode"),
    ]:
        r = public.get(f"/public/availability?{query}")
        assert r.status == 422, (query, r)
        assert field in [d["field"] for d in r.json["error"]["details"]], (query, r)


def test_availability_never_names_a_technician(as_):
    r = as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}&days=3")
    assert r.status == 200
    text = r.text.lower()
    assert "tech" not in text and "sam" not in text and "priya" not in text


# --- booking ----------------------------------------------------------------------------------

def test_a_booking_creates_a_scheduled_order_with_the_assignment_and_its_reason(as_):
    r = as_().post("/public/bookings", booking_body(f"{WEDNESDAY}T09:00:00+00:00", notes="Side gate is open"))
    assert r.status == 201, r
    answer = r.json
    assert answer["step"] == "scheduled" and answer["technician"] == {"name": "Sam"}  # all at 0 minutes: the smallest id
    order = as_("dispatcher").get(f"/orders/{answer['order_id']}").json
    assert [(h["from"], h["to"]) for h in order["history"]] == [(None, "requested"), ("requested", "scheduled")]
    assert "fewest booked minutes" in order["history"][1]["note"]
    assert order["notes"][0]["text"] == "Side gate is open"
    assert "token=" in answer["manage_url"] and len(answer["manage_url"].split("token=")[1]) >= 40
    assert "manage_token" not in order and answer["manage_url"].split("token=")[1] not in str(order)


def test_assignment_prefers_the_technician_with_fewest_booked_minutes_then_the_smallest_id(as_):
    public = as_()
    first = public.post("/public/bookings", booking_body(f"{WEDNESDAY}T09:00:00+00:00")).json
    # Equal (zero) minutes for all three: the smallest id, tech-1, wins.
    assert first["technician"]["name"] == "Sam"
    second = public.post("/public/bookings", booking_body(f"{WEDNESDAY}T14:00:00+00:00")).json
    assert second["technician"]["name"] == "Priya"  # tech-2 and tech-3 have 0 minutes; tech-2 < tech-3
    third = public.post("/public/bookings", booking_body(f"{WEDNESDAY}T15:00:00+00:00")).json
    assert third["technician"]["name"] == "Luis"


def test_fifty_concurrent_bookings_of_one_slot_give_three_orders_on_three_calendars(world, clock):
    from chalicelib.booking import online
    from chalicelib.orders import intake
    from chalicelib.core.errors import Conflict
    from chalicelib.data.models import CalendarDayModel
    from chalicelib.core.validation import parse_datetime

    start = parse_datetime(f"{WEDNESDAY}T10:00:00+00:00")
    results, barrier = [], threading.Barrier(50)

    def attempt(i):
        request = intake.Intake({**CUSTOMER, "name": f"Customer {i}"}, dict(ADDRESS), service_id="survey", start=start, confirm=True)
        barrier.wait()
        try:
            order = online.book(online.CUSTOMER, request, clock.now).order
            results.append(("ok", order.technician_id))
        except Conflict as exc:
            results.append((exc.code, None))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [tech for status, tech in results if status == "ok"]
    assert sorted(ok) == ["tech-1", "tech-2", "tech-3"]
    assert sorted(status for status, _ in results if status != "ok") == ["slot_taken"] * 47
    for tech in ok:
        jobs = CalendarDayModel.get(tech, WEDNESDAY).appointments
        assert len(jobs) == 1
    _assert_no_overlaps()


def _assert_no_overlaps():
    from chalicelib.data.models import CalendarDayModel

    for tech in ("tech-1", "tech-2", "tech-3"):
        for day in CalendarDayModel.query(tech):
            jobs = sorted(day.appointments, key=lambda a: a["start"])
            for a, b in zip(jobs, jobs[1:]):
                assert a["blocked_until"] <= b["start"], (tech, a, b)


def test_the_same_idempotency_key_returns_the_first_booking_and_books_nothing_new(as_):
    public = as_()
    body = booking_body(f"{WEDNESDAY}T10:00:00+00:00")
    first = public.post("/public/bookings", body, headers={"Idempotency-Key": "retry-key-0001"})
    again = public.post("/public/bookings", body, headers={"Idempotency-Key": "retry-key-0001"})
    assert first.status == 201 and again.status == 200
    assert again.json == first.json
    listed = as_("dispatcher").get("/orders").json["orders"]
    assert [o["order_id"] for o in listed] == [first.json["order_id"]]
    other = public.post("/public/bookings", {**body, "notes": "different"}, headers={"Idempotency-Key": "retry-key-0001"})
    assert other.status == 422 and other.json["error"]["code"] == "idempotency_key_reused", other
    assert other.json["error"]["details"][0]["field"] == "Idempotency-Key"
    # a fresher form token is not a different booking: the retry finds the first one
    fresher = public.post("/public/bookings", {**body, "form_token": form_token()}, headers={"Idempotency-Key": "retry-key-0001"})
    assert fresher.status == 200 and fresher.json == first.json


@pytest.mark.parametrize("change, field", [
    ({"start": "2026-11-29T10:00:00+00:00"}, "start"),            # the past
    ({"start": "2026-11-30T09:00:00+00:00"}, "start"),            # under two hours' notice
    ({"start": "2027-06-01T10:00:00+01:00"}, "start"),            # beyond 60 days ahead
    ({"start": f"{WEDNESDAY}T10:15:00+00:00"}, "start"),          # off the 30-minute grid
    ({"start": f"{WEDNESDAY}T19:00:00+00:00"}, "start"),          # after closing
    ({"start": "2026-12-02T10:00:00"}, "start"),                  # no offset
    ({"service_id": "chimney-sweep"}, "service_id"),
    ({"customer": {**CUSTOMER, "email": "not-an-email"}}, "customer.email"),
    ({"customer": {**CUSTOMER, "phone": "call me"}}, "customer.phone"),
    ({"customer": {**CUSTOMER, "name": "x" * 121}}, "customer.name"),
    ({"customer": {**CUSTOMER, "name": "Eve\r\nBcc: all@example.com"}}, "customer.name"),
    ({"address": {**ADDRESS, "postcode": "BS1 <1>"}}, "address.postcode"),
    ({"notes": "n" * 1001}, "notes"),
    ({"website": "http://spam.example"}, "website"),
])
def test_bad_booking_input_is_refused_with_the_field_named(as_, change, field):
    body = booking_body(f"{WEDNESDAY}T10:00:00+00:00")
    body.update(change)
    r = as_().post("/public/bookings", body)
    assert r.status in (400, 422), r
    assert field in [d["field"] for d in r.json["error"]["details"]], r
    assert as_("dispatcher").get("/orders").json["orders"] == []


# --- self-service -----------------------------------------------------------------------------

def _book(as_, start=f"{WEDNESDAY}T10:00:00+00:00"):
    r = as_().post("/public/bookings", booking_body(start))
    assert r.status == 201, r
    token = r.json["manage_url"].split("token=")[1]
    return r.json["order_id"], token


def test_the_manage_link_shows_the_booking_and_a_wrong_token_finds_nothing(as_):
    order_id, token = _book(as_)
    public = as_()
    r = public.get(f"/public/bookings/{order_id}?token={token}")
    assert r.status == 200 and r.json["step"] == "scheduled" and r.json["technician"] == {"name": "Sam"}
    assert "email" not in str(r.json["technician"])
    for bad in ("", "?token=", f"?token={token[:-1]}x", "?token=" + "a" * 300):
        assert public.get(f"/public/bookings/{order_id}{bad}").status == 404
    other_id, _ = _book(as_, f"{WEDNESDAY}T14:00:00+00:00")
    assert public.get(f"/public/bookings/{other_id}?token={token}").status == 404


def test_reschedule_releases_the_old_time_and_reserves_the_new(as_):
    only_technician(as_, "tech-1")
    order_id, token = _book(as_)
    public = as_()
    r = public.post(f"/public/bookings/{order_id}/reschedule?token={token}", {"start": f"{WEDNESDAY}T14:00:00+00:00"})
    assert r.status == 200, r
    assert r.json["appointment"]["start"] == f"{WEDNESDAY}T14:00:00+00:00"
    free = starts(public.get(f"/public/availability?service_id=survey&date={WEDNESDAY}"))
    assert "10:00" in free and "14:00" not in free and "13:30" not in free
    schedule = as_("dispatcher").get(f"/technicians/tech-1/schedule?from={WEDNESDAY}&to={WEDNESDAY}").json
    assert [a["start"][11:16] for a in schedule["days"][0]["appointments"]] == ["14:00"]


def test_cancel_releases_the_time_and_the_cutoff_is_enforced(as_, clock):
    only_technician(as_, "tech-1")
    order_id, token = _book(as_)
    public = as_()
    r = public.post(f"/public/bookings/{order_id}/cancel?token={token}")
    assert r.status == 200 and r.json["step"] == "cancelled", r
    assert "10:00" in starts(public.get(f"/public/availability?service_id=survey&date={WEDNESDAY}"))
    late_id, late_token = _book(as_, f"{WEDNESDAY}T14:00:00+00:00")
    clock.now = datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc)  # under 24 hours before
    r = public.post(f"/public/bookings/{late_id}/cancel?token={late_token}")
    assert r.status == 422 and "too late" in r.json["error"]["message"], r
    r = public.post(f"/public/bookings/{late_id}/reschedule?token={late_token}", {"start": f"{WEDNESDAY}T16:00:00+00:00"})
    assert r.status == 422


def test_an_office_cancellation_also_frees_the_technician(as_):
    only_technician(as_, "tech-1")
    order_id, _ = _book(as_)
    dispatcher = as_("dispatcher")
    order = dispatcher.get(f"/orders/{order_id}").json
    r = dispatcher.post(f"/orders/{order_id}/transitions", {"to": "cancelled", "expected_version": order["version"]})
    assert r.status == 200, r
    assert "10:00" in starts(as_().get(f"/public/availability?service_id=survey&date={WEDNESDAY}"))


# --- the office -------------------------------------------------------------------------------

def test_phone_intake_books_a_chosen_technician_and_refuses_a_clash(as_):
    dispatcher = as_("dispatcher")
    body = {**booking_body(f"{WEDNESDAY}T10:15:00+00:00"), "technician_id": "tech-3"}  # the office may book off-grid
    r = dispatcher.post("/orders", body)
    assert r.status == 201 and r.json["step"] == "scheduled" and r.json["technician"]["id"] == "tech-3", r
    clash = dispatcher.post("/orders", {**booking_body(f"{WEDNESDAY}T11:00:00+00:00"), "technician_id": "tech-3"})
    assert clash.status == 409 and clash.json["error"]["code"] == "slot_taken", clash
    auto = dispatcher.post("/orders", booking_body(f"{WEDNESDAY}T10:15:00+00:00"))
    assert auto.status == 201 and auto.json["technician"]["id"] in ("tech-1", "tech-2")


def test_reassignment_moves_the_time_to_the_new_technician(as_):
    order_id, _ = _book(as_)
    dispatcher = as_("dispatcher")
    order = dispatcher.get(f"/orders/{order_id}").json
    assert order["technician"]["id"] == "tech-1"
    r = dispatcher.post(f"/orders/{order_id}/assign", {"technician_id": "tech-2", "expected_version": order["version"]})
    assert r.status == 200 and r.json["technician"]["id"] == "tech-2", r
    assert dispatcher.get(f"/technicians/tech-1/schedule?from={WEDNESDAY}&to={WEDNESDAY}").json["days"] == []
    days = dispatcher.get(f"/technicians/tech-2/schedule?from={WEDNESDAY}&to={WEDNESDAY}").json["days"]
    assert [a["order_id"] for a in days[0]["appointments"]] == [order_id]
    stale = dispatcher.post(f"/orders/{order_id}/assign", {"technician_id": "tech-3", "expected_version": order["version"]})
    assert stale.status == 409


def test_assigning_a_requested_order_reserves_the_time_and_confirming_schedules_it(as_):
    dispatcher = as_("dispatcher")
    r = dispatcher.post("/orders", {"customer": CUSTOMER, "address": ADDRESS, "service_id": "glazing-repair"})
    assert r.status == 201 and r.json["step"] == "requested", r
    order = r.json
    r = dispatcher.post(f"/orders/{order['order_id']}/assign", {"start": f"{WEDNESDAY}T13:00:00+00:00", "expected_version": order["version"]})
    assert r.status == 200, r
    assert r.json["step"] == "requested" and r.json["technician"]["id"] in ("tech-1", "tech-3")
    tech = r.json["technician"]["id"]
    days = dispatcher.get(f"/technicians/{tech}/schedule?from={WEDNESDAY}&to={WEDNESDAY}").json["days"]
    assert [a["order_id"] for a in days[0]["appointments"]] == [order["order_id"]]
    r = dispatcher.post(f"/orders/{order['order_id']}/transitions", {"to": "scheduled", "expected_version": r.json["version"]})
    assert r.status == 200 and r.json["step"] == "scheduled", r


def test_a_job_without_a_service_books_its_own_length(as_):
    dispatcher = as_("dispatcher")
    body = {"customer": CUSTOMER, "address": ADDRESS, "service_name": "Emergency board-up", "technician_id": "tech-3",
            "appointment": {"start": f"{WEDNESDAY}T09:00:00+00:00", "end": f"{WEDNESDAY}T09:45:00+00:00"}}
    r = dispatcher.post("/orders", body)
    assert r.status == 201 and r.json["step"] == "requested", r
    assert r.json["appointment"] == {"start": f"{WEDNESDAY}T09:00:00Z", "end": f"{WEDNESDAY}T09:45:00Z"}
    # 45 minutes plus the 30-minute travel buffer: tech-3 is busy until 10:15.
    clash = dispatcher.post("/orders", {**body, "appointment": {"start": f"{WEDNESDAY}T10:00:00+00:00", "end": f"{WEDNESDAY}T10:30:00+00:00"}})
    assert clash.status == 409, clash
    ok = dispatcher.post("/orders", {**body, "appointment": {"start": f"{WEDNESDAY}T10:15:00+00:00", "end": f"{WEDNESDAY}T10:30:00+00:00"}})
    assert ok.status == 201, ok


def test_a_technician_sees_only_their_own_schedule(as_):
    assert as_("tech1").get("/technicians/tech-1/schedule").status == 200
    assert as_("tech1").get("/technicians/tech-2/schedule").status == 404


# --- emails -----------------------------------------------------------------------------------

def _run_stream(reader):
    import app

    records = reader.read()
    result = app.on_order_change({"Records": records}, None)
    assert result == {"batchItemFailures": []}, result
    return records


def test_booking_confirmation_carries_an_ics_and_escapes_customer_values(as_):
    reader = StreamReader()
    body = booking_body(f"{WEDNESDAY}T10:00:00+00:00", customer={**CUSTOMER, "name": "Jo <b>Bold</b> & Co"})
    r = as_().post("/public/bookings", body)
    assert r.status == 201, r
    _run_stream(reader)
    [message] = sent_emails()
    assert message["To"].addresses[0].addr_spec == "jo@example.net"
    assert "booked" in message["Subject"].lower()
    html = body_part(message, "html")
    assert "Jo &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "<b>Bold</b>" not in html
    assert "Jo <b>Bold</b> & Co" in body_part(message, "plain")
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    text = ics.get_content() if isinstance(ics.get_content(), str) else ics.get_content().decode()
    assert "DTSTART:20261202T100000Z" in text and "METHOD:PUBLISH" in text


def test_reschedule_and_cancel_send_notices(as_):
    order_id, token = _book(as_)
    reader = StreamReader()
    public = as_()
    assert public.post(f"/public/bookings/{order_id}/reschedule?token={token}", {"start": f"{WEDNESDAY}T15:00:00+00:00"}).status == 200
    assert public.post(f"/public/bookings/{order_id}/cancel?token={token}").status == 200
    _run_stream(reader)
    subjects = [m["Subject"] for m in sent_emails()]
    assert any("moved" in s for s in subjects) and any("cancelled" in s for s in subjects), subjects


def test_the_day_before_reminder_goes_out_once(as_, clock):
    _book(as_, f"{WEDNESDAY}T10:00:00+00:00")
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    assert scheduled_event("send_appointment_reminders")["reminded"] == 0  # before 17:00 local
    clock.now = datetime(2026, 12, 1, 17, 5, tzinfo=timezone.utc)
    assert scheduled_event("send_appointment_reminders")["reminded"] == 1
    scheduled_event("send_appointment_reminders")
    reminders = [m for m in sent_emails() if "Reminder" in m["Subject"]]
    assert len(reminders) == 1


# --- CORS -------------------------------------------------------------------------------------

def test_cors_allows_only_configured_origins(as_, monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://www.clearview.example,http://127.0.0.1:8000")
    public = as_()
    ok = public.get("/public/services", headers={"Origin": "https://www.clearview.example"})
    assert ok.headers.get("Access-Control-Allow-Origin") == "https://www.clearview.example"
    other = public.get("/public/services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in other.headers}
    pre = public.call("OPTIONS", "/public/bookings", headers={"Origin": "https://www.clearview.example"})
    assert pre.status == 204 and "Idempotency-Key" in pre.headers.get("Access-Control-Allow-Headers", "")


def test_the_public_business_card_names_no_staff(as_):
    r = as_().get("/public/business")
    assert r.status == 200, r
    assert r.json["name"] == "Clearview Windows Ltd" and r.json["currency"] == "GBP"
    assert r.json["timezone"] == "Europe/London" and r.json["cancellation_cutoff_hours"] == 24
    assert "tech" not in r.text.lower()
