"""Import TensorFlow and Keras once, without TensorFlow's start-up noise.

TensorFlow's C++ core writes lines such as "oneDNN custom operations are on" and
"Could not find cuda drivers" straight to file descriptor 2 before its logging is set up,
so ``TF_CPP_MIN_LOG_LEVEL`` cannot silence them. In Jupyter they appear as red stderr in
every notebook, scaring learners, and nbval would compare them. We point descriptor 2 at
the null device for the duration of the import and of the first device query only:
Python exceptions are still raised normally and later warnings still show.
"""

from __future__ import annotations

import contextlib
import logging
import os
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


with _stderr_fd_silenced():
    import keras
    import tensorflow as tf

    # The first device query is where a CPU-only machine logs its failed CUDA probe.
    tf.config.list_physical_devices()

# TensorFlow's Python logger prints INFO lines (e.g. every MirroredStrategy all-reduce)
# into notebook outputs; warnings that matter reach learners as Python warnings or errors.
tf.get_logger().setLevel(logging.ERROR)

__all__ = ["keras", "tf"]
