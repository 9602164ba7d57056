"""The site in the cloud: the staff apps and the booking pages behind one CloudFront distribution with the API
(and, on the public routes, the protection of infra/template/protection.py)."""
from infra.template.common import API_STAGE
from infra.template.protection import API_VIEWER_FUNCTION, ORIGIN_VERIFY_HEADER, SECRET_VALUE, distribution_web_acl
from infra.template.storage import PRIVATE_BUCKET, deny_insecure_transport

# The technician's app (web/tech/), the office app (web/office/) and the booking pages
# (web/booking/) in the cloud: one CloudFront distribution serves them from a private bucket at
# /tech/, /office/ and /book/, and sends every other path to the API, so the apps call the API on
# their own origin (no CORS, Authorization forwarded).
WEB_PATHS = {"tech": "tech", "office": "office", "book": "booking"}  # URL path -> folder of web/
# The apps: without the slash each redirects to its folder.
APP_PATHS = ("tech", "book", "office")
# AWS-managed CloudFront policies (their ids are the same in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# Every viewer header but Host (API Gateway answers 403 to another Host); with caching disabled
# it forwards Authorization too.
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# Viewer request: `/tech` -> 301 `/tech/` with the query string as it came (CloudFront keeps
# names and values as the viewer encoded them); a path ending in `/` -> its index.html (an S3
# origin serves no index documents).
SITE_PATH_FUNCTION = """var APPS = [%s];

function queryString(querystring) {
  var parts = [];
  for (var name in querystring) {
    var entry = querystring[name];
    var values = entry.multiValue ? entry.multiValue : [entry];
    for (var i = 0; i < values.length; i++) {
      parts.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (APPS.indexOf(uri) !== -1) {
    var location = uri + '/' + queryString(request.querystring);
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: location } } };
  }
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
  }
  return request;
}
""" % ", ".join(f"'/{path}'" for path in APP_PATHS)


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
        for path in APP_PATHS for pattern in ((f"/{path}", f"/{path}/*") if path in WEB_PATHS else (f"/{path}",))
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
                "FunctionConfig": {"Comment": "/tech, /book, /office -> with the slash; folders -> index.html", "Runtime": "cloudfront-js-2.0"},
                "FunctionCode": SITE_PATH_FUNCTION,
            },
        },
        "ApiViewerFunction": {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-api-viewer"},
                "AutoPublish": True,
                "FunctionConfig": {"Comment": "The viewer's address for the app's per-address limits", "Runtime": "cloudfront-js-2.0"},
                "FunctionCode": API_VIEWER_FUNCTION,
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
                        # Proves to the app that a request came through here (a viewer's own header
                        # of that name is overwritten), so it may trust the viewer address the
                        # function adds.
                        "OriginCustomHeaders": [{"HeaderName": ORIGIN_VERIFY_HEADER, "HeaderValue": SECRET_VALUE}],
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
                    "FunctionAssociations": [{"EventType": "viewer-request",
                                              "FunctionARN": {"Fn::GetAtt": ["ApiViewerFunction", "FunctionMetadata.FunctionARN"]}}],
                },
                "CacheBehaviors": site_behaviors,
                "WebACLId": distribution_web_acl(),
            }},
        },
    }
