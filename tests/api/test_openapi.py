"""docs/openapi.yaml stays in step with the Chalice app: the same routes, each operation named
after its view, bearer security and the roles on staff routes and none on public ones, the
Idempotency-Key header where the view reads it, the path parameters the route has, and the one
error shape on every error answer. The spec itself is valid OpenAPI."""
import inspect
import re
from pathlib import Path

import pytest
import yaml

import app

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "docs" / "openapi.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text())
METHODS = ("get", "put", "post", "delete", "patch", "head")


def app_routes() -> dict:
    """(path, METHOD) -> Chalice route entry, without the CORS preflights (OPTIONS)."""
    return {
        (path, method): entry
        for path, by_method in app.app.routes.items()
        for method, entry in by_method.items()
        if method != "OPTIONS"
    }


def spec_operations() -> dict:
    """(path, METHOD) -> (operation, parameters shared by the path item)."""
    return {
        (path, method.upper()): (operation, item.get("parameters", []))
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


ROUTES = app_routes()
OPERATIONS = spec_operations()
BOTH = sorted(set(ROUTES) & set(OPERATIONS))


def resolve(node: dict) -> dict:
    while "$ref" in node:
        target = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def parameters(key) -> list[dict]:
    operation, shared = OPERATIONS[key]
    return [resolve(p) for p in shared + operation.get("parameters", [])]


def roles(entry) -> tuple:
    return tuple(getattr(entry.view_function, "roles"))


def test_the_spec_is_valid_openapi():
    from openapi_spec_validator import validate

    assert SPEC["openapi"].startswith("3.")
    validate(SPEC)


def test_every_route_of_the_app_is_in_the_spec():
    missing = sorted(set(ROUTES) - set(OPERATIONS))
    assert not missing, f"routes missing from docs/openapi.yaml: {missing}"


def test_the_spec_has_no_route_the_app_lacks():
    extra = sorted(set(OPERATIONS) - set(ROUTES))
    assert not extra, f"operations in docs/openapi.yaml that app.py does not serve: {extra}"


def test_every_view_says_who_may_call_it():
    unmarked = sorted(key for key, entry in ROUTES.items() if not hasattr(entry.view_function, "roles"))
    assert not unmarked, f"register these with http.staff_route or http.public_route: {unmarked}"


@pytest.mark.parametrize("key", BOTH, ids=[f"{m} {p}" for p, m in BOTH])
def test_each_operation_is_named_after_its_view(key):
    operation, _ = OPERATIONS[key]
    assert operation.get("operationId") == ROUTES[key].view_name


@pytest.mark.parametrize("key", BOTH, ids=[f"{m} {p}" for p, m in BOTH])
def test_staff_routes_declare_bearer_security_and_their_roles_public_routes_none(key):
    operation, _ = OPERATIONS[key]
    security = operation.get("security", SPEC.get("security", []))
    staff_roles = roles(ROUTES[key])
    if staff_roles:
        assert {"bearerAuth": []} in security, f"{key}: a staff route must declare bearerAuth"
        assert tuple(operation.get("x-roles", ())) == staff_roles, f"{key}: x-roles must be {list(staff_roles)}"
        assert "401" in operation["responses"] and "403" in operation["responses"]
    else:
        assert security == [], f"{key}: a public route must declare `security: []`"
        assert "x-roles" not in operation


@pytest.mark.parametrize("key", BOTH, ids=[f"{m} {p}" for p, m in BOTH])
def test_the_idempotency_key_header_is_declared_where_the_view_reads_it(key):
    reads_it = "idempotency_key(" in inspect.getsource(ROUTES[key].view_function)
    declared = any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters(key))
    assert declared == reads_it


@pytest.mark.parametrize("key", BOTH, ids=[f"{m} {p}" for p, m in BOTH])
def test_path_parameters_match_the_route(key):
    path, _ = key
    declared = {p["name"] for p in parameters(key) if p["in"] == "path"}
    assert declared == set(re.findall(r"{(\w+)}", path)) == set(ROUTES[key].view_args)
    assert all(p.get("required") for p in parameters(key) if p["in"] == "path")


@pytest.mark.parametrize("key", BOTH, ids=[f"{m} {p}" for p, m in BOTH])
def test_every_error_answer_has_the_one_error_shape(key):
    operation, _ = OPERATIONS[key]
    errors = {code: resolve(r) for code, r in operation["responses"].items() if code.startswith(("4", "5"))}
    for code, response in errors.items():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, (key, code)


@pytest.mark.parametrize("key", BOTH, ids=[f"{m} {p}" for p, m in BOTH])
def test_operations_with_a_json_body_document_what_a_bad_body_gets(key):
    operation, _ = OPERATIONS[key]
    if "requestBody" not in operation:
        return
    assert "application/json" in operation["requestBody"]["content"]
    assert {"400", "413", "415", "422"} <= set(operation["responses"]), key


def test_the_error_schema_is_the_one_the_app_sends():
    from chalicelib.core.errors import error_body

    error = resolve({"$ref": "#/components/schemas/Error"})
    assert set(error["required"]) == set(error_body("x", "y"))
    assert set(error["properties"]["error"]["required"]) == set(error_body("x", "y")["error"])
