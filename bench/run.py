"""`make bench`: run every benchmark and write bench/results.json and bench/results.md.

Each figure is written with how it was measured. Ratios are measured side by side in one run,
because the machines this runs on are shared and noisy.
"""
import json
import os
import platform
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (  # noqa: E402
    cold_start, concurrency, customer_search, dynamodb_calls, local_system, package_size, request_overhead, reviews_scale,
)
from bench import board as board_bench  # noqa: E402
from bench import evaluation_planted  # noqa: E402

HERE = Path(__file__).resolve().parent

BENCHMARKS = [
    (
        cold_start.measure,
        {
            "cold_start_ratio": "Fresh-process import of app.py divided by a bare Chalice app importing boto3 and "
            "pynamodb (bench/bare_app); median of 15 interleaved runs each. Goal: at most 1.3.",
            "cold_start_app_ms": "Median import time of app.py, milliseconds.",
            "cold_start_bare_ms": "Median import time of the bare app, milliseconds.",
        },
    ),
    (
        dynamodb_calls.measure,
        {
            "dynamodb_calls": "DynamoDB round trips per operation, counted at botocore's entry point against in-process "
            "moto with the demo business padded to N technicians: availability for one day and for seven days "
            "(one Query of technicians, then BatchGetItem of settings, service and N calendar items per day, 100 keys "
            "a call), one online booking including its answer (Query, BatchGetItem, TransactWriteItems), one move, "
            "a technician's day (`GET /technician/jobs`: the technician, the settings, one Query on `by-technician`), "
            "and one invoice creation on completion (issue, PDF, email, move to `invoiced`).",
        },
    ),
    (
        customer_search.measure,
        {
            "customer_search": "`GET /customers?q=` (chalicelib/customers/search.py) with 100 and with 10,000 customers "
            "(records and search keys written as the app writes them, plus one made by a phone intake): DynamoDB calls "
            "(counted at botocore's entry point) and the median of 30 searches in ms, per kind: phone in another "
            "formatting, email in another case, name prefix (one person; and `jo`, a common one, a page of 25), "
            "postcode, order id. In-process moto answering each Query from its partition (bench/moto_partitions.py). "
            "Goal: at most 2 calls whatever the number of customers.",
        },
    ),
    (
        request_overhead.measure,
        {
            "request_overhead_ratio": "`GET /orders/{order_id}` of the real app (token verified, order read, view built with "
            "the technician from the per-container profile cache) divided by a bare Chalice route doing one GetItem (bench/bare_app): both through "
            "Chalice's local server in one process, against one moto server, demo data from infra.demo_data; 200 "
            "requests each after 20 warm-up, alternating, on keep-alive connections with TCP_NODELAY; ratio of the "
            "client-side medians. Goal: at most 1.3 (set when reading an order was one GetItem; it is now the item and "
            "one Query of its entries, so orders never fill up).",
            "request_overhead_same_reads_ratio": "The real app's route divided by a bare route making the same reads "
            "(the order's GetItem and the Query of its entries): what the app's own code (token, roles, view) costs "
            "on top of its data access. Goal: at most 1.3.",
            "request_overhead": "The medians and 90th percentiles in milliseconds, and the DynamoDB calls of one request "
            "of each.",
        },
    ),
    (
        concurrency.measure,
        {
            "concurrent_booking": "50 threads book the same survey slot at once (a barrier) while 3 technicians are "
            "free, in-process moto with DynamoDB's atomic requests (infra.moto_atomic): bookings made (expected 3, one "
            "per technician), 409 `slot_taken` answers (expected 47), other answers, overlapping occupied time found "
            "on the calendars afterwards (expected 0).",
            "concurrent_invoice_numbers": "20 completed orders invoiced at the same moment (the `create_invoice` "
            "automation in 20 threads): invoices issued, gaps and repeats in the year's number series (expected 0 and "
            "0).",
        },
    ),
    (
        local_system.measure,
        {
            "local_idle_cpu_percent": "CPU time (user + system, /proc) of a real local system (`python -m infra.local`, "
            "demo business, as `make run` starts it) over 10 s at rest, once start-up has settled, as a percentage "
            "of one core; the median of three windows in a row. Goal: under 2.",
            "local_idle_cpu_windows": "Each window of the idle figures, percent of one core.",
            "local_idle_cpu_percent_after_bookings": "The same after the 1,050 bookings below.",
            "local_load": "50 customers at once against that system, each on a connection of its own per request: "
            "`GET /health`, two weeks of `GET /public/availability` (7 days each), one `POST /public/bookings` of a "
            "slot of its own (200 requests): requests per second over the whole, p50 and p99 latency overall and by "
            "kind in ms, connection errors and 5xx answers (expected none), booking answers by status. The "
            "per-address limits are off and the form needs no minimum time (every customer is the bench's address).",
            "local_memory_growth_mb": "RSS of the local system after 1,000 online bookings (HTTP, "
            "`POST /public/bookings`, one after another, each on a slot the availability API listed; the admin first "
            "sets `max_days_ahead` to 365 through `PUT /business` so they fit on the three technicians) minus its RSS "
            "after the first 100, each taken once the stream had sent every confirmation email. Goal: under 50.",
            "local_memory": "The RSS figures (MB, at rest after start-up, after 100 and after 1,000 bookings), the "
            "bookings made, those refused 409 (a slot the one before had just taken) and the seconds the 1,000 took.",
        },
    ),
    (
        package_size.measure,
        {
            "package_zip_mb": "Size of the Lambda deployment zip for the prod stage, built fresh with the packaging "
            "helper of `make package` (infra.package: `chalice package --merge-template`), megabytes. Goal: at most 20.",
            "package": "Unzipped size, the largest parts of the zip (compressed megabytes) and the helper's checks.",
        },
    ),
    (
        board_bench.measure,
        {
            "board": "`GET /board` (chalicelib/dispatch/board.py) for one day and for the week, with 30 technicians and "
            "300 appointments in the week (demo business padded, orders built as the intake builds them), 6 requests "
            "waiting and that morning's daily review run for real: DynamoDB calls counted at botocore's entry point "
            "(`*_calls` with the per-container context of settings, map, services and review warm; `*_cold_calls` "
            "with it read first: one BatchGetItem and one Query more), answers' sizes, and the median and 90th "
            "percentile of 30 boards in ms, in-process moto answering each Query from its partition "
            "(bench/moto_partitions.py). Goal: at most 3 calls for the day and 8 for the week.",
        },
    ),
    (
        board_bench.measure_draw,
        {
            "board_draw": "The office app in Chromium (Playwright, /usr/bin/chromium) at 1280x800 against a real local "
            "system with the demo data, signed in as the dispatcher: milliseconds from the page load to the board "
            "drawn (the app's `board-drawn` performance mark), median of 7 reloads; and the kilobytes the first load "
            "of the app transferred in a fresh browser (its HTML, CSS and modules, the board's included; not the API's "
            "answers). Goal: within 1 s. Skipped (with the reason) without Chromium or Playwright.",
        },
    ),
    (
        reviews_scale.measure,
        {
            "review_reads_ratio": "Items the daily review reads (DynamoDB ScannedCount of each Query, GetItem hits, "
            "BatchGetItem items) with 50,000 closed orders and their 45,000 paid invoices, divided by the same with "
            "none; 200 open orders either way, one in-process moto world, the history put in and taken out between "
            "runs. Goal: 1.0.",
            "review_time_ratio": "Median time of a whole daily review (claim, check, digests, S3, metrics) with the "
            "closed history divided by without it; 15 interleaved runs each, moto answering each Query from the "
            "partition asked for as DynamoDB does (bench/moto_partitions.py). Goal: at most 1.2.",
            "review_cpu_time_ratio": "The same ratio of this process's CPU time (not inflated by other work on a "
            "shared machine).",
            "review_time_ratio_stock_moto": "The same with moto's own Query, which looks at every item of the table "
            "whatever the key (each index Query costs a Scan in moto, never in DynamoDB); 3 runs each.",
            "review_scale": "The raw counts: orders, items read, DynamoDB calls, items flagged, median milliseconds.",
        },
    ),
    (
        evaluation_planted.measure,
        {
            "evaluation_planted": evaluation_planted.DESCRIPTION,
            "evaluation_planted_detail": evaluation_planted.DETAIL_DESCRIPTION,
        },
    ),
]


def main() -> None:
    results, how, failed = {}, {}, []
    load = os.getloadavg()[0]
    for measure, descriptions in BENCHMARKS:
        try:
            results.update(measure())
        except Exception:  # the others still run; the figure is written as null and make fails
            failed.append(measure.__module__)
            print(f"{measure.__module__} failed:\n{traceback.format_exc()}", file=sys.stderr)
        how.update(descriptions)
    results["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results["machine"] = (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                          f"load average {load:.1f} at the start")
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = ["# Benchmark results", "", f"Measured {results['measured_at']} on {results['machine']}.", "",
             "| figure | value | how it was measured |", "| --- | --- | --- |"]
    for key, text in how.items():
        value = results.get(key)
        shown = json.dumps(value, separators=(", ", ": ")) if isinstance(value, dict) else value
        lines.append(f"| `{key}` | `{shown}` | {text} |" if isinstance(value, dict) else f"| `{key}` | {shown} | {text} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
