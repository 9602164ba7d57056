"""What binds an Idempotency-Key (chalicelib/data/request_keys.py): the route, the caller and the
body's hash; the record keeps the first answer. Pure: no record is read or written here."""
import json
import os
from datetime import datetime, timezone

from chalicelib.data import request_keys
from chalicelib.data.request_keys import Answer

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def bound(body, key="device-action-0001", method="POST", path="/orders/{order_id}/notes", order_id="WO-1", caller="tech-1"):
    raw = json.dumps(body) if not isinstance(body, (bytes, str)) else body
    return request_keys.bind(key, method, path, {"order_id": order_id}, caller, raw)


def test_the_same_body_in_another_key_order_or_spacing_is_the_same_request():
    a = bound('{"text": "Gate code 4411", "expected_version": 3}')
    b = bound(b'{"expected_version":3,"text":"Gate code 4411"}')
    assert a == b


def test_a_different_body_route_or_caller_is_a_different_binding():
    first = bound({"text": "Gate code 4411"})
    assert bound({"text": "Gate code 4412"}).fingerprint != first.fingerprint
    assert bound({"text": "Gate code 4411"}, order_id="WO-2").route != first.route
    assert bound({"text": "Gate code 4411"}, path="/orders/{order_id}/line-items").route == "POST /orders/WO-1/line-items"
    assert bound({"text": "Gate code 4411"}, caller="dispatcher-1").caller != first.caller
    # the record is found by the key alone, so each of these meets the first one's record
    assert len({bound({"text": "x"}, order_id=o, caller=c).record_id for o in ("WO-1", "WO-2") for c in ("a", "b")}) == 1


def test_a_body_that_is_not_json_is_hashed_as_it_came():
    assert bound("not json").fingerprint != bound("not  json").fingerprint
    assert bound(b"").fingerprint == bound("").fingerprint == request_keys.fingerprint(None)


def test_the_record_keeps_the_first_answer_compressed_and_expires_after_thirty_days():
    key = bound({"text": "Gate code 4411"})
    body = {"order_id": "WO-1", "notes": [{"text": "Gate code 4411 " * 200}]}
    record = request_keys.record(key, Answer(201, body), NOW)
    assert (record.route, record.caller, record.fingerprint, record.answer_status) == (key.route, key.caller, key.fingerprint, 201)
    assert len(record.answer) < len(json.dumps(body)) / 10  # repetitive JSON packs well
    assert record.expiration == int((NOW + request_keys.KEPT).timestamp())


def test_an_answer_too_large_to_keep_is_recorded_without_its_body():
    key = bound({"text": "x"})
    noise = os.urandom(request_keys.MAX_STORED_ANSWER).hex()  # does not compress below the cap
    record = request_keys.record(key, Answer(201, {"blob": noise}), NOW)
    assert record.answer is None and record.answer_status == 201


def test_reuse_says_why_without_telling_another_caller_what_the_key_did():
    first = request_keys.record(bound({"text": "x"}), Answer(201, {}), NOW)
    other_body = request_keys.reused(bound({"text": "y"}), first)
    other_caller = request_keys.reused(bound({"text": "x"}, caller="tech-2"), first)
    assert other_body.code == other_caller.code == "idempotency_key_reused" and other_body.status == 422
    assert other_body.details == [{"field": "Idempotency-Key", "message": "was already used with a different request body"}]
    assert other_caller.details == [{"field": "Idempotency-Key", "message": "was already used for another request"}]
