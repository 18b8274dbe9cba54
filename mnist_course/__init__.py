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
    ModelFileError,
)
from .idx import read_idx, write_idx
from .models import MODELS, build_model, cnn, input_layout, lenet, mlp, tiny_mlp
from .plots import (
    plot_digits,
    plot_history,
    plot_label_counts,
    plot_layer_shapes,
    plot_pixels,
)
from .training import (
    DEFAULT_EPOCHS,
    EpochLog,
    augmentation,
    cache_model,
    cached_model_path,
    compile_model,
    cosine_decay,
    load_model,
    one_cycle,
    save_model,
    set_seed,
    train,
    train_course_model,
    trained_model,
)
from .widgets import DatasetBrowser, LiveCurves

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_EPOCHS",
    "MODELS",
    "DataFileError",
    "DataNotFoundError",
    "DatasetBrowser",
    "DatasetSummary",
    "DownloadError",
    "EpochLog",
    "InputError",
    "LiveCurves",
    "MnistCourseError",
    "ModelFileError",
    "augmentation",
    "build_model",
    "cache_model",
    "cached_model_path",
    "check_dataset",
    "cnn",
    "compile_model",
    "cosine_decay",
    "download_mnist",
    "flatten",
    "input_layout",
    "lenet",
    "load_mnist",
    "load_model",
    "mlp",
    "one_cycle",
    "one_hot",
    "plot_digits",
    "plot_history",
    "plot_label_counts",
    "plot_layer_shapes",
    "plot_pixels",
    "prepare",
    "read_idx",
    "save_model",
    "scale",
    "set_seed",
    "summarize",
    "tiny_mlp",
    "to_images",
    "train",
    "train_course_model",
    "trained_model",
    "write_idx",
]
