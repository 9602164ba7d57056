"""The Lambda functions Chalice packages: their logical ids and names, environment, and the table a stream handler reads."""
from infra.template.common import camel
from infra.template.protection import SECRET_VALUE
from infra.template.tables import models, stream_variable, streamed_models, table_id, table_variable


def functions(app) -> dict[str, object]:
    """{logical id: what it runs} for every Lambda function Chalice packages for `app`."""
    found = {}
    if app.routes:
        found["APIHandler"] = "routes"
    for source in app.event_sources:
        found[camel(source.name)] = source
    for name in getattr(app, "pure_lambda_functions", []):
        found[camel(getattr(name, "name", name))] = name
    return found


def stream_functions(app) -> dict[str, object]:
    from chalice.app import DynamoDBEventConfig

    return {fid: src for fid, src in functions(app).items() if isinstance(src, DynamoDBEventConfig)}


def failures_queue_id(function_id: str) -> str:
    return f"{function_id}Failures"


def stream_table(source):
    """The table whose stream a DynamoDB handler reads: the only streamed model, or the one the
    handler's name mentions (ORDERS_TABLE: on_order_change)."""
    streamed = streamed_models()
    if len(streamed) == 1:
        return streamed[0]
    for model in streamed:
        prefix = table_variable(model).removesuffix("_TABLE").lower()
        if prefix.rstrip("s") in source.name:
            return model
    raise LookupError(f"stream handler {source.name}: cannot tell which of {[m.__name__ for m in streamed]} it reads")


def function_name(function_id: str) -> dict:
    return {"Fn::Sub": f"${{AWS::StackName}}-{function_id}"}


def environment(app) -> dict:
    """What every function needs to find its resources."""
    variables = {table_variable(m): {"Ref": table_id(m)} for m in models()}
    variables.update({
        "FILES_BUCKET": {"Ref": "FilesBucket"},
        "COGNITO_USER_POOL_ID": {"Ref": "UserPool"},
        "COGNITO_CLIENT_ID": {"Ref": "UserPoolClient"},
        "SENDER_EMAIL": {"Ref": "SenderEmail"},
        "SENDER_NAME": {"Ref": "SenderName"},
        "PUBLIC_BASE_URL": {"Ref": "PublicBaseUrl"},
        "ALLOWED_ORIGINS": {"Fn::If": ["HasAllowedOrigins", {"Ref": "AllowedOrigins"}, {"Ref": "PublicBaseUrl"}]},
        # Resolved by CloudFormation at deploy time; readable by whoever can read the functions' configuration.
        "LIMITS_SECRET": SECRET_VALUE,
    })
    for model in streamed_models():
        variables[stream_variable(model)] = {"Fn::GetAtt": [table_id(model), "StreamArn"]}
    return variables
