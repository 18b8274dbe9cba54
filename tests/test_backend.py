"""Loading TensorFlow through the package: its own switches only, and a clear message when
TensorFlow is missing. TensorFlow's start-up noise is not hidden by the package; the course's
notebook kernel keeps it out of notebooks (jupyter-config/ipython_kernel_config.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TENSORFLOW_LINE, without_tensorflow_lines

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a Python of its own, importing TensorFlow
def test_only_tensorflows_early_lines_reach_stderr() -> None:
    """TF_CPP_MIN_LOG_LEVEL (set only when unset) silences what it can: no CPU-feature note,
    no CUDA probe error; the few lines TensorFlow writes before reading it stay visible."""
    code = "import mnist_course.backend as b; print(b.keras.__version__)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert without_tensorflow_lines(result.stderr) == ""
    assert "cpu_feature_guard" not in result.stderr and "cuInit" not in result.stderr
    assert result.stdout.strip().startswith("3.")


@pytest.mark.slow  # a Python of its own, importing TensorFlow
def test_real_errors_still_reach_stderr_after_import() -> None:
    code = "import sys, mnist_course.backend; print('still here', file=sys.stderr)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert without_tensorflow_lines(result.stderr) == "still here\n"


def test_the_filter_keeps_everything_that_is_not_tensorflows() -> None:
    assert TENSORFLOW_LINE.match("I0000 00:00:1.2   9566 port.cc:153] oneDNN custom ops")
    kept = "Traceback (most recent call last):\nI said 12:00] hello\n"
    assert without_tensorflow_lines(kept) == kept


@pytest.mark.slow  # a Python of its own, importing TensorFlow
def test_the_course_kernel_keeps_tensorflows_lines_out_of_notebooks(tmp_path: Path) -> None:
    installed = Path(sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.py"
    shipped = ROOT / "jupyter-config" / "ipython_kernel_config.py"
    if not installed.is_file():
        pytest.skip(f"this environment was not made by make ({installed.name} not installed)")
    assert installed.read_text() == shipped.read_text(), "run make again: the config changed"
    notebook = tmp_path / "imports.ipynb"
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    source = "import sys\nimport keras\nprint('warning', file=sys.stderr)"
    notebook.write_text(
        json.dumps(
            {
                "cells": [{**cell, "source": source}],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent))
    subprocess.run(
        [jupyter, "nbconvert", "--to", "notebook", "--execute", "--inplace", str(notebook)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    outputs = json.loads(notebook.read_text())["cells"][0]["outputs"]
    # Python's own stderr still reaches the notebook; TensorFlow's C++ lines do not.
    assert [(o["name"], "".join(o["text"])) for o in outputs] == [("stderr", "warning\n")]


# Makes `tensorflow` unimportable, as on a machine where pip did not install it.
NO_TENSORFLOW = """
import sys

class NoTensorFlow:
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoTensorFlow())
"""


def test_without_tensorflow_the_import_says_why_and_what_to_do() -> None:
    code = NO_TENSORFLOW + (
        "import mnist_course as mc\n"  # cheap: loads nothing of TensorFlow's yet
        "try:\n"
        "    mc.lenet\n"  # the first name that needs TensorFlow
        "except ImportError as error:\n"
        "    print(type(error).__name__, '|', error)\n"
        "    print(type(error.__cause__).__name__, error.__cause__.name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    first, cause = result.stdout.splitlines()
    assert first.startswith("ImportError | mnist_course needs TensorFlow")
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in first
    assert "make lab" in first and "mybinder.org" in first
    assert cause == "ModuleNotFoundError tensorflow"  # the original error stays attached


def test_the_import_error_on_an_intel_mac_points_to_binder() -> None:
    from mnist_course.backend import BINDER_URL, missing_tensorflow_message

    message = missing_tensorflow_message("darwin", "x86_64", (3, 12))
    assert "Intel Macs" in message and BINDER_URL in message
    assert "Apple silicon" in message


def test_the_import_error_on_an_unsupported_python_names_the_supported_ones() -> None:
    from mnist_course.backend import missing_tensorflow_message

    message = missing_tensorflow_message("linux", "x86_64", (3, 14))
    assert "Python 3.11, 3.12, 3.13, not Python 3.14" in message
    assert "make lab" in message and "mybinder.org" in message
    # on Apple silicon the Python version is what is wrong, not the Mac
    assert "Intel" not in missing_tensorflow_message("darwin", "arm64", (3, 14))
