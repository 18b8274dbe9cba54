"""The benchmark script runs end to end (its --quick mode) and prints every section."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_prints_every_section_with_ratios(real_mnist_path) -> None:
    env = dict(os.environ, MNIST_COURSE_DATA=str(real_mnist_path))
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    headings = ("1. LeNet", "2. Time to reach", "3. The strongest", "4. MLP", "5. Inference")
    more = ("7. Whole process", "8. The quick tests", "9. Each notebook under nbval")
    more += ("10. Where the course LeNet's whole process goes", "11. How far MNIST goes")
    for heading in (*headings, *more):
        assert heading in out
    assert "native bfloat16: " in out  # the CPU is named with what it computes natively
    assert "import TensorFlow and Keras" in out and "whole-process ratio seed by seed" in out
    assert "each read shifted too (evaluate --shifted)" in out
    assert "seed 0 alone (evaluate): " in out and "with --shifted: " in out
    # benchmark 7 ran both processes and checked the course's file without mnist_course
    assert "python -m mnist_course train lenet" in out
    assert "saved file plain Keras (loads without mnist_course; Keras layers; float32): yes" in out
    assert "ratio" in out and "ratio seed by seed" in out and "QUICK" in out
    assert "tutorial (float64, fit)" in out and "mc.predict" in out
