"""Point a one-off admin script (the migrations) at a deployed stage's tables: their names come
from the stack's outputs and must be in the environment before chalicelib is imported (PynamoDB
reads them when the models are defined)."""
import os
import sys


def use_stage(stage: str, tables: tuple[str, ...]) -> None:
    """Set APP_STAGE and each of `tables` (settings names such as ORDERS_TABLE) from the stack of
    `stage`; exits with the reason when the stack can't be read or lacks one of them."""
    if "chalicelib.data.models" in sys.modules:
        raise SystemExit("--stage must be chosen before chalicelib is imported")
    from infra import deploy
    from infra.create_admin import stack_outputs
    from infra.template.common import camel

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    stack = deploy.stack_name(stage)
    try:
        outputs = stack_outputs(stack, region)
    except Exception as exc:  # no such stack, no credentials, no access: the message says which
        raise SystemExit(f"Could not read the outputs of stack {stack}: {exc}")
    names = {var: outputs.get(f"{camel(var)}Name") for var in tables}
    missing = [var for var, name in names.items() if not name]
    if missing:
        raise SystemExit(f"Stack {stack} has no table names for {missing}: deploy this version first (make deploy STAGE={stage}).")
    os.environ.update({"APP_STAGE": stage, **names})
    if region:
        os.environ.setdefault("AWS_DEFAULT_REGION", region)
