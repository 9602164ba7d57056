"""The local stream poller keeps following the orders table after moto rolls back a cancelled
transaction, which replaces the table, its stream shard included, with a copy (moto 5.2.5).

Two customers race for a slot only one technician can take: both read the calendar, both write,
one transaction is cancelled (409 for that customer), and moto restores the orders table from its
backup copy. A poller that kept its shard iterator would read the dead shard from then on and
send no email again, silently; this one asks for a fresh iterator after its last record each
poll. In-process moto as it ships (the local system's own transaction change, which avoids the
copy, is not installed here), the poller with the app's real stream handler."""
import threading
from datetime import datetime, timezone

import pytest

from chalicelib.booking import online
from chalicelib.core.errors import Conflict
from infra.local.stream import StreamPoller
from tests.support.helpers import sent_emails

SATURDAY_10 = "2026-12-05T10:00:00+00:00"  # glazing repair: only tech-1 works Saturdays with that skill
MONDAY_10 = "2026-12-07T10:00:00+00:00"


def booking(start: str, n: int, service_id: str) -> online.orders_intake.Intake:
    return online.parse_public({
        "service_id": service_id, "start": start,
        "customer": {"name": f"Customer {n}", "email": f"race{n}@example.net", "phone": f"+44 7700 90000{n}"},
        "address": {"street": f"{n} High Street", "city": "Bristol", "postcode": "BS1 1AA"}})


def both_read_the_calendar_first():
    """Each of two bookings reads the calendars, then waits until the other has read them too, so
    both write on top of the same calendar: the second transaction is cancelled."""
    import botocore.client

    from chalicelib.data.models import CalendarDayModel

    inner, barrier, seen = botocore.client.BaseClient._make_api_call, threading.Barrier(2, timeout=20), threading.local()
    table = CalendarDayModel.Meta.table_name

    def call(client, operation, params):
        answer = inner(client, operation, params)
        if operation == "BatchGetItem" and table in params.get("RequestItems", {}) and not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()
        return answer

    botocore.client.BaseClient._make_api_call = call
    return lambda: setattr(botocore.client.BaseClient, "_make_api_call", inner)


def race(*bookings) -> list:
    results = [None] * len(bookings)

    def run(i, intake):
        try:
            results[i] = online.book(online.CUSTOMER, intake, NOW).order.order_id
        except Conflict as exc:
            results[i] = exc

    undo = both_read_the_calendar_first()
    try:
        threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bookings)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        undo()
    return results


NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def poller(world, client):
    from chalicelib.core.aws import client as aws_client
    from chalicelib.data.models import OrderModel

    def handler(event, context):
        return client.lambda_.invoke("on_order_change", event).payload

    return StreamPoller(aws_client("dynamodb"), aws_client("dynamodbstreams"), OrderModel.Meta.table_name,
                        handler, "workorders-dev-on_order_change")


def orders_table():
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.data.models import OrderModel

    return dynamodb_backends["123456789012"]["us-east-1"].tables[OrderModel.Meta.table_name]


def confirmations_to(address: str) -> list:
    return [m for m in sent_emails() if address in str(m["To"]) and "booked" in str(m["Subject"]).lower()]


def test_after_a_race_for_one_slot_the_next_booking_still_gets_its_confirmation_email(poller, clock):
    poller.poll_once()  # the poller is following the stream before the race
    table_before = orders_table()

    first, second = race(booking(SATURDAY_10, 1, "glazing-repair"), booking(SATURDAY_10, 2, "glazing-repair"))

    winners = [r for r in (first, second) if isinstance(r, str)]
    refused = [r for r in (first, second) if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(refused) == 1, (first, second)
    assert refused[0].code == "slot_taken"  # 409
    assert orders_table() is not table_before, "no transaction was cancelled: the race did not happen"

    third = online.book(online.CUSTOMER, booking(MONDAY_10, 3, "survey"), NOW).order.order_id
    for _ in range(5):
        poller.poll_once()

    winner_email = "race1@example.net" if isinstance(first, str) else "race2@example.net"
    assert len(confirmations_to(winner_email)) == 1
    assert [third in str(m["Subject"]) for m in confirmations_to("race3@example.net")] == [True]
    assert poller.position.shards  # a sequence number per shard, not an iterator
