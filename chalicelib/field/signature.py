"""The customer's signature, drawn on the technician's phone, checked and stored as a PNG."""
import base64
import binascii
from datetime import datetime

from chalicelib.core import ids, settings
from chalicelib.core.aws import client
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data.models import Signature
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.field import photos
from chalicelib.orders import moves, storage
from chalicelib.staff.auth import Principal

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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


def sign(principal: Principal, order_id: str, body: dict, now: datetime, key: RequestKey | None) -> Answer:
    """Store the customer's signature (PNG) and record it on the order. A replay with the same
    key changes nothing; a new signature replaces the previous one. `done_at` (optional) is when
    it was signed, bounded by `orders.moves.done_time`."""
    fields = Fields(body)
    signed_by = fields.text("signed_by", 120)
    done_at = moves.requested_done_at(fields, now)  # when the customer signed (the app may send it later)
    fields.raise_if_errors()
    png = _png(body.get("image_png_base64"))
    signature_id = ids.id_for_key("S-", order_id, key.key if key else None)
    s3_key = f"orders/{order_id}/signature/{signature_id}.png"
    stored = []  # the PNG goes to S3 once, whatever the attempts

    def apply(order):
        if order.signature is not None and order.signature.signature_id == signature_id:
            return False
        photos.check_open(order)
        if not stored:
            client("s3").put_object(Bucket=settings.files_bucket(), Key=s3_key, Body=png, ContentType="image/png")
            stored.append(s3_key)
        order.signature = Signature(signature_id=signature_id, s3_key=s3_key, signed_by=signed_by,
                                    captured_by=principal.user_id, at=moves.done_time(order, done_at, now),
                                    recorded_at=now)
        order.updated_at = now

    return storage.change(principal, order_id, apply, key, 201)
