"""The deployment package: the size of the Lambda zip `chalice package` builds for the prod stage.

Built fresh into build/bench/ with the packaging helper behind `make package` (infra.package:
the merge template, `chalice package --merge-template`, the zip checked for Lambda), or, where
that helper does not exist, with plain `chalice package --stage prod`. Chalice fetches the
Lambda (manylinux) wheels of requirements.txt through pip, so the first build needs the package
index; later ones use pip's cache.
"""
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
MB = 1024 * 1024


def _plain_chalice_package(out: Path) -> Path:
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run([str(chalice), "--project-dir", str(ROOT), "package", "--stage", "prod", str(out)],
                   check=True, env=env, cwd=ROOT, capture_output=True)
    return out / "deployment.zip"


def measure() -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    problems = []
    if importlib.util.find_spec("infra.package") is not None:
        from infra import package

        report = package.build("prod", OUT, check_policy=False)
        path, problems, how = report.path, report.problems, "infra.package (make package)"
    else:
        path, how = _plain_chalice_package(OUT), "chalice package --stage prod"
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    by_top: dict = {}
    for info in infos:
        top = info.filename.split("/")[0]
        by_top[top] = by_top.get(top, 0) + info.compress_size
    largest = sorted(by_top.items(), key=lambda kv: -kv[1])[:6]
    return {
        "package_zip_mb": round(path.stat().st_size / MB, 1),
        "package": {"unzipped_mb": round(sum(i.file_size for i in infos) / MB, 1), "built_with": how,
                    "largest_zipped_mb": {name: round(size / MB, 1) for name, size in largest}, "problems": problems},
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
