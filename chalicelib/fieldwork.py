"""What technicians do in the field: their day's jobs, photos and the customer's signature.

Photos go straight from the phone to the private bucket through an S3 presigned POST that only
accepts the declared image type and size; the app then attaches the uploaded photo to the order,
and the server checks it arrived. The signature is small enough to send inline as a PNG. Every
action takes the client's Idempotency-Key, so a replay from the phone's offline queue never adds
anything twice.
"""
import base64
import binascii
from datetime import date, datetime, time, timedelta

from chalicelib import business, clock, orders, settings, workflow
from chalicelib.auth import Principal
from chalicelib.aws import client
from chalicelib.errors import MoveNotAllowed, NotFound, ValidationFailed
from chalicelib.models import OrderModel, Photo, Signature
from chalicelib.validation import Fields, parse_date

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
UPLOAD_SECONDS = 900


# --- the day's jobs ---------------------------------------------------------------------------

def _day(params: dict, tz) -> date:
    value = params.get("date")
    if not value:
        return clock.now().astimezone(tz).date()
    try:
        return parse_date(value)
    except ValueError:
        raise ValidationFailed("The date is not valid.", [{"field": "date", "message": "must be a date YYYY-MM-DD"}])


def technician_jobs(principal: Principal, params: dict) -> dict:
    """A technician's jobs on a local date, in appointment order (one Query on `by-technician`).
    Technicians see their own; the office names one with `technician`."""
    if principal.is_technician:
        technician_id = principal.user_id
        if params.get("technician") not in (None, "", technician_id):
            raise NotFound("No such technician's day.")
    else:
        technician_id = params.get("technician") or ""
        if not technician_id:
            raise ValidationFailed("Name the technician.", [{"field": "technician", "message": "is required for office staff"}])
    member = business.technician(technician_id)
    data = business.settings()
    tz = business.zone(data)
    day = _day(params, tz)
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz) - timedelta(microseconds=1)
    jobs = []
    for order in OrderModel.by_technician.query(technician_id, OrderModel.appointment_start.between(start, end)):
        step = workflow.version(int(order.workflow_version)).step(order.step)
        if step.is_end and step.interruption:  # cancelled: no longer on the technician's day
            continue
        jobs.append({
            "order_id": order.order_id,
            "step": order.step,
            "step_label": step.label,
            "version": int(order.version),
            "appointment": {"start": order.appointment_start.astimezone(tz).isoformat(),
                            "end": order.appointment_end.astimezone(tz).isoformat()},
            "customer": {"name": order.customer.name, "phone": order.customer.phone},
            "address": {"street": order.address.street, "city": order.address.city, "postcode": order.address.postcode},
            "maps_url": orders.maps_url(order),
            "service_name": order.service_name,
            "description": order.description,
        })
    return {"date": day.isoformat(), "timezone": data["timezone"],
            "technician": {"id": member.user_id, "name": member.name}, "jobs": jobs}


# --- photos -----------------------------------------------------------------------------------

def _open_order(principal: Principal, order_id: str) -> OrderModel:
    order = orders.load_for(principal, order_id)
    step = workflow.version(int(order.workflow_version)).step(order.step)
    if step.is_end:
        raise MoveNotAllowed(f"The order is '{order.step}'; nothing more can be added.", {"step": order.step})
    return order


def _photo_key(order_id: str, photo_id: str) -> str:
    return f"orders/{order_id}/photos/{photo_id}"


def photo_upload(principal: Principal, order_id: str, body: dict, key: str | None) -> dict:
    """A presigned POST for one photo of this order: only the declared image type, at most the
    declared size (itself at most 10 MB), valid for 15 minutes."""
    fields = Fields(body)
    content_type = fields.text("content_type", 40)
    size = fields.integer("size_bytes", minimum=1)
    if content_type and content_type not in settings.PHOTO_TYPES:
        fields.error("content_type", f"must be an image: one of {', '.join(sorted(settings.PHOTO_TYPES))}")
    if size and size > settings.MAX_PHOTO_BYTES:
        fields.error("size_bytes", f"must be at most {settings.MAX_PHOTO_BYTES} bytes (10 MB)")
    fields.raise_if_errors()
    _open_order(principal, order_id)
    photo_id = orders.id_for_key("P-", order_id, key)
    post = client("s3").generate_presigned_post(
        Bucket=settings.files_bucket(),
        Key=_photo_key(order_id, photo_id),
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return {"photo_id": photo_id, "upload": {"url": post["url"], "fields": post["fields"]}, "expires_in": UPLOAD_SECONDS}


def attach_photo(principal: Principal, order_id: str, body: dict, now: datetime) -> OrderModel:
    """Attach an uploaded photo to the order, once; refused unless the upload arrived as an image."""
    fields = Fields(body)
    photo_id = fields.text("photo_id", 40)
    fields.raise_if_errors()
    if not photo_id.startswith("P-") or not photo_id[2:].isalnum():
        raise ValidationFailed("Not a photo id this API gave.", [{"field": "photo_id", "message": "unknown photo"}])
    order = _open_order(principal, order_id)
    if any(p.photo_id == photo_id for p in order.photos):
        return order
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=settings.files_bucket(), Key=_photo_key(order_id, photo_id))
    except s3.exceptions.ClientError:
        raise ValidationFailed("The photo has not been uploaded.", [{"field": "photo_id", "message": "no upload found; upload it first"}])
    content_type, size = head.get("ContentType", ""), int(head["ContentLength"])
    if content_type not in settings.PHOTO_TYPES or size > settings.MAX_PHOTO_BYTES:
        raise ValidationFailed("The upload is not an image of the allowed size.", [{"field": "photo_id", "message": "not an allowed image"}])
    photo = Photo(photo_id=photo_id, s3_key=_photo_key(order_id, photo_id), content_type=content_type,
                  size_bytes=size, uploaded_by=principal.user_id, uploaded_at=now)

    def change(current):
        if any(p.photo_id == photo_id for p in current.photos):
            return False
        current.photos = list(current.photos) + [photo]
        current.updated_at = now

    return orders.append(principal, order_id, None, change)


# --- the signature ----------------------------------------------------------------------------

def _png(value) -> bytes:
    if not isinstance(value, str) or not value:
        raise ValidationFailed("The signature is missing.", [{"field": "image_png_base64", "message": "is required"}])
    if value.startswith("data:"):
        header, _, value = value.partition(",")
        if header != "data:image/png;base64":
            raise ValidationFailed("The signature must be a PNG.", [{"field": "image_png_base64", "message": "must be a PNG image"}])
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("The signature is not base64.", [{"field": "image_png_base64", "message": "must be base64"}])
    if not data.startswith(PNG_MAGIC):
        raise ValidationFailed("The signature must be a PNG.", [{"field": "image_png_base64", "message": "must be a PNG image"}])
    if len(data) > settings.MAX_SIGNATURE_BYTES:
        raise ValidationFailed("The signature image is too large.", [{"field": "image_png_base64", "message": f"must be at most {settings.MAX_SIGNATURE_BYTES} bytes"}])
    return data


def sign(principal: Principal, order_id: str, body: dict, now: datetime, key: str | None) -> OrderModel:
    """Store the customer's signature (PNG) and record it on the order. A replay with the same
    key changes nothing; a new signature replaces the previous one."""
    fields = Fields(body)
    signed_by = fields.text("signed_by", 120)
    fields.raise_if_errors()
    png = _png(body.get("image_png_base64"))
    order = _open_order(principal, order_id)
    signature_id = orders.id_for_key("S-", order_id, key)
    if order.signature is not None and order.signature.signature_id == signature_id:
        return order
    s3_key = f"orders/{order_id}/signature/{signature_id}.png"
    client("s3").put_object(Bucket=settings.files_bucket(), Key=s3_key, Body=png, ContentType="image/png")
    signature = Signature(signature_id=signature_id, s3_key=s3_key, signed_by=signed_by, captured_by=principal.user_id, at=now)

    def change(current):
        if current.signature is not None and current.signature.signature_id == signature_id:
            return False
        current.signature = signature
        current.updated_at = now

    return orders.append(principal, order_id, None, change)


