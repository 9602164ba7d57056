"""The office app's process map in real Chromium at 1280x800, as the admin who owns the process:
the current map drawn as a flow with every step's owner by name, its time allowed and conditions
in words (a dispatcher reads it and cannot edit); a "Quality check" step added between "In
progress" and "Completed", refused first with each of the API's reasons at its field and in a
summary, then published with a note and seen in the list of versions and in the diff of the two;
a version published meanwhile shown as a conflict, and a reordered step published over it.
axe-core finds nothing serious on any of these pages. This module runs its own local system, so
the versions it publishes reach no other module."""
import re

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
