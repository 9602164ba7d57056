"""A customer's orders and invoices: GET /customers/{id}.

The orders come from the orders' `by-customer` index, newest first, a page at a time; their
invoices (each order's first one has an id derived from the order's; a void one that was reissued
names the next) a BatchGetItem per link of the chains, each with what is still owed.
"""

from chalicelib.core import cursors, times
from chalicelib.customers import records
from chalicelib.data import invoice_chain
from chalicelib.data.models import InvoiceModel, OrderModel

PAGE = 50


def orders_page(customer_id: str, cursor: str | None = None, limit: int = PAGE) -> tuple[list[OrderModel], str | None]:
    start = cursors.decode(cursor, {"order_id": None, "customer_id": customer_id, "created_at": None})
    results = OrderModel.by_customer.query(customer_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    orders = cursors.read(results, start)
    return orders, cursors.encode(results.last_evaluated_key)


def all_orders(customer_id: str) -> list[OrderModel]:
    """Every order of the customer (for export, erasure and merging), page by page."""
    orders, start = [], None
    while True:
        results = OrderModel.by_customer.query(customer_id, scan_index_forward=False, limit=100, last_evaluated_key=start)
        orders.extend(results)
        start = results.last_evaluated_key
        if not start:
            return orders


def invoices_of(orders: list[OrderModel]) -> list[InvoiceModel]:
    """Every invoice of the orders, newest first: their first invoices in one BatchGetItem, then,
    for those voided and reissued, the next of each chain (`replaced_by`) a batch at a time."""
    found, wanted = [], {invoice_chain.first_id(o.order_id) for o in orders}
    for _ in range(invoice_chain.MAX_INVOICES):
        if not wanted:
            break
        batch = list(InvoiceModel.batch_get(wanted))
        found.extend(batch)
        wanted = {i.replaced_by for i in batch if i.replaced_by}
    return sorted(found, key=lambda i: i.issued_at, reverse=True)


def balance_cents(invoice: InvoiceModel) -> int:
    """What is still owed: nothing on a void invoice."""
    if invoice.status == "void":
        return 0
    return max(0, int(invoice.total_cents) - int(invoice.paid_cents or 0))


def order_line(o: OrderModel) -> dict:
    return {
        "order_id": o.order_id, "step": o.step, "source": o.source, "created_at": times.iso(o.created_at),
        "service_id": o.service_id, "service_name": o.service_name, "description": o.description,
        "customer": {"name": o.customer.name, "email": o.customer.email, "phone": o.customer.phone},
        "address": {"street": o.address.street, "city": o.address.city, "postcode": o.address.postcode},
        "appointment": ({"start": times.iso(o.appointment_start), "end": times.iso(o.appointment_end)}
                        if o.appointment_start else None),
        "technician_id": o.technician_id,
    }


def invoice_line(i: InvoiceModel) -> dict:
    return {
        "invoice_id": i.invoice_id, "order_id": i.order_id, "number": i.number, "status": i.status,
        "currency": i.currency, "total_cents": int(i.total_cents), "paid_cents": int(i.paid_cents or 0),
        "balance_cents": balance_cents(i), "issued_at": times.iso(i.issued_at), "due_date": i.due_date,
    }


def detail(customer_id: str, params: dict) -> dict:
    """The record, a page of its orders (newest first) and their invoices."""
    customer = records.load(customer_id)
    orders, cursor = orders_page(customer_id, params.get("cursor"))
    invoices = invoices_of(orders)
    return {
        **records.view(customer),
        "orders": [order_line(o) for o in orders],
        "orders_next_cursor": cursor,
        "invoices": [invoice_line(i) for i in invoices],
        "balance_cents": sum(balance_cents(i) for i in invoices),
    }
