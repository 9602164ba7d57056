"""Customers' personal data on request (GDPR): export everything held about a customer, or erase it.

Erasing keeps the orders and invoices (the business must keep its records and its accounts) but
anonymises them: the record loses its name, contacts, properties, notes and consent, and every
search key (one transaction); each order's contact snapshot and street go, its postcode is cut to
its outward code (`BS6`), its self-service link stops working; each invoice's `customer` keeps
only the anonymised name. Numbers, amounts, steps and dates stay. Restartable: running it again
finishes whatever an interrupted run left.
"""
from datetime import datetime

from pynamodb.exceptions import UpdateError

from chalicelib.core import times
from chalicelib.core.errors import Conflict
from chalicelib.customers import history, normalise, records
from chalicelib.data import entries
from chalicelib.data.attributes import Address, Customer
from chalicelib.data.customers import CustomerModel
from chalicelib.data.models import InvoiceModel, OrderModel

ERASED_NAME = "Erased customer"
ERASED_STREET = "(erased)"


def export(customer_id: str, now: datetime) -> dict:
    """GET /customers/{id}/export: the record, every order (contact snapshot, address, notes,
    line items) and every invoice (its customer block and amounts), as JSON."""
    customer = records.load(customer_id)
    orders = history.all_orders(customer_id)
    exported = []
    for order in orders:
        entries.read(order)
        line = history.order_line(order)
        line["notes"] = [{"text": n.text, "author": n.author, "at": times.iso(n.at)} for n in order.notes]
        line["line_items"] = [{"description": li.description, "quantity": int(li.quantity),
                               "unit_price_cents": int(li.unit_price_cents)} for li in order.line_items]
        exported.append(line)
    invoices = [{**history.invoice_line(i), "customer": i.customer} for i in history.invoices_of(orders)]
    return {"exported_at": times.iso(now), "customer": records.view(customer), "orders": exported, "invoices": invoices}


def _outward(postcode: str | None) -> str:
    """`BS6 5AB` -> `BS6`: the district, not the street."""
    compact = normalise.postcode(postcode)
    return compact[:-3] if len(compact) > 4 else ""


def _anonymise(customer: CustomerModel, now: datetime) -> None:
    customer.name, customer.email, customer.phone = ERASED_NAME, None, None
    customer.addresses, customer.aliases, customer.notes = [], [], None
    customer.marketing_consent, customer.erased_at, customer.updated_at = False, now, now


def _wipe_duplicates(customer: CustomerModel, now: datetime) -> None:
    """The records merged into this customer still hold what they were given (their keys are
    this customer's now, and go with its own)."""
    for duplicate_id in customer.merged_from or []:
        duplicate = records.get(duplicate_id)
        if duplicate is not None and duplicate.erased_at is None:
            _anonymise(duplicate, now)
            duplicate.version = int(duplicate.version) + 1
            duplicate.save()


def _wipe_record(customer: CustomerModel, now: datetime) -> None:
    for _ in range(records.ATTEMPTS):
        if customer.erased_at is not None:
            return
        before, read = records.key_items(customer), int(customer.version)
        _anonymise(customer, now)
        try:
            records.save_changed(before, customer, read)
            return
        except records.KeyTaken:
            customer = records.load(customer.customer_id)
    raise Conflict("The customer is being changed by others right now; try again.", {"customer_id": customer.customer_id})


def _anonymise_order(order: OrderModel) -> None:
    if order.customer.name == ERASED_NAME and order.address.street == ERASED_STREET:
        return
    actions = [
        OrderModel.customer.set(Customer(name=ERASED_NAME)),
        OrderModel.address.set(Address(street=ERASED_STREET, city=order.address.city, postcode=_outward(order.address.postcode))),
        OrderModel.manage_token.remove(),
    ]
    try:
        order.update(actions=actions, condition=OrderModel.order_id.exists(), add_version_condition=False)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def _anonymise_invoice(invoice: InvoiceModel) -> None:
    if invoice.customer == {"name": ERASED_NAME}:
        return
    invoice.update(actions=[InvoiceModel.customer.set({"name": ERASED_NAME})])


def erase(customer_id: str, now: datetime) -> dict:
    """POST /customers/{id}/erase (admins): anonymise the customer, its orders and its invoices."""
    customer = records.load(customer_id)
    _wipe_duplicates(customer, now)
    _wipe_record(customer, now)
    orders = history.all_orders(customer_id)
    for order in orders:
        _anonymise_order(order)
    invoices = history.invoices_of(orders)
    for invoice in invoices:
        _anonymise_invoice(invoice)
    return {"customer": records.view(records.load(customer_id)), "orders_anonymised": len(orders),
            "invoices_anonymised": len(invoices)}
