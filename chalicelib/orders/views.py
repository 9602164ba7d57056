"""The order as the API answers it: the view (with its notes, photos and newest moves), the
summary a list shows, file links and the maps link."""
from datetime import datetime
from urllib.parse import quote_plus

from chalicelib.core import clock, settings, times
from chalicelib.core.aws import client
from chalicelib.data import entries
from chalicelib.data.entries import HISTORY_SHOWN
from chalicelib.data.models import OrderModel
from chalicelib.orders import moves
from chalicelib.setup import catalog, tax as tax_rules
from chalicelib.staff import directory
from chalicelib.staff.auth import Principal
from chalicelib.workflow import kinds, versions


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
    pm = versions.of(order)
    items = _line_items(order)
    return {
        "order_id": order.order_id,
        "step": order.step,
        "step_label": pm.step(order.step).label if pm.has_step(order.step) else order.step,
        "step_entered_at": times.iso(order.step_entered_at),
        "version": int(order.version),
        "workflow_version": int(order.workflow_version),
        "workflow_id": pm.workflow_id,
        "kind": kinds.kind_of(order),  # the kind of work (an order from before kinds: the legacy kind)
        # A job made by accepting a quote: the quote, the estimate it came from, its deposit.
        "quote_id": order.quote_id,
        "estimate_order_id": order.estimate_order_id,
        "deposit": order.deposit,
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
        # When the step's SLA runs out (open orders in a step with an SLA), and whether it has.
        "sla_due_at": times.iso(order.sla_due_at) if order.open_step and order.sla_due_at else None,
        "overdue": bool(order.open_step and order.sla_due_at and order.sla_due_at <= clock.now()),
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
             **({"changes": m.changes} if m.changes else {}),  # a correction: the old and the new values
             **({"waiting_on": m.waiting_on} if m.waiting_on else {})}  # on hold for the customer
            for m in order.history[-HISTORY_SHOWN:]
        ],
        "photos": [
            {"id": p.photo_id, "url": _file_url(p.s3_key), "content_type": p.content_type, "size_bytes": int(p.size_bytes),
             "uploaded_by": p.uploaded_by, "uploaded_at": times.iso(p.uploaded_at), "recorded_at": times.iso(p.recorded_at)}
            for p in order.photos
        ],
        **({"next_steps": moves.next_steps(order, principal)} if principal else {}),
        "tax": tax_basis(),
        "step_times": step_times(order, clock.now()),
        "people": people(order),
    })
    return answer


def step_times(order: OrderModel, now: datetime) -> list[dict]:
    """The time spent in each step, from the history, against the step's SLA: one entry per stay
    (a step entered twice counts twice), the current one with `left` null and its time so far.
    Corrections (moves from a step to itself) are not stays. When the history is longer than the
    moves read (`HISTORY_SHOWN`), it starts at the earliest move read."""
    pm = versions.of(order)
    moved = [m for m in order.history if m.from_step != m.to_step]
    complete = len(order.history) >= int(order.history_count or 0)
    stays, step = [], (moved[0].from_step if moved else order.step)
    entered = order.created_at if complete else None
    if moved and moved[0].from_step is None:  # the order's first entry: created into its first step
        step, entered, moved = moved[0].to_step, moved[0].at, moved[1:]
    for move in moved:
        if entered is not None:
            stays.append((step, entered, move.at))
        step, entered = move.to_step, move.at
    if entered is not None:
        stays.append((step, entered, None))
    answer = []
    for key, since, until in stays:
        known = pm.step(key) if pm.has_step(key) else None
        sla = int(known.sla_minutes) * 60 if known is not None and known.sla_minutes else None
        seconds = max(0, int(((until or now) - since).total_seconds()))
        answer.append({"step": key, "label": known.label if known else key, "entered": times.iso(since),
                       "left": times.iso(until) if until else None, "seconds": seconds,
                       "sla_seconds": sla, "over_sla": sla is not None and seconds > sla})
    return answer


def people(order: OrderModel) -> dict:
    """The names of the staff the order's history, notes, photos, line items and signature name
    (by user id), for the page to say who did what."""
    ids = {m.by for m in order.history} | {n.author for n in order.notes} | {p.uploaded_by for p in order.photos}
    ids |= {li.added_by for li in order.line_items} | {order.created_by}
    if order.signature is not None:
        ids.add(order.signature.captured_by)
    named = {}
    for user_id in sorted(i for i in ids if i):
        member = directory.profile(user_id)
        if member is not None:
            named[user_id] = member.name
    return named


def view_after_write(order: OrderModel, principal: Principal) -> dict:
    """The view of an order changed in memory as it will be once written (its version one more):
    the answer to the write, rendered before it, so the Idempotency-Key's record can keep it."""
    return {**view(order, principal=principal), "version": int(order.version or 0) + 1}
