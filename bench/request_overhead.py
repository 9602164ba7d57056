"""Request overhead: `GET /orders/{order_id}` of the real app against a bare Chalice route that
does one GetItem (bench/bare_app), both through Chalice's local server, against the same moto
server, in the same run.

In a child process (so the in-process moto of the other benchmarks cannot interfere): a
ThreadedMotoServer with DynamoDB's atomic requests (infra.moto_atomic), the tables, user pool and
demo business made as the local system makes them (infra.bootstrap, infra.demo_data), the real
app on one port and the bare app on another. The demo admin's token goes on the real app's
requests (the real route verifies it); the bare routes take none. Requests rotate (app, bare,
then bare first, in turn) on keep-alive connections after a warm-up, and the figure is the ratio
of the medians of the client-side times. Every server socket has TCP_NODELAY (see below).

The real route reads the order with one GetItem; the technician's name, email and phone for the
view come from a per-container cache (chalicelib.staff.profile), so a warm container makes the
same single DynamoDB call as the baseline (counted, after the warm-up, and reported).
"""
import argparse
import importlib.util
import json
import os
import socketserver
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS, WARMUP = 200, 20


def measure(requests_each: int = REQUESTS) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_", "JWKS_"))}
    answer = subprocess.run([sys.executable, "-m", "bench.request_overhead", "--requests", str(requests_each)],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def _bare_app():
    spec = importlib.util.spec_from_file_location("bare_app", ROOT / "bench" / "bare_app" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def _serve(chalice_app, config):
    from chalice import local as chalice_local

    server = chalice_local.create_local_server(chalice_app, config, "127.0.0.1", 0)
    server.server.daemon_threads = True
    port = server.server.server_address[1]
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def _timed(session, url: str, headers: dict) -> float:
    start = time.perf_counter()
    answer = session.get(url, headers=headers, timeout=30)
    elapsed = time.perf_counter() - start
    if answer.status_code != 200:
        raise RuntimeError(f"GET {url}: {answer.status_code} {answer.text[:300]}")
    return elapsed


def _dynamodb_calls(target) -> int:
    """DynamoDB calls one request makes (counted at botocore's entry point: both apps run here)."""
    import botocore.client

    original, count = botocore.client.BaseClient._make_api_call, []

    def counted(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb":
            count.append(operation)
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = counted
    try:
        _timed(*target)
    finally:
        botocore.client.BaseClient._make_api_call = original
    return len(count)


def _measure_here(requests_each: int) -> dict:
    import logging

    import requests
    from chalice.cli.factory import CLIFactory
    from chalice.config import Config
    from moto.server import ThreadedMotoServer

    from infra import moto_atomic
    from infra.local.environment import STAGE, apply_environment, local_environment

    moto_atomic.install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Both local servers and moto's write a response's headers and body in two sends; with Nagle's
    # algorithm and delayed ACKs each answer then stalls about 40 ms on loopback, which would
    # swamp the figure (in the cloud neither server exists). TCP_NODELAY on every server socket.
    socketserver.StreamRequestHandler.disable_nagle_algorithm = True
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        apply_environment(local_environment(f"http://{host}:{port}", "http://127.0.0.1:8000"))
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # no log line per request on either side
        import app

        from chalicelib.core import clock
        from infra import bootstrap, demo_data

        os.environ.update(bootstrap.create_all())
        order_id = demo_data.load(clock.now(), history=False)[0]  # today's job for tech1 (no months of history)
        real, real_url = _serve(app.app, CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name=STAGE))
        bare, bare_url = _serve(_bare_app(), Config.create(chalice_stage="dev", app_name="bare", project_dir=str(ROOT / "bench" / "bare_app")))
        token = requests.post(f"{real_url}/auth/login", json={"email": "admin@example.com", "password": demo_data.PASSWORD},
                              timeout=30).json()["id_token"]
        targets = {
            "app": (requests.Session(), f"{real_url}/orders/{order_id}", {"Authorization": f"Bearer {token}"}),
            "bare": (requests.Session(), f"{bare_url}/orders/{order_id}", {}),
            "bare_same_reads": (requests.Session(), f"{bare_url}/orders/{order_id}/whole", {}),
        }
        for target in targets.values():
            _timed(*target)  # a warm container: clients made, JWKS and the technician cached
        calls = {name: _dynamodb_calls(targets[name]) for name in targets}
        times = {name: [] for name in targets}
        names = list(targets)
        for i in range(WARMUP + requests_each):
            for name in names[i % len(names):] + names[:i % len(names)]:  # each goes first in turn
                elapsed = _timed(*targets[name])
                if i >= WARMUP:
                    times[name].append(elapsed)
        for server in (real, bare):
            server.server.shutdown()
            server.server.server_close()
    finally:
        moto.stop()
    app_ms, bare_ms, same_ms = (statistics.median(times[n]) * 1000 for n in ("app", "bare", "bare_same_reads"))

    def p90(values):
        return round(statistics.quantiles(values, n=10)[-1] * 1000, 2)

    return {
        "request_overhead_ratio": round(app_ms / bare_ms, 3),
        # The same, against a bare route making the same reads (the order and its entries): what
        # the app's own code costs on top of its data access.
        "request_overhead_same_reads_ratio": round(app_ms / same_ms, 3),
        "request_overhead": {
            "app_median_ms": round(app_ms, 2), "bare_median_ms": round(bare_ms, 2),
            "bare_same_reads_median_ms": round(same_ms, 2),
            "app_p90_ms": p90(times["app"]), "bare_p90_ms": p90(times["bare"]),
            "dynamodb_calls_per_request": calls, "requests_each": requests_each, "warmup_each": WARMUP,
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    print(json.dumps(_measure_here(parser.parse_args().requests)))
