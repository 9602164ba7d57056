"""What technicians record in the field: the day's jobs, idempotent actions, photos, signature."""
import base64

import pytest
import requests

from tests.support.helpers import TINY_PNG


@pytest.fixture
def job(as_, new_order):
    """tech1's order, scheduled and on the way: ready for field work."""
    order = new_order()
    office = as_("dispatcher")
    order = office.post(f"/orders/{order['order_id']}/transitions", {"to": "scheduled", "expected_version": order["version"]}).json
    r = as_("tech1").post(f"/orders/{order['order_id']}/transitions", {"to": "en_route", "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


def key(n):
    return {"Idempotency-Key": f"device-action-{n:04d}"}


# --- the day's jobs ---------------------------------------------------------------------------

def test_my_day_lists_my_jobs_in_appointment_order_in_local_time(as_, clock):
    dispatcher = as_("dispatcher")
    base = {"customer": {"name": "Jo", "phone": "+44 7700 900111"}, "address": {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"},
            "technician_id": "tech-1", "service_id": "survey"}
    late = dispatcher.post("/orders", {**base, "start": "2026-12-02T14:00:00+00:00"}).json
    early = dispatcher.post("/orders", {**base, "start": "2026-12-02T09:00:00+00:00"}).json
    other = dispatcher.post("/orders", {**base, "technician_id": "tech-2", "start": "2026-12-02T09:00:00+00:00"}).json
    r = as_("tech1").get("/technician/jobs?date=2026-12-02")
    assert r.status == 200, r
    jobs = r.json["jobs"]
    assert [j["order_id"] for j in jobs] == [early["order_id"], late["order_id"]]
    assert other["order_id"] not in r.text
    assert jobs[0]["appointment"]["start"] == "2026-12-02T09:00:00+00:00" and r.json["timezone"] == "Europe/London"
    assert jobs[0]["maps_url"].startswith("https://www.google.com/maps/search/?api=1&query=1+High+St")
    assert jobs[0]["step_label"] == "Scheduled" and jobs[0]["customer"] == {"name": "Jo", "phone": "+44 7700 900111"}
    # the job itself gives the same directions (the app opens a job without the day's list too)
    assert as_("tech1").get(f"/orders/{early['order_id']}").json["maps_url"] == jobs[0]["maps_url"]


def test_my_day_defaults_to_today_and_hides_cancelled_jobs(as_, clock):
    dispatcher = as_("dispatcher")
    booked = dispatcher.post("/orders", {"customer": {"name": "Jo", "phone": "+44 7700 900111"},
                                         "address": {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"},
                                         "service_id": "survey", "technician_id": "tech-1",
                                         "start": "2026-11-30T13:00:00+00:00"}).json
    assert [j["order_id"] for j in as_("tech1").get("/technician/jobs").json["jobs"]] == [booked["order_id"]]
    dispatcher.post(f"/orders/{booked['order_id']}/transitions", {"to": "cancelled", "expected_version": booked["version"]})
    assert as_("tech1").get("/technician/jobs").json["jobs"] == []


def test_the_office_names_the_technician_and_a_technician_sees_only_their_own_day(as_):
    assert as_("dispatcher").get("/technician/jobs?technician=tech-2&date=2026-12-02").status == 200
    assert as_("dispatcher").get("/technician/jobs").status == 422
    assert as_("tech1").get("/technician/jobs?technician=tech-2").status == 404
    assert as_("tech1").get("/technician/jobs?date=tomorrow").status == 422


def test_the_job_view_offers_the_moves_the_reader_may_make(as_, job):
    view = as_("tech1").get(f"/orders/{job['order_id']}").json
    assert [s["key"] for s in view["next_steps"]] == ["in_progress", "on_hold"]
    office = as_("dispatcher").get(f"/orders/{job['order_id']}").json
    assert [s["key"] for s in office["next_steps"]] == ["in_progress", "scheduled", "on_hold", "cancelled"]


# --- idempotent replays -----------------------------------------------------------------------

def test_a_replayed_move_changes_nothing_even_after_the_order_moved_on(as_, job):
    tech = as_("tech1")
    body = {"to": "in_progress", "expected_version": job["version"]}
    first = tech.post(f"/orders/{job['order_id']}/transitions", body, headers=key(1))
    again = tech.post(f"/orders/{job['order_id']}/transitions", body, headers=key(1))
    assert first.status == again.status == 200
    assert again.json["version"] == first.json["version"]
    tech.post(f"/orders/{job['order_id']}/notes", {"text": "later change"})
    late = tech.post(f"/orders/{job['order_id']}/transitions", body, headers=key(1))
    assert late.status == 200 and late.json["step"] == "in_progress"
    history = as_("dispatcher").get(f"/orders/{job['order_id']}").json["history"]
    assert [h["to"] for h in history].count("in_progress") == 1


def test_a_new_key_with_a_stale_version_is_a_conflict(as_, job):
    tech = as_("tech1")
    tech.post(f"/orders/{job['order_id']}/notes", {"text": "office and phone both busy"})
    r = tech.post(f"/orders/{job['order_id']}/transitions", {"to": "in_progress", "expected_version": job["version"]}, headers=key(2))
    assert r.status == 409 and r.json["error"]["details"]["current_version"] == job["version"] + 1


@pytest.mark.parametrize("path, body, field", [
    ("notes", {"text": "Customer asked for a call"}, "notes"),
    ("line-items", {"price_item_id": "labour-hour", "quantity": 2}, "line_items"),
    ("signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"}, "signature"),
])
def test_replaying_an_action_adds_it_once(as_, job, path, body, field):
    tech = as_("tech1")
    answers = [tech.post(f"/orders/{job['order_id']}/{path}", body, headers=key(3)) for _ in range(3)]
    assert [a.status for a in answers] == [201, 201, 201]
    stored = as_("dispatcher").get(f"/orders/{job['order_id']}").json
    if field == "signature":
        assert stored["signature"]["signed_by"] == "Ada Lovelace"
        assert stored["version"] == job["version"] + 1
    else:
        assert len(stored[field]) == 1
    different = tech.post(f"/orders/{job['order_id']}/{path}", body, headers=key(4))
    assert different.status == 201
    if field != "signature":
        assert len(as_("dispatcher").get(f"/orders/{job['order_id']}").json[field]) == 2


def test_a_bad_idempotency_key_is_refused(as_, job):
    r = as_("tech1").post(f"/orders/{job['order_id']}/notes", {"text": "x"}, headers={"Idempotency-Key": "short"})
    assert r.status == 400 and r.json["error"]["code"] == "invalid_idempotency_key"


# --- photos -----------------------------------------------------------------------------------

def _upload(upload: dict, data: bytes, content_type: str):
    """What the phone does with the presigned POST (moto answers for S3 in-process)."""
    files = {"file": ("photo", data, content_type)}
    return requests.post(upload["url"], data=upload["fields"], files=files, timeout=10)


def test_a_photo_is_uploaded_to_s3_and_attached_once(as_, job):
    tech = as_("tech1")
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 2000
    r = tech.post(f"/orders/{job['order_id']}/photos/upload-url", {"content_type": "image/jpeg", "size_bytes": len(jpeg)}, headers=key(5))
    assert r.status == 201, r
    ticket = r.json
    assert ticket["upload"]["fields"]["Content-Type"] == "image/jpeg" and ticket["expires_in"] == 900
    again = tech.post(f"/orders/{job['order_id']}/photos/upload-url", {"content_type": "image/jpeg", "size_bytes": len(jpeg)}, headers=key(5))
    assert again.json["photo_id"] == ticket["photo_id"]
    early = tech.post(f"/orders/{job['order_id']}/photos", {"photo_id": ticket["photo_id"]})
    assert early.status == 422  # nothing uploaded yet
    assert _upload(ticket["upload"], jpeg, "image/jpeg").status_code in (200, 201, 204)
    for _ in range(2):
        attached = tech.post(f"/orders/{job['order_id']}/photos", {"photo_id": ticket["photo_id"]})
        assert attached.status == 201, attached
    photos = as_("dispatcher").get(f"/orders/{job['order_id']}").json["photos"]
    assert len(photos) == 1 and photos[0]["content_type"] == "image/jpeg" and photos[0]["size_bytes"] == len(jpeg)
    assert f"orders/{job['order_id']}/photos/{ticket['photo_id']}" in photos[0]["url"]
    assert requests.get(photos[0]["url"], timeout=10).content == jpeg


@pytest.mark.parametrize("body, field", [
    ({"content_type": "application/pdf", "size_bytes": 1000}, "content_type"),
    ({"content_type": "image/svg+xml", "size_bytes": 1000}, "content_type"),
    ({"content_type": "image/jpeg", "size_bytes": 10 * 1024 * 1024 + 1}, "size_bytes"),
    ({"content_type": "image/jpeg", "size_bytes": 0}, "size_bytes"),
    ({"content_type": "image/jpeg"}, "size_bytes"),
])
def test_the_upload_presign_refuses_non_images_and_oversize_files(as_, job, body, field):
    r = as_("tech1").post(f"/orders/{job['order_id']}/photos/upload-url", body)
    assert r.status == 422 and field in [d["field"] for d in r.json["error"]["details"]], r


def test_an_upload_that_is_not_an_image_is_not_attached(as_, job):
    """S3 enforces the presigned POST's conditions in the cloud (moto does not); the server
    checks the stored object again before attaching it."""
    r = as_("tech1").post(f"/orders/{job['order_id']}/photos/upload-url", {"content_type": "image/png", "size_bytes": 100})
    forged = {**r.json["upload"]["fields"], "Content-Type": "text/html"}
    _upload({**r.json["upload"], "fields": forged}, b"<script>alert(1)</script>", "text/html")
    refused = as_("tech1").post(f"/orders/{job['order_id']}/photos", {"photo_id": r.json["photo_id"]})
    assert refused.status == 422, refused
    assert as_("dispatcher").get(f"/orders/{job['order_id']}").json["photos"] == []


# --- the signature ----------------------------------------------------------------------------

@pytest.mark.parametrize("image", [
    "not base64!",
    base64.b64encode(b"GIF89a....").decode(),
    "data:image/jpeg;base64," + TINY_PNG,
    base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * (200 * 1024)).decode(),
])
def test_a_signature_must_be_a_small_png(as_, job, image):
    r = as_("tech1").post(f"/orders/{job['order_id']}/signature", {"image_png_base64": image, "signed_by": "Ada"})
    assert r.status in (413, 422), r


def test_a_signature_may_come_as_a_data_url(as_, job):
    r = as_("tech1").post(f"/orders/{job['order_id']}/signature", {"image_png_base64": "data:image/png;base64," + TINY_PNG, "signed_by": "Ada"})
    assert r.status == 201 and requests.get(r.json["signature"]["url"], timeout=10).content.startswith(b"\x89PNG")


# --- authorization ----------------------------------------------------------------------------

@pytest.mark.parametrize("path, body", [
    ("photos/upload-url", {"content_type": "image/jpeg", "size_bytes": 1000}),
    ("photos", {"photo_id": "P-ABCDEFGHJKLM"}),
    ("signature", {"image_png_base64": TINY_PNG, "signed_by": "Mallory"}),
    ("notes", {"text": "peek"}),
    ("line-items", {"price_item_id": "survey", "quantity": 1}),
    ("transitions", {"to": "in_progress", "expected_version": 3}),
])
def test_a_technician_cannot_act_on_another_technicians_order(as_, job, path, body):
    r = as_("tech2").post(f"/orders/{job['order_id']}/{path}", body)
    assert r.status == 404, r
    assert job["customer"]["name"] not in r.text


def test_a_technician_cannot_set_prices(as_, job):
    r = as_("tech1").post(f"/orders/{job['order_id']}/line-items", {"description": "Mates rates", "quantity": 1, "unit_price_cents": 1})
    assert r.status == 403


def test_nothing_can_be_added_to_a_closed_order(as_, new_order):
    order = new_order()
    office = as_("dispatcher")
    order = office.post(f"/orders/{order['order_id']}/transitions", {"to": "cancelled", "expected_version": order["version"]}).json
    r = office.post(f"/orders/{order['order_id']}/photos/upload-url", {"content_type": "image/jpeg", "size_bytes": 1000})
    assert r.status == 422 and r.json["error"]["code"] == "move_not_allowed"
