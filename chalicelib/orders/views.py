"""The order as the API answers it: the view (with its notes, photos and newest moves), the
summary a list shows, file links and the maps link."""
from urllib.parse import quote_plus

from chalicelib.core import settings, times
from chalicelib.core.aws import client
from chalicelib.data import entries
from chalicelib.data.entries import HISTORY_SHOWN
from chalicelib.data.models import OrderModel
from chalicelib.orders import moves
from chalicelib.setup import catalog, tax as tax_rules
from chalicelib.staff import directory
from chalicelib.staff.auth import Principal
from chalicelib.workflow import versions


def _file_url(s3_key: str) -> str:
    """A short-lived link to a private file (photo, signature) for the person viewing the order."""
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": settings.files_bucket(), "Key": s3_key}, ExpiresIn=FILE_URL_SECONDS
    )


FILE_URL_SECONDS = 900


def maps_url(order: OrderModel) -> str:
    """Directions to the job: a maps search for its address (opens the maps app on a phone)."""
    address = f"{order.address.street}, {order.address.postcode} {order.address.city}"
    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(address)


def _line_items(order: OrderModel) -> list[dict]:
    return [
        {
            "id": li.item_id,
            "description": li.description,
            "quantity": int(li.quantity),
            "unit_price_cents": int(li.unit_price_cents),
            "total_cents": int(li.quantity) * int(li.unit_price_cents),
            "price_item_id": li.price_item_id,
            "added_by": li.added_by,
            "added_at": times.iso(li.added_at),
            "recorded_at": times.iso(li.recorded_at),  # when the server received it (added_at: when it was done)
        }
        for li in order.line_items
    ]


def summary(order: OrderModel, technician=None) -> dict:
    """The order as a list shows it: everything on its item, without its notes, photos and
    history (GET /orders/{id} has them), with how many of each it has."""
    tech = technician if technician is not None else directory.profile(order.technician_id)
    pm = versions.version(int(order.workflow_version))
    items = _line_items(order)
    return {
        "order_id": order.order_id,
        "step": order.step,
        "step_label": pm.step(order.step).label if pm.has_step(order.step) else order.step,
        "step_entered_at": times.iso(order.step_entered_at),
        "version": int(order.version),
        "workflow_version": int(order.workflow_version),
        "source": order.source,
        "customer": {"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone},
        "customer_id": order.customer_id,  # the customer record (GET /customers/{id}); `customer` is this order's snapshot
        "address": {"street": order.address.street, "city": order.address.city, "postcode": order.address.postcode},
        "maps_url": maps_url(order),
        "service_id": order.service_id,
        "service_name": order.service_name,
        "description": order.description,
        "appointment": (
            {"start": times.iso(order.appointment_start), "end": times.iso(order.appointment_end)}
            if order.appointment_start
            else None
        ),
        "technician": (
            {"id": tech.user_id, "name": tech.name, "email": tech.email, "phone": tech.phone}
            if tech is not None
            else ({"id": order.technician_id} if order.technician_id else None)
        ),
        "line_items": items,
        "total_cents": sum(i["total_cents"] for i in items),
        "notes_count": int(order.notes_count or 0),
        "photos_count": int(order.photos_count or 0),
        "history_count": int(order.history_count or 0),
        "signature": (
            {"url": _file_url(order.signature.s3_key), "signed_by": order.signature.signed_by,
             "captured_by": order.signature.captured_by, "at": times.iso(order.signature.at),
             "recorded_at": times.iso(order.signature.recorded_at)}
            if order.signature else None
        ),
        "created_at": times.iso(order.created_at),
        "updated_at": times.iso(order.updated_at),
        "created_by": order.created_by,
    }


def tax_basis() -> dict:
    """What the totals mean: the tax's name and rate, and whether the prices include it (the
    technician's job screen says "Total excl. VAT" or "incl.")."""
    settings_now = catalog.business()
    return {"name": tax_rules.tax_name(settings_now),
            "rate_basis_points": int(settings_now.get("tax_rate_basis_points") or 0),
            "included": settings_now.get("prices_include_tax") is True}


def view(order: OrderModel, technician=None, principal: Principal | None = None) -> dict:
    """The order as staff see it: its notes, photos and newest `HISTORY_SHOWN` moves (all of
    them are `history_count`); with `principal`, also the moves they may make next."""
    if not entries.is_read(order):
        entries.read(order)
    answer = summary(order, technician)
    answer.update({
        # `at`: when it was done (an offline action's `done_at`); `recorded_at`: when the server got it.
        "notes": [{"id": n.note_id, "text": n.text, "author": n.author, "at": times.iso(n.at),
                   "recorded_at": times.iso(n.recorded_at)} for n in order.notes],
        "history": [
            {"from": m.from_step, "to": m.to_step, "by": m.by, "at": times.iso(m.at), "note": m.note,
             "recorded_at": times.iso(m.recorded_at),
             **({"changes": m.changes} if m.changes else {})}  # a correction: the old and the new values
            for m in order.history[-HISTORY_SHOWN:]
        ],
        "photos": [
            {"id": p.photo_id, "url": _file_url(p.s3_key), "content_type": p.content_type, "size_bytes": int(p.size_bytes),
             "uploaded_by": p.uploaded_by, "uploaded_at": times.iso(p.uploaded_at), "recorded_at": times.iso(p.recorded_at)}
            for p in order.photos
        ],
        **({"next_steps": moves.next_steps(order, principal)} if principal else {}),
        "tax": tax_basis(),
    })
    return answer


def view_after_write(order: OrderModel, principal: Principal) -> dict:
    """The view of an order changed in memory as it will be once written (its version one more):
    the answer to the write, rendered before it, so the Idempotency-Key's record can keep it."""
    return {**view(order, principal=principal), "version": int(order.version or 0) + 1}
