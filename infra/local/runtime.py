"""Lambda-like invocation: the context object, handler strings, the functions' names."""
import importlib
import sys
import time
import uuid
from typing import Callable

from infra.local.environment import ACCOUNT, REGION, STAGE


class LambdaContext:
    """The parts of a Lambda context object handlers and Powertools read."""

    def __init__(self, function_name: str, timeout_seconds: int = 60, memory_mb: int = 128):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve_handler(handler_string: str) -> Callable:
    """What Lambda calls for a handler string such as `app.on_order_change`."""
    module_name, _, attribute = handler_string.rpartition(".")
    module = sys.modules.get(module_name) or importlib.import_module(module_name)
    return getattr(module, attribute)


def function_name(chalice_app, source_name: str) -> str:
    return f"{chalice_app.app_name}-{STAGE}-{source_name}"


def share_botocore_models() -> None:
    """One botocore loader for every PynamoDB session in this process.

    In Lambda a container serves one request at a time on one thread. The local server starts a
    thread per connection, and PynamoDB keeps a botocore session per thread, each of which reads
    and parses botocore's service models again: about 70 ms of every booking. Sessions made from
    now on share one loader, and so parse each model once."""
    import botocore.loaders
    import pynamodb.connection.base as pynamodb_base

    if getattr(pynamodb_base.get_session, "shares_models", False):
        return
    loader, make_session = botocore.loaders.create_loader(), pynamodb_base.get_session

    def get_session():
        session = make_session()
        session.register_component("data_loader", loader)
        return session

    get_session.shares_models = True
    pynamodb_base.get_session = get_session
