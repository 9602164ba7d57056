"""Move every order stored in the layout before order entries to today's: once, after upgrading.

An order item written by a version before order entries holds its history, notes and photos inline
(lists on the item) and no counts. The app reads such an order as it is and moves its entries
beside it with its next write (`chalicelib.data.entries`); this command does that write now for
every such order, so none is left for later:

    python -m infra.migrate_entries --stage prod     # a deployed stage (reads the stack's outputs)
    python -m infra.migrate_entries                  # the tables named in the environment

It walks every order by the `by-created` index (one Query on its constant partition, page by page;
no Scan), and for each one still in the old layout reads it again by key and writes it: the item
without its lists, with its counts, conditional on its version, and its entries beside it in the
same transaction. A version conflict (someone changed the order meanwhile) reads it again and
retries. Nothing else about an order changes (its version goes up by one, as with any write).
Idempotent: a second run finds nothing to move and writes nothing.
"""
import argparse
import sys

from infra import stage_tables

ATTEMPTS = 10  # per order, on version conflicts


def _conflict(exc) -> bool:
    """A conditional write refused because the order changed since it was read."""
    if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
        return True
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code in ("ConditionalCheckFailed", "TransactionConflict") for r in reasons)


def migrate_order(order_id: str) -> bool:
    """Move one order's inline entries beside it; False when it had none (any more)."""
    from pynamodb.exceptions import PutError, TransactWriteError  # after the table names are set (see main)

    from chalicelib.data import entries
    from chalicelib.data.models import OrderModel

    for _ in range(ATTEMPTS):
        try:
            order = OrderModel.get(order_id, consistent_read=True)
        except OrderModel.DoesNotExist:
            return False
        if not entries.has_inline(order):
            return False
        try:
            order.save()  # conditional on the version it was read at
            return True
        except (PutError, TransactWriteError) as exc:
            if not _conflict(exc):
                raise
    raise RuntimeError(f"order {order_id} kept changing: run the migration again")


def migrate(out=print) -> dict:
    """Walk every order and move those in the old layout; returns the counts."""
    from chalicelib.data import entries
    from chalicelib.data.models import ORDER_LIST_PK, OrderModel

    counts = {"orders": 0, "migrated": 0}
    # The index's copy says which orders still hold entries inline; each is then read by key.
    for order in OrderModel.by_created.query(ORDER_LIST_PK):
        counts["orders"] += 1
        if entries.has_inline(order) and migrate_order(order.order_id):
            counts["migrated"] += 1
            if counts["migrated"] % 100 == 0:
                out(f"... {counts['migrated']} orders migrated so far")
    return counts


def main(argv=None, out=print) -> int:
    parser = argparse.ArgumentParser(description="Move orders stored before order entries to today's layout.")
    parser.add_argument("--stage", help="a deployed stage (default: the tables named in the environment)")
    args = parser.parse_args(argv)
    if args.stage:
        stage_tables.use_stage(args.stage, ("ORDERS_TABLE", "ORDER_ENTRIES_TABLE"))
    from chalicelib.core import settings

    counts = migrate(out)
    out(f"Migrated {counts['migrated']} of {counts['orders']} orders to the order entries layout "
        f"({settings.ORDERS_TABLE} -> {settings.ORDER_ENTRIES_TABLE}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
