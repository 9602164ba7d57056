"""The office app's process map in real Chromium at 1280x800, as the admin who owns the process:
the current map drawn as a flow with every step's owner by name, its time allowed and conditions
in words (a dispatcher reads it and cannot edit); a "Quality check" step added between "In
progress" and "Completed", refused first with each of the API's reasons at its field and in a
summary, then published with a note and seen in the list of versions and in the diff of the two;
a version published meanwhile shown as a conflict, and a reordered step published over it.
axe-core finds nothing serious on any of these pages. This module runs its own local system, so
the versions it publishes reach no other module."""
import json
import re

from chalicelib.workflow import drafts, process_map
from tests.support.browser import browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.office import OfficeApi, axe_serious, no_sideways_scroll, office_page, office_system, shoot, sign_in

system = office_system("process")
page = office_page()

NOTE = "Quality check before completion, after the quarterly review"


def step_editor(page, number: int):
    """The editor's card of step `number` (1-based), found by the button that opens it."""
    return page.locator("li.of-process-edit-step").filter(
        has=page.get_by_role("button", name=re.compile(rf"^Step {number}:"))).first


def current_version(system) -> dict:
    return OfficeApi(system).get("/workflow")


def test_the_admin_sees_the_map_as_a_flow_with_owners_by_name_and_a_dispatcher_only_reads_it(page, system):
    sign_in(page, system, "admin@example.com", then="process")
    expect(page.get_by_role("heading", name="Process map", level=1)).to_be_focused()
    flow = page.get_by_role("img", name=re.compile("The flow of"))
    expect(flow).to_be_visible()
    expect(flow.locator('[data-step="requested"]')).to_contain_text("Dana Whitfield · 4 h")
    expect(flow.locator('[data-step="cancelled"]')).to_contain_text("End")
    requested = page.locator('li[data-step="requested"]')
    expect(requested).to_contain_text("Dana Whitfield")
    expect(requested).to_contain_text("the order needs a technician assigned and an appointment")
    expect(requested).to_contain_text("Scheduled, On hold or Cancelled")
    expect(page.locator('li[data-step="scheduled"]')).to_contain_text("the system emails the customer")
    expect(page.locator('li[data-step="closed"]')).to_contain_text("End step")
    expect(page.locator('li[data-step="on_hold"]')).to_contain_text("Interruption")
    expect(page.get_by_role("link", name="Edit the map")).to_be_visible()
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "process")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, system, "dispatcher@example.com", then="process")
    expect(page.get_by_role("heading", name="Process map", level=1)).to_be_focused()
    expect(page.get_by_text("Only an admin can change the map.")).to_be_visible()
    expect(page.get_by_role("link", name="Edit the map")).to_have_count(0)
    assert page.errors == []


def test_the_admin_adds_a_quality_check_step_sees_the_errors_at_their_fields_and_publishes_it_with_a_note(page, system):
    before = current_version(system)["version"]
    sign_in(page, system, "admin@example.com", then="process/edit")
    expect(page.get_by_role("heading", name="Edit the process map", level=1)).to_be_focused()
    page.get_by_role("button", name="Add a step after Step 4: In progress").click()
    added = step_editor(page, 5)
    expect(added.get_by_label("Name", exact=True)).to_be_focused()
    added.get_by_label("Name", exact=True).fill("Quality check")
    added.get_by_label("Key", exact=True).fill("quality_check")
    added.get_by_label("Owner").select_option(label="Alex Morgan (admin)")
    added.get_by_label("Time allowed").fill("0")
    added.get_by_label("Unit").select_option("days")
    page.get_by_role("button", name=f"Publish as version {before + 1}").click()

    # Refused: nothing reaches the new step yet, its time allowed is zero, and there is no note.
    summary = page.get_by_role("group", name="The map was not published: 3 problems to fix")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Step 5 “Quality check”, Time allowed")
    sla = added.get_by_label("Time allowed")
    expect(sla).to_have_attribute("aria-invalid", "true")
    expect(sla).to_have_accessible_description(re.compile("positive whole number of minutes"))
    expect(added.get_by_label("Key", exact=True)).to_have_accessible_description(re.compile("cannot be reached"))
    note = page.get_by_label("Why are you changing the process? (required)")
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-alert]")).to_have_text(re.compile("not published: 3 problems"))
    summary.get_by_role("link", name=re.compile("Time allowed")).click()
    expect(sla).to_be_focused()
    assert axe_serious(page) == []
    added.evaluate("node => node.scrollIntoView({block: 'start'})")
    shoot(page, "process-edit-field")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "process-edit")
    assert current_version(system)["version"] == before

    sla.fill("1")
    in_progress = step_editor(page, 4)
    in_progress.get_by_role("button", name="Step 4: In progress", exact=True).click()
    next_steps = in_progress.get_by_role("group", name="Next steps")
    next_steps.get_by_label("Quality check").check()
    next_steps.get_by_label("Completed").uncheck()
    note.fill(NOTE)
    page.get_by_role("button", name=f"Publish as version {before + 1}").click()

    expect(page.get_by_role("heading", name="Versions of the process map", level=1)).to_be_visible()
    expect(page.get_by_role("group", name=f"Version {before + 1} is published")).to_contain_text(NOTE)
    row = page.locator(f'tr[data-version="{before + 1}"]')
    expect(row).to_contain_text("Alex Morgan")
    expect(row).to_contain_text(NOTE)
    expect(page.get_by_role("heading", name=f"Version {before} compared with version {before + 1}")).to_be_visible()
    expect(page.locator('tr[data-change="added"]')).to_contain_text("Quality check")
    changed = page.locator('tr[data-change="changed"]', has_text="In progress")
    expect(changed).to_contain_text("Changed: next steps")
    expect(changed.locator("td").nth(1)).to_contain_text("Quality check, On hold or Cancelled (changed)")
    assert axe_serious(page) == []
    shoot(page, "process-versions")

    published = current_version(system)
    steps = {s["key"]: s for s in published["steps"]}
    assert published["version"] == before + 1 and published["note"] == NOTE
    assert [s["key"] for s in published["steps"]].index("quality_check") == 4
    assert (steps["quality_check"]["owner"], steps["quality_check"]["sla_minutes"]) == ("admin-1", 1440)
    assert steps["quality_check"]["next"] == ["completed"]
    assert steps["in_progress"]["next"] == ["quality_check", "on_hold", "cancelled"]
    assert steps["scheduled"]["next"] == ["en_route", "requested", "on_hold", "cancelled"]  # untouched, in its order

    page.get_by_role("link", name="The current map").click()
    expect(page.get_by_role("img", name=re.compile("The flow of")).locator('[data-step="quality_check"]')).to_contain_text("Alex Morgan · 1 d")
    assert page.errors == []


def test_a_version_published_meanwhile_is_a_conflict_and_a_reordered_step_is_then_published_over_it(page, system):
    admin = OfficeApi(system)
    sign_in(page, system, "admin@example.com", then="process/edit")
    start = current_version(system)
    count = len(start["steps"])
    on_hold = [s["key"] for s in start["steps"]].index("on_hold") + 1
    page.get_by_role("button", name=f"Move up: Step {on_hold}: On hold").click()
    expect(page.get_by_role("button", name=f"Move up: Step {on_hold - 1}: On hold")).to_be_focused()
    expect(page.locator("[data-status]")).to_have_text(f"On hold is now step {on_hold - 1} of {count}.")
    page.get_by_label("Why are you changing the process? (required)").fill("On hold before the end steps")

    meanwhile = {k: start[k] for k in ("name", "start_step", "steps")}
    admin.put("/workflow", {**meanwhile, "note": "Published from another computer"}, status=201)
    page.get_by_role("button", name=f"Publish as version {start['version'] + 1}").click()
    conflict = page.get_by_role("group", name="Conflict: someone else published the map meanwhile")
    expect(conflict).to_be_focused()
    expect(conflict).to_contain_text(f"version {start['version'] + 1} has been published since")
    assert axe_serious(page) == []
    assert current_version(system)["note"] == "Published from another computer"

    conflict.get_by_role("button", name=f"Keep my changes, to publish over version {start['version'] + 1}").click()
    page.get_by_role("button", name=f"Publish as version {start['version'] + 2}").click()
    expect(page.get_by_role("group", name=f"Version {start['version'] + 2} is published")).to_be_visible()
    keys = [s["key"] for s in current_version(system)["steps"]]
    assert keys.index("on_hold") == on_hold - 2

    # any two versions compare: the page stays, the focus goes to the comparison
    newest = start["version"] + 2
    page.get_by_label("Version", exact=True).select_option("1")
    page.get_by_label("compared with version").select_option(str(newest))
    page.get_by_role("button", name="Compare").click()
    compared = page.get_by_role("heading", name=f"Version 1 compared with version {newest}")
    expect(compared).to_be_focused()
    expect(page.get_by_role("row", name=re.compile("^Changed On hold"))).to_contain_text("Changed: position")
    assert page.errors == []


def test_the_kind_picker_shows_the_estimates_own_map_and_keeps_the_kind_in_the_address(page, system):
    sign_in(page, system, "admin@example.com", then="process")
    picker = page.get_by_label("Kind of work")
    expect(picker).to_have_value("installation")
    picker.select_option("estimate")
    expect(page).to_have_url(re.compile(r"#/process\?kind=estimate$"))
    expect(page.get_by_role("heading", name="Process map", level=1)).to_be_focused()
    expect(page.get_by_text(re.compile("^Estimate: “Estimate”, version 1"))).to_be_visible()
    flow = page.get_by_role("img", name=re.compile("The flow of"))
    for key in ("requested", "on_site", "quoted", "won", "lost", "closed"):
        expect(flow.locator(f'[data-step="{key}"]')).to_be_visible()
    expect(page.locator('li[data-step="quoted"]')).to_contain_text("Quote sent")
    expect(page.locator('li[data-step="quoted"]')).to_contain_text("Won, Lost, On hold or Cancelled")
    expect(page.locator('li[data-step="in_progress"]')).to_have_count(0)
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "process-estimate")
    # the kind goes with the links: the estimate's versions and its editor
    page.get_by_role("link", name="Versions and changes").click()
    expect(page).to_have_url(re.compile(r"#/process/versions\?kind=estimate$"))
    expect(page.get_by_label("Kind of work")).to_have_value("estimate")
    expect(page.get_by_text(re.compile("^Estimate: 1 version;"))).to_be_visible()
    page.get_by_role("link", name="Edit the map").click()
    expect(page.get_by_role("heading", name="Edit the process map", level=1)).to_be_focused()
    expect(page.get_by_text(re.compile("^Estimate: editing version 1"))).to_be_visible()
    assert page.errors == []


def test_each_service_shows_its_kind_of_work_and_the_editor_offers_every_kind(page, system):
    sign_in(page, system, "admin@example.com", then="settings/services")
    survey = page.get_by_role("row", name=re.compile("Measure and quote visit"))
    expect(survey).to_contain_text("Estimate")
    expect(page.get_by_role("row", name=re.compile("Glazing repair"))).to_contain_text("Repair")
    page.get_by_role("link", name="Edit Measure and quote visit").click()
    kind = page.get_by_label("Kind of work")
    expect(kind).to_have_value("estimate")
    assert [o.strip() for o in kind.locator("option").all_inner_texts()] == ["Installation", "Estimate", "Repair"]
    assert axe_serious(page) == []
    assert page.errors == []


def test_the_admin_sets_a_step_s_clock_deputy_waiting_and_staff_time_and_the_map_says_them(page, system):
    before = current_version(system)["version"]
    keys = [s["key"] for s in current_version(system)["steps"]]
    sign_in(page, system, "admin@example.com", then="process/edit")
    expect(page.get_by_role("heading", name="Edit the process map", level=1)).to_be_focused()
    page.get_by_role("button", name="Step 1: Requested", exact=True).click()
    requested = step_editor(page, 1)
    expect(requested.get_by_label("Time counts")).to_have_value("business")  # the default
    requested.get_by_label("Time counts").select_option("calendar")
    requested.get_by_label("Deputy").select_option(label="Alex Morgan (admin)")
    requested.get_by_label("Whose time it takes").select_option("")  # nobody's...
    requested.get_by_label("Staff minutes per visit").fill("15")  # ...so whose minutes are these?
    on_hold_number = keys.index("on_hold") + 1
    page.get_by_role("button", name=f"Step {on_hold_number}: On hold", exact=True).click()
    step_editor(page, on_hold_number).get_by_label(re.compile("^Waits on the customer")).check()
    page.get_by_label("Why are you changing the process? (required)").fill("Requests are answered around the clock")
    page.get_by_role("button", name=f"Publish as version {before + 1}").click()

    summary = page.get_by_role("group", name="The map was not published: one problem to fix")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Step 1 “Requested”, Staff minutes per visit")
    minutes = requested.get_by_label("Staff minutes per visit")
    expect(minutes).to_have_attribute("aria-invalid", "true")
    expect(minutes).to_have_accessible_description(re.compile("Needs a staff_role"))
    assert axe_serious(page) == []
    requested.evaluate("node => node.scrollIntoView({block: 'start'})")
    shoot(page, "process-edit-sla-clock")
    assert current_version(system)["version"] == before

    requested.get_by_label("Whose time it takes").select_option("dispatcher")
    page.get_by_role("button", name=f"Publish as version {before + 1}").click()
    expect(page.get_by_role("group", name=f"Version {before + 1} is published")).to_be_visible()
    steps = {s["key"]: s for s in current_version(system)["steps"]}
    assert {k: steps["requested"][k] for k in ("sla_clock", "deputy", "staff_role", "staff_minutes", "waits_on_customer")} == {
        "sla_clock": "calendar", "deputy": "admin-1", "staff_role": "dispatcher", "staff_minutes": 15, "waits_on_customer": False}
    assert steps["on_hold"]["waits_on_customer"] is True and steps["scheduled"]["sla_clock"] == "business"

    page.get_by_role("link", name="The current map").click()
    card = page.locator('li[data-step="requested"]')
    expect(card).to_contain_text("4 h, calendar time")
    expect(card).to_contain_text("a dispatcher’s, 15 min per visit")
    expect(card.locator("dd").nth(1)).to_have_text("Alex Morgan")  # the deputy, after the owner
    expect(page.locator('li[data-step="on_hold"]')).to_contain_text("no time limit: waits on the customer")
    expect(page.locator('li[data-step="scheduled"]')).to_contain_text("14 d, business hours")
    flow = page.get_by_role("img", name=re.compile("The flow of"))
    expect(flow.locator('[data-step="requested"]')).to_contain_text("4 h (calendar)")
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    assert page.errors == []


def test_a_suggestion_opens_in_the_editor_as_a_draft_to_review_and_publish_with_its_expectation(page, system):
    # The evaluation's draft of "remove On the way" (workflow.drafts), handed over as the reports
    # screen does (sessionStorage); the admin reviews it, sets a judging date and publishes it.
    current = current_version(system)
    pm = process_map.from_definition(current, current["version"], kind=current["kind"])
    suggestion = {"kind": "remove_step", "id": "remove_step:installation:en_route", "work_kind": "installation",
                  "step": "en_route", "numbers": {"next_step": "in_progress"}}
    draft = drafts.draft_for(suggestion, pm)
    sign_in(page, system, "admin@example.com", then="process")
    page.evaluate("([key, value]) => sessionStorage.setItem(key, value)",
                  [f"office:process-draft:{suggestion['id']}", json.dumps(draft)])
    page.evaluate("id => { location.hash = `#/process/edit?draft=${encodeURIComponent(id)}`; }", suggestion["id"])
    expect(page.get_by_role("heading", name="Edit the process map", level=1)).to_be_focused()
    notice = page.locator("[data-draft-notice]")
    expect(notice).to_contain_text("A draft from a suggestion of the process evaluation")
    expect(notice).to_contain_text("Remove 'On the way'")
    labels = [s["label"] for s in current["steps"] if s["key"] != "en_route"]
    expect(page.get_by_role("button", name=re.compile(r"^Step \d+: "))).to_have_text(
        [f"Step {i + 1}: {label}" for i, label in enumerate(labels)])
    in_progress = labels.index("In progress") + 1
    page.get_by_role("button", name=f"Step {in_progress}: In progress", exact=True).click()
    automations = step_editor(page, in_progress).get_by_role("group", name="On entry, the system")
    expect(automations.get_by_role("checkbox").first).to_be_checked()  # the customer's notice moved here
    expect(page.get_by_label("Why are you changing the process? (required)")).to_have_value(draft["note"])
    expect(page.get_by_label("Expected", exact=True)).to_have_value(draft["expected"]["text"])
    expect(page.get_by_label("Measure", exact=True)).to_have_value("cycle_time_hours")
    page.get_by_label("Judge it on").fill("2027-01-15")
    assert axe_serious(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "process-edit-draft")
    page.get_by_role("button", name=f"Publish as version {current['version'] + 1}").click()
    expect(page.get_by_role("group", name=f"Version {current['version'] + 1} is published")).to_be_visible()
    published = current_version(system)
    assert "en_route" not in [s["key"] for s in published["steps"]]
    assert published["note"] == draft["note"]
    assert published["expectation"] == {**draft["expected"], "judge_on": "2027-01-15"}
    assert page.errors == []
    # the map as it was, for whatever runs after this in the module
    OfficeApi(system).put("/workflow", {**{k: current[k] for k in ("name", "start_step", "steps")},
                                        "note": "Back to the map with On the way"}, status=201)
