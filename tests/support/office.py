"""What the office app's browser tests share (web/office/): a desktop browser context at 1280x800,
signing in through the sign-in screen, axe-core's serious and critical findings, screenshots for
docs/screenshots/office-*.png, the API as the office calls it (to set data up), and the outbox.

A test module takes the fixtures by importing them:

    from tests.support.browser import browser  # noqa: F401 (a fixture)
    from tests.support.office import OfficeApi, desktop, office_page, office_system, sign_in
    system = office_system("board")
    page = office_page()            # a fresh page in a 1280x800 context, for each test

Every test module starts its own local system (a module-scoped fixture), so what one module
changes (a published process map, settings) never reaches another.
"""
import os
import re
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.browser import expect, local_system_fixture

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo-Password-1"  # infra/demo_data.py
ZONE = ZoneInfo("Europe/London")
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 1024, "height": 768}
SHOTS = ROOT / "docs" / "screenshots"
# Screenshots are written to docs/screenshots/ only when asked (OFFICE_SCREENSHOTS=1), so that a
# test run leaves the repository as it was.
TAKE_SHOTS = os.environ.get("OFFICE_SCREENSHOTS", "").lower() in ("1", "true", "yes")


def office_system(name: str):
    """A module-scoped fixture: a local system of the module's own, up, with the demo data."""
    return local_system_fixture(f"office-{name}")


def desktop(browser, size: dict | None = None):
    """A browser context as an office computer: 1280x800, en-GB, the business's timezone."""
    context = browser.new_context(viewport=size or DESKTOP, locale="en-GB", timezone_id="Europe/London",
                                  reduced_motion="reduce", accept_downloads=True)
    context.set_default_timeout(15_000)
    return context


def office_page():
    """A function-scoped `page` fixture: a fresh desktop context and page for each test, with the
    page's script errors collected in `page.errors` (a test can assert it stays empty)."""

    @pytest.fixture
    def page(browser):
        context = desktop(browser)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        try:
            yield page
        finally:
            context.close()

    return page


def sign_in(page, system, email: str = "dispatcher@example.com", then: str = ""):
    """Signs in through the sign-in screen, then opens `#/<then>` (the board when empty) and waits
    for its heading to have the focus."""
    page.goto(f"{system.url}/office/{'#/' + then if then else ''}")
    expect(page.get_by_role("heading", name="Sign in to the office", level=1)).to_be_visible()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("main h1").first).to_be_focused()


def axe_script() -> Path | None:
    for candidate in (os.environ.get("AXE_CORE_JS"), ROOT / "node_modules" / "axe-core" / "axe.min.js"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def axe_serious(page, scope: str = "body") -> list[str]:
    """axe-core's serious and critical violations on the page as it is (or within `scope`).
    Without axe-core (no npm), the check is skipped outside CI and fails in CI."""
    script = axe_script()
    if script is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            raise AssertionError("axe-core is missing: `make axe` installs it")
        pytest.skip("axe-core is not installed (make axe)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    found = page.evaluate("async (scope) => (await axe.run(document.querySelector(scope), "
                          "{resultTypes: ['violations']})).violations", scope)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in found if v["impact"] in ("serious", "critical")]


def no_sideways_scroll(page, sizes=(DESKTOP, TABLET)) -> None:
    """The page fits the width at 1280 and at 1024 pixels (no horizontal page scroll)."""
    before = page.viewport_size
    for size in sizes:
        page.set_viewport_size(size)
        page.wait_for_timeout(50)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of horizontal scroll at {size['width']}px"
    page.set_viewport_size(before)


def shoot(page, name: str, full_page: bool = False, size: dict | None = None) -> None:
    """docs/screenshots/office-<name>.png at 1280x800 (or `size`), when OFFICE_SCREENSHOTS=1."""
    if not TAKE_SHOTS:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    if size:
        page.set_viewport_size(size)
    page.mouse.move(0, page.viewport_size["height"] - 1)  # no hover effects in the picture
    page.wait_for_timeout(150)
    page.screenshot(path=str(SHOTS / f"office-{name}.png"), full_page=full_page, animations="disabled", caret="hide")
    if size:
        page.set_viewport_size(before)


class OfficeApi:
    """The API as an office account (or a technician) calls it, for setting data up and checking
    what the app did. Each call asserts its status (any, with `status=None`) and returns the JSON answer."""

    def __init__(self, system, email: str = "admin@example.com"):
        self.url = system.url
        r = requests.post(f"{self.url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
        assert r.status_code == 200, r.text
        self.user = r.json()["user"]
        self.headers = {"Authorization": f"Bearer {r.json()['id_token']}"}

    def call(self, method: str, path: str, body=None, status: int = 200, params=None, headers=None):
        r = requests.request(method, f"{self.url}{path}", headers={**self.headers, **(headers or {})},
                             json=body, params=params, timeout=30)
        assert status is None or r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def get(self, path: str, status: int = 200, **params):
        return self.call("GET", path, status=status, params=params)

    def post(self, path: str, body: dict | None = None, status: int = 200, **kw):
        return self.call("POST", path, body if body is not None else {}, status, **kw)

    def put(self, path: str, body: dict, status: int = 200, **kw):
        return self.call("PUT", path, body, status, **kw)

    def patch(self, path: str, body: dict, status: int = 200, **kw):
        return self.call("PATCH", path, body, status, **kw)

    def delete(self, path: str, body: dict | None = None, status: int = 200, **kw):
        return self.call("DELETE", path, body, status, **kw)

    def order(self, order_id: str) -> dict:
        return self.get(f"/orders/{order_id}")


def outbox(system) -> list:
    """Every email the local system has sent (parsed `email.message.EmailMessage`s), oldest first."""
    return system.emails()


def wait_for_email(system, matches, timeout: float = 30.0):
    """The first email for which `matches(message)` is true, waiting for the stream to send it."""
    deadline = time.monotonic() + timeout
    while True:
        for message in outbox(system):
            if matches(message):
                return message
        if time.monotonic() > deadline:
            subjects = [(m["To"], m["Subject"]) for m in outbox(system)]
            raise AssertionError(f"no such email within {timeout:.0f}s; the outbox has {subjects}")
        time.sleep(0.25)


def email_text(message) -> str:
    """The plain-text body of an email."""
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else None
    return part.get_content() if part is not None else str(message.get_payload())


def links_in(message) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", email_text(message))
