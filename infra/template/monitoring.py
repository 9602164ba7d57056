"""Watching the stack: alarms, dashboards, and the API's throttling and metrics (method settings)."""
import ast
import json

from infra.template.common import API_STAGE, ROOT, api_name
from infra.template.functions import failures_queue_id, functions, stream_functions
from infra.template.tables import models, table_id

DASHBOARD_FILE = ROOT / "infra" / "dashboard.json"
# Routes open to the internet that a bot would hammer: lower throttling than the stage's default.
THROTTLED_ROUTES = {
    ("/public/bookings", "POST"): ("BookingRateLimit", "BookingBurstLimit"),
    ("/auth/login", "POST"): ("LoginRateLimit", "LoginBurstLimit"),
}
# The invoicing code emits this EMF metric (observability.count) when an invoice email fails.
INVOICE_SEND_FAILED_METRIC = "InvoiceSendFailed"
ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000


def alarm(description: str, namespace: str, metric: str, dimensions: dict, statistic: str, threshold: float,
          period: int = 300, evaluation_periods: int = 1) -> dict:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": evaluation_periods,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
        },
    }


def metrics_service() -> str:
    """The `service` dimension Powertools Metrics puts on every EMF metric of the app."""
    tree = ast.parse((ROOT / "chalicelib" / "core" / "observability.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Metrics":
            for keyword in node.keywords:
                if keyword.arg == "service":
                    return keyword.value.value
    raise LookupError("chalicelib/core/observability.py: no Metrics(service=...)")


def metrics_namespace() -> str:
    from chalicelib.core import observability

    return observability.NAMESPACE


def alarms(app) -> dict:
    resources = {}
    for fid in functions(app):
        resources[f"{fid}ErrorsAlarm"] = alarm(
            f"{fid} failed (unhandled error)", "AWS/Lambda", "Errors", {"FunctionName": {"Ref": fid}}, "Sum", 1)
        resources[f"{fid}ThrottlesAlarm"] = alarm(
            f"{fid} was throttled", "AWS/Lambda", "Throttles", {"FunctionName": {"Ref": fid}}, "Sum", 1)
    for fid in stream_functions(app):
        resources[f"{fid}IteratorAgeAlarm"] = alarm(
            f"{fid} is falling behind its stream: customers' emails are late", "AWS/Lambda", "IteratorAge",
            {"FunctionName": {"Ref": fid}}, "Maximum", ITERATOR_AGE_ALARM_MS)
        queue = failures_queue_id(fid)
        resources[f"{queue}Alarm"] = alarm(
            f"{fid} gave up on stream records (see the {queue} queue)", "AWS/SQS", "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}, "Maximum", 1)
    if app.routes:
        resources["Api5xxAlarm"] = alarm(
            "The API answered with server errors", "AWS/ApiGateway", "5XXError",
            {"ApiName": api_name(), "Stage": API_STAGE}, "Sum", 1)
        resources["BookingErrorsAlarm"] = alarm(
            "The booking form's POST /public/bookings failed with a server error", "AWS/ApiGateway", "5XXError",
            {"ApiName": api_name(), "Stage": API_STAGE, "Resource": "/public/bookings", "Method": "POST"}, "Sum", 1)
    resources["InvoiceSendFailedAlarm"] = alarm(
        "An invoice email could not be sent", metrics_namespace(), INVOICE_SEND_FAILED_METRIC,
        {"service": metrics_service()}, "Sum", 1, period=900)
    return resources


def method_settings() -> list[dict]:
    settings = [{
        "ResourcePath": "/*",
        "HttpMethod": "*",
        "ThrottlingRateLimit": {"Ref": "ApiRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiBurstLimit"},
    }]
    for (path, method), (rate, burst) in sorted(THROTTLED_ROUTES.items()):
        settings.append({
            # API Gateway writes a path's slashes as ~1 in method settings.
            "ResourcePath": "/" + path.replace("/", "~1"),
            "HttpMethod": method,
            "ThrottlingRateLimit": {"Ref": rate},
            "ThrottlingBurstLimit": {"Ref": burst},
            "MetricsEnabled": True,
        })
    return settings


def default_dashboard(app) -> dict:
    region = "${AWS::Region}"
    fids = list(functions(app))

    def per_function(metric: str, stat: str) -> list:
        return [["AWS/Lambda", metric, "FunctionName", f"${{AWS::StackName}}-{fid}", {"stat": stat}] for fid in fids]

    def widget(title: str, metrics: list, x: int, y: int) -> dict:
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
                "properties": {"title": title, "region": region, "metrics": metrics, "view": "timeSeries", "period": 300}}

    api = "${AWS::StackName}"
    tables = [(table_id(m), m) for m in models()]
    widgets = [
        widget("Lambda invocations", per_function("Invocations", "Sum"), 0, 0),
        widget("Lambda errors and throttles", per_function("Errors", "Sum") + per_function("Throttles", "Sum"), 12, 0),
        widget("Lambda duration p95 (ms)", per_function("Duration", "p95"), 0, 6),
        widget("API requests and errors", [
            ["AWS/ApiGateway", "Count", "ApiName", api, "Stage", API_STAGE, {"stat": "Sum"}],
            ["AWS/ApiGateway", "4XXError", "ApiName", api, "Stage", API_STAGE, {"stat": "Sum"}],
            ["AWS/ApiGateway", "5XXError", "ApiName", api, "Stage", API_STAGE, {"stat": "Sum"}],
        ], 12, 6),
        widget("API latency p95 (ms)", [["AWS/ApiGateway", "Latency", "ApiName", api, "Stage", API_STAGE, {"stat": "p95"}]], 0, 12),
        widget("DynamoDB consumed capacity", [
            ["AWS/DynamoDB", metric, "TableName", f"${{{tid}}}", {"stat": "Sum"}]
            for tid, _ in tables for metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits")
        ], 12, 12),
        widget("DynamoDB throttles and errors", [
            ["AWS/DynamoDB", metric, "TableName", f"${{{tid}}}", {"stat": "Sum"}]
            for tid, _ in tables for metric in ("ThrottledRequests", "SystemErrors")
        ], 0, 18),
        widget("Business events", [
            [metrics_namespace(), name, "service", metrics_service(), {"stat": "Sum"}]
            for name in ("BookingCreated", "OrderCreated", "InvoiceIssued", "InvoiceSent", INVOICE_SEND_FAILED_METRIC)
        ], 12, 18),
    ]
    stream = [
        ["AWS/Lambda", "IteratorAge", "FunctionName", f"${{AWS::StackName}}-{fid}", {"stat": "Maximum"}]
        for fid in stream_functions(app)
    ]
    if stream:
        widgets.append(widget("Stream iterator age (ms)", stream, 0, 24))
    return {"widgets": widgets}


def dashboard_body(text: str):
    """A dashboard body for CloudFormation. `${...}` in it is filled in by Fn::Sub:
    `${AWS::Region}`, `${AWS::StackName}`, and logical ids (`${OrdersTable}` is the table's name)."""
    json.loads(text)  # a broken file fails here, not in CloudFormation
    return {"Fn::Sub": text} if "${" in text else text


def dashboards(app) -> dict:
    """`Dashboard`: infra/dashboard.json when it exists, else the Lambda/API/DynamoDB basics; with
    the file, the basics get their own dashboard (`<stack>-operations`)."""
    basics = dashboard_body(json.dumps(default_dashboard(app), indent=1))
    if not DASHBOARD_FILE.exists():
        return {"Dashboard": _dashboard("${AWS::StackName}", basics)}
    return {
        "Dashboard": _dashboard("${AWS::StackName}", dashboard_body(DASHBOARD_FILE.read_text())),
        "OperationsDashboard": _dashboard("${AWS::StackName}-operations", basics),
    }


def _dashboard(name: str, body) -> dict:
    return {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardName": {"Fn::Sub": name}, "DashboardBody": body}}
