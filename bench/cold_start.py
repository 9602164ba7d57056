"""Cold start: importing app.py in a fresh process against a bare Chalice app that imports boto3
and pynamodb. Runs alternate (bare, app, bare, app, ...) so both see the same machine load;
the figure is the ratio of the medians."""
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import time; t = time.perf_counter(); import app; "
    "print(time.perf_counter() - t)"
)
ENV = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "0"}


def _import_seconds(directory: Path) -> float:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=directory, env=ENV, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(runs: int = 15) -> dict:
    bare_dir, app_dir = ROOT / "bench" / "bare_app", ROOT
    _import_seconds(bare_dir), _import_seconds(app_dir)  # warm the bytecode caches once
    bare, app = [], []
    for _ in range(runs):
        bare.append(_import_seconds(bare_dir))
        app.append(_import_seconds(app_dir))
    bare_ms, app_ms = statistics.median(bare) * 1000, statistics.median(app) * 1000
    return {
        "cold_start_ratio": round(app_ms / bare_ms, 3),
        "cold_start_app_ms": round(app_ms, 1),
        "cold_start_bare_ms": round(bare_ms, 1),
        "cold_start_runs": runs,
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
