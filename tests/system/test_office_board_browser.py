"""The dispatch board of the office app (web/office/views/board.js) in real Chromium at 1280x800,
as the dispatcher, against the local system with the demo data:

- today's board: Sam's job of the day on his lane, Helen's request waiting in the tray;
- dragging Helen's request onto a technician without the skill is refused with the API's
  reason and she stays in the tray; dragged onto Sam's lane tomorrow at 14:00 she is booked
  (assigned, then confirmed) and her confirmation email is in the outbox;
- an order changed through the API between the board's load and the drop shows who changed it,
  and nothing is overwritten;
- an order taken elsewhere shows up when the window gets the focus (and every 30 s);
- the keyboard path: a tray card is a button opening a form (technician, date, start time),
  a refusal shown at its field;
- the week view; axe-core clean; no sideways scroll at 1024 px; the time from the page load to
  the board drawn (goal: within 1 s).

With OFFICE_SCREENSHOTS=1: docs/screenshots/office-board-day.png and office-board-week.png.
"""
import re
import statistics
from datetime import datetime, timedelta

from tests.support.browser import browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.office import (ZONE, OfficeApi, axe_serious, no_sideways_scroll, office_page, office_system, shoot,
                                  sign_in, wait_for_email)

system = office_system("board")
page = office_page()

HELEN = "Helen Carter"


def local_day(days_ahead: int = 0) -> str:
    return (datetime.now(ZONE).date() + timedelta(days=days_ahead)).isoformat()


def next_weekday(after: int = 1) -> str:
    day = datetime.now(ZONE).date() + timedelta(days=after)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


def lane(page, technician: str):
    return page.locator(f'.of-board-track[data-technician="{technician}"]')


def tray_card(page, name: str):
    return page.locator(".of-board-tray").get_by_role("button", name=re.compile(f"^{name}\\b"))


def card_name(*parts: str) -> re.Pattern:
    """A card's accessible name: its visible parts in order (with a pause between them)."""
    return re.compile("^" + r"\W+".join(re.escape(p) for p in parts))


def drag_to_time(page, card, technician: str, hour: int, minute: int = 0) -> None:
    """Drag `card` onto the technician's lane at hour:minute (the day view's hours across)."""
    target = lane(page, technician)
    start, end = (int(x) for x in page.locator(".of-board-grid").get_attribute("data-range").split("-"))
    box = target.bounding_box()
    x = box["width"] * (hour * 60 + minute - start) / (end - start) + 2
    card.drag_to(target, target_position={"x": x, "y": box["height"] / 2})


def board_drawn(page) -> None:
    expect(page.locator("[data-board-drawn]")).to_have_count(1)
    expect(page.locator(".of-board-body")).to_have_attribute("aria-busy", "false")


def test_todays_board_then_a_refused_drag_then_a_drag_that_books_and_emails_the_customer(page, system):
    sign_in(page, system)
    expect(page.get_by_role("heading", name="Dispatch board", level=1)).to_be_focused()
    board_drawn(page)
    # Today: Sam's job of the day (the demo books it at 10:00), Helen's request in the tray.
    expect(lane(page, "tech-1").get_by_role("button", name=card_name("10:00–13:00", "Margaret Holloway", "Window installation", "Scheduled"))).to_be_visible()
    helen = tray_card(page, HELEN)
    expect(helen).to_contain_text("Glazing repair · 90 min")
    expect(helen).to_contain_text("Requested")
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "board-day")

    # Tomorrow, so the times are in the future whenever the test runs.
    page.get_by_role("button", name="Next day →").click()
    expect(page.get_by_label("Date")).to_have_value(local_day(1))
    board_drawn(page)
    expect(page).to_have_url(re.compile(f"#/board/{local_day(1)}$"))
    # Priya does not repair: refused with the API's reason, and Helen stays in the tray.
    drag_to_time(page, tray_card(page, HELEN), "tech-2", 14)
    refused = page.get_by_role("group", name="The move was refused")
    expect(refused).to_contain_text("Priya Patel does not have the skill 'repair'")
    expect(page.locator("[data-alert]")).to_have_text(re.compile("Priya Patel does not have the skill 'repair'"))
    expect(tray_card(page, HELEN)).to_be_visible()
    expect(lane(page, "tech-2").get_by_role("button", name=re.compile(HELEN))).to_have_count(0)

    # Sam repairs and works every day: booked at 14:00, confirmed, and Helen is told.
    drag_to_time(page, tray_card(page, HELEN), "tech-1", 14)
    expect(page.get_by_role("group", name="Booked")).to_contain_text(f"{HELEN} booked: Sam Fischer")
    booked = lane(page, "tech-1").get_by_role("button", name=card_name("14:00–15:30", HELEN, "Glazing repair", "Scheduled"))
    expect(booked).to_be_visible()
    expect(tray_card(page, HELEN)).to_have_count(0)
    message = wait_for_email(system, lambda m: "helen.carter@example.net" in str(m["To"]) and "booked" in str(m["Subject"]))
    assert "Your appointment is booked" in str(message["Subject"])
    assert page.errors == []


def test_an_order_changed_meanwhile_is_a_conflict_and_nothing_is_overwritten(page, system):
    api = OfficeApi(system, "admin@example.com")  # Alex Morgan
    order = api.post("/orders", {"customer": {"name": "Ivy Conflict", "phone": "+44 7700 900555"},
                                 "address": {"street": "2 Race Row", "city": "Bristol", "postcode": "BS1 5TT"},
                                 "service_id": "survey"}, status=201)
    sign_in(page, system, then=f"board/{local_day(1)}")
    board_drawn(page)
    card = tray_card(page, "Ivy Conflict")
    expect(card).to_be_visible()
    api.patch(f"/orders/{order['order_id']}", {"description": "Call before coming.", "expected_version": order["version"]})
    drag_to_time(page, card, "tech-1", 16)
    conflict = page.get_by_role("group", name="Changed by someone else")
    expect(conflict).to_contain_text("Alex Morgan changed this order meanwhile")
    expect(conflict).to_contain_text("nothing was overwritten")
    expect(page.locator("[data-alert]")).to_have_text(re.compile("Alex Morgan changed this order meanwhile"))
    after = api.order(order["order_id"])
    assert after["appointment"] is None and after["step"] == "requested" and after["description"] == "Call before coming."
    expect(tray_card(page, "Ivy Conflict")).to_be_visible()  # reloaded, with its new version


def test_a_call_taken_elsewhere_shows_up_and_a_card_opens_a_form_that_books_it_without_a_mouse(page, system):
    day = next_weekday(2)
    sign_in(page, system, then=f"board/{day}")
    board_drawn(page)
    # Taken by someone else meanwhile: the board asks again when its window gets the focus (and
    # every 30 seconds).
    OfficeApi(system, "admin@example.com").post("/orders", {
        "customer": {"name": "Kit Keyboard", "phone": "+44 7700 900556"},
        "address": {"street": "4 Tab Lane", "city": "Bath", "postcode": "BA2 4AA"}, "service_id": "glazing-repair"},
        status=201)
    expect(tray_card(page, "Kit Keyboard")).to_have_count(0)
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    card = tray_card(page, "Kit Keyboard")
    expect(card).to_be_visible()
    card.focus()
    page.keyboard.press("Enter")
    form = page.get_by_role("dialog", name="Book: Kit Keyboard")
    expect(form).to_be_visible()
    expect(form.get_by_label("Technician")).to_be_focused()
    form.get_by_label("Technician").select_option(label="Priya Patel (no repair skill)")
    form.get_by_label("Date").fill(day)
    form.get_by_label("Start time").fill("11:00")
    page.keyboard.press("Enter")
    expect(form.locator(".of-field--error")).to_contain_text("Does not have the skill 'repair'")  # at the field
    expect(form.get_by_role("group", name="Not saved")).to_contain_text("Priya Patel does not have the skill 'repair'.")
    expect(form.get_by_label("Technician")).to_be_focused()
    form.get_by_label("Technician").select_option(label="Luis Moreno")
    form.get_by_role("button", name="Book").click()
    expect(form).to_have_count(0)
    expect(lane(page, "tech-3").get_by_role("button", name=card_name("11:00–12:30", "Kit Keyboard", "Glazing repair", "Scheduled"))).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text(re.compile("Kit Keyboard booked: Luis Moreno"))


def test_the_week_view_and_the_time_to_draw_the_board(page, system):
    sign_in(page, system)
    board_drawn(page)
    page.get_by_role("button", name="Week", exact=True).click()
    expect(page.get_by_role("button", name="Week", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".of-board-grid--week")).to_be_visible()
    expect(page.locator(".of-board-dayhead")).to_have_count(7)
    expect(page.locator(".of-board-cell")).to_have_count(21)
    expect(page.locator('.of-board-cell[data-technician="tech-1"]').get_by_role("button", name=re.compile("Margaret Holloway")).first).to_be_visible()
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "board-week")
    # From the page load to the board drawn (the `board-drawn` performance mark), signed in.
    page.get_by_role("button", name="Day", exact=True).click()
    drawn = []
    for _ in range(3):
        page.reload()
        board_drawn(page)
        drawn.append(page.evaluate("performance.getEntriesByName('board-drawn')[0].startTime"))
    median = statistics.median(drawn)
    print(f"board drawn {median:.0f} ms after the page load (runs: {[round(d) for d in drawn]})")
    assert median < 3000, drawn  # the goal is 1 s; the bound leaves room for a loaded CI machine
    assert page.errors == []
