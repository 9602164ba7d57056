"""Invoices: read (office), record payments, void with a credit note, reissue after a void,
resend (admin).

Dispatchers read invoices to answer customers; money changes (payments, voiding) and emailing
an invoice again are the admin's. Technicians have no access to invoices.
"""
from chalice import Blueprint

from chalicelib.core import clock
from chalicelib.invoicing import invoice_view, payments, reissue
from chalicelib.routes.edge import body, bound_idempotency_key, json_response, staff_route
from chalicelib.staff.auth import ADMIN, OFFICE

bp = Blueprint(__name__)


@staff_route(bp, "/orders/{order_id}/invoice", OFFICE)
def order_invoice(principal, order_id):
    return json_response(reissue.history(order_id))


@staff_route(bp, "/orders/{order_id}/invoice", ADMIN, methods=("POST",))
def reissue_invoice(principal, order_id):
    invoice, created = reissue.reissue(principal, order_id, clock.now())
    return json_response(invoice_view.view(invoice), status=201 if created else 200)


@staff_route(bp, "/invoices/{invoice_id}", OFFICE)
def get_invoice(principal, invoice_id):
    return json_response(invoice_view.view(invoice_view.load(invoice_id)))


@staff_route(bp, "/invoices/{invoice_id}/payments", ADMIN, methods=("POST",))
def record_payment(principal, invoice_id):
    answer = payments.record_payment(principal, invoice_id, body(bp), clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/invoices/{invoice_id}/void", ADMIN, methods=("POST",))
def void_invoice(principal, invoice_id):
    return json_response(invoice_view.view(payments.void(principal, invoice_id, body(bp, required=False), clock.now())))


@staff_route(bp, "/invoices/{invoice_id}/resend", ADMIN, methods=("POST",))
def resend_invoice(principal, invoice_id):
    reissue.take_corrected_email(invoice_id)  # an invoice issued without an email takes the order's corrected one
    return json_response(invoice_view.view(payments.resend(principal, invoice_id, clock.now())))
