"""The embedded AWS's write-ahead journal: which requests change state, and an append-only file of them.

Every request that changes DynamoDB or S3 is appended here, and the file is fsynced, before moto's
answer leaves the server: the app answers 2xx only after its AWS calls have answered, so an
acknowledged write is always on disk. Replaying the journal in order on top of the last snapshot
rebuilds the same state: DynamoDB and S3 writes are deterministic given the state before them,
and moto's request lock gives the journal the order moto applied them in.

Records are framed as `<length:4><crc32:4><pickle>`; a record torn by a crash mid-write fails its
check and ends the replay there (it was never acknowledged: its fsync had not returned).
"""
import os
import pickle
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from infra.local.files import fsync_folder

_HEADER = struct.Struct(">II")

# Actions that read: everything else a service is asked changes its state.
DYNAMODB_READS = frozenset({
    "GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable", "ListTables",
    "DescribeTimeToLive", "ListTagsOfResource", "DescribeContinuousBackups", "DescribeLimits",
    "DescribeEndpoints", "DescribeKinesisStreamingDestination",
})
SES_SENDS = frozenset({"SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail"})
READ_PREFIXES = ("Get", "List", "Describe", "AdminGet", "AdminList")

JOURNALED = ("dynamodb", "s3")  # replayed request by request on top of a snapshot
SNAPSHOTTED = ("cognito-idp", "ses")  # small: the whole backend is saved after each change


# The parts of a WSGI environ a replay needs (with every HTTP_ header).
_ENVIRON_KEYS = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
                 "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REQUEST_URI", "RAW_URI", "wsgi.url_scheme")


@dataclass
class Request:
    """One HTTP request to the embedded AWS, as much of it as replaying it needs."""
    environ: dict
    body: bytes
    service: str
    seq: int = 0

    @classmethod
    def of(cls, environ: dict, body: bytes, service: str) -> "Request":
        kept = {k: v for k, v in environ.items() if k in _ENVIRON_KEYS or k.startswith("HTTP_")}
        kept.pop("HTTP_TRANSFER_ENCODING", None)  # the body is kept whole
        kept["CONTENT_LENGTH"] = str(len(body))
        return cls(kept, body, service)


def service_of(environ: dict) -> str | None:
    """The AWS service a request is for: from its signature's credential scope, or from its
    target header for the unsigned Cognito calls (sign-in), or S3 for an unsigned browser upload."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("DynamoDBStreams"):
        return "dynamodbstreams"
    if target.startswith("DynamoDB_"):
        return "dynamodb"
    if target.startswith("AWSCognitoIdentityProviderService"):
        return "cognito-idp"
    if auth:
        try:
            return auth.split(",")[0].split()[1].split("/")[3].lower()
        except IndexError:
            return None
    if "X-Amz-Credential=" in environ.get("QUERY_STRING", "") and "/s3/" in environ.get("QUERY_STRING", ""):
        return "s3"  # a presigned URL
    if environ.get("REQUEST_METHOD") == "POST" and environ.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return "s3"  # a presigned POST from a browser
    return None


def kind_of(service: str | None, environ: dict, body: bytes) -> str | None:
    """"journal", "snapshot" or None (a read, or a service whose state we don't keep)."""
    method = environ.get("REQUEST_METHOD", "GET")
    if service == "dynamodb":
        action = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        return None if action in DYNAMODB_READS else "journal"
    if service == "s3":
        return "journal" if method in ("PUT", "POST", "DELETE") else None
    if service == "cognito-idp":
        action = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        return None if action.startswith(READ_PREFIXES) else "snapshot"
    if service == "ses" and method == "POST":
        action = _form_action(body)
        # Sent mail is kept in the outbox, where it is sent; moto's copy is not state worth keeping.
        return None if (action in SES_SENDS or action.startswith(READ_PREFIXES)) else "snapshot"
    return None


def _form_action(body: bytes) -> str:
    from urllib.parse import parse_qs  # small, but only SES calls need it

    values = parse_qs(body.decode("utf-8", "replace")).get("Action") or [""]
    return values[0]


class Journal:
    """The append-only file. `append` returns only once the record is on disk."""

    def __init__(self, path: Path):
        self.path = path
        self._file: BinaryIO | None = None
        self.last_seq = 0
        self.records = 0
        self.size = 0

    def open(self, last_seq: int) -> None:
        """Open for appending after the records already there (replayed by then); `last_seq` is
        the highest sequence number applied so far, in the snapshot or the journal."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        valid = 0
        for request, end in self._scan():
            valid = end
            self.records += 1
            last_seq = max(last_seq, request.seq)
        self._file = os.fdopen(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")
        if self._file.tell() != valid:  # a torn tail: drop it before appending after it
            self._file.truncate(valid)
            self._file.seek(valid)
        self.last_seq, self.size = last_seq, valid
        fsync_folder(self.path.parent)

    def append(self, request: Request) -> int:
        self.last_seq += 1
        request.seq = self.last_seq
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(_HEADER.pack(len(payload), zlib.crc32(payload)) + payload)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records += 1
        self.size += _HEADER.size + len(payload)
        return request.seq

    def read(self) -> Iterator[Request]:
        for request, _ in self._scan():
            yield request

    def reset(self) -> None:
        """Empty the journal, once a snapshot holds everything in it."""
        self._file.truncate(0)
        self._file.seek(0)
        os.fsync(self._file.fileno())
        self.records = self.size = 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _scan(self) -> Iterator[tuple[Request, int]]:
        if not self.path.exists():
            return
        with open(self.path, "rb") as source:
            position = 0
            while True:
                header = source.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    return
                length, crc = _HEADER.unpack(header)
                payload = source.read(length)
                if len(payload) < length or zlib.crc32(payload) != crc:
                    return
                position += _HEADER.size + length
                yield pickle.loads(payload), position  # noqa: S301 (our own file)
