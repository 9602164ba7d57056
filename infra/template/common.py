"""What every resource family shares: the project's root, the retention policy, the API's stage and name, logical ids."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The API Gateway stage Chalice deploys to (`api_gateway_stage` in .chalice/config.json).
API_STAGE = "api"

RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


def camel(name: str) -> str:
    """ORDERS_TABLE -> OrdersTable, on_order_change -> OnOrderChange (Chalice's own rule)."""
    from chalice.utils import to_cfn_resource_name

    return to_cfn_resource_name(name.lower())


def api_name() -> dict:
    return {"Fn::Sub": "${AWS::StackName}"}
