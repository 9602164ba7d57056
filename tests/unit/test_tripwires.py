"""The unit tier's tripwires (tests/unit/conftest.py) hold: an AWS call or an outside connection
fails the test at once instead of reaching, or waiting for, anything."""
import socket

import botocore.session
import pytest

from tests.unit.conftest import AwsCallInUnitTest


def test_an_aws_call_in_a_unit_test_fails_loudly():
    client = botocore.session.get_session().create_client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with pytest.raises(AwsCallInUnitTest, match="dynamodb.ListTables"):
        client.list_tables()


def test_a_connection_leaving_the_machine_fails_loudly():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        with pytest.raises(AwsCallInUnitTest, match="network connection"):
            s.connect(("192.0.2.1", 443))  # TEST-NET-1: would hang, never answer
