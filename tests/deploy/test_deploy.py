"""The deployment: the packaged CloudFormation template, the IAM policy and the Lambda zip.

The app is packaged once for the module (`chalice package --merge-template`, offline, about a
minute) and the merged template is checked against the code it deploys: the tables and indexes
against the PynamoDB models, the functions and schedules against the Chalice app, the policy
against the AWS calls the code makes (infra/policy.py reads them from the source). Whatever the
code adds that the template or the policy lacks fails here, not in the cloud.
"""
import ast
import io
import json
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra import create_admin, deploy, package, policy
from infra.template.build import load_app
from infra.template.common import ROOT, camel
from infra.template.functions import failures_queue_id, stream_functions, stream_table
from infra.template.functions import functions as app_functions
from infra.template.monitoring import DASHBOARD_FILE, INVOICE_SEND_FAILED_METRIC, THROTTLED_ROUTES, metrics_service
from infra.template.tables import models, table_id, table_variable, table_variables
from infra.template.web import ALL_VIEWER_EXCEPT_HOST_HEADER, CACHING_DISABLED, WEB_PATHS


@pytest.fixture(scope="module")
def app():
    return load_app()


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    """The prod stage packaged once: {"template", "report", "out"}."""
    out = tmp_path_factory.mktemp("package") / "prod"
    report = package.build("prod", out, check_policy=False)
    return {"template": json.loads((out / "sam.json").read_text()), "report": report, "out": out}


@pytest.fixture(scope="module")
def analysis():
    return policy.analyse()


def resources(tpl: dict, kind: str) -> dict:
    return {k: v for k, v in tpl["Resources"].items() if v.get("Type") == kind}


def functions(tpl: dict) -> dict:
    return resources(tpl, "AWS::Serverless::Function")


# --- the template as a whole -------------------------------------------------------------------

def test_chalice_packages_a_still_copy_without_bytecode_with_its_own_dependency_cache(packaged):
    # Chalice hashes and zips every file under chalicelib; the working tree's __pycache__ is
    # rewritten by anything importing the app meanwhile, so the copy it packages leaves it out.
    copy = packaged["out"].parent / f"{packaged['out'].name}-project"
    assert (copy / "app.py").read_bytes() == (ROOT / "app.py").read_bytes()
    ours = sorted(p.relative_to(ROOT) for p in (ROOT / "chalicelib").rglob("*.py"))
    assert sorted(p.relative_to(copy) for p in (copy / "chalicelib").rglob("*.py")) == ours
    with zipfile.ZipFile(packaged["out"] / "deployment.zip") as zf:
        names = zf.namelist()
    assert not [n for n in names if n.startswith("chalicelib/") and ("__pycache__" in n or n.endswith(".pyc"))]
    assert {f"{p.as_posix()}" for p in ours} <= set(names)
    # and a dependency cache of its own, so two packagings at once never write the same file
    assert not (copy / ".chalice" / "deployments").is_symlink()
    assert (copy / ".chalice" / "deployments").resolve() != (ROOT / ".chalice" / "deployments").resolve()


def test_the_packaged_template_passes_cfn_lint_without_errors(packaged):
    lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(lint), "--format", "parseable", str(packaged["out"] / "sam.json")],
                          capture_output=True, text=True)
    findings = [line for line in done.stdout.splitlines() if line.strip()]
    errors = [f for f in findings if ":E" in f]
    # cfn-lint's exit code is a bit field: 2 errors, 4 warnings, 8 informational; 1 a crash.
    assert not errors and done.returncode != 1 and not done.returncode & 2, "\n".join(findings) or done.stderr
    print(f"cfn-lint: {len(findings)} findings, none an error" + ("".join("\n  " + f for f in findings)))


def test_every_function_the_app_declares_is_packaged_and_known_to_the_merge_template(packaged, app):
    assert set(functions(packaged["template"])) == set(app_functions(app))


# --- tables ------------------------------------------------------------------------------------

def _model_classes_in_the_data_layer() -> set:
    """The PynamoDB models of chalicelib/data/ (models.py, and counters.py for the limits)."""
    found = set()
    for path in sorted((ROOT / "chalicelib" / "data").glob("*.py")):
        tree = ast.parse(path.read_text())
        found |= {n.name for n in tree.body if isinstance(n, ast.ClassDef)
                  and any(getattr(b, "id", None) == "Model" for b in n.bases)}
    return found


def test_every_model_is_in_all_models_so_it_gets_a_table():
    assert _model_classes_in_the_data_layer() == {m.__name__ for m in models()}


def test_every_table_setting_belongs_to_a_model_so_the_cloud_has_that_table():
    # A *_TABLE setting without a model would point at a table nobody creates.
    assert set(table_variables().values()) == {table_variable(m) for m in models()}


def test_every_model_has_its_table_with_its_keys_and_indexes_and_nothing_else(packaged):
    tables = resources(packaged["template"], "AWS::DynamoDB::Table")
    assert set(tables) == {table_id(m) for m in models()}
    for model in models():
        props = tables[table_id(model)]["Properties"]
        schema = model._get_schema()
        keys = {(k["AttributeName"], k["KeyType"]) for k in schema["key_schema"]}
        assert {(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]} == keys, model.__name__
        assert props["KeySchema"][0]["KeyType"] == "HASH"
        wanted = {i["index_name"]: i for i in schema.get("global_secondary_indexes") or []}
        built = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        assert set(built) == set(wanted), model.__name__
        for name, index in wanted.items():
            assert {(k["AttributeName"], k["KeyType"]) for k in built[name]["KeySchema"]} == \
                {(k["AttributeName"], k["KeyType"]) for k in index["key_schema"]}, (model.__name__, name)
            assert built[name]["Projection"]["ProjectionType"] == index["projection"]["ProjectionType"]
        assert {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]} == \
            {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}


def test_tables_are_on_demand_recoverable_encrypted_and_survive_the_stack(packaged):
    for name, table in resources(packaged["template"], "AWS::DynamoDB::Table").items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", name


def test_streams_and_ttl_are_where_the_code_needs_them(packaged):
    from chalicelib.data.counters import CounterModel
    from chalicelib.data.models import IdempotencyModel, OrderModel

    tables = resources(packaged["template"], "AWS::DynamoDB::Table")
    for model in models():
        props = tables[table_id(model)]["Properties"]
        view = getattr(model.Meta, "stream_view_type", None)
        assert props.get("StreamSpecification", {}).get("StreamViewType") == view, model.__name__
    assert tables[table_id(OrderModel)]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert tables[table_id(IdempotencyModel)]["Properties"]["TimeToLiveSpecification"] == \
        {"AttributeName": "expiration", "Enabled": True}
    # the abuse limits' counters: their own table, expiring through DynamoDB's TTL
    counters = tables["CountersTable"]["Properties"]
    assert table_id(CounterModel) == "CountersTable"
    assert counters["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert counters["KeySchema"] == [{"AttributeName": "counter_id", "KeyType": "HASH"}]
    assert "GlobalSecondaryIndexes" not in counters  # read by key only


def test_the_functions_may_count_in_the_counters_table_and_nothing_more(analysis):
    pairs = {(a, r) for a, r in analysis.pairs() if r == ("table", "CountersTable")}
    assert pairs == {("dynamodb:UpdateItem", ("table", "CountersTable")),  # rate windows (ADD)
                     ("dynamodb:PutItem", ("table", "CountersTable")),  # contact ledgers, in the booking's transaction
                     ("dynamodb:BatchGetItem", ("table", "CountersTable"))}  # read with the booking's other items
    for stage in policy.STAGES:
        granted = json.loads(policy.policy_files(stage)["functions"].read_text())
        text = json.dumps(granted)
        assert "CountersTable" in text, f"{policy.policy_files(stage)['functions'].name}: run `make policy`"


def test_every_table_index_and_bucket_the_code_uses_exists_in_the_template(packaged, analysis):
    tpl = packaged["template"]
    tables = resources(tpl, "AWS::DynamoDB::Table")
    used = {u.resource for u in analysis.uses}
    queried = {r for r in used if r[0] == "index"}
    assert queried, "the analysis found no index queries at all"
    for _, table, index in queried:
        names = {i["IndexName"] for i in tables[table]["Properties"].get("GlobalSecondaryIndexes", [])}
        assert index in names, f"the code queries {table}/{index}, which the template lacks"
    assert {r[1] for r in used if r[0] == "table"} <= set(tables)
    buckets = {r[1] for r in used if r[0] in ("objects", "bucket")}
    assert buckets and all(tpl["Resources"][b]["Type"] == "AWS::S3::Bucket" for b in buckets)


# --- the stream --------------------------------------------------------------------------------

def test_the_orders_stream_feeds_its_handler_with_partial_failures_retries_and_a_failure_queue(packaged, app):
    tpl = packaged["template"]
    streams = stream_functions(app)
    assert "OnOrderChange" in streams
    for fid, source in streams.items():
        events = tpl["Resources"][fid]["Properties"]["Events"]
        (event,) = [e for e in events.values() if e["Type"] == "DynamoDB"]
        props = event["Properties"]
        table = table_id(stream_table(source))
        assert props["Stream"] == {"Fn::GetAtt": [table, "StreamArn"]}
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BisectBatchOnFunctionError"] is True
        assert 0 <= props["MaximumRetryAttempts"] <= 10
        assert props["StartingPosition"] == source.starting_position and props["BatchSize"] == source.batch_size
        queue = props["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert tpl["Resources"][queue]["Type"] == "AWS::SQS::Queue"
        assert tpl["Resources"][queue]["Properties"]["SqsManagedSseEnabled"] is True


# --- functions: environment, logs, schedules ----------------------------------------------------

def test_every_function_finds_its_tables_bucket_user_pool_and_stream_in_its_environment(packaged):
    tpl = packaged["template"]
    for fid, fn in functions(tpl).items():
        env = fn["Properties"]["Environment"]["Variables"]
        for model in models():
            assert env[table_variable(model)] == {"Ref": table_id(model)}, (fid, model.__name__)
        assert env["FILES_BUCKET"] == {"Ref": "FilesBucket"}
        assert env["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
        assert env["COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
        assert env["SENDER_EMAIL"] == {"Ref": "SenderEmail"}
        assert env["PUBLIC_BASE_URL"] == {"Ref": "PublicBaseUrl"}
        assert "ALLOWED_ORIGINS" in env
        assert env["ORDERS_STREAM_ARN"] == {"Fn::GetAtt": ["OrdersTable", "StreamArn"]}
        for ref in _refs(env):
            assert ref in tpl["Resources"] or ref in tpl["Parameters"], (fid, ref)


def _refs(node) -> set:
    if isinstance(node, dict):
        found = {node["Ref"]} if "Ref" in node else set()
        if "Fn::GetAtt" in node:
            found.add(node["Fn::GetAtt"][0])
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


# Read with a default that is right in the cloud too, or only used by tests and the local system.
OPTIONAL_SETTINGS = {
    "AWS_ENDPOINT_URL": "the local system's embedded AWS",
    "JWKS_URL": "tests: a local copy of the pool's keys",
    "AWS_REGION": "set by Lambda",
    "AWS_DEFAULT_REGION": "set by Lambda",
    "REPORTS_BUCKET": "falls back to FILES_BUCKET (reports/ has its lifecycle rule there)",
}
INFRASTRUCTURE_SUFFIXES = ("_TABLE", "_BUCKET", "_ARN", "_ID", "_QUEUE", "_TOPIC", "_EMAIL", "_URL")


def _settings_read_by_code() -> dict:
    """{variable: read with a default?} for every environment variable app.py and chalicelib read."""
    found: dict = {}
    for path in policy.source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ"
                    and isinstance(node.slice, ast.Constant)):
                found[node.slice.value] = False
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            if (name == "env" and owner in ("", "settings")) or (name == "get" and owner == "os.environ") \
                    or name in ("getenv", "_name"):
                variable = node.args[0].value
                if isinstance(variable, str) and variable.isupper():
                    found[variable] = found.get(variable, True) and (len(node.args) > 1 or name == "_name" or bool(node.keywords))
    return found


def test_every_setting_the_code_reads_reaches_the_functions_unless_its_default_is_right(packaged):
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    common = set(config.get("environment_variables", {}))
    stage = set(config["stages"]["prod"].get("environment_variables", {}))
    read = _settings_read_by_code()
    assert "ORDERS_TABLE" in read and "COGNITO_CLIENT_ID" in read
    for fid, fn in functions(packaged["template"]).items():
        set_here = set(fn["Properties"]["Environment"]["Variables"]) | common | stage
        for variable, has_default in sorted(read.items()):
            if variable in set_here or variable in OPTIONAL_SETTINGS:
                continue
            assert has_default and not variable.endswith(INFRASTRUCTURE_SUFFIXES), (
                f"{fid}: the code reads {variable}, which the template does not set"
                + (" and which has no default" if not has_default else " and which names infrastructure")
                + ": add it to infra/template/functions.py environment() or .chalice/config.json")


def test_each_function_has_a_named_log_group_with_retention_created_before_it(packaged):
    tpl = packaged["template"]
    for fid, fn in functions(tpl).items():
        assert fn["Properties"]["FunctionName"] == {"Fn::Sub": f"${{AWS::StackName}}-{fid}"}
        group = tpl["Resources"][f"{fid}LogGroup"]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{fid}"}
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert f"{fid}LogGroup" in fn["DependsOn"]


def test_every_schedule_the_app_declares_runs_in_the_cloud(packaged, app):
    from chalice.app import CloudWatchEventConfig, ScheduledEventConfig

    tpl = packaged["template"]
    declared = [s for s in app.event_sources if isinstance(s, (ScheduledEventConfig, CloudWatchEventConfig))]
    assert declared, "the app declares no schedules at all"
    for source in declared:
        fid = camel(source.name)
        events = tpl["Resources"][fid]["Properties"]["Events"].values()
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            expression = expression if isinstance(expression, str) else expression.to_string()
            assert any(e["Type"] == "Schedule" and e["Properties"]["Schedule"] == expression for e in events), source.name
        else:
            assert any(e["Type"] == "CloudWatchEvent" for e in events), source.name


# --- bucket, user pool, SES, API throttling ------------------------------------------------------

def test_the_bucket_is_private_encrypted_versioned_and_takes_photo_posts_from_the_site(packaged):
    tpl = packaged["template"]
    bucket = tpl["Resources"]["FilesBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert "POST" in cors["AllowedMethods"]
    assert cors["AllowedOrigins"] == [{"Ref": "PublicBaseUrl"}, "https://*.cloudfront.net"]  # the site, the staff app
    reports = [r for r in props["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == "reports/"]
    assert reports and reports[0]["Status"] == "Enabled" and reports[0]["ExpirationInDays"]
    (deny,) = tpl["Resources"]["FilesBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_one_distribution_serves_the_staff_app_and_booking_pages_from_a_private_bucket_and_the_rest_from_the_api(packaged):
    res = packaged["template"]["Resources"]
    config = res["AppDistribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    # everything else goes to the API, uncached, with every header but Host (so Authorization too)
    api = origins["api"]
    assert api["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert api["OriginPath"] == "/api" and api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert "RestAPI" in res and res["RestAPI"]["Properties"].get("StageName", "api") == "api"
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "api" and default["ViewerProtocolPolicy"] == "https-only"
    assert default["CachePolicyId"] == CACHING_DISABLED
    assert default["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert {"GET", "POST", "PUT", "OPTIONS"} <= set(default["AllowedMethods"])
    # /tech and /book (with and without the slash) from the site bucket, through origin access control
    site = origins["site"]
    assert site["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert site["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviors) == {"/tech", "/tech/*", "/book", "/book/*", "/office", "/office/*"}
    for behavior in behaviors.values():
        assert behavior["TargetOriginId"] == "site" and behavior["AllowedMethods"] == ["GET", "HEAD"]
        (function,) = behavior["FunctionAssociations"]
        assert function["EventType"] == "viewer-request"
        assert function["FunctionARN"] == {"Fn::GetAtt": ["SitePathFunction", "FunctionMetadata.FunctionARN"]}
    # no API path is shadowed by a site path
    api_paths = {route for route in load_app().routes}
    assert not [p for p in api_paths if p in ("/tech", "/book") or p.startswith(("/tech/", "/book/"))]
    code = res["SitePathFunction"]["Properties"]["FunctionCode"]
    assert "uri + 'index.html'" in code and "statusCode: 301" in code
    # the bucket is private; only this distribution may read it, only over HTTPS
    bucket = res["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values()) and len(bucket["PublicAccessBlockConfiguration"]) == 4
    allow, deny = res["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    assert "${AppDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    outputs = packaged["template"]["Outputs"]
    assert outputs["StaffAppUrl"]["Value"] == {"Fn::Sub": "https://${AppDistribution.DomainName}/tech/"}
    assert {"SiteBucketName", "AppUrl", "BookingPageUrl"} <= set(outputs)


def test_an_unknown_api_path_is_a_404_in_the_app_s_error_shape_after_chalice_s_definition_is_merged(packaged):
    from tests.deploy.test_not_found import rendered

    definition = packaged["template"]["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert "/orders/{order_id}" in definition["paths"]  # Chalice's own definition is still there
    responses = definition["x-amazon-apigateway-gateway-responses"]
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == "404"
    assert rendered(missing)["error"]["code"] == "not_found"
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"} <= set(responses)


def test_a_cloudfront_web_acl_rate_limits_the_public_routes_where_aws_allows_one(packaged):
    from infra.template.protection import PUBLIC_PATHS

    tpl = packaged["template"]
    res, params, conditions = tpl["Resources"], tpl["Parameters"], tpl["Conditions"]
    acl = res["PublicWebAcl"]
    assert acl["Type"] == "AWS::WAFv2::WebACL" and acl["Properties"]["Scope"] == "CLOUDFRONT"
    # CLOUDFRONT web ACLs exist only in us-east-1: made there, else the ARN of one made there, else none
    assert acl["Condition"] == "CreatePublicWebAcl"
    assert conditions["CreatePublicWebAcl"] == {"Fn::And": [
        {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}, {"Fn::Equals": [{"Ref": "WebAclArn"}, ""]},
        {"Fn::Equals": [{"Ref": "CreateWebAcl"}, "true"]}]}  # a business may save its cost (about $6 a month)
    assert params["CreateWebAcl"]["Default"] == "true"
    assert params["WebAclArn"]["Default"] == "" and "us-east-1" in params["WebAclArn"]["AllowedPattern"]
    config = res["AppDistribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::If": ["HasWebAclArn", {"Ref": "WebAclArn"}, {"Fn::If": [
        "CreatePublicWebAcl", {"Fn::GetAtt": ["PublicWebAcl", "Arn"]}, {"Ref": "AWS::NoValue"}]}]}
    props = acl["Properties"]
    assert props["DefaultAction"] == {"Allow": {}}
    (rule,) = props["Rules"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP" and rate["Limit"] == {"Ref": "WafRateLimit"}
    assert rate["EvaluationWindowSec"] == 300 and params["WafRateLimit"]["MinValue"] >= 10
    paths = {s["ByteMatchStatement"]["SearchString"]: s["ByteMatchStatement"]
             for s in rate["ScopeDownStatement"]["OrStatement"]["Statements"]}
    assert set(paths) == set(PUBLIC_PATHS) == {"/public/bookings", "/public/availability"}
    assert all(m["PositionalConstraint"] == "STARTS_WITH" and m["FieldToMatch"] == {"UriPath": {}} for m in paths.values())
    routes = {route for route in load_app().routes}
    assert {"/public/bookings", "/public/availability"} <= routes
    block = rule["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429 and {"Name": "Retry-After", "Value": "300"} in block["ResponseHeaders"]
    body = json.loads(props["CustomResponseBodies"][block["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "too_many_requests"  # the app's own error shape


def test_the_api_counts_each_viewer_by_their_own_address_behind_cloudfront(packaged):
    tpl = packaged["template"]
    res = tpl["Resources"]
    config = res["AppDistribution"]["Properties"]["DistributionConfig"]
    (viewer,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert viewer == {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["ApiViewerFunction", "FunctionMetadata.FunctionARN"]}}
    assert "request.headers['x-viewer-address'] = { value: event.viewer.ip }" in res["ApiViewerFunction"]["Properties"]["FunctionCode"]
    api = {o["Id"]: o for o in config["Origins"]}["api"]
    secret = {"Fn::Sub": "{{resolve:secretsmanager:${LimitsSecret}:SecretString}}"}
    assert api["OriginCustomHeaders"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": secret}]
    assert res["LimitsSecret"]["Type"] == "AWS::SecretsManager::Secret"
    assert res["LimitsSecret"]["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    for fid, fn in functions(tpl).items():
        assert fn["Properties"]["Environment"]["Variables"]["LIMITS_SECRET"] == secret, fid


def test_the_web_acl_alone_is_a_template_for_us_east_1_that_passes_cfn_lint(tmp_path):
    from infra.template import waf

    out = tmp_path / "waf.json"
    waf.main(["--out", str(out)])
    template = json.loads(out.read_text())
    assert template["Resources"]["PublicWebAcl"]["Properties"]["Scope"] == "CLOUDFRONT"
    assert template["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["PublicWebAcl", "Arn"]}
    lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(lint), "--format", "parseable", "--regions", "us-east-1", str(out)], capture_output=True, text=True)
    errors = [line for line in done.stdout.splitlines() if ":E" in line]
    assert not errors and done.returncode != 1 and not done.returncode & 2, done.stdout or done.stderr


def test_every_web_folder_the_distribution_serves_exists_with_its_index():
    for path, folder in WEB_PATHS.items():
        assert (ROOT / "web" / folder / "index.html").is_file(), folder


def test_the_user_pool_has_the_app_roles_as_groups_and_a_password_client_without_secret(packaged):
    from chalicelib.staff.auth import ROLES
    from infra.bootstrap import ROLE_GROUPS

    tpl = packaged["template"]
    groups = {g["Properties"]["GroupName"] for g in resources(tpl, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(ROLES) == set(ROLE_GROUPS) == {"admin", "dispatcher", "technician"}
    (client,) = resources(tpl, "AWS::Cognito::UserPoolClient").values()
    assert "ALLOW_USER_PASSWORD_AUTH" in client["Properties"]["ExplicitAuthFlows"]
    assert client["Properties"]["GenerateSecret"] is False
    pool = tpl["Resources"]["UserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_the_ses_sender_is_a_parameter_and_its_identity_optional(packaged):
    tpl = packaged["template"]
    assert "SenderEmail" in tpl["Parameters"] and "Default" not in tpl["Parameters"]["SenderEmail"]
    identity = tpl["Resources"]["SenderIdentity"]
    assert identity["Type"] == "AWS::SES::EmailIdentity" and identity["Condition"] == "ShouldCreateSesIdentity"


def test_the_booking_and_login_routes_are_throttled_below_the_stage(packaged, app):
    tpl = packaged["template"]
    settings = tpl["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    by_path = {(s["ResourcePath"], s["HttpMethod"]): s for s in settings}
    stage = by_path[("/*", "*")]
    params = tpl["Parameters"]
    for (path, method), (rate, burst) in THROTTLED_ROUTES.items():
        assert method in app.routes[path], f"{method} {path} is no longer a route"
        setting = by_path[("/" + path.replace("/", "~1"), method)]
        assert setting["ThrottlingRateLimit"] == {"Ref": rate} and setting["ThrottlingBurstLimit"] == {"Ref": burst}
        assert params[rate]["Default"] < params[stage["ThrottlingRateLimit"]["Ref"]]["Default"]
        assert params[burst]["Default"] < params[stage["ThrottlingBurstLimit"]["Ref"]]["Default"]


# --- alarms and the dashboard --------------------------------------------------------------------

def _emitted_metrics() -> set:
    """Names passed to observability.count(...) anywhere in chalicelib."""
    found = set()
    for path in policy.source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "count"
                    and ast.unparse(node.func.value) == "observability" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_alarms_cover_errors_throttles_stream_lag_failed_records_5xx_and_invoice_emails(packaged, app):
    from chalicelib.core import observability

    tpl = packaged["template"]
    alarms = resources(tpl, "AWS::CloudWatch::Alarm")
    watched = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"], json.dumps(a["Properties"]["Dimensions"], sort_keys=True))
               for a in alarms.values()}

    def has(namespace, metric, **dimensions):
        dims = json.dumps([{"Name": k, "Value": v} for k, v in dimensions.items()], sort_keys=True)
        return (namespace, metric, dims) in watched

    for fid in functions(tpl):
        assert has("AWS/Lambda", "Errors", FunctionName={"Ref": fid}), fid
        assert has("AWS/Lambda", "Throttles", FunctionName={"Ref": fid}), fid
    for fid in stream_functions(app):
        assert has("AWS/Lambda", "IteratorAge", FunctionName={"Ref": fid}), fid
        queue = failures_queue_id(fid)
        assert has("AWS/SQS", "ApproximateNumberOfMessagesVisible", QueueName={"Fn::GetAtt": [queue, "QueueName"]})
    assert has("AWS/ApiGateway", "5XXError", ApiName={"Fn::Sub": "${AWS::StackName}"}, Stage="api")
    # The API is named after the stack, so the alarm's ApiName dimension matches it.
    assert tpl["Resources"]["RestAPI"]["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}"}
    assert INVOICE_SEND_FAILED_METRIC in _emitted_metrics(), "the invoicing code no longer emits InvoiceSendFailed"
    assert has(observability.NAMESPACE, "InvoiceSendFailed", service=metrics_service())
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    subscription = tpl["Resources"]["AlarmSubscription"]["Properties"]
    assert subscription["Protocol"] == "email" and subscription["Endpoint"] == {"Ref": "AlarmEmail"}


def _dashboard(tpl: dict, name: str) -> dict:
    body = tpl["Resources"][name]["Properties"]["DashboardBody"]
    return json.loads(body["Fn::Sub"] if isinstance(body, dict) else body)


def test_the_dashboard_is_infra_dashboard_json_when_it_exists_and_the_basics_are_always_there(packaged):
    tpl = packaged["template"]
    dashboards = resources(tpl, "AWS::CloudWatch::Dashboard")
    if DASHBOARD_FILE.exists():
        assert _dashboard(tpl, "Dashboard") == json.loads(DASHBOARD_FILE.read_text())
        basics = _dashboard(tpl, "OperationsDashboard")
    else:
        assert set(dashboards) == {"Dashboard"}
        basics = _dashboard(tpl, "Dashboard")
    titles = {w["properties"]["title"] for w in basics["widgets"]}
    assert {"Lambda invocations", "API requests and errors", "DynamoDB consumed capacity", "Stream iterator age (ms)"} <= titles


# --- IAM -----------------------------------------------------------------------------------------

def _granted(doc: dict, candidates: set) -> tuple[set, list]:
    """(action, resource) pairs a policy document grants, mapped back through `policy.arn`, and
    what it grants that maps to nothing the code or the platform needs."""
    by_arn = {json.dumps(policy.arn(r), sort_keys=True): r for r in candidates}
    pairs, unknown = set(), []
    for statement in doc["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for target in targets:
            assert target != "*", f"{statement['Sid']}: Resource '*'"
            resource = by_arn.get(json.dumps(target, sort_keys=True))
            for action in actions:
                assert "*" not in action, f"{statement['Sid']}: wildcard action {action}"
                if resource is None:
                    unknown.append(f"{action} on {json.dumps(target)}")
                else:
                    pairs.add((action, resource))
    return pairs, unknown


def _needed(app, analysis, stream_function) -> tuple[set, dict]:
    platform = policy.platform_uses(app, stream_function)
    where = {(u.action, u.resource): u.where for u in analysis.uses}
    return analysis.pairs() | {(u.action, u.resource) for u in platform}, where


@pytest.mark.parametrize("stage", policy.STAGES)
def test_each_policy_grants_every_call_the_code_makes_and_nothing_else(app, analysis, stage):
    assert not analysis.problems, "AWS calls the analysis cannot place:\n" + "\n".join(analysis.problems)
    streams = list(stream_functions(app))
    for kind, stream_function in (("functions", None), ("stream", streams[0] if streams else None)):
        path = policy.policy_files(stage)[kind]
        needed, where = _needed(app, analysis, stream_function)
        granted, unknown = _granted(json.loads(path.read_text()), {r for _, r in needed})
        missing = sorted(needed - granted)
        extra = sorted(granted - needed)
        assert not missing, f"{path.name} lacks what the code calls (run `make policy`):\n" + "\n".join(
            f"  {a} on {r} ({where.get((a, r), 'the platform')})" for a, r in missing)
        assert not extra and not unknown, f"{path.name} grants what nothing uses:\n" + "\n".join(
            [f"  {a} on {r}" for a, r in extra] + [f"  {u}" for u in unknown])
        if stream_function:
            assert ("sqs:SendMessage", ("queue", failures_queue_id(stream_function))) in granted
            assert ("dynamodb:GetRecords", ("stream", "OrdersTable")) in granted


def test_the_policy_files_are_exactly_what_make_policy_writes(app, analysis):
    for stage in policy.STAGES:
        for kind, doc in policy.documents(app, analysis).items():
            assert policy.policy_files(stage)[kind].read_text() == policy.render(doc), \
                f"{policy.policy_files(stage)[kind].name} is out of date: run `make policy`"


def test_what_the_analysis_derives_from_the_code(analysis):
    pairs = analysis.pairs()
    actions = {a for a, _ in pairs}
    # Calls the code makes, spelled the way IAM spells them.
    assert ("dynamodb:Query", ("index", "OrdersTable", "by-technician")) in pairs
    assert ("dynamodb:PutItem", ("table", "OrdersTable")) in pairs  # order.save(), and in transactions
    assert ("dynamodb:BatchGetItem", ("table", "CalendarTable")) in pairs  # models.batch_get from availability
    assert {("dynamodb:" + a, ("table", "IdempotencyTable")) for a in policy.IDEMPOTENCY_ACTIONS} <= pairs
    assert ("s3:GetObject", ("objects", "FilesBucket")) in pairs  # head_object and presigned GETs
    assert ("s3:PutObject", ("objects", "FilesBucket")) in pairs  # put_object and the presigned POST
    assert ("ses:SendRawEmail", ("ses-identity",)) in pairs
    # Sign-in (InitiateAuth) is not authorised with IAM; EMF metrics need no PutMetricData. The
    # Cognito admin calls are staff management's (POST /staff, PATCH, deactivate), on the user
    # pool alone, and none that reads or resets another person's password or tokens for them.
    assert not any(a.startswith("cloudwatch:") for a in actions)
    cognito = {(a, r) for a, r in pairs if a.startswith("cognito-idp:")}
    assert {r for _, r in cognito} == {("user-pool",)}
    assert {a for a, _ in cognito} == {
        "cognito-idp:" + a for a in ("AdminCreateUser", "AdminSetUserPassword", "AdminAddUserToGroup",
                                     "AdminRemoveUserFromGroup", "AdminDisableUser", "AdminEnableUser",
                                     "AdminUserGlobalSignOut")}
    assert "dynamodb:Scan" not in actions


def test_the_stream_handler_alone_gets_the_stream_policy(packaged, app):
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    tpl = packaged["template"]
    streams = stream_functions(app)
    for stage in policy.STAGES:
        per_function = config["stages"][stage].get("lambda_functions", {})
        for fid, source in streams.items():
            assert per_function[source.name]["iam_policy_file"] == policy.policy_files(stage)["stream"].name
    files = {kind: json.loads(policy.policy_files("prod")[kind].read_text()) for kind in ("functions", "stream")}
    for fid, fn in functions(tpl).items():
        role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        (attached,) = tpl["Resources"][role]["Properties"]["Policies"]
        assert attached["PolicyDocument"] == files["stream" if fid in streams else "functions"], fid


# The analyser itself, on code written for the occasion.

def _analyse(tmp_path, source: str) -> policy.Analysis:
    (tmp_path / "chalicelib").mkdir()
    (tmp_path / "chalicelib" / "__init__.py").write_text("")
    (tmp_path / "chalicelib" / "feature.py").write_text(source)
    (tmp_path / "app.py").write_text(
        "from chalice import Chalice\nfrom chalicelib import feature\napp = Chalice('x')\n\n"
        "@app.route('/')\ndef index():\n    return feature.run()\n")
    return policy.analyse(policy.source_files(tmp_path), tmp_path)


def test_a_new_call_in_the_code_shows_up_as_a_needed_grant(tmp_path):
    found = _analyse(tmp_path, """
from chalicelib.core import settings
from chalicelib.core.aws import client
from chalicelib.data.models import OrderModel


def run():
    order = OrderModel.get("WO-1")
    order.delete()
    for o in OrderModel.by_step.query("scheduled"):
        o.refresh()
    client("s3").delete_object(Bucket=settings.files_bucket(), Key="x")
    client("cognito-idp").admin_disable_user(UserPoolId=settings.user_pool_id(), Username="u")


def never_called():
    client("s3").delete_bucket(Bucket=settings.files_bucket())
""")
    assert not found.problems
    assert found.pairs() == {
        ("dynamodb:GetItem", ("table", "OrdersTable")),
        ("dynamodb:DeleteItem", ("table", "OrdersTable")),
        ("dynamodb:Query", ("index", "OrdersTable", "by-step")),
        ("s3:DeleteObject", ("objects", "FilesBucket")),
        ("cognito-idp:AdminDisableUser", ("user-pool",)),
    }
    assert "chalicelib.feature.never_called" in found.dead


def test_a_call_the_analysis_cannot_place_is_a_problem_not_a_silent_gap(tmp_path):
    found = _analyse(tmp_path, """
import boto3
from chalicelib.core.aws import client


def run(thing):
    client("sqs").send_message(QueueUrl="q", MessageBody="m")
    client("s3").put_object(Bucket="somewhere-else", Key="k", Body=b"")
    boto3.resource("dynamodb")
    thing.save()
""")
    assert len(found.problems) == 4, found.problems


# --- the Lambda zip ------------------------------------------------------------------------------

def test_the_zip_is_well_under_lambdas_limits_and_holds_only_wheels_built_for_lambda(packaged):
    report = packaged["report"]
    print(report.summary())
    assert not report.problems, "\n".join(report.problems)
    assert report.size < package.ZIP_LIMIT * 0.9 and report.unzipped < package.UNZIPPED_LIMIT * 0.5
    pillow = [tags for dist, tags in report.compiled.items() if dist.lower().startswith("pillow-")]
    assert pillow and all("manylinux" in t and t.startswith("cp311-") for t in pillow[0])


# Run inside the unpacked zip by an interpreter that sees only the standard library and the zip:
# what Lambda does, minus the runtime's boto3 (Chalice leaves boto3 out; botocore comes with PynamoDB).
_PACKAGED_SMOKE = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
import app  # the handlers' module: every import the functions make at cold start
assert app.app.routes
import botocore.session
assert botocore.__file__.startswith(sys.argv[1]), botocore.__file__
session = botocore.session.get_session()
for service in sys.argv[2].split(","):
    session.create_client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
from chalicelib.invoicing import invoice_pdf
pdf = invoice_pdf.render({
    "title": "Invoice", "number": "INV-2027-000001", "issued": "04 January 2027", "due": "18 January 2027",
    "order_id": "WO-1", "seller": {"name": "Clear View Windows", "address": "1 High St"},
    "customer": {"name": "Zoë Ångström", "address": "2 Low St", "email": "z@example.com"}, "work": "Windows",
    "lines": [{"description": "Window cleaning", "quantity": 2, "unit_price_cents": 4500, "total_cents": 9000}],
    "currency": "GBP", "subtotal_cents": 9000, "tax_rate_basis_points": 2000, "tax_cents": 1800,
    "total_cents": 10800, "payment_instructions": "Bank transfer", "note": None})
assert pdf.startswith(b"%PDF"), pdf[:20]
import fontTools.misc.bezierTools as b
print("ok", len(pdf), b.__file__)
"""


def test_the_slimmed_zip_imports_the_app_makes_its_clients_and_renders_an_invoice(packaged, tmp_path):
    """The zip keeps botocore's models for every service the code calls, and fpdf2 renders an
    invoice with fontTools' pure-Python modules (its compiled accelerators are left out)."""
    with zipfile.ZipFile(packaged["out"] / "deployment.zip") as zf:
        names = zf.namelist()
        zf.extractall(tmp_path / "zip")
    services = package.services_used()
    assert {"dynamodb", "s3", "ses", "cognito-idp"} <= services
    kept = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") > 2}
    assert kept == services
    assert not [n for n in names if n.startswith("fontTools/") and n.endswith(".so")]
    run = subprocess.run([sys.executable, "-I", "-S", "-c", _PACKAGED_SMOKE, str(tmp_path / "zip"), ",".join(sorted(services))],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith("ok") and "bezierTools.py" in run.stdout


@pytest.mark.parametrize("tag, fits", [
    ("py3-none-any", True),
    ("cp311-cp311-manylinux_2_17_x86_64", True),
    ("cp38-abi3-manylinux2014_x86_64", True),
    ("cp311-cp311-linux_x86_64", False),  # built on this machine
    ("cp312-cp312-manylinux_2_17_x86_64", False),
    ("cp311-cp311-manylinux_2_17_aarch64", False),
    ("cp311-cp311-musllinux_1_2_x86_64", False),
    ("cp311-cp311-macosx_11_0_arm64", False),
])
def test_wheel_tags_that_run_on_lambda(tag, fits):
    assert package.tag_fits_lambda(tag) is fits


def test_a_library_built_on_this_machine_is_caught(tmp_path):
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 11 + (62).to_bytes(2, "little") + b"\x00" * 40
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("PIL/_imaging.cpython-311-x86_64-linux-gnu.so", elf)
        zf.writestr("pillow-12.3.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: cp311-cp311-linux_x86_64\n")
        zf.writestr("pillow-12.3.0.dist-info/RECORD", "PIL/_imaging.cpython-311-x86_64-linux-gnu.so,,\n")
        zf.writestr("stray.cpython-312-x86_64-linux-gnu.so", elf)
    problems = package.check_zip(path).problems
    assert any("pillow-12.3.0" in p for p in problems)
    assert any("stray" in p and "cpython-312" in p for p in problems)


# --- the commands --------------------------------------------------------------------------------

def test_make_deploy_packages_to_the_artifacts_bucket_and_deploys_with_the_parameters(monkeypatch, capsys):
    for var, value in {"SENDER_EMAIL": "office@clearview.example", "PUBLIC_BASE_URL": "https://www.clearview.example",
                       "ALARM_EMAIL": "owner@clearview.example", "PARAMS": "ApiRateLimit=10",
                       "AWS_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(var, value)
    for var in ("STACK", "ARTIFACTS_BUCKET", "ALLOWED_ORIGINS", "SES_IDENTITY", "SENDER_NAME", "CREATE_SES_IDENTITY"):
        monkeypatch.delenv(var, raising=False)
    deploy.main(["deploy", "--stage", "prod", "--dry-run"])
    commands = [" ".join(shlex.split(line[2:])) for line in capsys.readouterr().out.splitlines() if line.startswith("+ ")]
    package_cmd = next(c for c in commands if "cloudformation package" in c)
    deploy_cmd = next(c for c in commands if "cloudformation deploy" in c)
    assert "build/prod/sam.json" in package_cmd and "--s3-bucket workorders-artifacts-<account>-eu-west-2" in package_cmd
    assert "--stack-name workorders-prod" in deploy_cmd and "--region eu-west-2" in deploy_cmd
    assert "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND" in deploy_cmd
    assert "SenderEmail=office@clearview.example" in deploy_cmd and "AlarmEmail=owner@clearview.example" in deploy_cmd
    assert "ApiRateLimit=10" in deploy_cmd and "SenderName" not in deploy_cmd
    # then the staff app and the booking pages go to the site bucket, after the stack exists
    uploads = [c for c in commands if c.startswith(("aws s3 sync ", "aws s3 cp "))]
    assert commands.index(uploads[0]) > commands.index(deploy_cmd)
    assert f"aws s3 sync {ROOT}/web/tech s3://<SiteBucketName>/tech --region eu-west-2 --delete --cache-control no-cache --exclude *.webmanifest" in uploads
    assert any(c.startswith(f"aws s3 sync {ROOT}/web/booking s3://<SiteBucketName>/book ") for c in uploads)
    assert any(c.startswith(f"aws s3 sync {ROOT}/web/office s3://<SiteBucketName>/office ") for c in uploads)
    assert any(c.endswith("s3://<SiteBucketName>/tech/manifest.webmanifest --region eu-west-2 --cache-control no-cache "
                          "--content-type application/manifest+json") for c in uploads), uploads


def test_make_destroy_empties_the_site_bucket_before_deleting_the_stack(monkeypatch, capsys):
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    monkeypatch.delenv("STACK", raising=False)
    deploy.main(["destroy", "--stage", "prod", "--dry-run"])
    commands = [" ".join(shlex.split(line[2:])) for line in capsys.readouterr().out.splitlines() if line.startswith("+ ")]
    empty = commands.index("aws s3 rm s3://<SiteBucketName> --recursive --region eu-west-2")
    assert empty < commands.index("aws cloudformation delete-stack --region eu-west-2 --stack-name workorders-prod")


def test_make_deploy_refuses_a_parameter_the_template_does_not_have(monkeypatch):
    monkeypatch.setenv("PARAMS", "ApiRatelimit=10")
    with pytest.raises(SystemExit, match="ApiRatelimit"):
        deploy.parameter_overrides()


def test_make_admin_creates_an_admin_who_can_sign_in(aws, monkeypatch, capsys):
    from chalicelib.staff import sign_in
    from chalicelib.core.aws import client
    from chalicelib.data.models import StaffModel

    outputs = {"UserPoolId": aws["COGNITO_USER_POOL_ID"], "StaffTableName": StaffModel.Meta.table_name,
               "EndpointURL": "https://abc.execute-api.eu-west-2.amazonaws.com/api/"}
    monkeypatch.setattr(create_admin, "stack_outputs", lambda stack, region: outputs)
    for var in ("APP_STAGE", "STAFF_TABLE", "COGNITO_USER_POOL_ID"):  # restored after the test
        if var in os.environ:
            monkeypatch.setenv(var, os.environ[var])
        else:
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: the password is generated
    assert create_admin.main(["--stage", "prod", "--email", "Owner@Clearview.example", "--name", "Olive Owner"]) == 0
    printed = capsys.readouterr().out
    password = printed.split("Password (shown once, keep it in your password manager): ")[1].split()[0]
    signed_in = sign_in.login("owner@clearview.example", password)
    assert signed_in["user"] == {"id": "owner", "name": "Olive Owner", "email": "owner@clearview.example", "role": "admin"}
    groups = client("cognito-idp").admin_list_groups_for_user(UserPoolId=aws["COGNITO_USER_POOL_ID"], Username="owner")
    assert [g["GroupName"] for g in groups["Groups"]] == ["admin"]
