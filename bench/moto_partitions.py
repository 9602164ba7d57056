"""Give in-process moto DynamoDB's cost model for Query: only the key range asked for is read.

moto answers a Query by looking at every item of the table (sorting them all, and sizing each one
of the partition whatever the sort key condition) before it keeps the items asked for: each Query
costs as much as a Scan of the whole table. Timing a code path against a large moto table then
measures moto, not the code. With this switched on, moto first finds the partition's items
(grouped by the queried key's value and sorted by the sort key, regrouped after any write to the
table) and within it the sort key range (by bisection, as DynamoDB's B-tree does), and hands only
those to its own key conditions, sorting, filters and paging, so every answer (items,
ScannedCount, LastEvaluatedKey) is the same as without it.
"""
import bisect
from collections import defaultdict
from decimal import Decimal

enabled = False
_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original_query, original_put, original_delete = Table.query, Table.put_item, Table.delete_item
    original_update = DynamoDBBackend.update_item

    def put_item(self, *args, **kwargs):
        try:
            return original_put(self, *args, **kwargs)
        finally:
            touched(self)

    def delete_item(self, *args, **kwargs):
        try:
            return original_delete(self, *args, **kwargs)
        finally:
            touched(self)

    def update_item(self, table_name, *args, **kwargs):
        try:
            return original_update(self, table_name, *args, **kwargs)
        finally:
            touched(self.get_table(table_name))

    def query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
              projection_expressions, index_name=None, consistent_read=False, filter_expression=None,
              hash_key_conditions=None, range_key_conditions=None, **filter_kwargs):
        def answer():
            return original_query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                  scan_index_forward, projection_expressions, index_name, consistent_read,
                                  filter_expression, hash_key_conditions=hash_key_conditions,
                                  range_key_conditions=range_key_conditions, **filter_kwargs)

        if not enabled:
            return answer()
        if index_name and hash_key_conditions and len(hash_key_conditions) == 1:
            name, value = hash_key_conditions[0]
            sort = range_key_conditions[0] if range_key_conditions and len(range_key_conditions) == 1 else None
            candidates = partition(self, name, value, sort)
        elif not index_name and hash_key is not None:
            stored = self.items.get(hash_key)
            candidates = [] if stored is None else (list(stored.values()) if self.range_key_attr else [stored])
        else:
            return answer()
        self.all_items = lambda: list(candidates)  # shadows the method for this one call
        try:
            return answer()
        finally:
            self.__dict__.pop("all_items", None)

    Table.query, Table.put_item, Table.delete_item = query, put_item, delete_item
    DynamoDBBackend.update_item = update_item


def touched(table) -> None:
    """Tell the grouping that items were added or removed behind moto's back (bulk loads)."""
    table.__dict__["_bench_generation"] = table.__dict__.get("_bench_generation", 0) + 1


def switch(table, state: str) -> None:
    """The table now holds the items it held the last time it was in `state` (a benchmark putting
    a set of items in and taking it out again): keep each state's grouping, as DynamoDB keeps its
    indexes up to date at write time rather than when they are read."""
    table.__dict__["_bench_state"] = state


def _order(value) -> tuple:
    """How DynamoDB orders sort key values: numbers by value, strings and binary by their bytes."""
    return (value.type, Decimal(value.value) if value.type == "N" else value.value)


def partition(table, name: str, value, sort=None) -> list:
    """The items whose `name` is `value`; with `sort` (attribute, operator, values), only those
    in that range of the sort key (a superset for operators it does not bisect)."""
    version = (table.__dict__.get("_bench_generation", 0), table.__dict__.get("_bench_state"))
    cached = table.__dict__.setdefault("_bench_partitions", {})
    for stale in [v for v in cached if v[0] != version[0]]:
        del cached[stale]
    groupings = cached.setdefault(version, {})
    sort_name = sort[0] if sort else None
    groups = groupings.get((name, sort_name))
    if groups is None:
        found = defaultdict(list)
        for stored in table.items.values():
            for item in (stored.values() if table.range_key_attr else [stored]):
                if name in item.attrs and (sort_name is None or sort_name in item.attrs):
                    found[item.attrs[name]].append(item)
        groups = {}
        for key, items in found.items():
            if sort_name:
                items.sort(key=lambda i: _order(i.attrs[sort_name]))
            groups[key] = ([_order(i.attrs[sort_name]) for i in items] if sort_name else None, items)
        groupings[(name, sort_name)] = groups
    keys, items = groups.get(value, (None, []))
    if not sort or not items:
        return items
    _, operator, values = sort
    operator = operator.upper()
    bounds = [_order(v) for v in values]
    left, right = bisect.bisect_left, bisect.bisect_right
    if operator == "=":
        return items[left(keys, bounds[0]):right(keys, bounds[0])]
    if operator == "<":
        return items[:left(keys, bounds[0])]
    if operator == "<=":
        return items[:right(keys, bounds[0])]
    if operator == ">":
        return items[right(keys, bounds[0]):]
    if operator == ">=":
        return items[left(keys, bounds[0]):]
    if operator == "BETWEEN":
        return items[left(keys, bounds[0]):right(keys, bounds[1])]
    return items
