"""Reviews per kind of work: every kind has its own numbered map, so the evaluation keeps version 1
of the estimate map apart from version 1 of the installation map, gives each kind its own figures
(`kinds`), and the daily check reads each order against its own map; an unanswered quote is an
item for the owner of the estimate's `quoted` step, acknowledged and snoozed like any other.

The estimate map (tests/support/estimates.py) gives `requested` a 60-minute SLA (the installation
map: 240) and its own labels and owners, so a figure read against the wrong map shows."""
from datetime import datetime, timedelta, timezone
from urllib.parse import quote as url_quote

import pytest

from chalicelib.data.models import OrderModel
from chalicelib.reviews import daily_check, evaluation
from tests.support.estimates import ESTIMATE_MAP, estimate_order, publish_estimate_map, quote
from tests.support.helpers import order_through, timeline
from tests.support.world import FIXED_NOW
from tests.support import sla_clock


@pytest.fixture(autouse=True)
def _slas_in_calendar_time(monkeypatch):
    """These tests are about kinds of work in the reviews, not the SLA's clock: SLAs count every minute here
    (tests/support/sla_clock.py)."""
    sla_clock.count_calendar_time(monkeypatch)

UTC = timezone.utc
DAY = "2026-11-30"


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def installation(path) -> OrderModel:
    order = order_through(path)
    order.save()
    return order


def move(as_, clock, order: dict, step: str, when: datetime) -> dict:
    clock.now = when
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": step, "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


# --- the evaluation, per kind -----------------------------------------------------------------------

def test_each_kind_has_its_own_figures_and_its_version_1_is_not_the_other_kind_s(world, as_, clock):
    number = publish_estimate_map(as_)
    for i in range(3):  # installations: requested for 30 min each
        installation(timeline(at(30, 9, i), ("requested", 30), ("scheduled", None)))
    e1 = estimate_order(as_, clock, at(30, 8), visit=at(30, 10))  # requested 118 min (over its 60-minute SLA)
    e2 = estimate_order(as_, clock, at(30, 9), visit=at(30, 12))  # requested 178 min
    move(as_, clock, e1, "quoted", at(30, 11))
    clock.now = at(7, 9, month=12)

    r = as_("admin").get("/reports/process?from=2026-11-30&to=2026-12-06")
    assert r.status == 200, r
    report = r.json
    assert [k for k in report["kinds"] if k in ("installation", "estimate")] == ["installation", "estimate"]
    estimate, install = report["kinds"]["estimate"], report["kinds"]["installation"]
    assert (estimate["label"], estimate["workflow_id"], estimate["current_workflow_version"]) == ("Estimate", "estimate", number)
    assert [s["step"] for s in estimate["steps"]] == [s["key"] for s in ESTIMATE_MAP["steps"]]
    requested = next(s for s in estimate["steps"] if s["step"] == "requested")
    assert (requested["label"], requested["owner"], requested["sla_minutes"]) == ("Estimate requested", "dispatcher-1", 60)
    assert (requested["entered"], requested["left"], requested["median_minutes"], requested["sla_breached"]) == (2, 2, 148.0, 2)
    on_site = next(s for s in estimate["steps"] if s["step"] == "on_site")
    assert (on_site["entered"], on_site["left"], on_site["median_minutes"]) == (2, 1, 60.0)
    assert estimate["orders"] == 2 and [v["workflow_version"] for v in estimate["versions"]] == [number]
    # two orders name no bottleneck: the kind says what it lacks
    assert estimate["bottleneck"] is None and estimate["suggestions"] == []
    assert {(e["step"], e["sample_size"], e["work_kind"]) for e in estimate["not_enough_data"]} >= {("requested", 2, "estimate")}
    assert estimate["previous"]["orders"] == 0

    requested = next(s for s in install["steps"] if s["step"] == "requested")
    assert (requested["entered"], requested["median_minutes"], requested["sla_minutes"]) == (3, 30.0, 240)
    assert install["orders"] == 3 and "on_site" not in {s["step"] for s in install["steps"]}

    # overall: both kinds' orders, and two versions numbered 1 side by side
    assert [(v["workflow_id"], v["kind"], v["workflow_version"], v["orders"]) for v in report["versions"]] == [
        ("default", "installation", 1, 3), ("estimate", "estimate", number, 2)]
    assert next(s for s in report["steps"] if s["step"] == "requested")["entered"] == 5
    # orders of two kinds: each kind's suggestions, saying their kind (a step means something within one map)
    assert report["suggestions"] == [{**s, "work_kind": key, "kind_label": report["kinds"][key]["label"],
                                      "text": f"{report['kinds'][key]['label']}: {s['text']}"}
                                     for key in ("installation", "estimate") for s in report["kinds"][key]["suggestions"]]
    assert "Not enough data yet for 'Estimate requested' (2 orders; at least 20 needed)." in [
        e["text"] for e in report["not_enough_data"] if e["work_kind"] == "estimate"]
    assert {e["work_kind"] for e in report["not_enough_data"]} >= {"installation", "estimate"}
    assert report["current_workflow_version"] == 1

    narrowed = as_("admin").get("/reports/process?from=2026-11-30&to=2026-12-06&kind=estimate").json
    assert list(narrowed["kinds"]) == ["estimate"] and narrowed["steps"] == report["steps"]


def test_every_kind_s_versions_are_read_and_a_kind_without_a_map_is_left_out(world, as_):
    from chalicelib.workflow import kinds

    publish_estimate_map(as_)
    second = publish_estimate_map(as_, {**ESTIMATE_MAP, "name": "Estimate visit, second take"})
    kinds.ensure("gutters", "Gutter cleaning")  # a kind with no map published yet
    versions = evaluation.all_versions()
    assert [key for key in sorted(versions) if key[0] == "estimate"] == [("estimate", n) for n in range(1, second + 1)]
    assert ("default", 1) in versions and not [key for key in versions if key[0] == "gutters"]
    assert versions[("estimate", second)].name == "Estimate visit, second take"


# --- the daily check, across kinds --------------------------------------------------------------------

def test_the_daily_check_reads_each_order_against_its_own_kind_s_map(world, as_, clock):
    publish_estimate_map(as_)
    estimate = estimate_order(as_, clock, FIXED_NOW - timedelta(minutes=90))  # past the estimate's 60 min
    installation([("requested", FIXED_NOW - timedelta(minutes=90))])  # within the installation's 240 min
    clock.now = FIXED_NOW
    breaches = [i for i in daily_check.find_items(FIXED_NOW) if i["kind"] == "sla_breach"]
    assert [(i["order_id"], i["step_label"], i["workflow_id"], i["work_kind"]) for i in breaches] == [
        (estimate["order_id"], "Estimate requested", "estimate", "estimate")]


# --- unanswered quotes in the daily review ---------------------------------------------------------------

def quoted_estimate(as_, clock, customer: str, created: datetime) -> dict:
    order = estimate_order(as_, clock, created, visit=created + timedelta(hours=2), customer=customer)
    return move(as_, clock, order, "quoted", created + timedelta(hours=3))


def test_an_unanswered_quote_is_an_item_for_the_quoted_step_s_owner_saying_whom_to_call(world, as_, clock):
    publish_estimate_map(as_)
    reminded = quoted_estimate(as_, clock, "Ada Lovelace", at(20, 9))
    expiring = quoted_estimate(as_, clock, "Grace Hopper", at(27, 9))
    fresh = quoted_estimate(as_, clock, "Mary Somerville", at(28, 9))
    answered = quoted_estimate(as_, clock, "Emmy Noether", at(20, 9))
    # sent 9 days ago, reminded once: 2 x 450.00 + VAT = 1,080.00
    quote(reminded["order_id"], 1, at(21, 9), lines=((2, 45000, False), (1, 9999, True)), follow_up="open",
          next_action_at=at(28, 9), reminders_sent=1, customer="Ada Lovelace")
    # sent yesterday, no reminder yet, but it runs out at the end of tomorrow
    quote(expiring["order_id"], 2, at(29, 9), follow_up="open", next_action_at=at(2, 9, month=12), valid_until="2026-12-01",
          customer="Grace Hopper")
    # sent yesterday, valid for weeks: nothing to do yet
    quote(fresh["order_id"], 3, at(29, 9), follow_up="open", next_action_at=at(2, 9, month=12), customer="Mary Somerville")
    # answered: waiting only for its follow-up bookkeeping, not for the customer
    quote(answered["order_id"], 4, at(21, 9), "declined", answered_at=at(22, 9), reason="No", follow_up="open",
          next_action_at=at(30, 9), reminders_sent=1, customer="Emmy Noether")
    clock.now = FIXED_NOW

    items = [i for i in daily_check.find_items(FIXED_NOW) if i["kind"] == "quote_unanswered"]
    assert [i["reference"] for i in items] == ["Q-2026-000001-A", "Q-2026-000002-A"]
    first = items[0]
    assert {k: first[k] for k in ("key", "order_id", "quote_id", "customer_name", "value_cents", "currency", "step",
                                  "step_label", "owner", "workflow_id", "workflow_version", "work_kind", "since",
                                  "reminders_sent", "todo")} == {
        "key": f"quote_unanswered:{reminded['order_id']}:QT-0001A", "order_id": reminded["order_id"], "quote_id": "QT-0001A",
        "customer_name": "Ada Lovelace", "value_cents": 108000, "currency": "GBP", "step": "quoted",
        "step_label": "Quote with the customer", "owner": "admin-1", "workflow_id": "estimate", "workflow_version": 1,
        "work_kind": "estimate", "since": "2026-11-21T09:00:00Z", "reminders_sent": 1,
        "todo": "Call Ada Lovelace about Q-2026-000001-A.",
    }
    assert "£1,080.00" in first["detail"] and "1 reminder sent" in first["detail"]
    assert "runs out at the end of Tue 01 Dec" in items[1]["detail"]

    # the daily review: in the owner's inbox (the admin), acknowledged and snoozed like any item
    r = as_("admin").post("/reviews/run", {"period": "daily"})
    assert r.status == 201, r
    inbox = as_("admin").get("/reviews/inbox").json
    shown = {i["key"]: i for i in inbox["items"]}
    mine = shown[first["key"]]
    assert (mine["kind_label"], mine["todo"], mine["reference"], mine["customer_name"]) == (
        "Quotes waiting for an answer", "Call Ada Lovelace about Q-2026-000001-A.", "Q-2026-000001-A", "Ada Lovelace")
    path = f"/reviews/daily/{DAY}/items/{url_quote(first['key'], safe='')}"
    acknowledged = as_("admin").post(f"{path}/acknowledge")
    assert acknowledged.status == 200 and acknowledged.json["state"] == "acknowledged"
    snoozed = as_("admin").post(f"/reviews/daily/{DAY}/items/{url_quote(items[1]['key'], safe='')}/snooze",
                                {"until": "2026-12-02", "reason": "She asked us to call on Wednesday"})
    assert snoozed.status == 200 and snoozed.json["state"] == "snoozed"

    # narrowed to a kind of work: the estimate's items only
    whole = as_("admin").get(f"/reviews/daily/{DAY}?kind=installation").json
    assert not [i for i in whole["items"] if i["kind"] == "quote_unanswered"]
    whole = as_("admin").get(f"/reviews/daily/{DAY}?kind=estimate").json
    assert {i["key"] for i in whole["items"] if i["kind"] == "quote_unanswered"} == {i["key"] for i in items}
    assert whole["counts"]["quote_unanswered"] == 2


def test_a_quote_past_its_first_reminder_day_is_flagged_even_if_the_reminder_has_not_gone(world, as_, clock):
    publish_estimate_map(as_)
    order = quoted_estimate(as_, clock, "Ada Lovelace", at(20, 9))
    quote(order["order_id"], 1, FIXED_NOW - timedelta(days=3), follow_up="open", next_action_at=FIXED_NOW)  # reminders: [3, 7]
    clock.now = FIXED_NOW
    assert [i["quote_id"] for i in daily_check.find_items(FIXED_NOW) if i["kind"] == "quote_unanswered"] == ["QT-0001A"]
    assert not [i for i in daily_check.find_items(FIXED_NOW - timedelta(seconds=1)) if i["kind"] == "quote_unanswered"]
