"""Every import of the project's own code resolves, in every file, imports inside functions
included: `make bench`, `make run`, `make deploy` and the helpers in infra/ are not all run by the
suite, and a module that moved must not leave a caller behind. Read with `ast`; nothing is
imported."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN = ("app", "bench", "chalicelib", "infra", "tests")


def _files() -> list[Path]:
    found = [ROOT / "app.py"]
    for folder in OWN[1:]:
        found += [p for p in sorted((ROOT / folder).rglob("*.py")) if "bare_app" not in p.parts]
    return found


def _module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _defines(module_file: Path, name: str) -> bool:
    """`name` is bound at the top of the module (def, class, assignment, import) or is a submodule."""
    if module_file.name == "__init__.py" and _module_file(f"{module_file.parent.relative_to(ROOT).as_posix().replace('/', '.')}.{name}"):
        return True
    tree = ast.parse(module_file.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name) == name for a in node.names):
            return True
    return False


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _unresolved(path: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in OWN and not _module_file(alias.name):
                    problems.append(f"{_name(path)}:{node.lineno}: no module {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] in OWN:
            module_file = _module_file(node.module)
            if module_file is None:
                problems.append(f"{_name(path)}:{node.lineno}: no module {node.module}")
                continue
            for alias in node.names:
                if alias.name != "*" and not _defines(module_file, alias.name):
                    problems.append(f"{_name(path)}:{node.lineno}: {node.module} has no {alias.name}")
    return problems


@pytest.mark.parametrize("folder", ["app.py", *OWN[1:]])
def test_every_import_of_our_own_code_resolves(folder):
    files = [p for p in _files() if p.relative_to(ROOT).parts[0] == folder]
    problems = [problem for path in files for problem in _unresolved(path)]
    assert not problems, "\n".join(problems)


def test_a_moved_module_or_name_is_caught(tmp_path):
    stale = tmp_path / "stale.py"
    stale.write_text(
        "def measure():\n"
        "    from tests import speedups\n"  # moved to tests.support
        "    from chalicelib import reviews\n"  # a package: resolves
        "    from chalicelib.orders import storage, load\n"  # load lives in storage, not the package
        "    import infra.template_gone\n"
    )
    assert _unresolved(stale) == [
        "stale.py:2: tests has no speedups",
        "stale.py:4: chalicelib.orders has no load",
        "stale.py:5: no module infra.template_gone",
    ]


def test_every_python_file_of_the_project_parses_the_baselines_included():
    """bench/bare_app is left out above (it is its own app, importing `chalice` at its top), but a
    syntax error there breaks `make bench` all the same."""
    for path in _files() + sorted((ROOT / "bench" / "bare_app").rglob("*.py")):
        compile(path.read_text(), str(path), "exec", dont_inherit=True)
