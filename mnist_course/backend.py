"""Import TensorFlow and Keras once, and say what to do where TensorFlow is missing.

``KERAS_BACKEND`` and ``TF_CPP_MIN_LOG_LEVEL=3`` (which also hides harmless "E" lines, such as
a failed CUDA probe) are their own documented switches, set only where the learner has not."""

import os
import platform
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BINDER_URL = (
    "https://mybinder.org/v2/gh/mnist-course/mnist-course/HEAD"
    "?urlpath=lab/tree/notebooks/01_dataset.ipynb"
)
# pyproject's requires-python; TensorFlow 2.21 has wheels for CPython 3.10 to 3.13.
SUPPORTED_PYTHONS = ((3, 11), (3, 12), (3, 13))


def missing_tensorflow_message(
    system: str | None = None, machine: str | None = None, version: tuple[int, int] | None = None
) -> str:
    """Why TensorFlow is missing here and what to do, for this machine (or the one given)."""
    system, machine = system or sys.platform, machine or platform.machine()
    version = version or sys.version_info[:2]
    python = "Python {}.{}".format(*version)
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
        supported = ", ".join("{}.{}".format(*v) for v in SUPPORTED_PYTHONS)
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
    import keras
    import tensorflow as tf
except ModuleNotFoundError as error:
    if error.name != "tensorflow":
        raise
    raise ImportError(missing_tensorflow_message(), name="tensorflow") from error

__all__ = ["keras", "missing_tensorflow_message", "tf"]
