"""Importing the package must not print TensorFlow's start-up noise: nbval compares stderr."""

from __future__ import annotations

import subprocess
import sys


def test_import_is_silent() -> None:
    code = "import mnist_course._backend as b; print(b.keras.__version__)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip().startswith("3.")


def test_real_errors_still_reach_stderr_after_import() -> None:
    code = "import sys, mnist_course._backend; print('still here', file=sys.stderr)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.stderr == "still here\n"
