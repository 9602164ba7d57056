"""The booking and manage pages tell the customer how to reach the business (its name, phone
and email from the API) and when the booking can still be changed online, computed from the
cut-off rule; too late, they offer no move or cancel and say whom to call. Real Chromium against
the local system, at a phone's size (390x844) and a laptop's (1280x800), with screenshots for a
person to look at (BOOKING_SCREENSHOTS: the folder, default /tmp)."""
import os
import re
from pathlib import Path

import pytest

from tests.support.browser import PHONE, browser, expect, local_system_fixture  # noqa: F401  (browser: a fixture)
from tests.system.test_booking_browser import axe_script, axe_violations, book_through_the_api, weekday_ahead

system = local_system_fixture("booking-contact")
LAPTOP = {"width": 1280, "height": 800}
BUSINESS_PHONE, BUSINESS_EMAIL = "+44 117 496 0000", "office@example.com"
TOO_LATE = f"This appointment is less than 24 hours away, so it can no longer be changed online; call us on {BUSINESS_PHONE}."


@pytest.fixture(params=["phone", "laptop"])
def page(request, browser, system):
    size = PHONE if request.param == "phone" else LAPTOP
    context = browser.new_context(viewport=size, locale="en-GB", reduced_motion="reduce",
                                  is_mobile=request.param == "phone", has_touch=request.param == "phone")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.size_name = f"{size['width']}x{size['height']}"
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def booking(system):
    """One booking for the module (the limits allow three upcoming bookings per email address)."""
    return book_through_the_api(system, weekday_ahead(6))


def shot(page, name: str) -> None:
    folder = Path(os.environ.get("BOOKING_SCREENSHOTS") or "/tmp")
    page.screenshot(path=str(folder / f"contact-{name}-{page.size_name}.png"), full_page=True)


def test_the_booking_form_shows_the_business_contact_and_the_cut_off_rule(page, system):
    page.goto(f"{system.url}/book/")
    contact = page.get_by_role("complementary", name="Contact us")
    expect(contact).to_be_visible()
    expect(contact.get_by_role("heading")).to_have_text("Questions? Contact Clearview Windows Ltd")
    expect(contact.get_by_role("link", name=BUSINESS_PHONE)).to_have_attribute("href", "tel:+441174960000")
    expect(contact.get_by_role("link", name=BUSINESS_EMAIL)).to_have_attribute("href", f"mailto:{BUSINESS_EMAIL}")
    expect(page.get_by_text("You can change or cancel online up to 24 hours before your visit.")).to_be_visible()
    expect(page.get_by_text("until the day before")).to_have_count(0)
    shot(page, "booking-form")
    if axe_script():
        assert axe_violations(page) == []
    assert page.errors == []


def test_the_manage_page_says_until_when_it_can_change_and_how_to_reach_the_business(page, booking):
    page.goto(booking["manage_url"])
    expect(page.get_by_role("heading", name="Measure and quote visit")).to_be_visible()
    note = page.locator(".bk-actions .bk-note")
    expect(note).to_have_text(re.compile(
        r"^You can change or cancel online until \w+day \d{1,2} \w+( \d{4})?, \d{2}:\d{2} \(24 hours before your appointment\)\. "
        + re.escape(f"After that, call us on {BUSINESS_PHONE}.") + "$"))
    assert note.inner_text() == booking["change_policy"]
    expect(page.get_by_role("button", name="Change the time")).to_be_visible()
    contact = page.get_by_role("complementary", name="Contact us")
    expect(contact).to_contain_text(BUSINESS_PHONE)
    expect(contact).to_contain_text(BUSINESS_EMAIL)
    shot(page, "manage-changeable")
    if axe_script():
        assert axe_violations(page) == []
    assert page.errors == []


def test_inside_the_cut_off_the_manage_page_offers_no_change_and_says_to_call(page, booking):

    def inside_cut_off(route):  # as the API answers once the cut-off has passed
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "can_change_online": False, "change_policy": TOO_LATE})

    page.route(lambda url: f"/public/bookings/{booking['order_id']}?" in url, inside_cut_off)
    page.goto(booking["manage_url"])
    expect(page.get_by_role("heading", name="Too late to change online")).to_be_visible()
    expect(page.get_by_text(TOO_LATE)).to_be_visible()
    expect(page.get_by_role("button", name="Change the time")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel the booking")).to_have_count(0)
    expect(page.get_by_role("complementary", name="Contact us").get_by_role("link", name=BUSINESS_PHONE)).to_be_visible()
    shot(page, "manage-too-late")
    assert page.errors == []
