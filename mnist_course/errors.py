"""The exceptions a learner can meet. Each subclasses the built-in exception it refines, so a
learner's ``except ValueError`` still catches it."""


class MnistCourseError(Exception):
    """Base class of every error raised on purpose by ``mnist_course``.

    ``message`` is English, the gettext message id (Babel extracts it from each raise, as
    from ``tr``); the error carries it in the course's language, its ``str.format``
    placeholders filled in from ``values``: ``InputError("{name}: empty", name="scale")``.
    """

    def __init__(self, message: str = "", /, **values: object) -> None:
        from .language import tr  # language itself raises InputError, so import it late

        # gettext("") is the catalogue's header, not an empty message
        super().__init__(tr(message, **values) if message and isinstance(message, str) else message)


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
