"""The orders stream: a poller that feeds a table's stream to its handler as Lambda does.

Its place in the stream is a sequence number per shard (the last record delivered), never a shard
iterator kept from one poll to the next: moto replaces a table's stream shard with a copy when it
rolls back a cancelled transaction, and an old iterator would read the dead copy for ever. Each
poll re-reads the table's `LatestStreamArn` and the stream's shards and asks for a fresh iterator
after the last record delivered. The position can be kept in a file, so a restart resumes there.

The poller polls when the table is written (`wake_on_writes`, a hook on moto's requests), soon
while a failed batch waits for its retry, and otherwise every `STREAM_IDLE_SECONDS` only.
"""
import json
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from infra.local.environment import log
from infra.local.files import write_atomically
from infra.local.runtime import LambdaContext

STREAM_MAX_RETRIES = 3  # like an event source mapping's MaximumRetryAttempts
STREAM_IDLE_SECONDS = 15.0  # with no write to the table, the stream is still looked at this often
STREAM_RETRY_SECONDS = 0.5  # a failed batch is retried after this long (without `retry_delays`)
# The local system's stream function: each invocation may run this long, so an automation a crash
# cut off is "in progress" (Powertools Idempotency) for at most that long; the retries' waits add
# up to more, so after a restart such a record is run again rather than given up.
STREAM_TIMEOUT_SECONDS = 15
STREAM_RETRY_DELAYS = (1.0, 4.0, 16.0)
TABLE_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


def lambda_record(record: dict, stream_arn: str) -> dict:
    """A `get_records` record as Lambda delivers it: with `eventSourceARN`, and the creation
    time in epoch seconds (boto3 parses it into a datetime). Images stay raw DynamoDB JSON."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": data, "eventSourceARN": stream_arn}


def _sequence(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]


@dataclass
class _Batch:
    records: list
    attempts: int = 0
    due: float = 0.0  # time.monotonic() from which it may be retried


@dataclass
class StreamPosition:
    """The stream a poller reads and, per shard, the sequence number of the last record delivered
    (a shard not named has had nothing delivered yet). On disk:
    `{"stream_arn": ..., "shards": {shard_id: last_sequence_number}}`."""

    stream_arn: str | None = None
    shards: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> "StreamPosition":
        if path is None or not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text())
            return cls(data["stream_arn"], {str(k): str(v) for k, v in data["shards"].items()})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log(f"stream: the position in {path} is unreadable ({exc!r}); reading the stream from its start")
            return cls()

    def save(self, path: Path | None) -> None:
        if path is not None:
            data = {"stream_arn": self.stream_arn, "shards": self.shards}
            write_atomically(path, json.dumps(data, indent=2).encode())


class StreamPoller:
    """Reads a table's stream shard by shard (a child shard once its parent is read to the end)
    and calls a stream handler like Lambda's event source mapping with `ReportBatchItemFailures`:
    a failed batch is retried from its first failed record (the shard waits meanwhile), at most
    `max_retries` times, then reported and skipped. `poll_once` reads one batch per shard."""

    def __init__(self, dynamodb, streams, table_name: str, handler: Callable, function: str,
                 batch_size: int = 25, max_retries: int = STREAM_MAX_RETRIES, position_file: Path | None = None,
                 retry_delays: tuple | None = None, timeout_seconds: int = 60):
        self._dynamodb, self._streams = dynamodb, streams
        self.table_name, self._handler, self._function = table_name, handler, function
        self._batch_size, self._max_retries = batch_size, max_retries
        self._position_file = position_file
        self._retry_delays, self._timeout = retry_delays, timeout_seconds
        self.position = StreamPosition.load(position_file)
        self._shard_ids: set | None = None  # as the last poll saw them
        self._finished: set = set()  # closed shards read to their end
        self._pending: dict = {}  # shard id -> _Batch waiting for a retry
        self._said_no_stream = False
        if self.position.stream_arn:
            log(f"stream: resuming {self.position.stream_arn} after {self.position.shards or 'nothing'}")

    @property
    def retry_waiting(self) -> bool:
        return bool(self._pending)

    def next_retry_in(self) -> float:
        """Seconds until the first failed batch may be retried."""
        if not self._retry_delays:
            return STREAM_RETRY_SECONDS
        return max(0.05, min(b.due for b in self._pending.values()) - time.monotonic())

    def poll_once(self) -> int:
        """One round over the table's current stream; the number of records handed to the handler."""
        stream_arn = self._follow_table()
        if stream_arn is None:
            return 0
        shards = self._describe(stream_arn)
        self._follow_shards(shards)
        listed = {s["ShardId"] for s in shards}
        delivered = 0
        for shard in shards:  # parents come first
            parent = shard.get("ParentShardId")
            waiting_for_parent = parent in listed and parent not in self._finished
            if shard["ShardId"] not in self._finished and not waiting_for_parent:
                delivered += self._poll_shard(stream_arn, shard)
        return delivered

    def _follow_table(self) -> str | None:
        stream_arn = self._dynamodb.describe_table(TableName=self.table_name)["Table"].get("LatestStreamArn")
        if stream_arn is None:
            if not self._said_no_stream:
                log(f"stream: the table {self.table_name} has no stream; nothing to deliver")
                self._said_no_stream = True
            return None
        if stream_arn != self.position.stream_arn:
            if self.position.stream_arn is not None:
                log(f"stream: {self.table_name}'s stream is now {stream_arn} (was {self.position.stream_arn}); "
                    "reading the new stream from its start")
            self.position = StreamPosition(stream_arn)
            self._shard_ids, self._finished, self._pending = None, set(), {}
            self.position.save(self._position_file)
        return stream_arn

    def _describe(self, stream_arn: str) -> list:
        shards, request = [], {"StreamArn": stream_arn}
        while True:
            description = self._streams.describe_stream(**request)["StreamDescription"]
            shards.extend(description.get("Shards", []))
            if not description.get("LastEvaluatedShardId"):
                return shards
            request["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]

    def _follow_shards(self, shards: list) -> None:
        ids = {s["ShardId"] for s in shards}
        known = self._shard_ids if self._shard_ids is not None else set(self.position.shards)
        for gone in sorted(known - ids):
            log(f"stream: shard {gone} is no longer in the stream; its position is dropped")
            self.position.shards.pop(gone, None)
            self._pending.pop(gone, None)
            self._finished.discard(gone)
        if self._shard_ids is not None:
            for new in sorted(ids - known):
                log(f"stream: new shard {new}, read from its start")
        self._shard_ids = ids

    def _poll_shard(self, stream_arn: str, shard: dict) -> int:
        waiting = self._pending.get(shard["ShardId"])
        if waiting is not None and waiting.due > time.monotonic():
            return 0  # the shard waits for its retry
        batch = self._pending.pop(shard["ShardId"], None) or self._read(stream_arn, shard)
        if batch is None:
            return 0
        self._deliver(shard["ShardId"], batch)
        return len(batch.records)

    def _read(self, stream_arn: str, shard: dict) -> _Batch | None:
        shard_id = shard["ShardId"]
        answer = self._streams.get_records(ShardIterator=self._iterator(stream_arn, shard), Limit=self._batch_size)
        records = [lambda_record(r, stream_arn) for r in answer.get("Records", [])]
        if not records and not answer.get("NextShardIterator"):
            self._finished.add(shard_id)  # closed, and read to its end
        return _Batch(records) if records else None

    def _iterator(self, stream_arn: str, shard: dict) -> str:
        shard_id = shard["ShardId"]
        last = self.position.shards.get(shard_id)
        first = shard.get("SequenceNumberRange", {}).get("StartingSequenceNumber")
        if last is not None and first is not None and int(last) < int(first) - 1:
            log(f"stream: shard {shard_id} now starts at {first}, after the last record delivered ({last}); "
                "the records between were trimmed unread. Reading from the shard's start")
            last = None
        where = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last} if last is not None
                 else {"ShardIteratorType": "TRIM_HORIZON"})
        return self._streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, **where)["ShardIterator"]

    def _deliver(self, shard_id: str, batch: _Batch) -> None:
        failed_from = self._invoke(batch.records)
        if failed_from is None:
            self._delivered(shard_id, batch.records[-1])
            return
        remaining = batch.records[failed_from:]
        ids = ", ".join(_sequence(r) for r in remaining)
        if batch.attempts >= self._max_retries:
            # Lambda would now hand them to the on-failure destination and move on.
            log(f"stream: gave up after {batch.attempts} retries on records {ids}")
            self._delivered(shard_id, batch.records[-1])
            return
        if failed_from > 0:
            self._delivered(shard_id, batch.records[failed_from - 1])
        log(f"stream: retrying from the first failed record ({batch.attempts + 1}/{self._max_retries}): {ids}")
        delay = self._retry_delays[min(batch.attempts, len(self._retry_delays) - 1)] if self._retry_delays else 0.0
        self._pending[shard_id] = _Batch(remaining, batch.attempts + 1, time.monotonic() + delay)

    def _delivered(self, shard_id: str, record: dict) -> None:
        self.position.shards[shard_id] = _sequence(record)
        self.position.save(self._position_file)

    def _invoke(self, records: list) -> int | None:
        """Call the handler; the index of the first record to retry, or None when all succeeded."""
        try:
            answer = self._handler({"Records": records}, LambdaContext(self._function, timeout_seconds=self._timeout))
        except Exception:  # the whole batch failed, as in Lambda
            log(f"stream: the handler raised on a batch of {len(records)} records:\n{traceback.format_exc()}")
            return 0
        failures = (answer or {}).get("batchItemFailures") or []
        if not failures:
            return None
        failed = {f.get("itemIdentifier") for f in failures}
        log(f"stream: batchItemFailures {sorted(map(str, failed))} of {len(records)} records")
        positions = [i for i, r in enumerate(records) if _sequence(r) in failed]
        return min(positions, default=0)  # an unknown identifier fails the whole batch


def stream_step(poller: StreamPoller) -> Callable[[], float | None]:
    """One poll: again at once after a delivery, soon while a failed batch waits for its retry,
    else when the table is written (or after the idle interval)."""

    def step() -> float | None:
        if poller.poll_once():
            return 0
        return poller.next_retry_in() if poller.retry_waiting else None

    return step


def _names_table(body, table_name: str) -> bool:
    """Whether a DynamoDB request body (moto hands it over parsed, or as text) names the table."""
    if isinstance(body, dict):
        transact = [next(iter(entry.values()), {}) for entry in body.get("TransactItems") or [] if isinstance(entry, dict)]
        return (body.get("TableName") == table_name or table_name in (body.get("RequestItems") or {})
                or any(isinstance(op, dict) and op.get("TableName") == table_name for op in transact))
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return isinstance(body, str) and json.dumps(table_name) in body


def wake_on_writes(table_name: str, wake: threading.Event) -> Callable:
    """A moto request hook (`infra.moto_atomic.after_each_request`) that sets `wake` after a
    DynamoDB write request naming `table_name` (a false alarm costs one poll; a miss, the idle
    interval)."""

    def hook(response) -> None:
        if getattr(response, "service_name", None) != "dynamodb":
            return
        target = response.headers.get("X-Amz-Target") or response.headers.get("x-amz-target") or ""
        if target.rpartition(".")[2] in TABLE_WRITES and _names_table(response.body, table_name):
            wake.set()

    return hook
