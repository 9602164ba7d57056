"""The resources Chalice does not create, as a merge template for `chalice package --merge-template`.

Generated from the code, so it cannot drift from it: the DynamoDB tables and their indexes come
from the PynamoDB models (`chalicelib.models.ALL_MODELS`), the Lambda functions (their environment,
log groups and alarms) from the Chalice app's routes and event sources, the staff groups from the
roles the app knows (`chalicelib.auth.ROLES`). Chalice merges this template into its own, so the
keys under an existing resource (`APIHandler`, `RestAPI`, `OnOrderChange`...) override or extend
what Chalice wrote there.

    python -m infra.template --stage prod --out build/prod/merge.json

Data is kept safe: tables, the files bucket and the user pool survive a stack deletion
(`DeletionPolicy: Retain`); tables have point-in-time recovery and KMS encryption; the bucket is
private, encrypted, versioned and refuses plain HTTP.
"""
import argparse
import ast
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_FILE = ROOT / "infra" / "dashboard.json"

# Powertools Idempotency keeps its records' expiry here (epoch seconds); DynamoDB TTL removes them.
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"
# The API Gateway stage Chalice deploys to (`api_gateway_stage` in .chalice/config.json).
API_STAGE = "api"
# Routes open to the internet that a bot would hammer: lower throttling than the stage's default.
THROTTLED_ROUTES = {
    ("/public/bookings", "POST"): ("BookingRateLimit", "BookingBurstLimit"),
    ("/auth/login", "POST"): ("LoginRateLimit", "LoginBurstLimit"),
}
# The invoicing code emits this EMF metric (observability.count) when an invoice email fails.
INVOICE_SEND_FAILED_METRIC = "InvoiceSendFailed"
# Stream retries before a batch goes to the on-failure queue (bisecting on each failure).
STREAM_MAX_RETRIES = 5
ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000

PARAMETERS = {
    "SenderEmail": {
        "Type": "String",
        "Description": "The address emails come from; it (or its domain) must be verified in SES.",
        "AllowedPattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        "ConstraintDescription": "an email address",
    },
    "SenderName": {"Type": "String", "Default": "", "Description": "Display name on emails (e.g. your business name)."},
    "SesIdentity": {
        "Type": "String",
        "Default": "",
        "Description": "The SES identity the sender belongs to: the address itself (empty) or its domain.",
    },
    "CreateSesIdentity": {
        "Type": "String",
        "Default": "true",
        "AllowedValues": ["true", "false"],
        "Description": "Create the SES identity (false when it is already verified in this account and region).",
    },
    "PublicBaseUrl": {
        "Type": "String",
        "Description": "The site hosting the booking pages (/book/) and the staff app, e.g. https://www.example.com (no path).",
        "AllowedPattern": r"^https?://[^/\s]+$",
        "ConstraintDescription": "an origin such as https://www.example.com, without a path or trailing slash",
    },
    "AllowedOrigins": {
        "Type": "String",
        "Default": "",
        "Description": "Comma-separated sites whose pages may call the public booking API (empty: PublicBaseUrl).",
    },
    "AlarmEmail": {"Type": "String", "Default": "", "Description": "Who gets the alarms (empty: no subscription)."},
    "ApiRateLimit": {"Type": "Number", "Default": 20, "MinValue": 1, "Description": "API requests per second (stage)."},
    "ApiBurstLimit": {"Type": "Number", "Default": 40, "MinValue": 1, "Description": "API burst (stage)."},
    "BookingRateLimit": {"Type": "Number", "Default": 2, "MinValue": 1, "Description": "POST /public/bookings per second."},
    "BookingBurstLimit": {"Type": "Number", "Default": 5, "MinValue": 1, "Description": "POST /public/bookings burst."},
    "LoginRateLimit": {"Type": "Number", "Default": 1, "MinValue": 1, "Description": "POST /auth/login per second."},
    "LoginBurstLimit": {"Type": "Number", "Default": 5, "MinValue": 1, "Description": "POST /auth/login burst."},
    "LogRetentionDays": {
        "Type": "Number",
        "Default": 30,
        "AllowedValues": [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
        "Description": "How long the functions' logs are kept.",
    },
    "ReportsRetentionDays": {
        "Type": "Number",
        "Default": 365,
        "MinValue": 60,
        "Description": "Days before files under reports/ in the bucket are deleted (infrequent access after 30).",
    },
}

CONDITIONS = {
    "HasSesIdentity": {"Fn::Not": [{"Fn::Equals": [{"Ref": "SesIdentity"}, ""]}]},
    "ShouldCreateSesIdentity": {"Fn::Equals": [{"Ref": "CreateSesIdentity"}, "true"]},
    "HasAllowedOrigins": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AllowedOrigins"}, ""]}]},
    "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]},
}

RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


# --- names ---------------------------------------------------------------------------------------

def camel(name: str) -> str:
    """ORDERS_TABLE -> OrdersTable, on_order_change -> OnOrderChange (Chalice's own rule)."""
    from chalice.utils import to_cfn_resource_name

    return to_cfn_resource_name(name.lower())


def table_variables() -> dict[str, str]:
    """{settings attribute: environment variable} for every table name in chalicelib/settings.py,
    read from its `_name("ORDERS_TABLE", "orders")` calls."""
    tree = ast.parse((ROOT / "chalicelib" / "settings.py").read_text())
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "_name"):
            found[node.targets[0].id] = node.value.args[0].value
    return found


def table_variable(model) -> str:
    """The environment variable holding `model`'s table name."""
    from chalicelib import settings

    for attribute, variable in table_variables().items():
        if getattr(settings, attribute) == model.Meta.table_name:
            return variable
    raise LookupError(f"{model.__name__}: its table name does not come from a *_TABLE setting in chalicelib/settings.py")


def table_id(model) -> str:
    return camel(table_variable(model))


def stream_variable(model) -> str:
    """ORDERS_TABLE -> ORDERS_STREAM_ARN: where app.py reads the stream its handler listens to."""
    return table_variable(model).removesuffix("_TABLE") + "_STREAM_ARN"


def models() -> tuple:
    from chalicelib.models import ALL_MODELS

    return ALL_MODELS


def streamed_models() -> list:
    return [m for m in models() if getattr(m.Meta, "stream_view_type", None)]


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


# --- tables --------------------------------------------------------------------------------------

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

    from chalicelib.models import IdempotencyModel

    if model is IdempotencyModel:
        return IDEMPOTENCY_TTL_ATTRIBUTE
    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name
    return None


# --- the rest ------------------------------------------------------------------------------------

# Both buckets: encrypted, no public access whatever a policy or ACL says, no ACLs at all.
PRIVATE_BUCKET = {
    "BucketEncryption": {"ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
}


def deny_insecure_transport(bucket_id: str) -> dict:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": [bucket_id, "Arn"]}, {"Fn::Sub": f"${{{bucket_id}.Arn}}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def bucket_resources() -> dict:
    return {
        "FilesBucket": {
            "Type": "AWS::S3::Bucket",
            **RETAIN,
            "Properties": {
                **PRIVATE_BUCKET,
                "VersioningConfiguration": {"Status": "Enabled"},
                # Technicians' phones POST photos straight to the bucket (presigned) from the staff app.
                "CorsConfiguration": {"CorsRules": [{
                    "AllowedMethods": ["POST", "GET"],
                    # The staff app's own origin is the stack's CloudFront domain; naming it here
                    # would make a cycle (bucket -> distribution -> API -> functions -> bucket).
                    "AllowedOrigins": [{"Ref": "PublicBaseUrl"}, "https://*.cloudfront.net"],
                    "AllowedHeaders": ["*"],
                    "MaxAge": 600,
                }]},
                "LifecycleConfiguration": {"Rules": [
                    {
                        "Id": "reports",
                        "Status": "Enabled",
                        "Prefix": "reports/",
                        "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}],
                        "ExpirationInDays": {"Ref": "ReportsRetentionDays"},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    },
                    {
                        "Id": "old-versions-and-unfinished-uploads",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                    },
                ]},
            },
        },
        "FilesBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "FilesBucket"},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [deny_insecure_transport("FilesBucket")]},
            },
        },
    }


# The staff app (web/tech/) and the booking pages (web/booking/) in the cloud: one CloudFront
# distribution serves them from a private bucket at /tech/ and /book/, and sends every other path
# to the API, so the app calls the API on its own origin (no CORS, Authorization forwarded).
WEB_PATHS = {"tech": "tech", "book": "booking"}  # URL path -> folder of web/
# AWS-managed CloudFront policies (their ids are the same in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# Every viewer header but Host (API Gateway answers 403 to another Host); with caching disabled
# it forwards Authorization too.
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# Viewer request: `/tech` -> 301 `/tech/`; a path ending in `/` -> its index.html (an S3 origin
# serves no index documents).
SITE_PATH_FUNCTION = """function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/tech' || uri === '/book') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: uri + '/' } } };
  }
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
  }
  return request;
}
"""


def web_resources() -> dict:
    site_behaviors = [
        {
            "PathPattern": pattern,
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD"],
            "CachedMethods": ["GET", "HEAD"],
            "CachePolicyId": CACHING_OPTIMIZED,  # the files say `Cache-Control: no-cache`: revalidated
            "Compress": True,
            "FunctionAssociations": [{"EventType": "viewer-request",
                                      "FunctionARN": {"Fn::GetAtt": ["SitePathFunction", "FunctionMetadata.FunctionARN"]}}],
        }
        for path in WEB_PATHS for pattern in (f"/{path}", f"/{path}/*")
    ]
    return {
        "SiteBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                **PRIVATE_BUCKET,
            },
        },
        "SiteBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "SiteBucket"},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {
                        "Sid": "ReadByThisDistributionOnly",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": {"Fn::Sub": "${SiteBucket.Arn}/*"},
                        "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${AppDistribution}"}}},
                    },
                    deny_insecure_transport("SiteBucket"),
                ]},
            },
        },
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {"OriginAccessControlConfig": {
                "Name": {"Fn::Sub": "${AWS::StackName}-site"},
                "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always",
                "SigningProtocol": "sigv4",
            }},
        },
        "SitePathFunction": {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-site-paths"},
                "AutoPublish": True,
                "FunctionConfig": {"Comment": "/tech -> /tech/, folders -> index.html", "Runtime": "cloudfront-js-2.0"},
                "FunctionCode": SITE_PATH_FUNCTION,
            },
        },
        "AppDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {"DistributionConfig": {
                "Enabled": True,
                "Comment": {"Fn::Sub": "${AWS::StackName}: the staff app, the booking pages and the API"},
                "HttpVersion": "http2and3",
                "PriceClass": "PriceClass_100",
                "Origins": [
                    {
                        "Id": "api",
                        "DomainName": {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"},
                        "OriginPath": f"/{API_STAGE}",
                        "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
                    },
                    {
                        "Id": "site",
                        "DomainName": {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]},
                        "OriginAccessControlId": {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]},
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    },
                ],
                "DefaultCacheBehavior": {
                    "TargetOriginId": "api",
                    "ViewerProtocolPolicy": "https-only",
                    "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                    "CachedMethods": ["GET", "HEAD"],
                    "CachePolicyId": CACHING_DISABLED,
                    "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
                    "Compress": True,
                },
                "CacheBehaviors": site_behaviors,
            }},
        },
    }


def user_pool_resources() -> dict:
    from chalicelib.auth import ROLES

    resources = {
        "UserPool": {
            "Type": "AWS::Cognito::UserPool",
            **RETAIN,
            "Properties": {
                "UserPoolName": {"Fn::Sub": "${AWS::StackName}-staff"},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                "AutoVerifiedAttributes": ["email"],
                "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                "Policies": {"PasswordPolicy": {
                    "MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
                    "RequireNumbers": True, "RequireSymbols": False, "TemporaryPasswordValidityDays": 7}},
            },
        },
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": {"Ref": "UserPool"},
                "ClientName": "workorders-web",
                "GenerateSecret": False,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "PreventUserExistenceErrors": "ENABLED",
                "EnableTokenRevocation": True,
            },
        },
    }
    for role in ROLES:
        resources[f"{camel(role)}Group"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"GroupName": role, "UserPoolId": {"Ref": "UserPool"}, "Description": f"Staff role {role}"},
        }
    return resources


def ses_identity() -> dict:
    """The identity `ses:SendRawEmail` is granted on: SesIdentity, or the sender address itself."""
    return {"Fn::If": ["HasSesIdentity", {"Ref": "SesIdentity"}, {"Ref": "SenderEmail"}]}


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
    })
    for model in streamed_models():
        variables[stream_variable(model)] = {"Fn::GetAtt": [table_id(model), "StreamArn"]}
    return variables


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


def api_name() -> dict:
    return {"Fn::Sub": "${AWS::StackName}"}


def metrics_service() -> str:
    """The `service` dimension Powertools Metrics puts on every EMF metric of the app."""
    tree = ast.parse((ROOT / "chalicelib" / "observability.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Metrics":
            for keyword in node.keywords:
                if keyword.arg == "service":
                    return keyword.value.value
    raise LookupError("chalicelib/observability.py: no Metrics(service=...)")


def metrics_namespace() -> str:
    from chalicelib import observability

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


# --- the template --------------------------------------------------------------------------------

def build(app) -> dict:
    resources: dict = {}
    for model in models():
        resources[table_id(model)] = table_resource(model)
    resources.update(bucket_resources())
    resources.update(user_pool_resources())
    resources["SenderIdentity"] = {
        "Type": "AWS::SES::EmailIdentity",
        "Condition": "ShouldCreateSesIdentity",
        "Properties": {"EmailIdentity": ses_identity()},
    }
    resources["AlarmTopic"] = {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "Work orders alarms"}}
    resources["AlarmSubscription"] = {
        "Type": "AWS::SNS::Subscription",
        "Condition": "HasAlarmEmail",
        "Properties": {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}},
    }

    variables = environment(app)
    for fid in functions(app):
        resources[f"{fid}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{fid}"},
                "RetentionInDays": {"Ref": "LogRetentionDays"},
            },
        }
        # The function's name is fixed so its log group exists (with retention) before it runs.
        resources[fid] = {
            "DependsOn": [f"{fid}LogGroup"],
            "Properties": {"FunctionName": function_name(fid), "Environment": {"Variables": dict(variables)}},
        }

    for fid, source in stream_functions(app).items():
        queue = failures_queue_id(fid)
        resources[queue] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600},
        }
        resources[fid]["Properties"]["Events"] = {f"{fid}DynamodbEventSource": {"Properties": {
            "Stream": {"Fn::GetAtt": [table_id(stream_table(source)), "StreamArn"]},
            "StartingPosition": source.starting_position,
            "BatchSize": source.batch_size,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": STREAM_MAX_RETRIES,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}},
        }}}

    if app.routes:
        resources["RestAPI"] = {"Properties": {"Name": api_name(), "MethodSettings": method_settings()}}
    resources.update(alarms(app))
    resources.update(dashboards(app))
    if app.routes:
        resources.update(web_resources())

    outputs = {
        "UserPoolId": {"Value": {"Ref": "UserPool"}},
        "UserPoolClientId": {"Value": {"Ref": "UserPoolClient"}},
        "FilesBucketName": {"Value": {"Ref": "FilesBucket"}},

        "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
        "DashboardUrl": {"Value": {"Fn::Sub": "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=${AWS::StackName}"}},
    }
    if app.routes:
        outputs.update({
            "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
            "AppUrl": {"Value": {"Fn::Sub": "https://${AppDistribution.DomainName}"}},
            "StaffAppUrl": {"Value": {"Fn::Sub": "https://${AppDistribution.DomainName}/tech/"}},
            "BookingPageUrl": {"Value": {"Fn::Sub": "https://${AppDistribution.DomainName}/book/"}},
        })
    for model in models():
        outputs[f"{table_id(model)}Name"] = {"Value": {"Ref": table_id(model)}}
    for fid in stream_functions(app):
        outputs[f"{failures_queue_id(fid)}Url"] = {"Value": {"Ref": failures_queue_id(fid)}}

    return {
        "Description": "Work orders: API, booking form backend, tables, staff sign-in, email, alarms",
        "Parameters": PARAMETERS,
        "Conditions": CONDITIONS,
        "Resources": resources,
        "Outputs": outputs,
    }


def load_app():
    """The Chalice app, as `chalice package` sees it."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    sys.path.insert(0, str(ROOT))
    import app

    return app.app


def write(out: Path) -> Path:
    """The merge template, the same for every stage (names come from the stack, not the stage)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(build(load_app()), indent=1) + "\n")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    print(write(args.out or ROOT / "build" / args.stage / "merge.json"))


if __name__ == "__main__":
    main()
