"""Compile and fit a model with the tutorial's settings, faster on a CPU.

The defaults are the tutorial's: RMSprop with ``learning_rate=0.001``, categorical
cross-entropy, accuracy; batches of 128. What :func:`train` adds to ``model.fit`` makes
the same model train faster on a CPU without changing what it learns: a ``tf.data``
pipeline that gathers whole batches, several training steps per call into TensorFlow
(``steps_per_execution``), and a clean stop on Ctrl-C. These tricks stay here, in the
training path: nothing of them is saved with a model (see :mod:`mnist_course.saving`).

Nothing here changes the random state unless asked: :func:`set_seed` is the one call
that does, for the whole process.
"""

from __future__ import annotations

import signal
import threading

import numpy as np

from ..backend import keras, tf
from ..data.arrays import check_images, check_labels, one_hot
from ..errors import InputError
from ..language import tr
from ..models.builders import check_model
from .callbacks import EpochLog, KeepBest

__all__ = [
    "BATCH_SIZE",
    "LEARNING_RATE",
    "set_seed",
    "compile_model",
    "train",
]

BATCH_SIZE = 128
LEARNING_RATE = 0.001
# Steps run per call into TensorFlow; 1 (Keras's default) pays Python overhead per batch.
STEPS_PER_EXECUTION = 32


def set_seed(seed: int) -> None:
    """Make what follows repeat exactly: seed Python, NumPy and TensorFlow, deterministically.

    Calls ``keras.utils.set_random_seed(seed)`` and
    ``tf.config.experimental.enable_op_determinism()``. Both act on the whole process
    (op determinism cannot be switched off again), which is why no other course function
    does this on its own: call it yourself, before building a model, when a run must
    repeat. Results can still differ between machines or library versions (different CPU
    instructions round differently), which is why notebooks tag accuracies as varying.
    """
    keras.utils.set_random_seed(_seed(seed, "set_seed"))
    # Without this, multi-threaded kernels may sum in a different order on each run.
    tf.config.experimental.enable_op_determinism()


def _seed(seed: object, name: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise InputError(
            tr(
                "{name}: seed must be a whole number from 0 to 2**32 - 1, got {seed!r}.",
                name=name,
                seed=seed,
            )
        )
    return int(seed)


def compile_model(
    model: keras.Model,
    *,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = LEARNING_RATE,
    optimizer: keras.optimizers.Optimizer | str | None = None,
    steps_per_execution: int = STEPS_PER_EXECUTION,
) -> keras.Model:
    """Compile ``model`` with the tutorial's settings and return it.

    The same as ``model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
    loss="categorical_crossentropy", metrics=["accuracy"])``, plus several steps per call.

    Parameters
    ----------
    model : keras.Model
        A model with a 10-way softmax output.
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule
        For the default optimizer, RMSprop: a number, or a schedule such as
        :func:`mnist_course.recipes.cosine_decay`.
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
    if not isinstance(model, keras.Model):
        raise InputError(
            tr(
                "{name}: expected a Keras model, got {kind}.",
                name="compile_model",
                kind=type(model).__name__,
            )
        )
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


def model_inputs(
    model: keras.Model, x: object, y: object | None, name: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Check inputs and labels for ``model`` and shape them as it reads them.

    ``x`` follows :mod:`mnist_course.arrays`'s rules for a batch (``pixels="raw"``: scaled
    0-1 or unscaled 0-255, as the model was trained); it comes back float32 in the model's
    input shape. ``y`` (digits or one-hot rows) comes back as one-hot float32 rows.
    """
    images = check_images(x, name=name)
    if np.issubdtype(images.dtype, np.integer):
        # integer pixels are raw 0-255, scaled on the way in, as mc.predict does with them
        images = images.astype(np.float32) / np.float32(255)
    inputs = reshape_for(model, images, name)
    if y is None:
        return inputs, None
    return inputs, one_hot(check_labels(y, name=name, count=len(images)))


def reshape_for(model: keras.Model, images: np.ndarray, name: str) -> np.ndarray:
    """Images already checked, (n, 28, 28), as float32 in the model's input shape."""
    expected = tuple(model.input_shape[1:])
    if None in expected or int(np.prod(expected)) != images[0].size:
        raise InputError(
            tr(
                "{name}: model {model!r} reads inputs shaped {inputs}, not MNIST images. "
                "Is it an MNIST model?",
                name=name,
                model=model.name,
                inputs=expected,
            )
        )
    return images.astype(np.float32, copy=False).reshape(len(images), *expected)


def input_dtype(model: keras.Model) -> str:
    # A layer computing in bfloat16 casts float32 input to bfloat16 on every batch; storing
    # the images in that dtype once gives the same numbers without the per-batch cast.
    first = model.layers[0] if model.layers else None
    dtype = getattr(first, "compute_dtype", "float32")
    narrower = dtype in ("bfloat16", "float16") and getattr(first, "autocast", False)
    return dtype if narrower else "float32"


def _dataset(
    x,
    y,
    batch_size: int,
    shuffle_seed: int | None,
    augment=None,
    dtype: str = "float32",
    shuffle: bool = True,
) -> tf.data.Dataset:
    # Shuffle the indices and gather each batch in one operation: shuffling the images one
    # by one cost about 0.3 s an epoch of the same two cores that train the model.
    images, labels = tf.constant(x), tf.constant(y)
    if augment is None:
        images = tf.cast(images, dtype)
    order = tf.data.Dataset.range(len(x))
    if shuffle:
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


def train(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int = BATCH_SIZE,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int | None = None,
    progress: keras.callbacks.Callback | None = None,
    callbacks: list[keras.callbacks.Callback] | tuple = (),
    augment: keras.layers.Layer | None = None,
) -> keras.callbacks.History:
    """``model.fit`` with a faster input pipeline; compiles with the tutorial's settings if needed.

    Parameters
    ----------
    model : keras.Model
        A course model (or any model with a 10-way softmax output).
    x : numpy.ndarray
        A batch of images in any accepted shape ((n, 784), (n, 28, 28), (n, 28, 28, 1)),
        reshaped to the model's input. Integer pixels (uint8 as loaded) are scaled to
        [0, 1] on the way in, as :func:`mnist_course.evaluation.predict` does with them;
        float pixels are used as given (scaled 0-1, or 0-255 as the original tutorial did).
    y : numpy.ndarray
        Labels: (n,) digits 0-9 or (n, 10) one-hot rows.
    epochs : int
        Passes over the training data.
    batch_size : int
        Images per gradient step.
    validation_data : (x_val, y_val), optional
        Evaluated after every epoch, giving the ``val_`` curves.
    seed : int, optional
        Seeds the order in which training images are shuffled, and nothing else. For a run
        that repeats exactly, call :func:`set_seed` before building the model.
    progress : keras.callbacks.Callback, optional
        How to show progress; default one :class:`~mnist_course.callbacks.EpochLog` line
        per epoch. In a notebook, pass ``mc.LiveCurves()`` to watch the curves being drawn.
    callbacks : list of keras.callbacks.Callback
        Any further Keras callbacks.
    augment : keras.layers.Layer, optional
        Applied to each training batch, e.g. :func:`mnist_course.recipes.augmentation`.

    Returns
    -------
    keras.callbacks.History
        ``history.history`` maps each metric to its per-epoch values. If training is
        interrupted (Ctrl-C or the notebook's stop button), it stops cleanly when the
        current step ends (a second press stops at once), restores the best weights seen
        so far, and the history holds the epochs done, with ``history.interrupted`` set.
    """
    check_model(model, "train")
    epochs, batch_size = _positive(epochs, "epochs"), _positive(batch_size, "batch_size")
    if y is None:
        raise InputError(tr("train: labels are needed: train(model, x, y, epochs=...)."))
    if seed is not None:
        _seed(seed, "train")
    if progress is not None and not isinstance(progress, keras.callbacks.Callback):
        raise InputError(
            f"train: progress must be a Keras callback such as mc.LiveCurves(), got {progress!r}."
        )
    callbacks = () if callbacks is None else callbacks
    if not all(isinstance(c, keras.callbacks.Callback) for c in callbacks):
        raise InputError("train: callbacks must be a list of Keras callbacks.")
    if augment is not None and not isinstance(augment, keras.layers.Layer):
        raise InputError(
            "train: augment must be a Keras layer, such as mc.augmentation(), or None."
        )
    x, y = model_inputs(model, x, y, "train")
    validation = None
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
            raise InputError(tr("train: validation_data must be a pair (x_val, y_val)."))
        validation = model_inputs(model, *validation_data, "train (validation_data)")
    return fit_checked(
        model,
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation=validation,
        seed=seed,
        progress=progress,
        callbacks=callbacks,
        augment=augment,
    )


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(
            tr(
                "{name}: {what} must be a whole number of at least 1, got {value!r}.",
                name="train",
                what=name,
                value=value,
            )
        )
    return int(value)


def fit_checked(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    validation: tuple[np.ndarray, np.ndarray] | None,
    seed: int | None,
    progress: keras.callbacks.Callback | None,
    callbacks: list[keras.callbacks.Callback] | tuple,
    augment: keras.layers.Layer | None,
) -> keras.callbacks.History:
    """:func:`train` on inputs already checked and shaped by :func:`model_inputs`."""
    if not model.compiled:
        compile_model(model)
    dtype = input_dtype(model)
    val = _dataset(*validation, 1024, None, dtype=dtype, shuffle=False) if validation else None
    keep_best = KeepBest()
    history = keras.callbacks.History()
    # ctrl_c acts only in *_begin hooks; keep_best and history come before the progress
    # line: an epoch counts as done once its line is printed
    ctrl_c = _CtrlC()
    every = [ctrl_c, keep_best, history, progress or EpochLog(), *callbacks]
    try:
        with ctrl_c:
            model.fit(
                _dataset(x, y, batch_size, seed, augment, dtype),
                epochs=epochs,
                validation_data=val,
                callbacks=every,
                shuffle=False,  # the dataset shuffles itself
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
        model.stop_training = True
        history.interrupted = True
    return history


class _CtrlC(keras.callbacks.Callback):
    """Turn Ctrl-C (or a notebook's stop button) into a stop between two training steps.

    Python raises ``KeyboardInterrupt`` wherever the main thread happens to be, which
    during ``fit`` is often deep inside TensorFlow; unwinding from there can leave
    TensorFlow in a state that crashes the process later (a segmentation fault, seen
    about once in twenty presses). So while ``fit`` runs, the first press only sets a
    flag, and the interrupt is raised at the start of the next step (or validation batch,
    or epoch), in plain Python; a press during the last step interrupts on the way out.
    A second press raises at once, wherever Python is, as it would without this class.

    Only the ``*_begin`` hooks are used: Keras calls them in the thread that runs ``fit``,
    and leaves ``*_end`` hooks free to run asynchronously where a backend allows it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pressed = False
        self._previous = None

    def __enter__(self) -> _CtrlC:
        # signal.signal works only in the main thread; elsewhere (a widget's thread) no
        # Ctrl-C reaches this code anyway. An ignored SIGINT stays ignored.
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if callable(previous):
                self._previous = previous
                signal.signal(signal.SIGINT, self._press)
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        if self.pressed and exc_type is None:
            raise KeyboardInterrupt  # pressed during the last step: stopped all the same

    def _press(self, signum, frame) -> None:
        self.pressed = True
        signal.signal(signal.SIGINT, self._previous)  # a second press interrupts at once

    def check(self, *args, **kwargs) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed (any hook's arguments)."""
        if self.pressed:
            raise KeyboardInterrupt

    on_epoch_begin = on_train_batch_begin = on_test_begin = on_test_batch_begin = check
