"""The files bucket, and what every bucket of the stack shares: private, encrypted, HTTPS only."""
from infra.template.common import RETAIN

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
