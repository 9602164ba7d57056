"""An order's invoices, oldest first: the first one's id is derived from the order id, and each
void invoice that was reissued names its successor (`replaced_by`). A reissue's id is derived from
the order id and its place in the chain, so two reissues at once write the same id and only one
is created."""
from chalicelib.core import ids
from chalicelib.data.models import InvoiceModel

# An order reissued more often than this is not a correction any more; the walk stops there.
MAX_INVOICES = 50


def first_id(order_id: str) -> str:
    """The id of an order's first invoice (the id every invoice had before reissues)."""
    return ids.id_for_key("IV-", "invoice", order_id)


def reissue_id(order_id: str, n: int) -> str:
    """The id of the order's `n`-th invoice (n >= 2)."""
    return ids.id_for_key("IV-", "invoice", f"{order_id}#{n}")


def chain(order_id: str) -> list[InvoiceModel]:
    """The order's invoices, oldest first ([] when it has none); one GetItem per invoice."""
    found, next_id = [], first_id(order_id)
    while next_id and len(found) < MAX_INVOICES:
        try:
            invoice = InvoiceModel.get(next_id, consistent_read=True)
        except InvoiceModel.DoesNotExist:
            break
        found.append(invoice)
        next_id = invoice.replaced_by
    return found


def current(order_id: str) -> InvoiceModel | None:
    """The order's invoice now: the newest of its chain."""
    invoices = chain(order_id)
    return invoices[-1] if invoices else None
