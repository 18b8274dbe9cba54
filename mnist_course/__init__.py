"""Helpers for the mnist-course notebooks, around Keras: data, models, training, pictures.

``import mnist_course as mc`` is cheap: each public name (docs/api.md) loads its module on
first use, so nothing loads TensorFlow, matplotlib or the widgets until needed."""

import importlib

__version__ = "0.1.0"

_MODULES = {
    "setup.doctor": "doctor",
    "language": "set_language get_language",
    "data.loading": "load_mnist",
    "data.arrays": "flatten scale one_hot to_images prepare summarize",
    "data.images": "to_mnist_image NoDigitError",
    "models.builders": "tiny_mlp mlp lenet cnn build_model input_layout resolve_precision "
    "has_native_bfloat16 MODELS",
    "training.fitting": "set_seed compile_model train",
    "training.callbacks": "LiveCurves EpochLog Stopwatch",
    "training.recipes": "Recipe RECIPES DEFAULT_EPOCHS train_course_model cosine_decay "
    "one_cycle augmentation use_logical_cpus",
    "training.saving": "save_model load_model cache_model cached_model_path trained_model",
    "distribute.cluster": "train_on_workers WorkerError",
    "evaluation.metrics": "predict predict_digit evaluate evaluate_ensemble confusion_matrix "
    "classification_report most_confident_mistakes most_confused_pairs",
    "plots": "plot_digits plot_pixels plot_label_counts plot_history plot_confusion_matrix "
    "plot_mistakes plot_prediction",
    "evaluation.inspection": "feature_maps plot_layer_shapes plot_weight_images plot_filters "
    "plot_feature_maps",
    "interactive.widgets": "DatasetBrowser PredictionExplorer",
    "interactive.drawing": "DrawingPad",
    "interactive.playground": "TrainingPlayground",
    "exercises.capstone": "check_capstone",
    "errors": "MnistCourseError InputError DataNotFoundError DataFileError DownloadError "
    "ModelFileError",
}
_HOME = {name: module for module, names in _MODULES.items() for name in names.split()}
__all__ = ["exercises", *_HOME]


def __getattr__(name: str) -> object:
    if name == "exercises":
        return importlib.import_module(".exercises", __name__)
    if name not in _HOME:
        raise AttributeError(f"module 'mnist_course' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
