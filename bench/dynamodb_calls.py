"""DynamoDB round trips per operation, counted at botocore's single entry point while the
operation runs against in-process moto with the demo business (and N technicians)."""
import collections
import json
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import use_in_process_moto  # noqa: E402

use_in_process_moto()

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


class CallCounter:
    def __init__(self):
        self.calls = collections.Counter()
        self.active = False

    def install(self):
        import botocore.client

        original = botocore.client.BaseClient._make_api_call
        counter = self

        def counted(client, operation, params):
            if counter.active and client.meta.service_model.service_name == "dynamodb":
                counter.calls[operation] += 1
            return original(client, operation, params)

        botocore.client.BaseClient._make_api_call = counted

    @contextmanager
    def counting(self):
        self.calls.clear()
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False


def _world(technicians: int):
    from infra import bootstrap, demo_data
    from chalicelib.data.models import StaffModel
    from chalicelib.setup import technicians as setup_technicians

    bootstrap.create_all()
    demo_data.load_staff_and_setup(NOW)
    for i in range(4, technicians + 1):
        user_id = f"tech-{i}"
        StaffModel(user_id, email=f"tech{i}@example.com", name=f"Technician {i}", role="technician").save()
        setup_technicians.save_profile(user_id, demo_data.TECHNICIANS["tech-1"])


def measure_for(technicians: int, counter: CallCounter) -> dict:
    from moto import mock_aws

    from chalicelib.booking import manage, online
    from chalicelib.field import day
    from chalicelib.orders import service
    from chalicelib.scheduling import availability
    from chalicelib.staff.auth import Principal
    from tests.support.world import reset_caches

    with mock_aws():
        reset_caches()
        _world(technicians)
        result = {}
        with counter.counting() as calls:
            availability.public_availability({"service_id": "survey", "date": "2026-12-02"}, NOW)
        result["availability_day"] = sum(calls.values())
        with counter.counting() as calls:
            availability.public_availability({"service_id": "survey", "date": "2026-12-02", "days": "7"}, NOW)
        result["availability_week"] = sum(calls.values())
        request = online.parse_public({"service_id": "survey", "start": "2026-12-02T10:00:00+00:00",
                                        "customer": {"name": "Bench", "email": "bench@example.net", "phone": "+44 7700 900000"},
                                        "address": {"street": "1 Bench St", "city": "Bristol", "postcode": "BS1 1AA"}})
        with counter.counting() as calls:
            booked = online.book(online.CUSTOMER, request, NOW)
            manage.booking_answer(booked.order, booked.setup)
        result["booking"] = sum(calls.values())
        result["booking_calls"] = dict(calls)
        tech = Principal(booked.order.technician_id, "technician", ("technician",))
        with counter.counting() as calls:
            day.technician_jobs(tech, {"date": "2026-12-02"})
        result["technician_day"] = sum(calls.values())
        result["technician_day_calls"] = dict(calls)
        with counter.counting() as calls:
            service.transition(tech, booked.order.order_id, {"to": "en_route", "expected_version": int(booked.order.version)}, NOW)
        result["transition"] = sum(calls.values())
        result["transition_calls"] = dict(calls)
        result.update(_invoice_creation(booked.order.order_id, counter))
    reset_caches()
    return result


def _invoice_creation(order_id: str, counter: CallCounter) -> dict:
    """One `create_invoice` for a completed order with two line items: issue (BatchGetItem of the
    order, the invoice, the settings and the year's counter; TransactWriteItems), PDF stored,
    send claimed and recorded (UpdateItem x3), the order moved (GetItem, PutItem)."""
    from chalicelib.invoicing import lifecycle
    from chalicelib.data.models import LineItem, OrderModel

    order = OrderModel.get(order_id)
    order.line_items = [LineItem(item_id=f"LI-{i}", description="Casement window", quantity=2, unit_price_cents=42000,
                                 added_by="bench", added_at=NOW) for i in range(2)]
    order.step = "completed"
    order.save()
    with counter.counting() as calls:
        lifecycle.create_invoice(order_id, NOW)
    return {"invoice_creation": sum(calls.values()), "invoice_creation_calls": dict(calls)}


def measure() -> dict:
    from infra import moto_atomic
    from tests.support import speedups

    speedups.install()
    moto_atomic.install()
    counter = CallCounter()
    counter.install()
    by_n = {n: measure_for(n, counter) for n in (3, 10, 30)}
    return {
        "dynamodb_calls": {
            "availability_day": {f"technicians_{n}": r["availability_day"] for n, r in by_n.items()},
            "availability_week": {f"technicians_{n}": r["availability_week"] for n, r in by_n.items()},
            "booking": {f"technicians_{n}": r["booking"] for n, r in by_n.items()},
            "booking_detail": by_n[3]["booking_calls"],
            "transition": by_n[3]["transition"],
            "transition_detail": by_n[3]["transition_calls"],
            "technician_day": {f"technicians_{n}": r["technician_day"] for n, r in by_n.items()},
            "technician_day_detail": by_n[3]["technician_day_calls"],
            "invoice_creation": by_n[3]["invoice_creation"],
            "invoice_creation_detail": by_n[3]["invoice_creation_calls"],
        }
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
