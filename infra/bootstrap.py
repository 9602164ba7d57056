"""Create the AWS resources the app uses, from the same definitions the app reads.

Used by the local system (against the embedded moto server) and by the tests (in-process moto):
the DynamoDB tables from the PynamoDB models (orders with a NEW_AND_OLD_IMAGES stream, TTL on
idempotency records and on the abuse limits' counters), the Cognito user pool with its role groups and app client, the S3 bucket
and the verified SES sender.
"""
import os

from chalicelib.core import settings
from chalicelib.core.aws import client
from chalicelib.data.counters import CounterModel
from chalicelib.data.models import ALL_MODELS, IdempotencyModel

ROLE_GROUPS = ("admin", "dispatcher", "technician")


def create_tables() -> None:
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
    ttl = {IdempotencyModel: "expiration", CounterModel: CounterModel.expires_at.attr_name}
    for model, attribute in ttl.items():
        client("dynamodb").update_time_to_live(
            TableName=model.Meta.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )


def create_user_pool(name: str = "workorders-staff") -> dict:
    cognito = client("cognito-idp")
    pool = cognito.create_user_pool(
        PoolName=name,
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True, "RequireSymbols": False}},
        AutoVerifiedAttributes=["email"],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]
    for group in ROLE_GROUPS:
        cognito.create_group(GroupName=group, UserPoolId=pool["Id"])
    app_client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="workorders-web",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return {"COGNITO_USER_POOL_ID": pool["Id"], "COGNITO_CLIENT_ID": app_client["ClientId"]}


def create_bucket(name: str) -> None:
    """The private files bucket. Browsers of the app's own site may POST photos to it (presigned)."""
    s3 = client("s3")
    if settings.region() == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": settings.region()})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [settings.public_base_url()],
        "AllowedMethods": ["POST", "GET"],
        "AllowedHeaders": ["*"],
        "MaxAgeSeconds": 600,
    }]})


def verify_sender(email: str) -> None:
    client("ses").verify_email_identity(EmailAddress=email)


def create_all() -> dict:
    """Create everything; returns the environment the app needs beyond table names."""
    create_tables()
    created = create_user_pool()
    bucket = os.environ.get("FILES_BUCKET", f"workorders-{settings.STAGE}-files")
    create_bucket(bucket)
    verify_sender(settings.sender_email())
    created["FILES_BUCKET"] = bucket
    os.environ.update(created)
    return created
