"""Compile and fit as the tutorial does (RMSprop at 0.001, cross-entropy, batches of 128),
faster on a CPU, with a clean stop on Ctrl-C. Only :func:`set_seed` seeds."""

from __future__ import annotations

import signal
import threading

import numpy as np

from ..backend import keras, tf
from ..data.arrays import check_count, check_images, check_labels, one_hot
from ..errors import InputError
from ..language import tr
from ..models.builders import check_keras_model, check_model, image_shape, input_scale
from .callbacks import EpochLog, KeepBest

BATCH_SIZE = 128
LEARNING_RATE = 0.001
# Steps run per call into TensorFlow; 1 (Keras's default) pays Python overhead per batch.
STEPS_PER_EXECUTION = 32


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and make its ops deterministic, for the whole process.

    Parameters
    ----------
    seed : int
        From 0 to 2**32 - 1.
    """
    keras.utils.set_random_seed(check_seed(seed, "set_seed"))
    # Without this, multi-threaded kernels may sum in a different order on each run.
    tf.config.experimental.enable_op_determinism()


def check_seed(seed: object, name: str) -> int:
    """``seed`` as a Python int (Keras refuses NumPy's), from 0 to 2**32 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise InputError(
            "{name}: seed must be a whole number from 0 to 2**32 - 1, got {seed!r}.",
            name=name,
            seed=seed,
        )
    return int(seed)


def compile_model(
    model: keras.Model,
    *,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = LEARNING_RATE,
    optimizer: keras.optimizers.Optimizer | str | None = None,
    steps_per_execution: int = STEPS_PER_EXECUTION,
) -> keras.Model:
    """Compile ``model`` as the tutorial does (RMSprop, cross-entropy, accuracy).

    Parameters
    ----------
    model : keras.Model
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule
    optimizer : keras.optimizers.Optimizer or str, optional
        Replaces RMSprop (``learning_rate`` is then unused).
    steps_per_execution : int
        Batches per call into TensorFlow: faster, with rarer per-batch callbacks.

    Returns
    -------
    keras.Model
        The same model, compiled.
    """
    check_keras_model(model, "compile_model")
    steps_per_execution = check_count(
        steps_per_execution, name="compile_model", what="steps_per_execution"
    )
    if optimizer is None:
        rate = learning_rate
        number = isinstance(rate, int | float | np.integer | np.floating) and not isinstance(
            rate, bool
        )
        if not (number and 0 < rate < np.inf) and not isinstance(
            rate, keras.optimizers.schedules.LearningRateSchedule
        ):
            raise InputError(
                "compile_model: learning_rate must be a number above 0, such as 0.001, or a "
                "keras.optimizers.schedules schedule; got {rate!r}.",
                rate=rate,
            )
        if number:  # Keras refuses NumPy numbers, and ints
            learning_rate = float(learning_rate)
        optimizer = keras.optimizers.RMSprop(learning_rate=learning_rate)
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        try:
            optimizer = keras.optimizers.get(optimizer)
        except (ValueError, TypeError):
            raise InputError(
                "compile_model: optimizer {optimizer!r} is neither a Keras optimizer nor "
                "one's name; try keras.optimizers.Adam(learning_rate=0.001) or 'rmsprop'.",
                optimizer=optimizer,
            ) from None
    if tf.distribute.has_strategy():
        # Keras 3.15's multi-step loop fails under MirroredStrategy (placeholder errors).
        steps_per_execution = 1
    model.compile(
        optimizer=optimizer,
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
        jit_compile=False,  # XLA measured slower than plain TensorFlow for these CPU models
    )
    return model


def _inputs(model: keras.Model, x: object, y: object, name: str) -> tuple[np.ndarray, ...]:
    # Integers stay as they are: _dataset scales them (see there).
    images = check_images(x, name=name)
    images = images.reshape(len(images), *image_shape(model))
    digits = check_labels(y, name=name, count=len(images))
    return images, labels_for(model, digits)


def labels_for(model: keras.Model, digits: np.ndarray) -> np.ndarray:
    """``digits`` (n,) as the compiled loss wants them: one-hot rows (n, 10) float32, or the
    digits themselves (int32) for a model compiled with sparse_categorical_crossentropy."""
    loss = getattr(model, "loss", None)
    name = loss if isinstance(loss, str) else getattr(loss, "name", getattr(loss, "__name__", ""))
    return digits.astype(np.int32) if "sparse" in str(name).lower() else one_hot(digits)


def _ends_in_softmax(model: keras.Model) -> bool:
    last = model.layers[-1] if model.layers else None
    activation = getattr(last, "activation", None)
    named = getattr(activation, "__name__", activation)
    return isinstance(last, keras.layers.Softmax) or named == "softmax"


def input_dtype(model: keras.Model) -> str:
    """The dtype to hold inputs in: 16 bits if the first layer casts to that on every batch."""
    first = model.layers[0] if model.layers else None
    dtype = getattr(first, "compute_dtype", "float32")
    narrower = dtype in ("bfloat16", "float16") and getattr(first, "autocast", False)
    return dtype if narrower else "float32"


def _dataset(x, y, batch_size, shuffle_seed, augment=None, dtype="float32", shuffle=True, scale=1):
    # Shuffling indices and gathering whole batches: shuffling images one by one cost about
    # 0.3 s an epoch on 2 cores.
    images, labels = tf.constant(x), tf.constant(y)
    if images.dtype.is_integer:
        # Raw pixels are scaled here, on every core: bit for bit NumPy's float32 division,
        # which took 0.6 s for MNIST's 60,000 images on one core, plus 0.4 s to copy them.
        images = tf.cast(images, tf.float32) / (255.0 / scale)
    elif scale != 1 and np.max(x) <= 1:  # scaled floats for a model that reads 0-255
        images = tf.cast(images, tf.float32) * scale
    images = tf.cast(images, dtype if augment is None else "float32")
    order = tf.data.Dataset.range(len(x))
    if shuffle:
        order = order.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    data = order.batch(batch_size).map(lambda i: (tf.gather(images, i), tf.gather(labels, i)))
    if augment is not None:  # augment the float32 images, then cast as the model would
        shape = tuple(x.shape[1:])  # a flat MLP's images are moved as 28 x 28 pictures
        flat = shape != (28, 28, 1) and int(np.prod(shape)) == 28 * 28

        def moved(batch: tf.Tensor) -> tf.Tensor:
            picture = tf.reshape(batch, (-1, 28, 28, 1)) if flat else batch
            moved = augment(picture, training=True)
            return tf.cast(tf.reshape(moved, (-1, *shape)) if flat else moved, dtype)

        data = data.map(lambda a, b: (moved(a), b))
    options = tf.data.Options()
    # The autotuner stalled training about a second in one epoch of three on 2 cores, and
    # the default graph rewrites copy the images (0.25 s) for no gain here.
    options.autotune.enabled = False
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
    """``model.fit`` with a faster input pipeline; compiles as the tutorial does if needed.

    Parameters
    ----------
    model : keras.Model
    x, y : numpy.ndarray
        Images (n, 784), (n, 28, 28) or (n, 28, 28, 1), uint8 0-255 or float 0-1, scaled as
        the model reads them (:func:`~.models.builders.as_input`); (n,) digits or (n, 10)
        one-hot rows.
    epochs, batch_size : int
    validation_data : (x_val, y_val), optional
    seed : int, optional
        Seeds the shuffling only; for a run that repeats, call :func:`set_seed` first.
    progress, callbacks : keras.callbacks.Callback, list of them
        Default: an :class:`~.callbacks.EpochLog` line per epoch; further callbacks.
    augment : keras.layers.Layer, optional
        E.g. :func:`~.recipes.augmentation`.

    Returns
    -------
    keras.callbacks.History
        Ctrl-C stops after the current step (a second press at once), restores the best
        weights so far and sets ``history.interrupted``.
    """
    check_model(model, "train")
    epochs = check_count(epochs, name="train", what="epochs")
    batch_size = check_count(batch_size, name="train", what="batch_size")
    if y is None:
        raise InputError("train: labels are needed: train(model, x, y, epochs=...).")
    if seed is not None:
        check_seed(seed, "train")
    if isinstance(callbacks, keras.callbacks.Callback | type):
        callbacks = [callbacks]  # one callback is a list of one
    try:  # a generator, once checked, would be empty for fit
        callbacks = list(callbacks) if callbacks is not None else []
    except TypeError:
        raise InputError("train: callbacks must be a list of Keras callbacks.") from None
    for given in [progress, *callbacks]:
        if isinstance(given, type) and issubclass(given, keras.callbacks.Callback):
            raise InputError(
                "train: {name} is a kind of callback, not one: call it, {name}().",
                name=given.__name__,
            )
    if progress is not None and not isinstance(progress, keras.callbacks.Callback):
        raise InputError(
            "train: progress must be a Keras callback such as mc.LiveCurves(), got {progress!r}.",
            progress=progress,
        )
    if not all(isinstance(c, keras.callbacks.Callback) for c in callbacks):
        raise InputError("train: callbacks must be a list of Keras callbacks.")
    if augment is not None and not isinstance(augment, keras.layers.Layer):
        raise InputError(
            "train: augment must be a Keras layer, such as mc.augmentation(), or None."
        )
    x, y = _inputs(model, x, y, "train")
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
            raise InputError("train: validation_data must be a pair (x_val, y_val).")
        validation_data = _inputs(model, *validation_data, "train (validation_data)")
    if not model.compiled:
        if not _ends_in_softmax(model):
            raise InputError(
                "train: model {model!r} does not end in a softmax, so its outputs are not "
                "probabilities and cross-entropy on them would be meaningless. Give its last "
                "layer activation='softmax', or compile it yourself (from_logits=True).",
                model=model.name,
            )
        compile_model(model)
    dtype, scale = input_dtype(model), input_scale(model)
    val = validation_data and _dataset(
        *validation_data, 1024, None, dtype=dtype, shuffle=False, scale=scale
    )
    keep_best, history, ctrl_c = KeepBest(), keras.callbacks.History(), _CtrlC()
    # keep_best and history before the progress line: an epoch is done once its line shows
    every = [ctrl_c, keep_best, history, progress or EpochLog(), *callbacks]
    try:
        with ctrl_c:
            model.fit(
                _dataset(x, y, batch_size, seed, augment, dtype, scale=scale),
                epochs=epochs,
                validation_data=val,
                callbacks=every,
                shuffle=False,  # the dataset shuffles itself
                verbose=0,
            )
    except KeyboardInterrupt:
        if keep_best.best_weights is not None:
            model.set_weights(keep_best.best_weights)
            kept = tr(
                "kept the weights of epoch {epoch}, the best so far", epoch=keep_best.best_epoch
            )
        else:
            kept = tr("no epoch had finished, so the weights are partly trained")
        print(
            tr(
                "Training interrupted after {done} complete epoch(s); {kept}. The model in "
                "memory is usable; save it with mc.save_model(model, 'name.keras').",
                done=len(history.history.get("loss", [])),
                kept=kept,
            )
        )
        model.stop_training = True
        history.interrupted = True
    return history


class _CtrlC(keras.callbacks.Callback):
    # Ctrl-C stops at the next *_begin hook (*_end hooks may run in another thread), not deep
    # in TensorFlow, which could crash the process later; a second press stops at once.

    pressed = False
    _previous = None

    def __enter__(self) -> _CtrlC:
        # Only the main thread gets Ctrl-C; an ignored SIGINT stays ignored.
        previous = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is threading.main_thread() and callable(previous):
            self._previous = previous
            signal.signal(signal.SIGINT, self._press)
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        if self.pressed and exc_type is None:
            raise KeyboardInterrupt  # pressed during the last step: stopped all the same

    def _press(self, signum, frame) -> None:
        self.pressed = True
        signal.signal(signal.SIGINT, self._previous)  # a second press interrupts at once

    def check(self, *args, **kwargs) -> None:
        if self.pressed:
            raise KeyboardInterrupt

    on_epoch_begin = on_train_batch_begin = on_test_begin = on_test_batch_begin = check
