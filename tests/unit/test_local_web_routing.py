"""The local server's routing (`infra.local.web`): pages, the apps' folders without their slash,
API routes, and a 404 in the app's JSON error shape for a path nobody serves, as in the cloud.
A tiny Chalice app stands in for app.py; the last tests go over HTTP on a free local port."""
import http.client
import json
import threading

import pytest
from chalice import Chalice
from chalice.config import Config

from chalicelib.core.errors import error_body
from infra.local.web import WEB, answer_for, api_paths, api_server, default_site


def make_app() -> Chalice:
    app = Chalice(app_name="routing-test")

    @app.route("/health")
    def health():
        return {"ok": True}

    @app.route("/orders/{order_id}", methods=["GET", "PATCH"])
    def order(order_id):
        return {"order_id": order_id}

    return app


@pytest.fixture(scope="module")
def route():
    app = make_app()
    site, routes = default_site(app), api_paths(app)
    return lambda path: answer_for(site, routes, path)


@pytest.mark.parametrize("path, location", [
    ("/tech", "/tech/"), ("/book", "/book/"), ("/office", "/office/"),
    ("/tech?next=%2Forders%2FWO-1&x=1", "/tech/?next=%2Forders%2FWO-1&x=1"),  # the query string stays
    ("/book?service=glazing", "/book/?service=glazing"),
])
def test_an_app_without_its_slash_redirects_to_the_app_keeping_the_query(route, path, location):
    answer = route(path)
    assert (answer.status, answer.location) == (301, location)


def test_the_apps_are_served_from_their_folders(route):
    assert route("/tech/").path == WEB / "tech" / "index.html"
    assert route("/book/").path == WEB / "booking" / "index.html"


def test_the_office_app_is_served_at_office(route):
    assert route("/office/").path == WEB / "office" / "index.html"
    assert route("/office/app.js").path == WEB / "office" / "app.js"
    assert route("/office/views/signin.js").path == WEB / "office" / "views" / "signin.js"


@pytest.mark.parametrize("path", ["/health", "/health/", "/orders/WO-1", "/orders/WO-1?fields=all"])
def test_api_routes_go_to_the_api(route, path):
    assert route(path) is None


@pytest.mark.parametrize("path", ["/nope", "/orders", "/orders/WO-1/nothing", "/technician", "/booking", "/api/health"])
def test_a_path_nobody_serves_is_a_404(route, path):
    answer = route(path)
    assert answer.status == 404 and answer.path is None
    assert path.split("?")[0] in answer.message


@pytest.fixture(scope="module")
def served():
    app = make_app()  # the local server changes the app's class: one app per server
    server = api_server(app, Config.create(chalice_stage="dev", app_name="routing-test"), "127.0.0.1", 0, default_site(app))
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server.server.server_address[1]
    server.server.shutdown()
    server.server.server_close()


def call(port: int, method: str, path: str, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PUT"])
def test_over_http_an_unknown_path_is_404_in_the_error_shape_whatever_the_method(served, method):
    status, headers, body = call(served, method, "/no/such/thing", b"{}" if method in ("POST", "PUT") else None)
    assert (status, headers["content-type"]) == (404, "application/json")
    assert json.loads(body) == error_body("not_found", "There is nothing at /no/such/thing.")


def test_over_http_the_apps_redirect_and_the_api_answers(served):
    status, headers, _ = call(served, "GET", "/tech?x=1")
    assert (status, headers["location"]) == (301, "/tech/?x=1")
    status, headers, _ = call(served, "GET", "/office")
    assert (status, headers["location"]) == (301, "/office/")
    status, _, body = call(served, "GET", "/health")
    assert (status, json.loads(body)) == (200, {"ok": True})
    # a known path with a method it does not take is the app's to answer, not a 404
    status, _, _ = call(served, "DELETE", "/orders/WO-1")
    assert status == 405
