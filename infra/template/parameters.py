"""The stack's parameters (what `make deploy` may set) and the conditions on them."""

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
    "WebAclArn": {
        "Type": "String",
        "Default": "",
        "Description": "A CLOUDFRONT-scoped WAF web ACL (made in us-east-1) for the distribution; empty: the stack "
                       "makes its own in us-east-1, and elsewhere runs without one (python -m infra.template.waf).",
        "AllowedPattern": r"^$|^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/.+$",
        "ConstraintDescription": "empty, or the ARN of a global (CLOUDFRONT) web ACL",
    },
    "CreateWebAcl": {
        "Type": "String",
        "Default": "true",
        "AllowedValues": ["true", "false"],
        "Description": "In us-east-1 without WebAclArn: create the WAF web ACL (about $6 a month); false: the app's own limits only.",
    },
    "WafRateLimit": {
        "Type": "Number",
        "Default": 600,
        "MinValue": 10,
        "Description": "WAF: requests to /public/bookings* and /public/availability one address may send in 5 minutes.",
    },
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
    "HasWebAclArn": {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]},
    # A CLOUDFRONT-scoped web ACL can only be created in us-east-1 (infra/template/protection.py).
    "CreatePublicWebAcl": {"Fn::And": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
                                       {"Fn::Equals": [{"Ref": "WebAclArn"}, ""]},
                                       {"Fn::Equals": [{"Ref": "CreateWebAcl"}, "true"]}]},
}
