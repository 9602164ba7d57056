"""The public routes' protection in the cloud, beside the app's own limits (chalicelib/limits/):

- `LimitsSecret`, a generated secret (Secrets Manager) that signs the booking form's tokens and that
  the CloudFront distribution sends to the API (`X-Origin-Verify`) with the viewer's address
  (`X-Viewer-Address`, set by `ApiViewerFunction`), so the app counts each visitor by their own
  address, not by CloudFront's;
- an AWS WAF web ACL (scope CLOUDFRONT) with a rate-based rule on the booking and availability
  paths, which blocks a flood at the edge before it reaches API Gateway or Lambda.

A CLOUDFRONT web ACL can only be created in us-east-1. A stack in us-east-1 creates its own
(`PublicWebAcl`, unless `CreateWebAcl` is false: it costs about $6 a month); elsewhere, give the
ARN of one made in us-east-1 (`WebAclArn`, e.g. with `python -m infra.template.waf`, which writes
a one-resource template for that region) or the distribution runs without one and only the app's
limits apply.
"""

# The secret as CloudFormation resolves it at deploy time (never stored in the template).
SECRET_VALUE = {"Fn::Sub": "{{resolve:secretsmanager:${LimitsSecret}:SecretString}}"}
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
VIEWER_ADDRESS_HEADER = "x-viewer-address"
# What the rate-based rule looks at: the booking routes (and the manage links under them) and the
# free times, as the distribution's viewers ask for them.
PUBLIC_PATHS = ("/public/bookings", "/public/availability")
WAF_WINDOW_SECONDS = 300
TOO_MANY_BODY = ('{"error": {"code": "too_many_requests", "message": "Too many requests from your network. '
                 'Please wait a few minutes and try again.", "details": {"retry_after": 300}}}')
# Viewer request on the API's paths: the viewer's address, which no viewer can set (it overwrites
# whatever header of that name came in).
API_VIEWER_FUNCTION = """function handler(event) {
  var request = event.request;
  request.headers['%s'] = { value: event.viewer.ip };
  return request;
}
""" % VIEWER_ADDRESS_HEADER


def secret_resources() -> dict:
    return {
        "LimitsSecret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Description": {"Fn::Sub": "${AWS::StackName}: signs booking form tokens; proves requests came through CloudFront"},
                "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
            },
        },
    }


def _starts_with(path: str) -> dict:
    return {"ByteMatchStatement": {
        "SearchString": path,
        "FieldToMatch": {"UriPath": {}},
        "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
        "PositionalConstraint": "STARTS_WITH",
    }}


def _visibility(name) -> dict:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def web_acl(name, limit) -> dict:
    """The web ACL resource: allow everything, except that one viewer address sending more than
    `limit` requests to the public paths within five minutes gets 429 (with Retry-After and the
    app's error shape) until its rate falls again."""
    return {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {
            "Name": name,
            "Scope": "CLOUDFRONT",
            "Description": "Rate limit on the public booking and availability routes",
            "DefaultAction": {"Allow": {}},
            "VisibilityConfig": _visibility(name),
            "CustomResponseBodies": {"too-many-requests": {"ContentType": "APPLICATION_JSON", "Content": TOO_MANY_BODY}},
            "Rules": [{
                "Name": "public-routes-rate",
                "Priority": 0,
                "Action": {"Block": {"CustomResponse": {
                    "ResponseCode": 429,
                    "CustomResponseBodyKey": "too-many-requests",
                    "ResponseHeaders": [{"Name": "Retry-After", "Value": str(WAF_WINDOW_SECONDS)}],
                }}},
                "Statement": {"RateBasedStatement": {
                    "Limit": limit,
                    "EvaluationWindowSec": WAF_WINDOW_SECONDS,
                    "AggregateKeyType": "IP",
                    "ScopeDownStatement": {"OrStatement": {"Statements": [_starts_with(p) for p in PUBLIC_PATHS]}},
                }},
                "VisibilityConfig": _visibility({"Fn::Sub": "${AWS::StackName}-public-routes-rate"}),
            }],
        },
    }


def web_acl_resources() -> dict:
    acl = web_acl({"Fn::Sub": "${AWS::StackName}-public"}, {"Ref": "WafRateLimit"})
    return {"PublicWebAcl": {**acl, "Condition": "CreatePublicWebAcl"}}


def distribution_web_acl() -> dict:
    """The distribution's `WebACLId`: the given ARN, else the stack's own (us-east-1), else none."""
    return {"Fn::If": ["HasWebAclArn", {"Ref": "WebAclArn"},
                       {"Fn::If": ["CreatePublicWebAcl", {"Fn::GetAtt": ["PublicWebAcl", "Arn"]}, {"Ref": "AWS::NoValue"}]}]}
