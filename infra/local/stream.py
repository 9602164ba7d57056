"""The orders stream: a poller that feeds a table's stream to its handler as Lambda does."""
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from infra.local.environment import log
from infra.local.runtime import LambdaContext

STREAM_MAX_RETRIES = 3  # like an event source mapping's MaximumRetryAttempts


def lambda_record(record: dict, stream_arn: str) -> dict:
    """A `get_records` record as Lambda delivers it: with `eventSourceARN`, and the creation
    time in epoch seconds (boto3 parses it into a datetime). Images stay raw DynamoDB JSON."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": data, "eventSourceARN": stream_arn}


@dataclass
class _Batch:
    records: list
    attempts: int = 0


class StreamPoller:
    """Reads a table's stream shard by shard and calls a stream handler like Lambda's event
    source mapping with `ReportBatchItemFailures`: a failed batch is retried from its first failed
    record (the shard waits meanwhile), at most `max_retries` times, then reported and skipped."""

    def __init__(self, dynamodb, streams, table_name: str, handler: Callable, function: str,
                 batch_size: int = 25, max_retries: int = STREAM_MAX_RETRIES):
        self._dynamodb, self._streams = dynamodb, streams
        self._table, self._handler, self._function = table_name, handler, function
        self._batch_size, self._max_retries = batch_size, max_retries
        self._stream_arn: str | None = None
        self._seen_shards: set = set()
        self._iterators: dict = {}  # shard id -> next iterator (None once the shard is closed)
        self._pending: dict = {}  # shard id -> _Batch waiting for a retry

    def poll_once(self) -> None:
        if self._stream_arn is None:
            self._stream_arn = self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        self._discover_shards()
        for shard_id in list(self._iterators):
            self._poll_shard(shard_id)

    def _discover_shards(self) -> None:
        # Shards come parents first, so a split shard's records keep their order.
        request = {"StreamArn": self._stream_arn}
        while True:
            description = self._streams.describe_stream(**request)["StreamDescription"]
            for shard in description.get("Shards", []):
                if shard["ShardId"] not in self._seen_shards:
                    self._seen_shards.add(shard["ShardId"])
                    self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                        StreamArn=self._stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                    )["ShardIterator"]
            if not description.get("LastEvaluatedShardId"):
                return
            request["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]

    def _poll_shard(self, shard_id: str) -> None:
        batch = self._pending.pop(shard_id, None) or self._read(shard_id)
        if batch is not None:
            self._deliver(shard_id, batch)

    def _read(self, shard_id: str) -> _Batch | None:
        iterator = self._iterators[shard_id]
        if iterator is None:  # closed and fully read
            del self._iterators[shard_id]
            return None
        answer = self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
        self._iterators[shard_id] = answer.get("NextShardIterator")
        records = [lambda_record(r, self._stream_arn) for r in answer.get("Records", [])]
        return _Batch(records) if records else None

    def _deliver(self, shard_id: str, batch: _Batch) -> None:
        failed_from = self._invoke(batch.records)
        if failed_from is None:
            return
        remaining = batch.records[failed_from:]
        ids = ", ".join(r["dynamodb"]["SequenceNumber"] for r in remaining)
        if batch.attempts >= self._max_retries:
            # Lambda would now hand them to the on-failure destination and move on.
            log(f"stream: gave up after {batch.attempts} retries on records {ids}")
            return
        log(f"stream: retrying from the first failed record ({batch.attempts + 1}/{self._max_retries}): {ids}")
        self._pending[shard_id] = _Batch(remaining, batch.attempts + 1)

    def _invoke(self, records: list) -> int | None:
        """Call the handler; the index of the first record to retry, or None when all succeeded."""
        try:
            answer = self._handler({"Records": records}, LambdaContext(self._function))
        except Exception:  # the whole batch failed, as in Lambda
            log(f"stream: the handler raised on a batch of {len(records)} records:\n{traceback.format_exc()}")
            return 0
        failures = (answer or {}).get("batchItemFailures") or []
        if not failures:
            return None
        failed = {f.get("itemIdentifier") for f in failures}
        log(f"stream: batchItemFailures {sorted(map(str, failed))} of {len(records)} records")
        positions = [i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in failed]
        return min(positions, default=0)  # an unknown identifier fails the whole batch
