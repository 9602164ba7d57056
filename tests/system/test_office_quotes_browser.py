"""Quotes in the office app (web/office/views/quotes*.js, quote-*.js, order-quotes.js,
settings-quotes.js, the board's kind of work) in real Chromium at 1280x800, against the local
system:

- a quote made on an estimate from its order page ("New quote"), a line from the price list and
  a typed-in optional line with its price in pounds (stored in exact pence), saved, sent (the
  customer is emailed), and listed under "Sent" in `#/quotes?status=sent`;
- after the customer accepts through the public API (with the token of the link in the email),
  the quote's page says who accepted it, when, and which optional line they chose, and links the
  job order it created (and the estimate);
- a stale edit (someone else saved the draft meanwhile) says who changed it and shows their
  version; nothing of ours is saved over it;
- the board's "Kind of work" reloads the board with `kind=` and keeps it in the address;
- the quote settings (validity, reminders, terms, deposit) saved through PUT /business.

axe-core finds nothing serious, and the pages fit 1280 and 1024 pixels without sideways scroll.
- a job's deposit invoice on its order page, and an admin recording its payment.

With OFFICE_SCREENSHOTS=1: docs/screenshots/office-quotes-list.png, office-quote-draft.png,
office-quote-accepted.png and office-order-deposit.png.
"""
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.support.browser import browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.office import (
    OfficeApi, axe_serious, links_in, no_sideways_scroll, office_page, office_system, shoot, sign_in, wait_for_email,
)

system = office_system("quotes")
page = office_page()


def _poll(check, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def estimate(system, name: str, email: str) -> str:
    """A new estimate order (the demo's "Measure and quote visit") for a customer of its own."""
    office = OfficeApi(system, "dispatcher@example.com")
    order = office.post("/orders", {
        "customer": {"name": name, "email": email, "phone": "+44 7700 900777"},
        "address": {"street": "4 Quote Lane", "city": "Bristol", "postcode": "BS6 5AA"},
        "service_id": "survey", "description": "Measure the front windows for new casements."}, status=201)
    assert order["kind"] == "estimate", order["kind"]
    return order["order_id"]


def price_item(system) -> dict:
    items = [i for i in OfficeApi(system).get("/price-list")["items"] if i.get("active", True)]
    return next(i for i in items if i["id"] == "window-casement") if any(i["id"] == "window-casement" for i in items) else items[0]


def sent_quote(system, order_id: str, optional_text: str = "Replace the rotten sill") -> dict:
    """A quote made and sent through the API: one price-list line and one optional typed-in line."""
    office = OfficeApi(system, "admin@example.com")
    quote = office.post(f"/orders/{order_id}/quotes", {}, status=201)
    item = price_item(system)
    quote = office.patch(f"/quotes/{quote['quote_id']}", {"expected_version": quote["version"], "title": "New casement windows",
                                                          "lines": [{"price_item_id": item["id"], "quantity": 2},
                                                                    {"description": optional_text, "quantity": 1,
                                                                     "unit_price_cents": 8550, "optional": True}]})
    return office.post(f"/quotes/{quote['quote_id']}/send", {}, status=None, headers={"Idempotency-Key": f"send-{quote['quote_id']}"})


def customer_link(system, email: str, quote_id: str) -> tuple[str, str]:
    """The quote id and token of the customer's link in the email the quote was sent with."""
    message = wait_for_email(system, lambda m: email in (m["To"] or "") and any(f"quote={quote_id}" in link for link in links_in(m)))
    link = next(link for link in links_in(message) if f"quote={quote_id}" in link)
    query = parse_qs(urlparse(link).query)
    return query["quote"][0], query["token"][0]


def test_a_quote_is_made_on_an_estimate_from_its_order_page_sent_and_listed_under_sent(page, system):
    oid = estimate(system, "Quentin Blake", "quentin.blake@example.net")
    item = price_item(system)
    sign_in(page, system, "dispatcher@example.com", then=f"orders/{oid}")
    quotes = page.get_by_role("region", name="Quotes")
    expect(quotes).to_contain_text("No quotes on this order yet.")
    quotes.get_by_role("button", name="New quote").click()

    expect(page).to_have_url(re.compile(r"#/quotes/Q-"))
    heading = page.get_by_role("heading", level=1, name=re.compile(r"^Quote Q-\d{4}-\d{6}-A$"))
    expect(heading).to_be_focused()
    quote_id = page.url.split("#/quotes/")[1]
    reference = heading.inner_text().removeprefix("Quote ")

    draft = page.get_by_role("region", name="Draft")
    draft.get_by_label("Price list item").select_option(item["id"])
    adder = draft.get_by_role("form", name="Add a line from the price list")
    adder.get_by_label("Quantity", exact=True).fill("3")
    adder.get_by_role("button", name="Add from the price list").click()
    expect(draft.locator("[data-line-row]").first).to_contain_text(item["name"])
    expect(draft.get_by_label("Line 1, quantity")).to_have_value("3")

    typed = draft.get_by_role("form", name="Add a line typed in")
    typed.get_by_label("Description").fill("Replace the rotten sill")
    typed.get_by_label(re.compile(r"^Unit price")).fill("85.50")
    typed.get_by_label("Optional").check()
    typed.get_by_role("button", name="Add this line").click()
    expect(draft.get_by_label("Line 2, description")).to_have_value("Replace the rotten sill")
    expect(draft.get_by_label("Line 2, unit price")).to_have_value("85.50")
    expect(draft.get_by_role("checkbox", name=re.compile(r"^Optional \(line 2\)"))).to_be_checked()
    draft.get_by_label(re.compile("^Title")).fill("Three casement windows")
    draft.get_by_label(re.compile("^Notes for the customer")).fill("Measured on site; frames in white uPVC.")
    draft.get_by_role("button", name="Save changes").click()
    expect(draft.locator(".of-alert--success")).to_contain_text("Quote saved")

    office = OfficeApi(system, "admin@example.com")
    saved = office.get(f"/quotes/{quote_id}")
    assert [(line["description"], line["quantity"], line["unit_price_cents"], line["optional"], line["price_item_id"])
            for line in saved["lines"]] == [(item["name"], 3, item["unit_price_cents"], False, item["id"]),
                                            ("Replace the rotten sill", 1, 8550, True, None)]
    assert saved["title"] == "Three casement windows"
    expect(draft.locator(".of-quote-total-value")).to_have_text(re.compile(r"£[\d,]+\.\d\d"))
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "quote-draft", full_page=True)

    send = page.get_by_role("button", name="Send to the customer")
    send.click()
    expect(page.get_by_role("group", name=re.compile(f"^Quote {reference} sent to quentin.blake@example.net"))).to_be_focused()
    expect(page.locator(".of-quote-summary .of-chip")).to_have_text("Sent")
    expect(page.get_by_role("button", name="Send to the customer")).to_have_count(0)
    expect(page.get_by_role("button", name="New revision")).to_be_visible()
    expect(page.get_by_role("region", name="History")).to_contain_text("Sent to quentin.blake@example.net by Dana Whitfield")
    assert office.get(f"/quotes/{quote_id}")["status"] == "sent"
    wait_for_email(system, lambda m: "quentin.blake@example.net" in (m["To"] or ""))

    page.locator("[data-nav]").get_by_role("link", name="Quotes").click()
    expect(page.get_by_role("heading", name="Quotes", level=1)).to_be_focused()
    page.get_by_role("navigation", name="Quotes by status").get_by_role("link", name="Sent", exact=True).click()
    expect(page).to_have_url(re.compile(r"#/quotes\?status=sent$"))
    row = page.locator(".of-quotes-table tbody tr").filter(has_text=reference)
    expect(row).to_contain_text("Quentin Blake")
    expect(row).to_contain_text("Three casement windows")
    expect(row.locator(".of-chip")).to_have_text("Sent")
    expect(row.get_by_role("link", name=reference)).to_have_attribute("href", f"#/quotes/{quote_id}")
    page.get_by_role("navigation", name="Quotes by status").get_by_role("link", name="Accepted", exact=True).click()
    expect(page.locator(".of-quotes-table tbody tr").filter(has_text=reference)).to_have_count(0)
    page.go_back()
    expect(page.locator(".of-quotes-table tbody tr").filter(has_text=reference)).to_have_count(1)
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "quotes-list")

    page.goto(f"{system.url}/office/#/orders/{oid}")
    expect(page.get_by_role("region", name="Quotes").get_by_role("link", name=reference)).to_be_visible()
    expect(page.get_by_role("region", name="Quotes").locator(".of-chip")).to_have_text("Sent")

    # A new revision keeps the number with the next letter, as a draft with the same lines.
    page.get_by_role("region", name="Quotes").get_by_role("link", name=reference).click()
    page.get_by_role("button", name="New revision").click()
    revision = reference[:-1] + "B"
    expect(page.get_by_role("heading", level=1, name=f"Quote {revision}")).to_be_focused()
    expect(page.get_by_role("region", name="Draft").get_by_label("Line 2, description")).to_have_value("Replace the rotten sill")
    expect(page.get_by_role("region", name="History").get_by_role("link", name="Revision A")).to_be_visible()
    assert page.errors == []


def test_after_the_customer_accepts_the_quote_shows_who_accepted_what_and_links_the_job(page, system):
    oid = estimate(system, "Agatha Accept", "agatha.accept@example.net")
    quote = sent_quote(system, oid, optional_text="Matching window boards")
    assert quote["status"] == "sent", quote
    quote_id, token = customer_link(system, "agatha.accept@example.net", quote["quote_id"])
    public = requests.get(f"{system.url}/public/quotes/{quote_id}", params={"token": token}, timeout=30)
    assert public.status_code == 200, public.text
    optional = next(line["line_id"] for line in public.json()["lines"] if line["optional"])
    answer = requests.post(f"{system.url}/public/quotes/{quote_id}/accept", params={"token": token},
                           json={"name": "Agatha Accept", "optional_lines": [optional]}, timeout=30)
    assert answer.status_code == 201, answer.text

    office = OfficeApi(system, "admin@example.com")
    assert _poll(lambda: office.get(f"/quotes/{quote_id}").get("job_order_id")), office.get(f"/quotes/{quote_id}")
    job = office.get(f"/quotes/{quote_id}")["job_order_id"]

    sign_in(page, system, "admin@example.com", then=f"quotes/{quote_id}")
    history = page.get_by_role("region", name="History")
    accepted = history.get_by_role("listitem").filter(has_text="Accepted by Agatha Accept")
    expect(accepted).to_contain_text("Optional lines chosen: Matching window boards.")
    expect(accepted.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    expect(page.get_by_role("row", name=re.compile("Matching window boards"))).to_contain_text("Optional, chosen")
    summary = page.get_by_role("region", name="Summary")
    expect(summary.locator(".of-chip")).to_have_text("Accepted")
    expect(summary.get_by_role("link", name=f"Order {job}")).to_have_attribute("href", f"#/orders/{job}")
    expect(summary.get_by_role("link", name=f"Order {oid}")).to_have_attribute("href", f"#/orders/{oid}")
    expect(page.get_by_role("button", name="New revision")).to_have_count(0)
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "quote-accepted", full_page=True)

    summary.get_by_role("link", name=f"Order {job}").click()
    expect(page.get_by_role("heading", name=f"Order {job}", level=1)).to_be_focused()
    assert page.errors == []


def test_a_stale_edit_says_who_changed_the_draft_and_shows_their_version(page, system):
    oid = estimate(system, "Stella Stale", "stella.stale@example.net")
    office = OfficeApi(system, "admin@example.com")  # Alex Morgan
    quote = office.post(f"/orders/{oid}/quotes", {"title": "Bay window"}, status=201)
    sign_in(page, system, "dispatcher@example.com", then=f"quotes/{quote['quote_id']}")
    draft = page.get_by_role("region", name="Draft")
    expect(draft.get_by_label(re.compile("^Title"))).to_have_value("Bay window")

    office.patch(f"/quotes/{quote['quote_id']}", {"expected_version": quote["version"], "title": "Bay window, three panes"})
    draft.get_by_label(re.compile("^Title")).fill("Bay window and porch")
    draft.get_by_role("button", name="Save changes").click()
    conflict = page.get_by_role("group", name=re.compile("^Alex Morgan changed this quote at"))
    expect(conflict).to_be_focused()
    expect(conflict).to_contain_text("Your changes were not saved")
    expect(draft.get_by_label(re.compile("^Title"))).to_have_value("Bay window, three panes")
    assert office.get(f"/quotes/{quote['quote_id']}")["title"] == "Bay window, three panes"
    assert axe_serious(page) == []

    draft.get_by_label(re.compile("^Title")).fill("Bay window and porch")
    draft.get_by_role("button", name="Save changes").click()
    expect(draft.locator(".of-alert--success")).to_contain_text("Quote saved")
    assert office.get(f"/quotes/{quote['quote_id']}")["title"] == "Bay window and porch"
    assert page.errors == []


def test_the_board_kind_of_work_select_reloads_the_board_with_that_kind_and_keeps_it_in_the_address(page, system):
    kinds = OfficeApi(system).get("/workflow/kinds")["kinds"]
    if not any(k["key"] == "estimate" for k in kinds):
        pytest.fail(f"the demo's kinds of work have no estimate: {kinds}")
    sign_in(page, system, "dispatcher@example.com", then="board")
    select = page.get_by_label("Kind of work")
    expect(select.locator("option")).to_have_count(len(kinds) + 1)
    expect(select.locator("option").first).to_have_text("All")
    with page.expect_request(lambda r: "/board?" in r.url and "kind=estimate" in r.url):
        select.select_option("estimate")
    expect(page).to_have_url(re.compile(r"#/board/\d{4}-\d\d-\d\d\?kind=estimate$"))
    expect(page.locator("[data-board-drawn]")).to_have_count(1)
    with page.expect_request(lambda r: "/board?" in r.url and "kind=estimate" in r.url and "days=7" in r.url):
        page.get_by_role("button", name="Week").click()
    expect(page).to_have_url(re.compile(r"#/board/\d{4}-\d\d-\d\d/week\?kind=estimate$"))
    expect(select).to_have_value("estimate")
    page.reload()
    expect(page.get_by_label("Kind of work")).to_have_value("estimate")
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    assert page.errors == []


def test_the_quote_settings_are_saved_through_the_business_settings(page, system):
    sign_in(page, system, "admin@example.com", then="settings/quotes")
    expect(page.get_by_role("heading", name="Quotes", level=1)).to_be_focused()
    page.get_by_label(re.compile("^A new quote is valid for")).fill("21")
    page.get_by_label(re.compile("^First reminder")).fill("2")
    page.get_by_label(re.compile("^Second reminder")).fill("1")
    page.get_by_role("button", name="Save quote settings").click()
    expect(page.locator(".of-error-message").filter(has_text="later than the first")).to_be_visible()
    page.get_by_label(re.compile("^Second reminder")).fill("9")
    page.get_by_label("Standard deposit").select_option("percent")
    page.get_by_label(re.compile(r"^Deposit \(% or amount\)")).fill("25")
    page.get_by_label(re.compile("^Standard terms")).fill("Prices held for the validity of the quote.")
    page.get_by_role("button", name="Save quote settings").click()
    expect(page.locator(".of-alert--success")).to_contain_text("Quote settings saved")
    quotes = OfficeApi(system).get("/business")["quotes"]
    assert quotes["validity_days"] == 21 and quotes["reminder_days"] == [2, 9]
    assert quotes["deposit"] == {"percent_basis_points": 2500}
    assert quotes["terms"] == "Prices held for the validity of the quote."
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    assert page.errors == []


def test_a_jobs_deposit_invoice_shows_on_its_order_page_and_an_admin_records_its_payment(page, system):
    oid = estimate(system, "Dora Deposit", "dora.deposit@example.net")
    office = OfficeApi(system, "admin@example.com")
    item = price_item(system)
    quote = office.post(f"/orders/{oid}/quotes", {"title": "Two casement windows", "deposit": {"percent_basis_points": 2500},
                                                  "lines": [{"price_item_id": item["id"], "quantity": 2}]}, status=201)
    office.post(f"/quotes/{quote['quote_id']}/send", {}, status=None, headers={"Idempotency-Key": f"send-{quote['quote_id']}"})
    quote_id, token = customer_link(system, "dora.deposit@example.net", quote["quote_id"])
    answer = requests.post(f"{system.url}/public/quotes/{quote_id}/accept", params={"token": token},
                           json={"name": "Dora Deposit", "optional_lines": []}, timeout=30)
    assert answer.status_code == 201, answer.text
    job = _poll(lambda: office.get(f"/quotes/{quote_id}").get("job_order_id"))
    deposit = _poll(lambda: (office.get(f"/orders/{job}").get("deposit") or {}).get("number") and office.get(f"/orders/{job}")["deposit"])
    assert deposit, office.get(f"/orders/{job}")
    invoice = office.get(f"/invoices/{deposit['invoice_id']}")
    assert invoice["total_cents"] == deposit["amount_cents"] > 0

    sign_in(page, system, "admin@example.com", then=f"orders/{job}")
    part = page.get_by_role("group", name="Deposit invoice")
    expect(part).to_contain_text(deposit["number"])
    expect(part.locator(".of-invoice-deposit-balance")).to_have_text(re.compile(r"£[\d,]+\.\d\d"))
    expect(page.get_by_role("region", name="Invoice")).to_contain_text("No final invoice yet")
    assert axe_serious(page) == []
    form = part.get_by_role("form", name=f"Record a payment on {deposit['number']}")
    form.get_by_label("Method").select_option("card")
    form.get_by_role("button", name="Record payment").click()
    part = page.get_by_role("group", name="Deposit invoice")
    expect(part.locator(".of-invoice-deposit-balance")).to_have_text("£0.00")
    expect(part.locator(".of-chip")).to_have_text("Paid")
    no_sideways_scroll(page)
    shoot(page, "order-deposit", full_page=True)
    paid = office.get(f"/invoices/{deposit['invoice_id']}")
    assert paid["status"] == "paid" and paid["paid_cents"] == deposit["amount_cents"]
    assert office.get(f"/orders/{job}")["step"] == "requested"  # paying the deposit does not move the job on
    assert page.errors == []
