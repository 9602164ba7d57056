"""Fixtures of the system tier: the world built in tests/support/world.py."""
from tests.support.world import *  # noqa: F401,F403

try:
    from playwright.sync_api import expect
except ImportError:  # the browser tests skip themselves without Playwright
    pass
else:
    # The system tier shares two cores with the unit and api tiers in `make test`: a step that
    # answers in 200 ms on an idle machine took over 5 s (Playwright's default) on a loaded one.
    # Waiting longer changes nothing when the test passes; a real failure still fails.
    expect.set_options(timeout=15_000)
