"""The exceptions a learner can meet, defined once.

Each one subclasses the built-in exception it refines, so ``except ValueError`` or
``except FileNotFoundError`` written by a learner still catches it.

Raise sites write their message with :func:`mnist_course.language.tr`, so it is in the
course's language (:func:`mnist_course.set_language`) when the error is raised.
"""

from __future__ import annotations

__all__ = [
    "MnistCourseError",
    "DataNotFoundError",
    "DataFileError",
    "DownloadError",
    "InputError",
    "ModelFileError",
]


class MnistCourseError(Exception):
    """Base class of every error raised on purpose by ``mnist_course``."""


class DataNotFoundError(MnistCourseError, FileNotFoundError):
    """No MNIST data where it was looked for, and no way to download it."""


class DataFileError(MnistCourseError, ValueError):
    """A data file exists but is not valid MNIST (truncated, corrupt, wrong shape...)."""


class DownloadError(MnistCourseError, OSError):
    """The MNIST download failed or its checksum did not match; nothing was cached."""


class InputError(MnistCourseError, ValueError):
    """An array given to a course function has the wrong shape, dtype or range."""


class ModelFileError(MnistCourseError, ValueError):
    """A model file cannot be loaded: missing, truncated, another format, or unsafe."""
