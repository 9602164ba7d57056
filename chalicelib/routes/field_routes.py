"""The technician in the field: the day's jobs, photos (presigned upload, then attach) and the
customer's signature. Actions take an optional Idempotency-Key header, so the app's offline queue
can replay them."""
from chalice import Blueprint

from chalicelib.core import clock, settings
from chalicelib.field import day, photos, signature
from chalicelib.orders import views
from chalicelib.routes.edge import body, idempotency_key, json_response, query, staff_route
from chalicelib.staff.auth import STAFF

bp = Blueprint(__name__)


@staff_route(bp, "/orders/{order_id}/photos/upload-url", STAFF, methods=("POST",))
def photo_upload_url(principal, order_id):
    return json_response(photos.photo_upload(principal, order_id, body(bp), idempotency_key(bp)), status=201)


@staff_route(bp, "/orders/{order_id}/photos", STAFF, methods=("POST",))
def attach_photo(principal, order_id):
    order = photos.attach_photo(principal, order_id, body(bp), clock.now())
    return json_response(views.view(order, principal=principal), status=201)


@staff_route(bp, "/orders/{order_id}/signature", STAFF, methods=("POST",))
def sign_order(principal, order_id):
    data = body(bp, max_bytes=settings.MAX_SIGNATURE_BYTES * 4 // 3 + 4096)
    order = signature.sign(principal, order_id, data, clock.now(), idempotency_key(bp))
    return json_response(views.view(order, principal=principal), status=201)


@staff_route(bp, "/technician/jobs", STAFF)
def technician_jobs(principal):
    return json_response(day.technician_jobs(principal, query(bp)))
