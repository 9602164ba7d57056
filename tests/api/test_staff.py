"""Staff accounts: the office lists them, the admin creates them, changes them and deactivates
them; a deactivated user cannot sign in and their tokens are refused from the next request."""
from tests.support.world import EMAILS, Api


def sign_in(client, email, password):
    return Api(client).post("/auth/login", {"email": email, "password": password})


def test_the_office_lists_staff_with_roles_and_whether_active(as_):
    r = as_("dispatcher").get("/staff")
    assert r.status == 200, r
    by_id = {m["id"]: m for m in r.json["staff"]}
    assert by_id["tech-1"] == {"id": "tech-1", "name": "Sam Fischer", "email": "tech1@example.com", "phone": None,
                               "role": "technician", "active": True}
    assert {m["role"] for m in r.json["staff"]} == {"admin", "dispatcher", "technician"}
    assert as_("tech1").get("/staff").status == 403


def test_the_admin_creates_a_dispatcher_who_can_then_sign_in(as_, client):
    r = as_("admin").post("/staff", {"email": "New.Person@example.com", "name": "New Person", "role": "dispatcher",
                                     "phone": "+44 7700 900555"})
    assert r.status == 201, r
    created = r.json
    assert (created["email"], created["role"], created["active"]) == ("new.person@example.com", "dispatcher", True)
    password = created["initial_password"]
    login = sign_in(client, "new.person@example.com", password)
    assert login.status == 200, login
    assert Api(client, login.json["id_token"]).get("/orders").status == 200
    assert "initial_password" not in as_("admin").get(f"/staff/{created['id']}").json
    again = as_("admin").post("/staff", {"email": "new.person@example.com", "name": "Twice", "role": "dispatcher"})
    assert (again.status, again.json["error"]["code"]) == (409, "email_taken")


def test_creating_staff_is_validated_and_admin_only(as_):
    bad = [
        ({"email": "x@example.com", "name": "X", "role": "owner"}, "role"),
        ({"email": "x@example.com", "name": "X\r\nBcc: y@evil.example", "role": "technician"}, "name"),
        ({"email": "not-an-email", "name": "X", "role": "technician"}, "email"),
        ({"email": "x@example.com", "name": "X", "role": "technician", "password": "short"}, "password"),
    ]
    for body, field in bad:
        r = as_("admin").post("/staff", body)
        assert r.status == 422 and field in [e["field"] for e in r.json["error"]["details"]], (body, r)
    assert as_("dispatcher").post("/staff", {"email": "x@example.com", "name": "X", "role": "technician"}).status == 403


def test_the_admin_changes_name_phone_and_role_and_the_role_applies_at_once(as_):
    dispatcher = as_("dispatcher")
    assert dispatcher.get("/orders").status == 200
    r = as_("admin").patch("/staff/dispatcher-1", {"name": "Dana W. Whitfield", "phone": "+44 7700 900777",
                                                   "role": "technician"})
    assert r.status == 200, r
    assert (r.json["name"], r.json["phone"], r.json["role"]) == ("Dana W. Whitfield", "+44 7700 900777", "technician")
    # The token issued before still carries the dispatcher group: the staff record decides.
    assert dispatcher.get("/orders").status == 403
    from chalicelib.core import settings
    from chalicelib.core.aws import client

    groups = client("cognito-idp").admin_list_groups_for_user(UserPoolId=settings.user_pool_id(), Username="dispatcher-1")
    assert [g["GroupName"] for g in groups["Groups"]] == ["technician"]
    assert as_("admin").patch("/staff/dispatcher-1", {"name": "Eve\nBcc: x@y.z"}).status == 422
    assert as_("admin").patch("/staff/admin-1", {"role": "dispatcher"}).json["error"]["code"] == "own_account"


def test_a_deactivated_technician_is_refused_from_the_next_request_and_cannot_sign_in(as_, client):
    from infra.demo_data import PASSWORD

    tech = as_("tech1")
    before = tech.get("/orders/WO-anything")
    assert (before.status, before.json["error"]["code"]) == (404, "not_found")  # signed in: the order is unknown
    r = as_("admin").post("/staff/tech-1/deactivate")
    assert r.status == 200 and r.json["active"] is False, r
    refused = tech.get("/orders/WO-anything")
    assert (refused.status, refused.json["error"]["code"]) == (401, "account_deactivated"), refused
    assert sign_in(client, EMAILS["tech1"], PASSWORD).status == 401
    from chalicelib.core import settings
    from chalicelib.core.aws import client as aws_client

    user = aws_client("cognito-idp").admin_get_user(UserPoolId=settings.user_pool_id(), Username="tech-1")
    assert user["Enabled"] is False
    listed = {m["id"]: m for m in as_("dispatcher").get("/staff").json["staff"]}
    assert listed["tech-1"]["active"] is False
    # Reactivated, they can sign in again.
    assert as_("admin").post("/staff/tech-1/reactivate").json["active"] is True
    assert sign_in(client, EMAILS["tech1"], PASSWORD).status == 200


def test_an_admin_cannot_deactivate_themselves_so_the_last_admin_stays(as_):
    r = as_("admin").post("/staff/admin-1/deactivate")
    assert (r.status, r.json["error"]["code"]) == (422, "own_account"), r
    assert as_("admin").get("/staff").status == 200


def test_a_deactivated_admin_cannot_deactivate_anyone(as_, client):
    """Two admins removing each other: the second finds itself deactivated, so one admin stays."""
    created = as_("admin").post("/staff", {"email": "second.admin@example.com", "name": "Second Admin", "role": "admin"}).json
    second = Api(client, sign_in(client, "second.admin@example.com", created["initial_password"]).json["id_token"])
    assert as_("admin").post(f"/staff/{created['id']}/deactivate").status == 200
    r = second.post("/staff/admin-1/deactivate")
    assert r.status == 401, r
    assert {m["id"]: m["active"] for m in as_("admin").get("/staff").json["staff"]}["admin-1"] is True


def test_staff_changes_are_admin_only_and_unknown_staff_is_404(as_):
    for method, path, body in (("PATCH", "/staff/tech-2", {"name": "X"}), ("POST", "/staff/tech-2/deactivate", None),
                               ("POST", "/staff/tech-2/reactivate", None)):
        assert as_("dispatcher").call(method, path, body).status == 403
        assert as_("tech1").call(method, path, body).status == 403
    assert as_("admin").post("/staff/nobody/deactivate").status == 404
    assert as_("admin").patch("/staff/nobody", {"name": "X"}).status == 404
