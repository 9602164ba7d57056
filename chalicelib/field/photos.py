"""Photos: an S3 presigned POST straight from the phone, then attaching the upload to the order
(at most `items.MAX_PHOTOS` per order)."""
from datetime import datetime

from pynamodb.exceptions import PutError

from chalicelib.core import ids, settings
from chalicelib.core.aws import client
from chalicelib.core.errors import MoveNotAllowed, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data import items, request_keys
from chalicelib.data.models import IdempotencyModel, OrderModel, Photo
from chalicelib.data.request_keys import Answer, RequestKey
from chalicelib.orders import moves, storage
from chalicelib.staff.auth import Principal
from chalicelib.workflow import versions

UPLOAD_SECONDS = 900


def check_open(order: OrderModel) -> None:
    step = versions.of(order).step(order.step)
    if step.is_end:
        raise MoveNotAllowed(f"The order is '{order.step}'; nothing more can be added.", {"step": order.step})


def open_order(principal: Principal, order_id: str) -> OrderModel:
    order = storage.load_for(principal, order_id)
    check_open(order)
    return order


def _photo_key(order_id: str, photo_id: str) -> str:
    return f"orders/{order_id}/photos/{photo_id}"


def _bind(key: RequestKey, now: datetime) -> None:
    """Record the key for this upload form (there is nothing else to write); a key already bound
    to another request is refused by `earlier`."""
    if request_keys.earlier(key) is not None:
        return
    record: IdempotencyModel = request_keys.record(key, Answer(201, None), now)
    try:
        record.save(condition=request_keys.unused())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        request_keys.earlier(key)  # taken meanwhile: by the same request (fine) or another (422)


def photo_upload(principal: Principal, order_id: str, body: dict, now: datetime, key: RequestKey | None) -> dict:
    """A presigned POST for one photo of this order: only the declared image type, at most the
    declared size (itself at most 10 MB), valid for 15 minutes. The same key and body again give
    a fresh form for the same photo (the first form's signature may have run out)."""
    fields = Fields(body)
    content_type = fields.text("content_type", 40)
    size = fields.integer("size_bytes", minimum=1)
    if content_type and content_type not in settings.PHOTO_TYPES:
        fields.error("content_type", f"must be an image: one of {', '.join(sorted(settings.PHOTO_TYPES))}")
    if size and size > settings.MAX_PHOTO_BYTES:
        fields.error("size_bytes", f"must be at most {settings.MAX_PHOTO_BYTES} bytes (10 MB)")
    fields.raise_if_errors()
    order = open_order(principal, order_id)
    items.check_room("photos", int(order.photos_count or 0))
    if key is not None:
        _bind(key, now)
    photo_id = ids.id_for_key("P-", order_id, key.key if key else None)
    post = client("s3").generate_presigned_post(
        Bucket=settings.files_bucket(),
        Key=_photo_key(order_id, photo_id),
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return {"photo_id": photo_id, "upload": {"url": post["url"], "fields": post["fields"]}, "expires_in": UPLOAD_SECONDS}


def _uploaded(order_id: str, photo_id: str) -> tuple[str, int]:
    """The upload's type and size; 422 unless it arrived as an allowed image."""
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=settings.files_bucket(), Key=_photo_key(order_id, photo_id))
    except s3.exceptions.ClientError:
        raise ValidationFailed("The photo has not been uploaded.", [{"field": "photo_id", "message": "no upload found; upload it first"}])
    content_type, size = head.get("ContentType", ""), int(head["ContentLength"])
    if content_type not in settings.PHOTO_TYPES or size > settings.MAX_PHOTO_BYTES:
        raise ValidationFailed("The upload is not an image of the allowed size.", [{"field": "photo_id", "message": "not an allowed image"}])
    return content_type, size


def attach_photo(principal: Principal, order_id: str, body: dict, now: datetime, key: RequestKey | None = None) -> Answer:
    """Attach an uploaded photo to the order, once; refused unless the upload arrived as an image.
    `done_at` (optional) is when the technician attached it, bounded by `orders.moves.done_time`."""
    fields = Fields(body)
    photo_id = fields.text("photo_id", 40)
    done_at = moves.requested_done_at(fields, now)  # when it was taken and attached on the phone
    fields.raise_if_errors()
    if not photo_id.startswith("P-") or not photo_id[2:].isalnum():
        raise ValidationFailed("Not a photo id this API gave.", [{"field": "photo_id", "message": "unknown photo"}])
    upload = []  # looked at once, whatever the attempts

    def apply(order):
        if any(p.photo_id == photo_id for p in order.photos):
            return False
        check_open(order)
        items.check_room("photos", int(order.photos_count or 0))
        if not upload:
            upload.append(_uploaded(order_id, photo_id))
        content_type, size = upload[0]
        order.photos = order.photos + [Photo(photo_id=photo_id, s3_key=_photo_key(order_id, photo_id), content_type=content_type,
                                             size_bytes=size, uploaded_by=principal.user_id,
                                             uploaded_at=moves.done_time(order, done_at, now), recorded_at=now)]
        order.updated_at = now

    return storage.change(principal, order_id, apply, key, 201)
