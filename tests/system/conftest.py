"""Fixtures of the system tier: the world built in tests/support/world.py."""
from tests.support.world import *  # noqa: F401,F403
