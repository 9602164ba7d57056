"""Merging two records of the same person: POST /customers/{id}/merge {"from": "<duplicate>"}.

Idempotent and restartable: each step leaves something a second run recognises as done, so a
merge cut off half-way is finished by running it again.

1. The duplicate points to the customer it goes into (`merged_into`, conditional on its version):
   from then on intake follows the pointer, so new orders land on the customer kept.
2. The customer kept takes the duplicate's properties, and its email and phone (as its own when it
   had none, as aliases otherwise); their keys now point to it (record and keys in one transaction).
3. The duplicate's name and postcode keys go: search finds only the customer kept.
4. Each of the duplicate's orders moves, one transaction each: the order's `customer_id`
   (conditional on still being the duplicate's) and both customers' counts, so counts stay exact
   however often this runs. Then the newest order sets `last_order_at`.
"""
from datetime import datetime

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.customers import history, normalise, records
from chalicelib.data.customers import UNIQUE_SORT, CustomerModel
from chalicelib.data.models import OrderModel


def _check(target_id: str, source_id: str) -> tuple[CustomerModel, CustomerModel]:
    if source_id == target_id:
        raise ValidationFailed("A customer cannot be merged into itself.",
                               [{"field": "from", "message": "must be another customer"}])
    target = records.get(target_id)
    if target is None:
        raise NotFound(f"No customer '{target_id}'.")
    if target.merged_into:
        raise Conflict(f"Customer '{target_id}' was itself merged into '{target.merged_into}'; merge into that one.",
                       {"customer_id": target_id, "merged_into": target.merged_into}, code="customer_merged")
    source = records.get(source_id)
    if source is None:
        raise ValidationFailed("There is no such customer to merge.", [{"field": "from", "message": f"no customer '{source_id}'"}])
    if source.merged_into and source.merged_into != target_id:
        raise Conflict(f"Customer '{source_id}' was already merged into '{source.merged_into}'.",
                       {"customer_id": source_id, "merged_into": source.merged_into}, code="customer_merged")
    if target.erased_at is not None or source.erased_at is not None:
        raise Conflict("A customer whose personal data was erased cannot be merged.", {"customer_id": target_id})
    return target, source


def _point(source: CustomerModel, target_id: str, now: datetime) -> CustomerModel:
    """Step 1 (done when the duplicate already points to the target)."""
    for _ in range(records.ATTEMPTS):
        if source.merged_into == target_id:
            return source
        read = int(source.version)
        source.merged_into, source.merged_at, source.version, source.updated_at = target_id, now, read + 1, now
        try:
            source.save(condition=(CustomerModel.version == read) & CustomerModel.merged_into.does_not_exist())
            return source
        except PutError as exc:  # refused: someone changed it; read again and look
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
        source = records.get(source.customer_id)
        if source.merged_into and source.merged_into != target_id:
            raise Conflict(f"Customer '{source.customer_id}' was just merged into '{source.merged_into}'.",
                           {"customer_id": source.customer_id, "merged_into": source.merged_into}, code="customer_merged")
    raise Conflict("The duplicate is being changed by others right now; try again.")


def _absorb(target: CustomerModel, source: CustomerModel, now: datetime) -> bool:
    """What the target takes from the duplicate; whether anything changed."""
    before = (list(target.addresses or []), list(target.aliases or []), target.email, target.phone,
              list(target.merged_from or []))
    if source.customer_id not in (target.merged_from or []):
        target.merged_from = list(target.merged_from or []) + [source.customer_id]
    for address in source.addresses or []:
        if not any(normalise.address_key(a) == normalise.address_key(address) for a in target.addresses or []):
            target.addresses = records.add_address(target.addresses or [], address)
    own = set(records.unique_keys(target))
    taken = [("email", source.email), ("phone", source.phone)] + [(a["kind"], a["value"]) for a in source.aliases or []]
    for kind, value in taken:
        if not value:
            continue
        key = records.email_key(value) if kind == "email" else records.phone_key(value)
        if key in own:
            continue
        if kind == "email" and not target.email:
            target.email = value
        elif kind == "phone" and not target.phone:
            target.phone = value
        else:
            target.aliases = list(target.aliases or []) + [{"kind": kind, "value": value}]
        own.add(key)
    changed = before != (list(target.addresses or []), list(target.aliases or []), target.email, target.phone,
                         list(target.merged_from or []))
    if changed:
        target.updated_at = now
    return changed


def _take_details(target: CustomerModel, source: CustomerModel, now: datetime) -> CustomerModel:
    """Step 2."""
    for _ in range(records.ATTEMPTS):
        before, read = records.key_items(target), int(target.version)
        if not _absorb(target, source, now):
            return target
        try:
            records.save_changed(before, target, read, CustomerModel.merged_into.does_not_exist(),
                                 take_from=source.customer_id)
            return target
        except records.KeyTaken:
            target = records.load(target.customer_id)
    raise Conflict("The customer is being changed by others right now; try again.", {"customer_id": target.customer_id})


def _drop_keys(source: CustomerModel) -> None:
    """Step 3: the duplicate's name and postcode keys (its email and phone keys are the target's now)."""
    gone = [item for item in records.key_items(source) if item.sort != UNIQUE_SORT]
    if not gone:
        return
    with TransactWrite(connection=records.connection()) as tx:
        for item in gone:
            tx.delete(item)


def _move(order: OrderModel, target_id: str, source_id: str) -> bool:
    """Step 4 for one order; False when it is no longer the duplicate's (moved already)."""
    for _ in range(records.ATTEMPTS):
        if order is None or order.customer_id != source_id:
            return False
        try:
            with TransactWrite(connection=records.connection()) as tx:
                tx.update(order, actions=[OrderModel.customer_id.set(target_id)],
                          condition=OrderModel.customer_id == source_id, add_version_condition=False)
                tx.update(CustomerModel(target_id), actions=[CustomerModel.orders_count.add(1)])
                tx.update(CustomerModel(source_id), actions=[CustomerModel.orders_count.add(-1)])
            return True
        except TransactWriteError as exc:
            if not records.refused(exc):
                raise
        try:
            order = OrderModel.get(order.order_id, consistent_read=True)
        except OrderModel.DoesNotExist:
            return False
    raise Conflict("An order of the duplicate is being changed right now; run the merge again.", {"order_id": order.order_id})


def _newest_order(target_id: str) -> None:
    newest, _ = history.orders_page(target_id, limit=1)
    if newest:
        CustomerModel(target_id).update(actions=[CustomerModel.last_order_at.set(newest[0].created_at)])


def merge(target_id: str, body: dict, now: datetime) -> dict:
    """Merge `from` into `target_id`; answers the customer kept and how many orders moved."""
    fields = Fields(body)
    source_id = fields.text("from", 64)
    fields.raise_if_errors()
    target, source = _check(target_id, source_id)
    source = _point(source, target_id, now)
    target = _take_details(target, source, now)
    _drop_keys(source)
    moved = sum(_move(o, target_id, source_id) for o in history.all_orders(source_id))
    _newest_order(target_id)
    return {"customer": records.view(records.get(target_id)), "merged": source_id, "orders_moved": moved}
