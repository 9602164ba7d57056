"""Robustness against any input: Schemathesis fuzzes the whole API of the local system with the
bounded CI profile (tests/support/fuzz.py; `make fuzz` runs the long one), and what the fuzzer found is
kept below as specifications, each answered with the one error shape instead of a 500."""
import json

import pytest

from tests.support import fuzz


def test_the_bounded_fuzz_profile_finds_no_server_error_and_no_answer_outside_the_spec(tmp_path):
    """The local system serves docs/openapi.yaml at /openapi.yaml; Schemathesis runs on it with
    not_a_server_error, status_code_conformance, content_type_conformance and
    response_schema_conformance. A failure prints a curl line to reproduce it."""
    code = fuzz.run("ci", tmp_path)
    assert code == 0, f"Schemathesis found failures (see its report above; the local system's log: {tmp_path / 'local.log'})"


# --- what the fuzzer found ------------------------------------------------------------------------

CUSTOMER = {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111"}
ADDRESS = {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"}
EDGE_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00+00:00", "9999-12-31T23:59:59-01:00", "1969-12-31T23:00:00Z"]


def _fields(r) -> list[str]:
    assert r.status == 422, r
    return [d["field"] for d in r.json["error"]["details"]]


@pytest.mark.parametrize("moment", EDGE_TIMES)
def test_times_at_the_ends_of_the_calendar_are_refused_not_overflowed(as_, moment):
    office = as_("admin")
    booking = {"service_id": "survey", "start": moment, "customer": CUSTOMER, "address": ADDRESS}
    assert "start" in _fields(as_().post("/public/bookings", booking))
    assert "start" in _fields(office.post("/orders", {**booking, "customer": {"name": "A", "phone": "+44 7700 900111"}}))
    assert "start" in _fields(office.post("/technicians/tech-1/time-off", {"start": moment, "end": "2027-01-01T00:00:00Z"}))
    assert "from" in _fields(office.get(f"/orders?from={moment.replace('+', '%2B')}"))


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1969-12-31"])
def test_dates_at_the_ends_of_the_calendar_are_refused_not_overflowed(as_, day):
    office = as_("admin")
    assert "date" in _fields(as_().get(f"/public/availability?service_id=survey&date={day}&days=14"))
    assert "date" in _fields(office.get(f"/technician/jobs?technician=tech-1&date={day}"))
    assert "from" in _fields(office.get(f"/technicians/tech-1/schedule?from={day}"))
    assert "to" in _fields(office.get(f"/orders?to={day}"))
    assert "from" in _fields(office.get(f"/reports/process?from={day}"))
    assert "date" in _fields(office.get(f"/reports/reviews?period=weekly&date={day}"))


def test_an_order_full_of_the_longest_notes_refuses_more_with_422_not_500_and_can_still_be_cancelled(as_, new_order):
    from chalicelib.data import items
    from chalicelib.data.models import Note, OrderModel

    order = new_order()
    stored = OrderModel.get(order["order_id"])
    big = "\U0001F600" * 2000  # the longest note, four bytes a character: 8 KB
    for start in range(0, items.MAX_NOTES, 50):  # the notes are items beside the order's (data/entries.py)
        stored.notes = stored.notes + [Note(note_id=f"N-{i}", text=big, author="dispatcher-1", at=stored.created_at)
                                       for i in range(start, start + 50)]
        stored.save()
    office = as_("dispatcher")
    r = office.post(f"/orders/{order['order_id']}/notes", {"text": big})
    assert r.status == 422 and r.json["error"]["code"] == "limit_reached", r
    version = office.get(f"/orders/{order['order_id']}").json["version"]
    r = office.post(f"/orders/{order['order_id']}/transitions", {"to": "cancelled", "expected_version": version, "note": "x" * 1000})
    assert r.status == 200 and r.json["step"] == "cancelled" and len(r.json["notes"]) == items.MAX_NOTES, r


def test_an_sla_longer_than_a_year_is_refused(as_):
    from infra.demo_data import PROCESS_MAP

    steps = [dict(s) for s in PROCESS_MAP["steps"]]
    steps[0]["sla_minutes"] = 10**39  # more digits than DynamoDB stores
    r = as_("admin").put("/workflow", {**PROCESS_MAP, "steps": steps})
    assert "steps[0].sla_minutes" in _fields(r)


def test_the_fuzzer_gets_the_real_ids_of_a_seeded_world():
    config = fuzz.config_toml({"order_ids": ["WO-A"], "booking_ids": ["WO-B"], "manage_tokens": ["t0k"], "dates": [],
                               "steps": ["requested"]})
    assert '"path.order_id" = { dictionary = "order_ids", probability = 0.8 }' in config
    assert '"query.date"' not in config  # an empty dictionary binds nothing
    assert 'include-path-regex = "^/public/bookings/"' in config and json.dumps("t0k") in config
