"""The baselines for the benchmarks: a bare Chalice app that imports boto3 and PynamoDB (cold
start), and a route that reads a work order with one GetItem and returns it as DynamoDB gave it
(request overhead: no sign-in, no role check, no view), and one that makes the same reads as
the real route (the item and its entries)."""
import os

import boto3  # noqa: F401
import pynamodb.models  # noqa: F401
from chalice import Chalice, NotFoundError

app = Chalice(app_name="bare")
_dynamodb = []  # the client, created on the first request as the real app does


@app.route("/")
def index():
    return {"hello": "world"}


def _get(table_variable: str, default: str, key: dict) -> dict:
    if not _dynamodb:
        _dynamodb.append(boto3.client("dynamodb"))
    table = os.environ.get(table_variable, default)
    item = _dynamodb[0].get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    if item is None:
        raise NotFoundError(str(key))
    return item


@app.route("/orders/{order_id}")
def get_order(order_id):
    return _get("ORDERS_TABLE", "workorders-dev-orders", {"order_id": {"S": order_id}})


@app.route("/orders/{order_id}/whole")
def get_order_whole(order_id):
    """The same reads as the real route: the order's item, then its entries (history, notes,
    photos) in one Query of the order-entries table."""
    order = _get("ORDERS_TABLE", "workorders-dev-orders", {"order_id": {"S": order_id}})
    table = os.environ.get("ORDER_ENTRIES_TABLE", "workorders-dev-order-entries")
    entries = _dynamodb[0].query(TableName=table, KeyConditionExpression="order_id = :o",
                                 ExpressionAttributeValues={":o": {"S": order_id}}, ConsistentRead=True)["Items"]
    return {"order": order, "entries": entries}
