"""The technician in the field: the day's jobs, photos (presigned upload, then attach) and the
customer's signature. Actions take an optional Idempotency-Key header, bound to the route, the
caller and the body, so the app's offline queue can replay them."""
from chalice import Blueprint

from chalicelib.core import clock, settings
from chalicelib.field import day, photos, signature
from chalicelib.routes.edge import body, bound_idempotency_key, json_response, query, staff_route
from chalicelib.staff.auth import STAFF

bp = Blueprint(__name__)


@staff_route(bp, "/orders/{order_id}/photos/upload-url", STAFF, methods=("POST",))
def photo_upload_url(principal, order_id):
    ticket = photos.photo_upload(principal, order_id, body(bp), clock.now(), bound_idempotency_key(bp, principal))
    return json_response(ticket, status=201)


@staff_route(bp, "/orders/{order_id}/photos", STAFF, methods=("POST",))
def attach_photo(principal, order_id):
    answer = photos.attach_photo(principal, order_id, body(bp), clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/orders/{order_id}/signature", STAFF, methods=("POST",))
def sign_order(principal, order_id):
    data = body(bp, max_bytes=settings.MAX_SIGNATURE_BYTES * 4 // 3 + 4096)
    answer = signature.sign(principal, order_id, data, clock.now(), bound_idempotency_key(bp, principal))
    return json_response(answer.body, status=answer.status)


@staff_route(bp, "/technician/jobs", STAFF)
def technician_jobs(principal):
    return json_response(day.technician_jobs(principal, query(bp)))
