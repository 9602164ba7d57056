"""The technician's app (web/tech/) in a real browser: Debian's Chromium, headless, phone-sized,
driven by Playwright against the whole local system (`python -m infra.local`, as `make run`
starts it), with the helpers of tests/support/browser.py.

What is checked:
- a technician works today's demo job from start to finish (on my way, start, a note, an item,
  the customer's signature, complete) and the office sees the result through the API;
- offline: changes are kept on the phone (also across a reload, from the service worker's
  cache), shown as waiting, and sent exactly once when the phone is back online, even when the
  answer to a first attempt is lost on the way;
- a conflict: the office changes the order while the technician's move waits in the queue; the
  app shows the conflict with the order as it is now, and the move can be sent again;
- photos: a photo taken offline is kept and uploaded (presigned POST to the embedded S3);
- installability (manifest, icons, service worker) and accessibility (every control has an
  accessible name; no sideways scrolling at 360 px).

With TECH_SCREENSHOTS=1 the tests also save the main screens at 390 and 360 px wide to
docs/screenshots/tech-*.png.
"""
import base64
import math
import os
import re
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.browser import browser, expect, local_system_fixture  # noqa: F401  (browser: a fixture)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
TAKE_SHOTS = os.environ.get("TECH_SCREENSHOTS", "").lower() in ("1", "true", "yes")
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 780}
PASSWORD = "Demo-Password-1"
ZONE = ZoneInfo("Europe/London")
# A tiny valid PNG (1x1, white) for the photo upload.
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC")


# --- the local system, the browser, the API ----------------------------------------------------

system = local_system_fixture("tech")


@pytest.fixture
def context(browser, system):
    # Reduced motion: focus moves scroll instantly, so what is focused is also on screen.
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London", reduced_motion="reduce",
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


class Api:
    """The API as the office (or a technician) calls it."""

    def __init__(self, system, email: str):
        self.url = system.url
        r = requests.post(f"{self.url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
        assert r.status_code == 200, r.text
        self.headers = {"Authorization": f"Bearer {r.json()['id_token']}"}

    def get(self, path: str, **params) -> dict:
        r = requests.get(f"{self.url}{path}", headers=self.headers, params=params, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, body: dict, status: int = 200) -> dict:
        r = requests.post(f"{self.url}{path}", headers=self.headers, json=body, timeout=10)
        assert r.status_code == status, r.text
        return r.json()

    def order(self, order_id: str) -> dict:
        return self.get(f"/orders/{order_id}")

    def move(self, order_id: str, to: str, note: str | None = None) -> dict:
        version = self.order(order_id)["version"]
        return self.post(f"/orders/{order_id}/transitions", {"to": to, "note": note, "expected_version": version})


@pytest.fixture(scope="module")
def office(system):
    return Api(system, "dispatcher@example.com")


_bookings = iter(range(100))


def weekday(start: date, skip: int) -> date:
    """The first weekday on or after `start`, then `skip` weekdays further."""
    day = start
    while day.weekday() >= 5 or skip:
        if day.weekday() < 5:
            skip -= 1
        day += timedelta(days=1)
    return day


def book_for_tech1(office: Api, name: str) -> dict:
    """A new order on tech1's calendar: a 90-minute glazing repair (a repair follows the
    installation's steps; a survey is an estimate, which has no "in progress") on a weekday ahead,
    each at its own time (three a day, three hours apart, so the buffers never touch)."""
    n = next(_bookings)
    day = weekday(date.today() + timedelta(days=3), n // 3)
    start = datetime.combine(day, time(8 + 3 * (n % 3)), ZONE)
    return office.post("/orders", {
        "service_id": "glazing-repair", "start": start.isoformat(), "technician_id": "tech-1",
        "customer": {"name": name, "email": f"{uuid.uuid4().hex[:8]}@example.net", "phone": "+44 7700 900222"},
        "address": {"street": "2 Elm Road", "city": "Bristol", "postcode": "BS7 8AA"},
        "description": "Draughty sash window in the front room.",
    }, status=201)


# --- helpers on the page ---------------------------------------------------------------------------

def sign_in(page, system, email: str = "tech1@example.com"):
    page.goto(f"{system.url}/tech/")
    heading = page.get_by_role("heading", name="Sign in", level=1)
    expect(heading).to_be_visible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    my_day = page.get_by_role("heading", name="My day", level=1)
    expect(my_day).to_be_visible()
    expect(my_day).to_be_focused()


def sync_status(page):
    """The link in the bar that says what is still waiting ("All sent", "2 to send", "1 problem")."""
    return page.locator("a[data-sync]")


def wait_until_sent(page, timeout: float = 20_000):
    expect(sync_status(page)).to_have_text("All sent", timeout=timeout)


def wait_for_service_worker(page):
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000)


def open_job(page, system, order_id: str, customer: str):
    page.goto(f"{system.url}/tech/#/job/{order_id}")
    expect(page.get_by_role("heading", name=customer, level=1)).to_be_visible()
    # the price list has loaded
    expect(page.get_by_label("Item from the price list").locator("option")).not_to_have_count(1)


def sign(page):
    """Sign on the pad with the mouse (pointer events): a looped, handwriting-like stroke and a
    flourish under it."""
    pad = page.get_by_role("img", name="Signature box")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]

    def at(u, v):  # u, v in 0..1 of the box
        return x + w * u, y + h * v

    page.mouse.move(*at(0.12, 0.68))
    page.mouse.down()
    steps = 90
    for i in range(1, steps + 1):
        t = i / steps * 7 * math.pi  # a prolate cycloid: loops like joined-up writing
        u = 0.12 + 0.70 * (t - 1.5 * math.sin(t)) / (7 * math.pi)
        v = 0.68 - 0.20 * (1 - math.cos(t)) * (0.6 + 0.4 * math.sin(i / steps * math.pi))
        page.mouse.move(*at(u, v))
    page.mouse.up()
    page.mouse.move(*at(0.16, 0.82))
    page.mouse.down()
    for i in range(1, 31):
        u = 0.16 + 0.68 * i / 30
        page.mouse.move(*at(u, 0.82 - 0.06 * math.sin(i / 30 * math.pi)))
    page.mouse.up()


def check_every_control_is_named(page):
    controls = page.locator("button:visible, a[href]:visible, input:not([type=hidden]), select:visible, "
                            "textarea:visible, canvas:visible, [tabindex]:not([tabindex='-1']):visible")
    count = controls.count()
    assert count > 0
    for i in range(count):
        expect(controls.nth(i)).to_have_accessible_name(re.compile(r"\w"))


def check_fits(page, what: str):
    """No sideways scrolling at 360 px (and at 390 px), and every control named."""
    for size in (NARROW, PHONE):
        page.set_viewport_size(size)
        page.wait_for_timeout(50)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{what}: {overflow}px of horizontal scroll at {size['width']}px"
    check_every_control_is_named(page)


def shoot(page, name: str, scroll_to=None, full_page: bool = False):
    """docs/screenshots/tech-<width>-<name>.png at 390 and 360 px wide (TECH_SCREENSHOTS=1)."""
    if not TAKE_SHOTS:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, page.viewport_size["height"] - 1)  # no hover effects in the pictures
    for size in (PHONE, NARROW):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        if scroll_to is not None:
            scroll_to.evaluate("e => { const bar = document.querySelector('.tc-bar').offsetHeight + "
                               "(document.querySelector('[data-connection]').offsetHeight || 0); "
                               "window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - bar - 12); }")
        else:
            page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"tech-{size['width']}-{name}.png"), full_page=full_page, animations="disabled",
                        caret="hide")
    page.set_viewport_size(PHONE)


# --- (a) a whole job ---------------------------------------------------------------------------

def test_a_technician_works_todays_job_from_start_to_finish(page, system, office):
    page.goto(f"{system.url}/tech/")
    shoot(page, "1-sign-in")
    check_fits(page, "sign-in")
    sign_in(page, system)

    # today's demo job, at 10:00 local time, with directions and a phone link
    job = page.locator(".tc-job", has_text="Margaret Holloway")
    expect(job).to_have_count(1)
    expect(job.locator(".tc-job-start")).to_have_text("10:00")
    expect(job).to_contain_text("Window installation")
    expect(job).to_contain_text("7 Orchard Lane")
    expect(job.get_by_role("link", name=re.compile(r"^Directions"))).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/search/\?api=1&query="))
    expect(job.get_by_role("link", name=re.compile(r"^Call"))).to_have_attribute("href", "tel:+447700900123")
    expect(page.get_by_text("Today", exact=True)).to_be_visible()
    wait_for_service_worker(page)
    shoot(page, "2-my-day")
    check_fits(page, "my day")
    link = job.get_by_role("link", name=re.compile(r"^Margaret Holloway, 10:00 to 13:00"))
    order_id = link.get_attribute("href").rsplit("/", 1)[1]
    assert re.fullmatch(r"WO-[A-Z0-9]+", order_id), order_id

    # the job
    link.click()
    heading = page.get_by_role("heading", name="Margaret Holloway", level=1)
    expect(heading).to_be_focused()
    expect(page.locator(".tc-jobhead")).to_contain_text("Today, 10:00 to 13:00")
    expect(page.locator(".tc-jobhead .tc-chip")).to_have_text("Step: Scheduled")
    expect(page.get_by_label("Item from the price list").locator("option")).not_to_have_count(1)
    shoot(page, "3-job", full_page=True)
    check_fits(page, "job")

    page.get_by_role("button", name="On my way").click()
    expect(page.locator(".tc-jobhead .tc-chip")).to_have_text("Step: On the way")
    wait_until_sent(page)
    page.get_by_role("button", name="Start job").click()
    expect(page.locator(".tc-jobhead .tc-chip")).to_have_text("Step: In progress")
    # what the job needs before it can be completed
    checklist = page.locator(".tc-checklist")
    expect(checklist).to_contain_text("Add at least one item")
    expect(checklist).to_contain_text("Get the customer's signature")

    # completing too early: the phone says what is missing, and nothing is sent
    page.get_by_role("button", name="Complete job").click()
    blocked = page.get_by_role("group", name="Before you complete the job")
    expect(blocked).to_be_focused()
    expect(blocked.get_by_role("listitem")).to_have_text(["Add at least one item", "Get the customer's signature"])
    wait_until_sent(page)
    assert office.order(order_id)["step"] == "in_progress"

    # a note
    note = f"Fitted both casements; old frames taken away. {uuid.uuid4().hex[:6]}"
    page.get_by_label("Add a note").fill(note)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".tc-note", has_text=note)).to_be_visible()
    expect(page.get_by_label("Add a note")).to_have_value("")

    # an item from the price list, two of them: the phone shows the estimate, never sends a price
    page.get_by_label("Item from the price list").select_option("window-casement")
    page.get_by_role("button", name="One more").click()
    expect(page.get_by_label("Quantity", exact=True)).to_have_value("2")
    expect(page.locator(".tc-estimate")).to_have_text("Adds £840.00")
    page.get_by_role("button", name="Add item").click()
    expect(page.locator(".tc-item", has_text="Casement window, supply and fit")).to_contain_text("£840.00")
    wait_until_sent(page)

    # the signature: the empty pad is refused, then the customer signs
    page.get_by_role("button", name="Save signature").click()
    expect(page.get_by_role("img", name="Signature box")).to_have_accessible_description(
        re.compile("Ask the customer to sign in the box first"))
    sign(page)
    expect(page.get_by_label("Name of the person signing")).to_have_value("Margaret Holloway")
    shoot(page, "4-signature", scroll_to=page.locator("#tc-signature"))
    check_fits(page, "signature")
    page.get_by_role("button", name="Save signature").click()
    expect(page.get_by_role("img", name="Signature of Margaret Holloway")).to_be_visible()
    wait_until_sent(page)
    expect(page.locator(".tc-checklist .tc-check--done")).to_have_count(2)

    page.get_by_role("button", name="Complete job").click()
    expect(page.locator(".tc-jobhead .tc-chip")).to_have_text(re.compile(r"Step: (Completed|Invoiced)"))
    wait_until_sent(page)
    expect(page.get_by_text("Nothing more to do on this job.")).to_be_visible()
    shoot(page, "5-completed")

    # the office sees it all, once
    order = office.order(order_id)
    assert order["step"] in ("completed", "invoiced"), order["step"]
    assert [n["text"] for n in order["notes"]] == [note]
    assert [(li["price_item_id"], li["quantity"], li["unit_price_cents"]) for li in order["line_items"]] == [
        ("window-casement", 2, 42000)]
    assert order["signature"] and order["signature"]["signed_by"] == "Margaret Holloway"
    moves = [(m["from"], m["to"], m["by"]) for m in order["history"] if m["by"] == "tech-1"]
    assert moves == [("scheduled", "en_route", "tech-1"), ("en_route", "in_progress", "tech-1"),
                     ("in_progress", "completed", "tech-1")]
    signature = requests.get(order["signature"]["url"], timeout=10)
    assert signature.status_code == 200 and signature.content.startswith(b"\x89PNG")
    assert len(signature.content) < 200 * 1024

    # back on the day: the job shows its new step
    page.get_by_role("link", name="My day").first.click()
    expect(page.locator(".tc-job", has_text="Margaret Holloway").locator(".tc-chip")).to_have_text(
        re.compile(r"Completed|Invoiced"))
    assert page.errors == []


# --- (b) offline ---------------------------------------------------------------------------------

def test_changes_made_offline_are_kept_and_sent_exactly_once(page, context, system, office):
    booked = book_for_tech1(office, "Ruth Baker")
    order_id = booked["order_id"]
    sign_in(page, system)
    wait_for_service_worker(page)
    open_job(page, system, order_id, "Ruth Baker")

    context.set_offline(True)
    expect(page.get_by_text("You are offline.")).to_be_visible()
    note = f"Customer out; left a card. {uuid.uuid4().hex[:6]}"
    page.get_by_label("Add a note").fill(note)
    page.get_by_role("button", name="Add note").click()
    page.get_by_label("Item from the price list").select_option("labour-hour")
    page.get_by_role("button", name="Add item").click()

    # both are shown on the job, marked, and counted in the bar
    expect(sync_status(page)).to_have_text("2 to send")
    expect(page.locator(".tc-note", has_text=note).locator(".tc-pending")).to_have_text("Waiting to send")
    expect(page.locator(".tc-item", has_text="Labour, per hour").locator(".tc-pending")).to_have_text("Waiting to send")
    shoot(page, "6-offline", scroll_to=page.locator("#tc-items"))
    check_fits(page, "offline")
    order = office.order(order_id)
    assert order["notes"] == [] and order["line_items"] == []

    # the app opens again without a signal (service worker), and the queue is still there
    page.reload()
    expect(page.get_by_role("heading", name="Ruth Baker", level=1)).to_be_visible()
    expect(sync_status(page)).to_have_text("2 to send")
    expect(page.locator(".tc-note", has_text=note)).to_be_visible()
    page.get_by_role("link", name="2 to send").click()
    expect(page.get_by_role("heading", name="Changes on this phone", level=1)).to_be_focused()
    expect(page.locator(".tc-queue-item")).to_have_count(2)
    expect(page.locator(".tc-queue-item").first).to_contain_text(note[:20])
    shoot(page, "7-changes-waiting")
    check_fits(page, "changes")

    # back online, the answer to the first attempt at the note is lost on the way: the app
    # sends it again with the same Idempotency-Key, and the server keeps it once
    lost = []
    keys = []

    def lose_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if not lost:
            route.fetch()  # the server gets and applies it...
            lost.append(True)
            route.abort("connectionreset")  # ...but the phone never hears back
        else:
            route.continue_()

    page.route(re.compile(r"/orders/[^/]+/notes$"), lose_first_answer)
    context.set_offline(False)
    wait_until_sent(page, timeout=30_000)
    assert len(keys) >= 2 and len(set(keys)) == 1, keys

    order = office.order(order_id)
    assert [n["text"] for n in order["notes"]] == [note]
    assert [(li["price_item_id"], li["quantity"]) for li in order["line_items"]] == [("labour-hour", 1)]
    expect(page.get_by_text("Everything you recorded has reached the office.")).to_be_visible()
    assert page.errors == []


# --- (c) a conflict --------------------------------------------------------------------------

def test_a_move_the_office_overtook_is_shown_as_a_conflict(page, context, system, office):
    booked = book_for_tech1(office, "Tom Ashby")
    order_id = booked["order_id"]
    sign_in(page, system)
    open_job(page, system, order_id, "Tom Ashby")

    # offline, the technician sets off: the move waits with the version they saw
    context.set_offline(True)
    page.get_by_role("button", name="On my way").click()
    expect(sync_status(page)).to_have_text("1 to send")
    expect(page.locator(".tc-jobhead")).to_contain_text("Waiting to send")

    # meanwhile the office puts the order on hold and back
    office.move(order_id, "on_hold", "Customer called to check the time")
    office.move(order_id, "scheduled", "Confirmed again")

    context.set_offline(False)
    problem = page.get_by_role("group", name="The office changed this job")
    expect(problem).to_be_visible(timeout=20_000)
    expect(problem).to_contain_text("On my way was not accepted: the office changed the job after you opened it.")
    expect(problem).to_contain_text("The order changed since you read it")
    expect(problem).to_contain_text("The job now: Scheduled")
    expect(problem).to_contain_text("moved by the office (dispatcher-1)")
    expect(sync_status(page)).to_have_text("1 problem")
    expect(page.locator(".tc-jobhead .tc-chip")).to_have_text("Step: Scheduled")
    expect(page.get_by_role("button", name="On my way", exact=True)).to_have_count(0)  # resolve first
    shoot(page, "8-conflict")
    check_fits(page, "conflict")
    assert office.order(order_id)["step"] == "scheduled"

    # the technician sends it again, now with the current version
    problem.get_by_role("button", name=re.compile(r"^Send again")).click()
    wait_until_sent(page)
    expect(problem).to_have_count(0)
    expect(page.locator(".tc-jobhead .tc-chip")).to_have_text("Step: On the way")
    order = office.order(order_id)
    assert order["step"] == "en_route"
    assert [m["to"] for m in order["history"] if m["by"] == "tech-1"] == ["en_route"]

    # a second overtaken move, discarded this time: nothing is sent
    context.set_offline(True)
    page.get_by_role("button", name="Start job").click()
    office.move(order_id, "on_hold", "Waiting for parts")
    context.set_offline(False)
    problem = page.get_by_role("group", name="The office changed this job")
    expect(problem).to_contain_text("The job now: On hold")
    problem.get_by_role("button", name=re.compile(r"^Discard")).click()
    wait_until_sent(page)
    expect(page.locator(".tc-jobhead .tc-chip")).to_have_text("Step: On hold")
    assert office.order(order_id)["step"] == "on_hold"
    assert page.errors == []


# --- (c') a refusal: exit conditions the phone did not check ---------------------------------------

def test_a_refused_completion_lists_what_is_missing(browser, system, office):
    booked = book_for_tech1(office, "Alice Gray")
    order_id = booked["order_id"]
    office.move(order_id, "en_route")
    office.move(order_id, "in_progress")
    # Without the process map (never loaded on this phone), the phone cannot check the exit
    # conditions itself: the server refuses the move and says why.
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London", reduced_motion="reduce",
                                  is_mobile=True, has_touch=True, service_workers="block")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        context.route(re.compile(r"/workflow(\?kind=[a-z0-9_]+)?$"), lambda route: route.abort())  # every kind's map
        sign_in(page, system)
        open_job(page, system, order_id, "Alice Gray")
        page.get_by_role("button", name="Complete job").click()
        problem = page.get_by_role("group", name="The job cannot be completed yet")
        expect(problem).to_be_visible()
        expect(problem).to_contain_text("Complete job was not accepted. Still needed:")
        expect(problem.get_by_role("listitem")).to_have_text([
            re.compile(r"line item", re.I), re.compile(r"signature", re.I)])
        expect(sync_status(page)).to_have_text("1 problem")
        expect(page.locator(".tc-jobhead .tc-chip")).to_have_text("Step: In progress")
        check_fits(page, "refusal")

        # the technician does what is missing, then sends the move again
        page.get_by_label("Item from the price list").select_option("sealant")
        page.get_by_role("button", name="Add item").click()
        sign(page)
        page.get_by_role("button", name="Save signature").click()
        expect(page.get_by_role("img", name="Signature of Alice Gray")).to_be_visible()
        expect(sync_status(page)).to_have_text("1 problem")  # the item and the signature went out
        problem.get_by_role("button", name=re.compile(r"^Try again")).click()
        wait_until_sent(page)
        assert office.order(order_id)["step"] in ("completed", "invoiced")
        assert errors == []
    finally:
        context.close()


# --- photos ----------------------------------------------------------------------------------

def test_a_photo_taken_offline_is_uploaded_when_back_online(page, context, system, office, tmp_path):
    booked = book_for_tech1(office, "Nina Shah")
    order_id = booked["order_id"]
    sign_in(page, system)
    open_job(page, system, order_id, "Nina Shah")

    # not a photo: refused on the phone
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a photo")
    page.get_by_label("Take or add a photo").set_input_files(str(text_file))
    expect(page.get_by_label("Take or add a photo")).to_have_accessible_description(re.compile("is not a photo"))

    photo = tmp_path / "window.png"
    photo.write_bytes(PNG_1PX)
    context.set_offline(True)
    page.get_by_label("Take or add a photo").set_input_files(str(photo))
    expect(sync_status(page)).to_have_text("1 to send")
    expect(page.locator(".tc-photo .tc-pending")).to_have_text("Waiting to send")
    context.set_offline(False)
    wait_until_sent(page, timeout=30_000)

    order = office.order(order_id)
    assert len(order["photos"]) == 1 and order["photos"][0]["content_type"] == "image/png"
    stored = requests.get(order["photos"][0]["url"], timeout=10)
    assert stored.status_code == 200 and stored.content == PNG_1PX
    expect(page.locator(".tc-photo img")).to_have_count(1)
    expect(page.locator(".tc-photo .tc-pending")).to_have_count(0)
    assert page.errors == []


# --- an expired sign-in -------------------------------------------------------------------------

def test_an_expired_id_token_is_renewed_without_asking_for_the_password(page, context, system, office):
    booked = book_for_tech1(office, "Ruth Okafor")
    order_id = booked["order_id"]
    sign_in(page, system)
    open_job(page, system, order_id, "Ruth Okafor")
    wait_for_service_worker(page)
    context.set_offline(True)
    note = f"Two sills need filler. {uuid.uuid4().hex[:6]}"
    page.get_by_label("Add a note").fill(note)
    page.get_by_role("button", name="Add note").click()
    expect(sync_status(page)).to_have_text("1 to send")

    # an hour later: the ID token has run out (the server refuses it); the refresh token is good
    page.evaluate("""() => {
        const s = JSON.parse(localStorage.getItem('tech.session'));
        s.token = 'an-expired-token'; s.expires_at = Date.now() - 1000;
        localStorage.setItem('tech.session', JSON.stringify(s));
    }""")
    page.reload()
    expect(page.get_by_role("heading", name="Ruth Okafor", level=1)).to_be_visible()
    context.set_offline(False)
    wait_until_sent(page)
    assert [n["text"] for n in office.order(order_id)["notes"]] == [note]
    expect(page.get_by_role("heading", name="Please sign in again")).to_have_count(0)
    renewed = page.evaluate("() => JSON.parse(localStorage.getItem('tech.session'))")
    assert renewed["token"].count(".") == 2 and renewed["expires_at"] > page.evaluate("Date.now()") + 50 * 60_000
    assert renewed["refresh_token"] and renewed["user"]["id"] == "tech-1"
    assert page.errors == []


def test_changes_wait_through_a_sign_in_that_has_ended(page, context, system, office):
    booked = book_for_tech1(office, "Owen Price")
    order_id = booked["order_id"]
    sign_in(page, system)
    open_job(page, system, order_id, "Owen Price")
    context.set_offline(True)
    note = f"Measured four windows. {uuid.uuid4().hex[:6]}"
    page.get_by_label("Add a note").fill(note)
    page.get_by_role("button", name="Add note").click()
    expect(sync_status(page)).to_have_text("1 to send")

    # the sign-in ends (the token and the refresh token no longer work: revoked, or a month
    # old); the app opens again offline, and back online the API answers 401
    wait_for_service_worker(page)
    page.evaluate("""() => {
        const s = JSON.parse(localStorage.getItem('tech.session'));
        s.token = 'not-a-valid-token'; s.refresh_token = 'not-a-valid-refresh-token';
        localStorage.setItem('tech.session', JSON.stringify(s));
    }""")
    page.reload()
    expect(page.get_by_role("heading", name="Owen Price", level=1)).to_be_visible()
    context.set_offline(False)
    expect(page.get_by_role("heading", name="Please sign in again")).to_be_visible()
    expect(page.get_by_text("Your 1 change is kept on this phone")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("tech1@example.com")
    assert office.order(order_id)["notes"] == []

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Owen Price", level=1)).to_be_visible()
    wait_until_sent(page)
    assert [n["text"] for n in office.order(order_id)["notes"]] == [note]
    assert page.errors == []


# --- installable, and the day's navigation ------------------------------------------------------

def test_the_app_is_installable_and_moves_between_days(page, system):
    manifest = requests.get(f"{system.url}/tech/manifest.webmanifest", timeout=10)
    assert manifest.status_code == 200
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["start_url"] == "/tech/" and data["display"] == "standalone" and data["theme_color"]
    sizes = {icon["sizes"] for icon in data["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])
    for icon in data["icons"]:
        r = requests.get(f"{system.url}/tech/{icon['src']}", timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"] == icon["type"], icon

    sign_in(page, system)
    wait_for_service_worker(page)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/tech/sw.js")
    cached = page.evaluate("caches.open('tech-shell-v2').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))")
    assert {"/tech/", "/tech/app.js", "/tech/tech.css", "/tech/manifest.webmanifest"} <= set(cached), cached

    # the next day, then back to today
    expect(page.get_by_text("Today", exact=True)).to_be_visible()
    today_name = page.locator(".tc-daynav-day").inner_text()
    assert re.fullmatch(r"\w+day \d{1,2} \w+", today_name), today_name
    next_day = page.get_by_role("button", name=re.compile(r"^Next day"))
    next_day.click()
    expect(page.locator(".tc-daynav-day")).not_to_have_text(today_name)
    expect(page.get_by_text("Tomorrow", exact=True)).to_be_visible()
    expect(next_day).to_be_focused()  # the same screen: the focus stays where the technician is
    expect(page.get_by_role("status")).to_contain_text("tomorrow")
    page.get_by_role("button", name=re.compile(r"^Previous day")).click()
    expect(page.locator(".tc-daynav-day")).to_have_text(today_name)

    # signing out forgets the session and the kept copies
    page.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("dialog", name="Sign out?")
    dialog.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    assert page.evaluate("localStorage.getItem('tech.session')") is None
    page.wait_for_timeout(500)  # reads still in flight are not kept either
    assert page.evaluate("caches.has('tech-api-v1')") is False
    assert page.errors == []
