"""The local stream poller's place in the stream (`infra.local.stream`), against a fake DynamoDB
Streams: a sequence number per shard, fresh iterators each poll, following the table's current
stream and its shards, the position kept in a file, and Lambda's retry rules."""
import json
import stat
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from infra.local.stream import StreamPoller, StreamPosition

TABLE = "orders"
ARN_1 = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
ARN_2 = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-02-02T00:00:00.000"
FIRST = 1000


@dataclass
class Shard:
    id: str
    parent: str | None = None
    start: int = FIRST  # sequence number of the first record kept
    records: list = field(default_factory=list)
    closed: bool = False

    def add(self, order_id: str) -> None:
        number = self.start + len(self.records)
        self.records.append({"eventID": f"e{number}", "eventName": "INSERT", "dynamodb": {
            "SequenceNumber": str(number), "Keys": {"order_id": {"S": order_id}},
            "ApproximateCreationDateTime": datetime(2026, 1, 1, tzinfo=timezone.utc)}})

    def description(self) -> dict:
        described = {"ShardId": self.id, "SequenceNumberRange": {"StartingSequenceNumber": str(self.start)}}
        if self.parent:
            described["ParentShardId"] = self.parent
        return described


class FakeAWS:
    """The table's `LatestStreamArn` and its stream's shards. An iterator is a position: the
    poller can only read shards as they are now. `describe_stream` pages one shard at a time."""

    def __init__(self):
        self.stream_arn: str | None = ARN_1
        self.shards: dict = {ARN_1: [Shard("shard-1")]}
        self.iterators_asked = []

    def shard(self, index: int = 0, arn: str | None = None) -> Shard:
        return self.shards[arn or self.stream_arn][index]

    def describe_table(self, TableName):
        assert TableName == TABLE
        return {"Table": {"TableName": TABLE, **({"LatestStreamArn": self.stream_arn} if self.stream_arn else {})}}

    def describe_stream(self, StreamArn, ExclusiveStartShardId=None):
        shards = self.shards[StreamArn]
        ids = [s.id for s in shards]
        index = ids.index(ExclusiveStartShardId) + 1 if ExclusiveStartShardId else 0
        page = {"Shards": [s.description() for s in shards[index:index + 1]]}
        if index + 1 < len(shards):
            page["LastEvaluatedShardId"] = shards[index].id
        return {"StreamDescription": page}

    def get_shard_iterator(self, StreamArn, ShardId, ShardIteratorType, SequenceNumber=None):
        self.iterators_asked.append((ShardId, ShardIteratorType, SequenceNumber))
        shard = next(s for s in self.shards[StreamArn] if s.id == ShardId)
        at = shard.start if ShardIteratorType == "TRIM_HORIZON" else int(SequenceNumber) + 1
        return {"ShardIterator": json.dumps([StreamArn, ShardId, at])}

    def get_records(self, ShardIterator, Limit):
        arn, shard_id, at = json.loads(ShardIterator)
        shard = next(s for s in self.shards[arn] if s.id == shard_id)
        assert at >= shard.start, "a trimmed record was asked for"
        records = shard.records[at - shard.start:at - shard.start + Limit]
        answer = {"Records": [{**r, "dynamodb": dict(r["dynamodb"])} for r in records]}
        if not (shard.closed and at - shard.start + len(records) >= len(shard.records)):
            answer["NextShardIterator"] = json.dumps([arn, shard_id, at + len(records)])
        return answer


class Handler:
    """Records each batch's order ids; `fail` maps an order id to how many times it fails."""

    def __init__(self, fail: dict | None = None):
        self.batches, self.fail, self.events = [], dict(fail or {}), []

    def __call__(self, event, context):
        self.events.append(event)
        ids = [r["dynamodb"]["Keys"]["order_id"]["S"] for r in event["Records"]]
        self.batches.append(ids)
        failed = [r for r in event["Records"] if self.fail.get(r["dynamodb"]["Keys"]["order_id"]["S"], 0) > 0]
        for r in failed:
            self.fail[r["dynamodb"]["Keys"]["order_id"]["S"]] -= 1
        return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in failed]}

    @property
    def delivered(self) -> list:
        return [i for batch in self.batches for i in batch]


@pytest.fixture
def aws():
    return FakeAWS()


def poller(aws, handler, **options) -> StreamPoller:
    return StreamPoller(aws, aws, TABLE, handler, "workorders-dev-on_order_change", **options)


def test_each_record_is_delivered_once_in_order_with_lambdas_fields(aws):
    handler = Handler()
    p = poller(aws, handler, batch_size=2)
    for order_id in ("WO-A", "WO-B", "WO-C"):
        aws.shard().add(order_id)
    assert p.poll_once() == 2
    assert p.poll_once() == 1
    assert p.poll_once() == 0
    assert handler.batches == [["WO-A", "WO-B"], ["WO-C"]]
    assert p.position == StreamPosition(ARN_1, {"shard-1": str(FIRST + 2)})
    record = handler.events[0]["Records"][0]
    assert record["eventSourceARN"] == ARN_1
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1767225600  # epoch seconds, as Lambda sends


def test_every_poll_asks_a_fresh_iterator_after_the_last_record_delivered(aws):
    p = poller(aws, Handler())
    p.poll_once()
    aws.shard().add("WO-A")
    p.poll_once()
    p.poll_once()
    assert aws.iterators_asked == [("shard-1", "TRIM_HORIZON", None), ("shard-1", "TRIM_HORIZON", None),
                                   ("shard-1", "AFTER_SEQUENCE_NUMBER", str(FIRST))]


def test_a_shard_replaced_by_a_copy_under_the_same_id_is_still_followed(aws):
    # What moto does when it rolls back a cancelled transaction: the table, its stream and its
    # shard come back from a deep copy, with the same ARN, shard id and sequence numbers.
    handler = Handler()
    p = poller(aws, handler)
    aws.shard().add("WO-A")
    p.poll_once()
    old = aws.shard()
    aws.shards[ARN_1] = [Shard("shard-1", records=list(old.records))]
    aws.shard().add("WO-B")
    p.poll_once()
    assert handler.delivered == ["WO-A", "WO-B"]


def test_a_new_stream_arn_is_logged_and_read_from_its_start(aws, capsys):
    handler = Handler()
    p = poller(aws, handler)
    aws.shard().add("WO-A")
    p.poll_once()
    aws.stream_arn, aws.shards[ARN_2] = ARN_2, [Shard("shard-9", start=5)]
    aws.shard().add("WO-B")
    assert p.poll_once() == 1
    assert handler.delivered == ["WO-A", "WO-B"]
    assert p.position == StreamPosition(ARN_2, {"shard-9": "5"})
    assert f"stream is now {ARN_2} (was {ARN_1}); reading the new stream from its start" in capsys.readouterr().out


def test_a_table_without_a_stream_is_said_once_and_delivers_nothing(aws, capsys):
    aws.stream_arn = None
    p = poller(aws, Handler())
    assert p.poll_once() == 0 and p.poll_once() == 0
    assert capsys.readouterr().out.count("has no stream") == 1


def test_a_child_shard_waits_until_its_closed_parent_is_read_to_the_end(aws, capsys):
    handler = Handler()
    p = poller(aws, handler, batch_size=1)
    parent = aws.shard()
    parent.add("WO-1")
    p.poll_once()
    parent.add("WO-2")
    parent.add("WO-3")
    parent.closed = True
    child = Shard("shard-2", parent="shard-1", start=2000)
    aws.shards[ARN_1].append(child)
    child.add("WO-4")
    for _ in range(4):
        p.poll_once()
    assert handler.delivered == ["WO-1", "WO-2", "WO-3", "WO-4"]
    assert "new shard shard-2, read from its start" in capsys.readouterr().out


def test_a_shard_no_longer_listed_is_logged_and_forgotten(aws, capsys):
    p = poller(aws, Handler())
    aws.shard().add("WO-1")
    p.poll_once()
    aws.shards[ARN_1] = [Shard("shard-2")]
    p.poll_once()
    assert "shard shard-1 is no longer in the stream" in capsys.readouterr().out
    assert p.position.shards == {}


def test_records_trimmed_before_delivery_are_logged_and_the_shard_read_from_its_start(aws, tmp_path, capsys):
    file = tmp_path / "position.json"
    StreamPosition(ARN_1, {"shard-1": "1001"}).save(file)
    aws.shards[ARN_1] = [Shard("shard-1", start=1500)]
    aws.shard().add("WO-7")
    handler = Handler()
    poller(aws, handler, position_file=file).poll_once()
    assert handler.delivered == ["WO-7"]
    assert "trimmed unread" in capsys.readouterr().out


# --- the position on disk -------------------------------------------------------------------------

def test_the_position_is_saved_after_each_delivered_batch_and_a_new_poller_resumes_there(aws, tmp_path, capsys):
    file = tmp_path / "stream-position.json"
    first = Handler()
    p = poller(aws, first, position_file=file)
    aws.shard().add("WO-A")
    aws.shard().add("WO-B")
    p.poll_once()
    assert json.loads(file.read_text()) == {"stream_arn": ARN_1, "shards": {"shard-1": str(FIRST + 1)}}
    assert not stat.S_IMODE(file.stat().st_mode) & 0o022
    aws.shard().add("WO-C")
    again = Handler()
    poller(aws, again, position_file=file).poll_once()
    assert again.delivered == ["WO-C"]
    assert f"stream: resuming {ARN_1}" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["stream-position.json"]  # no temporary files left


def test_a_saved_position_for_another_stream_starts_the_current_one_from_its_start(aws, tmp_path):
    file = tmp_path / "position.json"
    StreamPosition(ARN_2, {"shard-9": "99999"}).save(file)
    aws.shard().add("WO-A")
    handler = Handler()
    poller(aws, handler, position_file=file).poll_once()
    assert handler.delivered == ["WO-A"]
    assert json.loads(file.read_text())["stream_arn"] == ARN_1


@pytest.mark.parametrize("content", ["{not json", "[]", '{"stream_arn": "x"}'])
def test_an_unreadable_position_file_is_logged_and_the_stream_read_from_its_start(aws, tmp_path, capsys, content):
    file = tmp_path / "position.json"
    file.write_text(content)
    aws.shard().add("WO-A")
    handler = Handler()
    poller(aws, handler, position_file=file).poll_once()
    assert handler.delivered == ["WO-A"]
    assert "is unreadable" in capsys.readouterr().out


# --- Lambda's retry rules ---------------------------------------------------------------------------

def test_a_failed_record_is_retried_from_itself_and_the_records_before_it_count_as_delivered(aws, tmp_path):
    file = tmp_path / "position.json"
    handler = Handler(fail={"WO-B": 1})
    p = poller(aws, handler, position_file=file)
    for order_id in ("WO-A", "WO-B", "WO-C"):
        aws.shard().add(order_id)
    p.poll_once()
    assert p.retry_waiting
    assert json.loads(file.read_text())["shards"] == {"shard-1": str(FIRST)}  # WO-A
    aws.shard().add("WO-D")  # waits behind the retry, as a shard does in Lambda
    p.poll_once()
    p.poll_once()
    assert handler.batches == [["WO-A", "WO-B", "WO-C"], ["WO-B", "WO-C"], ["WO-D"]]
    assert not p.retry_waiting


def test_after_the_last_retry_the_batch_is_reported_and_the_shard_moves_on(aws, capsys):
    handler = Handler(fail={"WO-B": 99})
    p = poller(aws, handler, max_retries=2)
    aws.shard().add("WO-A")
    aws.shard().add("WO-B")
    for _ in range(4):
        p.poll_once()
    assert handler.batches == [["WO-A", "WO-B"], ["WO-B"], ["WO-B"]]
    assert f"gave up after 2 retries on records {FIRST + 1}" in capsys.readouterr().out
    assert p.position.shards == {"shard-1": str(FIRST + 1)}


def test_a_handler_that_raises_fails_the_whole_batch_with_its_traceback_logged(aws, capsys):
    calls = []

    def handler(event, context):
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("the database blinked")
        return None

    p = poller(aws, handler)
    aws.shard().add("WO-A")
    p.poll_once()
    p.poll_once()
    assert calls == [1, 1]
    out = capsys.readouterr().out
    assert "the handler raised on a batch of 1 records" in out and "RuntimeError: the database blinked" in out


def test_with_retry_delays_a_failed_batch_waits_longer_each_time_and_the_shard_waits_with_it(aws, monkeypatch):
    """The local system backs off (1, 4, 16 s): an automation a crash left "in progress" is
    retried once its claim has run out, instead of being given up within a second."""
    import infra.local.stream as stream

    now = [1000.0]
    monkeypatch.setattr(stream.time, "monotonic", lambda: now[0])
    calls = []

    def handler(event, context):
        calls.append([r["dynamodb"]["Keys"]["order_id"]["S"] for r in event["Records"]])
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]}

    p = poller(aws, handler, retry_delays=(1.0, 4.0, 16.0))
    aws.shard().add("WO-A")
    p.poll_once()
    assert len(calls) == 1 and p.next_retry_in() == 1.0
    p.poll_once()
    assert len(calls) == 1  # not yet due
    now[0] += 1.0
    p.poll_once()
    assert len(calls) == 2 and p.next_retry_in() == 4.0
    now[0] += 4.0
    p.poll_once()
    assert len(calls) == 3 and p.next_retry_in() == 16.0
    now[0] += 15.9
    p.poll_once()
    assert len(calls) == 3
