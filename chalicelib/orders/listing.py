"""GET /orders: the office's order list, a page at a time, every read by key or index.

Where the rows come from (the first filter that applies picks the index; the other filters are
tested on the rows read, never by Scan):

- `q`, an order id (`WO-...`): GetItem of that order;
- `q`, an email or a phone number: the customer it is the key of, and their orders on the
  `by-customer` index, newest first;
- `q`, a postcode or a name (at least two letters): the customers found as GET /customers?q=
  finds them (one partition of the customer keys, a page of keys and one BatchGetItem at a time),
  each with their orders on `by-customer`, newest first;
- `overdue=true`: the sparse `by-open-step` index, one partition per step with an SLA (or only
  `step`'s), `sla_due_at <= now`, a step at a time, the longest overdue first;
- `technician`: `by-technician`, by appointment (`from`/`to` on its sort key);
- `step`: `by-step`, the latest into the step first;
- `from`/`to` alone: `by-appointment`; nothing: `by-created`, newest first.
- `kind` (a kind of work) is always tested on the rows read.

A page fills up to `limit` rows. When filters are tested on the rows read, it reads on, a page of
the index at a time, up to READS_PER_PAGE calls; a page that stopped there says so with
`partial: true`, and its `next_cursor` goes on from the last row *read*, so following the cursors
lists every matching order exactly once. A cursor belongs to the listing that made it (400
`invalid_cursor` in another).
"""
import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from chalicelib.core import clock, cursors, settings
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.validation import query_datetime
from chalicelib.customers import normalise, records, search
from chalicelib.data.customers import UNIQUE_SORT, CustomerKeyModel, CustomerModel
from chalicelib.data.models import OrderModel
from chalicelib.workflow import kinds, versions

READS_PER_PAGE = 12  # DynamoDB calls one page may make before it answers `partial`
FILTERED_PAGE_SIZE = 100  # rows read per call when filters are tested on what is read
CUSTOMER_KEYS_PAGE = 25  # customer keys read per call (one BatchGetItem of their records each)
TEXT_MAX = 200

# The key attributes of each index (with the table's `order_id`): a cursor is one of these.
KEYS = {
    "created": ("order_id", "list_pk", "created_at"),
    "appointment": ("order_id", "list_pk", "appointment_start"),
    "step": ("order_id", "step", "step_entered_at"),
    "technician": ("order_id", "technician_id", "appointment_start"),
    "overdue": ("order_id", "open_step", "sla_due_at"),
    "customer": ("order_id", "customer_id", "created_at"),
}
ROW_KEY = ("lookup", "sort")  # a customer key row: "go on after this customer"


@dataclass
class Filters:
    q: str | None
    step: str | None
    technician: str | None
    start: datetime | None
    end: datetime | None
    overdue: bool
    limit: int
    now: datetime
    kind: str | None = None  # one kind of work's orders (tested on the rows read)


def _word(params: dict, name: str, errors: list) -> str | None:
    value = (params.get(name) or "").strip()
    if len(value) > TEXT_MAX:
        errors.append({"field": name, "message": f"must be at most {TEXT_MAX} characters"})
    return value or None


def filters(params: dict) -> Filters:
    """The query string read and checked: 422 naming every bad parameter."""
    errors: list[dict] = []
    q, step, technician = (_word(params, n, errors) for n in ("q", "step", "technician"))
    start = end = None
    for name in ("from", "to"):
        try:
            value = query_datetime(params, name)
        except ValidationFailed as exc:
            errors.extend(exc.details)
            continue
        start, end = (value, end) if name == "from" else (start, value)
    if start and end and end < start:
        errors.append({"field": "to", "message": "must not be before `from`"})
    overdue = (params.get("overdue") or "").strip().lower()
    if overdue not in ("", "true", "false", "1", "0"):
        errors.append({"field": "overdue", "message": "must be true or false"})
    limit = settings.ORDERS_PAGE_CAP
    if params.get("limit"):
        try:
            limit = max(1, min(int(params["limit"]), settings.ORDERS_PAGE_CAP))
        except ValueError:
            errors.append({"field": "limit", "message": "must be a whole number"})
    if q and search.classify(q) == "name" and len(normalise.name(q)) < 2:
        errors.append({"field": "q", "message": "give an order id, an email, a phone number, a postcode or at least two letters of a name"})
    kind = _word(params, "kind", errors)
    if errors:
        raise ValidationFailed("A query parameter is not valid.", errors)
    if kind is not None:
        kinds.kind(kind)  # 422 at `kind` for an unknown one
    return Filters(q, step, technician, start, end, overdue in ("true", "1"), limit, clock.now(), kind)


def is_overdue(order: OrderModel, now: datetime) -> bool:
    """Open, in a step with an SLA, and past it."""
    return bool(order.open_step and order.sla_due_at and order.sla_due_at <= now)


class _OutOfReads(Exception):
    """The page has made READS_PER_PAGE calls."""


class _Reader:
    """Counts a page's calls. The budget holds only once the page has moved on from where it
    started (`moved`), so every page makes progress and a cursor never points back at itself."""

    def __init__(self):
        self.calls, self.moved = 0, False

    def spend(self) -> None:
        if self.moved and self.calls >= READS_PER_PAGE:
            raise _OutOfReads
        self.calls += 1


def _key(order: OrderModel, names: tuple) -> dict:
    return {n: {"S": getattr(OrderModel, n).serialize(getattr(order, n))} for n in names}


def _decode(cursor: str | None, shapes: list[dict]) -> dict | None:
    """The start position `cursor` holds, checked against the shape (key attributes, fixed
    values) with the same attribute names; 400 `invalid_cursor` when none has them."""
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise cursors.bad_cursor()
    names = set(raw) if isinstance(raw, dict) else None
    for shape in shapes:
        if names == set(shape):
            return cursors.decode(cursor, shape)
    raise cursors.bad_cursor()


def _pages(reader: _Reader, query: Callable, start: dict | None, page_size: int, names: tuple,
           final: bool, extra: dict | None = None) -> Iterator[tuple[OrderModel, dict | None]]:
    """The orders of one index partition from `start`, each with the position that goes on
    after it (None after the very last one when nothing follows this partition: `final`)."""
    while True:
        reader.spend()
        results = query(start, page_size)
        page = cursors.read(results, start)
        more = results.last_evaluated_key
        for i, order in enumerate(page):
            if final and more is None and i == len(page) - 1:
                yield order, None
            else:
                yield order, {**(extra or {}), **_key(order, names)}
        if more is None:
            return
        start = more


def _range(attr, f: Filters):
    if f.start and f.end:
        return attr.between(f.start, f.end)
    if f.start:
        return attr >= f.start
    if f.end:
        return attr <= f.end
    return None


def _sla_steps() -> list[str]:
    """Every step with an SLA that is not an end step, in any published version of any kind's
    map (orders keep the map and version they started on), sorted: the order the overdue
    listing pages through them."""
    maps = [old for pm in versions.every_current()
            for old in [pm] + [versions.version(n, pm.workflow_id) for n in range(1, pm.version)]]
    return sorted({s.key for pm in maps for s in pm.steps if not s.is_end and s.sla_minutes})


def _overdue(reader, f: Filters, cursor: str | None, page_size: int):
    steps = [f.step] if f.step else _sla_steps()
    fixed = {"open_step": f.step} if f.step else {"open_step": None}
    start = _decode(cursor, [dict.fromkeys(KEYS["overdue"]) | fixed, fixed])
    if start is not None:
        if start["open_step"]["S"] not in steps:
            raise cursors.bad_cursor()
        steps = steps[steps.index(start["open_step"]["S"]):]
        start = start if len(start) > 1 else None  # only a step: from its start
    for i, step in enumerate(steps):
        def query(s, n, step=step):
            return OrderModel.by_open_step.query(step, OrderModel.sla_due_at <= f.now, limit=n, last_evaluated_key=s)

        final = i == len(steps) - 1
        yield from _pages(reader, query, start if i == 0 else None, page_size, KEYS["overdue"], final)
        if not final:
            yield None, {"open_step": {"S": steps[i + 1]}}


def _one_customer(reader, customer_id: str | None, cursor: str | None, page_size: int):
    """An email's or phone's customer: their orders."""
    start = _decode(cursor, [dict.fromkeys(KEYS["customer"]) | {"customer_id": customer_id or "-"}])
    if customer_id is None:
        return

    def query(s, n):
        return OrderModel.by_customer.query(customer_id, scan_index_forward=False, limit=n, last_evaluated_key=s)

    yield from _pages(reader, query, start, page_size, KEYS["customer"], True)


def _unique_customer(reader, kind: str, q: str) -> str | None:
    lookup = records.email_key(normalise.email(q)) if kind == "email" else None
    if kind == "phone":
        phone = normalise.phone_or_none(q)
        lookup = records.phone_key(phone) if phone else None
    if lookup is None:
        return None
    reader.spend()
    try:
        return CustomerKeyModel.get(lookup, UNIQUE_SORT).customer_id
    except CustomerKeyModel.DoesNotExist:
        return None


def _first_row_of_each(rows: list[CustomerKeyModel], found: dict, folded: str | None) -> list[CustomerKeyModel]:
    """The rows whose customers are live; of a name search, one row per customer: the first
    (in key order) of its names that match, so a customer never comes twice, across pages too."""
    kept = []
    for row in rows:
        customer: CustomerModel | None = found.get(row.customer_id)
        if customer is None or customer.merged_into:
            continue
        if folded is not None:
            matching = [f"{s}#{customer.customer_id}" for s in normalise.name_suffixes(customer.name or "")
                        if s.startswith(folded)]
            if matching and row.sort != min(matching):
                continue
        kept.append(row)
    return kept


def _many_customers(reader, kind: str, q: str, cursor: str | None, page_size: int):
    """A postcode's or a name's customers, in key order, each with their orders."""
    folded = normalise.name(q) if kind == "name" else None
    partition = "postcode#" + normalise.postcode(q) if kind == "postcode" else "name#" + folded[:2]
    row_shape = {"lookup": partition, "sort": None}
    start = _decode(cursor, [row_shape | dict.fromkeys(KEYS["customer"]), row_shape])

    def orders_of(customer_id: str, row_key: dict, order_start, final: bool):
        def query(s, n):
            return OrderModel.by_customer.query(customer_id, scan_index_forward=False, limit=n, last_evaluated_key=s)

        yield from _pages(reader, query, order_start, page_size, KEYS["customer"], final, extra=row_key)
        if not final:
            yield None, row_key

    row_start = None
    if start is not None:
        row_start = {n: start[n] for n in ROW_KEY}
        if "order_id" in start:
            # Within a customer's orders: the rest of them first (more customers may follow).
            yield from orders_of(start["customer_id"]["S"], row_start, {n: start[n] for n in KEYS["customer"]}, False)
    while True:
        reader.spend()
        condition = CustomerKeyModel.sort.startswith(folded) if folded else None
        results = CustomerKeyModel.query(partition, range_key_condition=condition, limit=CUSTOMER_KEYS_PAGE,
                                         last_evaluated_key=row_start)
        rows = cursors.read(results, row_start)
        more = results.last_evaluated_key
        found = {}
        if rows:
            reader.spend()
            found = {c.customer_id: c for c in CustomerModel.batch_get(list(dict.fromkeys(r.customer_id for r in rows)))}
        kept = _first_row_of_each(rows, found, folded)
        chosen = {id(r) for r in kept}
        for row in rows:
            row_key = {"lookup": {"S": row.lookup}, "sort": {"S": row.sort}}
            if id(row) in chosen:
                yield from orders_of(row.customer_id, row_key, None, final=more is None and row is kept[-1])
            else:
                yield None, row_key
        if more is None:
            return
        row_start = more


def _by_order_id(reader, q: str, cursor: str | None):
    if cursor:
        raise cursors.bad_cursor()  # one order at most: nothing to page
    reader.spend()
    try:
        yield OrderModel.get(q.strip().upper()), None
    except OrderModel.DoesNotExist:
        return


def rows(f: Filters, cursor: str | None) -> tuple[Iterator, set, _Reader]:
    """The source of rows for these filters, which filters its index already applies, and the
    reader counting its calls."""
    reader = _Reader()
    filtered = lambda applied: bool(  # noqa: E731 - any filter left to test on the rows read
        (f.step and "step" not in applied) or (f.technician and "technician" not in applied)
        or ((f.start or f.end) and "time" not in applied) or (f.overdue and "overdue" not in applied)
        or f.kind is not None)
    if f.q:
        kind = search.classify(f.q)
        size = FILTERED_PAGE_SIZE if filtered(set()) else f.limit + 1
        if kind == "order":
            return _by_order_id(reader, f.q, cursor), set(), reader
        if kind in ("email", "phone"):
            # The customer's key is read first (one GetItem); the cursor is checked against them.
            return _one_customer(reader, _unique_customer(reader, kind, f.q), cursor, size), set(), reader
        return _many_customers(reader, kind, f.q, cursor, size), set(), reader
    if f.overdue:
        applied = {"overdue", "step"}
        return _overdue(reader, f, cursor, FILTERED_PAGE_SIZE if filtered(applied) else f.limit + 1), applied, reader
    if f.technician:
        applied, names, index, partition = {"technician", "time"}, KEYS["technician"], OrderModel.by_technician, f.technician
        condition, forward = _range(OrderModel.appointment_start, f), True
    elif f.step:
        applied, names, index, partition = {"step"}, KEYS["step"], OrderModel.by_step, f.step
        condition, forward = None, False
    elif f.start or f.end:
        applied, names, index, partition = {"time"}, KEYS["appointment"], OrderModel.by_appointment, OrderModel.list_pk.default
        condition, forward = _range(OrderModel.appointment_start, f), True
    else:
        applied, names, index, partition = set(), KEYS["created"], OrderModel.by_created, OrderModel.list_pk.default
        condition, forward = None, False
    fixed = {n: None for n in names} | {names[1]: partition}
    start = cursors.decode(cursor, fixed)

    def query(s, n):
        return index.query(partition, range_key_condition=condition, scan_index_forward=forward, limit=n, last_evaluated_key=s)

    size = FILTERED_PAGE_SIZE if filtered(applied) else f.limit + 1
    return _pages(reader, query, start, size, names, True), applied, reader


def keeper(f: Filters, applied: set) -> Callable[[OrderModel], bool]:
    """The filters the index did not apply, as a test of one order."""
    tests = []
    if f.step and "step" not in applied:
        tests.append(lambda o: o.step == f.step)
    if f.technician and "technician" not in applied:
        tests.append(lambda o: o.technician_id == f.technician)
    if (f.start or f.end) and "time" not in applied:
        tests.append(lambda o: o.appointment_start is not None and (f.start is None or o.appointment_start >= f.start)
                     and (f.end is None or o.appointment_start <= f.end))
    if f.overdue and "overdue" not in applied:
        tests.append(lambda o: is_overdue(o, f.now))
    if f.kind is not None:
        tests.append(lambda o: kinds.kind_of(o) == f.kind)
    return lambda o: all(t(o) for t in tests)


def page(params: dict) -> tuple[list[OrderModel], str | None, bool, int]:
    """One page: the orders, the cursor that goes on (None at the end), whether it stopped at
    READS_PER_PAGE before it filled (`partial`), and the DynamoDB calls it made."""
    f = filters(params)
    source, applied, reader = rows(f, params.get("cursor"))
    keep, found, partial = keeper(f, applied), [], False
    position = _as_sent(params.get("cursor"))  # where a page that read nothing goes on from
    try:
        for order, position in source:
            reader.moved = True
            if order is not None and keep(order):
                found.append(order)
                if len(found) == f.limit:
                    break
        else:
            position = None
    except _OutOfReads:
        partial = True
    return found, cursors.encode(position) if position else None, partial, reader.calls


def _as_sent(cursor: str | None) -> dict | None:
    """The incoming position (the source that reads it has checked it)."""
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
