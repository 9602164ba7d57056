"""The technician's app (web/tech/) in a real browser, correcting line items on the job screen:
changing a quantity, removing an item (after a confirmation), offline through the queue like
adding, and the total saying whether it includes VAT. The setup is that of test_tech_browser.py
(the whole local system, Debian's Chromium, phone-sized); axe-core checks the screens.

With TECH_SCREENSHOTS=1 the screens are saved to docs/screenshots/tech-*-items-*.png (390 and 360 px).
"""
import os
from pathlib import Path

import pytest
import requests

import tests.system.test_tech_browser as tech
from tests.support.browser import browser, expect, local_system_fixture  # noqa: F401  (browser: a fixture)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

system = local_system_fixture("tech-items")


@pytest.fixture
def context(browser, system):
    context = browser.new_context(viewport=tech.PHONE, locale="en-GB", timezone_id="Europe/London", reduced_motion="reduce",
                                  is_mobile=True, has_touch=True, device_scale_factor=2, service_workers="allow")
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


@pytest.fixture(scope="module")
def office(system):
    return tech.Api(system, "dispatcher@example.com")


def axe_violations(page, scope: str = "#tc-items") -> list:
    """axe-core on the job's items section (the screen's bar is the app shell's, checked elsewhere)."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: npm install axe-core")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async (scope) => (await axe.run(scope, {resultTypes: ['violations']})).violations", scope)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in found]


def add_item(office, order_id: str, price_item_id: str, quantity: int) -> dict:
    return office.post(f"/orders/{order_id}/line-items", {"price_item_id": price_item_id, "quantity": quantity}, status=201)


def item_row(page, name: str):
    return page.locator(".tc-item", has_text=name)


def test_a_technician_changes_a_quantity_and_removes_an_item_offline(page, context, system, office):
    booked = tech.book_for_tech1(office, "Nora Quill")
    order_id = booked["order_id"]
    add_item(office, order_id, "labour-hour", 2)
    tech.sign_in(page, system)
    tech.wait_for_service_worker(page)
    tech.open_job(page, system, order_id, "Nora Quill")

    # The total says what it is: the business's prices do not include VAT.
    total = page.locator(".tc-items-total")
    expect(total).to_contain_text("Total excl. VAT")

    # Change the quantity: 2 -> 3.
    labour = item_row(page, "Labour, per hour")
    page.get_by_role("button", name="Change or remove Labour, per hour").click()
    editor = page.locator(".tc-item-editor")
    expect(editor.get_by_label("Quantity")).to_be_focused()
    expect(editor.get_by_label("Quantity")).to_have_value("2")
    editor.get_by_role("button", name="One more").click()
    expect(editor.get_by_label("Quantity")).to_have_value("3")
    tech.shoot(page, "items-1-change", scroll_to=page.locator("#tc-items"))
    tech.check_fits(page, "changing an item")
    assert axe_violations(page) == [], "the item's editor"
    editor.get_by_role("button", name="Save quantity").click()
    expect(labour.locator(".tc-item-qty")).to_contain_text("3 ×")
    tech.wait_until_sent(page)
    [line] = office.order(order_id)["line_items"]
    assert line["quantity"] == 3

    # A quantity that is not a whole number from 1 to 999 is refused on the phone.
    page.get_by_role("button", name="Change or remove Labour, per hour").click()
    editor.get_by_label("Quantity").fill("0")
    editor.get_by_role("button", name="Save quantity").click()
    expect(editor.get_by_text("Enter a whole number from 1 to 999")).to_be_visible()
    editor.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("button", name="Change or remove Labour, per hour")).to_be_focused()

    # Offline: remove it, after the confirmation; it waits in the queue and is sent once back online.
    context.set_offline(True)
    expect(page.get_by_text("You are offline.")).to_be_visible()
    page.get_by_role("button", name="Change or remove Labour, per hour").click()
    editor.get_by_role("button", name="Remove item").click()
    question = page.get_by_role("group", name="Remove 3 × Labour, per hour from this job?")
    expect(question).to_be_visible()
    expect(question.get_by_role("button", name="Yes, remove it")).to_be_focused()
    tech.shoot(page, "items-2-confirm-remove", scroll_to=page.locator("#tc-items"))
    tech.check_fits(page, "confirming a removal")
    assert axe_violations(page) == [], "the removal's confirmation"
    # "Keep it" goes back without removing anything.
    question.get_by_role("button", name="Keep it").click()
    expect(editor.get_by_role("button", name="Remove item")).to_be_focused()
    editor.get_by_role("button", name="Remove item").click()
    page.get_by_role("button", name="Yes, remove it").click()
    expect(labour.locator(".tc-pending")).to_have_text("Waiting to send")
    expect(labour.locator(".tc-item-total")).to_have_text("Removing")
    expect(tech.sync_status(page)).to_have_text("1 to send")
    tech.shoot(page, "items-3-removal-waiting", scroll_to=page.locator("#tc-items"))
    assert len(office.order(order_id)["line_items"]) == 1

    context.set_offline(False)
    tech.wait_until_sent(page, timeout=30_000)
    order = office.order(order_id)
    assert order["line_items"] == []
    changes = [h["changes"] for h in order["history"] if h.get("changes")]
    assert [c[0]["field"] for c in changes] == [f"line_items.{line['id']}.quantity", f"line_items.{line['id']}"]
    assert changes[0][0]["old"] == 2 and changes[0][0]["new"] == 3 and changes[1][0]["new"] is None
    expect(page.get_by_text("No items yet.")).to_be_visible()
    assert page.errors == []


def test_the_total_says_incl_vat_when_the_business_prices_include_it(page, system, office):
    admin = tech.Api(system, "admin@example.com")
    r = requests.put(f"{system.url}/business", headers=admin.headers, json={"prices_include_tax": True}, timeout=10)
    if r.status_code != 200:
        pytest.skip(f"this build cannot switch prices to include the tax: {r.status_code} {r.text[:200]}")
    try:
        booked = tech.book_for_tech1(office, "Owen Price")
        add_item(office, booked["order_id"], "labour-hour", 1)
        tech.sign_in(page, system)
        tech.open_job(page, system, booked["order_id"], "Owen Price")
        expect(page.locator(".tc-items-total")).to_contain_text("Total incl. VAT")
        tech.shoot(page, "items-4-incl-vat", scroll_to=page.locator("#tc-items"))
    finally:
        requests.put(f"{system.url}/business", headers=admin.headers, json={"prices_include_tax": False}, timeout=10)
