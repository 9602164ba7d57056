"""Calendar truth: time off over booked jobs is refused with 409 (the clashing orders listed, with
whom to reassign them to) unless forced; forced, the jobs stay flagged in the daily review
("technician away") until reassigned. A deactivated technician's open jobs are flagged too."""
from datetime import datetime, timedelta

import pytest

from chalicelib.data.models import StaffModel
from chalicelib.reviews import daily_check, digests, runs
from chalicelib.scheduling import time_off
from tests.support.helpers import body_part, sent_emails
from tests.support.world import FIXED_NOW


def span(order, before=timedelta(hours=1), after=timedelta(hours=1)) -> dict:
    start = datetime.fromisoformat(order["appointment"]["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(order["appointment"]["end"].replace("Z", "+00:00"))
    return {"start": (start - before).isoformat(), "end": (end + after).isoformat(), "reason": "Dentist"}


def time_off_of(as_, technician="tech-1") -> list:
    return as_("dispatcher").get(f"/technicians/{technician}").json["time_off"]


def test_time_off_over_a_booked_job_is_refused_with_409_listing_the_order_and_who_is_free(as_, new_order):
    order = new_order()
    r = as_("dispatcher").post("/technicians/tech-1/time-off", span(order))
    assert r.status == 409, r
    error = r.json["error"]
    assert error["code"] == "time_off_clash" and "force" in error["message"]
    clash, = error["details"]["orders"]
    assert (clash["order_id"], clash["start"], clash["end"]) == (order["order_id"], order["appointment"]["start"], order["appointment"]["end"])
    assert clash["customer"] == "Ada Lovelace" and clash["reassign"] == {"method": "POST", "path": f"/orders/{order['order_id']}/assign"}
    assert {t["id"] for t in clash["free_technicians"]} == {"tech-2", "tech-3"}
    assert time_off_of(as_) == []  # nothing saved


def test_time_off_next_to_a_job_but_not_over_it_is_saved(as_, new_order):
    order = new_order()
    end = order["appointment"]["start"]
    start = (datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(hours=2)).isoformat()
    r = as_("dispatcher").post("/technicians/tech-1/time-off", {"start": start, "end": end})
    assert r.status == 201, r
    assert r.json["clashes"] == [] and [t["id"] for t in time_off_of(as_)] == [r.json["time_off_id"]]


def test_a_cancelled_job_does_not_clash(as_, new_order):
    order = new_order()
    as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": "cancelled", "expected_version": order["version"]})
    assert as_("dispatcher").post("/technicians/tech-1/time-off", span(order)).status == 201


def test_forced_time_off_is_saved_and_offers_each_clashing_order_for_reassignment(as_, new_order, clock):
    first, second = new_order(), new_order()
    body = {"start": span(first)["start"], "end": span(second)["end"], "force": True}
    r = as_("dispatcher").post("/technicians/tech-1/time-off", body)
    assert r.status == 201, r
    assert [c["order_id"] for c in r.json["clashes"]] == [first["order_id"], second["order_id"]]
    assert all({t["id"] for t in c["free_technicians"]} == {"tech-2", "tech-3"} for c in r.json["clashes"])
    assert [t["id"] for t in time_off_of(as_)] == [r.json["time_off_id"]]
    # The daily review lists both as "technician away", with what to do.
    away = [i for i in daily_check.find_items(clock.now) if i["kind"] == "technician_away"]
    assert sorted(i["order_id"] for i in away) == sorted([first["order_id"], second["order_id"]])
    assert all("Sam Fischer is away" in i["detail"] and i["advice"].startswith("Reassign it on the dispatch board")
               and "Priya Patel" in i["advice"] and "tech-" not in i["detail"] + i["advice"] for i in away)
    # Reassigned, an order is no longer flagged.
    moved = as_("dispatcher").post(f"/orders/{first['order_id']}/assign", {"technician_id": "tech-2", "expected_version": first["version"]})
    assert moved.status == 200, moved
    away = [i["order_id"] for i in daily_check.find_items(clock.now) if i["kind"] == "technician_away"]
    assert away == [second["order_id"]]


def test_the_daily_digest_tells_the_office_the_technician_is_away_and_how_to_reassign(as_, new_order, clock):
    order = new_order()
    as_("dispatcher").post("/technicians/tech-1/time-off", {**span(order), "force": True})
    runs.run("daily", FIXED_NOW, "admin-1")
    text = "\n".join(body_part(m, "plain") + body_part(m, "html") for m in sent_emails())
    assert "Technician away" in text and order["order_id"] in text
    assert "Reassign it on the dispatch board" in text and f"/office/#/orders/{order['order_id']}" in text and "(Dentist)" in text


def test_the_open_jobs_of_a_deactivated_technician_are_flagged_for_reassignment(as_, new_order, clock):
    order, closed = new_order(), new_order()
    as_("dispatcher").post(f"/orders/{closed['order_id']}/transitions", {"to": "cancelled", "expected_version": closed["version"]})
    member = StaffModel.get("tech-1")
    member.active = False
    member.save()
    items = [i for i in daily_check.find_items(clock.now) if i["kind"] == "technician_deactivated"]
    assert [i["order_id"] for i in items] == [order["order_id"]]
    assert "Sam Fischer is deactivated" in items[0]["detail"] and "dispatch board" in items[0]["advice"]
    assert digests.KINDS["technician_deactivated"] == "Technician deactivated"


def test_a_booking_made_between_the_check_and_the_write_makes_the_time_off_answer_409(as_, new_order, monkeypatch):
    """The time off is written with the calendar days it read: a job reserved on one of them in
    between changes its version, the write is refused, and the check runs again and sees it."""
    slot = {"start": "2027-03-01T10:00:00+00:00", "end": "2027-03-01T12:00:00+00:00"}
    check, booked = time_off._clashing, []

    def booking_sneaks_in(calendars, start, end):
        found = check(calendars, start, end)
        if not booked:
            booked.append(new_order(appointment=slot))
        return found

    monkeypatch.setattr(time_off, "_clashing", booking_sneaks_in)
    r = as_("dispatcher").post("/technicians/tech-1/time-off", {"start": "2027-03-01T09:00:00+00:00", "end": "2027-03-01T17:00:00+00:00"})
    assert r.status == 409, r
    assert [o["order_id"] for o in r.json["error"]["details"]["orders"]] == [booked[0]["order_id"]]
    assert time_off_of(as_) == []


def test_a_booking_into_the_new_time_off_is_refused(as_, new_order):
    r = as_("dispatcher").post("/technicians/tech-1/time-off", {"start": "2027-03-02T08:00:00+00:00", "end": "2027-03-02T18:00:00+00:00"})
    assert r.status == 201
    body = {"customer": {"name": "Jo", "phone": "+44 7700 900111"}, "address": {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"},
            "technician_id": "tech-1", "service_name": "Repair",
            "appointment": {"start": "2027-03-02T10:00:00+00:00", "end": "2027-03-02T12:00:00+00:00"}}
    refused = as_("dispatcher").post("/orders", body)
    assert refused.status == 409, refused


@pytest.mark.parametrize("body, field", [
    ({"start": "2027-03-01T09:00:00+00:00", "end": "2027-03-01T08:00:00+00:00"}, "end"),
    ({"start": "2027-03-01T09:00:00+00:00", "end": "2027-06-01T09:00:00+00:00"}, "end"),
    ({"start": "2027-03-01T09:00:00+00:00", "end": "2027-03-01T10:00:00+00:00", "force": "yes"}, "force"),
])
def test_a_time_off_that_is_not_valid_is_refused_with_422(as_, body, field):
    r = as_("dispatcher").post("/technicians/tech-1/time-off", body)
    assert r.status == 422, r
    assert field in [e["field"] for e in r.json["error"]["details"]]
