"""Who is who: the staff user pool, its client and role groups, and the SES identity emails come from."""
from infra.template.common import RETAIN, camel


def user_pool_resources() -> dict:
    from chalicelib.staff.auth import ROLES

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
