"""moto, in this process, fit for a local system that runs for days with months of data: memory
that stays flat, and writes that cost the same with ten orders as with ten thousand.

- Every model object it ever made. moto's `BaseModel` appends each new instance to a list on its
  class (`instances_tracked`, for the `/moto-api/` dashboard) and never lets go: every copy of a
  table its transactions make, every sent email, stream record and shard iterator stays in
  memory, a few megabytes per booking. Nothing in the local system reads that dashboard (the
  outbox is written as mail is sent), so instances are no longer tracked.
- DynamoDB Streams shard iterators. moto keeps every iterator it hands out (each
  `get_shard_iterator` and each `get_records`' `NextShardIterator`) in a dict it never empties.
  AWS expires an iterator after 15 minutes; here the newest `ITERATORS_KEPT` are kept (the stream
  poller asks for a fresh one each poll and never goes back to an old one).
- Transactions. Before each `TransactWriteItems` moto deep-copies every table the transaction
  names (the orders table with all its orders, at each booking), to put the copy in the table's
  place if the transaction is cancelled. Here only the items the transaction names are copied,
  and a cancelled transaction puts those items back and drops the stream records it added: the
  same outcome, the same table object (so the stream and its shard stay the same objects too).
"""
import copy
import itertools
import types

ITERATORS_KEPT = 100

_undo: list = []  # what `uninstall` puts back: (owner, attribute name, original value)


def _patch(owner, name: str, value) -> None:
    _undo.append((owner, name, owner.__dict__[name]))
    setattr(owner, name, value)


def install() -> None:
    if _undo:
        return
    _stop_tracking_instances()
    _bound_shard_iterators()
    _transactions_copy_items_not_tables()
    _queries_read_their_partition()


def uninstall() -> None:
    """Put moto back as it was (for tests that install these in their own process)."""
    while _undo:
        owner, name, value = _undo.pop()
        setattr(owner, name, value)


# --- instances ------------------------------------------------------------------------------------

def _stop_tracking_instances() -> None:
    from moto.core.common_models import BaseModel

    def untracked(cls, *args, **kwargs):
        return super(BaseModel, cls).__new__(cls)

    _patch(BaseModel, "__new__", staticmethod(untracked))
    classes = [BaseModel]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if isinstance(cls.__dict__.get("instances_tracked"), list):
            cls.instances_tracked.clear()


# --- shard iterators --------------------------------------------------------------------------------

def _forget_old_iterators(backend) -> None:
    extra = len(backend.shard_iterators) - ITERATORS_KEPT
    for arn in list(itertools.islice(backend.shard_iterators, max(extra, 0))):  # oldest first
        del backend.shard_iterators[arn]


def _bound_shard_iterators() -> None:
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    get_shard_iterator, get_records = DynamoDBStreamsBackend.get_shard_iterator, DynamoDBStreamsBackend.get_records

    def get_shard_iterator_bounded(backend, *args, **kwargs):
        iterator = get_shard_iterator(backend, *args, **kwargs)
        _forget_old_iterators(backend)
        return iterator

    def get_records_bounded(backend, *args, **kwargs):
        answer = get_records(backend, *args, **kwargs)
        _forget_old_iterators(backend)
        return answer

    _patch(DynamoDBStreamsBackend, "get_shard_iterator", get_shard_iterator_bounded)
    _patch(DynamoDBStreamsBackend, "get_records", get_records_bounded)


# --- transactions ----------------------------------------------------------------------------------

def _key_of(table, op_type: str, op: dict):
    """(hash, range) of the item an operation names, as moto keys its items; None if unusable
    (moto then refuses the operation itself)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    attrs = op.get("Item") if op_type == "Put" else op.get("Key")
    try:
        hash_value = DynamoType(attrs[table.hash_key_attr])
        range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    except (KeyError, TypeError):
        return None
    return hash_value, range_value


def _before(backend, transact_items: list) -> tuple[list, list]:
    """Copies of the items the transaction names, as they are now, and each table's stream length."""
    items, streams = [], []
    for entry in transact_items:
        if not isinstance(entry, dict) or len(entry) != 1:
            continue
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        key = _key_of(table, op_type, op) if table is not None else None
        if key is None:
            continue
        current = table.get_item(*key)
        items.append((table, key, copy.deepcopy(current)))
        if table.stream_shard is not None and all(shard is not table.stream_shard for shard, _ in streams):
            streams.append((table.stream_shard, len(table.stream_shard.items)))
    return items, streams


def _put_back(items: list, streams: list) -> None:
    for table, (hash_value, range_value), item in reversed(items):  # the first copy of a key is the oldest
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        elif item is None:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
    for shard, length in streams:
        del shard.items[length:]


def _transactions_copy_items_not_tables() -> None:
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    # moto's transaction deep-copies each table it names into a backup and, when cancelled, puts
    # the backup in the table's place; the "copy" of a table is now the table itself.
    def deepcopy_but_tables(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    transact_write_items = DynamoDBBackend.transact_write_items

    def transact_write_items_undoing_items(backend, transact_items):
        items, streams = _before(backend, transact_items)
        try:
            return transact_write_items(backend, transact_items)
        except Exception:
            _put_back(items, streams)
            raise

    _patch(models, "copy", types.SimpleNamespace(deepcopy=deepcopy_but_tables))
    _patch(DynamoDBBackend, "transact_write_items", transact_write_items_undoing_items)


# --- queries ---------------------------------------------------------------------------------------
#
# moto answers every Query by sorting all the table's items (DynamoType comparisons, slow) and
# comparing each one's hash key: with months of demo history (infra/demo_history) a report's
# queries took a second each. A Query of a table's own key now reads only its partition, and the
# sorting compares plain values: the same items in the same order.

def _sort_key(item):
    first = item.hash_key.cast_value
    return (first, item.range_key.cast_value) if item.range_key is not None else (first,)


def _queries_read_their_partition() -> None:
    from moto.dynamodb.models.table import Table

    query = Table.query

    def all_items_sorted_by_value(table):
        items = []
        for hash_set in table.items.values():
            if table.range_key_attr:
                items.extend(hash_set.values())
            else:
                items.append(hash_set)
        return sorted(items, key=_sort_key)

    def query_of_one_partition(table, hash_key, *args, **kwargs):
        index_name = kwargs["index_name"] if "index_name" in kwargs else (args[6] if len(args) > 6 else None)
        if index_name is None and hash_key is not None and table.range_key_attr:
            partition = list(table.items.get(hash_key, {}).values())
            table.__dict__["all_items"] = lambda: sorted(partition, key=_sort_key)
            try:
                return query(table, hash_key, *args, **kwargs)
            finally:
                table.__dict__.pop("all_items", None)
        return query(table, hash_key, *args, **kwargs)

    _patch(Table, "all_items", all_items_sorted_by_value)
    _patch(Table, "query", query_of_one_partition)
