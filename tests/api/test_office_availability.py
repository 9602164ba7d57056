"""The office's free times (GET /availability): per day, each free start with the technician the
assignment rule would give it and the others free then; booking one of them by phone intake
(POST /orders with the technician and the customer record) lands exactly there."""

import pytest

from tests.support.helpers import dynamodb_calls

WEDNESDAY = "2026-12-02"  # the test clock is Monday 30 November 2026, 08:00 in London (GMT)
CUSTOMER = {"name": "Margaret Holloway", "email": "margaret.holloway@example.net", "phone": "+44 7700 900123"}
ADDRESS = {"street": "7 Orchard Lane", "city": "Bristol", "postcode": "BS6 5AB"}


def free_times(api, query):
    r = api.get(f"/availability?{query}")
    assert r.status == 200, r
    return r.json


def by_time(day):
    return {t["start"][11:16]: t for t in day["times"]}


def names(people):
    return [p["name"] for p in people]


def test_each_free_time_names_the_technician_the_assignment_rule_would_pick(as_):
    answer = free_times(as_("dispatcher"), f"service_id=survey&from={WEDNESDAY}&days=1")
    assert answer["service"] == {"id": "survey", "name": "Measure and quote visit", "duration_minutes": 60}
    assert answer["timezone"] == "Europe/London" and answer["from"] == WEDNESDAY
    [day] = answer["days"]
    times = by_time(day)
    # Opening hours 08:00-18:00 on a 30-minute grid, one hour each: 08:00 to 17:00.
    assert list(times)[0] == "08:00" and list(times)[-1] == "17:00" and len(times) == 19
    eight = times["08:00"]
    assert eight["start"] == f"{WEDNESDAY}T08:00:00+00:00" and eight["end"] == f"{WEDNESDAY}T09:00:00+00:00"
    # Nobody has booked minutes yet: the smallest id wins; the others are listed by name.
    assert eight["technician"] == {"id": "tech-1", "name": "Sam Fischer"}
    assert names(eight["also_free"]) == ["Luis Moreno", "Priya Patel"]
    # Priya and Luis finish at 17:00: only Sam (working to 18:00) takes the last hour.
    assert times["17:00"]["technician"]["id"] == "tech-1" and times["17:00"]["also_free"] == []


def test_after_a_booking_the_rule_gives_the_next_times_to_the_technician_with_fewer_minutes(as_):
    dispatcher = as_("dispatcher")
    booked = dispatcher.post("/orders", {"customer": CUSTOMER, "address": ADDRESS, "service_id": "survey",
                                          "start": f"{WEDNESDAY}T10:00:00+00:00", "technician_id": "tech-1"})
    assert booked.status == 201, booked
    times = by_time(free_times(dispatcher, f"service_id=survey&from={WEDNESDAY}&days=1")["days"][0])
    # Sam has 60 booked minutes now: Priya (0, and a smaller id than Luis) gets the free times...
    assert times["08:00"]["technician"]["id"] == "tech-2"
    assert "Sam Fischer" in names(times["08:00"]["also_free"])
    # ...and at 10:00, where Sam is busy (the visit, its buffer and travel), he is not offered at all.
    assert times["10:00"]["technician"]["id"] == "tech-2"
    assert names(times["10:00"]["also_free"]) == ["Luis Moreno"]
    assert "Sam Fischer" not in names(times["11:00"]["also_free"]) + [times["11:00"]["technician"]["name"]]


def test_the_postcode_limits_the_times_to_technicians_who_cover_it(as_):
    dispatcher = as_("dispatcher")
    times = by_time(free_times(dispatcher, f"service_id=survey&from={WEDNESDAY}&days=1&postcode=GL1%202AB")["days"][0])
    assert {t["technician"]["id"] for t in times.values()} == {"tech-3"}  # only Luis works in GL
    assert all(t["also_free"] == [] for t in times.values()) and "17:00" not in times
    nowhere = dispatcher.get(f"/availability?service_id=window-install&from={WEDNESDAY}&postcode=GL1%202AB")
    assert nowhere.status == 422 and nowhere.json["error"]["code"] == "area_not_served", nowhere
    assert nowhere.json["error"]["details"][0]["field"] == "postcode"


def test_by_default_the_office_sees_today_and_the_next_days_from_now_not_held_to_the_minimum_notice(as_):
    answer = free_times(as_("dispatcher"), "service_id=survey")
    assert answer["from"] == "2026-11-30" and len(answer["days"]) == 7
    assert [d["date"] for d in answer["days"]][-1] == "2026-12-06"
    today = by_time(answer["days"][0])
    assert list(today)[0] == "08:30"  # it is 08:00 now; the public form's first is two hours on (10:00)
    public = as_().get("/public/availability?service_id=survey&date=2026-11-30")
    assert public.json["slots"][0]["start"][11:16] == "10:00"
    sunday = answer["days"][-1]
    assert sunday == {"date": "2026-12-06", "times": []}  # closed on Sundays


def test_a_time_booked_as_shown_lands_on_that_technician_and_the_chosen_customer(as_):
    dispatcher = as_("dispatcher")
    created = dispatcher.post("/customers", {"name": "Grace Hopper", "phone": "0117 496 0999", "email": "grace@example.net",
                                             "addresses": [ADDRESS]})
    assert created.status == 201, created
    customer = created.json
    slot = by_time(free_times(dispatcher, f"service_id=survey&from={WEDNESDAY}&days=1&postcode=BS6%205AB")["days"][0])["13:30"]
    order = dispatcher.post("/orders", {
        "customer_id": customer["customer_id"],
        "customer": {"name": customer["name"], "email": customer["email"], "phone": customer["phone"]},
        "address": ADDRESS, "service_id": "survey", "start": slot["start"], "technician_id": slot["technician"]["id"],
    })
    assert order.status == 201, order
    assert order.json["step"] == "scheduled" and order.json["technician"]["id"] == slot["technician"]["id"]
    assert order.json["appointment"] == {"start": f"{WEDNESDAY}T13:30:00Z", "end": f"{WEDNESDAY}T14:30:00Z"}
    assert order.json["customer_id"] == customer["customer_id"]
    record = dispatcher.get(f"/customers/{customer['customer_id']}").json
    assert record["orders_count"] == 1 and [o["order_id"] for o in record["orders"]] == [order.json["order_id"]]
    after = by_time(free_times(dispatcher, f"service_id=survey&from={WEDNESDAY}&days=1")["days"][0])["13:30"]
    assert slot["technician"]["id"] not in [after["technician"]["id"]] + [p["id"] for p in after["also_free"]]


@pytest.mark.parametrize("query, field", [
    ("", "service_id"),
    ("service_id=nope", "service_id"),
    ("service_id=survey&from=2026-11-29", "from"),
    ("service_id=survey&from=02/12/2026", "from"),
    ("service_id=survey&days=0", "days"),
    ("service_id=survey&days=15", "days"),
    ("service_id=survey&days=two", "days"),
    ("service_id=survey&postcode=BS1%3B%20DROP", "postcode"),
])
def test_a_wrong_query_is_refused_with_the_field_named(as_, query, field):
    r = as_("dispatcher").get(f"/availability?{query}")
    assert r.status == 422, r
    assert field in [d["field"] for d in r.json["error"]["details"]], r


def test_only_the_office_may_see_who_is_free(as_):
    assert as_().get("/availability?service_id=survey").status == 401
    assert as_("tech1").get("/availability?service_id=survey").status == 403
    assert as_("admin").get("/availability?service_id=survey").status == 200


def test_two_weeks_of_free_times_take_two_dynamodb_round_trips(as_):
    from chalicelib.core import settings

    dispatcher = as_("dispatcher")
    with dynamodb_calls(key=lambda operation, params: (operation, params.get("TableName"))) as calls:
        answer = free_times(dispatcher, f"service_id=survey&from={WEDNESDAY}&days=14")
    assert len(answer["days"]) == 14
    # Leaving out the staff check's read of the caller's record, which every staff route makes:
    # the technicians (a Query of the staff table's index), then one BatchGetItem for the rest.
    calls.pop(("GetItem", settings.STAFF_TABLE), None)
    assert calls == {("Query", settings.STAFF_TABLE): 1, ("BatchGetItem", None): 1}, calls
