"""The package's shape: small modules, imports flowing one way, a cheap front door."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mnist_course as mc

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mnist_course"

# Lower layers never import higher ones (README, Layout). Modules on one layer do not
# import each other.
LAYERS = [
    {"zh_errors", "zh_feedback", "zh_figures"},
    {"zh"},
    {"translation"},
    {"errors", "_backend", "_files"},
    {"arrays", "idx", "image_files", "language", "download"},
    {"data", "images", "plots"},
    {"models"},
    {"callbacks"},
    {"fitting"},
    {"recipes"},
    {"saving"},
    {"multiworker"},
    {"evaluation", "cluster"},
    {"feedback"},
    {"inspection", "exercises", "widgets"},
    {"drawing", "playground", "capstone"},
    {"setup_report"},
    {"setup_data", "setup_widgets"},
    {"setup_check"},
    {"__main__", "__init__"},
]
RANK = {module: rank for rank, layer in enumerate(LAYERS) for module in layer}


def _sibling_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_every_module_has_a_place_in_the_layers() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules <= set(RANK), f"add {modules - set(RANK)} to LAYERS"


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.stem)
def test_imports_flow_downward(path: Path) -> None:
    if path.stem == "__init__":
        return  # the front door names every module, lazily
    for imported in _sibling_imports(path):
        assert RANK[imported] < RANK[path.stem], (
            f"{path.stem} (layer {RANK[path.stem]}) imports {imported} "
            f"(layer {RANK[imported]}): imports must flow downward"
        )


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.stem)
def test_no_module_is_over_450_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 450


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def test_import_is_cheap() -> None:
    result = run_python(
        """
        import sys
        import mnist_course as mc
        heavy = ("tensorflow", "keras", "matplotlib", "ipywidgets", "ipycanvas", "PIL")
        print(sorted({m.split(".")[0] for m in sys.modules} & set(heavy)))
        mc.prepare  # a NumPy-only name loads no framework either
        print(sorted({m.split(".")[0] for m in sys.modules} & set(heavy)))
        """
    )
    assert result.stdout.split("\n")[:2] == ["[]", "[]"], result.stderr


BLOCK_WIDGETS = """
import importlib.abc, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("ipywidgets", "ipycanvas", "IPython"):
            raise ImportError(f"{name} is blocked for this test")

sys.meta_path.insert(0, Block())
"""


def test_the_command_line_needs_no_widget_packages(npz_path, tmp_path) -> None:
    out = tmp_path / "m.keras"
    result = run_python(
        BLOCK_WIDGETS
        + f"""
try:
    import ipywidgets
except ImportError:
    print("ipywidgets blocked")
import mnist_course.__main__ as cli
for argv in (["--help"], ["train", "--help"]):
    try:
        cli.main(argv)
    except SystemExit as done:
        assert done.code == 0, done.code
print("exit", cli.main(["train", "tiny-mlp", "--epochs", "1", "--data", {str(npz_path)!r},
                        "--out", {str(out)!r}]))
print("exit", cli.main(["evaluate", {str(out)!r}, "--data", {str(npz_path)!r}]))
print(sorted(m for m in sys.modules if m.startswith(("ipywidgets", "ipycanvas"))))
"""
    )
    assert result.returncode == 0, result.stderr
    assert "usage: python -m mnist_course" in result.stdout
    assert result.stdout.count("exit 0") == 2
    assert result.stdout.startswith("ipywidgets blocked")
    assert result.stdout.rstrip().endswith("[]")


def test_every_public_name_resolves_and_is_documented() -> None:
    api = (ROOT / "docs" / "api.md").read_text()
    documented = set(re.findall(r"^\| `([A-Za-z_]+)`", api, re.M))
    assert documented == set(mc.__all__)
    for name in mc.__all__:
        assert getattr(mc, name) is not None
    assert set(dir(mc)) >= set(mc.__all__)
    with pytest.raises(AttributeError, match="no attribute 'check_images'"):
        mc.check_images  # noqa: B018 (internal: mnist_course.arrays.check_images)
