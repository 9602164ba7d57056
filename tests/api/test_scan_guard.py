"""The Scan guard (tests/support/world.py): every read goes through a key or an index. The guard must
trip on a deliberate scan, however it is made, and stay quiet through a whole working day."""
import boto3
import pytest

from chalicelib.core import settings
from chalicelib.data.models import OrderModel, StaffModel
from infra.demo_data import PROCESS_MAP
from tests.support.helpers import TINY_PNG, ScanForbidden, StreamReader


def test_the_guard_trips_on_a_deliberate_scan(world, scan_guard):
    with pytest.raises(ScanForbidden):
        list(OrderModel.scan())
    with pytest.raises(ScanForbidden):
        list(StaffModel.scan(segment=1, total_segments=4))  # a parallel scan is a Scan per segment
    with pytest.raises(ScanForbidden):
        boto3.client("dynamodb", region_name=settings.region()).scan(TableName=settings.WORKFLOW_TABLE)
    assert [(c["operation"], c["table"], c["segment"]) for c in scan_guard.calls] == [
        ("Scan", settings.ORDERS_TABLE, None),
        ("Scan", settings.STAFF_TABLE, 1),
        ("Scan", settings.WORKFLOW_TABLE, None),
    ]
    scan_guard.calls.clear()  # deliberate: the test has checked them


def test_a_scan_whose_error_is_swallowed_is_still_recorded(world, scan_guard):
    """Code that catches the error (a stream handler reporting a failed record, a view turning it
    into a 500) cannot hide the scan: the autouse fixture fails the test from the record."""
    try:
        list(OrderModel.scan(limit=1))
    except Exception:  # noqa: BLE001 - swallowed on purpose
        pass
    assert len(scan_guard.calls) == 1
    scan_guard.calls.clear()


def test_a_working_day_runs_without_a_scan(as_, new_order, client, scan_guard):
    stream = StreamReader()
    admin, office, tech = as_("admin"), as_("dispatcher"), as_("tech1")
    assert admin.get("/workflow").status == 200
    assert admin.put("/workflow", {**PROCESS_MAP, "note": "The demo map again"}).status == 201
    order = new_order(note="Side gate")
    oid = order["order_id"]
    for query in ("", "?step=requested", "?technician=tech-1", "?from=2026-11-30&to=2026-12-01", "?limit=1"):
        assert office.get(f"/orders{query}").status == 200
    order = office.post(f"/orders/{oid}/transitions", {"to": "scheduled", "expected_version": order["version"]}).json
    for step in ("en_route", "in_progress"):
        order = tech.post(f"/orders/{oid}/transitions", {"to": step, "expected_version": order["version"]}).json
    order = tech.post(f"/orders/{oid}/line-items", {"price_item_id": "glazing-unit", "quantity": 2}).json
    order = tech.post(f"/orders/{oid}/notes", {"text": "Replaced both units"}).json
    assert tech.get("/technician/jobs?date=2027-01-04").status == 200
    upload = tech.post(f"/orders/{oid}/photos/upload-url", {"content_type": "image/jpeg", "size_bytes": 2048})
    assert upload.status == 201, upload
    order = tech.post(f"/orders/{oid}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"}).json
    order = tech.post(f"/orders/{oid}/transitions", {"to": "completed", "expected_version": order["version"]}).json
    for step in ("invoiced", "paid", "closed"):
        order = admin.post(f"/orders/{oid}/transitions", {"to": step, "expected_version": order["version"]}).json
    assert order["step"] == "closed"
    assert tech.get(f"/orders/{oid}").status == 200
    assert as_("tech2").get(f"/orders/{oid}").status == 404
    answer = client.lambda_.invoke("on_order_change", {"Records": stream.read()}).payload
    assert answer == {"batchItemFailures": []}
    assert scan_guard.calls == []
