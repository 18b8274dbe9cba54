"""The exceptions a learner can meet, defined once.

Each one subclasses the built-in exception it refines, so ``except ValueError`` or
``except FileNotFoundError`` written by a learner still catches it.

Messages are written in English where they are raised, and shown in the course's language
(:func:`mnist_course.set_language`): ``str(error)`` translates the message by the
catalogue's templates (:func:`mnist_course.translation.translate_message`), so no raise
site needs to know about languages. ``error.args`` keep the English.
"""

from __future__ import annotations

from .translation import translate_message

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

    def __str__(self) -> str:
        return translate_message(super().__str__())


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
