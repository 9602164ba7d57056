"""A child process for the durability tests: `python -m tests.support.embedded_probe write|read <state dir>`.

`write` starts the embedded AWS on a state folder, makes writes of each kind the app makes
(DynamoDB puts, an atomic counter, a cancelled transaction, S3 objects, a Cognito user) and ends
without any clean-up, as `kill -9` would; `read` starts it again on the same folder and prints
what it finds as one JSON line."""
import json
import os
import sys
from pathlib import Path

from infra.local.embedded import EmbeddedAWS

TABLE = "probe"


def _clients(url: str) -> dict:
    import boto3

    return {name: boto3.client(name, endpoint_url=url, region_name="us-east-1")
            for name in ("dynamodb", "dynamodbstreams", "s3", "cognito-idp")}


def write(aws: EmbeddedAWS, c: dict) -> None:
    c["dynamodb"].create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    for i in range(20):
        c["dynamodb"].put_item(TableName=TABLE, Item={"pk": {"S": f"k{i}"}, "n": {"N": "0"}})
    add = {"TableName": TABLE, "Key": {"pk": {"S": "k1"}}, "UpdateExpression": "ADD n :one",
           "ExpressionAttributeValues": {":one": {"N": "1"}}}
    c["dynamodb"].update_item(**add)
    try:  # a cancelled transaction changes nothing, and is not replayed
        c["dynamodb"].transact_write_items(TransactItems=[
            {"Update": add},
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "k2"}}, "ConditionExpression": "attribute_not_exists(pk)"}}])
    except c["dynamodb"].exceptions.TransactionCanceledException:
        pass
    c["dynamodb"].update_item(**add)
    c["dynamodb"].delete_item(TableName=TABLE, Key={"pk": {"S": "k19"}})
    c["s3"].create_bucket(Bucket="probe-files")
    c["s3"].put_object(Bucket="probe-files", Key="photo.jpg", Body=bytes(range(256)) * 100)
    c["s3"].put_object(Bucket="probe-files", Key="gone.txt", Body=b"x")
    c["s3"].delete_object(Bucket="probe-files", Key="gone.txt")
    pool = c["cognito-idp"].create_user_pool(PoolName="probe")["UserPool"]["Id"]
    c["cognito-idp"].admin_create_user(UserPoolId=pool, Username="ann")
    aws.state.save_environment({"pool": pool})
    print(json.dumps({"written": aws.state.journal.records}), flush=True)
    os._exit(0)  # no clean stop, no snapshot: what kill -9 leaves


def read(aws: EmbeddedAWS, c: dict) -> None:
    pool = aws.state.environment()["pool"]
    ddb, streams = c["dynamodb"], c["dynamodbstreams"]
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    keys = sorted(i["pk"]["S"] for i in ddb.scan(TableName=TABLE)["Items"])  # a test's look at everything
    print(json.dumps({
        "keys": keys,
        "counter": ddb.get_item(TableName=TABLE, Key={"pk": {"S": "k1"}})["Item"]["n"]["N"],
        "photo": len(c["s3"].get_object(Bucket="probe-files", Key="photo.jpg")["Body"].read()),
        "objects": [o["Key"] for o in c["s3"].list_objects_v2(Bucket="probe-files").get("Contents", [])],
        "users": [u["Username"] for u in c["cognito-idp"].list_users(UserPoolId=pool)["Users"]],
        "stream": [r["dynamodb"]["SequenceNumber"] for r in records],
        "replayed": aws.state.replayed,
    }), flush=True)
    aws.stop()


def main(argv: list[str]) -> None:
    os.environ.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"})
    aws = EmbeddedAWS(Path(argv[1]))
    clients = _clients(aws.start())
    (write if argv[0] == "write" else read)(aws, clients)


if __name__ == "__main__":
    main(sys.argv[1:])
