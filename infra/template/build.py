"""The whole merge template, from the Chalice app, and writing it out."""
import json
import os
import sys
from pathlib import Path

from infra.template.common import ROOT, api_name
from infra.template.gateway import rest_api_definition
from infra.template.functions import environment, failures_queue_id, function_name, functions, stream_functions, stream_table
from infra.template.identity import ses_identity, user_pool_resources
from infra.template.monitoring import alarms, dashboards, method_settings
from infra.template.parameters import CONDITIONS, PARAMETERS
from infra.template.protection import secret_resources, web_acl_resources
from infra.template.storage import bucket_resources
from infra.template.tables import models, table_id, table_resource
from infra.template.web import web_resources

# Stream retries before a batch goes to the on-failure queue (bisecting on each failure).
STREAM_MAX_RETRIES = 5


def build(app) -> dict:
    resources: dict = {}
    for model in models():
        resources[table_id(model)] = table_resource(model)
    resources.update(bucket_resources())
    resources.update(secret_resources())
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
        resources["RestAPI"] = {"Properties": {"Name": api_name(), "MethodSettings": method_settings(),
                                               "DefinitionBody": rest_api_definition()}}  # 404s in the app's shape
    resources.update(alarms(app))
    resources.update(dashboards(app))
    if app.routes:
        resources.update(web_resources())
        resources.update(web_acl_resources())

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
