"""A map change published as an experiment: with the note, optionally what it is expected to change
(`expected`: text, a step of the map, a measure, a direction) and a local date to judge it
(`judge_on`: after today, within a year). Every wrong field is listed at once with the map's own;
the expectation is kept with the version and shown wherever the version is read. On the judging
date the daily run compares the version with the one before and emails the publisher and the
owner of the step it was about, once: a second run that day or later sends nothing, nothing is
sent before the date, and a date without a daily run is caught up by the next run within a week."""
from datetime import date, timedelta

import pytest

from chalicelib.reviews import evaluation, judging
from tests.support.helpers import body_part, order_through, sent_emails
from tests.support.map_faults import demo_map, index_of, step_of

NOTE = "Book requests within the hour"
EXPECTED = {"text": "Requests wait less before they are booked.", "step": "requested",
            "measure": "step_median_minutes", "direction": "lower"}
JUDGE_ON = "2026-12-03"  # FIXED_NOW is Monday 30 November 2026, 08:00 in London


def put(as_, document=None, **extra):
    return as_("admin").put("/workflow", {**(document or demo_map()), **extra})


def fields_of(response) -> dict[str, str]:
    assert response.status == 422, response
    return {d["field"]: d["message"] for d in response.json["error"]["details"]}


def version_now(as_) -> int:
    return as_("admin").get("/workflow").json["version"]


# --- validation -------------------------------------------------------------------------------------

@pytest.mark.parametrize("expected, judge_on, field, words", [
    ("faster", None, "expected", "must be an object"),
    ({"step": "requested"}, None, "expected.text", "is required"),
    ({"text": "x" * 501}, None, "expected.text", "at most 500"),
    ({"text": "ok", "step": "nowhere"}, None, "expected.step", "a step of this map"),
    ({"text": "ok", "measure": "happiness"}, None, "expected.measure", "cycle_time_hours"),
    ({"text": "ok", "direction": "sideways"}, None, "expected.direction", "lower, higher"),
    ({"text": "ok", "measure": "step_median_minutes"}, None, "expected.step", "is required"),
    ({"text": "ok", "hope": "a lot"}, None, "expected.hope", "unknown field"),
    (None, "2026-11-30", "judge_on", "after today"),
    (None, "2026-11-01", "judge_on", "after today"),
    (None, "2027-12-31", "judge_on", "within a year"),
    (None, "next week", "judge_on", "YYYY-MM-DD"),
    (None, 20261203, "judge_on", "YYYY-MM-DD"),
], ids=["not-object", "no-text", "long-text", "unknown-step", "unknown-measure", "unknown-direction",
        "step-time-without-step", "unknown-field", "today", "past", "over-a-year", "not-a-date", "number"])
def test_a_wrong_expectation_or_judging_date_is_refused_at_its_field(world, as_, expected, judge_on, field, words):
    before = version_now(as_)
    extra = {"note": NOTE, **({"expected": expected} if expected is not None else {}),
             **({"judge_on": judge_on} if judge_on is not None else {})}
    found = fields_of(put(as_, **extra))
    assert field in found and words in found[field], found
    assert version_now(as_) == before


def test_every_wrong_field_is_listed_at_once_with_the_note_and_the_maps_own(world, as_):
    document = demo_map()
    step_of(document, "scheduled")["sla_minutes"] = -5
    found = fields_of(put(as_, document, expected={"text": "", "direction": "down"}, judge_on="2025-01-01"))
    assert {"note", "expected.text", "expected.direction", "judge_on",
            f"steps[{index_of(document, 'scheduled')}].sla_minutes"} <= set(found), found


def test_the_expectation_and_judging_date_are_kept_with_the_version_and_shown_wherever_it_is_read(world, as_):
    r = put(as_, note=NOTE, expected={**EXPECTED, "text": f"  {EXPECTED['text']}\n"}, judge_on=JUDGE_ON)
    assert r.status == 201, r
    stored = {**EXPECTED, "judge_on": JUDGE_ON}
    assert r.json["expectation"] == stored
    assert as_("dispatcher").get("/workflow").json["expectation"] == stored
    assert as_("dispatcher").get(f"/workflow/versions/{r.json['version']}").json["expectation"] == stored
    rows = as_("dispatcher").get("/workflow/versions").json["versions"]
    assert rows[0]["version"] == r.json["version"] and rows[0]["expectation"] == stored
    assert rows[1]["expectation"] is None  # the version before said nothing


def test_an_expectation_and_a_judging_date_are_each_optional(world, as_):
    assert put(as_, note=NOTE).json["expectation"] is None
    assert put(as_, note=NOTE, judge_on=JUDGE_ON).json["expectation"] == {"judge_on": JUDGE_ON}
    assert put(as_, note=NOTE, expected={"text": "Fewer calls"}).json["expectation"] == {"text": "Fewer calls"}


def test_the_judging_date_is_the_businesss_local_date(world, as_, clock):
    clock.now = clock.now.replace(hour=23, minute=30)  # 23:30 in London on 30 November, still GMT
    assert fields_of(put(as_, note=NOTE, judge_on="2026-11-30"))["judge_on"].startswith("must be after today")
    assert put(as_, note=NOTE, judge_on="2026-12-01").status == 201


# --- the judging date ------------------------------------------------------------------------------

def _orders_on(version: int, start, count: int) -> None:
    for i in range(count):
        created = start + timedelta(hours=i)
        order_through([("requested", created), ("scheduled", created + timedelta(minutes=30 + 10 * i)),
                       ("en_route", created + timedelta(days=1))], version=version).save()


def judged_emails() -> list:
    return [m for m in sent_emails() if m["Subject"].startswith("Map change judged")]


def test_on_the_judging_date_the_publisher_and_the_steps_owner_are_told_once_and_not_before(world, as_, clock):
    first = version_now(as_)
    _orders_on(first, clock.now - timedelta(days=5), 3)
    r = put(as_, note=NOTE, expected=EXPECTED, judge_on=JUDGE_ON)
    assert r.status == 201, r
    _orders_on(r.json["version"], clock.now + timedelta(minutes=5), 3)

    for day in (1, 2):  # Tuesday and Wednesday: the daily runs tell nobody
        clock.now = clock.now.replace(month=12, day=day)
        assert as_("admin").post("/reviews/run", {"period": "daily"}).status == 201
    assert judged_emails() == []

    clock.now = clock.now.replace(day=3)  # the judging date, 08:00 in London
    assert as_("admin").post("/reviews/run", {"period": "daily"}).status == 201
    told = judged_emails()
    assert sorted(str(m["To"]) for m in told) == ["Alex Morgan <admin@example.com>",
                                                 "Dana Whitfield <dispatcher@example.com>"]
    message = told[0]
    assert message["Subject"] == f"Map change judged: installation version {r.json['version']} - cannot tell yet"
    assert message["Message-ID"].startswith(f"<experiment-judged.default.{r.json['version']}.")
    text = body_part(message, "plain")
    assert "can't tell yet" in text and EXPECTED["text"] in text and NOTE in text
    assert "/office/#/reports/weekly?kind=installation" in text
    assert "Orders started on version" in text and ": 3; on version" in text
    assert "- Requested: 40 min before (3), 40 min after (3)" in text

    # a retried run on the date (the daily review's is answered from the store) sends nothing again
    assert as_("admin").post("/reviews/run", {"period": "daily"}).status == 200
    again = judging.tell_due(clock.now.date(), clock.now)
    assert {e["status"] for e in again} == {"sent"} and len(again) == 2
    assert len(judged_emails()) == 2

    clock.now = clock.now.replace(day=4)  # and the days after (which catch up a missed date), nothing again
    assert as_("admin").post("/reviews/run", {"period": "daily"}).status == 201
    assert len(judged_emails()) == 2


def test_a_judging_date_without_a_daily_run_is_caught_up_by_the_next_within_a_week(world, as_, clock):
    r = put(as_, note=NOTE, expected=EXPECTED, judge_on=JUDGE_ON)
    assert r.status == 201, r
    clock.now = clock.now.replace(month=12, day=5)  # no run on the 3rd or the 4th
    assert as_("admin").post("/reviews/run", {"period": "daily"}).status == 201
    assert len(judged_emails()) == 2
    versions = evaluation.all_versions()
    assert judging.due(versions, date(2026, 12, 9)) != [] and judging.due(versions, date(2026, 12, 10)) == []


def test_a_step_without_an_expectation_tells_the_owners_of_the_changed_steps(world, as_, clock):
    document = demo_map()
    step_of(document, "completed")["sla_minutes"] = 30  # the admin's step
    r = put(as_, document, note="Invoice sooner", judge_on=JUDGE_ON)
    assert r.status == 201, r
    versions = evaluation.all_versions()
    (old, new), = judging.due(versions, date(2026, 12, 3))
    assert (old.version, new.version) == (r.json["version"] - 1, r.json["version"])
    assert judging.changed_steps(old, new) == ["completed"]
    assert judging.people_to_tell(old, new) == ["admin-1"]  # the publisher owns it: told once
    assert judging.due(versions, date(2026, 12, 2)) == []
