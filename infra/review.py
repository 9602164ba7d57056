"""`make review PERIOD=daily|weekly|monthly|quarterly`: run one review now against the local
system (`make run` must be running) and print a summary.

Signs in as the demo admin and calls `POST /reviews/run`; a period already reviewed is answered
from the store and nothing is sent twice. The digests and reports land in the outbox
(`.local/outbox/`). Options: `--url` (default http://127.0.0.1:$PORT, PORT default 8000),
`--json` to print the whole review instead of the summary.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

from infra.demo_data import PASSWORD

ADMIN_EMAIL = "admin@example.com"
PERIODS = ("daily", "weekly", "monthly", "quarterly")
# Another run of the same period (the hourly schedule) may hold it for a moment.
BUSY_RETRIES, BUSY_WAIT_SECONDS = 15, 2


class ApiError(Exception):
    def __init__(self, status: int, body: dict | str):
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


def call(url: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url.rstrip("/") + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 (the local system)
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            detail = json.loads(raw)
        except ValueError:
            detail = raw.decode(errors="replace")
        raise ApiError(exc.code, detail) from None


def run_review(url: str, period: str) -> tuple[int, dict]:
    _, login = call(url, "POST", "/auth/login", {"email": ADMIN_EMAIL, "password": PASSWORD})
    token = login["id_token"]
    for attempt in range(BUSY_RETRIES):
        try:
            return call(url, "POST", "/reviews/run", {"period": period}, token)
        except ApiError as exc:
            if exc.status != 409 or attempt == BUSY_RETRIES - 1:
                raise
            time.sleep(BUSY_WAIT_SECONDS)
    raise AssertionError("unreachable")


def summary(status: int, review: dict) -> str:
    report = review["report"] or {}
    lines = [f"{review['period'].capitalize()} review of {review['date']}: "
             + ("run now" if status == 201 else f"already run ({review['status']}, {review['finished_at']}); nothing sent again")]
    if review["period"] == "daily":
        counts = report.get("counts", {})
        lines.append(f"  {sum(counts.values())} item(s) flagged, {report.get('escalated', 0)} escalated")
        lines += [f"    {kind}: {n}" for kind, n in sorted(counts.items())]
    else:
        lines.append(f"  {report.get('from')} to {report.get('to')}")
        for s in report.get("steps", []):
            if s.get("median_minutes") is not None:
                lines.append(f"    {s['label']}: median {s['median_minutes']} min, p90 {s['p90_minutes']} min, "
                             f"{s['entered']} entering")
        lines += [f"  - {s['text']}" for s in report.get("suggestions", [])]
    for told in review["told"]:
        lines.append(f"  told {told['to']} <{told['email']}>: {told['status']}, {len(told['items'])} item(s)")
    files = review.get("files") or {}
    if files:
        lines.append(f"  stored: s3://{files['bucket']}/{files['json']} and .csv")
    lines.append(f"  GET /reports/reviews?period={review['period']}&date={review['date']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.review", description=__doc__.splitlines()[0])
    parser.add_argument("--period", choices=PERIODS, default=os.environ.get("PERIOD") or "daily")
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT') or 8000}")
    parser.add_argument("--json", action="store_true", help="print the whole review as JSON")
    options = parser.parse_args(argv)
    try:
        status, review = run_review(options.url, options.period)
    except urllib.error.URLError as exc:
        print(f"Cannot reach the local system at {options.url} ({exc.reason}): start it with `make run`.")
        return 1
    except ApiError as exc:
        print(f"The review failed: {exc}")
        return 1
    print(json.dumps(review, indent=2) if options.json else summary(status, review))
    return 0


if __name__ == "__main__":
    sys.exit(main())
