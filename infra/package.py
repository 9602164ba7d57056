"""`make package`: one stage's deployable artefacts in build/<stage>/, offline.

1. The IAM policy files must match what the code calls (infra.policy), or the functions would
   meet AccessDenied in the cloud.
2. The merge template is generated from the code (infra.template) into build/<stage>/merge.json.
3. `chalice package --merge-template` writes build/<stage>/sam.json and deployment.zip.
4. Slimmed: botocore's service models are cut down to the services the code calls (it ships about
   400, the bulk of the zip; the code's own pinned botocore stays, rather than the runtime's), and
   fontTools' optional Cython accelerators go where their pure-Python module is in the zip (fpdf2
   only subsets the invoice font with it).
5. The zip is checked: within Lambda's size limits, and every compiled library in it built for
   Lambda (a manylinux x86_64 wheel for CPython 3.11), never a wheel built on this machine.

    python -m infra.package --stage prod [--out build/prod]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from infra import policy
from infra.template.build import write
from infra.template.common import ROOT

# Lambda: 50 MB for a zip uploaded directly, 250 MB unzipped (code and layers) in any case.
ZIP_LIMIT = 50 * 1024 * 1024
UNZIPPED_LIMIT = 250 * 1024 * 1024
PYTHON_TAG = "cp311"
ELF_MACHINE_X86_64 = 62


@dataclass
class ZipReport:
    path: Path
    size: int
    unzipped: int
    problems: list = field(default_factory=list)
    compiled: dict = field(default_factory=dict)  # distribution -> its wheel tags, for those with .so files

    def summary(self) -> str:
        mb = 1024 * 1024
        return (f"{self.path}: {self.size / mb:.1f} MB zipped (direct-upload limit {ZIP_LIMIT // mb} MB), "
                f"{self.unzipped / mb:.1f} MB unzipped (limit {UNZIPPED_LIMIT // mb} MB)")


def tag_fits_lambda(tag: str) -> bool:
    """py3-none-any, or a manylinux x86_64 wheel for CPython 3.11 (or the stable ABI it implements)."""
    python, abi, platform = tag.split("-")
    if platform == "any":
        return True
    if not (platform.startswith("manylinux") and platform.endswith("_x86_64")):
        return False
    if abi == "abi3":
        return python.startswith("cp3") and int(python[3:] or 0) <= 11
    return python == PYTHON_TAG and abi in (PYTHON_TAG, "none")


def check_zip(path: Path) -> ZipReport:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        report = ZipReport(path, path.stat().st_size, sum(i.file_size for i in infos))
        names = {i.filename for i in infos}
        owners: dict = {}  # file -> distribution
        tags: dict = {}
        for name in names:
            if name.endswith(".dist-info/WHEEL"):
                dist = name.split("/")[0]
                tags[dist] = [line.split(":", 1)[1].strip() for line in zf.read(name).decode().splitlines() if line.startswith("Tag:")]
                record = name[: -len("WHEEL")] + "RECORD"
                if record in names:
                    for line in zf.read(record).decode().splitlines():
                        owners[line.split(",")[0]] = dist
        for name in sorted(names):
            base = name.rsplit("/", 1)[-1]
            if not re.search(r"\.so(\.|$)", base):
                continue
            header = zf.read(name)[:20]
            if header[:4] != b"\x7fELF" or header[4] != 2 or int.from_bytes(header[18:20], "little") != ELF_MACHINE_X86_64:
                report.problems.append(f"{name}: not a 64-bit x86-64 ELF library")
            match = re.search(r"\.cpython-(\d+)-([^.]+)\.so$", base)
            if match and (match.group(1) != PYTHON_TAG[2:] or match.group(2) != "x86_64-linux-gnu"):
                report.problems.append(f"{name}: built for cpython-{match.group(1)}-{match.group(2)}, Lambda runs {PYTHON_TAG} on x86_64 Linux")
            dist = owners.get(name)
            if dist is None:
                report.problems.append(f"{name}: belongs to no wheel (built outside one?)")
                continue
            report.compiled.setdefault(dist, tags.get(dist, []))
        for dist, dist_tags in report.compiled.items():
            wrong = [t for t in dist_tags if not tag_fits_lambda(t)] or ([] if dist_tags else ["no tags"])
            if wrong:
                report.problems.append(f"{dist}: wheel tags {wrong} are not for Lambda (manylinux x86_64, {PYTHON_TAG}): "
                                       "built on this machine? Pin a version with a manylinux wheel (see requirements.txt)")
    if report.size > ZIP_LIMIT:
        report.problems.append(f"the zip is {report.size} bytes, over Lambda's {ZIP_LIMIT} for a direct upload")
    if report.unzipped > UNZIPPED_LIMIT:
        report.problems.append(f"unzipped {report.unzipped} bytes, over Lambda's {UNZIPPED_LIMIT}")
    return report


# What Chalice packages: the app, its library, its dependencies and its stage configuration.
PROJECT_FILES = ("app.py", "requirements.txt")
PROJECT_DIRS = ("chalicelib", ".chalice", "vendor")
NOT_PACKAGED = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments")


def project_copy(into: Path) -> Path:
    """A still copy of what Chalice packages. Chalice names its package after a hash of every
    app file, chalicelib's `__pycache__` included, and zips them; packaging the working tree
    while anything imports chalicelib (the other test workers, on a fresh clone) changes those
    files between the hash, the zip and the copy: a zip that is not a zip, or one not found."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, into / name)
    for name in PROJECT_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, into / name, ignore=NOT_PACKAGED)
    # Chalice's cache of built dependencies (`.chalice/deployments`) is left out too: each copy
    # builds its own, so packagings running at once (test workers) never write one file.
    return into


def chalice_package(stage: str, merge: Path, out: Path) -> None:
    env = {**os.environ}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # Chalice wants one; the template names none
    chalice = Path(sys.executable).parent / "chalice"
    project = project_copy(out.parent / f"{out.name}-project")
    command = [str(chalice), "--project-dir", str(project), "package", "--stage", stage, "--merge-template", str(merge), str(out)]
    subprocess.run(command, check=True, env=env, cwd=project)


# PynamoDB and Powertools' idempotency store talk to DynamoDB through their own clients.
LIBRARY_SERVICES = {"dynamodb"}
CLIENT_CALL = re.compile(r"""\bclient\(\s*["']([a-z0-9-]+)["']""")


def services_used(root: Path = ROOT) -> set:
    """The AWS services the code creates clients for (`client("s3")`), plus the libraries' own."""
    files = [root / "app.py", *sorted((root / "chalicelib").rglob("*.py"))]
    return LIBRARY_SERVICES | {m for f in files for m in CLIENT_CALL.findall(f.read_text())}


OPTIONAL_ACCELERATORS = ("fontTools/",)


def slim(path: Path, keep: set) -> int:
    """Drop `botocore/data/<service>/` for every service not in `keep`, and compiled accelerators
    that have a pure-Python twin; returns the bytes saved."""
    before = path.stat().st_size
    slim = path.with_suffix(".slim.zip")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as dst:
        names = set(src.namelist())
        for info in src.infolist():
            parts = info.filename.split("/")
            if len(parts) > 3 and parts[0] == "botocore" and parts[1] == "data" and parts[2] not in keep:
                continue
            if info.filename.startswith(OPTIONAL_ACCELERATORS) and info.filename.endswith(".so"):
                if info.filename.split(".", 1)[0] + ".py" in names:
                    continue
            dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    slim.replace(path)
    return before - path.stat().st_size


def build(stage: str, out: Path, check_policy: bool = True) -> ZipReport:
    if check_policy and policy.main(["--check"]) != 0:
        raise SystemExit("The IAM policy files do not match the code: run `make policy` and review the diff.")
    out.mkdir(parents=True, exist_ok=True)
    merge = write(out / "merge.json")
    chalice_package(stage, merge, out)
    slim(out / "deployment.zip", services_used())
    return check_zip(out / "deployment.zip")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Package one stage for CloudFormation.")
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / args.stage
    report = build(args.stage, out)
    print(f"{out / 'sam.json'}: the template (Chalice's, merged with {out / 'merge.json'})")
    print(report.summary())
    for dist, tags in sorted(report.compiled.items()):
        print(f"  compiled: {dist} {', '.join(tags)}")
    if report.problems:
        print("The package would not run on Lambda:\n  " + "\n  ".join(report.problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
