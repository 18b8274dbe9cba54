"""Compile and train the course's models, save and load them, and cache trained ones.

The defaults are the tutorial's: RMSprop with ``learning_rate=0.001``, categorical
cross-entropy, accuracy; batches of 128; 20 epochs for the MLPs and 10 for LeNet. What is
added makes the same model train faster on a CPU without changing what it learns: float32
input, a ``tf.data`` pipeline that gathers whole batches, and several training steps per
call into TensorFlow (``steps_per_execution``), which removes most of Python's per-batch
overhead. :data:`RECIPES` go further, each for one model: larger batches with a warm-up,
bfloat16 where the CPU has it, a falling learning rate (see :func:`train_course_model`).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._backend import keras, tf
from .data import load_mnist, one_hot, prepare
from .errors import InputError, MnistCourseError, ModelFileError
from .models import MODELS, PRECISIONS, build_model, input_layout, resolve_precision

__all__ = [
    "DEFAULT_EPOCHS",
    "RECIPES",
    "Recipe",
    "BATCH_SIZE",
    "LEARNING_RATE",
    "set_seed",
    "compile_model",
    "train",
    "EpochLog",
    "save_model",
    "load_model",
    "model_cache_dir",
    "cached_model_path",
    "trained_model",
    "cache_model",
    "train_course_model",
    "augmentation",
    "one_cycle",
    "cosine_decay",
    "use_logical_cpus",
]

BATCH_SIZE = 128
LEARNING_RATE = 0.001
# Steps run per call into TensorFlow; 1 (Keras's default) pays Python overhead per batch.
STEPS_PER_EXECUTION = 32
CACHE_ENV_VAR = "MNIST_COURSE_MODELS"


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow so a run repeats on the same machine.

    Results can still differ between machines or library versions (different CPU
    instructions round differently), which is why notebooks tag accuracies as varying.
    """
    keras.utils.set_random_seed(seed)
    # Without this, multi-threaded kernels may sum in a different order on each run.
    tf.config.experimental.enable_op_determinism()


def compile_model(
    model: keras.Model,
    *,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = LEARNING_RATE,
    optimizer: keras.optimizers.Optimizer | str | None = None,
    steps_per_execution: int = STEPS_PER_EXECUTION,
) -> keras.Model:
    """Compile ``model`` with the tutorial's settings and return it.

    Parameters
    ----------
    model : keras.Model
        A model with a 10-way softmax output.
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule
        For the default optimizer, RMSprop: a number, or a schedule such as
        :func:`cosine_decay`.
    optimizer : keras.optimizers.Optimizer or str, optional
        Replaces RMSprop (then ``learning_rate`` is not used).
    steps_per_execution : int
        Batches per call into TensorFlow; higher is faster, and only makes per-batch
        callbacks less frequent.

    Returns
    -------
    keras.Model
        The same model, compiled with categorical cross-entropy and accuracy.
    """
    if tf.distribute.has_strategy():
        # Keras 3.15's multi-step training loop fails under MirroredStrategy ("You must feed
        # a value for placeholder tensor"), so distributed models run one step per call.
        steps_per_execution = 1
    model.compile(
        optimizer=optimizer or keras.optimizers.RMSprop(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
        jit_compile=False,  # XLA measured slower than plain TensorFlow for these CPU models
    )
    return model


def _model_inputs(model: keras.Model, x: np.ndarray, y: np.ndarray | None, what: str):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number):
        raise InputError(f"{what}: inputs are {x.dtype}; expected numbers.")
    expected = tuple(model.input_shape[1:])
    if tuple(x.shape[1:]) != expected:
        layout = input_layout(model)
        raise InputError(
            f"{what}: model {model.name!r} expects inputs shaped (n, "
            f"{', '.join(map(str, expected))}), got {x.shape}. Use "
            f"mc.prepare(images, layout={layout!r}) to get the right shape."
        )
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise InputError(f"{what}: inputs contain NaN or infinite values.")
    if y is None:
        return x, None
    y = np.asarray(y)
    if y.ndim == 1:
        y = one_hot(y)
    if y.shape != (len(x), 10):
        raise InputError(
            f"{what}: labels have shape {y.shape}; expected ({len(x)},) digits or "
            f"({len(x)}, 10) one-hot rows, one per input."
        )
    return x, y.astype(np.float32, copy=False)


def _input_dtype(model: keras.Model) -> str:
    # A layer computing in bfloat16 casts float32 input to bfloat16 on every batch; storing
    # the images in that dtype once gives the same numbers without the per-batch cast.
    first = model.layers[0] if model.layers else None
    dtype = getattr(first, "compute_dtype", "float32")
    narrower = dtype in ("bfloat16", "float16") and getattr(first, "autocast", False)
    return dtype if narrower else "float32"


def _dataset(
    x, y, batch_size: int, shuffle_seed: int | None, augment=None, dtype: str = "float32"
) -> tf.data.Dataset:
    # Shuffle the indices and gather each batch in one operation: shuffling the images one
    # by one cost about 0.3 s an epoch of the same two cores that train the model.
    images, labels = tf.constant(x), tf.constant(y)
    if augment is None:
        images = tf.cast(images, dtype)
    order = tf.data.Dataset.range(len(x))
    if shuffle_seed is not None:
        order = order.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    data = order.batch(batch_size).map(lambda i: (tf.gather(images, i), tf.gather(labels, i)))
    if augment is not None:  # augment the float32 images, then cast as the model would
        data = data.map(lambda a, b: (tf.cast(augment(a, training=True), dtype), b))
    options = tf.data.Options()
    # tf.data's autotuner, left on, stalled training for about a second in one epoch out of
    # three on 2 cores (both cores idle); two batches prefetched are all this pipeline needs.
    options.autotune.enabled = False
    # Its default graph rewrites copy the images held in the pipeline (0.25 s for MNIST)
    # and gain nothing for a gather-and-prefetch pipeline.
    options.experimental_optimization.apply_default_optimizations = False
    return data.prefetch(2).with_options(options)


class EpochLog(keras.callbacks.Callback):
    """Print one compact line per epoch: the metrics and how long the epoch took."""

    def __init__(self, print_fn=print) -> None:
        super().__init__()
        self.print_fn = print_fn

    def on_train_begin(self, logs=None) -> None:
        self.epochs = self.params.get("epochs", 0)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        width = len(str(self.epochs))
        metrics = "  ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items() if k != "learning_rate")
        seconds = time.perf_counter() - self._start
        self.print_fn(f"epoch {epoch + 1:>{width}}/{self.epochs}  {metrics}  ({seconds:.1f} s)")


class _KeepBest(keras.callbacks.Callback):
    """Remember the weights of the best epoch so an interrupted run can fall back to them."""

    def __init__(self) -> None:
        super().__init__()
        self.best_weights, self.best_epoch, self.best = None, None, np.inf

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        value = logs.get("val_loss", logs.get("loss", np.inf))
        if value < self.best:
            self.best, self.best_epoch = value, epoch + 1
            self.best_weights = self.model.get_weights()


def train(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int = BATCH_SIZE,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int | None = 0,
    progress: keras.callbacks.Callback | None = None,
    callbacks: list[keras.callbacks.Callback] | tuple = (),
    augment: keras.layers.Layer | None = None,
) -> keras.callbacks.History:
    """Train ``model`` on ``x, y``, compiling it with the tutorial's settings if needed.

    Parameters
    ----------
    model : keras.Model
        A course model (or any model with a 10-way softmax output).
    x : numpy.ndarray
        Inputs shaped as the model expects: (n, 784) or (n, 28, 28, 1). Converted to
        float32.
    y : numpy.ndarray
        Labels: (n,) digits 0-9 or (n, 10) one-hot rows.
    epochs : int
        Passes over the training data.
    batch_size : int
        Images per gradient step.
    validation_data : (x_val, y_val), optional
        Evaluated after every epoch, giving the ``val_`` curves.
    seed : int or None
        Seeds shuffling and dropout; None leaves the random state alone. Initial weights
        are drawn when the model is built, so for a run that repeats exactly, also call
        :func:`set_seed` before building the model.
    progress : keras.callbacks.Callback, optional
        How to show progress; default one :class:`EpochLog` line per epoch. In a notebook,
        pass ``mc.LiveCurves()`` to watch the learning curves being drawn.
    callbacks : list of keras.callbacks.Callback
        Any further Keras callbacks.
    augment : keras.layers.Layer, optional
        Applied to each training batch, e.g. :func:`augmentation`.

    Returns
    -------
    keras.callbacks.History
        ``history.history`` maps each metric to its per-epoch values. If training is
        interrupted (Ctrl-C or the notebook's stop button), it stops cleanly after
        restoring the best weights seen so far, and the history holds the epochs done.
    """
    if int(epochs) < 1 or int(batch_size) < 1:
        raise InputError(
            f"train: epochs and batch_size must be at least 1, got {epochs}, {batch_size}."
        )
    x, y = _model_inputs(model, x, y, "train")
    if seed is not None:
        set_seed(seed)
    if not model.compiled:
        compile_model(model)
    validation = None
    if validation_data is not None:
        x_val, y_val = _model_inputs(model, *validation_data, "train (validation_data)")
        validation = _dataset(x_val, y_val, 1024, None, dtype=_input_dtype(model))
    keep_best = _KeepBest()
    history = keras.callbacks.History()
    every = [progress or EpochLog(), keep_best, history, *callbacks]
    try:
        model.fit(
            _dataset(
                x, y, batch_size, seed if seed is not None else 0, augment, _input_dtype(model)
            ),
            epochs=int(epochs),
            validation_data=validation,
            callbacks=every,
            shuffle=False,  # the dataset is already shuffled, with the seed
            verbose=0,
        )
    except KeyboardInterrupt:
        done = len(history.history.get("loss", []))
        if keep_best.best_weights is not None:
            model.set_weights(keep_best.best_weights)
            kept = f"kept the weights of epoch {keep_best.best_epoch}, the best so far"
        else:
            kept = "no epoch had finished, so the weights are partly trained"
        print(
            f"Training interrupted after {done} complete epoch(s); {kept}. "
            "The model in memory is usable; save it with mc.save_model(model, 'name.keras')."
        )
    return history


def augmentation(
    shift: float = 0.1, rotation_degrees: float = 10.0, seed: int = 0
) -> keras.Sequential:
    """Random shifts and small rotations of training images, for :func:`train`'s ``augment``.

    Parameters
    ----------
    shift : float
        Largest shift, as a fraction of the image size (0.1 is about 3 pixels).
    rotation_degrees : float
        Largest rotation either way.
    seed : int
        Seed of the random transformations.
    """
    return keras.Sequential(
        [
            keras.layers.RandomRotation(rotation_degrees / 360, fill_mode="constant", seed=seed),
            keras.layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed + 1),
        ],
        name="augmentation",
    )


OPTIMIZERS = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}


@dataclass(frozen=True)
class Recipe:
    """How the course trains one of its models (see :data:`RECIPES`).

    Attributes
    ----------
    model : str
        Which of :data:`mnist_course.models.MODELS` to build.
    epochs : int
        Passes over the training set.
    batch_size : int
        Images per gradient step.
    optimizer : str
        ``"rmsprop"`` (the tutorial's) or ``"adam"``.
    learning_rate : float
        The highest learning rate; it then falls to zero along a cosine.
    warmup : float
        Fraction of training during which the rate climbs to ``learning_rate`` from a
        25th of it (0: start at the top). Large batches and batch norm need a warm-up.
    augment : bool
        Train on randomly shifted and rotated digits (:func:`augmentation`).
    precision : str
        ``"float32"`` or ``"auto"``: bfloat16 where the CPU computes it natively (see
        :func:`mnist_course.models.resolve_precision`).
    options : dict
        Passed to the model's function, e.g. ``{"filters": (16, 32)}``.
    """

    model: str
    epochs: int
    batch_size: int = BATCH_SIZE
    optimizer: str = "rmsprop"
    learning_rate: float = LEARNING_RATE
    warmup: float = 0.0
    augment: bool = False
    precision: str = "float32"
    options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A recipe is data a learner may write; a typo must not silently train something else.
        problems = []
        if self.model not in MODELS:
            problems.append(f"model {self.model!r} is not one of {', '.join(MODELS)}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer {self.optimizer!r} is not one of {', '.join(OPTIMIZERS)}")
        if int(self.epochs) < 1 or int(self.batch_size) < 1:
            problems.append("epochs and batch_size must be at least 1")
        if not self.learning_rate > 0:
            problems.append(f"learning_rate must be above 0, got {self.learning_rate}")
        if not 0 <= self.warmup < 1:
            problems.append(
                f"warmup is a fraction of training, from 0 to below 1, got {self.warmup}"
            )
        if self.precision not in PRECISIONS:
            problems.append(f"precision {self.precision!r} is not one of {', '.join(PRECISIONS)}")
        if problems:
            raise InputError("Recipe: " + "; ".join(problems) + ".")

    def schedule(self, steps: int) -> keras.optimizers.schedules.LearningRateSchedule:
        """The learning rate over ``steps`` gradient steps."""
        if self.warmup:
            return one_cycle(steps, peak=self.learning_rate, warmup=self.warmup)
        return cosine_decay(steps, start=self.learning_rate)


# Measured on 2 CPU cores, full MNIST, means over 3 seeds (README, Performance):
# - MLPs: the tutorial's optimizer and batch, with the rate falling along a cosine instead of
#   held constant: 98.1% for the MLP 128-32-10 instead of 97.1-97.9%. They stay float32:
#   Dense layers this small gain nothing from bfloat16.
# - LeNet: batches of 1024 with the rate scaled up to match (0.008 after a one-epoch
#   warm-up) take about 1.1 s an epoch in bfloat16 (with its pooling gradient, see
#   models.AveragePooling2D) instead of 2.9 s for batches of 128 in float32, and end at
#   99.1% against the tutorial recipe's 98.8%.
# - CNN: Adam with a one-cycle rate and augmentation; 99.56% in under two minutes.
# - fast-cnn: the same CNN at half the width, one epoch without augmentation: 99.1% in
#   under 5 s, the quickest way to 99% found.
RECIPES: dict[str, Recipe] = {
    "tiny-mlp": Recipe("tiny-mlp", epochs=20),
    "mlp": Recipe("mlp", epochs=20),
    "lenet": Recipe(
        "lenet", epochs=10, batch_size=1024, learning_rate=0.008, warmup=0.1, precision="auto"
    ),
    "cnn": Recipe(
        "cnn",
        epochs=15,
        optimizer="adam",
        learning_rate=3e-3,
        warmup=0.2,
        augment=True,
        precision="auto",
    ),
    "fast-cnn": Recipe(
        "cnn",
        epochs=1,
        optimizer="adam",
        learning_rate=8e-3,
        warmup=0.25,
        precision="auto",
        options={"filters": (16, 32)},
    ),
}
DEFAULT_EPOCHS = {name: recipe.epochs for name, recipe in RECIPES.items()}


def train_course_model(
    name: str,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int | None = None,
    seed: int = 0,
    progress: keras.callbacks.Callback | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    strategy: tf.distribute.Strategy | None = None,
    callbacks: list[keras.callbacks.Callback] | tuple = (),
    precision: str | None = None,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Build and train a course model by name with its recipe, from raw MNIST arrays.

    Each model has a :class:`Recipe` in :data:`RECIPES`. All of them let the learning
    rate fall to zero along a cosine, which lets the weights settle instead of jittering
    at the end. The MLPs otherwise keep the tutorial's settings. LeNet trains on batches
    of 1024 with a higher rate after a short warm-up, over twice as fast per epoch and more
    accurate than the tutorial's recipe. ``"cnn"`` uses Adam with a one-cycle learning
    rate, and random shifts and rotations; ``"fast-cnn"`` is a narrower CNN trained for one
    epoch, the quickest way to 99%. LeNet and the CNNs compute in bfloat16 on CPUs that
    have it natively.

    Parameters
    ----------
    name : str
        A recipe in :data:`RECIPES`: "tiny-mlp", "mlp", "lenet", "cnn" or "fast-cnn".
    images, labels : numpy.ndarray
        Raw training images (n, 28, 28) uint8 and their digits (n,).
    epochs : int, optional
        Default: the recipe's. The learning-rate schedule stretches to fit.
    seed : int
        Seeds the initial weights, the shuffling and dropout.
    progress : keras.callbacks.Callback, optional
        As in :func:`train`.
    validation : (images, labels), optional
        Raw validation images and digits, evaluated after each epoch.
    strategy : tf.distribute.Strategy, optional
        Train on several devices, e.g. ``tf.distribute.MirroredStrategy()``: each batch is
        split between the devices, and their gradients are averaged.
    callbacks : list of keras.callbacks.Callback
        Any further Keras callbacks.
    precision : str, optional
        Overrides the recipe's: ``"float32"``, ``"mixed_bfloat16"`` or ``"auto"``.

    Returns
    -------
    (model, history)
    """
    if name not in RECIPES:
        raise InputError(f"unknown model {name!r}; choose one of {', '.join(RECIPES)}.")
    recipe = RECIPES[name]
    epochs = recipe.epochs if epochs is None else int(epochs)
    if epochs < 1:
        raise InputError(f"train_course_model: epochs must be at least 1, got {epochs}.")
    set_seed(seed)
    steps = epochs * math.ceil(len(images) / recipe.batch_size)
    augment = augmentation(seed=seed) if recipe.augment else None
    # Under a strategy, variables must be created inside its scope: the model's weights
    # and the optimizer's slots are then mirrored on every device.
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = build_model(
            recipe.model,
            precision=resolve_precision(precision or recipe.precision),
            **recipe.options,
        )
        optimizer = OPTIMIZERS[recipe.optimizer](recipe.schedule(steps))
        compile_model(model, optimizer=optimizer)
    layout = input_layout(model)
    x, y = prepare(images, labels, layout=layout)
    val = prepare(*validation, layout=layout) if validation is not None else None
    history = train(
        model,
        x,
        y,
        epochs=epochs,
        batch_size=recipe.batch_size,
        seed=seed,
        progress=progress,
        validation_data=val,
        augment=augment,
        callbacks=callbacks,
    )
    return model, history


def cosine_decay(
    total_steps: int, start: float = LEARNING_RATE
) -> keras.optimizers.schedules.LearningRateSchedule:
    """Learning rate that starts at ``start`` and falls to zero along a cosine."""
    return keras.optimizers.schedules.CosineDecay(start, decay_steps=max(1, total_steps))


def one_cycle(
    total_steps: int, peak: float = 3e-3, warmup: float = 0.2
) -> keras.optimizers.schedules.LearningRateSchedule:
    """Learning rate that rises linearly to ``peak`` then falls to zero along a cosine."""
    warmup_steps = max(1, int(total_steps * warmup))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak / 25,
        decay_steps=max(1, total_steps - warmup_steps),
        warmup_target=peak,
        warmup_steps=warmup_steps,
    )


def use_logical_cpus(count: int = 2) -> list[str]:
    """Split the CPU into ``count`` logical devices, to try multi-device training anywhere.

    TensorFlow then sees ``count`` CPUs, so ``tf.distribute.MirroredStrategy`` can run a
    replica of the model on each, exactly as it would on several GPUs. They share the same
    cores, so this shows how distribution works, not a speed-up.

    Must run before TensorFlow executes anything (first cell of a notebook).

    Returns
    -------
    list of str
        The logical device names, e.g. ``["/device:CPU:0", "/device:CPU:1"]``.
    """
    if count < 1:
        raise InputError(f"use_logical_cpus: count must be at least 1, got {count}.")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        existing = [device.name for device in tf.config.list_logical_devices("CPU")]
        if len(existing) == count:  # the cell was simply run a second time
            return existing
        raise MnistCourseError(
            f"use_logical_cpus: TensorFlow has already started with {len(existing)} CPU "
            "device(s), and devices cannot change afterwards. Restart the kernel and call "
            "this first, before building any model."
        ) from None
    return [device.name for device in tf.config.list_logical_devices("CPU")]


# --------------------------------------------------------------------------- files


def save_model(model: keras.Model, path: str | os.PathLike[str]) -> Path:
    """Save ``model`` in the ``.keras`` format without ever leaving a broken file.

    The model is written to a temporary file in the same folder and renamed over
    ``path`` only when complete, so a save killed half way leaves the previous file intact.

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
    path = Path(path).expanduser()
    if path.suffix != ".keras":
        raise InputError(f"save_model: {path} must end in .keras, the Keras 3 model format.")
    if not path.parent.is_dir():
        raise InputError(f"save_model: folder {path.parent} does not exist; create it first.")
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.partial.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    except OSError as error:
        raise ModelFileError(
            f"save_model: cannot write {path} ({error.strerror or error})."
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
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
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelFileError(f"load_model: no model file at {path}.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            f"load_model: {path} is not a .keras file (a .keras file is a zip archive); it "
            "is truncated or another format (HDF5 .h5? SavedModel?). Save it again with "
            "mc.save_model(model, 'name.keras')."
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


# --------------------------------------------------------------------------- cache


def model_cache_dir() -> Path:
    """Folder of trained models shared between notebooks.

    ``$MNIST_COURSE_MODELS`` if set; else ``models/`` at the top of the course repository
    (git-ignored); else ``~/.cache/mnist_course/models`` for an installed package.
    """
    env = os.environ.get(CACHE_ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    repo = Path(__file__).resolve().parents[1]
    if (repo / "pyproject.toml").is_file() and (repo / "notebooks").is_dir():
        return repo / "models"
    return Path.home() / ".cache" / "mnist_course" / "models"


def cached_model_path(name: str) -> Path:
    """Where the trained model ``name`` ("mlp", "lenet", ...) is kept in the cache."""
    return model_cache_dir() / f"{name}.keras"


def cache_model(model: keras.Model, name: str) -> Path:
    """Save a trained model in the cache under ``name``, for later notebooks to reuse."""
    path = cached_model_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelFileError(
            f"cannot create the model cache {path.parent} ({error.strerror or error}); set "
            f"{CACHE_ENV_VAR} to a writable folder."
        ) from None
    return save_model(model, path)


def trained_model(
    name: str,
    *,
    retrain: bool = False,
    seed: int = 0,
    progress: keras.callbacks.Callback | None = None,
) -> keras.Model:
    """A trained course model: from the cache if there, else trained now and cached.

    Trains with the model's recipe in :data:`RECIPES` (see :func:`train_course_model`), so
    later notebooks can run on their own.

    Parameters
    ----------
    name : str
        A recipe in :data:`RECIPES`: "tiny-mlp", "mlp", "lenet", "cnn" or "fast-cnn".
    retrain : bool
        Ignore the cached file and train again.
    seed : int
        Seed for a fresh training run.
    progress : keras.callbacks.Callback, optional
        As in :func:`train`.
    """
    path = cached_model_path(name)
    if path.is_file() and not retrain:
        try:
            return load_model(path)
        except ModelFileError:
            pass  # a damaged cache entry is simply retrained and replaced
    (x_train, y_train), _ = load_mnist()
    model, _ = train_course_model(name, x_train, y_train, seed=seed, progress=progress)
    try:
        cache_model(model, name)
    except (InputError, ModelFileError) as error:
        print(
            f"Note: could not cache the trained model in {path.parent} ({error}); "
            f"set {CACHE_ENV_VAR} to a writable folder to keep it."
        )
    return model
