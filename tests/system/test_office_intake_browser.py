"""Phone intake and the customer pages of the office app (web/office/views/intake.js,
customers.js) in real Chromium at 1280x800, as the dispatcher, against the local system:

- a returning caller found by typing her phone number in another format, a free time with the
  technician who would get it, booked once however often the button is clicked, and the
  customer's confirmation email in the outbox;
- a new caller whose phone number the API refuses (shown at the field), then saved as a request
  that waits in `requested` without a time, on the customer's new record with its address;
- the customer page: the record, its orders (linking to their pages) and invoices; an edit that
  meets someone else's change is refused and can be made again on theirs; the GDPR export.
  (A finished job's invoice is set up through the API, as the technician's app makes it.)

axe-core finds nothing serious on any of these screens. With OFFICE_SCREENSHOTS=1:
docs/screenshots/office-intake.png and office-customer.png.
"""
import json
import re
import time

import requests

from tests.support.browser import browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.office import (OfficeApi, axe_serious, email_text, no_sideways_scroll, office_page, office_system,
                                  outbox, shoot, sign_in, wait_for_email)

system = office_system("intake")
page = office_page()

MARGARET_EMAIL = "margaret.holloway@example.net"


def margaret(api: OfficeApi) -> dict:
    [found] = api.get("/customers", q=MARGARET_EMAIL)["customers"]
    return found


def finish_with_an_invoice(api: OfficeApi, order_id: str) -> dict:
    """The job done through the API as the technician's app does it (an item, the customer's
    signature, the moves to completed); the invoice is issued by the `completed` step's automation."""
    from tests.support.helpers import TINY_PNG

    def send(path, body):
        r = requests.post(f"{api.url}{path}", json=body, headers=api.headers, timeout=30)
        assert r.status_code < 300, f"{path}: {r.status_code} {r.text}"

    send(f"/orders/{order_id}/line-items", {"price_item_id": "window-casement", "quantity": 2})
    send(f"/orders/{order_id}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Margaret Holloway"})
    for step in ("en_route", "in_progress", "completed"):
        send(f"/orders/{order_id}/transitions", {"to": step, "expected_version": api.order(order_id)["version"]})
    deadline = time.monotonic() + 30
    while True:
        r = requests.get(f"{api.url}/orders/{order_id}/invoice", headers=api.headers, timeout=30)
        if r.status_code == 200:
            return r.json()
        assert time.monotonic() < deadline, f"no invoice for {order_id}: {r.status_code} {r.text}"
        time.sleep(0.3)


def test_a_returning_caller_found_by_phone_is_booked_once_and_gets_the_confirmation(page, system):
    api = OfficeApi(system, "dispatcher@example.com")
    before = margaret(api)
    assert before["orders_count"] == 2  # the demo's two jobs for her
    sign_in(page, system, then="intake")
    expect(page.get_by_role("heading", name="Phone call", level=1)).to_be_focused()

    search = page.get_by_role("searchbox", name="Find the caller")
    search.press_sequentially("07700 900123", delay=15)  # she was booked as +44 7700 900123
    result = page.get_by_role("button", name=re.compile("^Margaret Holloway"))
    expect(result).to_be_visible()
    expect(result).to_contain_text("2 orders")
    expect(result).to_contain_text("BS6 5AB")
    expect(page.locator("[data-status]")).to_have_text(re.compile("1 customer found by phone number"))
    search.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".of-intake-chosen")).to_contain_text("2 orders, last")
    page.get_by_label("Service").select_option(label="Measure and quote visit (60 min)")
    expect(page.get_by_label("7 Orchard Lane, Bristol, BS6 5AB")).to_be_checked()
    slots = page.locator(".of-intake-slot")
    expect(slots.first).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text(re.compile(r"\d+ free times in the 7 days"))
    # late in the day, today may have one free time left: take the first day with two or more
    count = page.locator(".of-intake-day-count", has_text=re.compile(r"^([2-9]|\d{2,}) free$"))
    page.locator(".of-intake-day", has=count).first.click()
    slot = slots.nth(1)
    when = slot.locator(".of-intake-slot-time").inner_text()
    technician = slot.locator(".of-intake-slot-tech").inner_text()
    slot.locator("label").click()
    expect(page.get_by_label("Technician")).to_have_value(re.compile("^tech-"))
    page.get_by_label("What is the job?").fill("Bay window in the lounge, measure and quote.")
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "intake", full_page=True)

    book = page.get_by_role("button", name=re.compile(f"^Book .* at {when[:5]} with {technician}$"))
    book.dblclick()
    success = page.get_by_role("group", name=re.compile("^Booked: WO-"))
    expect(success).to_be_visible()
    expect(success).to_be_focused()
    expect(success).to_contain_text(f"The confirmation email goes to {MARGARET_EMAIL}")
    order_id = re.search(r"WO-[A-Z0-9]+", success.inner_text()).group(0)
    expect(page.get_by_role("link", name=f"Open order {order_id}")).to_have_attribute("href", f"#/orders/{order_id}")
    assert axe_serious(page) == []

    order = api.order(order_id)
    assert order["step"] == "scheduled" and order["technician"]["name"] == technician
    assert order["customer_id"] == before["customer_id"] and order["service_id"] == "survey"
    assert order["appointment"]["start"] and order["description"].startswith("Bay window")
    assert margaret(api)["orders_count"] == 3, "a double click booked twice"
    email = wait_for_email(system, lambda m: order_id in str(m["Subject"]) and MARGARET_EMAIL in str(m["To"]))
    assert "booked" in str(email["Subject"]).lower() and when[:5] in email_text(email)
    assert page.errors == []


def test_a_new_caller_is_saved_as_a_request_with_the_phone_checked_at_its_field(page, system):
    api = OfficeApi(system, "dispatcher@example.com")
    sign_in(page, system, then="intake")
    page.get_by_role("searchbox", name="Find the caller").press_sequentially("Okonkwo", delay=15)
    expect(page.locator("[data-status]")).to_have_text(re.compile("No customer found"))
    page.get_by_role("button", name="New customer").click()
    page.get_by_label("Name").fill("Chidi Okonkwo")
    page.get_by_label("Phone").fill("12")
    page.get_by_label("Street").fill("22 Gloucester Road")
    page.get_by_label("Town or city").fill("Bristol")
    page.get_by_label("Postcode").fill("BS7 8AA")
    page.get_by_role("button", name="Save the customer").click()
    phone = page.get_by_label("Phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile("Error:"))
    assert axe_serious(page) == []

    phone.fill("0117 496 0555")
    page.get_by_role("button", name="Save the customer").click()
    expect(page.locator(".of-intake-chosen")).to_contain_text("No orders yet")
    page.get_by_label("Service").select_option(label="Glazing repair (90 min)")
    expect(page.get_by_label("22 Gloucester Road, Bristol, BS7 8AA")).to_be_checked()
    expect(page.locator(".of-intake-slot").first).to_be_visible()
    page.get_by_role("button", name="Save as a request").click()
    success = page.get_by_role("group", name=re.compile("^Request saved: WO-"))
    expect(success).to_be_visible()
    expect(success).to_contain_text("board’s tray")
    order_id = re.search(r"WO-[A-Z0-9]+", success.inner_text()).group(0)

    order = api.order(order_id)
    assert order["step"] == "requested" and order["appointment"] is None and order["technician"] is None
    assert order["service_name"] == "Glazing repair" and order["address"]["postcode"] == "BS7 8AA"
    [record] = api.get("/customers", q="0117 496 0555")["customers"]
    assert record["customer_id"] == order["customer_id"] and record["orders_count"] == 1
    assert not any(order_id in str(m["Subject"]) for m in outbox(system))  # no time, no confirmation
    assert page.errors == []


def test_the_customer_page_shows_the_history_and_an_edit_meeting_another_change_is_refused(page, system):
    api = OfficeApi(system, "dispatcher@example.com")
    found = margaret(api)
    [installed] = [o for o in api.get(f"/customers/{found['customer_id']}")["orders"] if o["service_id"] == "window-install"]
    invoice = finish_with_an_invoice(api, installed["order_id"])
    sign_in(page, system, then="customers")
    page.get_by_role("searchbox", name="Find a customer").press_sequentially("holloway", delay=15)
    page.get_by_role("button", name=re.compile("^Margaret Holloway")).click()
    heading = page.get_by_role("heading", name="Margaret Holloway", level=1)
    expect(heading).to_be_focused()
    orders = page.locator(".of-customers-orders tbody tr")
    expect(orders).to_have_count(found["orders_count"])
    first_id = api.get(f"/customers/{found['customer_id']}")["orders"][0]["order_id"]
    expect(orders.first.get_by_role("link", name=first_id)).to_have_attribute("href", f"#/orders/{first_id}")
    invoices = page.locator(".of-customers-invoices tbody tr")
    expect(invoices).to_have_count(1)
    expect(invoices.first).to_contain_text(invoice["number"])
    expect(invoices.first.get_by_role("link", name=installed["order_id"])).to_be_visible()
    owed = "£{:,.2f}".format(invoice["total_cents"] / 100)
    expect(invoices.first.locator("td").last).to_have_text(owed)
    expect(page.locator(".of-customers-owed")).to_have_text(f"Owed: {owed}")
    expect(page.get_by_text("7 Orchard Lane, Bristol, BS6 5AB").first).to_be_visible()
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "customer", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="Export personal data (GDPR)").click()
    exported = json.loads(open(download.value.path()).read())
    assert exported["customer"]["customer_id"] == found["customer_id"] and len(exported["orders"]) == found["orders_count"]

    page.get_by_role("button", name="Edit Margaret Holloway").click()
    page.get_by_label("Notes").fill("Side gate code 1234.")
    current = api.get(f"/customers/{found['customer_id']}")
    api.patch(f"/customers/{found['customer_id']}", {"notes": "Prefers mornings.", "expected_version": current["version"]})
    page.get_by_role("button", name="Save changes").click()
    conflict = page.get_by_role("group", name="Someone else changed this customer")
    expect(conflict).to_be_visible()
    assert axe_serious(page) == []
    page.get_by_role("button", name="Start again from their version").click()
    notes = page.get_by_label("Notes")
    expect(notes).to_have_value("Prefers mornings.")
    notes.fill("Prefers mornings. Side gate code 1234.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("group", name="Saved")).to_be_visible()
    expect(page.locator(".of-customers-notes")).to_have_text("Prefers mornings. Side gate code 1234.")
    assert api.get(f"/customers/{found['customer_id']}")["notes"] == "Prefers mornings. Side gate code 1234."
    assert page.errors == []
