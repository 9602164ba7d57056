"""The local system's polling loop and its wake-up (`infra.local.system`): at once while there is
work, on a write to the table, else rarely; an error is logged and the loop goes on."""
import threading
from types import SimpleNamespace

from infra.local.stream import STREAM_RETRY_SECONDS, stream_step, wake_on_writes
from infra.local.system import Loop


def run_steps(answers: list, interval: float = 0.01, wake: threading.Event | None = None) -> list:
    """Run a Loop whose step gives `answers` in turn (an exception is raised), until they run out."""
    stop, calls = threading.Event(), []

    def step():
        calls.append(len(calls))
        answer = answers[len(calls) - 1]
        if len(calls) == len(answers):
            stop.set()
        if isinstance(answer, Exception):
            raise answer
        return answer

    loop = Loop("stream", step, stop, interval, wake=wake)
    loop.start()
    loop.join(timeout=30)
    assert not loop.is_alive()
    return calls


def test_a_step_that_raises_is_logged_with_its_traceback_and_the_loop_goes_on(capsys):
    calls = run_steps([RuntimeError("moto went away"), None, None])
    assert calls == [0, 1, 2]
    out = capsys.readouterr().out
    assert "stream: the step failed" in out and "RuntimeError: moto went away" in out


def test_after_a_step_with_work_done_the_next_runs_without_waiting():
    # An interval of an hour: the test ends only because each answer is 0 (run again at once).
    assert run_steps([0, 0, 0, 0], interval=3600) == [0, 1, 2, 3]


def test_a_wake_up_ends_the_wait_at_once():
    wake = threading.Event()
    stop = threading.Event()
    calls = []

    def step():
        calls.append(1)
        if len(calls) == 2:
            stop.set()
        return None  # wait the whole interval unless woken

    loop = Loop("stream", step, stop, 3600, wake=wake)
    loop.start()
    while not calls:
        threading.Event().wait(0.01)
    wake.set()
    loop.join(timeout=30)
    assert not loop.is_alive() and len(calls) == 2


class FakePoller:
    def __init__(self, delivered: int, retry_waiting: bool):
        self.delivered, self.retry_waiting = delivered, retry_waiting

    def poll_once(self):
        return self.delivered

    def next_retry_in(self):
        return STREAM_RETRY_SECONDS


def test_the_stream_step_polls_again_at_once_after_a_delivery_soon_for_a_retry_else_when_woken():
    assert stream_step(FakePoller(3, False))() == 0
    assert stream_step(FakePoller(0, True))() == STREAM_RETRY_SECONDS
    assert stream_step(FakePoller(0, False))() is None


def moto_request(service: str, target: str, body) -> SimpleNamespace:
    return SimpleNamespace(service_name=service, headers={"X-Amz-Target": target}, body=body)


ORDERS = "workorders-dev-orders"


def test_a_write_naming_the_table_wakes_the_poller_and_nothing_else_does():
    # moto hands the hook the body parsed (as its server does) or as text: both are understood.
    wake = threading.Event()
    hook = wake_on_writes(ORDERS, wake)
    for request in (
        moto_request("dynamodb", "DynamoDB_20120810.GetItem", {"TableName": ORDERS}),
        moto_request("dynamodb", "DynamoDB_20120810.PutItem", {"TableName": ORDERS + "-archive"}),
        moto_request("dynamodb", "DynamoDB_20120810.PutItem", '{"TableName": "workorders-dev-calendar"}'),
        moto_request("dynamodb", "DynamoDB_20120810.TransactWriteItems",
                     {"TransactItems": [{"Put": {"TableName": "workorders-dev-calendar"}}]}),
        moto_request("ses", "", "Action=SendRawEmail"),
    ):
        hook(request)
        assert not wake.is_set(), request
    for target, body in (("PutItem", {"TableName": ORDERS}),
                         ("PutItem", f'{{"TableName": "{ORDERS}"}}'),
                         ("TransactWriteItems", {"TransactItems": [{"ConditionCheck": {"TableName": "x"}},
                                                                   {"Update": {"TableName": ORDERS}}]}),
                         ("TransactWriteItems", f'{{"TransactItems": [{{"Put": {{"TableName": "{ORDERS}"}}}}]}}'.encode()),
                         ("BatchWriteItem", {"RequestItems": {ORDERS: []}})):
        wake.clear()
        hook(moto_request("dynamodb", f"DynamoDB_20120810.{target}", body))
        assert wake.is_set(), (target, body)
