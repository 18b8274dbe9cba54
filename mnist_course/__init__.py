"""Helpers for the mnist-course notebooks: data, models, training, evaluation, pictures.

The notebooks call only the names exported here.
"""

from .data import (
    DatasetSummary,
    check_dataset,
    download_mnist,
    flatten,
    load_mnist,
    one_hot,
    prepare,
    scale,
    summarize,
    to_images,
)
from .errors import (
    DataFileError,
    DataNotFoundError,
    DownloadError,
    InputError,
    MnistCourseError,
)
from .idx import read_idx, write_idx
from .plots import plot_digits, plot_label_counts, plot_pixels
from .widgets import DatasetBrowser

__version__ = "0.1.0"

__all__ = [
    "DataFileError",
    "DataNotFoundError",
    "DatasetBrowser",
    "DatasetSummary",
    "DownloadError",
    "InputError",
    "MnistCourseError",
    "check_dataset",
    "download_mnist",
    "flatten",
    "load_mnist",
    "one_hot",
    "plot_digits",
    "plot_label_counts",
    "plot_pixels",
    "prepare",
    "read_idx",
    "scale",
    "summarize",
    "to_images",
    "write_idx",
]
