"""Save and load models as plain Keras files, and keep trained models between notebooks.

Every ``.keras`` file the course writes loads with ``keras.saving.load_model(path)`` in a
Python that has never heard of ``mnist_course``: standard Keras layers only, a float32
dtype policy, and the compile settings a learner would write (optimizer, loss,
accuracy). The speed tricks of the training path (LeNet's faster pooling gradient,
bfloat16, several steps per call) are left behind by :func:`plain_model`.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from pathlib import Path

from ..backend import keras
from ..data.loading import load_mnist
from ..errors import InputError, ModelFileError
from ..files import COURSE_ROOT, atomic_path
from ..language import tr
from .recipes import RECIPES, train_course_model

__all__ = [
    "plain_model",
    "save_model",
    "load_model",
    "model_cache_dir",
    "cached_model_path",
    "cache_model",
    "trained_model",
]

CACHE_ENV_VAR = "MNIST_COURSE_MODELS"


def _plain_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    config = layer.get_config()
    # float32 everywhere: bfloat16 is only fast on some CPUs, and weights are float32 anyway.
    config["dtype"] = "float32"
    return type(layer).from_config(config)


def plain_model(model: keras.Model) -> keras.Model:
    """A copy of ``model`` that plain Keras can load: what :func:`save_model` writes.

    The same Keras layers computing in float32, the same weights, and when ``model`` is
    compiled, the same optimizer settings, loss and metrics with Keras's default one step
    per call. Predictions agree with ``model``'s
    exactly for a float32 model, and to bfloat16 rounding (about 1e-2 on a probability)
    for a model trained in bfloat16.
    """
    if not isinstance(model, keras.Model):
        raise InputError(
            tr(
                "{name}: expected a Keras model, got {kind}.",
                name="save_model",
                kind=type(model).__name__,
            )
        )
    copy = keras.models.clone_model(model, clone_function=_plain_layer)
    copy.set_weights(model.get_weights())
    if model.compiled and model.optimizer is not None:
        optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
        copy.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
        # Built now, its slots are saved too: Keras builds the optimizer when it loads the
        # file, and would otherwise warn "Skipping variable loading for optimizer".
        optimizer.build(copy.trainable_variables)
    return copy


def save_model(model: keras.Model, path: str | os.PathLike[str]) -> Path:
    """Save ``model`` as a plain ``.keras`` file, without ever leaving a broken file.

    What is written is :func:`plain_model`: it loads with ``keras.saving.load_model``
    anywhere Keras 3 runs, without this package. The file is written under a temporary
    name in the same folder and renamed over ``path`` only when complete, so a save
    killed half way leaves the previous file intact.

    Parameters
    ----------
    model : keras.Model
    path : str or path-like
        Must end in ``.keras``.

    Returns
    -------
    pathlib.Path
        Where it was saved.
    """
    if not isinstance(path, str | os.PathLike):
        raise InputError(
            f"save_model: the path must be a file name such as 'lenet.keras', got "
            f"{type(path).__name__} (the arguments are save_model(model, path))."
        )
    path = Path(path).expanduser()
    if path.suffix != ".keras":
        raise InputError(
            tr("save_model: {path} must end in .keras, the Keras 3 model format.", path=path)
        )
    if path.is_dir():
        raise InputError(
            tr("save_model: {path} is a folder; give a file name inside it.", path=path)
        )
    if not path.parent.is_dir():
        raise InputError(
            tr("save_model: folder {folder} does not exist; create it first.", folder=path.parent)
        )
    plain = plain_model(model)
    try:
        with atomic_path(path) as tmp:
            plain.save(tmp)
    except OSError as error:
        raise ModelFileError(
            f"save_model: cannot write {path} ({error.strerror or error})."
        ) from None
    return path


def load_model(path: str | os.PathLike[str]) -> keras.Model:
    """Load a ``.keras`` model with Keras's safe mode on.

    Safe mode refuses files that would run arbitrary Python code when loaded (a ``Lambda``
    layer holds such code), so a model file from the internet cannot take over the machine.

    Raises
    ------
    ModelFileError
        Missing, truncated, another format, or refused by safe mode; the message says which.
    """
    if not isinstance(path, str | os.PathLike):
        raise InputError(
            f"load_model: expected the path of a .keras file, got {type(path).__name__}."
        )
    path = Path(path).expanduser()
    if path.is_dir():
        raise ModelFileError(tr("load_model: {path} is a folder, not a .keras file.", path=path))
    if not path.is_file():
        raise ModelFileError(tr("load_model: no model file at {path}.", path=path))
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            tr(
                "load_model: {path} is not a .keras file (a .keras file is a zip "
                "archive); it is truncated or another format (HDF5 .h5? SavedModel?). "
                "Save it again with mc.save_model(model, 'name.keras').",
                path=path,
            )
        )
    try:
        with warnings.catch_warnings():
            # A model saved before training has no optimizer state yet; that is fine for
            # predicting, and Keras's warning about it only alarms learners.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types here; the message is what matters
        text = str(error)
        if "safe_mode" in text or "Lambda" in text:
            raise ModelFileError(
                f"load_model: {path} was refused by Keras's safe mode: it contains code "
                "(such as a Lambda layer) that would run when loaded. Load it only if you "
                "trust its author, with keras.saving.load_model(path, safe_mode=False)."
            ) from None
        raise ModelFileError(
            f"load_model: {path} could not be loaded ({type(error).__name__}: "
            f"{text.splitlines()[0] if text else 'no detail'}). It may be truncated or made "
            "by another version of Keras."
        ) from None


def model_cache_dir() -> Path:
    """Folder of trained models shared between notebooks.

    ``$MNIST_COURSE_MODELS`` if set; else ``models/`` at the top of the course repository
    (git-ignored); else ``~/.cache/mnist_course/models`` for an installed package.
    """
    env = os.environ.get(CACHE_ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    if COURSE_ROOT is not None:
        return COURSE_ROOT / "models"
    return Path.home() / ".cache" / "mnist_course" / "models"


def cached_model_path(name: str) -> Path:
    """Where the trained model ``name`` ("mlp", "lenet", ...) is kept in the cache."""
    return model_cache_dir() / f"{name}.keras"


def cache_model(model: keras.Model, name: str) -> Path:
    """Save a trained model in the cache under ``name``, for later notebooks to reuse."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise InputError(
            f"cache_model: the name must be a plain name such as 'lenet' (letters, digits, "
            f"'-', '_', '.'), got {name!r}."
        )
    path = cached_model_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelFileError(
            f"cannot create the model cache {path.parent} ({error.strerror or error}); set "
            f"{CACHE_ENV_VAR} to a writable folder."
        ) from None
    return save_model(model, path)


# Notebooks 03 to 05 validate on the last 5,000 training images (and the test set stays for
# the end): a model trained here must have seen neither.
VALIDATION_IMAGES = 5_000


def trained_model(
    name: str,
    *,
    retrain: bool = False,
    progress: keras.callbacks.Callback | None = None,
) -> keras.Model:
    """A trained course model: from the cache if there, else trained now and cached.

    Trains with the model's recipe in :data:`~mnist_course.recipes.RECIPES` (see
    :func:`~mnist_course.recipes.train_course_model`), so later notebooks can run on their
    own, on the training images less the last 5,000 (:data:`VALIDATION_IMAGES`, the
    notebooks' validation set), as notebook 03 does. What comes back is what the cache
    holds: a plain float32 Keras model. It changes no random state: to train the same model
    each time, call ``keras.utils.set_random_seed`` first.

    Parameters
    ----------
    name : str
        A recipe in :data:`~mnist_course.recipes.RECIPES`: "tiny-mlp", "mlp", "lenet",
        "cnn" or "fast-cnn".
    retrain : bool
        Ignore the cached file and train again.
    progress : keras.callbacks.Callback, optional
        As in :func:`~mnist_course.fitting.train`.
    """
    if name not in RECIPES:
        raise InputError(
            tr(
                "unknown model {name!r}; choose one of {names}.",
                name=name,
                names=", ".join(RECIPES),
            )
        )
    path = cached_model_path(name)
    if path.is_file() and not retrain:
        try:
            return load_model(path)
        except ModelFileError:
            pass  # a damaged cache entry is simply retrained and replaced
    (x_train, y_train), _ = load_mnist()
    fit = len(x_train) - min(VALIDATION_IMAGES, len(x_train) // 12)
    model, _ = train_course_model(name, x_train[:fit], y_train[:fit], progress=progress)
    try:
        cache_model(model, name)
    except (InputError, ModelFileError) as error:
        print(
            f"Note: could not cache the trained model in {path.parent} ({error}); "
            f"set {CACHE_ENV_VAR} to a writable folder to keep it."
        )
    return plain_model(model)
