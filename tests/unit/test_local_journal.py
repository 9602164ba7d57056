"""The embedded AWS's journal (`infra.local.journal`): which requests it keeps, and a file that
survives a crash mid-write."""
import pytest

from infra.local.journal import Journal, Request, kind_of, service_of


def _environ(method="POST", target=None, auth_service=None, **extra):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/", "QUERY_STRING": ""}
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    if auth_service:
        environ["HTTP_AUTHORIZATION"] = (f"AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/{auth_service}/aws4_request, "
                                         "SignedHeaders=host, Signature=abc")
    environ.update(extra)
    return environ


@pytest.mark.parametrize("action, kind", [
    ("PutItem", "journal"), ("UpdateItem", "journal"), ("DeleteItem", "journal"),
    ("TransactWriteItems", "journal"), ("BatchWriteItem", "journal"), ("CreateTable", "journal"),
    ("UpdateTimeToLive", "journal"),
    ("GetItem", None), ("Query", None), ("BatchGetItem", None), ("TransactGetItems", None), ("DescribeTable", None),
])
def test_dynamodb_writes_are_journaled_and_reads_are_not(action, kind):
    environ = _environ(target=f"DynamoDB_20120810.{action}", auth_service="dynamodb")
    assert service_of(environ) == "dynamodb"
    assert kind_of("dynamodb", environ, b"{}") == kind


def test_the_stream_is_read_only():
    environ = _environ(target="DynamoDBStreams_20120810.GetRecords", auth_service="dynamodb")
    assert service_of(environ) == "dynamodbstreams"
    assert kind_of("dynamodbstreams", environ, b"{}") is None


@pytest.mark.parametrize("method, kind", [("PUT", "journal"), ("POST", "journal"), ("DELETE", "journal"),
                                          ("GET", None), ("HEAD", None), ("OPTIONS", None)])
def test_s3_changes_are_journaled(method, kind):
    environ = _environ(method=method, auth_service="s3", PATH_INFO="/bucket/photo.jpg")
    assert kind_of(service_of(environ), environ, b"") == kind


def test_a_browser_upload_with_a_presigned_post_is_s3():
    environ = _environ(CONTENT_TYPE="multipart/form-data; boundary=x", PATH_INFO="/bucket")
    assert service_of(environ) == "s3"
    assert kind_of("s3", environ, b"") == "journal"


@pytest.mark.parametrize("action, kind", [("AdminCreateUser", "snapshot"), ("InitiateAuth", "snapshot"),
                                          ("AdminSetUserPassword", "snapshot"), ("ListUsers", None),
                                          ("AdminGetUser", None), ("DescribeUserPool", None)])
def test_cognito_changes_save_the_pool_and_sign_in_is_unsigned(action, kind):
    environ = _environ(target=f"AWSCognitoIdentityProviderService.{action}")  # sign-in carries no signature
    assert service_of(environ) == "cognito-idp"
    assert kind_of("cognito-idp", environ, b"{}") == kind


@pytest.mark.parametrize("body, kind", [(b"Action=VerifyEmailIdentity&EmailAddress=a%40b.c", "snapshot"),
                                        (b"Action=SendRawEmail&RawMessage.Data=xyz", None),
                                        (b"Action=ListIdentities", None)])
def test_sent_mail_is_not_state_but_a_verified_sender_is(body, kind):
    environ = _environ(auth_service="ses", CONTENT_TYPE="application/x-www-form-urlencoded")
    assert service_of(environ) == "ses"
    assert kind_of("ses", environ, body) == kind


def test_other_services_are_not_kept():
    environ = _environ(auth_service="sts")
    assert kind_of(service_of(environ), environ, b"Action=GetCallerIdentity") is None


def _request(n: int) -> Request:
    return Request.of({"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem",
                       "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": object()}, f'{{"n": {n}}}'.encode(), "dynamodb")


def test_records_come_back_in_order_with_their_sequence_numbers(tmp_path):
    journal = Journal(tmp_path / "journal.log")
    journal.open(last_seq=0)
    for n in range(3):
        journal.append(_request(n))
    journal.close()
    records = list(Journal(tmp_path / "journal.log").read())
    assert [r.seq for r in records] == [1, 2, 3]
    assert [r.body for r in records] == [b'{"n": 0}', b'{"n": 1}', b'{"n": 2}']
    assert records[0].environ["CONTENT_LENGTH"] == "8"
    assert "wsgi.input" not in records[0].environ and "HTTP_TRANSFER_ENCODING" not in records[0].environ


def test_a_record_torn_by_a_crash_is_dropped_and_appending_goes_on_after_the_last_whole_one(tmp_path):
    path = tmp_path / "journal.log"
    journal = Journal(path)
    journal.open(last_seq=0)
    journal.append(_request(0))
    journal.append(_request(1))
    journal.close()
    whole = path.stat().st_size
    with open(path, "ab") as file:  # the crash: half of a third record
        file.write(b"\x00\x00\x01\x00garbage")
    reopened = Journal(path)
    reopened.open(last_seq=0)
    assert path.stat().st_size == whole
    assert reopened.append(_request(2)) == 3
    reopened.close()
    assert [r.body for r in Journal(path).read()] == [b'{"n": 0}', b'{"n": 1}', b'{"n": 2}']


def test_a_corrupted_record_ends_the_replay_there(tmp_path):
    path = tmp_path / "journal.log"
    journal = Journal(path)
    journal.open(last_seq=0)
    for n in range(3):
        journal.append(_request(n))
    journal.close()
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # a flipped bit in the last record
    path.write_bytes(bytes(data))
    assert [r.seq for r in Journal(path).read()] == [1, 2]


def test_after_a_snapshot_the_journal_is_empty_and_numbering_goes_on(tmp_path):
    journal = Journal(tmp_path / "journal.log")
    journal.open(last_seq=0)
    journal.append(_request(0))
    journal.reset()
    assert journal.records == 0 and list(journal.read()) == []
    assert journal.append(_request(1)) == 2
    journal.close()
    reopened = Journal(tmp_path / "journal.log")
    reopened.open(last_seq=2)  # the snapshot's number
    assert reopened.append(_request(2)) == 3
