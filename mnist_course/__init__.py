"""Helpers for the mnist-course notebooks, around Keras: data, models, training, pictures.

``import mnist_course as mc`` is cheap: each name below loads its module the first time it
is used, so the command line runs without matplotlib or the widget packages, and nothing
loads TensorFlow until a name that needs it is used. The public names, by module
(docs/api.md says the same, with one line each):

* setup_check: ``doctor`` (is this machine ready for the course?)
* language: ``set_language`` (``"zh"`` for Chinese: 简体中文), ``get_language``
* data: ``load_mnist``
* arrays (what an MNIST array is): ``flatten``, ``scale``, ``one_hot``, ``to_images``,
  ``prepare``, ``summarize``
* images (your own pictures): ``to_mnist_image``
* models: ``tiny_mlp``, ``mlp``, ``lenet``, ``cnn``, ``build_model``, ``input_layout``,
  ``resolve_precision``, ``MODELS``
* fitting: ``set_seed``, ``compile_model``, ``train``
* callbacks (plug into ``model.fit``): ``LiveCurves``, ``EpochLog``, ``Stopwatch``
* recipes: ``Recipe``, ``RECIPES``, ``DEFAULT_EPOCHS``, ``train_course_model``,
  ``cosine_decay``, ``one_cycle``, ``augmentation``, ``use_logical_cpus``
* saving: ``save_model``, ``load_model``, ``cache_model``, ``cached_model_path``,
  ``trained_model``
* cluster (several worker processes, as on several machines): ``train_on_workers``,
  ``WorkerError``
* evaluation: ``predict``, ``predict_digit``, ``evaluate``, ``evaluate_ensemble``,
  ``confusion_matrix``, ``classification_report``, ``most_confident_mistakes``,
  ``most_confused_pairs``
* plots: ``plot_digits``, ``plot_pixels``, ``plot_label_counts``, ``plot_history``,
  ``plot_confusion_matrix``, ``plot_mistakes``, ``plot_prediction``
* inspection: ``feature_maps``, ``plot_layer_shapes``, ``plot_weight_images``,
  ``plot_filters``, ``plot_feature_maps``
* widgets: ``DatasetBrowser``, ``PredictionExplorer``, ``DrawingPad``,
  ``TrainingPlayground``
* ``exercises``: the notebooks' exercise checkers
* capstone: ``check_capstone`` (the final exercise: the tutorial's LeNet in plain Keras)
* errors: ``MnistCourseError`` and its kinds ``InputError``, ``NoDigitError``,
  ``DataNotFoundError``, ``DataFileError``, ``DownloadError``, ``ModelFileError``

Everything else lives in the modules (``mnist_course.arrays.check_images``, ...), for the
curious and for tests.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"


class _QuietTensorFlow(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Let ``import keras`` after ``import mnist_course`` load TensorFlow without its noise.

    TensorFlow's C++ start-up lines (see ``_backend``) would appear in red in the first
    notebook cell that imports Keras. The package stays cheap to import: nothing loads until
    the learner imports ``keras`` or ``tensorflow``; then ``_backend`` does it, quietly, once.
    """

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201
        if name not in ("keras", "tensorflow") or self not in sys.meta_path:
            return None
        sys.meta_path.remove(self)
        if f"{__name__}._backend" in sys.modules:
            return None  # _backend itself is importing them, already quietly
        importlib.import_module("._backend", __name__)  # imports both, with stderr silenced
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):  # noqa: ANN001, ANN201
        return sys.modules[spec.name]  # already imported by _backend: do not run it twice

    def exec_module(self, module) -> None:  # noqa: ANN001
        pass


if "tensorflow" not in sys.modules:
    sys.meta_path.insert(0, _QuietTensorFlow())

_MODULES: dict[str, tuple[str, ...]] = {
    "setup_check": ("doctor",),
    "language": ("set_language", "get_language"),
    "data": ("load_mnist",),
    "arrays": ("flatten", "scale", "one_hot", "to_images", "prepare", "summarize"),
    "images": ("to_mnist_image", "NoDigitError"),
    "models": (
        "tiny_mlp",
        "mlp",
        "lenet",
        "cnn",
        "build_model",
        "input_layout",
        "resolve_precision",
        "MODELS",
    ),
    "fitting": ("set_seed", "compile_model", "train"),
    "callbacks": ("LiveCurves", "EpochLog", "Stopwatch"),
    "recipes": (
        "Recipe",
        "RECIPES",
        "DEFAULT_EPOCHS",
        "train_course_model",
        "cosine_decay",
        "one_cycle",
        "augmentation",
        "use_logical_cpus",
    ),
    "saving": ("save_model", "load_model", "cache_model", "cached_model_path", "trained_model"),
    "cluster": ("train_on_workers", "WorkerError"),
    "evaluation": (
        "predict",
        "predict_digit",
        "evaluate",
        "evaluate_ensemble",
        "confusion_matrix",
        "classification_report",
        "most_confident_mistakes",
        "most_confused_pairs",
    ),
    "plots": (
        "plot_digits",
        "plot_pixels",
        "plot_label_counts",
        "plot_history",
        "plot_confusion_matrix",
        "plot_mistakes",
        "plot_prediction",
    ),
    "inspection": (
        "feature_maps",
        "plot_layer_shapes",
        "plot_weight_images",
        "plot_filters",
        "plot_feature_maps",
    ),
    "widgets": ("DatasetBrowser", "PredictionExplorer"),
    "drawing": ("DrawingPad",),
    "playground": ("TrainingPlayground",),
    "capstone": ("check_capstone",),
    "errors": (
        "MnistCourseError",
        "InputError",
        "DataNotFoundError",
        "DataFileError",
        "DownloadError",
        "ModelFileError",
    ),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}
__all__ = ["exercises", *_HOME]


def __getattr__(name: str) -> object:
    if name == "exercises":
        return importlib.import_module(".exercises", __name__)
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'mnist_course' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
