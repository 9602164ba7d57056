"""One error shape for every failure, the field named where a field is wrong, listing pages and
filters, and no bad input ever answered with a 500."""
import base64
import json
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib.core import settings as app_settings

pytestmark = pytest.mark.shared_world


def assert_error(r, status: int, code: str | None = None) -> dict:
    assert r.status == status, r
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    assert set(r.json) == {"error"}, r.json
    error = r.json["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code, error
    return error


def fields_of(error) -> list[str]:
    return [d["field"] for d in error["details"]]


def intake(**overrides) -> dict:
    body = {
        "customer": {"name": "Ada Lovelace", "email": "ada@example.net"},
        "address": {"street": "1 Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"},
    }
    body.update(overrides)
    return body


# --- malformed bodies ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["{", '{"customer": }', "{'single': 'quotes'}", "\xff\xfe", "", "   ", "[" * 60_000])
def test_a_body_that_is_not_json_is_400(as_, raw):
    assert_error(as_("dispatcher").post("/orders", raw=raw), 400, "invalid_json")


@pytest.mark.parametrize("raw", ['[{"customer": {}}]', '"text"', "42", "true", "null"])
def test_a_json_body_that_is_not_an_object_is_400(as_, raw):
    assert_error(as_("dispatcher").post("/orders", raw=raw), 400, "invalid_json")


def test_a_body_over_64_kib_is_413(as_, new_order):
    big = json.dumps(intake(description="x" * (64 * 1024)))
    error = assert_error(as_("dispatcher").post("/orders", raw=big), 413, "payload_too_large")
    assert error["details"] == {"limit_bytes": 64 * 1024}
    order = new_order()
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/notes", raw=json.dumps({"text": "y" * 70_000}))
    assert_error(r, 413, "payload_too_large")


# --- field errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("body,fields", [
    ({}, ["customer", "address"]),
    (intake(customer={"name": "Ada"}), ["customer.email"]),
    (intake(customer={"name": "Ada", "email": "ada@"}), ["customer.email"]),
    (intake(customer={"name": "Ada", "phone": "call me"}), ["customer.phone"]),
    (intake(customer="Ada"), ["customer", "customer.name"]),
    (intake(address={"street": "1 Way", "city": "Bristol"}), ["address.postcode"]),
    (intake(appointment={"start": "2026-12-01T09:00:00+00:00"}), ["appointment.end"]),
    (intake(appointment={"start": "2026-12-01T09:00:00+00:00", "end": "2026-12-01T08:00:00+00:00"}), ["appointment.end"]),
    (intake(appointment={"start": "2026-12-01T09:00:00", "end": "2026-12-01T10:00:00"}), ["appointment.start", "appointment.end"]),
    (intake(appointment={"start": "tomorrow", "end": 5}), ["appointment.start", "appointment.end"]),
    (intake(technician_id="tech-99"), ["technician_id"]),
    (intake(technician_id="dispatcher-1"), ["technician_id"]),
    (intake(description=["not", "text"]), ["description"]),
], ids=lambda v: json.dumps(v)[:60] if isinstance(v, dict) else None)
def test_a_wrong_field_is_422_and_named(as_, body, fields):
    error = assert_error(as_("dispatcher").post("/orders", body), 422, "validation_failed")
    assert fields_of(error) == fields, error["details"]
    assert all(isinstance(d["message"], str) and d["message"] for d in error["details"])


@pytest.mark.parametrize("name", ["Ada\r\nBcc: x@evil.example", "Ada\x00", "Ada\tLovelace", "Ada\x1b[31m", "\x7f"])
def test_control_characters_in_a_name_are_422(as_, name):
    error = assert_error(as_("dispatcher").post("/orders", intake(customer={"name": name, "email": "ada@example.net"})), 422)
    assert fields_of(error) == ["customer.name"]


def test_a_description_may_span_lines_but_holds_no_other_control_characters(as_):
    assert as_("dispatcher").post("/orders", intake(description="Two windows.\r\nBack door.")).status == 201
    error = assert_error(as_("dispatcher").post("/orders", intake(description="bell\x07")), 422)
    assert fields_of(error) == ["description"]


@pytest.mark.parametrize("text", ["\ud800", "Ada \udfff Lovelace"])
def test_a_lone_surrogate_is_refused_not_stored(as_, text):
    raw = json.dumps(intake(customer={"name": text, "email": "ada@example.net"}))
    assert_error(as_("dispatcher").post("/orders", raw=raw), 400, "invalid_json")


# --- who and what ----------------------------------------------------------------------------

def test_an_unknown_order_is_404(as_):
    error = assert_error(as_("dispatcher").get("/orders/WO-NOSUCHORDER"), 404, "not_found")
    assert "WO-NOSUCHORDER" in error["message"]
    assert_error(as_("dispatcher").post("/orders/WO-NOSUCHORDER/notes", {"text": "hello"}), 404, "not_found")


def test_the_wrong_role_is_403(as_):
    assert_error(as_("tech1").post("/orders", intake()), 403, "forbidden")
    assert_error(as_("tech1").get("/orders"), 403, "forbidden")


def test_no_token_is_401(as_):
    assert_error(as_().get("/orders"), 401, "unauthorized")
    assert_error(as_().post("/orders", intake()), 401, "unauthorized")


@pytest.mark.parametrize("method,path", [("DELETE", "/orders"), ("PUT", "/orders/WO-1"), ("PUT", "/orders/WO-1/notes")])
def test_an_unsupported_method_is_405_in_the_same_shape(as_, method, path):
    r = as_("dispatcher").call(method, path, raw="{}")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers.get("Allow")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_wrong_content_type_is_415_in_the_same_shape(as_, content_type):
    r = as_("dispatcher").post("/orders", intake(), headers={"Content-Type": content_type})
    assert_error(r, 415, "unsupported_media_type")


# --- listing: cursors, page size, filters ------------------------------------------------------

@pytest.fixture
def no_orders(world):
    """The listing tests start from an empty orders table and empty calendars (the module shares
    one world). Found through the listing index and the technicians' keys: no Scan."""
    from chalicelib.data.models import CalendarDayModel, OrderModel

    for order in OrderModel.by_created.query(OrderModel.list_pk.default):
        order.delete()
    for technician in ("tech-1", "tech-2", "tech-3"):
        for day in CalendarDayModel.query(technician):
            day.delete()


def b64(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def page(as_, query="") -> dict:
    r = as_("dispatcher").get("/orders" + (f"?{query}" if query else ""))
    assert r.status == 200, r
    return r.json


BAD_CURSORS = {
    "not base64": "%%%",
    "not JSON": b64(b"\x00\x01not json"),
    "a list": b64(["order_id"]),
    "no order_id": b64({"created_at": {"S": "2026-11-30T08:00:00.000000+0000"}}),
    "values not typed": b64({"order_id": "WO-X", "list_pk": "ORDER", "created_at": "2026-11-30"}),
    "index keys missing": b64({"order_id": {"S": "WO-X"}}),
    "another partition": b64({"order_id": {"S": "WO-X"}, "list_pk": {"S": "OTHER"}, "created_at": {"S": "2026-11-30T08:00:00.000000+0000"}}),
    "a number type": b64({"order_id": {"N": "1"}, "list_pk": {"S": "ORDER"}, "created_at": {"S": "x"}}),
    "nested too deeply": b64(b"[" * 5000),
}


@pytest.mark.parametrize("cursor", list(BAD_CURSORS))
def test_a_bad_cursor_is_400(as_, new_order, cursor):
    new_order()
    error = assert_error(as_("dispatcher").get(f"/orders?cursor={BAD_CURSORS[cursor]}"), 400, "invalid_cursor")
    assert error["details"] == {"field": "cursor"}


def test_a_cursor_from_one_listing_is_refused_by_another(no_orders, as_, new_order, clock, monkeypatch):
    monkeypatch.setattr(app_settings, "ORDERS_PAGE_CAP", 1)
    for _ in range(2):
        clock.advance(minutes=1)
        new_order()
    by_step = page(as_, "step=requested")["next_cursor"]
    assert by_step
    assert_error(as_("dispatcher").get(f"/orders?cursor={by_step}"), 400, "invalid_cursor")
    assert_error(as_("dispatcher").get(f"/orders?step=scheduled&cursor={by_step}"), 400, "invalid_cursor")
    assert_error(as_("dispatcher").get(f"/orders?technician=tech-1&cursor={by_step}"), 400, "invalid_cursor")


def test_limit_is_capped_and_the_cursor_pages_through_every_order_once(no_orders, as_, new_order, clock, monkeypatch):
    monkeypatch.setattr(app_settings, "ORDERS_PAGE_CAP", 3)
    created = []
    for _ in range(7):
        clock.advance(minutes=3)
        created.append(new_order()["order_id"])
    seen, cursor, pages = [], None, 0
    while True:
        answer = page(as_, "limit=1000" + (f"&cursor={cursor}" if cursor else ""))
        pages += 1
        assert len(answer["orders"]) <= 3
        seen += [o["order_id"] for o in answer["orders"]]
        cursor = answer["next_cursor"]
        if not cursor:
            break
        assert pages < 10
    assert seen == list(reversed(created)), "newest first, each order once"


def test_the_default_page_is_the_cap(no_orders, as_, new_order, clock, monkeypatch):
    monkeypatch.setattr(app_settings, "ORDERS_PAGE_CAP", 2)
    for _ in range(3):
        clock.advance(minutes=1)
        new_order()
    assert len(page(as_)["orders"]) == 2
    assert len(page(as_, "limit=1")["orders"]) == 1


@pytest.mark.parametrize("query", ["step=requested", "technician=tech-1", "from=2026-11-30&to=2026-12-31"])
def test_the_cursor_pages_through_a_filtered_listing(no_orders, as_, new_order, clock, monkeypatch, query):
    monkeypatch.setattr(app_settings, "ORDERS_PAGE_CAP", 2)
    created = set()
    for day in range(1, 6):
        clock.advance(minutes=1)
        slot = {"start": f"2026-12-0{day}T09:00:00+00:00", "end": f"2026-12-0{day}T10:00:00+00:00"}
        created.add(new_order(appointment=slot)["order_id"])
    seen, cursor = [], None
    for _ in range(10):
        answer = page(as_, query + (f"&cursor={cursor}" if cursor else ""))
        assert len(answer["orders"]) <= 2
        seen += [o["order_id"] for o in answer["orders"]]
        cursor = answer["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(created) and len(seen) == len(set(seen))


@pytest.mark.parametrize("query,field", [("limit=ten", "limit"), ("from=yesterday", "from"), ("to=2026-13-01", "to"),
                                         ("from=2026-12-02&to=2026-12-01", "to")])
def test_bad_listing_parameters_are_422(as_, query, field):
    error = assert_error(as_("dispatcher").get(f"/orders?{query}"), 422, "validation_failed")
    assert fields_of(error) == [field]


@pytest.fixture
def listing(no_orders, as_, new_order, clock):
    """Four orders: A (tech1, Tue 10:00, scheduled), B (tech2, Tue 13:00), C (tech1, Wed 09:00),
    D (no technician, no appointment)."""

    def appt(day, hour):
        start = f"2026-12-0{day}T{hour:02d}:00:00+00:00"
        return {"start": start, "end": f"2026-12-0{day}T{hour + 1:02d}:00:00+00:00"}

    made = {}
    for name, tech, appointment in [("A", "tech-1", appt(1, 10)), ("B", "tech-2", appt(1, 13)),
                                    ("C", "tech-1", appt(2, 9)), ("D", None, None)]:
        clock.advance(minutes=1)
        made[name] = new_order(technician_id=tech, appointment=appointment)
    clock.advance(minutes=1)
    a = made["A"]
    r = as_("dispatcher").post(f"/orders/{a['order_id']}/transitions", {"to": "scheduled", "expected_version": a["version"]})
    assert r.status == 200, r
    return {name: o["order_id"] for name, o in made.items()}


@pytest.mark.parametrize("query,expected", [
    ("", ["D", "C", "B", "A"]),
    ("step=scheduled", ["A"]),
    ("step=requested", ["D", "C", "B"]),
    ("step=paid", []),
    ("technician=tech-1", ["A", "C"]),
    ("technician=tech-2", ["B"]),
    ("technician=tech-3", []),
    ("technician=tech-1&step=scheduled", ["A"]),
    ("technician=tech-1&from=2026-12-02", ["C"]),
    ("from=2026-12-01&to=2026-12-01T23:59:59Z", ["A", "B"]),
    ("from=2026-12-01T12:00:00Z", ["B", "C"]),
    ("to=2026-12-01T12:00:00Z", ["A"]),
    ("step=requested&from=2026-12-02", ["C"]),
])
def test_filters_return_the_right_orders(as_, listing, query, expected):
    """Unfiltered: newest first; by step: latest into the step first; by technician or time:
    by appointment."""
    got = [o["order_id"] for o in page(as_, query)["orders"]]
    assert got == [listing[name] for name in expected]


# --- no bad input gives a 500 ------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
DATES = st.sampled_from(["2026-12-01T09:00:00+00:00", "2026-12-01T09:00:00Z", "2026-12-01", "", "9am"]) | st.text(max_size=25)


def shaped(keys: dict) -> st.SearchStrategy:
    """Objects with the field names the API reads, holding anything (sometimes the right kind)."""
    return st.fixed_dictionaries({}, optional={k: v | JSON for k, v in keys.items()})


INTAKE = shaped({
    "customer": shaped({"name": st.text(max_size=130), "email": st.emails() | st.text(max_size=20), "phone": st.text(max_size=30)}),
    "address": shaped({"street": st.text(max_size=20), "city": st.text(max_size=20), "postcode": st.text(max_size=20)}),
    "appointment": shaped({"start": DATES, "end": DATES}),
    "technician_id": st.sampled_from(["tech-1", "tech-2", "admin-1", "nobody"]) | st.text(max_size=70),
    "description": st.text(max_size=50), "note": st.text(max_size=50), "service_id": st.text(max_size=70),
})
MOVE = shaped({
    "to": st.sampled_from(["scheduled", "on_hold", "cancelled", "paid", ""]) | st.text(max_size=50),
    "expected_version": st.integers(min_value=-2, max_value=5) | st.integers(),
    "note": st.text(max_size=1100),
})
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(body=INTAKE | JSON)
def test_no_intake_body_gives_a_500(as_, body):
    r = as_("dispatcher").post("/orders", raw=json.dumps(body))
    assert r.status < 500, (body, r)
    assert r.status == 201 or r.json["error"]["code"]


@pytest.fixture
def an_order(new_order):
    """One order for all of a test's examples (function-scoped fixtures run once per test)."""
    return new_order()["order_id"]


@FUZZ
@given(body=MOVE | JSON)
def test_no_move_body_gives_a_500(as_, an_order, body):
    order_id = an_order
    for who in ("dispatcher", "tech1"):
        r = as_(who).post(f"/orders/{order_id}/transitions", raw=json.dumps(body))
        assert r.status < 500, (who, body, r)


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["step", "technician", "from", "to", "limit", "cursor"]), st.text(max_size=40), max_size=4))
def test_no_listing_query_gives_a_500(as_, query):
    from urllib.parse import urlencode

    r = as_("dispatcher").get("/orders?" + urlencode(query))
    assert r.status < 500, (query, r)
