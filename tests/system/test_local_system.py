"""The local system behind `make run` (`infra.local`): its static file handler, its stream
poller, and the whole thing started as a process, used over HTTP and stopped with Ctrl-C."""
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from infra.local.stream import StreamPoller
from infra.local.web import StaticSite, api_server, content_type
from tests.support.local_system import LocalSystem, child_env

ROOT = Path(__file__).resolve().parents[2]


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def raw_get(port: int, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
    """A request with the path sent exactly as given (requests would normalise `..` away)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# --- static files ------------------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    web = tmp_path / "web"
    (web / "booking" / "assets").mkdir(parents=True)
    (web / "booking" / "index.html").write_text("<h1>Book</h1>")
    (web / "booking" / "app.js").write_text("console.log(1)")
    (web / "booking" / "assets" / "index.html").write_text("<p>assets</p>")
    (web / "index.html").write_text("<h1>Home</h1>")
    (tmp_path / "secret.txt").write_text("not for the web")
    return StaticSite(
        mounts={"/book": web / "booking", "/tech": web / "tech"},  # web/tech does not exist
        files={"/": web / "index.html", "/openapi.yaml": tmp_path / "docs" / "openapi.yaml"},
    )


def test_static_paths_map_to_files_in_their_folder(site, tmp_path):
    booking = tmp_path / "web" / "booking"
    assert site.lookup("/book/").path == booking / "index.html"
    assert site.lookup("/book/app.js?v=3").path == booking / "app.js"
    assert site.lookup("/book/assets/").path == booking / "assets" / "index.html"
    assert site.lookup("/").path == tmp_path / "web" / "index.html"


def test_a_folder_without_its_slash_redirects_so_relative_links_work(site):
    assert (site.lookup("/book").status, site.lookup("/book").location) == (301, "/book/")
    assert site.lookup("/book/assets?x=1").location == "/book/assets/?x=1"


def test_other_paths_go_to_the_api(site):
    for path in ("/health", "/orders/WO-1", "/booking", "/bookings/x", "/technician"):
        assert site.lookup(path) is None, path


@pytest.mark.parametrize(
    "path",
    [
        "/book/../secret.txt",
        "/book/../../secret.txt",
        "/book/%2e%2e/%2e%2e/secret.txt",
        "/book/..%2f..%2fsecret.txt",
        "/book/assets/../../../secret.txt",
        "/book/%2E%2E%5C%2E%2E%5Csecret.txt",
        "/book/app.js%00.html",
        "/book/missing.js",
        "/tech/",  # the folder does not exist yet
        "/openapi.yaml",  # nor the file
    ],
)
def test_nothing_outside_a_folder_and_nothing_missing_is_served(site, path):
    answer = site.lookup(path)
    assert answer.status == 404 and answer.path is None


def test_a_symbolic_link_out_of_the_folder_is_not_followed(site, tmp_path):
    (tmp_path / "web" / "booking" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    assert site.lookup("/book/leak.txt").status == 404


@pytest.mark.parametrize(
    "name, expected",
    [
        ("index.html", "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("site.css", "text/css; charset=utf-8"),
        ("openapi.yaml", "application/yaml"),
        ("manifest.webmanifest", "application/manifest+json"),
        ("logo.svg", "image/svg+xml"),
        ("data.bin", "application/octet-stream"),
    ],
)
def test_content_types(name, expected):
    assert content_type(Path(name)) == expected


@pytest.fixture
def served(site):
    """A small Chalice app behind the local handler with `site`, on a free port."""
    from chalice import Chalice
    from chalice.config import Config

    app = Chalice(app_name="static-test")

    @app.route("/hello")
    def hello():
        return {"hello": "world"}

    server = api_server(app, Config.create(chalice_stage="dev", app_name="static-test"), "127.0.0.1", 0, site)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server.server.server_address[1]
    server.server.shutdown()
    server.server.server_close()


def test_the_handler_serves_files_and_hands_everything_else_to_chalice(served):
    status, headers, body = raw_get(served, "/book/app.js")
    assert (status, headers["content-type"], body) == (200, "text/javascript; charset=utf-8", b"console.log(1)")
    status, headers, body = raw_get(served, "/book/", "HEAD")
    assert (status, headers["content-length"], body) == (200, str(len("<h1>Book</h1>")), b"")
    status, _, body = raw_get(served, "/hello")
    assert (status, json.loads(body)) == (200, {"hello": "world"})


def test_the_handler_refuses_traversal_and_other_methods_with_json_errors(served):
    for path in ("/book/../secret.txt", "/book/%2e%2e/%2e%2e/secret.txt", "/tech/index.html"):
        status, headers, body = raw_get(served, path)
        assert status == 404 and headers["content-type"] == "application/json", path
        assert json.loads(body)["error"]["code"] == "not_found"
        assert b"not for the web" not in body
    status, headers, body = raw_get(served, "/book/", "DELETE")
    assert (status, headers["allow"], json.loads(body)["error"]["code"]) == (405, "GET, HEAD", "method_not_allowed")
    status, headers, _ = raw_get(served, "/book")
    assert (status, headers["location"]) == (301, "/book/")


# --- the stream poller (against in-process moto) ----------------------------------------------

@pytest.fixture
def orders_stream(aws):
    from chalicelib.core.aws import client
    from chalicelib.data.models import OrderModel

    table = OrderModel.Meta.table_name

    def put(order_id):
        client("dynamodb").put_item(TableName=table, Item={"order_id": {"S": order_id}})

    def poller(handler, **options):
        streams = client("dynamodbstreams")
        return StreamPoller(client("dynamodb"), streams, table, handler, "workorders-test-fn", **options)

    return put, poller


def _ids(event):
    return [r["dynamodb"]["Keys"]["order_id"]["S"] for r in event["Records"]]


def test_records_reach_the_handler_as_lambda_delivers_them(orders_stream):
    put, make_poller = orders_stream
    seen = []
    poller = make_poller(lambda event, context: seen.append((event, context)))
    put("WO-A")
    put("WO-B")
    poller.poll_once()
    (event, context), = seen
    first = event["Records"][0]
    assert _ids(event) == ["WO-A", "WO-B"]
    assert first["eventName"] == "INSERT"
    assert re.fullmatch(r"arn:aws:dynamodb:us-east-1:\d+:table/[^/]+/stream/.+", first["eventSourceARN"])
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    assert first["dynamodb"]["NewImage"] == {"order_id": {"S": "WO-A"}}  # raw DynamoDB JSON
    assert context.function_name == "workorders-test-fn" and context.get_remaining_time_in_millis() > 0
    poller.poll_once()
    put("WO-C")
    poller.poll_once()
    assert [_ids(e) for e, _ in seen] == [["WO-A", "WO-B"], ["WO-C"]]  # each record once


def test_a_failed_record_is_retried_from_itself_onwards_then_the_stream_moves_on(orders_stream):
    put, make_poller = orders_stream
    calls = []

    def handler(event, context):
        calls.append(_ids(event))
        failing = next(r for r in event["Records"] if r["dynamodb"]["Keys"]["order_id"]["S"] == "WO-B")
        return {"batchItemFailures": [{"itemIdentifier": failing["dynamodb"]["SequenceNumber"]}]}

    poller = make_poller(handler, max_retries=2)
    for order_id in ("WO-A", "WO-B", "WO-C"):
        put(order_id)
    for _ in range(5):
        poller.poll_once()
    # the first delivery, then two retries from the failed record, then nothing more
    assert calls == [["WO-A", "WO-B", "WO-C"], ["WO-B", "WO-C"], ["WO-B", "WO-C"]]
    put("WO-D")
    poller.poll_once()
    assert calls[-1] == ["WO-D"]


def test_a_handler_that_raises_fails_the_whole_batch_until_it_succeeds(orders_stream):
    put, make_poller = orders_stream
    calls = []

    def handler(event, context):
        calls.append(_ids(event))
        if len(calls) == 1:
            raise RuntimeError("the database blinked")
        return {"batchItemFailures": []}

    poller = make_poller(handler)
    put("WO-A")
    for _ in range(3):
        poller.poll_once()
    assert calls == [["WO-A"], ["WO-A"]]


# --- the whole system --------------------------------------------------------------------------

PASSWORD = "Demo-Password-1"


class LocalProcess(LocalSystem):
    """The local system, with what these tests look at besides."""

    def moto_port(self) -> int:
        return int(re.search(r"embedded AWS: http://127\.0\.0\.1:(\d+)", self.log)[1])

    def login(self, email: str) -> str:
        r = requests.post(f"{self.url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()["id_token"]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._log.close()


@pytest.fixture
def local_system(tmp_path):
    system = LocalProcess(tmp_path)
    try:
        system.wait_until_up()
        yield system
    finally:
        system.kill()


def forged_tokens() -> list[str]:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    claims = {"sub": "x", "cognito:username": "admin-1", "cognito:groups": ["admin"], "token_use": "id",
              "exp": int(time.time()) + 3600}
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return [
        jwt.encode(claims, "a-secret-only-the-forger-knows-0123456789", algorithm="HS256"),
        jwt.encode(claims, own_key, algorithm="RS256", headers={"kid": "forged"}),
        jwt.encode(claims, None, algorithm="none"),
    ]


def test_the_local_system_end_to_end(local_system):
    url = local_system.url

    # forged tokens are refused; the dispatcher sees the three demo orders (one a survey, an
    # estimate) beside infra/demo_estimates.py's seven estimates and the two jobs their accepted
    # quotes made
    for token in forged_tokens():
        r = requests.get(f"{url}/orders", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 401, r.text
    office = {"Authorization": f"Bearer {local_system.login('dispatcher@example.com')}"}
    r = requests.get(f"{url}/orders", headers=office, timeout=10)
    assert r.status_code == 200, r.text
    orders = r.json()["orders"]
    assert len(orders) == 12
    assert sum(o["kind"] == "estimate" for o in orders) == 8 and sum(bool(o["quote_id"]) for o in orders) == 2
    job = next(o for o in orders if (o["technician"] or {}).get("id") == "tech-1" and o["step"] == "scheduled")

    # the technician sets off; the stream automation emails the customer
    tech = {"Authorization": f"Bearer {local_system.login('tech1@example.com')}"}
    r = requests.post(f"{url}/orders/{job['order_id']}/transitions", headers=tech, timeout=10,
                      json={"to": "en_route", "expected_version": job["version"]})
    assert r.status_code == 200, r.text
    assert r.json()["step"] == "en_route"
    deadline = time.monotonic() + 15  # the stream wakes at once; a shared machine may be slow
    on_the_way = []
    while not on_the_way and time.monotonic() < deadline:
        time.sleep(0.1)
        on_the_way = [m for m in local_system.emails()
                      if job["customer"]["email"] in str(m["To"]) and "on the way" in str(m["Subject"])]
    assert len(on_the_way) == 1, f"no 'on the way' email within 15 s:\n{local_system.log}"
    assert job["order_id"] in str(on_the_way[0]["Subject"])

    # the home page is served from web/, and nothing outside web/ is
    status, headers, body = raw_get(local_system.port, "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b'href="/book/"' in body and b'href="/tech/"' in body
    for path in ("/book/../app.py", "/tech/%2e%2e/%2e%2e/app.py", "/book/..%2f..%2fapp.py"):
        status, _, body = raw_get(local_system.port, path)
        assert status == 404 and json.loads(body)["error"]["code"] == "not_found", path

    # Ctrl-C stops everything: exit code 0, nothing left listening
    moto_port = local_system.moto_port()
    local_system.process.send_signal(signal.SIGINT)
    assert local_system.process.wait(timeout=20) == 0, local_system.log
    assert refuses_connections(local_system.port) and refuses_connections(moto_port)
    assert "Traceback" not in local_system.log, local_system.log


def test_a_taken_port_is_reported_and_nothing_is_left_running(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "infra.local", "--port", str(port), "--local-dir", str(tmp_path)],
            cwd=ROOT, env=child_env(tmp_path), capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"127.0.0.1:{port} is already in use" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
