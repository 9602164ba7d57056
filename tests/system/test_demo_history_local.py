"""A fresh local system as `make run` starts it, with the demo's months of history
(infra/demo_history): the quarterly report answers with the planted bottleneck and its evidence,
the installation map's two versions compared, each owner's review record and the checks; and the
start stays quick (measured against a start without the history)."""
import time
from datetime import date, timedelta

import requests

from tests.support.local_system import LocalSystem, login


def _started(work, history: str) -> tuple[LocalSystem, float]:
    work.mkdir()
    began = time.monotonic()
    system = LocalSystem(work, env={"DEMO_HISTORY": history})
    try:
        system.wait_until_up(timeout=120)
    except Exception:
        system.stop()
        raise
    return system, time.monotonic() - began


def test_a_fresh_make_run_answers_the_quarterly_report_from_its_history(tmp_path):
    plain, without = _started(tmp_path / "plain", "0")
    plain.stop()
    system, took = _started(tmp_path / "history", "1")
    try:
        print(f"local start: {without:.1f} s without the history, {took:.1f} s with it")
        # about 8 s of history writes and 10-15 s of the quarterly review (the evaluation of a
        # quarter's orders) on an idle machine; a shared one takes longer. How long is a figure to
        # read, not a test (speed goals live in benchmarks).
        admin = {"Authorization": f"Bearer {login(system.url, 'admin@example.com')}"}
        today = date.today()
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last = max(first, today - timedelta(days=1))
        began = time.monotonic()
        r = requests.get(f"{system.url}/reports/process?from={first}&to={last}", headers=admin, timeout=120)
        print(f"quarterly report: {time.monotonic() - began:.1f} s")
        assert r.status_code == 200, r.text
        report = r.json()
        bottleneck = next(s for s in report["suggestions"] if s["kind"] == "bottleneck" and s["step"] == "requested")
        assert bottleneck["evidence"]["sample_size"] >= bottleneck["evidence"]["needed"]
        assert bottleneck["evidence"]["interval"] is not None
        compared = [e for e in report["experiments"] if e["work_kind"] == "installation"]
        assert [(e["from_version"], e["to_version"]) for e in compared] == [(1, 2)]
        assert compared[0]["orders"]["before"] > 0 and compared[0]["orders"]["after"] > 0
        owners = {o["owner"]: o for o in report["owners"]}
        assert owners["dispatcher-1"]["flagged"] > 0
        assert any(c["period"] == "daily" and c["ran"] > 0 for c in report["checks"])
        # the quarter just ended: reviewed and stored at the start (the Reports screen lists it)
        r = requests.get(f"{system.url}/reports/reviews?period=quarterly", headers=admin, timeout=120)
        assert r.status_code == 200, r.text
        stored = r.json()
        ended = date(first.year - (first.month == 1), (first.month - 4) % 12 + 1, 1)
        assert stored["status"] == "done" and stored["date"] == ended.isoformat(), stored.get("date")
        quarter = stored["report"]
        assert any(s["kind"] == "bottleneck" and s["step"] == "requested" for s in quarter["suggestions"])
        two = [e for e in quarter["experiments"] if e["work_kind"] == "installation"]
        assert [(e["from_version"], e["to_version"]) for e in two] == [(1, 2)]
        assert two[0]["orders"]["before"] >= 20 and two[0]["orders"]["after"] >= 20
        assert {o["owner"]: o for o in quarter["owners"]}["dispatcher-1"]["flagged"] > 0
        assert "Traceback" not in system.log, system.log_tail()
    finally:
        system.stop()
