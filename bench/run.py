"""`make bench`: run every benchmark and write bench/results.json and bench/results.md.

Each figure is written with how it was measured. Ratios are measured side by side in one run,
because the machines this runs on are shared and noisy.
"""
import json
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cold_start, dynamodb_calls  # noqa: E402

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
            "a call), one online booking including its answer (Query, BatchGetItem, TransactWriteItems), one move.",
        },
    ),
]


def main() -> None:
    results, how = {}, {}
    for measure, descriptions in BENCHMARKS:
        results.update(measure())
        how.update(descriptions)
    results["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results["machine"] = f"{platform.machine()}, Python {platform.python_version()}"
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = ["# Benchmark results", "", f"Measured {results['measured_at']} on {results['machine']}.", "",
             "| figure | value | how it was measured |", "| --- | --- | --- |"]
    for key, text in how.items():
        value = results[key]
        shown = json.dumps(value, separators=(", ", ": ")) if isinstance(value, dict) else value
        lines.append(f"| `{key}` | `{shown}` | {text} |" if isinstance(value, dict) else f"| `{key}` | {shown} | {text} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
