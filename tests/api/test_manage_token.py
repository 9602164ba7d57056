"""The customer's manage link (`booking.manage.load_with_token`, behind GET /public/bookings/{id},
its reschedule and its cancel): a wrong token takes the same path whether the order exists or
not. The same single DynamoDB read, one constant-time comparison (`hmac.compare_digest`, against a
stand-in token of a real token's length when there is no order or no token), the same 404. The
path is asserted, not the time (speed goals belong in bench/)."""
import hmac

import botocore.client
import pytest

CUSTOMER = {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111"}
ADDRESS = {"street": "1 High St", "city": "Bristol", "postcode": "BS1 1AA"}
WEDNESDAY = "2026-12-02"


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(monkeypatch):
    """Bookings here come from one address, at once after the form is shown: the booking limits
    have their own tests."""
    for variable in ("BOOKINGS_PER_CONTACT", "BOOKINGS_PER_ADDRESS", "AVAILABILITY_PER_ADDRESS", "FORM_MIN_SECONDS"):
        monkeypatch.setenv(variable, "0")
    monkeypatch.setenv("FORM_TOKEN_MAX_AGE_SECONDS", str(10 * 365 * 86400))


def book(as_, start=f"{WEDNESDAY}T10:00:00+00:00"):
    public = as_()
    form = public.get("/public/services").json  # the booking form's token comes with the services
    r = public.post("/public/bookings", {"service_id": "survey", "start": start, "customer": dict(CUSTOMER),
                                         "address": dict(ADDRESS), "form_token": form.get("form_token")})
    assert r.status == 201, r
    return r.json["order_id"], r.json["manage_url"].split("token=")[1]


@pytest.fixture
def watch(monkeypatch):
    """Records every AWS call and every `hmac.compare_digest` (with the lengths it compared)."""
    calls, compared = [], []
    real_call, real_compare = botocore.client.BaseClient._make_api_call, hmac.compare_digest

    def call(client, operation, params):
        calls.append((client.meta.service_model.service_name, operation, params.get("TableName"), params.get("ConsistentRead")))
        return real_call(client, operation, params)

    def compare(a, b):
        compared.append((len(a), len(b)))
        return real_compare(a, b)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    monkeypatch.setattr(hmac, "compare_digest", compare)

    class Watch:
        def clear(self):
            calls.clear()
            compared.clear()

        @property
        def reads(self):
            return list(calls)

        @property
        def comparisons(self):
            return list(compared)

    return Watch()


def refusal(public, method, path):
    r = public.call(method, path, body={"start": f"{WEDNESDAY}T14:00:00+00:00"} if method == "POST" else None)
    return r.status, r.json


def attempts(order_id, other_id, token, wrong):
    """(what, order id, query): a wrong token for a real order, and links to orders that do not exist."""
    return [
        ("wrong token", order_id, f"?token={wrong}"),
        ("real token of another order", other_id, f"?token={token}"),
        ("unknown order", "WO-ZZZZZZZZZZ", f"?token={token}"),
        ("unknown order, wrong token", "WO-ZZZZZZZZZZ", f"?token={wrong}"),
        ("no token", order_id, ""),
        ("empty token", order_id, "?token="),
        ("over-long token", order_id, f"?token={'a' * 300}"),
        ("over-long order id", "W" * 300, f"?token={token}"),
    ]


@pytest.mark.parametrize("method, suffix", [("GET", ""), ("POST", "/reschedule"), ("POST", "/cancel")])
def test_every_wrong_link_costs_one_read_and_one_comparison_and_gets_the_same_404(as_, watch, method, suffix):
    # Given two bookings, each with its manage token
    order_id, token = book(as_)
    other_id, _ = book(as_, f"{WEDNESDAY}T11:00:00+00:00")
    wrong = token[:-1] + ("x" if token[-1] != "x" else "y")
    public = as_()
    answers = set()
    for what, order_part, query in attempts(order_id, other_id, token, wrong):
        watch.clear()
        # When the link is wrong in any way
        status, body = refusal(public, method, f"/public/bookings/{order_part}{suffix}{query}")
        # Then the answer is the one 404, reached by one consistent GetItem of the orders table and
        # one comparison against a token of a real token's length, whether the order exists or not
        assert status == 404, (what, status, body)
        answers.add(repr(body))
        assert [(service, operation, consistent) for service, operation, _, consistent in watch.reads] == [
            ("dynamodb", "GetItem", True)], (what, watch.reads)
        [(expected_length, _)] = watch.comparisons
        assert expected_length == len(token), (what, watch.comparisons)
    assert answers == {repr({"error": {"code": "not_found", "message": "No booking matches this link.", "details": None}})}


def test_an_order_without_a_manage_token_is_compared_against_the_stand_in(as_, new_order, watch):
    # Given an order phoned in without a time: it has no manage link at all
    order = new_order(appointment=None)
    watch.clear()
    # When someone guesses a token for it
    r = as_().get(f"/public/bookings/{order['order_id']}?token={'a' * 43}")
    # Then it is the same path as for a wrong token: one read, one comparison, 404
    assert r.status == 404
    assert [op for _, op, _, _ in watch.reads] == ["GetItem"] and len(watch.comparisons) == 1


def test_the_right_token_still_opens_the_booking_with_one_comparison(as_, watch):
    order_id, token = book(as_)
    watch.clear()
    r = as_().get(f"/public/bookings/{order_id}?token={token}")
    assert r.status == 200 and r.json["order_id"] == order_id, r
    assert watch.comparisons == [(len(token), len(token))]
    assert watch.reads[0][:2] == ("dynamodb", "GetItem")


def test_the_stand_in_token_is_never_a_way_in(as_):
    """Comparing against the stand-in can only fail: an order without a token is never opened,
    even by the stand-in itself."""
    from chalicelib.booking import manage
    from chalicelib.core import link_tokens
    from chalicelib.core.errors import NotFound
    from chalicelib.data.models import OrderModel

    order_id, _ = book(as_)
    stored = OrderModel.get(order_id)
    stored.manage_token = None
    stored.save()
    with pytest.raises(NotFound):
        manage.load_with_token(order_id, link_tokens._STAND_IN.decode())
    with pytest.raises(NotFound):
        manage.load_with_token("WO-ZZZZZZZZZZ", link_tokens._STAND_IN.decode())
