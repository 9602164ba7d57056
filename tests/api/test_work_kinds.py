"""Kinds of work, each with its own versioned process map: a business from before kinds has one
(`installation`, its single map); publishing under a new kind key creates the kind; services and
orders belong to a kind and an order starts on the current map of its kind (by phone, online, or
naming the kind); the versions, the board and the order list are per kind; an unknown kind is a
422 at `kind`; publishing races per kind end in 409; the migration gives an existing business
its kinds without touching the orders in flight."""
import copy
from datetime import timedelta

import pytest

from chalicelib.core import settings
from chalicelib.core.errors import Conflict
from chalicelib.dispatch import context as board_context
from chalicelib.workflow import versions
from infra import demo_data, migrate_kinds
from tests.support.races import all_read_first, race
from tests.support.world import next_free_slot

CUSTOMER = {"name": "Grace Hopper", "email": "grace@example.net", "phone": "+44 7700 900222"}
ADDRESS = {"street": "5 Compiler Close", "city": "Bristol", "postcode": "BS3 4QT"}


def publish(as_, kind, document, who="admin", **extra):
    query = f"?kind={kind}" if kind else ""
    return as_(who).put(f"/workflow{query}", {**copy.deepcopy(document), "note": f"Publishing {kind}", **extra})


def fields_of(response) -> dict[str, str]:
    assert response.status == 422, response
    assert response.json["error"]["code"] == "validation_failed"
    return {d["field"]: d["message"] for d in response.json["error"]["details"]}


def spaced_slot() -> dict:
    """Every other free slot: a service's buffer and the travel time never make two clash."""
    next_free_slot()
    return next_free_slot()


def order_body(**overrides):
    """tech1's order; with `booked=True` a time reserved for it (it can then be scheduled)."""
    booked = overrides.pop("booked", False)
    return {"customer": dict(CUSTOMER), "address": dict(ADDRESS), "technician_id": "tech-1",
            **({"appointment": spaced_slot()} if booked else {}), **overrides}


def move(as_, order, to, who="dispatcher"):
    r = as_(who).post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, (to, r)
    return r.json


@pytest.fixture
def kinds_world(world, clock):
    """The demo business as `make run` has it: estimate, installation and repair, each service in its kind."""
    demo_data.load_kinds(clock.now)
    board_context.forget()
    return world


# --- a business from before kinds --------------------------------------------------------------

def test_a_business_from_before_kinds_has_one_kind_installation_on_its_single_map(as_):
    listing = as_("tech1").get("/workflow/kinds")
    assert listing.status == 200, listing
    (only,) = listing.json["kinds"]
    assert (only["key"], only["label"], only["workflow_id"]) == ("installation", "Installation", "default")
    assert (only["current_version"], only["map_name"]) == (1, "Window installation")
    assert {s["id"] for s in only["services"]} == set(demo_data.SERVICES)
    legacy = as_("dispatcher").get("/workflow").json
    assert (legacy["workflow_id"], legacy["kind"]) == ("default", "installation")
    assert as_("dispatcher").get("/workflow?kind=installation").json == legacy
    assert as_("admin").get("/services").json["services"][0]["kind"] == "installation"


def test_an_order_of_a_business_from_before_kinds_is_an_installation(as_, new_order):
    order = new_order()
    assert (order["kind"], order["workflow_id"], order["quote_id"], order["deposit"]) == ("installation", "default", None, None)


# --- publishing per kind -------------------------------------------------------------------------

def test_publishing_under_a_new_kind_creates_it_with_its_own_versions(as_):
    before = as_("admin").get("/workflow").json["version"]
    r = publish(as_, "estimate", demo_data.ESTIMATE_MAP, kind_label="Estimate")
    assert r.status == 201, r
    assert (r.json["kind"], r.json["workflow_id"], r.json["version"], r.json["name"]) == ("estimate", "estimate", 1, "Estimate")
    again = publish(as_, "estimate", {**demo_data.ESTIMATE_MAP, "name": "Estimate, second"}, expected_version=1)
    assert again.status == 201 and again.json["version"] == 2, again
    assert as_("admin").get("/workflow").json["version"] == before  # the installation map is untouched
    assert as_("tech1").get("/workflow?kind=estimate").json["name"] == "Estimate, second"
    kinds = {k["key"]: k for k in as_("dispatcher").get("/workflow/kinds").json["kinds"]}
    assert (kinds["estimate"]["label"], kinds["estimate"]["current_version"]) == ("Estimate", 2)
    assert kinds["installation"]["workflow_id"] == "default"  # stored now, still on its single map
    listing = as_("admin").get("/workflow/versions?kind=estimate").json
    assert (listing["kind"], [v["version"] for v in listing["versions"]]) == ("estimate", [2, 1])
    one = as_("admin").get("/workflow/versions/1?kind=estimate").json
    assert (one["name"], one["kind"]) == ("Estimate", "estimate")
    assert as_("admin").get("/workflow/versions/1").json["name"] == "Window installation"


def test_a_new_kind_without_a_label_is_labelled_from_its_key_and_a_bad_label_is_refused(as_):
    bad = publish(as_, "roof_repair", demo_data.REPAIR_MAP, kind_label="Roof\r\nBcc: x@example.net")
    assert "kind_label" in fields_of(bad)
    assert "roof_repair" not in {k["key"] for k in as_("admin").get("/workflow/kinds").json["kinds"]}
    r = publish(as_, "roof_repair", demo_data.REPAIR_MAP)
    assert r.status == 201, r
    kinds = {k["key"]: k for k in as_("admin").get("/workflow/kinds").json["kinds"]}
    assert kinds["roof_repair"]["label"] == "Roof repair"


def test_a_bad_map_under_a_new_kind_creates_no_kind(as_):
    broken = {**demo_data.ESTIMATE_MAP, "start_step": "nowhere"}
    assert "start_step" in fields_of(publish(as_, "estimate", broken))
    assert [k["key"] for k in as_("admin").get("/workflow/kinds").json["kinds"]] == ["installation"]


@pytest.mark.parametrize("kind", ["Estimate", "2nd", "a-b", "x" * 41])
def test_a_kind_key_that_is_not_a_step_like_key_is_refused_at_kind(as_, kind):
    assert "kind" in fields_of(publish(as_, kind, demo_data.ESTIMATE_MAP))


def test_a_stale_expected_version_of_one_kind_is_a_409_naming_that_kinds_current_version(kinds_world, as_):
    assert publish(as_, "repair", demo_data.REPAIR_MAP, expected_version=1).status == 201
    stale = publish(as_, "repair", demo_data.REPAIR_MAP, expected_version=1)
    assert stale.status == 409 and stale.json["error"]["details"]["current_version"] == 2, stale
    # the installation map's own version 1 is still current there: no conflict across kinds
    assert publish(as_, None, demo_data.PROCESS_MAP, expected_version=1).status == 201


def test_two_concurrent_publishes_of_one_kind_take_one_version_the_other_409(kinds_world, clock):
    def variant(name):
        return {**copy.deepcopy(demo_data.ESTIMATE_MAP), "name": name}

    with all_read_first(settings.WORKFLOW_TABLE):
        results = race(lambda: versions.publish(variant("Map A"), "admin-1", clock.now, kind="estimate"),
                       lambda: versions.publish(variant("Map B"), "admin-1", clock.now, kind="estimate"))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1 and isinstance(next(r for r in results if isinstance(r, Exception)), Conflict), results
    assert versions.current("estimate").version == 2 and versions.current("estimate").name == winners[0].name
    assert versions.current().name == "Window installation"


# --- orders follow their kind's map --------------------------------------------------------------

def test_an_order_for_a_service_starts_on_the_current_map_of_the_services_kind(kinds_world, as_):
    office = as_("dispatcher")
    estimate = office.post("/orders", order_body(service_id="survey", booked=True))
    assert estimate.status == 201, estimate
    assert (estimate.json["kind"], estimate.json["workflow_id"], estimate.json["workflow_version"]) == ("estimate", "estimate", 1)
    repair = office.post("/orders", order_body(service_id="glazing-repair")).json
    install = office.post("/orders", order_body(service_id="window-install")).json
    assert (repair["kind"], repair["workflow_id"], install["kind"], install["workflow_id"]) == (
        "repair", "repair", "installation", "default")
    # the estimate's own steps: on site, then the quote; technicians may record both
    order = move(as_, estimate.json, "scheduled")
    order = move(as_, order, "en_route", who="tech1")
    order = move(as_, order, "on_site", who="tech1")
    order = move(as_, order, "quoted", who="tech1")
    assert (order["step"], order["step_label"]) == ("quoted", "Quote sent")
    refused = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions",
                                     {"to": "in_progress", "expected_version": order["version"]})
    assert refused.status == 422, refused  # an installation's step is not on an estimate's map


def test_an_order_without_a_service_may_name_its_kind_and_another_than_the_services_is_refused(kinds_world, as_):
    office = as_("dispatcher")
    named = office.post("/orders", order_body(kind="estimate", service_name="Free measure"))
    assert named.status == 201 and named.json["kind"] == "estimate", named
    assert "kind" in fields_of(office.post("/orders", order_body(service_id="survey", kind="repair")))
    assert "kind" in fields_of(office.post("/orders", order_body(kind="roofing")))
    assert "kind" in fields_of(office.post("/orders", order_body(kind="Not A Key")))


def test_an_online_booking_of_a_survey_is_an_estimate_on_the_estimate_map(kinds_world, as_, monkeypatch):
    from chalicelib.limits import gate
    from tests.support.world import FIXED_NOW

    for variable in ("BOOKINGS_PER_CONTACT", "BOOKINGS_PER_ADDRESS", "AVAILABILITY_PER_ADDRESS", "FORM_MIN_SECONDS"):
        monkeypatch.setenv(variable, "0")
    body = {"service_id": "survey", "start": "2026-12-02T10:00:00+00:00", "customer": dict(CUSTOMER),
            "address": dict(ADDRESS), "form_token": gate.new_form_token(FIXED_NOW)}
    booked = as_().post("/public/bookings", body)
    assert booked.status == 201 and booked.json["step"] == "scheduled", booked
    order = as_("dispatcher").get(f"/orders/{booked.json['order_id']}").json
    assert (order["kind"], order["workflow_id"], order["step"]) == ("estimate", "estimate", "scheduled")


def test_a_new_version_of_one_kind_leaves_the_orders_of_the_others_on_their_maps(kinds_world, as_):
    office = as_("dispatcher")
    install = office.post("/orders", order_body(service_id="window-install", booked=True)).json
    changed = copy.deepcopy(demo_data.ESTIMATE_MAP)
    changed["name"] = "Estimate with a call first"
    assert publish(as_, "estimate", changed).status == 201
    survey = office.post("/orders", order_body(service_id="survey")).json
    assert (survey["workflow_version"], install["workflow_version"]) == (2, 1)
    assert move(as_, install, "scheduled")["workflow_id"] == "default"


# --- services -----------------------------------------------------------------------------------

def test_a_service_belongs_to_a_known_kind(kinds_world, as_):
    admin = as_("admin")
    body = {**demo_data.SERVICES["survey"], "kind": "repair"}
    saved = admin.put("/services/survey", body)
    assert saved.status == 200 and saved.json["kind"] == "repair", saved
    assert "kind" in fields_of(admin.put("/services/survey", {**body, "kind": "roofing"}))
    default = admin.put("/services/gutter-clean", {k: v for k, v in body.items() if k != "kind"})
    assert default.json["kind"] == "installation"
    kinds = {k["key"]: k for k in admin.get("/workflow/kinds").json["kinds"]}
    assert [s["id"] for s in kinds["repair"]["services"]] == ["glazing-repair", "survey"]


# --- per kind: versions, board, list, overdue --------------------------------------------------------

def test_the_versions_count_only_their_own_kinds_open_orders(kinds_world, as_):
    office = as_("dispatcher")
    move(as_, office.post("/orders", order_body(service_id="survey", booked=True)).json, "scheduled")
    office.post("/orders", order_body(service_id="window-install"))
    estimate = as_("admin").get("/workflow/versions?kind=estimate").json
    installation = as_("admin").get("/workflow/versions").json
    assert (estimate["open_orders"], estimate["versions"][0]["open_orders_by_step"]) == (1, {"scheduled": 1})
    assert (installation["open_orders"], installation["versions"][0]["open_orders_by_step"]) == (1, {"requested": 1})


def test_the_board_and_the_order_list_show_one_kind_when_asked(kinds_world, as_):
    office = as_("dispatcher")
    survey = office.post("/orders", order_body(service_id="survey")).json
    install = office.post("/orders", order_body(service_id="window-install")).json
    every = {i["order_id"] for i in office.get("/board?date=2026-12-02").json["tray"]}
    assert {survey["order_id"], install["order_id"]} <= every
    estimates = office.get("/board?date=2026-12-02&kind=estimate").json
    assert estimates["kind"] == "estimate" and {i["order_id"] for i in estimates["tray"]} == {survey["order_id"]}
    listed = office.get("/orders?kind=installation").json["orders"]
    assert [o["order_id"] for o in listed] == [install["order_id"]]
    assert "kind" in fields_of(office.get("/board?kind=roofing"))
    assert "kind" in fields_of(office.get("/orders?kind=roofing"))


def test_the_overdue_list_knows_the_steps_of_every_kinds_map(kinds_world, as_, clock):
    office = as_("dispatcher")
    order = office.post("/orders", order_body(service_id="survey", booked=True)).json
    for step, who in (("scheduled", "dispatcher"), ("en_route", "tech1"), ("on_site", "tech1")):
        order = move(as_, order, step, who=who)
    # On site has an SLA of 48 business hours (a quote sent waits on the customer: no SLA runs
    # there); eight days later, about 64 business hours have passed
    clock.advance(days=8)
    overdue = office.get("/orders?overdue=true&kind=estimate").json["orders"]
    assert [(o["order_id"], o["step"]) for o in overdue] == [(order["order_id"], "on_site")]


# --- unknown kinds and roles --------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/workflow?kind=roofing", "/workflow/versions?kind=roofing",
                                  "/workflow/versions/1?kind=roofing"])
def test_reading_an_unknown_kind_is_422_at_kind(as_, path):
    assert list(fields_of(as_("admin").get(path))) == ["kind"]


def test_a_known_kind_with_no_map_yet_is_404(kinds_world, as_):
    from chalicelib.workflow import kinds

    kinds.ensure("gutters", "Gutters")
    r = as_("admin").get("/workflow?kind=gutters")
    assert r.status == 404 and "gutters" in r.json["error"]["message"], r


@pytest.mark.parametrize("who, status", [("admin", 201), ("dispatcher", 403), ("tech1", 403)])
def test_only_an_admin_publishes_a_kinds_map(as_, who, status):
    assert publish(as_, "estimate", demo_data.ESTIMATE_MAP, who=who).status == status


@pytest.mark.parametrize("who, kinds_status, versions_status", [("admin", 200, 200), ("dispatcher", 200, 200),
                                                                 ("tech1", 200, 403), (None, 401, 401)])
def test_the_office_and_technicians_read_the_kinds_the_office_reads_the_versions(as_, who, kinds_status, versions_status):
    api = as_(who)
    assert api.get("/workflow/kinds").status == kinds_status
    assert api.get("/workflow/versions?kind=installation").status == versions_status


# --- the migration --------------------------------------------------------------------------------------

def test_the_migration_gives_kinds_and_keeps_orders_in_flight_on_their_map(as_, new_order, clock):
    in_flight = move(as_, new_order(), "scheduled")
    before = as_("admin").get("/workflow").json
    done = migrate_kinds.migrate(clock.now, {"survey": "estimate"})
    assert (done["installation"], done["repair"], done["estimate"]) == ("stored", "published", "published")
    kinds = {k["key"]: k for k in as_("admin").get("/workflow/kinds").json["kinds"]}
    assert {k: (v["workflow_id"], v["current_version"]) for k, v in kinds.items()} == {
        "installation": ("default", before["version"]), "repair": ("repair", 1), "estimate": ("estimate", 1)}
    assert [s["id"] for s in kinds["estimate"]["services"]] == ["survey"]
    assert {s["id"] for s in kinds["installation"]["services"]} == {"window-install", "door-install", "glazing-repair"}
    repair = as_("admin").get("/workflow?kind=repair").json
    assert repair["steps"] == before["steps"] and repair["name"] == "Repair"
    estimate = as_("admin").get("/workflow?kind=estimate").json
    assert [s["key"] for s in estimate["steps"]] == [s["key"] for s in demo_data.ESTIMATE_MAP["steps"]]
    assert not any("create_invoice" in s["automations"] for s in estimate["steps"])
    assert as_("admin").get("/workflow").json == before  # the installation map: no new version
    # the order in flight goes on as before, on the map and version it started on
    order = as_("dispatcher").get(f"/orders/{in_flight['order_id']}").json
    assert (order["kind"], order["workflow_id"], order["workflow_version"], order["version"]) == (
        "installation", "default", in_flight["workflow_version"], in_flight["version"])
    assert move(as_, order, "en_route", who="tech1")["step"] == "en_route"
    # a second run changes nothing
    again = migrate_kinds.migrate(clock.now + timedelta(minutes=1), {"survey": "estimate"})
    assert (again["installation"], again["repair"], again["estimate"]) == ("kept", "kept", "kept")
    assert as_("admin").get("/workflow/versions?kind=estimate").json["current_version"] == 1
    assert as_("dispatcher").post("/orders", order_body(service_id="survey")).json["kind"] == "estimate"


def test_the_migration_command_prints_what_it_did(world):
    said = []
    assert migrate_kinds.main(["--service", "survey=estimate"], out=said.append) == 0
    assert "repair published" in said[0] and "survey -> estimate" in said[0], said
    with pytest.raises(SystemExit):
        migrate_kinds.main(["--service", "survey"], out=said.append)


def test_the_kinds_and_a_kinds_map_read_by_key_in_a_few_calls(kinds_world, as_):
    from tests.support.helpers import dynamodb_calls, staff_check

    admin = as_("admin")
    admin.get("/workflow")  # signed in before counting
    with dynamodb_calls(skip=staff_check()) as listing:
        assert admin.get("/workflow/kinds").status == 200
    with dynamodb_calls(skip=staff_check()) as legacy:
        assert admin.get("/workflow").status == 200
    with dynamodb_calls(skip=staff_check()) as estimate:
        assert admin.get("/workflow?kind=estimate").status == 200
    assert listing == {"Query": 2, "BatchGetItem": 1}, listing  # the kinds, their maps' heads, the services
    assert legacy == {"GetItem": 1} and estimate == {"GetItem": 2}, (legacy, estimate)  # (the kind, then) the head
