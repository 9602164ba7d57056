"""The customer's quote page (web/booking/quote.html, quote.js) in real Chromium at 390x844, against
the whole local system, the quote set up through the staff API and opened through the link in
the email it was sent with:

- the customer ticks one optional extra (the total and the deposit follow, to the cent, as
  chalicelib/quotes/totals.py counts them), picks a time for the work from the free times
  (radio buttons grouped by day, keyboard included), types their name and accepts (a double
  click sends one request); the confirmation (in a live region, its heading focused) says what
  was accepted, the total, the deposit invoice to come and the time; the job order exists with
  the required lines and that extra, booked at that time, with the deposit;
- a lost connection and a time taken by someone else meanwhile keep the name and the ticks; the
  time picker reloads;
- the customer declines with a reason (required), recorded as typed;
- an expired and a superseded quote show their state, not the buttons;
- a line description with markup is shown as text;
- the whole window-company path: the customer books the estimate on the booking form, tech1
  works the visit through `on_site` in the technician app and sends the quote from its quote
  screen, the customer accepts on this page (an extra and an installation time), and the office
  app shows the job; the estimate is won.

axe-core finds nothing serious or critical on any of these; the page fits 390 and 1280 pixels
without sideways scrolling. With QUOTE_SCREENSHOTS=1 it saves docs/screenshots/quote-open.png,
quote-accepted.png and quote-declined.png (390x844).
"""
import json
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import requests

from chalicelib.quotes import totals
from infra.local.environment import local_environment
from tests.support.browser import PHONE, browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.local_system import child_env
from tests.support.office import DESKTOP, OfficeApi, axe_serious, links_in, office_system, wait_for_email
from tests.support.office import sign_in as office_sign_in
from tests.system.test_tech_browser import sign_in as tech_sign_in, wait_for_service_worker, wait_until_sent

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
TAKE_SHOTS = os.environ.get("QUOTE_SCREENSHOTS", "").lower() in ("1", "true", "yes")
ZONE = ZoneInfo("Europe/London")
HOSTILE = 'Bay window <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
EXTRA = "Child-safe restrictor locks"
FRAMES = "Remove and dispose of the old frames"

system = office_system("quote-page")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London", reduced_motion="reduce",
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


# --- setting a quote up through the API -----------------------------------------------------------

def estimate(system, name: str) -> tuple[str, str]:
    """A new estimate order (the demo's "Measure and quote visit") for a customer of its own."""
    email = f"{name.split()[0].lower()}.{uuid.uuid4().hex[:6]}@example.net"
    office = OfficeApi(system, "dispatcher@example.com")
    order = office.post("/orders", {
        "customer": {"name": name, "email": email, "phone": "+44 7700 900777"},
        "address": {"street": "4 Quote Lane", "city": "Bristol", "postcode": "BS6 5AA"},
        "service_id": "survey", "description": "Measure the front windows for new casements."}, status=201)
    return order["order_id"], email


def quote_body(**overrides) -> dict:
    body = {"title": "New casement windows", "kind": "installation", "service_id": "window-install",
            "lines": [{"price_item_id": "window-casement", "quantity": 3},
                      {"description": FRAMES, "quantity": 1, "unit_price_cents": 12999},
                      {"price_item_id": "sealant", "quantity": 3, "optional": True},
                      {"description": EXTRA, "quantity": 3, "unit_price_cents": 1999, "optional": True}],
            "deposit": {"percent_basis_points": 2500},
            "notes": "Measured on site.\nFrames in white uPVC.", "send": True}
    body.update(overrides)
    return body


def send_quote(system, order_id: str, **overrides) -> dict:
    """A quote made and sent in one request (`send: true`), as the office."""
    office = OfficeApi(system, "dispatcher@example.com")
    return office.post(f"/orders/{order_id}/quotes", quote_body(**overrides), status=201,
                       headers={"Idempotency-Key": f"quote-{uuid.uuid4()}"})


def link_in_email(system, email: str, quote_id: str) -> str:
    """The customer's link to the quote page, from the email the quote was sent with."""
    message = wait_for_email(system, lambda m: email in (m["To"] or "") and any(f"quote={quote_id}" in link for link in links_in(m)))
    return next(link for link in links_in(message) if f"quote={quote_id}" in link and "/book/quote.html" in link)


def public_view(link: str) -> dict:
    query = parse_qs(urlparse(link).query)
    base = link.split("/book/")[0]
    answer = requests.get(f"{base}/public/quotes/{query['quote'][0]}", params={"token": query["token"][0]}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def pounds(cents: int) -> str:
    return f"£{cents // 100:,}.{cents % 100:02d}"


def shoot(page, name: str) -> None:
    """docs/screenshots/quote-<name>.png, 390x844, when QUOTE_SCREENSHOTS=1."""
    if TAKE_SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"quote-{name}.png"), animations="disabled", caret="hide")


def fits(page) -> None:
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.wait_for_timeout(50)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of sideways scroll at {size['width']}px"
    page.set_viewport_size(PHONE)


def moto_env(system) -> dict:
    moto_url = re.search(r"embedded AWS: (http://[^)\s]+)\)", system.log).group(1)
    created = json.loads((system.local_dir / "state" / "environment.json").read_text())
    return {**child_env(system.local_dir), **local_environment(moto_url, system.url), **created}


PAST_VALIDITY = '''
import sys
from chalicelib.data.quotes import QuoteModel
quote = QuoteModel.get(sys.argv[1], consistent_read=True)
quote.update(actions=[QuoteModel.valid_until.set(sys.argv[2])])
'''


def make_it_past_its_validity(system, quote_id: str) -> str:
    """The quote's validity ends yesterday (the business's day), as if its days had passed."""
    yesterday = (datetime.now(ZONE).date() - timedelta(days=1)).isoformat()
    done = subprocess.run([sys.executable, "-c", PAST_VALIDITY, quote_id, yesterday], cwd=ROOT, env=moto_env(system),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return yesterday


# --- the page -------------------------------------------------------------------------------------

def open_quote(page, link: str):
    page.goto(link)
    heading = page.get_by_role("heading", level=2, name="New casement windows")
    expect(heading).to_be_visible()
    return heading


def expected_totals(view: dict, chosen: set[str]) -> totals.Totals:
    return totals.compute(view["lines"], chosen, view["tax"]["rate_basis_points"], view["tax"]["prices_include_tax"],
                          view["deposit"])


def test_the_customer_ticks_an_extra_picks_a_time_and_accepts_on_a_phone(page, system):
    order_id, email = estimate(system, "Jo Brown")
    quote = send_quote(system, order_id)
    link = link_in_email(system, email, quote["quote_id"])
    view = public_view(link)
    open_quote(page, link)

    # what the quote says: the business, reference, address, lines, tax, deposit, validity, notes, PDF
    card = page.locator("section.qt-card")
    expect(page.locator(".bk-masthead")).to_have_text("Clearview Windows Ltd")
    expect(card).to_contain_text(quote["reference"])
    expect(card).to_contain_text("4 Quote Lane, Bristol BS6 5AA")
    expect(card).to_contain_text("3 × £420.00")
    expect(card).to_contain_text("£1,260.00")
    expect(card).to_contain_text(FRAMES)
    expect(card).to_contain_text("Frames in white uPVC.")
    valid = datetime.fromisoformat(view["valid_until"]).strftime("%-d %B %Y")
    expect(card.locator(".bk-detail", has_text="Valid until")).to_contain_text(valid)
    none_chosen = expected_totals(view, set())
    assert none_chosen.total_cents == view["totals"]["total_cents"]
    expect(page.locator("[data-quote-total]")).to_have_text(pounds(none_chosen.total_cents))
    expect(card.locator(".qt-total-row", has_text="VAT 20%")).to_contain_text(pounds(none_chosen.tax_cents))
    expect(page.locator("[data-quote-deposit]")).to_have_text(pounds(none_chosen.deposit_cents))
    pdf = card.get_by_role("link", name=re.compile("Download the quote as a PDF"))
    assert pdf.get_attribute("href") == view["pdf_url"]

    # the optional extras: checkboxes labelled with the description and the price
    extra = page.get_by_role("checkbox", name=re.compile(f"^{EXTRA}.*£59.97"))
    expect(extra).not_to_be_checked()
    expect(page.get_by_role("group", name="Optional extras").get_by_role("checkbox")).to_have_count(2)

    # the free times, by day, as radio buttons; the office may call instead
    times = page.get_by_role("group", name="When should we do the work?")
    first_day = times.get_by_role("group").first  # a fieldset per day, its legend the day
    expect(first_day).to_have_accessible_name(re.compile(r"^\w+day \d{1,2} \w+$"))
    first = first_day.get_by_role("radio").first
    expect(first).to_have_accessible_name(re.compile(r"^\d{2}:\d{2} to \d{2}:\d{2}$"))
    expect(times.get_by_role("radio", name="Or let the office call me to arrange a time")).to_be_visible()
    assert axe_serious(page) == []
    fits(page)
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "open")

    # tick the extra (the keyboard's space bar): the total and the deposit follow to the cent
    extra.focus()
    page.keyboard.press("Space")
    expect(extra).to_be_checked()
    extra_id = next(line["line_id"] for line in view["lines"] if line["description"] == EXTRA)
    chosen = expected_totals(view, {extra_id})
    expect(page.locator("[data-quote-total]")).to_have_text(pounds(chosen.total_cents))
    expect(page.locator("[data-quote-deposit]")).to_have_text(pounds(chosen.deposit_cents))
    expect(page.get_by_role("button", name="Accept the quote")).to_have_accessible_description(
        f"You are accepting {pounds(chosen.total_cents)} including VAT, with a deposit of {pounds(chosen.deposit_cents)} to pay first.")

    # a time, with the keyboard: the arrow moves from the first free time to the second
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    second = times.locator(".qt-slot").get_by_role("radio").nth(1)
    expect(second).to_be_checked()
    start = second.get_attribute("value")

    # accepting without a name is stopped at the field
    page.get_by_role("button", name="Accept the quote").click()
    name = page.get_by_label("Type your full name to accept")
    expect(name).to_be_focused()
    expect(name).to_have_accessible_description(re.compile("Type your full name to accept the quote"))

    # a double click sends one acceptance
    accepts = []
    page.on("request", lambda r: accepts.append(r) if r.method == "POST" and "/accept" in r.url else None)
    name.fill("Jo Brown")
    page.get_by_role("button", name="Accept the quote").dblclick()
    done = page.get_by_role("heading", level=2, name="Thank you: quote accepted")
    expect(done).to_be_focused()
    region = page.get_by_role("status").filter(has=done)
    expect(region).to_contain_text(EXTRA)
    expect(region).to_contain_text(pounds(chosen.total_cents))
    expect(region).to_contain_text(f"We will email you an invoice for the deposit of {pounds(chosen.deposit_cents)}.")
    slot = datetime.fromisoformat(start).astimezone(ZONE)
    expect(region).to_contain_text(slot.strftime("%-d %B %Y, %H:%M"))
    expect(page.get_by_role("button", name="Accept the quote")).to_have_count(0)
    assert len(accepts) == 1, [r.url for r in accepts]
    body = json.loads(accepts[0].post_data)
    assert body == {"name": "Jo Brown", "optional_lines": [extra_id], "start": start}
    assert re.fullmatch(r"[0-9a-f-]{36}", accepts[0].headers["idempotency-key"])
    assert axe_serious(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "accepted")
    assert page.errors == []

    # the job order: the required lines and the chosen extra, booked at that time, with the deposit
    office = OfficeApi(system, "dispatcher@example.com")
    accepted = office.get(f"/quotes/{quote['quote_id']}")
    assert accepted["status"] == "accepted"
    job = office.order(accepted["job_order_id"])
    assert sorted(li["description"] for li in job["line_items"]) == sorted(
        line["description"] for line in view["lines"] if not line["optional"] or line["line_id"] == extra_id)
    assert datetime.fromisoformat(job["appointment"]["start"]) == datetime.fromisoformat(start)
    assert job["kind"] == "installation" and job["estimate_order_id"] == order_id
    assert job["deposit"]["amount_cents"] == chosen.deposit_cents

    # opened again later, the link shows the answer and no buttons
    page.goto(link)
    expect(page.get_by_role("heading", level=2, name="You accepted this quote")).to_be_visible()
    expect(page.get_by_role("button", name="Accept the quote")).to_have_count(0)
    expect(page.get_by_role("checkbox", name=re.compile(f"^{EXTRA}"))).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile(f"^{EXTRA}"))).to_be_disabled()


def take_the_time(system, start: str) -> None:
    """Book `start` for every installer still free then (tech1 and tech2 install), as the office."""
    office = OfficeApi(system, "dispatcher@example.com")
    booked = 0
    for n, technician in enumerate(("tech-1", "tech-2")):
        answer = office.post("/orders", {
            "service_id": "window-install", "start": start, "technician_id": technician,
            "customer": {"name": f"Other Customer {n}", "email": f"other{n}.{uuid.uuid4().hex[:6]}@example.net", "phone": "+44 7700 900123"},
            "address": {"street": "1 Other Road", "city": "Bristol", "postcode": "BS6 5AB"}}, status=None)
        if "order_id" in answer:
            booked += 1
        else:  # already busy then
            assert answer["error"]["code"] == "slot_taken", answer
    assert booked >= 1  # the time was free for someone, or the page would not have offered it


def test_a_lost_connection_and_a_taken_time_keep_the_name_and_the_ticks(page, system):
    order_id, email = estimate(system, "Kim Lowe")
    quote = send_quote(system, order_id)
    link = link_in_email(system, email, quote["quote_id"])
    open_quote(page, link)
    page.get_by_role("checkbox", name=re.compile(f"^{EXTRA}")).check()
    times = page.get_by_role("group", name="When should we do the work?")
    times.locator(".qt-slot label").first.click()
    page.get_by_label("Type your full name to accept").fill("Kim Lowe")

    # no connection at all: the page says so and keeps everything; the retry reuses the key
    keys = []

    def offline(route, request):
        keys.append(request.headers.get("idempotency-key"))
        route.abort("internetdisconnected")

    page.route("**/public/quotes/*/accept*", offline)
    page.get_by_role("button", name="Accept the quote").click()
    expect(page.get_by_role("alert")).to_contain_text("No connection")
    expect(page.get_by_role("alert")).to_contain_text("nothing you entered is lost")
    assert len(set(keys)) == 1 and len(keys) >= 2, keys  # tried again, as the same request
    expect(page.get_by_label("Type your full name to accept")).to_have_value("Kim Lowe")
    expect(page.get_by_role("checkbox", name=re.compile(f"^{EXTRA}"))).to_be_checked()
    expect(page.get_by_role("button", name="Accept the quote")).to_be_enabled()
    page.unroute("**/public/quotes/*/accept*")

    # meanwhile the office gives that time to both installers: the API answers 409 slot_taken,
    # nothing is accepted, the times reload without it
    start = times.get_by_role("radio", checked=True).get_attribute("value")
    take_the_time(system, start)
    with page.expect_response(lambda r: "/public/availability" in r.url):
        page.get_by_role("button", name="Accept the quote").click()
    expect(times).to_contain_text("has just been taken. Choose another time.")
    expect(times).to_be_focused()
    expect(times.get_by_role("radio", checked=True)).to_have_count(0)
    expect(times.locator(f'input[value="{start}"]')).to_have_count(0)
    expect(page.get_by_label("Type your full name to accept")).to_have_value("Kim Lowe")
    expect(page.get_by_role("checkbox", name=re.compile(f"^{EXTRA}"))).to_be_checked()
    assert OfficeApi(system).get(f"/quotes/{quote['quote_id']}")["status"] == "sent"
    assert axe_serious(page) == []

    # another time, or the office's call: accepted
    times.get_by_role("radio", name="Or let the office call me to arrange a time").check()
    page.get_by_role("button", name="Accept the quote").click()
    region = page.get_by_role("status").filter(has=page.get_by_role("heading", name="Thank you: quote accepted"))
    expect(region).to_contain_text("will call you to arrange a time")
    accepted = OfficeApi(system).get(f"/quotes/{quote['quote_id']}")
    assert accepted["status"] == "accepted"
    assert OfficeApi(system).order(accepted["job_order_id"])["appointment"] is None


def test_the_customer_declines_with_a_reason(page, system):
    order_id, email = estimate(system, "Lee Park")
    quote = send_quote(system, order_id)
    link = link_in_email(system, email, quote["quote_id"])
    open_quote(page, link)

    decline = page.get_by_role("button", name="Decline", exact=True)
    expect(decline).to_have_attribute("aria-expanded", "false")
    decline.click()
    reason = page.get_by_label("Why are you declining?")
    expect(reason).to_be_focused()
    page.get_by_role("button", name="Decline the quote").click()
    expect(reason).to_be_focused()
    expect(reason).to_have_accessible_description(re.compile("Tell us why you are declining"))
    reason.fill("We found a cheaper quote <b>elsewhere</b>.")
    page.get_by_role("button", name="Decline the quote").click()

    done = page.get_by_role("heading", level=2, name="Thank you: you declined the quote")
    expect(done).to_be_focused()
    region = page.get_by_role("status").filter(has=done)
    expect(region).to_contain_text("We found a cheaper quote <b>elsewhere</b>.")
    expect(page.get_by_role("button", name="Accept the quote")).to_have_count(0)
    assert axe_serious(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "declined")
    assert page.errors == []

    office = OfficeApi(system, "dispatcher@example.com")
    declined = office.get(f"/quotes/{quote['quote_id']}")
    assert declined["status"] == "declined"
    assert public_view(link)["declined"]["reason"] == "We found a cheaper quote <b>elsewhere</b>."


def test_an_expired_and_a_superseded_quote_show_their_state_instead_of_the_buttons(page, system):
    order_id, email = estimate(system, "Max Hill")
    lines = quote_body()["lines"]
    quote = send_quote(system, order_id, lines=[lines[0], {**lines[1], "description": HOSTILE}, {**lines[3], "description": HOSTILE + " extra"}])
    link = link_in_email(system, email, quote["quote_id"])
    until = make_it_past_its_validity(system, quote["quote_id"])
    open_quote(page, link)
    # markup in a line is shown as its text, in the lines and in the extras' labels
    expect(page.locator("table.qt-lines").get_by_text(HOSTILE)).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile("^Bay window <img"))).to_be_disabled()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main img, main script").count() == 0
    expect(page.get_by_role("heading", name="This quote has expired")).to_be_visible()
    expect(page.locator(".bk-alert")).to_contain_text(datetime.fromisoformat(until).strftime("%-d %B %Y"))
    expect(page.get_by_role("button", name=re.compile("^(Accept the quote|Decline)$"))).to_have_count(0)
    expect(page.get_by_label("Type your full name to accept")).to_have_count(0)
    assert axe_serious(page) == []

    order_id, email = estimate(system, "Nia Ross")
    first = send_quote(system, order_id)
    old_link = link_in_email(system, email, first["quote_id"])
    office = OfficeApi(system, "dispatcher@example.com")
    second = office.post(f"/quotes/{first['quote_id']}/revisions", {}, status=201)
    sent = office.post(f"/quotes/{second['quote_id']}/send", {}, status=None, headers={"Idempotency-Key": f"send-{uuid.uuid4()}"})
    assert sent["status"] == "sent" and sent["revision"] == "B", sent
    open_quote(page, old_link)
    expect(page.get_by_role("heading", name="This quote has been replaced")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^(Accept the quote|Decline)$"))).to_have_count(0)
    assert axe_serious(page) == []

    page.goto(old_link.replace("token=", "token=x"))
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_focused()
    assert page.errors == []


# --- the whole window-company path, in the browser -------------------------------------------------

def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London", reduced_motion="reduce",
                                  is_mobile=True, has_touch=True, service_workers="allow")
    context.set_default_timeout(15_000)
    return context


def reaches(office: OfficeApi, order_id: str, step: str, seconds: float = 20) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        order = office.order(order_id)
        if order["step"] == step:
            return order
        assert time.monotonic() < deadline, f"{order_id} is {order['step']}, not {step}"
        time.sleep(0.2)


def book_estimate_online(page, system, name: str, email: str) -> str:
    """The customer books the measure-and-quote visit on the booking form; its reference. The
    visit is at 17:00 on a weekday ahead when there is one: only tech1 works after five."""
    page.goto(f"{system.url}/book/")
    page.get_by_role("radio", name="Measure and quote visit").check()
    page.get_by_label("Postcode of the visit", exact=True).fill("BS6 6HR")
    page.get_by_label("Postcode of the visit", exact=True).press("Enter")
    day = datetime.now(ZONE).date() + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    expect(page.locator(f'button.bk-slot[data-start^="{day.isoformat()}T"]').first).to_be_visible()
    late = page.locator(f'button.bk-slot[data-start^="{day.isoformat()}T17:00"]')
    (late if late.count() else page.locator(f'button.bk-slot[data-start^="{day.isoformat()}T"]').first).click()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Phone number").fill("07700 900 556")
    page.get_by_label("Street address").fill("9 Cotham Vale")
    page.get_by_label("Town or city").fill("Bristol")
    page.get_by_role("button", name="Book visit").click()
    expect(page.get_by_role("heading", name="Your visit is booked")).to_be_visible(timeout=20_000)
    return page.locator(".bk-confirm .bk-reference").inner_text()


def test_the_window_company_path_in_the_browser(browser, system):
    """Booked online, visited and quoted from the technician app, accepted on the quote page (an
    extra and an installation time), seen by the office: the job exists and the estimate is won."""
    office = OfficeApi(system, "dispatcher@example.com")
    email = f"ruth.{uuid.uuid4().hex[:6]}@example.net"
    customer = phone(browser)
    tech = phone(browser)
    try:
        # 1. the customer books the estimate on the booking form
        page = customer.new_page()
        order_id = book_estimate_online(page, system, "Ruth Ashdown", email)
        order = office.order(order_id)
        assert order["kind"] == "estimate" and order["step"] == "scheduled"
        if order["technician"]["id"] != "tech-1":  # tech1 was busy at five: the office gives it to them
            office.post(f"/orders/{order_id}/assign", {"technician_id": "tech-1", "expected_version": order["version"]})

        # 2. tech1 works the visit in the technician app and sends the quote from its quote screen
        app = tech.new_page()
        tech_sign_in(app, system)
        wait_for_service_worker(app)
        app.goto(f"{system.url}/tech/#/job/{order_id}")
        expect(app.get_by_role("heading", name="Ruth Ashdown", level=1)).to_be_visible()
        app.get_by_role("button", name="On my way").click()
        reaches(office, order_id, "en_route")
        app.get_by_role("button", name="Start visit").click()
        reaches(office, order_id, "on_site")
        wait_until_sent(app)
        app.get_by_role("button", name="Quote", exact=True).click()
        expect(app.get_by_role("heading", name="Quote for Ruth Ashdown", level=1)).to_be_focused()
        app.get_by_label("Title").fill("New casement windows")
        app.get_by_label(re.compile("^Service to book")).select_option("window-install")
        add = app.get_by_label("Add from the price list")
        add.select_option("window-casement")
        app.get_by_role("button", name="Add line").click()
        add.select_option("sealant")
        app.get_by_role("button", name="Add line").click()
        app.get_by_role("switch", name=re.compile(r"Optional extra\W+Sealant")).check()
        app.get_by_role("button", name=f"Send quote to {email}").click()
        wait_until_sent(app, timeout=30_000)
        reaches(office, order_id, "quoted")
        quote, = office.get(f"/orders/{order_id}/quotes")["quotes"]

        # 3. the customer opens the link in the email, ticks the extra, picks a time and accepts
        link = link_in_email(system, email, quote["quote_id"])
        page.goto(link)
        expect(page.get_by_role("heading", level=2, name="New casement windows")).to_be_visible()
        page.get_by_role("checkbox", name=re.compile("^Sealant")).check()
        times = page.get_by_role("group", name="When should we do the work?")
        pick = times.get_by_role("group").first.get_by_role("radio").first
        pick.check()
        start = pick.get_attribute("value")
        page.get_by_label("Type your full name to accept").fill("Ruth Ashdown")
        page.get_by_role("button", name="Accept the quote").click()
        expect(page.get_by_role("heading", level=2, name="Thank you: quote accepted")).to_be_focused()

        # 4. the office sees the job, booked at that time with both lines, and the estimate won
        accepted = office.get(f"/quotes/{quote['quote_id']}")
        job = office.order(accepted["job_order_id"])
        assert {li["description"] for li in job["line_items"]} == {
            "Casement window, supply and fit", "Sealant and finishing, per window"}
        assert datetime.fromisoformat(job["appointment"]["start"]) == datetime.fromisoformat(start)
        assert job["step"] == "scheduled" and job["estimate_order_id"] == order_id
        reaches(office, order_id, "won")
        board = tech.new_page()  # a fresh page, signed in as the office
        board.set_viewport_size(DESKTOP)
        office_sign_in(board, system, "dispatcher@example.com", then=f"orders/{job['order_id']}")
        expect(board.locator("main")).to_contain_text("Ruth Ashdown")
        expect(board.locator("main")).to_contain_text("Sealant and finishing, per window")
    finally:
        customer.close()
        tech.close()
