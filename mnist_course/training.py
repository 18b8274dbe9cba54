"""Compile and train the course's models, save and load them, and cache trained ones.

The defaults are the tutorial's: RMSprop with ``learning_rate=0.001``, categorical
cross-entropy, accuracy; batches of 128; 20 epochs for the MLPs and 10 for LeNet. What is
added is what makes the same model train faster on a CPU without changing what it learns:
float32 input, a ``tf.data`` pipeline, and several training steps per call into TensorFlow
(``steps_per_execution``), which removes most of Python's per-batch overhead.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._backend import keras, tf
from .data import load_mnist, one_hot, prepare
from .errors import InputError, MnistCourseError, ModelFileError
from .models import build_model, input_layout

__all__ = [
    "DEFAULT_EPOCHS",
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

DEFAULT_EPOCHS = {"tiny-mlp": 20, "mlp": 20, "lenet": 10, "cnn": 15}
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


def _dataset(x, y, batch_size: int, shuffle_seed: int | None, augment=None) -> tf.data.Dataset:
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_seed is not None:
        data = data.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size)
    if augment is not None:
        data = data.map(
            lambda a, b: (augment(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE
        )
    return data.prefetch(tf.data.AUTOTUNE)


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
        validation = _dataset(x_val, y_val, 1024, None)
    keep_best = _KeepBest()
    history = keras.callbacks.History()
    every = [progress or EpochLog(), keep_best, history, *callbacks]
    try:
        model.fit(
            _dataset(x, y, batch_size, seed if seed is not None else 0, augment),
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
) -> tuple[keras.Model, keras.callbacks.History]:
    """Build and train a course model by name with its recipe, from raw MNIST arrays.

    The tutorial's models use the tutorial's settings on scaled inputs, with one change:
    RMSprop's learning rate starts at 0.001 and decays to zero along a cosine, which lets
    the weights settle instead of jittering at the end (measured on the MLP 128-32-10:
    98.1% test accuracy instead of 97.1-97.9% with the rate held constant); LeNet starts
    at 0.002, which the falling rate makes safe (99.2% instead of 98.9%). ``"cnn"`` uses
    Adam with a one-cycle learning rate, and random shifts and rotations.

    Parameters
    ----------
    name : str
        "tiny-mlp", "mlp", "lenet" or "cnn".
    images, labels : numpy.ndarray
        Raw training images (n, 28, 28) uint8 and their digits (n,).
    epochs : int, optional
        Default :data:`DEFAULT_EPOCHS` for the model.
    seed : int
        Seeds the initial weights, the shuffling and dropout.
    progress : keras.callbacks.Callback, optional
        As in :func:`train`.
    validation : (images, labels), optional
        Raw validation images and digits, evaluated after each epoch.
    strategy : tf.distribute.Strategy, optional
        Train on several devices, e.g. ``tf.distribute.MirroredStrategy()``: each batch of
        128 is split between the devices, and their gradients are averaged.

    Returns
    -------
    (model, history)
    """
    epochs = DEFAULT_EPOCHS.get(name, 10) if epochs is None else epochs
    set_seed(seed)
    steps = int(epochs) * -(-len(images) // BATCH_SIZE)
    augment = augmentation(seed=seed) if name == "cnn" else None
    # Under a strategy, variables must be created inside its scope: the model's weights
    # and the optimizer's slots are then mirrored on every device.
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = build_model(name)
        if name == "cnn":
            compile_model(model, optimizer=keras.optimizers.Adam(one_cycle(steps)))
        else:
            # A falling rate lets LeNet start higher: 99.2% in 10 epochs instead of 98.9-99%.
            start = 2 * LEARNING_RATE if name == "lenet" else LEARNING_RATE
            compile_model(model, learning_rate=cosine_decay(steps, start=start))
    layout = input_layout(model)
    x, y = prepare(images, labels, layout=layout)
    val = prepare(*validation, layout=layout) if validation is not None else None
    history = train(
        model,
        x,
        y,
        epochs=epochs,
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

    Trains with the tutorial's settings on scaled inputs, as notebook 03 does, so later
    notebooks can run on their own.

    Parameters
    ----------
    name : str
        "tiny-mlp", "mlp", "lenet" or "cnn".
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
