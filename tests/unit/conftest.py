"""The unit tier: pure logic only. No moto, no AWS, no network.

Every test here runs with two tripwires: any botocore API call, and any socket connection that
leaves the machine, fails the test loudly instead of reaching (or waiting for) AWS. A unit test
that trips one is testing the wrong thing: it belongs in `tests/api/`, or it should pass in the
value the code would have read.
"""
import socket

import botocore.client
import pytest


class AwsCallInUnitTest(AssertionError):
    pass


def _refuse_api_call(self, operation_name, api_params):
    raise AwsCallInUnitTest(
        f"unit test called AWS: {self.meta.service_model.service_name}.{operation_name}; "
        "unit tests must not touch AWS (move the test to tests/api/ or pass the value in)"
    )


_real_connect = socket.socket.connect


def _local_only_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and self.family != socket.AF_UNIX:
        raise AwsCallInUnitTest(f"unit test opened a network connection to {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_aws(monkeypatch):
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", _refuse_api_call)
    monkeypatch.setattr(socket.socket, "connect", _local_only_connect)
