"""What the local system changes in moto, in its own process (`infra.local.moto_longrun`,
`infra.local.outbox`, `infra.local.keys`), checked against in-process moto: each change is
installed for one test and taken out after it, so the rest of the suite sees moto as it ships."""
import base64
import json
import pickle
from email.message import EmailMessage

import pytest

from infra.local import keys, moto_longrun, outbox
from infra.local.keys import SigningKey

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def longrun():
    moto_longrun.install()
    yield
    moto_longrun.uninstall()


def _dynamodb():
    import boto3

    return boto3.client("dynamodb", region_name=REGION)


def _backend():
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][REGION]


def _table(name: str, with_range: bool = False) -> None:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}] + ([{"AttributeName": "sk", "KeyType": "RANGE"}] if with_range else [])
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}] + ([{"AttributeName": "sk", "AttributeType": "S"}] if with_range else [])
    _dynamodb().create_table(TableName=name, KeySchema=schema, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST",
                             StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def _state() -> dict:
    """Every item of the tables made here, and each one's stream records (as moto would answer them)."""
    state = {}
    for name, table in _backend().tables.items():
        if name not in ("orders", "calendar"):
            continue  # the app's, made by the `aws` fixture
        items = sorted(json.dumps(i.to_json(), sort_keys=True) for i in table.all_items())
        records = [json.dumps(r.to_json()["dynamodb"], sort_keys=True, default=str) for r in table.stream_shard.items]
        state[name] = (items, records)
    return state


def _world_then_cancelled_transaction() -> tuple[dict, dict, bool]:
    """Two tables with items, then a transaction (new item, update, delete, in both tables) whose
    last condition fails: the state before, the state after, and whether the table is the same object."""
    client = _dynamodb()
    _table("orders")
    _table("calendar", with_range=True)
    client.put_item(TableName="orders", Item={"pk": {"S": "WO-1"}, "step": {"S": "requested"}})
    client.put_item(TableName="calendar", Item={"pk": {"S": "tech-1"}, "sk": {"S": "2026-12-01"}, "v": {"N": "1"}})
    client.put_item(TableName="calendar", Item={"pk": {"S": "tech-1"}, "sk": {"S": "2026-12-02"}, "v": {"N": "1"}})
    before, table = _state(), _backend().tables["orders"]
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": "orders", "Item": {"pk": {"S": "WO-2"}, "step": {"S": "scheduled"}}}},
            {"Update": {"TableName": "orders", "Key": {"pk": {"S": "WO-1"}}, "UpdateExpression": "SET step = :s",
                        "ExpressionAttributeValues": {":s": {"S": "scheduled"}}}},
            {"Delete": {"TableName": "calendar", "Key": {"pk": {"S": "tech-1"}, "sk": {"S": "2026-12-01"}}}},
            {"Update": {"TableName": "calendar", "Key": {"pk": {"S": "tech-1"}, "sk": {"S": "2026-12-02"}},
                        "UpdateExpression": "SET v = :two", "ConditionExpression": "v = :zero",
                        "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}}}},
        ])
    return before, _state(), _backend().tables["orders"] is table


def test_a_cancelled_transaction_leaves_items_and_streams_as_they_were_in_the_same_table(aws, longrun):
    before, after, same_table = _world_then_cancelled_transaction()
    assert after == before
    assert same_table  # and so the same stream shard: nothing for a stream reader to lose


def test_moto_as_it_ships_gives_the_same_outcome_with_a_copied_table(aws):
    before, after, same_table = _world_then_cancelled_transaction()
    assert after == before and not same_table


def test_a_transaction_that_goes_through_is_applied_as_moto_applies_it(aws, longrun):
    client = _dynamodb()
    _table("orders")
    client.put_item(TableName="orders", Item={"pk": {"S": "WO-1"}, "n": {"N": "1"}})
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": "orders", "Item": {"pk": {"S": "WO-2"}, "n": {"N": "2"}}}},
        {"Update": {"TableName": "orders", "Key": {"pk": {"S": "WO-1"}}, "UpdateExpression": "SET n = :n",
                    "ConditionExpression": "n = :one", "ExpressionAttributeValues": {":n": {"N": "5"}, ":one": {"N": "1"}}}},
    ])
    items, records = _state()["orders"]
    assert {json.loads(i)["Attributes"]["pk"]["S"]: json.loads(i)["Attributes"]["n"]["N"] for i in items} == {"WO-1": "5", "WO-2": "2"}
    assert len(records) == 3  # the first put, then the transaction's put and update


def test_a_transaction_naming_one_item_twice_is_refused_and_changes_nothing(aws, longrun):
    client = _dynamodb()
    _table("orders")
    client.put_item(TableName="orders", Item={"pk": {"S": "WO-1"}, "n": {"N": "1"}})
    before = _state()
    with pytest.raises(client.exceptions.ClientError):
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": "orders", "Item": {"pk": {"S": "WO-1"}, "n": {"N": "2"}}}},
            {"Put": {"TableName": "orders", "Item": {"pk": {"S": "WO-1"}, "n": {"N": "3"}}}},
        ])
    assert _state() == before


def test_moto_no_longer_keeps_every_object_it_ever_made(aws, longrun):
    from moto.dynamodb.models.table import Table

    _table("orders")
    assert Table.instances_tracked == []


def test_only_the_newest_shard_iterators_are_kept_and_they_still_read(aws, longrun):
    import boto3
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    _table("orders")
    _dynamodb().put_item(TableName="orders", Item={"pk": {"S": "WO-1"}})
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = _dynamodb().describe_table(TableName="orders")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    for _ in range(moto_longrun.ITERATORS_KEPT + 50):
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert len(dynamodbstreams_backends[ACCOUNT][REGION].shard_iterators) == moto_longrun.ITERATORS_KEPT
    assert len(streams.get_records(ShardIterator=iterator)["Records"]) == 1


# --- the outbox, written where SES accepts mail ------------------------------------------------------

@pytest.fixture
def captured(aws, tmp_path):
    import boto3

    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress="office@example.com")
    box = outbox.Outbox(tmp_path / "outbox")
    outbox.capture_sent_mail(box)
    yield box
    outbox.release_sent_mail()


def _raw(message_id: str | None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "office@example.com", "ada@example.net", "Booked"
    if message_id:
        message["Message-ID"] = message_id
    message.set_content("See you.")
    return message.as_bytes()


def test_each_accepted_email_is_in_the_outbox_when_ses_answers_and_moto_keeps_none(captured):
    import boto3
    from moto.ses.models import ses_backends

    ses = boto3.client("ses", region_name=REGION)
    for _ in range(2):  # a stream record delivered twice sends the same message twice
        ses.send_raw_email(Source="office@example.com", Destinations=["ada@example.net"],
                           RawMessage={"Data": _raw("<booked-WO-1@example.com>")})
    ses.send_raw_email(Source="office@example.com", Destinations=["ada@example.net"], RawMessage={"Data": _raw(None)})
    ses.send_email(Source="office@example.com", Destination={"ToAddresses": ["bob@example.net"]},
                   Message={"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Plain"}}})
    files = sorted(p.name for p in captured.folder.iterdir())
    assert len(files) == 3 and "booked-WO-1@example.com.eml" in files
    assert ses_backends[ACCOUNT][REGION].sent_messages == []


def test_a_refused_email_is_not_in_the_outbox(captured):
    import boto3

    with pytest.raises(boto3.client("ses", region_name=REGION).exceptions.MessageRejected):
        boto3.client("ses", region_name=REGION).send_raw_email(
            Source="stranger@example.org", Destinations=["ada@example.net"], RawMessage={"Data": _raw(None)})
    assert not captured.folder.exists() or not list(captured.folder.iterdir())


# --- tokens signed with our own key --------------------------------------------------------------------

@pytest.fixture
def own_key(aws, tmp_path):
    key = SigningKey.load_or_create(tmp_path / keys.KEY_FILE)
    keys.use_signing_key(key)
    yield key
    keys.forget_signing_key()


def test_pools_sign_with_our_key_under_our_kid_and_stay_picklable_without_any_key(own_key):
    import boto3
    import jwt
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(PoolName="staff")["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["USER_PASSWORD_AUTH"])
    idp.admin_create_user(UserPoolId=pool, Username="sam@example.com")
    idp.admin_set_user_password(UserPoolId=pool, Username="sam@example.com", Password="Demo-Password-1", Permanent=True)

    pool_object = cognitoidp_backends[ACCOUNT][REGION].user_pools[pool]
    assert "json_web_key" not in vars(pool_object)
    restored = pickle.loads(pickle.dumps(pool_object))  # as the local system's snapshots keep it

    served = json.loads(CognitoIdpJsonWebKeyResponse.json_web_key)
    assert [k["kid"] for k in served["keys"]] == [own_key.kid]
    public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(served["keys"][0]))
    for token in (
        idp.initiate_auth(ClientId=app["UserPoolClient"]["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "sam@example.com", "PASSWORD": "Demo-Password-1"})
        ["AuthenticationResult"]["IdToken"],
        restored.create_jwt(app["UserPoolClient"]["ClientId"], "sam@example.com", "id")[0],
    ):
        assert jwt.get_unverified_header(token)["kid"] == own_key.kid
        claims = jwt.decode(token, public, algorithms=["RS256"], audience=app["UserPoolClient"]["ClientId"])
        assert claims["token_use"] == "id"
        payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        assert payload["iss"].endswith(pool)


# --- the stream poller's wake-up ----------------------------------------------------------------------

def test_a_write_to_the_orders_table_through_moto_wakes_the_poller_and_a_read_does_not(aws):
    import threading

    from chalicelib.data.models import CalendarDayModel, OrderModel
    from infra import moto_atomic
    from infra.local.stream import wake_on_writes

    wake = threading.Event()
    undo = moto_atomic.after_each_request(wake_on_writes(OrderModel.Meta.table_name, wake))
    try:
        client = _dynamodb()
        client.put_item(TableName=CalendarDayModel.Meta.table_name,
                        Item={"technician_id": {"S": "tech-1"}, "day": {"S": "2026-12-01"}})
        client.get_item(TableName=OrderModel.Meta.table_name, Key={"order_id": {"S": "WO-1"}})
        assert not wake.is_set()
        client.transact_write_items(TransactItems=[{"Put": {"TableName": OrderModel.Meta.table_name,
                                                            "Item": {"order_id": {"S": "WO-1"}}}}])
        assert wake.is_set()
    finally:
        undo()
