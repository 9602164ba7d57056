"""The review inbox of the office app (web/office/views/reviews.js, reviews-item.js) in real
Chromium at 1280x800, against the local system, as the dispatcher who owns most steps:

- the admin runs the daily review (the demo's request waiting since yesterday is past its SLA;
  an order put on hold and then scheduled without a technician is flagged too);
- the dispatcher's digest in the outbox links the whole review in the office app; opening that
  link asks to sign in and then shows the review, its items grouped by step with the owner by name;
- an item is acknowledged there (recorded with who and when, said aloud);
- in the inbox, a snooze without a reason is refused at its field, one for today is refused by the
  API at the date, and one until tomorrow with a reason moves the item under "Snoozed";
- what the screens show is what the API recorded.

axe-core finds nothing serious on either screen. With OFFICE_SCREENSHOTS=1:
docs/screenshots/office-reviews.png (the inbox) and office-review-daily.png (a whole review).
"""
import re
from datetime import datetime, timedelta

import requests

from tests.support.browser import browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.office import (PASSWORD, ZONE, OfficeApi, axe_serious, links_in, no_sideways_scroll, office_page,
                                  office_system, shoot, wait_for_email)

system = office_system("reviews")
page = office_page()

WAITING = "Helen Carter"  # infra/demo_data.py: the request waiting since yesterday
LOST = "Oliver Grant"


def lost_order(dispatcher: OfficeApi) -> str:
    """An order that falls through the cracks: put on hold while requested, then scheduled from
    there with no technician."""
    order = dispatcher.post("/orders", {
        "customer": {"name": LOST, "email": "oliver.grant@example.net", "phone": "+44 7700 900456"},
        "address": {"street": "12 Quay Street", "city": "Bristol", "postcode": "BS1 4DJ"},
        "service_id": "glazing-repair", "description": "Cracked pane in the shop front.",
    }, status=201)
    held = dispatcher.post(f"/orders/{order['order_id']}/transitions", {"to": "on_hold", "expected_version": order["version"]})
    dispatcher.post(f"/orders/{order['order_id']}/transitions", {"to": "scheduled", "expected_version": held["version"]})
    return order["order_id"]


def card(scope, name):
    """The item card of customer `name` within `scope` (a page or a region)."""
    return scope.get_by_role("article", name=re.compile(f"^{name} "))


def test_acknowledging_and_snoozing_review_items_from_the_digest_link(page, system):
    dispatcher = OfficeApi(system, "dispatcher@example.com")
    lost = lost_order(dispatcher)
    admin = OfficeApi(system, "admin@example.com")
    ran = requests.post(f"{system.url}/reviews/run", json={"period": "daily"}, headers=admin.headers, timeout=60)
    assert ran.status_code in (200, 201), ran.text  # 200: the hourly schedule ran it first
    day = ran.json()["date"]
    today = datetime.now(ZONE).date()

    digest = wait_for_email(system, lambda m: str(m["Subject"]).startswith(f"Daily review {day}")
                            and "dispatcher@example.com" in str(m["To"]))
    [link] = [u for u in links_in(digest) if "/office/#/reviews/daily/" in u]
    assert link == f"{system.url}/office/#/reviews/daily/{day}"
    assert any(u.startswith(f"{system.url}/office/#/orders/") for u in links_in(digest))

    # the digest's link: sign in, then the whole review
    page.goto(link)
    expect(page.get_by_role("heading", name="Sign in to the office", level=1)).to_be_visible()
    page.get_by_label("Email", exact=True).fill("dispatcher@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    heading = page.get_by_role("heading", name=re.compile(r"^Daily review of "), level=1)
    expect(heading).to_be_focused()
    requested = page.get_by_role("region", name=re.compile("Requested"))
    expect(requested.get_by_role("heading", level=2)).to_contain_text("owner: Dana Whitfield")
    helen = card(requested, WAITING)
    expect(helen).to_contain_text("What to do: Move it on from 'Requested'")
    expect(helen).to_contain_text("Open: nobody has acknowledged it yet")
    assert axe_serious(page) == []

    helen.get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(helen).to_contain_text("Acknowledged by Dana Whitfield")
    expect(helen.get_by_role("heading")).to_be_focused()
    expect(page.locator("[data-status]")).to_have_text(f"Acknowledged: {WAITING}.")
    expect(helen.get_by_role("button", name=re.compile("^Acknowledge"))).to_have_count(0)
    shoot(page, "review-daily")

    # the inbox, from the nav
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Your review inbox", level=1)).to_be_focused()
    todo = page.get_by_role("region", name=re.compile(r"^To do"))
    expect(card(todo, WAITING)).to_contain_text("Acknowledged by Dana Whitfield")
    if lost in [i["order_id"] for i in ran.json()["report"]["items"]]:
        expect(card(todo, LOST)).to_contain_text("What to do: Assign a technician")

    helen = card(todo, WAITING)
    helen.get_by_role("button", name=re.compile("^Snooze")).click()
    until = helen.get_by_label("Snooze until")
    expect(until).to_be_focused()
    expect(until).to_have_value((today + timedelta(days=1)).isoformat())
    helen.get_by_role("button", name="Snooze", exact=True).click()  # no reason
    reason = helen.get_by_label("Reason")
    expect(reason).to_be_focused()
    expect(reason).to_have_accessible_description(re.compile("Say why it can wait"))

    until.fill(today.isoformat())  # the API wants a date after today
    reason.fill("She is away until tomorrow; call her then.")
    helen.get_by_role("button", name="Snooze", exact=True).click()
    expect(until).to_have_accessible_description(re.compile("Must be after today"))
    expect(until).to_be_focused()
    expect(page.locator("[data-alert]")).to_have_text(re.compile("^Not snoozed"))
    assert axe_serious(page) == []

    tomorrow = today + timedelta(days=1)
    until.fill(tomorrow.isoformat())
    helen.get_by_role("button", name="Snooze", exact=True).click()
    snoozed = page.get_by_role("region", name=re.compile(r"^Snoozed"))
    expect(card(snoozed, WAITING)).to_contain_text("Snoozed until")
    expect(card(snoozed, WAITING)).to_contain_text("She is away until tomorrow; call her then.")
    expect(card(todo, WAITING)).to_have_count(0)
    expect(page.locator("[data-status]")).to_have_text(re.compile(f"^Snoozed until .*: {WAITING}.$"))
    expect(page.get_by_role("heading", name="Snoozed (1)")).to_be_visible()
    assert axe_serious(page) == []
    no_sideways_scroll(page)

    # recorded: who and when, the snooze with its reason; a reload shows the same
    inbox = dispatcher.get("/reviews/inbox")
    [item] = [i for i in inbox["snoozed"] if i["customer_name"] == WAITING]
    assert item["acknowledged"]["by_name"] == "Dana Whitfield"
    assert (item["snooze"]["until"], item["snooze"]["reason"], item["snooze"]["by"]) == (
        tomorrow.isoformat(), "She is away until tomorrow; call her then.", "dispatcher-1")
    page.reload()
    expect(card(page.get_by_role("region", name=re.compile(r"^Snoozed")), WAITING)).to_be_visible()
    shoot(page, "reviews")
    assert page.errors == []
