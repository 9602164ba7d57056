"""The office app's settings (admins) in real Chromium at 1280x800: a business detail changed and
still there after a reload, a VAT number refused at its field, time off over a booked job shown
as a clash with the jobs and who is free and saved with "Add anyway", a price typed in pounds
stored in exact pence, a staff member invited (the invitation in the outbox) and deactivated,
and a dispatcher told that settings are for admins; axe-core clean on every section."""
import re
from datetime import datetime

from tests.support.browser import browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.office import (ZONE, OfficeApi, axe_serious, email_text, no_sideways_scroll, office_page,
                                  office_system, shoot, sign_in, wait_for_email)

system = office_system("settings")
page = office_page()

SECTIONS = ["Business details", "Booking rules", "Services", "Price list", "Technicians", "Staff accounts"]


def open_section(page, name: str) -> None:
    page.get_by_role("navigation", name="Settings").get_by_role("link", name=name, exact=True).click()
    expect(page.locator("main h1")).to_be_focused()


def test_the_admin_changes_a_business_detail_and_it_is_kept_and_a_bad_vat_number_is_shown_at_its_field(page, system):
    sign_in(page, system, "admin@example.com", then="settings")
    heading = page.get_by_role("heading", name="Business details", level=1)
    expect(heading).to_be_focused()
    expect(page.get_by_role("navigation", name="Settings").get_by_role("link", name="Business details")).to_have_attribute("aria-current", "page")
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "settings")

    phone = page.get_by_label("Phone", exact=True)
    expect(phone).to_have_value("+44 117 496 0000")
    phone.fill("+44 117 496 0999")
    page.get_by_role("button", name="Save business details").click()
    expect(page.get_by_role("group", name=re.compile("Business details saved"))).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text(re.compile("Business details saved \\(1 change\\)"))
    page.reload()
    expect(page.get_by_label("Phone", exact=True)).to_have_value("+44 117 496 0999")
    assert OfficeApi(system).get("/business")["phone"] == "+44 117 496 0999"

    vat = page.get_by_label("Tax registration number")
    vat.fill("GB12345")
    page.get_by_role("button", name="Save business details").click()
    expect(vat).to_be_focused()
    expect(vat).to_have_attribute("aria-invalid", "true")
    expect(vat).to_have_accessible_description(re.compile("Must be a UK VAT number"))
    expect(page.get_by_role("group", name="One field needs attention")).to_contain_text("Tax registration number")
    expect(page.locator("[data-alert]")).to_have_text(re.compile("Not saved"))
    assert axe_serious(page) == []
    assert OfficeApi(system).get("/business")["tax_registration_number"] == "GB123456789"

    # another admin renames the business meanwhile: this form's change is refused, theirs kept
    other = OfficeApi(system)
    other.put("/business", {"name": "Clearview Windows & Doors Ltd"})
    vat.fill("GB 987 6543 21")
    page.get_by_role("button", name="Save business details").click()
    stale = page.get_by_role("group", name="Someone else changed these settings meanwhile")
    expect(stale).to_be_focused()
    assert other.get("/business")["tax_registration_number"] == "GB123456789"
    stale.get_by_role("button", name="Load the settings again").click()
    expect(page.get_by_label("Business name")).to_have_value("Clearview Windows & Doors Ltd")
    page.get_by_label("Tax registration number").fill("GB 987 6543 21")
    page.get_by_role("button", name="Save business details").click()
    expect(page.get_by_label("Tax registration number")).to_have_value("GB987654321")  # as the API writes it
    assert other.get("/business")["name"] == "Clearview Windows & Doors Ltd"
    assert page.errors == []


def test_every_settings_section_opens_from_the_sub_nav_clean_for_axe_and_without_sideways_scroll(page, system):
    sign_in(page, system, "admin@example.com", then="settings")
    for name in SECTIONS:
        open_section(page, name)
        expect(page.locator("main h1")).to_have_text(name)
        assert page.title() == f"{name} – Settings – Office"
        assert axe_serious(page) == [], name
        no_sideways_scroll(page)
    open_section(page, "Technicians")
    page.get_by_role("link", name="Edit Sam Fischer").click()
    expect(page.get_by_role("heading", name="Sam Fischer", level=1)).to_be_focused()
    expect(page.get_by_label("Monday, hours 1, from")).to_have_value("08:00")
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    assert page.errors == []


def test_a_price_typed_in_pounds_is_stored_in_exact_pence_and_listed(page, system):
    sign_in(page, system, "admin@example.com", then="settings/price-list")
    page.get_by_role("link", name="Add an item").click()
    expect(page.get_by_role("heading", name="New price list item", level=1)).to_be_focused()
    no_sideways_scroll(page)
    page.get_by_label("Name", exact=True).fill("Trickle vent, fitted")
    expect(page.get_by_label("Short id")).to_have_value("trickle-vent-fitted")
    price = page.get_by_label("Unit price (GBP)")
    price.fill("12.345")
    page.get_by_role("button", name="Add item").click()
    expect(price).to_have_accessible_description(re.compile("Must be an amount"))
    price.fill("1,012.10")  # 1012.10 * 100 is 101209.99999999999 in floating point
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_role("heading", name="Price list", level=1)).to_be_focused()
    expect(page.get_by_role("group", name=re.compile("Trickle vent, fitted saved"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Trickle vent, fitted"))).to_contain_text("£1,012.10")
    items = {i["id"]: i for i in OfficeApi(system).get("/price-list")["items"]}
    assert items["trickle-vent-fitted"]["unit_price_cents"] == 101210
    # the form's conversions, as the page runs them: text to cents and back, wall clock to UTC
    found = page.evaluate("""async () => {
        const m = await import('/office/views/settings-common.js');
        return {
            cents: ['12.50', '0.07', '1,234.5', '.5', '19.99', '0', '12.345', 'abc', '', '-5'].map(m.parseCents),
            text: [1250, 7, 0, 101210].map(m.centsText),
            utc: ['2026-07-01T09:00', '2026-12-02T09:00', '2026-10-25T01:30', '2026-03-29T01:30']
                .map((t) => m.localToIso(t, 'Europe/London')),
        };
    }""")
    assert found == {"cents": [1250, 7, 123450, 50, 1999, 0, None, None, None, None],
                     "text": ["12.50", "0.07", "0.00", "1012.10"],
                     "utc": ["2026-07-01T08:00:00.000Z", "2026-12-02T09:00:00.000Z",  # summer and winter time
                             "2026-10-25T00:30:00.000Z",  # 01:30 happens twice: the first, as Python reads it
                             "2026-03-29T01:30:00.000Z"]}  # 01:30 never happens: read in winter time
    assert page.errors == []


def test_time_off_over_a_booked_job_shows_the_clash_and_who_is_free_and_add_anyway_saves_it(page, system):
    api = OfficeApi(system)
    today = datetime.now(ZONE).date().isoformat()
    job = next(a for day in api.get("/technicians/tech-1/schedule", **{"from": today, "to": today})["days"] for a in day["appointments"])
    sign_in(page, system, "admin@example.com", then="settings/technicians/tech-1")
    expect(page.get_by_role("heading", name="Sam Fischer", level=1)).to_be_focused()
    page.get_by_label("From", exact=True).fill(f"{today}T08:00")
    page.get_by_label("To", exact=True).fill(f"{today}T17:00")
    page.get_by_label("Reason").fill("Dentist")
    page.get_by_role("button", name="Add time off").click()
    clash = page.get_by_role("group", name="Sam Fischer has 1 booked job in that time")
    expect(clash).to_be_focused()
    expect(clash.get_by_role("link", name=job["order_id"])).to_have_attribute("href", f"#/orders/{job['order_id']}")
    expect(clash).to_contain_text("Margaret Holloway")
    expect(clash).to_contain_text(re.compile("Free to take it: .+|Nobody else is free then"))
    expect(page.locator("[data-alert]")).to_have_text(re.compile("Not added: Sam Fischer has 1 booked job"))
    assert api.get("/technicians/tech-1")["time_off"] == []
    assert axe_serious(page) == []
    page.get_by_role("heading", name="Time off", exact=True).evaluate("h => h.scrollIntoView({block: 'start'})")
    shoot(page, "settings-technicians")

    clash.get_by_role("button", name="Add anyway").click()
    added = page.get_by_role("group", name="Time off added. 1 job needs another technician")
    expect(added).to_be_focused()
    expect(added.get_by_role("link", name=job["order_id"])).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Dentist"))).to_be_visible()
    [saved] = api.get("/technicians/tech-1")["time_off"]
    assert (saved["reason"], datetime.fromisoformat(saved["start"]).astimezone(ZONE).hour) == ("Dentist", 8)

    page.get_by_role("button", name=re.compile("Remove time off from")).click()
    page.get_by_role("dialog", name="Remove this time off?").get_by_role("button", name="Remove time off").click()
    expect(page.locator("[data-status]")).to_have_text("Time off removed.")
    assert api.get("/technicians/tech-1")["time_off"] == []
    assert page.errors == []


def test_the_admin_invites_a_dispatcher_who_is_emailed_and_then_deactivates_them(page, system):
    sign_in(page, system, "admin@example.com", then="settings/staff")
    expect(page.get_by_role("heading", name="Staff accounts", level=1)).to_be_focused()
    page.get_by_label("Name", exact=True).fill("Jo Bloggs")
    page.get_by_label("Email", exact=True).fill("jo.bloggs@example.com")
    page.get_by_label("Role", exact=True).select_option("dispatcher")
    page.get_by_role("button", name="Send invitation").click()
    invited = page.get_by_role("group", name="Jo Bloggs is invited as a dispatcher")
    expect(invited).to_be_focused()
    expect(invited).to_contain_text("The invitation went to jo.bloggs@example.com")
    password = page.locator("[data-initial-password]").inner_text()
    assert len(password) >= 12
    message = wait_for_email(system, lambda m: "jo.bloggs@example.com" in str(m["To"]))
    assert message["Subject"] == f"You have been added to {OfficeApi(system).get('/business')['name']}"
    text = email_text(message)
    assert f"{system.url}/office/" in text and "Alex Morgan has added you" in text and password not in text
    row = page.get_by_role("row", name=re.compile("Jo Bloggs"))
    expect(row).to_contain_text("Dispatcher")
    expect(row).to_contain_text("Active")
    assert axe_serious(page) == []

    page.get_by_role("button", name="Deactivate Jo Bloggs").click()
    confirm = page.get_by_role("dialog", name="Deactivate Jo Bloggs?")
    expect(confirm).to_contain_text("signed out everywhere")
    assert axe_serious(page) == []
    confirm.get_by_role("button", name="Deactivate Jo Bloggs").click()
    expect(page.locator("[data-status]")).to_have_text("Jo Bloggs is deactivated and can no longer sign in.")
    expect(page.get_by_role("row", name=re.compile("Jo Bloggs"))).to_contain_text("Deactivated")
    expect(page.get_by_role("button", name="Reactivate Jo Bloggs")).to_be_focused()
    staff = {m["email"]: m for m in OfficeApi(system).get("/staff")["staff"]}
    assert staff["jo.bloggs@example.com"]["active"] is False
    # the admin's own row offers nothing to click: there is always an admin
    expect(page.get_by_role("row", name=re.compile("Alex Morgan"))).to_contain_text("Another admin can change your account")
    assert page.errors == []


def test_a_dispatcher_is_told_that_settings_are_for_admins(page, system):
    sign_in(page, system, "dispatcher@example.com", then="settings/staff")
    expect(page.get_by_role("heading", name="Settings are for admins", level=1)).to_be_focused()
    expect(page.get_by_role("navigation", name="Settings")).to_have_count(0)
    expect(page.get_by_role("button", name="Send invitation")).to_have_count(0)
    assert axe_serious(page) == []
    assert page.errors == []


def test_the_admin_adds_and_removes_holidays_and_sets_what_an_hour_costs_in_pounds(page, system):
    sign_in(page, system, "admin@example.com", then="settings")
    expect(page.get_by_role("heading", name="Business details", level=1)).to_be_focused()
    holidays = page.get_by_role("list", name="Holidays")
    expect(holidays).to_contain_text("No holidays")
    add = page.get_by_label("Add a holiday")
    for day in ("2026-12-28", "2026-12-25", "2027-01-01"):
        add.fill(day)
        page.get_by_role("button", name="Add holiday").click()
    expect(page.locator("[data-status]")).to_have_text(re.compile("Friday 1 January 2027 added to the holidays"))
    add.fill("2026-12-25")
    page.get_by_role("button", name="Add holiday").click()
    expect(add).to_have_accessible_description(re.compile("already a holiday"))
    expect(holidays.get_by_role("listitem")).to_have_text(
        ["Friday 25 December 2026Remove", "Monday 28 December 2026Remove", "Friday 1 January 2027Remove"])
    holidays.get_by_role("button", name="Remove the holiday Friday 1 January 2027").click()

    cost = page.get_by_label("A technician's hour (GBP)")
    expect(cost).to_have_value("35.00")  # the demo's, from its cents
    cost.fill("35.505")
    page.get_by_role("button", name="Save business details").click()
    expect(cost).to_be_focused()
    expect(cost).to_have_attribute("aria-invalid", "true")
    expect(cost).to_have_accessible_description(re.compile("Must be an amount in GBP"))
    assert OfficeApi(system).get("/business")["holidays"] == []
    cost.fill("35.50")
    page.get_by_label("A dispatcher's hour (GBP)").fill("28")
    page.get_by_label("An admin's hour (GBP)").fill("")  # not counted any more
    page.get_by_role("button", name="Save business details").click()
    expect(page.get_by_role("group", name=re.compile("Business details saved"))).to_be_visible()
    stored = OfficeApi(system).get("/business")
    assert stored["holidays"] == ["2026-12-25", "2026-12-28"]
    assert stored["cost_per_hour_cents"] == {"technician": 3550, "dispatcher": 2800}
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    page.get_by_role("heading", name="Holidays").scroll_into_view_if_needed()
    shoot(page, "settings-holidays")
    page.reload()
    expect(page.get_by_label("A technician's hour (GBP)")).to_have_value("35.50")
    expect(page.get_by_role("list", name="Holidays").get_by_role("listitem")).to_have_count(2)
    assert page.errors == []
