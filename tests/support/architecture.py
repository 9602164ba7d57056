"""The architecture as a checkable fact: every import of `chalicelib/` and `app.py`, read with `ast`
(imports inside functions included), against the layer order.

Layers, top to bottom; a module may import its own layer or any layer below, never above:

    app.py
    routes                                    the HTTP edge, one blueprint per capability
    events                                    stream automations, day-before reminders
    booking dispatch field invoicing limits orders quotes reviews scheduling   the capabilities
    customers setup staff workflow            what the capabilities stand on
    data mail                                 models and DynamoDB helpers; email
    core                                      settings, clock, errors, ids, times, aws, ...

Within a layer, packages may use each other as long as no two packages depend on each other
(package cycles fail, as module cycles do). Nothing imports `app`. A chalicelib import inside a
function is refused (it would hide a cycle); a function-level import of a third-party library is
allowed only with a comment saying why it is deferred (cold start).
"""
import ast
from dataclasses import dataclass, field
from pathlib import Path

LAYERS = (
    ("app",),
    ("routes",),
    ("events",),
    ("booking", "dispatch", "field", "invoicing", "limits", "orders", "quotes", "reviews", "scheduling"),
    ("customers", "setup", "staff", "workflow"),
    ("data", "mail"),
    ("core",),
)
RANK = {package: len(LAYERS) - i for i, layer in enumerate(LAYERS) for package in layer}


@dataclass
class Import:
    source: str  # importing module, e.g. chalicelib.orders.service
    target: str  # imported module, e.g. chalicelib.scheduling.calendars
    line: int
    in_function: bool
    commented: bool = False


@dataclass
class Project:
    root: Path
    modules: dict[str, Path]  # module name -> file
    imports: list[Import] = field(default_factory=list)  # between project modules only
    deferred: list[Import] = field(default_factory=list)  # third-party imports inside functions


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_project(root: Path) -> Project:
    files = sorted((root / "chalicelib").rglob("*.py")) + [root / "app.py"]
    project = Project(root, {module_name(root, p): p for p in files if p.exists()})
    for name, path in project.modules.items():
        _read_imports(project, name, path)
    return project


def _resolve(project: Project, module: str, names: list[str]) -> list[str]:
    """`from chalicelib.orders import storage` -> chalicelib.orders.storage; `from chalicelib.core.errors
    import Conflict` -> chalicelib.core.errors."""
    found = [f"{module}.{n}" for n in names if f"{module}.{n}" in project.modules]
    return found if len(found) == len(names) else sorted(set(found) | {module})


def _read_imports(project: Project, name: str, path: Path) -> None:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inside = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = _resolve(project, node.module, [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        nested = id(node) in inside
        commented = "#" in lines[node.lineno - 1] or _comment_above(lines, node.lineno - 1)
        for target in targets:
            if target in project.modules or target.split(".")[0] in ("chalicelib", "app"):
                project.imports.append(Import(name, target, node.lineno, nested, commented))
            elif nested:
                project.deferred.append(Import(name, target, node.lineno, nested, commented))


def _comment_above(lines: list[str], index: int) -> bool:
    """A comment right above the import, or above the run of imports it belongs to."""
    i = index - 1
    while i >= 0 and lines[i].strip().startswith(("import ", "from ")):
        i -= 1
    return i >= 0 and lines[i].strip().startswith("#")


def package_of(module: str) -> str:
    """chalicelib.orders.service -> orders; app -> app; chalicelib -> chalicelib."""
    parts = module.split(".")
    if parts[0] != "chalicelib":
        return parts[0]
    return parts[1] if len(parts) > 1 else "chalicelib"


def cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """Each strongly connected component of more than one node: one closed chain a -> b -> ... -> a
    through it, and all its members."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append((_chain(graph, set(component)), sorted(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _chain(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest closed path through the component's first node, for the message."""
    start = min(component)
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for w in sorted(graph.get(path[-1], ())):
            if w == start:
                return path + [start]
            if w in component and w not in seen:
                seen.add(w)
                paths.append(path + [w])
    return sorted(component)


def problems(project: Project) -> list[str]:
    """Every breach of the rules, each a sentence naming the file, line and chain."""
    found = []
    for imp in project.imports:
        where = f"{project.modules[imp.source].relative_to(project.root)}:{imp.line}"
        if imp.target == "app" or imp.target.startswith("app."):
            found.append(f"{where}: {imp.source} imports app (nothing may; app.py only wires)")
            continue
        if imp.in_function:
            found.append(f"{where}: {imp.source} imports {imp.target} inside a function (a hidden import: "
                         "import at the top; if that makes a cycle, the code is in the wrong room)")
        source, target = package_of(imp.source), package_of(imp.target)
        if source not in RANK:
            found.append(f"{where}: {imp.source} is in no layer (put it in a package of {sorted(RANK)})")
        elif target not in RANK:
            found.append(f"{where}: {imp.source} imports {imp.target}, which is in no layer")
        elif RANK[target] > RANK[source]:
            found.append(f"{where}: {imp.source} ({source}) imports {imp.target} ({target}), a layer above it")
    for imp in project.deferred:
        if not imp.commented:
            found.append(f"{project.modules[imp.source].relative_to(project.root)}:{imp.line}: {imp.target} is imported inside a function without a "
                         "comment saying why it is deferred")
    modules: dict[str, set[str]] = {}
    packages: dict[str, set[str]] = {}
    for imp in project.imports:
        if imp.source != imp.target:
            modules.setdefault(imp.source, set()).add(imp.target)
        source, target = package_of(imp.source), package_of(imp.target)
        if source != target:
            packages.setdefault(source, set()).add(target)
    for kind, graph in (("modules", modules), ("packages", packages)):
        for chain, members in cycles(graph):
            also = sorted(set(members) - set(chain))
            found.append(f"import cycle between {kind}: " + " -> ".join(chain)
                         + (f" (in the same knot: {', '.join(also)})" if also else ""))
    return found
