"""The stage's environment and the local one: an embedded AWS with fake credentials, the dev stage's settings."""
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
STAGE = "dev"


def log(message: str) -> None:
    print(message, flush=True)



def stage_environment(project_dir: Path, stage: str = STAGE) -> dict:
    """The environment Chalice would give the stage's functions: top level, then the stage's."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    return env


def local_environment(moto_url: str, public_url: str) -> dict:
    env = stage_environment(ROOT)
    env.update(
        {
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            # botocore would send Streams calls to an account-based host moto does not serve.
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "APP_STAGE": STAGE,
            "PUBLIC_BASE_URL": public_url,
        }
    )
    return env


def apply_environment(env: dict) -> None:
    """Set `env`, and drop whatever could send a call past the embedded AWS or override it."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_") or name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "JWKS_URL"):
            del os.environ[name]
    os.environ.update(env)
