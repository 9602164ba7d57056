"""A quote built and sent on site from the technician app (web/tech/, views/quote.js), offline too,
in a real browser at 390 x 844 against the whole local system with the demo data. Same setup as
tests/system/test_tech_browser.py (its fixtures and helpers).

tech1 visits an estimate (an order of the estimate kind booked onto their calendar through the
API): starts the visit (`on_site`, no signature or item needed), opens the quote builder, adds two
price-list lines (one an optional extra), sees the totals as the server counts them (tax half up
once on the total; the extra shown apart), goes offline, sends: the quote waits on the phone
("Will send when online"); back online it is sent exactly once (one email to the customer with
the link to the quote page), the job shows the quote (reference, total, "Sent") and the estimate
is `quoted`.

Screenshots (always written; the two named ones to docs/screenshots/ with TECH_SCREENSHOTS=1):
tech-quote-builder.png, tech-quote-sent.png.
"""
import json
import os
import re
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic, sleep
from urllib.parse import parse_qs, urlparse

import requests

from tests.support.browser import browser, expect, local_system_fixture  # noqa: F401  (fixtures)
from tests.support.office import axe_serious
from tests.system.test_tech_browser import (  # noqa: F401  (context, page: fixtures)
    PHONE, ZONE, Api, check_every_control_is_named, context, page, sign_in, sync_status, wait_for_service_worker,
    wait_until_sent, weekday)

ROOT = Path(__file__).resolve().parents[2]
TAKE_SHOTS = os.environ.get("TECH_SCREENSHOTS", "").lower() in ("1", "true", "yes")

system = local_system_fixture("tech-quote")


def axe_problems(page) -> list:
    """axe-core's serious and critical violations of the app's content (the bar is the shell's,
    checked by tests/system/test_tech_browser.py)."""
    return axe_serious(page, "#tc-main")


def estimate_service(admin: Api) -> dict:
    """A bookable service of the estimate kind (the demo's measure-and-quote visit)."""
    kinds = admin.get("/workflow/kinds")["kinds"]
    estimate, = [k for k in kinds if k["key"] == "estimate"]
    return next(s for s in estimate["services"] if s.get("active", True))


def book_estimate_for_tech1(office: Api, service_id: str, name: str, email: str, hour: int = 15) -> dict:
    day = weekday(date.today() + timedelta(days=2), 0)
    start = datetime.combine(day, time(hour), ZONE)
    return office.post("/orders", {
        "service_id": service_id, "start": start.isoformat(), "technician_id": "tech-1",
        "customer": {"name": name, "email": email, "phone": "+44 7700 900333"},
        "address": {"street": "9 Cotham Vale", "city": "Bristol", "postcode": "BS6 6HR"},
        "description": "Two draughty casements at the front; wants a price for a new patio door too.",
    }, status=201)


def reaches(office: Api, order_id: str, step: str, seconds: float = 15) -> None:
    """The app's queued move arrives at the server."""
    deadline = monotonic() + seconds
    while office.order(order_id)["step"] != step:
        assert monotonic() < deadline, f"{order_id} did not reach {step}"
        sleep(0.2)


def vat_half_up(net_cents: int, rate_bp: int) -> int:
    return (net_cents * rate_bp + 5000) // 10000


def test_a_quote_built_on_site_and_sent_offline_goes_once_when_back_online(page, context, system, tmp_path):
    office = Api(system, "dispatcher@example.com")
    admin = Api(system, "admin@example.com")
    service = estimate_service(admin)
    email = f"quote-{uuid.uuid4().hex[:8]}@example.net"
    order = book_estimate_for_tech1(office, service["id"], "Ruth Ashdown", email)
    order_id = order["order_id"]
    assert order["kind"] == "estimate"
    business = admin.get("/business")
    rate = int(business["tax_rate_basis_points"])
    prices = {p["id"]: p for p in office.get("/price-list")["items"]}
    casement, patio = prices["window-casement"], prices["door-patio"]

    # the office has done its part: scheduled; tech1 is on the way
    sign_in(page, system)
    wait_for_service_worker(page)
    page.goto(f"{system.url}/tech/#/job/{order_id}")
    expect(page.get_by_role("heading", name="Ruth Ashdown", level=1)).to_be_visible()
    if office.order(order_id)["step"] == "scheduled":
        page.get_by_role("button", name="On my way").click()
        reaches(office, order_id, "en_route")
    # the estimate's "Start": on site, with no signature or item asked for
    start_visit = page.get_by_role("button", name="Start visit")
    expect(start_visit).to_be_visible()
    expect(page.get_by_text("Before you start the visit")).to_have_count(0)
    start_visit.click()
    reaches(office, order_id, "on_site")
    wait_until_sent(page)
    # no "Move to Quote sent" button: sending the quote moves the estimate on
    expect(page.locator("[data-step=quoted]")).to_have_count(0)
    expect(page.locator(".tc-actions-quote")).to_contain_text("Sending it moves the job on")
    shot(page, "tech-quote-on-site", tmp_path, keep=False)

    # the builder
    page.get_by_role("button", name="Quote", exact=True).click()
    heading = page.get_by_role("heading", name="Quote for Ruth Ashdown", level=1)
    expect(heading).to_be_focused()
    expect(page.get_by_role("radio", name="Installation")).to_be_checked()
    valid = date.fromisoformat(page.get_by_label("Valid until").input_value())
    days = int((business.get("quotes") or {}).get("validity_days") or 30)
    assert valid == datetime.now(ZONE).date() + timedelta(days=days)
    page.get_by_label("Title").fill("New casements and a patio door")
    add = page.get_by_label("Add from the price list")
    add.select_option(casement["id"])
    page.get_by_role("button", name="Add line").click()
    expect(add).to_be_focused()
    add.select_option(patio["id"])
    page.get_by_role("button", name="Add line").click()
    page.get_by_role("button", name=f"One more {casement['name']}").click()  # 2 casements
    page.get_by_role("switch", name=re.compile(f"Optional extra\\W+{re.escape(patio['name'])}")).check()
    page.get_by_label("Notes for the customer").fill("Price includes removal of the old frames.")

    net = 2 * casement["unit_price_cents"]
    tax = vat_half_up(net, rate)
    expected_total = f"£{(net + tax) / 100:,.2f}"
    expect(page.locator("[data-quote-total]")).to_have_text(expected_total)
    extras = page.locator(".tc-quote-extras")
    expect(extras).to_contain_text(patio["name"])
    expect(extras).to_contain_text(f"+ £{patio['unit_price_cents'] / 100:,.2f}")
    assert axe_problems(page) == []
    check_every_control_is_named(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # the lines and the totals under them, as the technician scrolls down to them
    page.evaluate("window.scrollBy(0, document.querySelector('#tc-quote-totals').getBoundingClientRect().bottom"
                  " + 24 - window.innerHeight)")
    shot(page, "tech-quote-builder", tmp_path)

    # offline: the quote waits on the phone
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith(f"/orders/{order_id}/quotes") else None)
    context.set_offline(True)
    expect(page.get_by_text("You are offline.")).to_be_visible()
    page.get_by_role("button", name=f"Send quote to {email}").click()
    expect(page.get_by_role("heading", name="Ruth Ashdown", level=1)).to_be_visible()
    waiting = page.locator("[data-quote-waiting]")
    expect(waiting).to_contain_text("Will send when online")
    expect(sync_status(page)).to_have_text("1 to send")
    assert posts == []

    # back online: sent once, the job shows it, the estimate is quoted
    context.set_offline(False)
    wait_until_sent(page, timeout=30_000)
    sent = page.locator("[data-quote]")
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("Sent")
    expect(sent).to_contain_text(expected_total)
    expect(sent).to_contain_text(re.compile(r"Q-\d{4}-\d{6}"))
    expect(page.locator(".tc-actions .tc-done")).to_contain_text("The customer answers online")
    assert len(posts) == 1, [p.url for p in posts]
    assert json.loads(posts[0].post_data)["send"] is True

    quotes = office.get(f"/orders/{order_id}/quotes")["quotes"]
    assert len(quotes) == 1 and quotes[0]["status"] == "sent"
    assert quotes[0]["total_cents"] == net + tax and quotes[0]["optional_cents"] == patio["unit_price_cents"]
    assert office.order(order_id)["step"] == "quoted"
    mails = [m for m in system.emails() if email in str(m["To"]) and "quote" in str(m["Subject"]).lower()]
    assert len(mails) == 1, [m["Subject"] for m in mails]  # sent once (the booking's own emails aside)
    assert quotes[0]["reference"] in str(mails[0]["Subject"])
    text = mails[0].get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/book/quote\.html\?\S+", text).group(0)
    query = parse_qs(urlparse(link).query)
    assert query["quote"] == [quotes[0]["quote_id"]] and query["token"][0]

    page.locator("#tc-quote").scroll_into_view_if_needed()
    assert axe_problems(page) == []
    shot(page, "tech-quote-sent", tmp_path)
    assert page.errors == []


def test_a_line_the_office_took_off_the_price_list_is_shown_at_the_line_and_the_quote_goes_once_fixed(page, system, tmp_path):
    office = Api(system, "dispatcher@example.com")
    admin = Api(system, "admin@example.com")
    item_id = f"bay-{uuid.uuid4().hex[:6]}"
    item = {"name": "Bay window, supply and fit", "unit_price_cents": 185000, "unit": "each"}
    r = requests.put(f"{system.url}/price-list/{item_id}", headers=admin.headers, json=item, timeout=10)
    assert r.status_code == 200, r.text
    email = f"bay-{uuid.uuid4().hex[:8]}@example.net"
    order_id = book_estimate_for_tech1(office, estimate_service(admin)["id"], "Owen Pryce", email, hour=11)["order_id"]
    tech1 = Api(system, "tech1@example.com")
    for step in ("en_route", "on_site"):  # on site (the app's own moves are the other test's)
        tech1.move(order_id, step)

    sign_in(page, system)
    page.goto(f"{system.url}/tech/#/job/{order_id}/quote")
    expect(page.get_by_role("heading", name="Quote for Owen Pryce", level=1)).to_be_visible()
    add = page.get_by_label("Add from the price list")
    expect(add.locator(f"option[value='{item_id}']")).to_have_count(1)
    add.select_option(item_id)
    page.get_by_role("button", name="Add line").click()
    # nothing to send yet without a line that is not an extra: said on the phone, at the lines
    page.get_by_role("switch", name=re.compile("Optional extra")).check()
    page.get_by_role("button", name=f"Send quote to {email}").click()
    problems = page.get_by_role("group", name="Check the quote")
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("At least one line must not be an optional extra")
    page.get_by_role("switch", name=re.compile("Optional extra")).uncheck()

    # meanwhile the office takes the item off the price list: the server refuses it, at the line
    r = requests.put(f"{system.url}/price-list/{item_id}", headers=admin.headers, json={**item, "active": False}, timeout=10)
    assert r.status_code == 200, r.text
    page.get_by_role("button", name=f"Send quote to {email}").click()
    refused = page.get_by_role("group", name="The quote was not sent")
    expect(refused).to_be_focused()
    expect(refused).to_contain_text(f"no price list item '{item_id}' is offered")
    line = page.locator(".tc-quote-line", has_text=item["name"])
    expect(line.locator(".tc-error-message")).to_contain_text("no price list item")
    expect(line.get_by_label(re.compile("Quantity"))).to_have_attribute("aria-invalid", "true")
    assert office.get(f"/orders/{order_id}/quotes")["quotes"] == []
    assert axe_problems(page) == []

    # fixed: the line goes, another comes from the price list; sent again, once
    page.get_by_role("button", name=f"Remove {item['name']}").click()
    add.select_option("glazing-unit")
    page.get_by_role("button", name="Add line").click()
    page.get_by_role("button", name=f"Send quote again to {email}").click()
    expect(page.get_by_role("heading", name="Owen Pryce", level=1)).to_be_visible()
    expect(page.locator("[data-quote]")).to_contain_text("Sent")
    wait_until_sent(page)
    quotes = office.get(f"/orders/{order_id}/quotes")["quotes"]
    assert [q["status"] for q in quotes] == ["sent"]
    assert office.order(order_id)["step"] == "quoted"
    assert page.errors == []


def shot(page, name: str, tmp_path, full_page: bool = False, keep: bool = True):
    path = (ROOT / "docs" / "screenshots" / f"{name}.png") if TAKE_SHOTS and keep else tmp_path / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), animations="disabled", caret="hide", full_page=full_page)
    print(f"screenshot: {path}")
