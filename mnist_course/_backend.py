"""Import TensorFlow and Keras once, without TensorFlow's start-up noise.

TensorFlow's C++ core writes lines such as "oneDNN custom operations are on" and
"Could not find cuda drivers" straight to file descriptor 2 before its logging is set up,
so ``TF_CPP_MIN_LOG_LEVEL`` cannot silence them. In Jupyter they appear as red stderr in
every notebook, scaring learners, and nbval would compare them. We point descriptor 2 at
the null device for the duration of the import and of the first device query only:
Python exceptions are still raised normally and later warnings still show.

Where TensorFlow is not installed at all (pip skips it on an Intel Mac, where it has no
wheels, and fails on a Python it has no wheels for), the import error says so, and what to do.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sys
from collections.abc import Iterator

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# 3 also hides C++ "E" lines that TensorFlow prints for harmless version mismatches;
# real failures still arrive as Python exceptions.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def _stderr_fd_silenced() -> Iterator[None]:
    try:
        saved = os.dup(2)
    except OSError:  # no usable descriptor 2 (pythonw on Windows): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


BINDER_URL = (
    "https://mybinder.org/v2/gh/mnist-course/mnist-course/HEAD"
    "?urlpath=lab/tree/notebooks/01_dataset.ipynb"
)
# pyproject's requires-python; TensorFlow 2.21 has wheels for CPython 3.10 to 3.13.
SUPPORTED_PYTHONS = ((3, 11), (3, 12), (3, 13))


def missing_tensorflow_message(
    system: str | None = None,
    machine: str | None = None,
    version: tuple[int, int] | None = None,
) -> str:
    """Why TensorFlow is missing here and what to do, for this machine (or the one given)."""
    system = sys.platform if system is None else system
    machine = platform.machine() if machine is None else machine
    version = sys.version_info[:2] if version is None else version
    python = "Python {}.{}".format(*version)
    supported = ", ".join("{}.{}".format(*v) for v in SUPPORTED_PYTHONS)
    where = f"{python} on {system} {machine} ({sys.executable})"
    binder = f"Or run the course in your browser on Binder, nothing to install: {BINDER_URL}"
    if system == "darwin" and machine.lower() in ("x86_64", "amd64", "i386"):
        return (
            f"mnist_course needs TensorFlow, which is not installed in {where}. TensorFlow "
            "publishes no packages for Intel Macs any more (only for Apple silicon), so pip "
            "skipped it. Use the course on Binder, in your browser, nothing to install: "
            f"{BINDER_URL} , or a Mac with Apple silicon, Linux or Windows."
        )
    if version not in SUPPORTED_PYTHONS:
        return (
            f"mnist_course needs TensorFlow 2.21, which is not installed in {where}. "
            f"The course's pinned packages are for Python {supported}, not {python}: install "
            "one of those and run `make lab` again (it picks the newest it finds), or use "
            f"conda with environment.yml. {binder}"
        )
    return (
        f"mnist_course needs TensorFlow 2.21, which is not installed in {where}. Install "
        "the course's packages with `make lab` (or `pip install -r requirements.txt "
        "-c requirements-lock.txt -e .`) and run Jupyter or Python from that environment "
        f"(.venv); in JupyterLab, pick that environment's kernel. {binder}"
    )


try:
    with _stderr_fd_silenced():
        import keras
        import tensorflow as tf

        # The first device query is where a CPU-only machine logs its failed CUDA probe.
        tf.config.list_physical_devices()
except ModuleNotFoundError as error:
    if error.name != "tensorflow":
        raise
    raise ImportError(missing_tensorflow_message(), name="tensorflow") from error

# TensorFlow's Python logger prints INFO lines (e.g. every MirroredStrategy all-reduce)
# into notebook outputs; warnings that matter reach learners as Python warnings or errors.
tf.get_logger().setLevel(logging.ERROR)

__all__ = ["keras", "missing_tensorflow_message", "tf"]
