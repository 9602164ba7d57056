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

from bench import cold_start  # noqa: E402

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
        lines.append(f"| `{key}` | {results[key]} | {text} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
