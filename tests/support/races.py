"""Forced races for the api tier: writers that read, then wait at a barrier until the others have
read too, so they all write on top of the same state (moto's requests are atomic: infra/moto_atomic)."""
import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

READS = frozenset({"GetItem", "Query", "BatchGetItem"})


def _reads_table(operation: str, params: dict, table: str) -> bool:
    if operation not in READS:
        return False
    return params.get("TableName") == table or table in (params.get("RequestItems") or {})


@contextlib.contextmanager
def after_first_read(table: str, then):
    """Call `then()` once, in each thread, right after that thread's first read of `table`."""
    import botocore.client

    inner = botocore.client.BaseClient._make_api_call
    seen = threading.local()

    def call(client, operation, params):
        result = inner(client, operation, params)
        if not getattr(seen, "done", False) and _reads_table(operation, params, table):
            seen.done = True
            then()
        return result

    botocore.client.BaseClient._make_api_call = call
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = inner


def all_read_first(table: str, writers: int = 2):
    """Each writer reads `table`, then waits until the others have read it too."""
    return after_first_read(table, threading.Barrier(writers, timeout=20).wait)


def race(*calls):
    """Run the calls at once; each one's result or the exception it raised."""
    def run(call):
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
