"""The dispatch board (GET /board): each technician's day or week with working hours and time off,
the appointments in the business's timezone, the tray of orders waiting for a time or a
technician (requests, jobs whose technician is away, what the daily review flagged), the versions
moves are made with, three DynamoDB calls whatever the scale, and 422 for a bad query."""

import pytest

from chalicelib.dispatch import context
from chalicelib.reviews import runs
from tests.support.helpers import dynamodb_calls, sent_emails, staff_check

WEDNESDAY, THURSDAY, FRIDAY = "2026-12-02", "2026-12-03", "2026-12-04"
CUSTOMER = {"name": "Grace Hopper", "email": "grace@example.net", "phone": "+44 7700 900222"}
ADDRESS = {"street": "5 Compiler Close", "city": "Bristol", "postcode": "BS3 4QT"}  # every demo technician covers BS


@pytest.fixture(autouse=True)
def _fresh_context():
    """The board keeps the settings, map and review per container; each test starts without."""
    context.forget()
    yield
    context.forget()


def book(as_, technician, start, service_id="survey", customer=CUSTOMER):
    """A phone booking straight into `scheduled` (service and start)."""
    r = as_("dispatcher").post("/orders", {"customer": customer, "address": ADDRESS, "service_id": service_id,
                                           "technician_id": technician, "start": start})
    assert r.status == 201, r
    return r.json


def request(as_, service_id="glazing-repair"):
    """A phone call saved as a request, to be booked later."""
    r = as_("dispatcher").post("/orders", {"customer": CUSTOMER, "address": ADDRESS, "service_id": service_id,
                                           "description": "Misted unit in the kitchen."})
    assert r.status == 201, r
    return r.json


def board(as_, who="dispatcher", **query):
    path = "/board" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    r = as_(who).get(path)
    assert r.status == 200, r
    return r.json


def test_the_day_board_shows_each_technician_with_working_hours_and_the_days_appointments_in_local_time(as_):
    wednesday = book(as_, "tech-1", f"{WEDNESDAY}T10:00:00Z")
    book(as_, "tech-2", f"{THURSDAY}T10:00:00Z")
    b = board(as_, date=WEDNESDAY)
    assert (b["date"], b["days"], b["dates"], b["timezone"]) == (WEDNESDAY, 1, [WEDNESDAY], "Europe/London")
    assert b["as_of"] == "2026-11-30T08:00:00Z"
    assert [t["name"] for t in b["technicians"]] == ["Luis Moreno", "Priya Patel", "Sam Fischer"]
    sam = b["technicians"][2]
    assert sam["id"] == "tech-1" and sam["skills"] == ["install", "repair", "survey"] and sam["time_off"] == []
    assert sam["days"] == [{"date": WEDNESDAY, "hours": [{"start": f"{WEDNESDAY}T08:00:00+00:00", "end": f"{WEDNESDAY}T18:00:00+00:00"}]}]
    appointment, = b["appointments"]
    assert appointment == {
        "order_id": wednesday["order_id"], "version": wednesday["version"], "customer_name": "Grace Hopper",
        "service_id": "survey", "service_name": "Measure and quote visit", "skill": "survey", "duration_minutes": 60,
        "step": "scheduled", "step_label": "Scheduled", "technician_id": "tech-1", "postcode": "BS3 4QT", "town": "Bristol",
        "start": f"{WEDNESDAY}T10:00:00+00:00", "end": f"{WEDNESDAY}T11:00:00+00:00",
        "tentative": False, "movable": True, "flags": [],
    }
    assert b["tray"] == [] and b["review"] is None


def test_the_board_is_in_the_business_timezone_in_summer_too(as_):
    june = "2027-06-02"
    order = book(as_, "tech-1", f"{june}T09:00:00Z")  # 10:00 in London (BST)
    b = board(as_, date=june)
    assert b["appointments"][0]["order_id"] == order["order_id"]
    assert b["appointments"][0]["start"] == f"{june}T10:00:00+01:00"
    luis = b["technicians"][0]
    assert luis["days"][0]["hours"] == [{"start": f"{june}T08:00:00+01:00", "end": f"{june}T17:00:00+01:00"}]


def test_the_week_board_covers_the_seven_days_from_the_date(as_):
    inside = [book(as_, "tech-1", f"{WEDNESDAY}T10:00:00Z"), book(as_, "tech-1", "2026-12-06T10:00:00Z")]  # Sunday
    book(as_, "tech-1", "2026-12-07T10:00:00Z")  # the Monday after
    b = board(as_, date="2026-11-30", days=7)
    assert b["days"] == 7 and b["dates"] == [f"2026-{d}" for d in ("11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06")]
    assert [a["order_id"] for a in b["appointments"]] == [o["order_id"] for o in inside]
    luis = b["technicians"][0]
    assert [len(d["hours"]) for d in luis["days"]] == [1, 1, 1, 1, 1, 0, 0]  # weekdays only


def test_a_request_waits_in_the_tray_with_why_and_the_step_that_confirms_it(as_, new_order, clock):
    waiting = request(as_)
    clock.advance(minutes=5)  # the tray lists the longest waiting first
    proposed = new_order()  # a time reserved with Sam, not yet confirmed
    day = proposed["appointment"]["start"][:10]
    b = board(as_, date=day)
    items = {t["order_id"]: t for t in b["tray"]}
    assert list(items) == [waiting["order_id"], proposed["order_id"]]
    item = items[waiting["order_id"]]
    assert (item["customer_name"], item["service_name"], item["skill"], item["duration_minutes"]) == (
        "Grace Hopper", "Glazing repair", "repair", 90)
    assert (item["step"], item["step_label"], item["version"], item["appointment"]) == ("requested", "Requested", waiting["version"], None)
    assert item["confirm_step"] == {"key": "scheduled", "label": "Scheduled"}
    assert item["reasons"] == [{"kind": "requested", "label": "Waiting to be booked",
                                "text": "Waiting for an appointment since Mon 30 Nov 08:00."}]
    assert items[proposed["order_id"]]["reasons"][0]["text"].startswith("Proposed for ")
    assert items[proposed["order_id"]]["reasons"][0]["text"].endswith(" with Sam Fischer; waiting to be confirmed.")
    # The proposed time is on Sam's lane too, marked tentative.
    lane, = [a for a in b["appointments"] if a["order_id"] == proposed["order_id"]]
    assert lane["tentative"] is True and lane["technician_id"] == "tech-1" and lane["step_label"] == "Requested"


def test_time_off_overlapping_the_range_is_shown_and_a_job_inside_it_goes_to_the_tray(as_):
    job = book(as_, "tech-1", f"{WEDNESDAY}T10:00:00Z")
    r = as_("dispatcher").post("/technicians/tech-1/time-off", {"start": f"{WEDNESDAY}T09:00:00Z", "end": f"{WEDNESDAY}T12:00:00Z",
                                                                 "reason": "Dentist", "force": True})
    assert r.status == 201, r
    assert as_("dispatcher").post("/technicians/tech-2/time-off", {"start": f"{FRIDAY}T08:00:00Z", "end": f"{FRIDAY}T17:00:00Z"}).status == 201
    b = board(as_, date=WEDNESDAY)
    sam = next(t for t in b["technicians"] if t["id"] == "tech-1")
    priya = next(t for t in b["technicians"] if t["id"] == "tech-2")
    assert sam["time_off"] == [{"id": r.json["time_off_id"], "start": f"{WEDNESDAY}T09:00:00+00:00",
                                "end": f"{WEDNESDAY}T12:00:00+00:00", "reason": "Dentist"}]
    assert priya["time_off"] == []  # Friday's is outside the day
    away = {"kind": "technician_away", "label": "Technician away",
            "text": "Sam Fischer is away Wed 2 Dec 09:00 to Wed 2 Dec 12:00 (Dentist)."}
    assert b["appointments"][0]["flags"] == [away]
    item, = b["tray"]
    assert item["order_id"] == job["order_id"] and item["reasons"] == [away] and item["technician_name"] == "Sam Fischer"
    assert next(t for t in board(as_, date=FRIDAY)["technicians"] if t["id"] == "tech-2")["time_off"][0]["start"] == f"{FRIDAY}T08:00:00+00:00"


def test_an_order_the_daily_review_flagged_outside_the_range_is_in_the_tray_until_it_is_dealt_with(as_, clock):
    friday = book(as_, "tech-1", f"{FRIDAY}T10:00:00Z")
    as_("dispatcher").post("/technicians/tech-1/time-off", {"start": f"{FRIDAY}T08:00:00Z", "end": f"{FRIDAY}T18:00:00Z", "force": True})
    runs.run("daily", clock.now, "admin-1")
    b = board(as_, date=WEDNESDAY)
    assert b["review"] == {"date": "2026-11-30", "checked_at": "2026-11-30T08:00:00Z"}
    item, = [t for t in b["tray"] if t["order_id"] == friday["order_id"]]
    reason, = item["reasons"]
    assert reason["kind"] == "technician_away" and reason["label"] == "Technician away"
    assert reason["text"].startswith("Sam Fischer is away ") and "(tech-1)" not in reason["text"]
    assert item["appointment"]["start"] == f"{FRIDAY}T10:00:00+00:00" and item["confirm_step"] is None
    # Reassigned to Luis, it leaves the tray at once (the review is of this morning; the order is now).
    moved = as_("dispatcher").post(f"/orders/{friday['order_id']}/assign", {"technician_id": "tech-3", "expected_version": item["version"]})
    assert moved.status == 200, moved
    assert [t["order_id"] for t in board(as_, date=WEDNESDAY)["tray"]] == []


def test_a_cancelled_appointment_leaves_the_board(as_):
    cancelled = book(as_, "tech-1", f"{WEDNESDAY}T10:00:00Z")
    r = as_("dispatcher").post(f"/orders/{cancelled['order_id']}/transitions", {"to": "cancelled", "expected_version": cancelled["version"]})
    assert r.status == 200, r
    assert board(as_, date=WEDNESDAY)["appointments"] == []


def test_a_request_dropped_on_a_lane_is_assigned_then_confirmed_and_the_customer_is_told(as_, stream, deliver):
    waiting = request(as_)
    item, = board(as_, date=WEDNESDAY)["tray"]
    # What the board does on a drop: assign with the version it showed, then move to `confirm_step`.
    assigned = as_("dispatcher").post(f"/orders/{waiting['order_id']}/assign",
                                      {"technician_id": "tech-3", "start": f"{WEDNESDAY}T10:00:00+00:00", "expected_version": item["version"]})
    assert assigned.status == 200 and assigned.json["step"] == "requested", assigned
    confirmed = as_("dispatcher").post(f"/orders/{waiting['order_id']}/transitions",
                                       {"to": item["confirm_step"]["key"], "expected_version": assigned.json["version"]})
    assert confirmed.status == 200 and confirmed.json["step"] == "scheduled", confirmed
    b = board(as_, date=WEDNESDAY)
    assert b["tray"] == []
    lane, = b["appointments"]
    assert (lane["technician_id"], lane["start"], lane["end"], lane["tentative"]) == (
        "tech-3", f"{WEDNESDAY}T10:00:00+00:00", f"{WEDNESDAY}T11:30:00+00:00", False)
    deliver(stream.read())
    subjects = [(str(m["To"]), str(m["Subject"])) for m in sent_emails()]
    assert subjects == [("Grace Hopper <grace@example.net>", f"Your appointment is booked - {waiting['order_id']}")], subjects


def test_a_move_with_the_boards_old_version_is_409_with_the_current_one_and_refusals_say_why(as_):
    waiting = request(as_)
    item, = board(as_, date=WEDNESDAY)["tray"]
    r = as_("dispatcher").patch(f"/orders/{waiting['order_id']}", {"description": "Two misted units.", "expected_version": item["version"]})
    assert r.status == 200, r
    stale = as_("dispatcher").post(f"/orders/{waiting['order_id']}/assign",
                                   {"technician_id": "tech-3", "start": f"{WEDNESDAY}T10:00:00Z", "expected_version": item["version"]})
    assert stale.status == 409 and stale.json["error"]["details"]["current_version"] == item["version"] + 1, stale
    current = board(as_, date=WEDNESDAY)["tray"][0]["version"]
    no_skill = as_("dispatcher").post(f"/orders/{waiting['order_id']}/assign",
                                      {"technician_id": "tech-2", "start": f"{WEDNESDAY}T10:00:00Z", "expected_version": current})
    assert no_skill.status == 422 and no_skill.json["error"]["details"][0] == {
        "field": "technician_id", "message": "does not have the skill 'repair'"}, no_skill
    evening = as_("dispatcher").post(f"/orders/{waiting['order_id']}/assign",
                                     {"technician_id": "tech-3", "start": f"{WEDNESDAY}T17:30:00Z", "expected_version": current})
    assert evening.status == 409 and evening.json["error"]["message"] == "Luis Moreno is not free at that time.", evening


def test_a_move_to_a_technician_who_does_not_cover_the_postcode_is_422_area_not_served(as_):
    r = as_("dispatcher").post("/orders", {"customer": CUSTOMER, "service_id": "survey",
                                           "address": {"street": "1 Pulteney Bridge", "city": "Bath", "postcode": "BA2 4AT"}})
    assert r.status == 201, r
    order = r.json
    # Priya Patel (tech-2) works in BS only; Luis Moreno (tech-3) also covers BA
    outside = as_("dispatcher").post(f"/orders/{order['order_id']}/assign",
                                     {"technician_id": "tech-2", "start": f"{WEDNESDAY}T10:00:00Z", "expected_version": order["version"]})
    assert outside.status == 422 and outside.json["error"]["code"] == "area_not_served", outside
    assert outside.json["error"]["details"] == [{"field": "technician_id", "message": "does not cover BA2 4AT"}]
    assert outside.json["error"]["message"] == "Priya Patel does not work in BA2 4AT."
    inside = as_("dispatcher").post(f"/orders/{order['order_id']}/assign",
                                    {"technician_id": "tech-3", "start": f"{WEDNESDAY}T10:00:00Z", "expected_version": order["version"]})
    assert inside.status == 200 and inside.json["technician"]["id"] == "tech-3", inside


def test_the_board_needs_three_dynamodb_calls_for_a_day_and_for_a_week_of_30_technicians_and_300_appointments(as_, clock):
    from bench.board import scale_world

    dates = scale_world(clock.now, setup=False)
    as_("dispatcher")  # signed in before counting
    board(as_, date=dates["day"])  # the container's context: settings, map, services, review
    with dynamodb_calls(skip=staff_check("dispatcher-1")) as day_calls:
        day = board(as_, date=dates["day"])
    with dynamodb_calls(skip=staff_check("dispatcher-1")) as week_calls:
        week = board(as_, date=dates["week"], days=7)
    assert len(day["technicians"]) == 30 and len(week["appointments"]) == 300 and len(day["tray"]) == 6
    assert 40 <= len(day["appointments"]) <= 45
    assert sum(day_calls.values()) <= 3 and sum(week_calls.values()) <= 8, (day_calls, week_calls)
    assert set(day_calls) | set(week_calls) == {"Query"}  # by index, never a Scan
    context.forget()
    with dynamodb_calls(skip=staff_check("dispatcher-1")) as cold:
        board(as_, date=dates["day"])
    assert cold == {"Query": 4, "BatchGetItem": 1}, cold  # once per container and five minutes


@pytest.mark.parametrize("query, fields", [
    ("date=2026-02-30", ["date"]),
    ("date=tomorrow", ["date"]),
    ("date=2026-12-02&days=3", ["days"]),
    ("date=2026-12-02&days=week", ["days"]),
    ("date=02/12/2026&days=0", ["date", "days"]),
])
def test_a_bad_date_or_number_of_days_is_422_naming_the_field(as_, query, fields):
    r = as_("dispatcher").get(f"/board?{query}")
    assert r.status == 422 and [f["field"] for f in r.json["error"]["details"]] == fields, r


def test_the_board_is_for_the_office_and_defaults_to_today(as_):
    assert as_("tech1").get("/board").status == 403
    assert as_().get("/board").status == 401
    b = board(as_, who="admin")
    assert b["date"] == "2026-11-30" and b["days"] == 1
