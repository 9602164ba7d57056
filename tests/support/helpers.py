"""Shared test helpers: the Scan guard, a DynamoDB call counter, a token forger, a stream reader and
the SES outbox."""
import base64
import collections
import email
import email.policy
import functools
import gzip
import hashlib
import hmac
import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

# --- the Scan guard -------------------------------------------------------------------------


class ScanForbidden(AssertionError):
    """Raised (and recorded) when code calls DynamoDB Scan."""


class ScanGuard:
    """Patches botocore's one entry point for every API call (PynamoDB, boto3 and Powertools all
    go through `BaseClient._make_api_call`) so a DynamoDB Scan, including a parallel scan
    (`Model.scan(segment=..., total_segments=...)`), raises and is recorded."""

    OPERATIONS = frozenset({"Scan"})

    def __init__(self):
        self.calls: list[dict] = []
        self._original = None
        self._lock = threading.Lock()

    def install(self) -> None:
        import botocore.client

        if self._original is not None:
            return
        original = self._original = botocore.client.BaseClient._make_api_call
        guard = self

        def guarded(client, operation_name, api_params):
            if operation_name in guard.OPERATIONS and client.meta.service_model.service_name == "dynamodb":
                call = {
                    "operation": operation_name,
                    "table": api_params.get("TableName"),
                    "segment": api_params.get("Segment"),
                }
                with guard._lock:
                    guard.calls.append(call)
                raise ScanForbidden(f"DynamoDB {operation_name} of {call['table']}: read through a key or an index")
            return original(client, operation_name, api_params)

        botocore.client.BaseClient._make_api_call = guarded

    def uninstall(self) -> None:
        import botocore.client

        if self._original is not None:
            botocore.client.BaseClient._make_api_call = self._original
            self._original = None


SCAN_GUARD = ScanGuard()


# --- tokens -----------------------------------------------------------------------------------

@functools.cache
def _pool_private_key():
    """moto's signing key. Its JWK holds only n, e, d: recovering the primes is slow, so once."""
    from jwt.algorithms import RSAAlgorithm

    return RSAAlgorithm.from_jwk(json.dumps(_moto_resource("jwks-private.json.gz")))


@functools.cache
def _other_private_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _moto_resource(name: str) -> dict:
    import moto.cognitoidp

    path = Path(moto.cognitoidp.__file__).parent / "resources" / name
    return json.loads(gzip.decompress(path.read_bytes()))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _segment(value: dict) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


class TokenForger:
    """Builds ID tokens for the test user pool: genuine-looking ones (signed with the pool's key,
    as moto signs them) and forgeries (another key, no signature, HS256 with the public key)."""

    def __init__(self, pool_id: str, client_id: str, region: str = "us-east-1"):
        self.pool_id, self.client_id, self.region = pool_id, client_id, region
        self.public_jwk = _moto_resource("jwks-public.json.gz")["keys"][0]
        self.kid = self.public_jwk["kid"]

    @classmethod
    def from_env(cls) -> "TokenForger":
        import os

        return cls(os.environ["COGNITO_USER_POOL_ID"], os.environ["COGNITO_CLIENT_ID"], os.environ["AWS_DEFAULT_REGION"])

    def claims(self, username: str = "admin-1", groups=("admin",), **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}",
            "sub": "00000000-0000-0000-0000-000000000000",
            "aud": self.client_id,
            "token_use": "id",
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
            "cognito:username": username,
            "cognito:groups": list(groups),
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def pool_signed(self, headers: dict | None = None, **claims) -> str:
        """Signed with the user pool's real key: only the claims can make it invalid."""
        import jwt

        return jwt.encode(self.claims(**claims), _pool_private_key(), algorithm="RS256", headers={"kid": self.kid, **(headers or {})})

    def other_key(self, **claims) -> str:
        """RS256 with a freshly generated key (one per test session) but the pool's `kid`."""
        import jwt

        return jwt.encode(self.claims(**claims), _other_private_key(), algorithm="RS256", headers={"kid": self.kid})

    def unsigned(self, **claims) -> str:
        """`alg: none`, empty signature."""
        return f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': self.kid})}.{_segment(self.claims(**claims))}."

    def hs256_with_public_key(self, **claims) -> str:
        """The algorithm-confusion attack: HMAC keyed with the pool's public key (PEM)."""
        from cryptography.hazmat.primitives import serialization
        from jwt.algorithms import RSAAlgorithm

        public = RSAAlgorithm.from_jwk(json.dumps(self.public_jwk))
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': self.kid})}.{_segment(self.claims(**claims))}"
        signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"


# --- the orders stream ------------------------------------------------------------------------

class StreamReader:
    """Reads the orders table's stream from moto and shapes each record as Lambda delivers it
    (`eventSourceARN` added, `ApproximateCreationDateTime` as epoch seconds). Starts at the
    stream's current end, so only changes made after it was created are read."""

    def __init__(self, table_name: str | None = None):
        import boto3

        from chalicelib.core import settings

        table_name = table_name or settings.ORDERS_TABLE
        region = settings.region()
        self.streams = boto3.client("dynamodbstreams", region_name=region)
        self.arn = boto3.client("dynamodb", region_name=region).describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self._iterator = self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]

    def read(self) -> list[dict]:
        """Every record written since the last read, oldest first."""
        records = []
        while True:
            answer = self.streams.get_records(ShardIterator=self._iterator, Limit=1000)
            self._iterator = answer["NextShardIterator"]
            if not answer["Records"]:
                return records
            records.extend(self.as_lambda_record(r) for r in answer["Records"])

    def as_lambda_record(self, record: dict) -> dict:
        record = json.loads(json.dumps(record, default=str))  # a private copy
        data = record["dynamodb"]
        created = data.get("ApproximateCreationDateTime")
        if isinstance(created, str):
            from datetime import datetime

            data["ApproximateCreationDateTime"] = int(datetime.fromisoformat(created).timestamp())
        record["eventSourceARN"] = self.arn
        return record


# --- the SES outbox ---------------------------------------------------------------------------

def sent_emails(account: str = "123456789012", region: str = "us-east-1") -> list:
    """Every message sent through (in-process) SES, parsed: `email.message.EmailMessage`s."""
    from moto.ses.models import ses_backends

    return [
        email.message_from_bytes(_raw_bytes(m), policy=email.policy.default)
        for m in ses_backends[account][region].sent_messages
    ]


def raw_emails(account: str = "123456789012", region: str = "us-east-1") -> list[bytes]:
    from moto.ses.models import ses_backends

    return [_raw_bytes(m) for m in ses_backends[account][region].sent_messages]


def _raw_bytes(message) -> bytes:
    raw = message.raw_data
    if isinstance(raw, str):
        try:
            return base64.b64decode(raw, validate=True)
        except ValueError:
            return raw.encode()
    return raw


def body_part(message, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


# --- schedules --------------------------------------------------------------------------------

def scheduled_event(handler_name: str):
    """Invoke one of app.py's schedule handlers with the event EventBridge sends."""
    import app

    event = {
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-30T08:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{handler_name}"],
        "detail": {},
    }
    return getattr(app, handler_name)(event, None)


# --- images -----------------------------------------------------------------------------------

def tiny_png() -> str:
    """A valid 1x1 PNG, base64: what a signature canvas sends, only smaller."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    raw += chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00")) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


TINY_PNG = tiny_png()


def deliver_chaotically(deliver, records, seed=7, copies=3):
    """Every record `copies` times, shuffled, in batches of 1 to 5; every batch must succeed."""
    import random

    rng = random.Random(seed)
    pool = [r for r in records for _ in range(copies)]
    rng.shuffle(pool)
    while pool:
        size = rng.randint(1, 5)
        batch, pool = pool[:size], pool[size:]
        assert deliver(batch) == {"batchItemFailures": []}


# --- orders with a history, built by the map's own rules (reviews and their benchmark) ----------

def timeline(start, *stays) -> list:
    """[(step, entered)] for stays of (step, minutes spent in it); the last stay's minutes: None."""
    from datetime import timedelta

    path, moment = [], start
    for step, minutes in stays:
        path.append((step, moment))
        if minutes is not None:
            moment += timedelta(minutes=minutes)
    return path


def order_through(path, technician="tech-1", appointment=None, version=None):
    """An order created in the start step at the path's first time and moved through the rest at
    their times by the map's own rules (orders.apply_move); not saved. It has what every exit
    condition asks for (technician, an appointment, by default two days after it was created, a
    line item, a signature)."""
    from datetime import timedelta

    from chalicelib.core import ids
    from chalicelib.orders import intake as orders_intake, moves
    from chalicelib.workflow import versions
    from chalicelib.staff.auth import Principal
    from chalicelib.data.models import LineItem, Signature

    admin = Principal("admin-1", "admin", ("admin",))
    pm = versions.current() if version is None else versions.version(version)
    (start, created), rest = path[0], path[1:]
    assert start == pm.start_step, (start, pm.start_step)
    intake = orders_intake.Intake({"name": "Rita Review", "email": "rita@example.net", "phone": None},
                           {"street": "1 Audit Lane", "city": "Bristol", "postcode": "BS1 1AA"},
                           service_name="Glazing repair", technician_id=technician)
    order = orders_intake.build(ids.new_id("WO-"), admin, intake, pm, created, "phone")
    appointment = appointment or created + timedelta(days=2)
    order.appointment_start, order.appointment_end = appointment, appointment + timedelta(hours=2)
    order.line_items = [LineItem(item_id="LI-1", description="Sealant", quantity=1, unit_price_cents=1200,
                                 added_by="admin-1", added_at=created)]
    order.signature = Signature(signature_id="S-1", s3_key="orders/x/signature/S-1.png", signed_by="Rita",
                                captured_by="tech-1", at=created)
    for step, moment in rest:
        moves.apply_move(admin, order, step, None, moment)
    return order



# --- counting DynamoDB calls ------------------------------------------------------------------

@contextmanager
def dynamodb_calls(skip=None, key=None):
    """Counts the DynamoDB round trips made inside the block (botocore's single entry point), as a
    Counter by operation (or by `key(operation, params)`), leaving out the calls for which
    `skip(operation, params)` is true (e.g. `staff_check(...)`)."""
    import botocore.client

    calls = collections.Counter()
    original = botocore.client.BaseClient._make_api_call

    def counted(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb" and not (skip and skip(operation, params)):
            calls[key(operation, params) if key else operation] += 1
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = counted
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original


def staff_check(caller: str | None = None, whole_table: bool = False):
    """A `skip` for dynamodb_calls: the read of the caller's staff record every staff route makes
    (any caller's without `caller`), or with `whole_table` every call to the staff table."""
    from chalicelib.core import settings

    def skip(operation, params):
        if params.get("TableName") != settings.STAFF_TABLE:
            return False
        if whole_table:
            return True
        return operation == "GetItem" and (caller is None or params.get("Key", {}).get("user_id", {}).get("S") == caller)

    return skip


def saved_order(path, technician="tech-1"):
    """`order_through(path, technician)`, saved."""
    order = order_through(path, technician)
    order.save()
    return order


def order_of_stays(start, *stays, order_id: str = "WO-1", version: int = 1):
    """An order created in the first step at `start` that spent (step, minutes) in each step in
    turn; the last stay's minutes are None (it is still there). Not saved; no map rules applied."""
    from datetime import timedelta

    from chalicelib.data.models import Move, OrderModel

    history, moment, previous = [], start, None
    for step, minutes in stays:
        history.append(Move(from_step=previous, to_step=step, by="admin-1", at=moment))
        previous = step
        if minutes is not None:
            moment += timedelta(minutes=minutes)
    return OrderModel(order_id=order_id, workflow_id="default", workflow_version=version, step=previous,
                      step_entered_at=history[-1].at, history=history)
