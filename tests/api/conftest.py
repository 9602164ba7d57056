"""Fixtures of the api tier: the world built in tests/support/world.py, on moto made fit for long
runs as the local system runs it (`infra/local/moto_longrun.py`: a transaction copies the items it
names rather than whole tables; the same outcomes, `tests/system/test_local_moto.py`)."""
import pytest

from infra.local import moto_longrun
from tests.support.world import *  # noqa: F401,F403


@pytest.fixture(scope="package", autouse=True)
def moto_as_the_local_system_runs_it():
    moto_longrun.install()
    yield
    moto_longrun.uninstall()
