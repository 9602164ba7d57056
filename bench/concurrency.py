"""Correctness under concurrency, measured in-process against moto with DynamoDB's atomic
requests (infra.moto_atomic): threads released together by a barrier.

- One slot, many customers: 50 concurrent online bookings of the same survey slot while three
  technicians are free. Counted: bookings made, 409 `slot_taken` answers, anything else, and
  overlapping occupied time found afterwards on the technicians' calendars.
- Invoice numbers under concurrent completion: N completed orders invoiced at the same moment
  (the `create_invoice` automation, as N stream deliveries would run it). Counted: invoices
  issued, and gaps and repeats in the year's number series.
"""
import importlib.util
import json
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import use_in_process_moto  # noqa: E402

use_in_process_moto()

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
SLOT = "2026-12-02T10:00:00+00:00"  # a Wednesday, inside everyone's working hours
BOOKERS, INVOICES = 50, 20


def _together(count: int, work) -> tuple[list, float]:
    """Run `work(i)` in `count` threads released at once; (results or exceptions, seconds)."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - counted, not hidden
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def _overlaps() -> int:
    from chalicelib.data.models import CalendarDayModel

    found = 0
    for tech in ("tech-1", "tech-2", "tech-3"):
        for day in CalendarDayModel.query(tech):
            jobs = sorted(day.appointments, key=lambda a: a["start"])
            found += sum(1 for i, a in enumerate(jobs) for b in jobs[i + 1:] if b["start"] < a["blocked_until"])
    return found


def one_slot(bookers: int = BOOKERS) -> dict:
    from chalicelib.booking import online
    from chalicelib.core.errors import Conflict

    def book(i):
        request = online.parse_public({
            "service_id": "survey", "start": SLOT,
            "customer": {"name": f"Customer {i}", "email": f"c{i}@example.net", "phone": "+44 7700 900000"},
            "address": {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"}})
        try:
            return online.book(online.CUSTOMER, request, NOW).order.technician_id
        except Conflict as exc:
            return exc.code

    results, seconds = _together(bookers, book)
    booked = [r for r in results if isinstance(r, str) and r.startswith("tech-")]
    return {
        "concurrent_bookings": bookers, "free_technicians": 3,
        "booked": len(booked), "technicians_booked": len(set(booked)),
        "refused_409": sum(1 for r in results if r == "slot_taken"),
        "other_answers": sorted({repr(r) for r in results if r not in booked and r != "slot_taken"}),
        "overlaps_found": _overlaps(), "seconds": round(seconds, 2),
    }


def _completed_orders(count: int) -> list[str]:
    from chalicelib.orders import intake, service
    from chalicelib.staff.auth import Principal
    from chalicelib.data.models import LineItem, OrderModel

    office = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
    ids = []
    for i in range(count):
        order = service.create(office, intake.Intake(
            {"name": f"Customer {i}", "email": f"c{i}@example.net", "phone": None},
            {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"}, service_name="Glazing repair"), NOW)
        stored = OrderModel.get(order.order_id)
        stored.line_items = [LineItem(item_id="LI-1", description="Glazing unit", quantity=1, unit_price_cents=16500,
                                      added_by="bench", added_at=NOW)]
        stored.step = "completed"  # the setup, not what is measured: the moves are tested elsewhere
        stored.save()
        ids.append(order.order_id)
    return ids


def invoice_numbers(count: int = INVOICES) -> dict:
    from chalicelib.invoicing import lifecycle, numbering
    from chalicelib.data.models import InvoiceModel

    order_ids = _completed_orders(count)
    results, seconds = _together(count, lambda i: lifecycle.create_invoice(order_ids[i], NOW))
    numbers = []
    for order_id in order_ids:
        try:
            numbers.append(InvoiceModel.get(numbering.invoice_id_for(order_id), consistent_read=True).number)
        except InvoiceModel.DoesNotExist:
            pass
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    return {
        "concurrent_completions": count, "invoices_issued": len(numbers),
        "gaps": len(set(range(1, max(sequence, default=0) + 1)) - set(sequence)),
        "repeats": len(sequence) - len(set(sequence)),
        "first_last": [min(numbers, default=None), max(numbers, default=None)],
        "errors": sorted({repr(r) for r in results if isinstance(r, Exception)}), "seconds": round(seconds, 2),
    }


def measure() -> dict:
    from moto import mock_aws

    from infra import bootstrap, demo_data, moto_atomic
    from tests.support import speedups
    from tests.support.world import reset_caches

    speedups.install()
    moto_atomic.install()
    result = {}
    with mock_aws():
        reset_caches()
        bootstrap.create_all()
        demo_data.load_staff_and_setup(NOW)
        result["concurrent_booking"] = one_slot()
    reset_caches()
    if importlib.util.find_spec("chalicelib.invoicing") is not None:
        with mock_aws():
            reset_caches()
            bootstrap.create_all()
            demo_data.load_staff_and_setup(NOW)
            result["concurrent_invoice_numbers"] = invoice_numbers()
        reset_caches()
    return result


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
