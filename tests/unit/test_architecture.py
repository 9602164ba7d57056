"""The layers hold: no import points up, nothing imports app, no cycles (not even through an
import inside a function), every room says what it is for and stays small. The rules and the
layer order: tests/support/architecture.py."""
import ast
import textwrap
from pathlib import Path

from tests.support import architecture

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 420  # "about 400": a module past this is several modules


def test_chalicelib_and_app_keep_the_layers_with_no_cycles():
    found = architecture.problems(architecture.read_project(ROOT))
    assert not found, "\n".join(found)


def test_chalicelib_has_only_packages_at_its_top_each_with_a_layer():
    top = sorted(p.name for p in (ROOT / "chalicelib").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists())
    assert top == ["__init__.py"] + sorted(architecture.RANK.keys() - {"app"})


def test_every_module_says_what_it_is_for():
    missing = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "chalicelib").rglob("*.py"))
               if not ast.get_docstring(ast.parse(p.read_text()))]
    assert not missing, missing


def test_no_module_is_over_about_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in sorted((ROOT / "chalicelib").rglob("*.py"))
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, long


# The checker itself, on projects written for the occasion: it must fail where the rules break.

def _project(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for name, source in {"chalicelib/__init__.py": "", "app.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent != tmp_path and not (path.parent / "__init__.py").exists():
            (path.parent / "__init__.py").write_text('"""A room."""\n')
        path.write_text(textwrap.dedent(source))
    return architecture.problems(architecture.read_project(tmp_path))


def test_a_cycle_between_two_modules_fails_with_its_chain(tmp_path):
    found = _project(tmp_path, {
        "chalicelib/orders/service.py": "from chalicelib.orders import views\n",
        "chalicelib/orders/views.py": "from chalicelib.orders import service\n",
    })
    assert found == ["import cycle between modules: chalicelib.orders.service -> chalicelib.orders.views"
                     " -> chalicelib.orders.service"]


def test_an_import_up_the_layers_fails_naming_both_layers(tmp_path):
    found = _project(tmp_path, {
        "chalicelib/core/clock.py": "from chalicelib.orders import service\n",
        "chalicelib/orders/service.py": "from chalicelib.core import clock\n",
    })
    assert "chalicelib/core/clock.py:1: chalicelib.core.clock (core) imports chalicelib.orders.service (orders), a layer above it" in found
    assert any(f.startswith("import cycle between packages: core -> orders -> core") for f in found), found


def test_a_hidden_import_inside_a_function_fails_even_without_a_cycle(tmp_path):
    found = _project(tmp_path, {
        "chalicelib/orders/service.py": """
            def move():
                from chalicelib.core import clock
                return clock
        """,
        "chalicelib/core/clock.py": "",
    })
    assert found == ["chalicelib/orders/service.py:3: chalicelib.orders.service imports chalicelib.core.clock inside a "
                     "function (a hidden import: import at the top; if that makes a cycle, the code is in the wrong room)"]


def test_importing_app_fails(tmp_path):
    found = _project(tmp_path, {"chalicelib/events/automations.py": "import app\n"})
    assert found == ["chalicelib/events/automations.py:1: chalicelib.events.automations imports app (nothing may; app.py only wires)"]


def test_a_deferred_third_party_import_needs_its_reason(tmp_path):
    found = _project(tmp_path, {"chalicelib/invoicing/invoice_pdf.py": """
        def render():
            from fpdf import FPDF
            return FPDF


        def render_with_reason():
            # Deferred for cold start: fpdf2 is slow to import.
            from fpdf import FPDF
            from fpdf.enums import XPos
            return FPDF, XPos
    """})
    assert found == ["chalicelib/invoicing/invoice_pdf.py:3: fpdf is imported inside a function without a comment "
                     "saying why it is deferred"]


def test_a_module_outside_every_layer_fails(tmp_path):
    found = _project(tmp_path, {"chalicelib/helpers/misc.py": "from chalicelib.core import clock\n",
                                "chalicelib/core/clock.py": ""})
    assert found == ["chalicelib/helpers/misc.py:1: chalicelib.helpers.misc is in no layer (put it in a package of "
                     f"{sorted(architecture.RANK)})"]
