"""`GET /customers?q=` with 100 and with 10,000 customers: DynamoDB calls and latency per kind of
search (phone, email, name prefix, postcode, order id), against in-process moto.

The customers and their search keys are written as the app writes them (`records.key_items` of
each record, in batches), plus one customer made the ordinary way, by a phone intake, whose order
the order-id search looks for. moto answers a Query from the partition asked for only
(bench/moto_partitions.py), as DynamoDB does, so latency measures the code, not moto's Scan.
"""
import json
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import use_in_process_moto  # noqa: E402

use_in_process_moto()

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
SIZES = (100, 10_000)
RUNS = 30
FIRST = ["Ada", "Ben", "Chloe", "Dev", "Emma", "Finn", "Grace", "Harry", "Isla", "Jo", "Kai", "Lily", "Mo", "Nia",
         "Omar", "Priya", "Rhys", "Sofia", "Tom", "Uma", "Vik", "Will", "Yara", "Zac"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright", "Evans",
        "Thomas", "Roberts", "Walker", "Green", "Hall", "Wood", "Hughes", "Clarke", "Osei", "Moreno", "Fischer"]
POSTCODES = [f"BS{d} {n}{a}{b}" for d in range(1, 17) for n in range(1, 10) for a in "AB" for b in "DE"]


def _customers(count: int, rng: random.Random) -> None:
    from chalicelib.customers import records
    from chalicelib.data.customers import CustomerKeyModel, CustomerModel

    with CustomerModel.batch_write() as customers, CustomerKeyModel.batch_write() as keys:
        for i in range(count):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            contact = records.Contact(name, f"person{i}@example.net", f"+4477009{i:05d}")
            address = {"street": f"{i % 300 + 1} {rng.choice(LAST)} Road", "city": "Bristol", "postcode": rng.choice(POSTCODES)}
            record = records.new_record(contact, address, NOW, "web")
            record.orders_count = rng.randint(1, 4)
            customers.save(record)
            for item in records.key_items(record):
                keys.save(item)


def _searched_order() -> str:
    """A customer made the ordinary way: a phone intake (finds or creates, then the order)."""
    from chalicelib.orders import intake, service
    from chalicelib.staff.auth import Principal

    dispatcher = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
    order = service.create(dispatcher, intake.Intake(
        {"name": "Margaret Holloway", "email": "Margaret.Holloway@Example.net", "phone": "+44 117 496 0123"},
        {"street": "7 Orchard Lane", "city": "Bristol", "postcode": "BS6 5AB"}, service_name="Glazing repair"), NOW)
    return order.order_id


def measure_for(count: int, counter) -> dict:
    from moto import mock_aws

    from chalicelib.customers import search
    from tests.support.world import reset_caches

    with mock_aws():
        reset_caches()
        from infra import bootstrap, demo_data

        bootstrap.create_all()
        demo_data.load_staff_and_setup(NOW)
        started = time.perf_counter()
        _customers(count, random.Random(count))
        load_seconds = time.perf_counter() - started
        order_id = _searched_order()
        queries = {"phone": "0117 496 0123", "email": "MARGARET.HOLLOWAY@example.net", "name_prefix": "margaret h",
                   "name_prefix_common": "jo", "postcode": "BS6 5AB", "order_id": order_id.lower()}
        result = {"customers": count + 1, "load_seconds": round(load_seconds, 1)}
        for kind, q in queries.items():
            with counter.counting() as calls:
                answer = search.search({"q": q})
            assert answer["customers"], (kind, q)
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                search.search({"q": q})
                times.append((time.perf_counter() - t0) * 1000)
            result[kind] = {"dynamodb_calls": sum(calls.values()), "calls": dict(calls), "found": len(answer["customers"]),
                            "median_ms": round(statistics.median(times), 2)}
    reset_caches()
    return result


def measure() -> dict:
    from bench import moto_partitions
    from bench.dynamodb_calls import CallCounter
    from infra import moto_atomic
    from tests.support import speedups

    speedups.install()
    moto_atomic.install()
    moto_partitions.install()
    moto_partitions.enabled = True
    counter = CallCounter()
    counter.install()
    try:
        by_size = {f"customers_{n}": measure_for(n, counter) for n in SIZES}
    finally:
        moto_partitions.enabled = False
    largest = by_size[f"customers_{SIZES[-1]}"]
    kinds = [k for k in largest if isinstance(largest[k], dict)]
    return {"customer_search": {
        "max_dynamodb_calls": max(r[k]["dynamodb_calls"] for r in by_size.values() for k in kinds),
        **by_size,
    }}


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
