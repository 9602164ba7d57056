"""What the browser tests share: Debian's Chromium driven by Playwright, and the local system.

Needs the `playwright` Python package (requirements-dev.txt) and Chromium at /usr/bin/chromium
(`make browser`, as root, installs it with apt-get; CHROMIUM_PATH points elsewhere); without
either, the importing test module is skipped with the reason on a developer's machine, and fails
in CI (CI=true), where `make test` must have installed them. Playwright's own browser download
(`playwright install`) is never used.

A test module takes the fixtures by importing them: `from tests.support.browser import browser` and
`system = local_system_fixture("booking")`.
"""
import os

import pytest

from tests.support.local_system import LocalSystem

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# --lang: date and time inputs follow the browser's own language, not the page's (en-GB: 14:00, 02/12/2026)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--lang=en-GB"]
PHONE = {"width": 390, "height": 844}

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
if not IN_CI:
    pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed: pip install -r requirements-dev.txt")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM}: run `make browser` as root (apt-get install -y chromium)",
                    allow_module_level=True)
import playwright.sync_api as sync_api  # noqa: E402  (in CI a missing browser stack must fail)

expect = sync_api.expect


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def local_system_fixture(name: str):
    """A module-scoped fixture: the local system, up, for the tests of one module."""

    @pytest.fixture(scope="module")
    def system(tmp_path_factory):
        local = LocalSystem(tmp_path_factory.mktemp(f"{name}-local"))
        try:
            local.wait_until_up()
            yield local
        finally:
            local.stop()

    return system
