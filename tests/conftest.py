"""The test environment, set before anything imports the app (PynamoDB models read table names
at import). The tiers: `unit/` (pure logic: no moto, no network), `api/` (in-process moto and
Chalice's test client), `system/` (the local system, browsers, fuzzing), `deploy/` (template,
policy, package). The fixtures that build a world live in `tests/support/world.py`; each tier
that needs them imports them in its own conftest."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The environment must be complete before app (and the PynamoDB models) are imported.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        # The dev stage: chalice.test.Client applies its environment_variables during each call.
        "APP_STAGE": "dev",
        "POWERTOOLS_METRICS_NAMESPACE": "WorkOrders",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "SENDER_EMAIL": "office@example.com",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "shared_world: mark a whole module (never single tests) to share one world built once "
        "for the module; its tests must not depend on what the others leave behind (each creates "
        "its own orders; a test that publishes a process map states versions relative to the "
        "current one). For large parametrized matrices.",
    )


# Under `pytest -n N --dist loadgroup` (make test), each module of the system and deploy tiers runs
# whole in one worker, so the local system, browser or package its module-scoped fixtures make is
# made once; the unit and api tests are shared out one by one and fill the workers to the end.
GROUPED_TIERS = ("system", "deploy")


def pytest_collection_modifyitems(config, items):
    import pytest

    tests = Path(__file__).resolve().parent
    for item in items:
        path = Path(str(item.path)).resolve()
        if path.parent.parent == tests and path.parent.name in GROUPED_TIERS:
            # The deploy tier is one group. (Packaging is safe without it: infra.package builds
            # each package in its own copy of the project, with its own dependency cache.)
            group = "deploy" if path.parent.name == "deploy" else str(path.relative_to(tests))
            item.add_marker(pytest.mark.xdist_group(name=group))
