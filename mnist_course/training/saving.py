"""Save models as plain Keras files (they load without ``mnist_course``), load them safely,
and keep trained models between notebooks."""

from __future__ import annotations

import contextlib
import os
import re
import warnings
import zipfile
from pathlib import Path

from ..backend import keras
from ..data.loading import load_mnist
from ..errors import InputError, MnistCourseError, ModelFileError
from ..files import COURSE_ROOT, atomic_path
from ..language import tr
from ..models.builders import check_choice, check_keras_model
from .recipes import RECIPES, train_course_model

CACHE_ENV_VAR = "MNIST_COURSE_MODELS"
# Notebooks 03 to 05 validate on the last 5,000 training images: trained_model never sees them.
VALIDATION_IMAGES = 5_000


def plain_model(model: keras.Model) -> keras.Model:
    """A float32 copy of ``model`` that plain Keras loads, compiled like it if it is (one step
    per call): what :func:`save_model` writes. Predictions of a bfloat16 model agree to 1e-2."""

    def float32(layer):  # bfloat16 is only fast on some CPUs; weights are float32 anyway
        config = layer.get_config()
        try:
            return type(layer).from_config({**config, "dtype": "float32"})
        except TypeError:  # a layer of one's own whose __init__ takes no dtype: as it is
            return type(layer).from_config(config)

    check_keras_model(model, "save_model")
    try:
        copy = keras.models.clone_model(model, clone_function=float32)
    except ValueError as error:  # a subclassed model; a Lambda layer, which safe mode refuses
        raise InputError(
            "save_model: model {model!r} cannot be copied as plain Keras layers ({error}). "
            "Build it with keras.Sequential or keras.Input and Keras's own layers (no "
            "Lambda: keras.layers.Rescaling scales), or save it yourself with model.save(path).",
            model=model.name,
            error=str(error).splitlines()[0],
        ) from None
    except TypeError as error:  # the copy is compiled like the model: a loss of one's own
        raise InputError(
            "save_model: {error}. Plain Keras could not load the file either: decorate your "
            "function with @keras.saving.register_keras_serializable(), or compile with one "
            "of Keras's own losses (such as 'categorical_crossentropy') before saving.",
            error=str(error).split(". ")[0],
        ) from None
    copy.set_weights(model.get_weights())
    if model.compiled and model.optimizer is not None:
        # Its own loss and metrics, as clone_model compiled it, but one step per call (plain
        # Keras's default); compile_from_config builds the optimizer, so its slots are saved.
        copy.compile_from_config({**model.get_compile_config(), "steps_per_execution": 1})
    return copy


def save_model(model: keras.Model, path: str | os.PathLike[str]) -> Path:
    """Save :func:`plain_model` as a ``.keras`` file, never leaving a broken file behind.

    Parameters
    ----------
    model : keras.Model
    path : str or path-like
        Ends in ``.keras``.

    Returns
    -------
    pathlib.Path
    """
    if not isinstance(path, str | os.PathLike):
        raise InputError(
            "save_model: the path must be a file name such as 'lenet.keras', got "
            "{kind} (the arguments are save_model(model, path)).",
            kind=type(path).__name__,
        )
    path = Path(path).expanduser()
    if path.suffix != ".keras":
        raise InputError(
            "save_model: {path} must end in .keras, the Keras 3 model format.", path=path
        )
    if _looked_up(path, "save_model").is_dir():
        raise InputError("save_model: {path} is a folder; give a file name inside it.", path=path)
    if path.parent.exists() and not path.parent.is_dir():
        raise InputError(
            "save_model: {folder} is a file, not a folder; save next to it.", folder=path.parent
        )
    if not path.parent.is_dir():
        raise InputError(
            "save_model: folder {folder} does not exist; create it first.", folder=path.parent
        )
    plain = plain_model(model)
    try:
        with atomic_path(path) as tmp:
            plain.save(tmp)
    except OSError as error:
        reason = error.strerror or error
        raise ModelFileError(
            "save_model: cannot write {path} ({error}).", path=path, error=reason
        ) from None
    return path


def _looked_up(path: Path, name: str) -> Path:
    """``path``, or a ModelFileError if the system cannot even look it up."""
    try:
        os.stat(path)  # raises for a name over 255 bytes, or a NUL in it (is_dir says False)
    except (FileNotFoundError, NotADirectoryError):
        pass  # said later, in the caller's own words
    except (OSError, ValueError) as error:
        raise ModelFileError(
            "{name}: cannot use the file name {path!r} ({error}).",
            name=name,
            path=str(path)[:80],
            error=getattr(error, "strerror", None) or error,
        ) from None
    return path


def load_model(path: str | os.PathLike[str]) -> keras.Model:
    """Load a ``.keras`` model with Keras's safe mode on (no code in the file runs).

    Parameters
    ----------
    path : str or path-like

    Raises
    ------
    ModelFileError
        Missing, truncated, another format, or refused by safe mode; the message says which.
    """
    if not isinstance(path, str | os.PathLike):
        kind = type(path).__name__
        raise InputError("load_model: expected the path of a .keras file, got {kind}.", kind=kind)
    path = Path(path).expanduser()
    if _looked_up(path, "load_model").is_dir():
        raise ModelFileError("load_model: {path} is a folder, not a .keras file.", path=path)
    if not path.is_file():
        raise ModelFileError("load_model: no model file at {path}.", path=path)
    if not _holds_a_keras_model(path):
        raise ModelFileError(
            "load_model: {path} is not a .keras file (a zip archive of the model's "
            "config.json and weights); it is truncated or another format (HDF5 .h5? "
            "SavedModel? .npz?). Save it again with mc.save_model(model, 'name.keras').",
            path=path,
        )
    if not str(path).endswith(".keras"):
        raise ModelFileError(
            "load_model: Keras reads a model file only if its name ends in .keras (in "
            "lower case); rename {path} to {name}.",
            path=path,
            name=path.with_suffix(".keras").name,
        )
    try:
        with warnings.catch_warnings():
            # A model saved untrained has no optimizer state: harmless, and alarming.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types here; the message is what matters
        text = str(error)
        if "safe_mode" in text or "Lambda" in text:
            raise ModelFileError(
                "load_model: {path} was refused by Keras's safe mode: it contains code (such "
                "as a Lambda layer) that would run when loaded. Load it only if you trust its "
                "author, with keras.saving.load_model(path, safe_mode=False).",
                path=path,
            ) from None
        if unknown := re.search(r"Could not locate class '([^']+)'", text):
            raise ModelFileError(
                "load_model: {path} holds {name}, a class of its own that this Python does "
                "not know. Define it, decorated with "
                "@keras.saving.register_keras_serializable(), or import the module that "
                "does, then load again.",
                path=path,
                name=unknown.group(1),
            ) from None
        raise ModelFileError(
            "load_model: {path} could not be loaded ({kind}: {value}). It may be "
            "truncated or made by another version of Keras.",
            path=path,
            kind=type(error).__name__,
            value=text.splitlines()[0] if text else "no detail",
        ) from None


def _holds_a_keras_model(path: Path) -> bool:
    """Whether ``path`` is a zip archive laid out as Keras saves a model (an npz is a zip too)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {"config.json", "metadata.json"} <= set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def model_cache_dir() -> Path:
    """``$MNIST_COURSE_MODELS``, else the course's ``models/``, else ``~/.cache/mnist_course``'s."""
    if env := os.environ.get(CACHE_ENV_VAR, "").strip():
        return Path(env).expanduser()
    return (COURSE_ROOT or Path.home() / ".cache" / "mnist_course") / "models"


def cached_model_path(name: str) -> Path:
    """Where the trained model ``name`` ("mlp", "lenet", ...) is kept in the cache."""
    return model_cache_dir() / f"{name}.keras"


def _stopped_early(model: object) -> tuple[int, int] | None:
    """(epochs done, epochs asked) if the model's last ``fit`` was interrupted (Ctrl-C), not
    ended by a callback such as EarlyStopping, which sets ``stop_training``; else None."""
    history = getattr(model, "history", None)  # what Keras's fit keeps of its last run
    if not isinstance(history, keras.callbacks.History) or not isinstance(history.params, dict):
        return None
    epochs, asked = getattr(history, "epoch", None), history.params.get("epochs")
    epochs = [] if epochs is None else epochs  # fit stopped before it began
    if not isinstance(epochs, list | tuple) or not all(isinstance(e, int) for e in epochs):
        return None
    if not isinstance(asked, int):
        return None
    ended = epochs[-1] + 1 if epochs else 0  # counts from initial_epoch, as fit does
    if getattr(history, "interrupted", False) or (
        ended < asked and not getattr(model, "stop_training", False)
    ):
        return len(epochs), asked
    return None


def cache_model(model: keras.Model, name: str) -> Path:
    """Save a trained model in the cache under ``name``, for later notebooks to reuse."""
    if isinstance(name, str):
        name = name.removesuffix(".keras")  # "lenet.keras" is the name "lenet"
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise InputError(
            "cache_model: the name must be a plain name such as 'lenet' (letters, "
            "digits, '-', '_', '.'), got {name!r}.",
            name=name,
        )
    stopped = _stopped_early(model)
    if stopped is not None:
        raise InputError(
            "cache_model: this model's last training run was interrupted after {done} of its "
            "{asked} epochs, so it is only partly trained, and later notebooks would take it "
            "for the trained {name}. Run the training cell again to the end, then cache it (to "
            "keep this model anyway: mc.save_model(model, 'name.keras')).",
            done=stopped[0],
            asked=stopped[1],
            name=name,
        )
    path = cached_model_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelFileError(
            "cannot create the model cache {folder} ({error}); set {cache_env_var} "
            "to a writable folder.",
            folder=path.parent,
            error=error.strerror or error,
            cache_env_var=CACHE_ENV_VAR,
        ) from None
    return save_model(model, path)


def trained_model(
    name: str, *, retrain: bool = False, progress: keras.callbacks.Callback | None = None
) -> keras.Model:
    """A trained course model: from the cache, else trained with its recipe (on the training
    images less the notebooks' 5,000 validation ones) and cached.

    Parameters
    ----------
    name : str
        A recipe in :data:`~.recipes.RECIPES`: "tiny-mlp", "mlp", "lenet", "cnn", "fast-cnn".
    retrain : bool
        Ignore the cached file and train again.
    progress : keras.callbacks.Callback, optional

    Returns
    -------
    keras.Model
        A plain float32 Keras model, as the cache holds it.
    """
    path = cached_model_path(check_choice(name, RECIPES))
    if path.is_file() and not retrain:
        with contextlib.suppress(ModelFileError):  # a damaged entry is retrained and replaced
            return load_model(path)
    # said first: a learner who skipped notebook 03_train waits here, and should know why
    said = {"name": name, "key": name}
    if path.is_file():  # retrain=True, or a damaged file
        print(tr("Training {name} again with its recipe, mc.RECIPES[{key!r}].", **said), flush=True)
    else:
        print(
            tr(
                "No trained {name} in the model cache yet: training one now with its recipe, "
                "mc.RECIPES[{key!r}]; it is kept for next time.",
                **said,
            ),
            flush=True,
        )
    (x_train, y_train), _ = load_mnist()
    fit = len(x_train) - min(VALIDATION_IMAGES, len(x_train) // 12)
    model, history = train_course_model(name, x_train[:fit], y_train[:fit], progress=progress)
    if getattr(history, "interrupted", False):  # a partly trained model must not be cached
        raise MnistCourseError(
            "Training {name} was interrupted, so nothing was cached and this cell stops here. "
            "Run it again to train {name}; once it finishes, it is kept for next time.",
            name=name,
        )
    try:
        cache_model(model, name)
    except (InputError, ModelFileError) as error:
        print(
            tr(
                "Note: could not cache the trained model in {folder} ({error}); set "
                "{cache_env_var} to a writable folder to keep it.",
                folder=path.parent,
                error=error,
                cache_env_var=CACHE_ENV_VAR,
            )
        )
    return plain_model(model)
