"""The DynamoDB tables from the PynamoDB models: names, keys, indexes, TTL and streams."""
import ast

from infra.template.common import RETAIN, ROOT, camel

# Powertools Idempotency keeps its records' expiry here (epoch seconds); DynamoDB TTL removes them.
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"


def table_variables() -> dict[str, str]:
    """{settings attribute: environment variable} for every table name in chalicelib/core/settings.py,
    read from its `_name("ORDERS_TABLE", "orders")` calls."""
    tree = ast.parse((ROOT / "chalicelib" / "core" / "settings.py").read_text())
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "_name"):
            found[node.targets[0].id] = node.value.args[0].value
    return found


def table_variable(model) -> str:
    """The environment variable holding `model`'s table name."""
    from chalicelib.core import settings

    for attribute, variable in table_variables().items():
        if getattr(settings, attribute) == model.Meta.table_name:
            return variable
    raise LookupError(f"{model.__name__}: its table name does not come from a *_TABLE setting in chalicelib/core/settings.py")


def table_id(model) -> str:
    return camel(table_variable(model))


def stream_variable(model) -> str:
    """ORDERS_TABLE -> ORDERS_STREAM_ARN: where app.py reads the stream its handler listens to."""
    return table_variable(model).removesuffix("_TABLE") + "_STREAM_ARN"


def models() -> tuple:
    from chalicelib.data.models import ALL_MODELS

    return ALL_MODELS


def streamed_models() -> list:
    return [m for m in models() if getattr(m.Meta, "stream_view_type", None)]


def _key_schema(elements: list[dict]) -> list[dict]:
    # CloudFormation wants the HASH element first.
    return sorted(({"AttributeName": e["AttributeName"], "KeyType": e["KeyType"]} for e in elements),
                  key=lambda e: e["KeyType"] != "HASH")


def _projection(projection: dict) -> dict:
    out = {"ProjectionType": projection["ProjectionType"]}
    if projection.get("NonKeyAttributes"):
        out["NonKeyAttributes"] = list(projection["NonKeyAttributes"])
    return out


def table_resource(model) -> dict:
    schema = model._get_schema()
    definitions = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    properties = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(definitions.items())],
        "KeySchema": _key_schema(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"},
    }
    gsis = sorted(schema.get("global_secondary_indexes") or [], key=lambda i: i["index_name"])
    if gsis:
        properties["GlobalSecondaryIndexes"] = [
            {"IndexName": i["index_name"], "KeySchema": _key_schema(i["key_schema"]), "Projection": _projection(i["projection"])}
            for i in gsis
        ]
    lsis = sorted(schema.get("local_secondary_indexes") or [], key=lambda i: i["index_name"])
    if lsis:
        properties["LocalSecondaryIndexes"] = [
            {"IndexName": i["index_name"], "KeySchema": _key_schema(i["key_schema"]), "Projection": _projection(i["projection"])}
            for i in lsis
        ]
    view = getattr(model.Meta, "stream_view_type", None)
    if view:
        properties["StreamSpecification"] = {"StreamViewType": view}
    ttl = ttl_attribute(model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return {"Type": "AWS::DynamoDB::Table", **RETAIN, "Properties": properties}


def ttl_attribute(model) -> str | None:
    from pynamodb.attributes import TTLAttribute

    from chalicelib.data.models import IdempotencyModel

    if model is IdempotencyModel:
        return IDEMPOTENCY_TTL_ATTRIBUTE
    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name
    return None
