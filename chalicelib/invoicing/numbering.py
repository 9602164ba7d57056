"""Gapless number series (`INV-2026-000001`, `CN-2026-000001`): the next number moves only in the
transaction that writes the numbered document."""
import random
import time as _time

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import ids, settings
from chalicelib.data import invoice_chain
from chalicelib.data.models import SequenceModel

INVOICE, CREDIT_NOTE = "INV", "CN"


NUMBER_ATTEMPTS = 200


def invoice_id_for(order_id: str) -> str:
    """The id of an order's first invoice (a reissue after a void gets an id of its own:
    chalicelib/data/invoice_chain.py)."""
    return invoice_chain.first_id(order_id)


def deposit_invoice_id_for(order_id: str) -> str:
    """The id of a job's deposit invoice: derived from the order id and `#deposit`, a key no
    order's own invoice (the order id) or reissue (`<order id>#<n>`, n a number) is derived from,
    so two requests for the deposit invoice write the same id and only one is created."""
    return ids.id_for_key("IV-", "invoice", f"{order_id}#deposit")


class SeriesMoved(Exception):
    """Someone took the number we read. `last` is the counter's value now, when DynamoDB said."""

    def __init__(self, last: int | None):
        super().__init__(last)
        self.last = last


class DocumentWritten(Exception):
    """The document's own condition failed: it exists already (or changed)."""


def write_numbered(series: str, last: int, counter_exists: bool, write_document) -> None:
    """One transaction: the series moves from `last` to `last + 1` and `write_document(tx)`
    writes the document that carries that number."""

    condition = SequenceModel.last == last if counter_exists else SequenceModel.series.does_not_exist()
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            # ALL_OLD: a refused counter comes back with its current value, saving a read.
            tx.save(SequenceModel(series, last=last + 1), condition=condition, return_values="ALL_OLD")
            write_document(tx)
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        reasons = list(exc.cancellation_reasons or [])
        codes = [getattr(r, "code", None) for r in reasons]
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise DocumentWritten() from exc
        if codes and codes[0] == "ConditionalCheckFailed":
            raw = getattr(reasons[0], "raw_item", None) or {}
            raise SeriesMoved(int(raw["last"]["N"]) if "last" in raw else None) from exc
        if "TransactionConflict" in codes:
            raise SeriesMoved(None) from exc
        raise


def last_number(series: str) -> int | None:
    """The last number the series gave out; None before its first."""
    try:
        return int(SequenceModel.get(series, consistent_read=True).last)
    except SequenceModel.DoesNotExist:
        return None


def pause(attempt: int) -> None:
    """Jittered backoff between attempts on a contended counter."""
    _time.sleep(random.uniform(0, min(0.2, 0.002 * 2 ** min(attempt, 7))))
