"""A small estimate world for the evaluation's tests: an estimate map published under the kind
`estimate`, estimate orders through the API moved to the visit at given times, and quotes written
straight into the quotes table (the figures read what the quote slices store, so the tests state
exactly that)."""
from datetime import datetime, timedelta, timezone

OFFICE_AND_FIELD = ["admin", "dispatcher", "technician", "system"]


def _step(key, label, owner, sla, following, interruption=False):
    return {"key": key, "label": label, "owner": owner, "sla_minutes": sla, "next": following, "exit_conditions": [],
            "automations": [], "allowed_roles": OFFICE_AND_FIELD + (["customer"] if key == "cancelled" else []),
            **({"interruption": True} if interruption else {})}


# requested -> scheduled -> en_route -> on_site -> quoted -> won | lost -> closed, with on hold and
# cancelled; its SLAs differ from the installation map's so a test can tell which map was read.
ESTIMATE_MAP = {
    "name": "Estimate visit",
    "start_step": "requested",
    "steps": [
        _step("requested", "Estimate requested", "dispatcher-1", 60, ["scheduled", "on_hold", "cancelled"]),
        _step("scheduled", "Visit booked", "dispatcher-1", 10080, ["en_route", "on_hold", "cancelled"]),
        _step("en_route", "On the way to measure", "dispatcher-1", 120, ["on_site", "on_hold", "cancelled"]),
        _step("on_site", "Measuring", "dispatcher-1", 180, ["quoted", "on_hold", "cancelled"]),
        _step("quoted", "Quote with the customer", "admin-1", 20160, ["won", "lost", "on_hold"]),
        _step("won", "Won", "admin-1", 1440, ["closed"]),
        _step("lost", "Lost", "admin-1", 1440, ["closed"]),
        _step("closed", "Closed", None, None, []),
        _step("on_hold", "On hold", "dispatcher-1", 4320, ["requested", "scheduled", "quoted", "cancelled"], True),
        _step("cancelled", "Cancelled", None, None, [], True),
    ],
}


def publish_estimate_map(as_, document=None) -> int:
    r = as_("admin").put("/workflow?kind=estimate", {**(document or ESTIMATE_MAP), "kind_label": "Estimate",
                                                     "note": "Estimates follow their own map"})
    assert r.status == 201, r
    return r.json["version"]


def estimate_order(as_, clock, created: datetime, visit: datetime | None = None, customer: str = "Ada Lovelace",
                   **overrides) -> dict:
    """An estimate order created through the API at `created`, moved to the visit (`on_site`) at
    `visit` (the moves before it a minute apart, just before); the clock is left at the last move."""
    clock.now = created
    body = {
        "customer": {"name": customer, "email": "ada@example.net", "phone": "+44 7700 900001"},
        "address": {"street": "1 Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"},
        "service_name": "Measure and quote visit", "kind": "estimate", "technician_id": "tech-1",
        **overrides,
    }
    r = as_("dispatcher").post("/orders", body)
    assert r.status == 201, r
    order = r.json
    if visit is not None:
        for i, step in enumerate(("scheduled", "en_route", "on_site")):
            clock.now = visit - timedelta(minutes=2 - i)
            r = as_("dispatcher").post(f"/orders/{order['order_id']}/transitions", {"to": step, "expected_version": order["version"]})
            assert r.status == 200, r
            order = r.json
    return order


def quote(order_id: str, number: int, sent_at: datetime | None, status: str = "sent", revision: str = "A",
          lines=((1, 10000, False),), sent_by: str = "tech-1", answered_at: datetime | None = None,
          reason: str | None = None, accepted_total: int | None = None, valid_until: str = "2026-12-31",
          customer: str = "Ada Lovelace", pricing: dict | None = None, **fields):
    """A quote revision stored as the quote slices store it; `lines`: (quantity, unit price, optional)."""
    from chalicelib.data.quotes import QuoteModel

    created = (sent_at or datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)) - timedelta(hours=1)
    item = QuoteModel(
        f"QT-{number:04d}{revision}", number=f"Q-2026-{number:06d}", revision=revision, status=status, order_id=order_id,
        customer={"name": customer, "email": "ada@example.net", "phone": "+44 7700 900001"},
        address={"street": "1 Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"}, kind="installation",
        lines=[{"line_id": f"L{i}", "description": f"Line {i}", "quantity": q, "unit_price_cents": p, "price_item_id": None,
                "optional": o} for i, (q, p, o) in enumerate(lines, 1)],
        valid_until=valid_until, token="t" * 43, created_at=created, created_by=sent_by, updated_at=created,
        sent_at=sent_at, sent_by=sent_by if sent_at else None, sent_month=sent_at.astimezone(timezone.utc).strftime("%Y-%m") if sent_at else None,
        pricing=pricing, **fields)
    if status == "accepted":
        item.accepted = {"name": customer, "at": answered_at.isoformat(), "optional_lines": [], "total_cents": accepted_total}
    if status == "declined":
        item.declined = {"reason": reason, "at": answered_at.isoformat()}
    item.save()
    return item


def estimate_through(path, technician="tech-1", customer="Rita Review"):
    """An estimate order built in memory on the estimate kind's current map, created at the path's
    first time and moved through the rest by the map's own rules (as helpers.order_through for the
    installation map); saved."""
    from chalicelib.core import ids
    from chalicelib.data.models import LineItem, Signature
    from chalicelib.orders import intake as orders_intake, moves
    from chalicelib.staff.auth import Principal
    from chalicelib.workflow import versions

    admin = Principal("admin-1", "admin", ("admin",))
    pm = versions.current("estimate")
    (start, created), rest = path[0], path[1:]
    intake = orders_intake.Intake({"name": customer, "email": "rita@example.net", "phone": None},
                                  {"street": "1 Audit Lane", "city": "Bristol", "postcode": "BS1 1AA"},
                                  service_name="Measure and quote visit", technician_id=technician)
    order = orders_intake.build(ids.new_id("WO-"), admin, intake, pm, created, "phone")
    order.appointment_start, order.appointment_end = created + timedelta(hours=2), created + timedelta(hours=3)
    order.line_items = [LineItem(item_id="LI-1", description="Survey", quantity=1, unit_price_cents=0,
                                 added_by="admin-1", added_at=created)]
    order.signature = Signature(signature_id="S-1", s3_key="orders/x/signature/S-1.png", signed_by="Rita",
                                captured_by=technician, at=created)
    for step, moment in rest:
        moves.apply_move(admin, order, step, None, moment)
    order.save()
    return order


DECLINE_REASONS = ["Too expensive", "Too expensive", "Went with another company", "Too expensive", "Not this year"]


def seed_conversion_weeks(week: datetime) -> None:
    """Estimates and quotes for the week starting at `week` (a Monday morning) and the week before:
    this week thirteen quotes (six sent the day after the visit, five of them accepted; five sent
    four days after it, one accepted and four declined, three of those "Too expensive"; one
    expired, one still open), the week before six (three accepted, two declined, one expired).
    For the reports' browser test and its screenshot."""
    from chalicelib.workflow import versions
    from chalicelib.core.errors import NotFound

    try:
        versions.current("estimate")
    except NotFound:
        versions.publish(ESTIMATE_MAP, "admin-1", week - timedelta(days=30), note="Estimates follow their own map",
                         kind="estimate", kind_label="Estimate")
    technicians = ["tech-1", "tech-2", "tech-3"]
    number = 9000

    def estimate(visit, sent, answered, status):
        path = [("requested", visit - timedelta(hours=6)), ("scheduled", visit - timedelta(hours=5)),
                ("en_route", visit - timedelta(minutes=30)), ("on_site", visit), ("quoted", sent)]
        if status in ("accepted", "declined", "expired"):
            path.append(("won" if status == "accepted" else "lost", answered))
        return estimate_through(path, technicians[number % 3])

    plan = ([(1, "accepted", None)] * 5 + [(1, "declined", "Found a cheaper quote")] + [(4, "accepted", None)]
            + [(4, "declined", r) for r in DECLINE_REASONS[:4]] + [(1, "expired", None), (1, "sent", None)])
    before = ([(1, "accepted", None)] * 3 + [(1, "declined", "Too expensive"), (3, "declined", "Not this year")]
              + [(2, "expired", None)])
    for start, outcomes in ((week, plan), (week - timedelta(days=7), before)):
        for i, (gap_days, status, reason) in enumerate(outcomes):
            number += 1
            visit = start - timedelta(days=gap_days) + timedelta(hours=1 + i % 6, days=i % 3)
            sent = visit + timedelta(days=gap_days)
            answered = sent + timedelta(hours=20 + 7 * i)
            order = estimate(visit, sent, answered, status)
            lines = ((2 + i % 3, 42000, False), (1, 16500, False), (1, 8900, True))
            value = ((2 + i % 3) * 42000 + 16500 + (8900 if i % 2 else 0)) * 12 // 10
            quote(order.order_id, number, sent, status, lines=lines, sent_by=technicians[i % 3],
                  answered_at=answered, reason=reason, accepted_total=value, customer=f"Customer {number}",
                  expired_at=answered if status == "expired" else None)
