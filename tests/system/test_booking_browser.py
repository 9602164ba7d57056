"""The booking page in a real browser: Debian's Chromium, headless, phone-sized, driven by
Playwright against the whole local system (`python -m infra.local`, as `make run` starts it),
with the abuse limits as they are by default (the form waits out the minimum time itself).
What it needs, and when it is skipped: tests/support/browser.py. The accessibility check runs
axe-core when its `axe.min.js` is at AXE_CORE_JS or in node_modules/ (`npm install axe-core`).
"""
import os
import re
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from tests.support.browser import PHONE, browser, expect, local_system_fixture  # noqa: F401  (browser: a fixture)
from tests.support.office import axe_script  # noqa: F401  (test_booking_contact_browser imports it from here)

system = local_system_fixture("booking")


@pytest.fixture
def page(browser, system):
    # Reduced motion: focus moves scroll instantly, so what is focused is also on screen.
    context = browser.new_context(viewport=PHONE, locale="en-GB", reduced_motion="reduce", is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


def weekday_ahead(days: int = 4) -> date:
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return day


# --- booking on a phone ------------------------------------------------------------------------

def test_a_customer_books_a_visit_on_a_phone(page, system):
    email = f"jo.{uuid.uuid4().hex[:8]}@example.net"
    page.goto(f"{system.url}/book")
    expect(page).to_have_url(f"{system.url}/book/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a visit")

    # the service: name, duration and "from" price
    survey = page.get_by_role("radio", name="Measure and quote visit")
    expect(survey).to_have_accessible_description(re.compile(r"1 hour.*from £45"))
    survey.check()
    expect(survey).to_be_checked()

    # the business works in service areas: the postcode comes before the times
    # (in the form: the polite live region says it too, 60 ms later, and would make two matches)
    expect(page.get_by_role("form", name="Book a visit").get_by_text("Enter the postcode of the visit to see free times.")).to_be_visible()
    expect(page.locator("button.bk-slot")).to_have_count(0)
    page.get_by_label("Postcode of the visit", exact=True).fill("BS1 4DJ")
    page.get_by_label("Postcode of the visit", exact=True).press("Enter")

    # a weekday a few days ahead, then its first free time
    day = weekday_ahead()
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    first = page.locator(f'button.bk-slot[data-start^="{day.isoformat()}T"]').first
    expect(first).to_be_visible()
    time_text = first.inner_text()
    assert re.fullmatch(r"\d{2}:\d{2}", time_text), time_text
    first.click()
    expect(first).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("Your time:")).to_be_visible()

    # the details
    page.get_by_label("Full name").fill("Jo Brown")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Phone number").fill("07700 900 555")
    page.get_by_label("Street address").fill("9 Quay Street")
    page.get_by_label("Town or city").fill("Bristol")
    expect(page.get_by_label("Postcode", exact=True)).to_have_value("BS1 4DJ")  # taken from the one above
    page.get_by_label("Anything we should know?").fill("Three sash windows; parking on the street.")
    page.get_by_role("button", name="Book visit").click()

    # the confirmation: focused, with the time, the technician, the reference and the manage link
    heading = page.get_by_role("heading", name="Your visit is booked")
    expect(heading).to_be_visible(timeout=20_000)
    expect(heading).to_be_focused()
    confirmation = page.locator(".bk-confirm")
    reference = confirmation.locator(".bk-reference").inner_text()
    assert re.fullmatch(r"WO-[A-Z0-9]+", reference), reference
    expect(confirmation).to_contain_text(f"{time_text} to ")
    expect(confirmation).to_contain_text(f"{day.day} {day:%B} {day.year}")
    expect(confirmation.locator(".bk-detail", has_text="Technician").locator("dd")).to_have_text(re.compile(r"^\S+$"))
    manage = page.get_by_role("link", name="Change or cancel this booking")
    expect(manage).to_have_attribute("href", re.compile(
        rf"^{re.escape(system.url)}/book/manage\.html\?order={reference}&token=[\w-]+$"))
    expect(page.get_by_role("status")).to_contain_text("Your visit is booked for")

    # the confirmation email reaches the outbox
    deadline = time.monotonic() + 10
    booked = []
    while not booked and time.monotonic() < deadline:
        booked = [m for m in system.emails() if email in str(m["To"]) and "booked" in str(m["Subject"]).lower()]
        time.sleep(0.2)
    assert booked, f"no 'booked' email to {email} in {system.outbox} within 10 s:\n{system.log[-3000:]}"

    # the manage link shows the booking
    manage.click()
    expect(page.get_by_role("heading", name="Measure and quote visit")).to_be_visible()
    expect(page.locator(".bk-booking-card")).to_contain_text(reference)
    expect(page.get_by_role("button", name="Change the time")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel the booking")).to_be_visible()
    assert page.errors == []


# --- keyboard only -----------------------------------------------------------------------------

FIELDS = {  # label -> id of the control it names
    "Postcode of the visit": "bk-area",
    "Date": "bk-date",
    "Full name": "bk-name",
    "Email address": "bk-email",
    "Phone number": "bk-phone",
    "Street address": "bk-street",
    "Town or city": "bk-city",
    "Postcode": "bk-postcode",
    "Anything we should know? (optional)": "bk-notes",
}


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id || ''")


def focused(page):
    """The focused element. (`:focus` misses a date input whose calendar button, inside the
    input, has the focus: Tab stops there too.)"""
    element_id = focused_id(page)
    return page.locator(f"[id='{element_id}']") if element_id else page.locator(":focus")


def test_the_form_works_with_a_keyboard_and_announces_errors(page, system):
    page.goto(f"{system.url}/book/")
    expect(page.get_by_role("radio")).to_have_count(4)

    # Tab from the top to the submit button: every stop has an accessible name
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stop = focused(page)
        expect(stop).to_have_accessible_name(re.compile(r"\w"))
        seen.append(focused_id(page))
        if stop.evaluate("e => e.matches('button[type=submit]')"):
            break
    else:
        pytest.fail(f"Tab never reached the submit button; stops: {seen}")
    expect(page.locator(":focus")).to_have_text("Book visit")
    for label, control_id in FIELDS.items():
        control = page.get_by_label(label, exact=True)
        expect(control).to_have_count(1)
        expect(control).to_have_id(control_id)
        assert control_id in seen, f"{label!r} is not reachable with Tab; stops: {seen}"
    assert any(s.startswith("bk-service-") for s in seen), f"no service radio in the tab order: {seen}"
    assert "bk-website" not in seen, "the honeypot must stay out of the tab order"

    # Submitting the empty form: the live region announces the problems, focus moves to the summary
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_contain_text("There are 8 problems")
    expect(status).to_contain_text("Choose a service")
    expect(status).to_contain_text("Enter your email address")
    summary = page.get_by_role("group", name="There is a problem")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(8)
    # each field's error is next to it and linked with aria-describedby
    email = page.get_by_label("Email address", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile(r"Error: Enter your email address"))
    expect(page.get_by_label("Full name")).to_have_accessible_description(re.compile(r"Enter your full name"))

    # the summary's first link leads to the service; arrow keys choose one; Tab reaches the times
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Choose a service")
    page.keyboard.press("Enter")
    expect(page.get_by_role("radio").first).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Measure and quote visit")).to_be_checked()
    # the postcode first (it is the next stop), Enter shows its times without sending the form
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_id("bk-area")
    expect(page.locator(":focus")).to_have_attribute("aria-required", "true")
    page.keyboard.type("BS1 4DJ")
    page.keyboard.press("Enter")
    expect(page.locator("button.bk-slot").first).to_be_visible()
    expect(page.locator(":focus")).to_have_id("bk-area")
    for _ in range(30):
        page.keyboard.press("Tab")
        if focused(page).evaluate("e => e.classList.contains('bk-slot')"):
            break
    else:
        pytest.fail("Tab never reached a free time")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("aria-pressed", "true")
    expect(status).to_contain_text("Selected")
    assert page.errors == []


# --- the manage page ---------------------------------------------------------------------------

def book_through_the_api(system, day: date) -> dict:
    """As the form does: the free times (with a form token), then the booking, sent again after
    the Retry-After the API asks for when it comes sooner than the form's minimum time."""
    answer = requests.get(f"{system.url}/public/availability", timeout=10,
                          params={"service_id": "survey", "date": day.isoformat(), "days": 1}).json()
    booking = {
        "service_id": "survey", "start": answer["slots"][0]["start"], "form_token": answer["form_token"],
        "customer": {"name": "Kim Lee", "email": "kim.lee@example.net", "phone": "0117 496 0101"},
        "address": {"street": "4 Mill Lane", "city": "Bristol", "postcode": "BS3 1AA"}}
    key = str(uuid.uuid4())
    r = requests.post(f"{system.url}/public/bookings", headers={"Idempotency-Key": key}, timeout=10, json=booking)
    if r.status_code == 429 and r.json()["error"]["code"] == "submitted_too_soon":
        time.sleep(int(r.headers["Retry-After"]))
        r = requests.post(f"{system.url}/public/bookings", headers={"Idempotency-Key": key}, timeout=10, json=booking)
    assert r.status_code == 201, r.text
    return r.json()


def api_view(system, booking: dict) -> dict:
    token = booking["manage_url"].split("token=")[1]
    return requests.get(f"{system.url}/public/bookings/{booking['order_id']}", params={"token": token}, timeout=10).json()


def banner(page, title: str):
    return page.locator(".bk-alert", has=page.get_by_role("heading", name=title))


def test_the_customer_moves_and_cancels_the_booking_from_the_link(page, system):
    # a link that matches nothing
    page.goto(f"{system.url}/book/manage.html?order=WO-NOTHING&token=not-the-token")
    invalid = page.get_by_role("heading", name="This link is not valid")
    expect(invalid).to_be_focused()
    expect(page.get_by_role("status")).to_contain_text("This link is not valid")

    booking = book_through_the_api(system, weekday_ahead(4))
    page.goto(booking["manage_url"])
    expect(page.get_by_role("heading", name="Measure and quote visit")).to_be_visible()
    expect(page.locator(".bk-badge")).to_have_text("Booked")
    expect(page.get_by_text("You can change or cancel online until")).to_be_visible()

    # move it to another day
    page.get_by_role("button", name="Change the time").click()
    expect(page.get_by_role("heading", name="Choose a new time")).to_be_focused()
    new_day = weekday_ahead(8)
    page.get_by_label("Show times from").fill(new_day.isoformat())
    slot = page.locator(f'button.bk-slot[data-start^="{new_day.isoformat()}T"]').first
    new_start = slot.get_attribute("data-start")
    slot.click()
    page.get_by_role("button", name="Confirm new time").click()
    expect(banner(page, "Your booking has moved")).to_be_focused()
    assert api_view(system, booking)["appointment"]["start"] == new_start

    # cancel: asked first; "No" keeps it, "Yes" cancels
    cancel = page.get_by_role("button", name="Cancel the booking")
    cancel.click()
    expect(page.get_by_role("heading", name="Cancel this booking?")).to_be_focused()
    page.get_by_role("button", name="No, keep it").click()
    expect(cancel).to_be_focused()
    expect(cancel).to_have_attribute("aria-expanded", "false")
    cancel.click()
    page.get_by_role("button", name="Yes, cancel the booking").click()
    expect(banner(page, "Your booking is cancelled")).to_be_focused()
    expect(page.locator(".bk-badge")).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="Change the time")).to_have_count(0)
    assert api_view(system, booking)["step"] == "cancelled"

    # past the cut-off, as the API answers then: no changes offered, and a clear message
    late = book_through_the_api(system, weekday_ahead(5))

    def cut_off_passed(route):
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "changeable_until": "2020-01-01T09:00:00+00:00"})

    page.route(lambda url: f"/public/bookings/{late['order_id']}?" in url, cut_off_passed)
    page.goto(late["manage_url"])
    expect(page.get_by_role("heading", name="Too late to change online")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel the booking")).to_have_count(0)
    page.unroute_all()

    # the cut-off passes while the page is open: the API's 422 is explained
    page.route(lambda url: url.endswith(f"/public/bookings/{late['order_id']}/cancel?token=" + late["manage_url"].split("token=")[1]),
               lambda route: route.fulfill(status=422, json={"error": {
                   "code": "validation_failed", "message": "It is too late to change this booking online; please call us.",
                   "details": [{"field": "start", "message": "changes were possible until 2020-01-01T09:00:00+00:00"}]}}))
    page.goto(late["manage_url"])
    page.get_by_role("button", name="Cancel the booking").click()
    page.get_by_role("button", name="Yes, cancel the booking").click()
    expect(page.get_by_role("heading", name="This booking can no longer be changed online")).to_be_visible()
    expect(page.get_by_role("button", name="Change the time")).to_have_count(0)
    assert api_view(system, late)["step"] == "scheduled"
    assert page.errors == []


# --- service areas -------------------------------------------------------------------------------


def axe_violations(page) -> list:
    page.add_script_tag(path=str(axe_script()))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in found]


def screenshot(page, name: str) -> None:
    """The date-and-time section at the top of the phone's screen, for a person to look at
    (BOOKING_SCREENSHOTS: the folder, default the temporary one)."""
    page.evaluate("document.getElementById('bk-step-2').scrollIntoView({block: 'start'})")
    folder = Path(os.environ.get("BOOKING_SCREENSHOTS") or "/tmp")
    page.screenshot(path=str(folder / name))


def test_a_postcode_nobody_covers_is_said_clearly_and_no_times_are_shown(page, system):
    page.goto(f"{system.url}/book/")
    page.get_by_role("radio", name="Measure and quote visit").check()
    area = page.get_by_label("Postcode of the visit", exact=True)
    expect(area).to_have_accessible_description(re.compile("We check that we cover your area"))
    area.fill("zz9 9zz")
    area.press("Enter")

    # at the field (linked, invalid), in the times' place, and aloud; the focus stays put
    message = "Sorry, we do not work in ZZ9 9ZZ: it is outside our service area."
    expect(area).to_have_attribute("aria-invalid", "true")
    expect(area).to_have_accessible_description(re.compile(re.escape("Error: " + message)))
    expect(page.locator(".bk-times")).to_contain_text("No free times to show for ZZ9 9ZZ. Check the postcode, or call us on +44 117 496 0000.")  # the business's phone, from the API
    expect(page.get_by_role("status")).to_contain_text(message)
    expect(area).to_be_focused()
    expect(page.locator("button.bk-slot")).to_have_count(0)
    screenshot(page, "booking-not-served.png")

    # sending the form anyway names the problem first and leads back to the postcode
    page.get_by_role("button", name="Book visit").click()
    summary = page.get_by_role("group", name="There is a problem")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link").first).to_have_text(message)
    summary.get_by_role("link").first.click()
    expect(area).to_be_focused()

    # a postcode that is covered shows the times again
    area.fill("BA1 2QT")
    area.press("Enter")
    expect(page.locator("button.bk-slot").first).to_be_visible()
    expect(area).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".bk-times")).not_to_contain_text("No free times to show")
    screenshot(page, "booking-times.png")
    assert page.errors == []


def test_the_form_has_no_accessibility_violations_in_its_states(page, system):
    if axe_script() is None:
        pytest.skip("axe-core is not installed: npm install axe-core (or set AXE_CORE_JS to its axe.min.js)")
    page.goto(f"{system.url}/book/")
    expect(page.get_by_role("radio")).to_have_count(4)
    assert axe_violations(page) == [], "the form as it loads"
    page.get_by_role("radio", name="Measure and quote visit").check()
    area = page.get_by_label("Postcode of the visit", exact=True)
    area.fill("ZZ9 9ZZ")
    area.press("Enter")
    expect(area).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == [], "a postcode nobody covers"
    area.fill("BS1 4DJ")
    area.press("Enter")
    expect(page.locator("button.bk-slot").first).to_be_visible()
    page.get_by_role("button", name="Book visit").click()
    expect(page.get_by_role("group", name="There is a problem")).to_be_focused()
    assert axe_violations(page) == [], "the form with its errors"
