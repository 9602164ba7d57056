"""GET /orders/{id} gives the order page the time spent in each step against its SLA
(`step_times`, from the history) and the names of the staff it mentions (`people`)."""
import pytest

pytestmark = pytest.mark.shared_world


def move(as_, order: dict, to: str, who: str = "dispatcher") -> dict:
    r = as_(who).post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


def test_each_stay_in_a_step_has_its_time_against_the_sla(as_, new_order, clock):
    order = new_order()  # requested (SLA 4 h) at FIXED_NOW
    clock.advance(hours=5)
    order = move(as_, order, "scheduled")  # 5 h in requested: over its SLA
    clock.advance(hours=1)
    order = move(as_, order, "on_hold")  # 1 h scheduled (SLA 14 days)
    clock.advance(minutes=30)
    order = move(as_, order, "scheduled")  # 30 min on hold (SLA 3 days)
    clock.advance(minutes=10)
    times = as_("dispatcher").get(f"/orders/{order['order_id']}").json["step_times"]
    assert [(t["step"], t["label"], t["seconds"], t["sla_seconds"], t["over_sla"]) for t in times] == [
        ("requested", "Requested", 5 * 3600, 4 * 3600, True),
        ("scheduled", "Scheduled", 3600, 14 * 86400, False),
        ("on_hold", "On hold", 1800, 3 * 86400, False),
        ("scheduled", "Scheduled", 600, 14 * 86400, False),
    ]
    assert times[0]["entered"] == order["created_at"] and times[0]["left"] == times[1]["entered"]
    assert times[-1]["left"] is None, "the current stay is still open, counted up to now"


def test_a_correction_is_not_a_stay_and_an_end_step_has_no_sla(as_, new_order, clock):
    order = new_order()
    clock.advance(minutes=20)
    r = as_("dispatcher").patch(f"/orders/{order['order_id']}",
                                {"expected_version": order["version"], "description": "Three windows, not two."})
    assert r.status == 200, r
    clock.advance(minutes=20)
    order = move(as_, r.json, "cancelled")
    times = order["step_times"]
    assert [(t["step"], t["seconds"]) for t in times] == [("requested", 2400), ("cancelled", 0)]
    assert times[1]["sla_seconds"] is None and times[1]["over_sla"] is False


def test_the_view_names_who_did_what(as_, new_order):
    order = new_order()
    r = as_("tech1").post(f"/orders/{order['order_id']}/notes", {"text": "Gate code 1234."})
    assert r.status == 201, r
    view = as_("admin").get(f"/orders/{order['order_id']}").json
    assert view["people"]["dispatcher-1"] == "Dana Whitfield"
    assert view["people"]["tech-1"] == "Sam Fischer"
    assert {n["author"] for n in view["notes"]} <= set(view["people"])
