"""The package's shape: small modules, imports flowing one way, a cheap front door."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mnist_course as mc

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mnist_course"

# Concerns, lowest first (docs/architecture.md): a module imports only from its own concern
# or a lower one, and inside a concern only modules listed before it. "" is the top level.
CONCERNS = [
    ("", ["errors", "language", "backend", "files"]),
    ("data", ["arrays", "idx", "image_files", "download", "loading", "images"]),
    ("", ["plots"]),
    ("models", ["builders"]),
    ("training", ["callbacks", "fitting", "recipes", "saving"]),
    ("distribute", ["multiworker", "cluster"]),
    ("evaluation", ["metrics", "inspection"]),
    ("exercises", ["feedback", "checkers", "capstone", "__init__"]),
    ("interactive", ["widgets", "drawing", "playground"]),
    ("setup", ["report", "data", "widgets", "doctor"]),
    ("", ["__main__", "__init__"]),
]
# The one pair that uses each other, at the bottom: an error translates its message when it
# is raised (errors imports language inside the raise), and set_language refuses an unknown
# language with an InputError.
MUTUAL = {("errors", "language")}
RANK = {
    ".".join(filter(None, (concern, module))): (level, position)
    for level, (concern, modules) in enumerate(CONCERNS)
    for position, module in enumerate(modules)
}
MODULES = sorted(PACKAGE.rglob("*.py"))


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts)


def _package_imports(path: Path) -> set[tuple[str, tuple[str, ...]]]:
    """(module imported, names taken from it) for each import of the package in ``path``,
    at its top or in a function, relative or absolute; modules named by their dotted path
    inside the package ("data.arrays"), a package by its ``__init__``."""
    here = _dotted(path)
    package = "mnist_course." + (here[: -len(".__init__")] if here.endswith("__init__") else here)
    package = package if path.stem == "__init__" else package.rpartition(".")[0]
    if path == PACKAGE / "__init__.py":
        package = "mnist_course"
    found = set()

    def add(absolute: str, names: tuple[str, ...]) -> None:
        if absolute != "mnist_course" and not absolute.startswith("mnist_course."):
            return
        inner = absolute.removeprefix("mnist_course").lstrip(".")
        rest = []
        for name in names:  # `from .data import arrays` imports the module data.arrays
            sub = f"{inner}.{name}".lstrip(".").replace(".", "/")
            if (PACKAGE / f"{sub}.py").is_file() or (PACKAGE / sub / "__init__.py").is_file():
                found.add((sub.replace("/", "."), ()))
            else:
                rest.append(name)
        if rest or not names:
            found.add((inner or "__init__", tuple(rest)))

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            absolute = importlib.util.resolve_name(module, package) if node.level else module
            add(absolute, tuple(alias.name for alias in node.names))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, ())
    return found


def _rank(dotted: str) -> tuple[int, int]:
    if dotted in RANK:
        return RANK[dotted]
    package = dotted.removesuffix(".__init__")
    assert (PACKAGE / package.replace(".", "/")).is_dir(), f"{dotted} is not in CONCERNS"
    return RANK.get(f"{package}.__init__", (-1, -1))  # a package's docstring-only __init__


def test_every_module_has_a_place_in_the_layers() -> None:
    unplaced = {
        _dotted(p) for p in MODULES if not (p.stem == "__init__" and p.parent != PACKAGE)
    } - set(RANK)
    assert not unplaced, f"add {unplaced} to CONCERNS"


@pytest.mark.parametrize("path", MODULES, ids=_dotted)
def test_imports_flow_downward(path: Path) -> None:
    if path == PACKAGE / "__init__.py":
        return  # the front door names every module, lazily
    me = _rank(_dotted(path))
    for imported, _ in _package_imports(path):
        if (_dotted(path), imported) in MUTUAL:
            continue
        assert _rank(imported) < me, f"{_dotted(path)} imports {imported}: imports flow downward"


@pytest.mark.parametrize("path", MODULES, ids=_dotted)
def test_no_private_name_crosses_a_module(path: Path) -> None:
    for imported, names in _package_imports(path):
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private and not imported.split(".")[-1].startswith("_"), (
            f"{_dotted(path)} takes {private or imported} from {imported}: "
            "make it public there, or keep it in one module"
        )


def test_nothing_hidden_in_the_package() -> None:
    """No import hook, no redirected stream: what TensorFlow prints, a learner sees."""
    for path in MODULES:
        text = path.read_text()
        for trick in ("sys.meta_path", "os.dup2", "sys.stderr =", "sys.stdout ="):
            assert trick not in text, f"{_dotted(path)} uses {trick}"


@pytest.mark.slow  # a Python of its own, importing TensorFlow
def test_importing_the_package_changes_nothing() -> None:
    """Using the package loads TensorFlow, which sets variables of its own when imported;
    the package adds only TensorFlow's and Keras's documented switches, and only where the
    learner has not set them: the Keras backend and TensorFlow's C++ log level."""
    code = """
        import logging, os, sys
        env = dict(os.environ)
        {first}
        import tensorflow as tf
        changed = sorted(k for k in {{*os.environ, *env}} if os.environ.get(k) != env.get(k))
        ours = [f for f in sys.meta_path if type(f).__module__.startswith("mnist_course")]
        print(changed, ours, tf.get_logger().level)
        """
    switches = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "1"}
    unset = {k: v for k, v in os.environ.items() if k not in switches}

    def changes(first: str, env: dict[str, str]) -> tuple[set[str], str]:
        result = run_python(code.format(first=first), env=env)
        line = result.stdout.split("\n")[0]
        assert line.endswith("] [] 0"), result.stdout + result.stderr  # no hook, logger as is
        return set(ast.literal_eval(line[: line.index("]") + 1])), line

    # what importing TensorFlow alone changes, before the package is imported
    tensorflow, _ = changes("pass", unset)
    use = "import mnist_course as mc; mc.prepare, mc.Recipe, mc.lenet"
    course, line = changes(use, unset)
    assert course - tensorflow == {"KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL"}, line
    course, line = changes(use, {**unset, **switches})
    assert not course & set(switches), line  # the learner's own settings are kept


def run_python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
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


@pytest.mark.slow  # a Python of its own, importing TensorFlow
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
    documented = set(re.findall(r"^\| `([A-Za-z_][A-Za-z_0-9]*)`", api, re.M))
    assert documented == set(mc.__all__)
    for name in mc.__all__:
        assert getattr(mc, name) is not None
    assert set(dir(mc)) >= set(mc.__all__)
    with pytest.raises(AttributeError, match="no attribute 'check_images'"):
        mc.check_images  # noqa: B018 (internal: mnist_course.data.arrays.check_images)
