"""The orders screens of the office app (web/office/views/orders*.js, order-*.js) in real
Chromium at 1280x800, against the local system, as the admin:

- the list, filtered by step and by text (the filters stay in the address), paged with
  "Next page" and "Previous page";
- an order's page opened from the link the emails carry (`/office/#/orders/{id}`): its timeline
  of moves, notes and the signature with who and when, and the time in each step against its SLA;
- a line item added from the price list and its quantity changed (the total follows);
- a move refused with the API's reasons (exit conditions unmet), and one made on a stale version
  (someone else changed the order meanwhile): a conflict, the order reloaded, then the move made;
- a payment recorded on the invoice of a job the technician completed (the order is then paid);
- a dispatcher sees the invoice, with the admin-only actions replaced by why.

axe-core finds nothing serious on the list or the page. With OFFICE_SCREENSHOTS=1:
docs/screenshots/office-orders.png (the list) and office-order.png (an order's page).
"""
import re
import time

import pytest

from tests.support.browser import browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.helpers import TINY_PNG
from tests.support.office import OfficeApi, axe_serious, no_sideways_scroll, office_page, office_system, shoot, sign_in

system = office_system("orders")
page = office_page()

WAITING = "Helen Carter"  # infra/demo_data.py: the request waiting since yesterday
MARGARET = "Margaret Holloway"  # today's job for tech1, and one for tech2 on the next weekday


def _poll(check, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.fixture(scope="module")
def completed(system):
    """Today's demo job, done by tech1 through the API: on the way, started, two casement windows,
    a note, the customer's signature, completed; the invoice issued (by the stream) before the tests."""
    office, tech = OfficeApi(system, "admin@example.com"), OfficeApi(system, "tech1@example.com")
    job = next(o for o in office.get("/orders", q="margaret.holloway@example.net")["orders"]
               if (o["technician"] or {}).get("id") == "tech-1")
    oid = job["order_id"]

    def move(order, to):
        return tech.post(f"/orders/{oid}/transitions", {"to": to, "expected_version": order["version"]})

    order = move(move(job, "en_route"), "in_progress")
    tech.post(f"/orders/{oid}/line-items", {"price_item_id": "window-casement", "quantity": 2}, status=201)
    tech.post(f"/orders/{oid}/notes", {"text": "Old frames rotten at the sill; replaced the sill too."}, status=201)
    order = tech.post(f"/orders/{oid}/signature", {"image_png_base64": TINY_PNG, "signed_by": MARGARET}, status=201)
    move(order, "completed")
    assert _poll(lambda: office.order(oid)["step"] == "invoiced"), office.order(oid)["step"]
    return oid


def waiting_order(system) -> str:
    office = OfficeApi(system, "admin@example.com")
    [row] = office.get("/orders", q=WAITING)["orders"]
    return row["order_id"]


def rows(page):
    return page.locator(".of-orders-table tbody tr")


def test_the_list_filters_by_step_and_text_and_pages(page, system):
    sign_in(page, system, "admin@example.com", then="orders")
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_focused()
    expect(page.get_by_role("columnheader", name="Customer")).to_be_visible()
    expect(rows(page).filter(has_text=WAITING)).to_contain_text("Overdue")  # waiting since yesterday, SLA 4 h
    shoot(page, "orders")

    page.get_by_label("Step", exact=True).select_option(label="Requested")
    page.get_by_role("button", name="Show orders").click()
    expect(page).to_have_url(re.compile(r"#/orders\?step=requested$"))
    expect(rows(page).filter(has_text=WAITING)).to_have_count(1)
    expect(rows(page).filter(has_text=MARGARET)).to_have_count(0)
    expect(rows(page).first.get_by_role("link")).to_have_attribute("href", re.compile(r"^#/orders/WO-"))

    page.get_by_role("button", name="Clear").click()
    page.get_by_label("Search", exact=True).fill("Holloway")
    page.get_by_role("button", name="Show orders").click()
    expect(page).to_have_url(re.compile(r"#/orders\?q=Holloway$"))
    expect(rows(page)).to_have_count(2)
    expect(rows(page).filter(has_text=MARGARET)).to_have_count(2)
    expect(page.get_by_label("Search", exact=True)).to_have_value("Holloway")
    assert axe_serious(page) == []
    no_sideways_scroll(page)

    office = OfficeApi(system, "dispatcher@example.com")
    for n in range(26):  # one customer with more orders than a page holds
        office.post("/orders", {"customer": {"name": "Peggy Pager", "email": "peggy@example.net", "phone": "+44 7700 900555"},
                                "address": {"street": f"{n + 1} Page Street", "city": "Bristol", "postcode": "BS2 0JA"},
                                "service_id": "glazing-repair"}, status=201)
    page.get_by_label("Search", exact=True).fill("peggy@example.net")
    page.get_by_role("button", name="Show orders").click()
    expect(rows(page)).to_have_count(25)
    expect(page.get_by_text("Page 1", exact=True)).to_be_visible()
    page.get_by_role("link", name="Next page").click()
    expect(rows(page)).to_have_count(1)
    expect(page.get_by_text("Page 2", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    page.get_by_role("link", name="Previous page").click()
    expect(rows(page)).to_have_count(25)
    assert page.errors == []


def test_an_order_page_from_an_email_link_shows_its_timeline_and_time_in_each_step(page, system, completed):
    sign_in(page, system, "admin@example.com", then=f"orders/{completed}")
    heading = page.get_by_role("heading", name=f"Order {completed}", level=1)
    expect(heading).to_be_focused()
    expect(page.get_by_role("link", name=re.compile(f"^{MARGARET}"))).to_have_attribute("href", re.compile(r"^#/customers/C-"))
    expect(page.get_by_role("link", name=re.compile("Open in Google Maps"))).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/search/\?api=1&query=7\+Orchard\+Lane"))

    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("listitem").filter(has_text="Moved from In progress to Completed")).to_contain_text("Sam Fischer")
    expect(timeline.get_by_role("listitem").filter(has_text="Old frames rotten")).to_contain_text("Sam Fischer")
    expect(timeline.get_by_role("listitem").filter(has_text=f"Signed by {MARGARET}")).to_be_visible()
    expect(timeline.get_by_role("listitem").filter(has_text="Created in")).to_contain_text("Dana Whitfield")

    times = page.get_by_role("region", name="Time in each step")
    for label in ("Scheduled", "On the way", "In progress", "Completed", "Invoiced"):
        expect(times.get_by_role("rowheader", name=re.compile(f"^{label}"))).to_have_count(1)
    expect(times.get_by_role("row").filter(has_text="Invoiced")).to_contain_text("(now)")

    invoice = page.get_by_role("region", name="Invoice")
    expect(invoice).to_contain_text("£1,008.00")
    expect(invoice.get_by_role("link", name=re.compile("^PDF"))).to_have_attribute("href", re.compile("^http"))
    shoot(page, "order", full_page=True)
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    assert page.errors == []


def test_a_line_item_is_added_from_the_price_list_and_its_quantity_changed(page, system):
    oid = waiting_order(system)
    sign_in(page, system, "admin@example.com", then=f"orders/{oid}")
    items = page.get_by_role("region", name="Line items")
    expect(items).to_contain_text("No line items yet.")
    items.get_by_label("Price list item").select_option("window-casement")
    items.get_by_label("Quantity", exact=True).fill("1")
    items.get_by_role("button", name="Add item").click()
    expect(items.get_by_role("row", name=re.compile("Casement window"))).to_contain_text("£420.00")

    items.get_by_role("button", name=re.compile("^Change Casement window")).click()
    items.get_by_label(re.compile("^Quantity of Casement window")).fill("3")
    items.get_by_role("button", name="Save").click()
    expect(items.get_by_role("status").or_(items.locator(".of-alert--success"))).to_contain_text("Changed")
    expect(items.locator(".of-items-total")).to_have_text("£1,260.00")
    assert OfficeApi(system).order(oid)["line_items"][0]["quantity"] == 3
    assert page.errors == []


def test_a_refused_move_shows_the_reasons_the_api_gave(page, system):
    oid = waiting_order(system)  # requested, with no technician and no appointment
    sign_in(page, system, "admin@example.com", then=f"orders/{oid}")
    step = page.get_by_role("region", name="Step")
    step.get_by_role("button", name="Move to Scheduled").click()
    refusal = step.get_by_role("group", name="That was refused")
    expect(refusal).to_be_focused()
    expect(refusal).to_contain_text("a technician must be assigned")
    expect(refusal).to_contain_text("an appointment")
    assert OfficeApi(system).order(oid)["step"] == "requested"
    assert axe_serious(page) == []

    # Someone else corrects the order meanwhile: the next move is a conflict, and the page reloads.
    office = OfficeApi(system, "dispatcher@example.com")
    office.patch(f"/orders/{oid}", {"expected_version": office.order(oid)["version"], "description": "Kitchen unit and the back door."})
    step.get_by_role("button", name="Move to On hold").click()
    conflict = step.get_by_role("group", name="Someone else changed this order")
    expect(conflict).to_be_focused()
    expect(page.locator(".of-order-description")).to_contain_text("Kitchen unit and the back door.")
    step.get_by_role("button", name="Move to On hold").click()
    expect(step.locator(".of-alert--success")).to_contain_text("Moved to On hold")
    expect(step.locator(".of-chip").first).to_have_text("On hold")


def test_a_payment_is_recorded_and_the_order_is_paid(page, system, completed):
    sign_in(page, system, "admin@example.com", then=f"orders/{completed}")
    invoice = page.get_by_role("region", name="Invoice")
    expect(invoice.get_by_label(re.compile("^Amount"))).to_have_value("1008.00")
    invoice.get_by_label(re.compile("^Amount")).fill("1008")
    invoice.get_by_label("Method").select_option("bank_transfer")
    invoice.get_by_label(re.compile("^Reference")).fill("HOLLOWAY")
    invoice.get_by_role("button", name="Record payment").click()
    expect(invoice.locator(".of-alert--success")).to_contain_text("Recorded a payment of £1,008.00")
    expect(invoice.get_by_role("row", name=re.compile("HOLLOWAY"))).to_contain_text("Alex Morgan")
    expect(invoice.locator(".of-invoice-balance")).to_have_text("£0.00")
    expect(page.get_by_role("region", name="Step").locator(".of-chip").first).to_have_text("Paid")
    assert _poll(lambda: OfficeApi(system).order(completed)["step"] == "paid")


def test_a_dispatcher_sees_the_invoice_but_not_the_admin_actions(page, system, completed):
    sign_in(page, system, "dispatcher@example.com", then=f"orders/{completed}")
    invoice = page.get_by_role("region", name="Invoice")
    expect(invoice).to_contain_text("is for an admin")
    expect(invoice.get_by_role("button", name="Record payment")).to_have_count(0)
    expect(invoice.get_by_role("button", name=re.compile("^Void"))).to_have_count(0)
