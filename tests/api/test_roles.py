"""Who may call what: the role matrix over every staff route of the app (read from the app, so a
new route cannot be missed), forged and broken tokens, technicians' view of other technicians'
orders, prices, and sign-in."""
import re

import pytest

import app as application
from infra.demo_data import PRICE_LIST
from tests.support.helpers import TokenForger

pytestmark = pytest.mark.shared_world

ROLE_OF = {"admin": "admin", "dispatcher": "dispatcher", "tech1": "technician"}


def _routes():
    for path, methods in sorted(application.app.routes.items()):
        for method, entry in sorted(methods.items()):
            yield path, method, entry.view_function


ROUTES = list(_routes())
STAFF_ROUTES = [(path, method, view.roles) for path, method, view in ROUTES if getattr(view, "roles", None)]


def route_id(route) -> str:
    return f"{route[1]} {route[0]}"


def test_every_route_declares_who_may_call_it():
    undeclared = [f"{m} {p}" for p, m, view in ROUTES if not isinstance(getattr(view, "roles", None), tuple)]
    assert not undeclared, "register routes with http.staff_route or http.public_route"
    open_to_anyone = {p for p, m, view in ROUTES if view.roles == ()}
    unexpected = {p for p in open_to_anyone if p not in ("/health", "/auth/login", "/auth/refresh") and not p.startswith("/public/")}
    assert not unexpected, "only sign-in, health and the public booking API are open to anyone"
    assert all(set(roles) <= {"admin", "dispatcher", "technician"} for _, _, roles in STAFF_ROUTES)


def test_the_staff_routes_include_the_work_order_core():
    names = {route_id(r) for r in STAFF_ROUTES}
    assert {
        "GET /workflow", "PUT /workflow", "GET /orders", "POST /orders", "GET /orders/{order_id}",
        "POST /orders/{order_id}/transitions", "POST /orders/{order_id}/notes", "POST /orders/{order_id}/line-items",
    } <= names


def fill(path: str, order_id: str) -> str:
    """A concrete URL: the order is tech1's, the technician is tech1, anything else a made-up id."""
    values = {"order_id": order_id, "technician_id": "tech-1"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "made-up-id"), path)


def call(api, method: str, url: str):
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    return api.call(method, url, raw=body)


@pytest.mark.parametrize("who", ["admin", "dispatcher", "tech1"])
@pytest.mark.parametrize("route", STAFF_ROUTES, ids=route_id)
def test_role_matrix(as_, new_order, route, who):
    path, method, roles = route
    order_id = new_order()["order_id"] if "{order_id}" in path else "WO-NONE"
    r = call(as_(who), method, fill(path, order_id))
    if ROLE_OF[who] in roles:
        assert r.status not in (401, 403), r
    else:
        assert r.status == 403, r
        assert r.json["error"]["code"] == "forbidden"


# --- tokens that must not get in -----------------------------------------------------------------

BAD_CREDENTIALS = {
    "no token": lambda f: None,
    "not a JWT": lambda f: "Bearer not-a-jwt",
    "basic scheme": lambda f: "Basic YWRtaW46YWRtaW4=",
    "signed with another key": lambda f: "Bearer " + f.other_key(),
    "alg none": lambda f: "Bearer " + f.unsigned(),
    "HS256 keyed with the public key": lambda f: "Bearer " + f.hs256_with_public_key(),
    "expired": lambda f: "Bearer " + f.pool_signed(exp=1_700_000_000, iat=1_699_990_000),
    "wrong audience": lambda f: "Bearer " + f.pool_signed(aud="some-other-app"),
    "wrong issuer": lambda f: "Bearer " + f.pool_signed(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"),
    "access token": lambda f: "Bearer " + f.pool_signed(token_use="access"),
    "no user": lambda f: "Bearer " + f.pool_signed(**{"cognito:username": None}),
    "unknown key id": lambda f: "Bearer " + f.pool_signed(headers={"kid": "rotated-away"}),
}


@pytest.mark.parametrize("credential", list(BAD_CREDENTIALS))
@pytest.mark.parametrize("route", STAFF_ROUTES, ids=route_id)
def test_a_bad_token_gets_401(client, route, credential):
    from tests.support.world import Api

    header = BAD_CREDENTIALS[credential](TokenForger.from_env())
    api = Api(client)
    path, method, _ = route
    r = api.call(method, fill(path, "WO-NONE"), raw="{}" if method in ("POST", "PUT") else None,
                 headers={"Authorization": header} if header else None)
    assert r.status == 401, r
    assert r.json["error"]["code"] == "unauthorized"


def test_the_genuine_looking_token_the_forgeries_are_built_from_is_accepted(client):
    """The forgeries above differ from a valid token only in what each one breaks."""
    from tests.support.world import Api

    r = Api(client, TokenForger.from_env().pool_signed(groups=("dispatcher",), **{"cognito:username": "dispatcher-1"})).get("/orders")
    assert r.status == 200, r


def test_a_valid_token_without_a_staff_role_gets_403(client):
    from tests.support.world import Api

    r = Api(client, TokenForger.from_env().pool_signed(groups=("customers",))).get("/workflow")
    assert r.status == 403, r


# --- technicians see only their own orders -----------------------------------------------------

def test_a_technician_cannot_see_or_touch_another_technicians_order(as_, new_order):
    theirs = new_order(technician_id="tech-2", customer={"name": "Grace Hopper", "email": "grace@example.net"},
                       address={"street": "99 Compiler Close", "city": "Bristol", "postcode": "BS2 9ZZ"})
    oid = theirs["order_id"]
    tech = as_("tech1")
    attempts = {
        "read": tech.get(f"/orders/{oid}"),
        "move": tech.post(f"/orders/{oid}/transitions", {"to": "on_hold", "expected_version": 1}),
        "note": tech.post(f"/orders/{oid}/notes", {"text": "peek"}),
        "line item": tech.post(f"/orders/{oid}/line-items", {"price_item_id": "survey", "quantity": 1}),
    }
    missing = tech.get("/orders/WO-DOESNOTEXIST")
    for what, r in attempts.items():
        assert r.status == 404, (what, r)
        assert r.json["error"] == {**missing.json["error"], "message": missing.json["error"]["message"].replace("WO-DOESNOTEXIST", oid)}
        for secret in ("Grace", "grace@example.net", "Compiler", "tech-2", '"step"', "requested"):
            assert secret not in r.text, (what, secret)
    after = as_("dispatcher").get(f"/orders/{oid}").json
    assert after == theirs


def test_a_technician_sees_their_own_order(as_, new_order):
    mine = new_order()
    r = as_("tech1").get(f"/orders/{mine['order_id']}")
    assert r.status == 200
    seen = dict(r.json)
    # The moves on offer are the reader's own: a technician may only put a requested order on hold.
    assert seen.pop("next_steps") == [{"key": "on_hold", "label": "On hold"}]
    assert seen == {k: v for k, v in mine.items() if k != "next_steps"}


# --- prices --------------------------------------------------------------------------------------

def test_a_technician_cannot_set_a_price(as_, new_order):
    order = new_order()
    r = as_("tech1").post(f"/orders/{order['order_id']}/line-items",
                          {"description": "Extra sealing", "quantity": 1, "unit_price_cents": 1})
    assert r.status == 403, r
    assert as_("dispatcher").get(f"/orders/{order['order_id']}").json["line_items"] == []


def test_a_technician_cannot_override_a_price_list_price(as_, new_order):
    order = new_order()
    r = as_("tech1").post(f"/orders/{order['order_id']}/line-items",
                          {"price_item_id": "window-sash", "quantity": 1, "unit_price_cents": 1})
    assert r.status in (403, 422), r
    assert as_("dispatcher").get(f"/orders/{order['order_id']}").json["line_items"] == []


@pytest.mark.parametrize("item_id,name,cents,unit", PRICE_LIST[:3])
def test_a_technician_adds_an_item_from_the_price_list(as_, new_order, item_id, name, cents, unit):
    order = new_order()
    r = as_("tech1").post(f"/orders/{order['order_id']}/line-items", {"price_item_id": item_id, "quantity": 3})
    assert r.status == 201, r
    [item] = r.json["line_items"]
    assert (item["price_item_id"], item["description"], item["unit_price_cents"], item["total_cents"], item["added_by"]) == (
        item_id, name, cents, 3 * cents, "tech-1")
    assert r.json["total_cents"] == 3 * cents


def test_the_office_may_add_a_free_text_item_with_a_price(as_, new_order):
    order = new_order()
    r = as_("dispatcher").post(f"/orders/{order['order_id']}/line-items",
                               {"description": "Scaffold hire", "quantity": 1, "unit_price_cents": 25000})
    assert r.status == 201, r
    assert r.json["line_items"][0]["unit_price_cents"] == 25000


# --- sign-in ---------------------------------------------------------------------------------

def test_sign_in_returns_an_id_token_and_the_profile(as_):
    r = as_().post("/auth/login", {"email": "Tech1@Example.com", "password": "Demo-Password-1"})
    assert r.status == 200, r
    assert r.json["user"] == {"id": "tech-1", "name": "Sam Fischer", "email": "tech1@example.com", "role": "technician"}
    assert r.json["id_token"].count(".") == 2
    assert r.json["refresh_token"]


def test_the_refresh_token_gets_a_new_id_token_that_works(as_):
    signed_in = as_().post("/auth/login", {"email": "tech1@example.com", "password": "Demo-Password-1"}).json
    r = as_().post("/auth/refresh", {"refresh_token": signed_in["refresh_token"]})
    assert r.status == 200, r
    assert r.json["user"] == signed_in["user"] and r.json["expires_in"] > 0
    assert "refresh_token" not in r.json
    mine = as_().get("/technician/jobs", headers={"Authorization": f"Bearer {r.json['id_token']}"})
    assert mine.status == 200, mine


@pytest.mark.parametrize("token", ["not-a-refresh-token", "eyJ" + "A" * 400])
def test_an_unknown_refresh_token_gets_401(as_, token):
    r = as_().post("/auth/refresh", {"refresh_token": token})
    assert r.status == 401, r
    assert r.json["error"]["code"] == "unauthorized"


def test_a_deactivated_user_cannot_refresh(as_):
    from chalicelib.data.models import StaffModel

    signed_in = as_().post("/auth/login", {"email": "tech1@example.com", "password": "Demo-Password-1"}).json
    StaffModel.get("tech-1").update(actions=[StaffModel.active.set(False)])
    r = as_().post("/auth/refresh", {"refresh_token": signed_in["refresh_token"]})
    assert r.status == 401, r


@pytest.mark.parametrize("body", [{}, {"refresh_token": ""}, {"refresh_token": 42}, {"refresh_token": "a\nb"}])
def test_a_refresh_without_a_usable_token_names_the_field(as_, body):
    r = as_().post("/auth/refresh", body)
    assert r.status == 422, r
    assert [d["field"] for d in r.json["error"]["details"]] == ["refresh_token"]


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(as_):
    wrong = as_().post("/auth/login", {"email": "admin@example.com", "password": "Not-The-Password-1"})
    unknown = as_().post("/auth/login", {"email": "nobody@example.com", "password": "Demo-Password-1"})
    assert wrong.status == unknown.status == 401, (wrong, unknown)
    assert wrong.json == unknown.json
    assert wrong.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("body,fields", [
    ({}, ["email", "password"]),
    ({"email": "admin@example.com"}, ["password"]),
    ({"password": "Demo-Password-1"}, ["email"]),
    ({"email": "not an email", "password": "x"}, ["email"]),
    ({"email": 42, "password": ["x"]}, ["email", "password"]),
])
def test_sign_in_names_the_missing_fields(as_, body, fields):
    r = as_().post("/auth/login", body)
    assert r.status == 422, r
    assert [d["field"] for d in r.json["error"]["details"]] == fields
