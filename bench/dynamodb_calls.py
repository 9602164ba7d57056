"""DynamoDB round trips per operation, counted at botocore's single entry point while the
operation runs against in-process moto with the demo business (and N technicians)."""
import collections
import json
import os
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled", "APP_STAGE": "bench", "POWERTOOLS_METRICS_DISABLED": "true",
})
os.environ.pop("AWS_ENDPOINT_URL", None)

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
    from chalicelib import business, staff

    bootstrap.create_all()
    demo_data.load_staff_and_setup(NOW)
    for i in range(4, technicians + 1):
        user_id = f"tech-{i}"
        staff.StaffModel(user_id, email=f"tech{i}@example.com", name=f"Technician {i}", role="technician").save()
        business.save_profile(user_id, demo_data.TECHNICIANS["tech-1"])


def measure_for(technicians: int, counter: CallCounter) -> dict:
    from moto import mock_aws

    from chalicelib import availability, booking, orders
    from chalicelib.auth import Principal
    from chalicelib.validation import parse_datetime
    from tests.conftest import reset_caches

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
        request = orders.Intake({"name": "Bench", "email": "bench@example.net", "phone": "+44 7700 900000"},
                                {"street": "1 Bench St", "city": "Bristol", "postcode": "BS1 1AA"},
                                service_id="survey", start=parse_datetime("2026-12-02T10:00:00+00:00"), confirm=True)
        with counter.counting() as calls:
            booked = booking.book(booking.CUSTOMER, request, NOW)
            booking.booking_answer(booked.order, booked.setup)
        result["booking"] = sum(calls.values())
        result["booking_calls"] = dict(calls)
        tech = Principal(booked.order.technician_id, "technician", ("technician",))
        with counter.counting() as calls:
            orders.transition(tech, booked.order.order_id, {"to": "en_route", "expected_version": int(booked.order.version)}, NOW)
        result["transition"] = sum(calls.values())
        result["transition_calls"] = dict(calls)
    reset_caches()
    return result


def measure() -> dict:
    from infra import moto_atomic
    from tests import speedups

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
        }
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
