"""Save models as plain Keras files (they load without ``mnist_course``), load them safely,
and keep trained models between notebooks."""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ..backend import keras
from ..data.loading import load_mnist
from ..errors import InputError, MnistCourseError, ModelFileError
from ..files import COURSE_ROOT, atomic_path
from ..language import tr
from ..models.builders import as_input, build_model, check_choice, check_keras_model
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
    except TypeError as error:  # a loss, metric, schedule or layer of one's own
        raise InputError(
            "save_model: {error}. Plain Keras could not load the file either: decorate each "
            "loss, metric, learning-rate schedule or layer of your own with "
            "@keras.saving.register_keras_serializable() (a layer's __init__ must also take "
            "**kwargs), or use Keras's own, such as loss='categorical_crossentropy'.",
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
    except Exception as error:  # Keras's own failure while writing: the old file is kept
        raise ModelFileError(
            "save_model: Keras could not write {path} ({kind}: {error}); the file is as it was.",
            path=path,
            kind=type(error).__name__,
            error=str(error).splitlines()[0] if str(error) else "no detail",
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
    try:
        holds = _holds_a_keras_model(path)
    except PermissionError as error:
        raise ModelFileError(
            "load_model: cannot read {path} ({reason}): give yourself read permission on it, "
            "or copy it somewhere you can read.",
            path=path,
            reason=error.strerror or error,
        ) from None
    if not holds:
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
    except PermissionError:
        raise  # unreadable is not corrupt: load_model says which
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
    # mc.train sets stop_training on Ctrl-C too, and says so in history.interrupted
    interrupted = getattr(history, "interrupted", False)
    on_purpose = getattr(model, "stop_training", False) and not interrupted
    return (len(epochs), asked) if ended < asked and not on_purpose else None


def _not_like(model: keras.Model, name: str) -> str | None:
    """Why ``model`` cannot stand for the course's model ``name`` (a recipe): the notebooks
    rely on its input and output shapes being the recipe model's; or None."""
    recipe = RECIPES[name]
    expected = build_model(recipe.model, precision="float32", **recipe.options)
    wanted = tuple(expected.input_shape[1:]), tuple(expected.output_shape[1:])
    try:
        shapes = tuple(model.input_shape[1:]), tuple(model.output_shape[1:])
    except (AttributeError, ValueError, TypeError):  # never built
        shapes = None, None
    if shapes == wanted:
        return None
    return tr(
        "it is {model}, with input {input} and output {output}, where the course's {name} "
        "has input {wanted_input} and output {wanted_output}",
        model=model.name,
        input=shapes[0],
        output=shapes[1],
        name=name,
        wanted_input=wanted[0],
        wanted_output=wanted[1],
    )


def _unusable(model: keras.Model, name: str) -> str | None:
    """Why the cached ``model`` cannot be the trained ``name``, or None: another model, or
    one that reads too few validation digits right (an untrained model reads about 1 in 10)."""
    if (unlike := _not_like(model, name)) is not None:
        return unlike
    try:
        (images, digits), _ = load_mnist()
    except MnistCourseError:
        return None  # nothing to measure it with: take it as it is
    if len(images) < 60_000:  # a stand-in for MNIST (a test's), which no model need read
        return None
    images, digits = images[-1000:], digits[-1000:]  # validation images, never trained on
    try:
        with np.errstate(invalid="ignore"):
            answers = model.predict(as_input(model, images), batch_size=1000, verbose=0)
    except Exception as error:  # a layer of one's own that fails: Keras raises many types
        return tr("it fails to predict ({error})", error=str(error).splitlines()[0][:200])
    right = float(np.mean(np.argmax(answers, axis=1) == digits))
    if right >= 0.5 and np.isfinite(answers).all():
        return None
    return tr(
        "it reads only {right:.0%} of 1,000 validation digits right: it was never trained, "
        "or its training diverged",
        right=right,
    )


def cache_model(model: keras.Model, name: str) -> Path:
    """Save a trained model in the cache under ``name``, for later notebooks to reuse: one
    whose training ended (not interrupted), with finite weights, and under a course name
    ("lenet", ...) only a model with that recipe's input and output shapes."""
    if isinstance(name, str):
        name = name.removesuffix(".keras")  # "lenet.keras" is the name "lenet"
    # No '.': "lenet.h5" or "lenet.keras.keras" would be cached under a name nobody loads,
    # and "lenet.set-aside" would overwrite what trained_model set aside.
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise InputError(
            "cache_model: the name must be a plain name such as 'lenet' or 'my-cnn' "
            "(letters, digits, '-' and '_', with no other file type than .keras), got {name!r}.",
            name=name,
        )
    check_keras_model(model, "cache_model")
    course = next((known for known in RECIPES if known.lower() == name.lower()), None)
    if course not in (None, name):  # a file system that ignores case would mix the two
        raise InputError(
            "cache_model: write the course's name {course!r} as it is, in lower case (got "
            "{name!r}): the notebooks load {course!r}.",
            course=course,
            name=name,
        )
    if name in RECIPES and (unlike := _not_like(model, name)) is not None:
        raise InputError(
            "cache_model: {name!r} is the course's own name, which notebooks 04 and 05 load "
            "as its model, but {unlike}. Cache this model under a name of your own.",
            name=name,
            unlike=unlike,
        )
    if not all(np.isfinite(np.asarray(w, np.float32)).all() for w in model.get_weights()):
        raise InputError(
            "cache_model: the model's weights hold NaN or infinity: its training diverged "
            "(a learning rate too large?). Train it again, then cache it."
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
    path = _cache_entry(name, "cache_model")
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


def _cache_entry(name: str, caller: str) -> Path:
    """Where the cache keeps ``name``, refused when no model could be written there: said
    before any training, and with advice of its own (save_model's does not fit a cache)."""
    path = cached_model_path(name)
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise ModelFileError(
            "{caller}: the model cache {folder} is a file, not a folder: set {cache_env_var} "
            "to a folder, or move that file.",
            caller=caller,
            folder=folder,
            cache_env_var=CACHE_ENV_VAR,
        )
    if path.is_dir():
        raise ModelFileError(
            "{caller}: {path} is a folder, where the cache keeps the model {name!r}: move or "
            "rename that folder.",
            caller=caller,
            path=path,
            name=name,
        )
    return path


def trained_model(
    name: str, *, retrain: bool = False, progress: keras.callbacks.Callback | None = None
) -> keras.Model:
    """A trained course model: from the cache, else trained with its recipe (on the training
    images less the notebooks' 5,000 validation ones) and cached. A cached file that does not
    load, is another model, or reads under half of 1,000 validation digits right (never
    trained, or diverged) is kept aside as ``NAME.set-aside.keras`` (``-2``, ``-3``... when
    that name is taken), and a new one trained.

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
    if not isinstance(retrain, bool):  # "no" is true: it would replace a good model
        raise InputError(
            "trained_model: retrain is True or False, got {retrain!r}.", retrain=retrain
        )
    path = _cache_entry(check_choice(name, RECIPES), "trained_model")
    # said first: a learner who skipped notebook 03_train waits here, and should know why
    said = {"name": name, "key": name}
    if path.is_file() and not retrain:
        try:
            model = load_model(path)
            why = _unusable(model, name)
        except ModelFileError as error:
            why = str(error)
        if why is None:
            return model
        kept, number = path.with_name(f"{name}.set-aside.keras"), 2
        while kept.exists() or kept.is_symlink():  # an earlier set-aside file stays too
            kept, number = path.with_name(f"{name}.set-aside-{number}.keras"), number + 1
        try:  # it may be a learner's own, or need a class defined elsewhere: never lost
            os.replace(path, kept)
        except OSError as error:  # left in place, the new model would be cached over it
            raise ModelFileError(
                "trained_model: the cached {name} cannot be used ({why}), and it could not be "
                "moved aside to {kept} ({reason}). Move it yourself, then run this again.",
                name=name,
                why=why,
                kept=kept,
                reason=error.strerror or error,
            ) from None
        print(
            tr(
                "The cached {name} cannot be used ({why}); the file is kept as {kept}. "
                "Training a new {name} with its recipe, mc.RECIPES[{key!r}].",
                why=why,
                kept=kept,
                **said,
            ),
            flush=True,
        )
    elif path.is_file():  # retrain=True
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
    model, _ = train_course_model(name, x_train[:fit], y_train[:fit], progress=progress)
    if _stopped_early(model) is not None:  # a partly trained model must not be cached
        raise MnistCourseError(
            "Training {name} was interrupted: the partly trained model is neither cached nor "
            "returned, and this cell stops here. Run it again to train {name}; once it "
            "finishes, it is kept for next time.",
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
