"""Link every order stored before customer records to its customer: once, after upgrading.

An order written by a version before customer records carries its customer's details but no
`customer_id`. This finds (by normalised email, then phone) or creates the customer of each such
order, oldest first, and links it: the order's `customer_id` (only if it still has none) and the
customer's `orders_count` / `last_order_at` in one transaction, so the counts stay exact however
often it runs. Idempotent: a second run finds every order linked and writes nothing.

    python -m infra.migrate_customers --stage prod   # a deployed stage (reads the stack's outputs)
    python -m infra.migrate_customers                # the tables named in the environment

It walks the orders by the `by-created` index (one Query on its constant partition, page by page;
no Scan). `ensure_schema` first adds what an older local system lacks (the customers tables, the
orders' `by-customer` index); the local system runs both at start when it restores such a world.
"""
import argparse
import sys

from infra import stage_tables

ATTEMPTS = 10  # per order, on concurrent changes


def ensure_schema() -> bool:
    """Create the customers tables and the orders' `by-customer` index where missing; True when
    anything was missing (an older world: its orders need linking)."""
    from chalicelib.core.aws import client
    from chalicelib.data.customers import CustomerKeyModel, CustomerModel
    from chalicelib.data.models import OrderModel

    missing = False
    for model in (CustomerModel, CustomerKeyModel):
        if not model.exists():
            model.create_table(wait=True)
            missing = True
    dynamodb = client("dynamodb")
    table = dynamodb.describe_table(TableName=OrderModel.Meta.table_name)["Table"]
    if not any(i["IndexName"] == "by-customer" for i in table.get("GlobalSecondaryIndexes") or []):
        schema = OrderModel._get_schema()
        [index] = [i for i in schema["global_secondary_indexes"] if i["index_name"] == "by-customer"]
        dynamodb.update_table(
            TableName=OrderModel.Meta.table_name,
            AttributeDefinitions=index["attribute_definitions"],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "by-customer",
                "KeySchema": sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
                "Projection": index["projection"],
            }}],
        )
        missing = True
    return missing


def link_order(order_id: str) -> bool:
    """Link one order to its customer; False when it was linked already."""
    from pynamodb.exceptions import TransactWriteError  # after the table names are set (see main)
    from pynamodb.transactions import TransactWrite

    from chalicelib.customers import records
    from chalicelib.data.models import OrderModel

    for _ in range(ATTEMPTS):
        try:
            order = OrderModel.get(order_id, consistent_read=True)
        except OrderModel.DoesNotExist:
            return False
        if order.customer_id:
            return False
        snapshot = {"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone}
        address = {"street": order.address.street, "city": order.address.city, "postcode": order.address.postcode}
        customer = records.find_or_create(snapshot, address, order.created_at, "migration")
        try:
            with TransactWrite(connection=records.connection()) as tx:
                tx.update(order, actions=[OrderModel.customer_id.set(customer.customer_id)],
                          condition=OrderModel.customer_id.does_not_exist(), add_version_condition=False)
                records.count_order(tx, customer.customer_id, order.created_at)
            return True
        except TransactWriteError as exc:
            if not records.refused(exc):
                raise
    raise RuntimeError(f"order {order_id} kept changing: run the migration again")


def migrate(out=print) -> dict:
    """Walk every order, oldest first, and link those without a customer; returns the counts."""
    from chalicelib.data.models import ORDER_LIST_PK, OrderModel

    counts = {"orders": 0, "linked": 0}
    for order in OrderModel.by_created.query(ORDER_LIST_PK, scan_index_forward=True):
        counts["orders"] += 1
        if not order.customer_id and link_order(order.order_id):
            counts["linked"] += 1
            if counts["linked"] % 100 == 0:
                out(f"... {counts['linked']} orders linked so far")
    return counts


TABLES = ("ORDERS_TABLE", "ORDER_ENTRIES_TABLE", "CUSTOMERS_TABLE", "CUSTOMER_KEYS_TABLE")


def main(argv=None, out=print) -> int:
    parser = argparse.ArgumentParser(description="Link orders stored before customer records to their customers.")
    parser.add_argument("--stage", help="a deployed stage (default: the tables named in the environment)")
    args = parser.parse_args(argv)
    if args.stage:
        stage_tables.use_stage(args.stage, TABLES)
    counts = migrate(out)
    out(f"Linked {counts['linked']} of {counts['orders']} orders to customer records.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
