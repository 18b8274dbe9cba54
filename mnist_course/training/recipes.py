"""How the course trains each of its models: named recipes, learning-rate schedules.

A :class:`Recipe` is data: which model, how many epochs, batch size, optimizer, peak
learning rate, warm-up, augmentation and precision. :func:`train_course_model` builds the
model and trains it with its recipe; :data:`RECIPES` holds the course's, measured on a
2-core CPU (README, Performance).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np

from ..backend import keras, tf
from ..data.arrays import check_images, check_labels, one_hot, refuse_scaled
from ..errors import InputError, MnistCourseError
from ..language import tr
from ..models.builders import MODELS, PRECISIONS, build_model, resolve_precision
from .fitting import BATCH_SIZE, LEARNING_RATE, compile_model, fit_checked, reshape_for

__all__ = [
    "DEFAULT_EPOCHS",
    "RECIPES",
    "Recipe",
    "train_course_model",
    "augmentation",
    "cosine_decay",
    "one_cycle",
    "use_logical_cpus",
]

OPTIMIZERS = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}


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


def augmentation(
    shift: float = 0.1, rotation_degrees: float = 10.0, seed: int | None = None
) -> keras.Sequential:
    """Random shifts and small rotations of training images, for ``train``'s ``augment``.

    Parameters
    ----------
    shift : float
        Largest shift, as a fraction of the image size (0.1 is about 3 pixels).
    rotation_degrees : float
        Largest rotation either way.
    seed : int, optional
        Seed of the random transformations.
    """
    return keras.Sequential(
        [
            keras.layers.RandomRotation(rotation_degrees / 360, fill_mode="constant", seed=seed),
            keras.layers.RandomTranslation(
                shift, shift, fill_mode="constant", seed=None if seed is None else seed + 1
            ),
        ],
        name="augmentation",
    )


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
        whole = (int, np.integer)
        if not isinstance(self.model, str) or self.model not in MODELS:
            problems.append(f"model {self.model!r} is not one of {', '.join(MODELS)}")
        if not isinstance(self.optimizer, str) or self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer {self.optimizer!r} is not one of {', '.join(OPTIMIZERS)}")
        counts = (self.epochs, self.batch_size)
        if any(isinstance(n, bool) or not isinstance(n, whole) or n < 1 for n in counts):
            problems.append("epochs and batch_size must be at least 1 (whole numbers)")
        number = (int, float, np.integer, np.floating)
        rate = self.learning_rate
        if isinstance(rate, bool) or not isinstance(rate, number) or not 0 < rate < 10:
            problems.append(f"learning_rate must be above 0, got {self.learning_rate!r}")
        if not isinstance(self.warmup, number) or not 0 <= self.warmup < 1:
            problems.append(
                f"warmup is a fraction of training, from 0 to below 1, got {self.warmup}"
            )
        if not isinstance(self.precision, str) or self.precision not in PRECISIONS:
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
#   warm-up) take about 1.1 s an epoch in bfloat16 instead of 2.9 s for batches of 128 in
#   float32, and end at
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
    seed: int | None = None,
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
    seed : int, optional
        Seeds the order of the batches and the augmentation's random shifts. The starting
        weights come from Keras's global random state: to repeat a run exactly, call
        ``keras.utils.set_random_seed`` (or :func:`~mnist_course.training.fitting.set_seed`)
        yourself first. This function changes nothing outside the model it returns.
    progress : keras.callbacks.Callback, optional
        As in :func:`~mnist_course.fitting.train`.
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
    if not isinstance(name, str) or name not in RECIPES:
        raise InputError(
            tr(
                "unknown model {name!r}; choose one of {names}.",
                name=name,
                names=", ".join(RECIPES),
            )
        )
    recipe = RECIPES[name]
    epochs = recipe.epochs if epochs is None else epochs
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise InputError(
            tr(
                "{name}: {what} must be a whole number of at least 1, got {value!r}.",
                name="train_course_model",
                what="epochs",
                value=epochs,
            )
        )
    raw = check_images(images, name="train_course_model")
    refuse_scaled(raw, "train_course_model")
    digits = check_labels(labels, name="train_course_model", count=len(raw))
    steps = int(epochs) * math.ceil(len(raw) / recipe.batch_size)
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
    # checked once, above: only scaled and shaped here
    x, y = reshape_for(model, as_float_pixels(raw), "train_course_model"), one_hot(digits)
    val = None
    if validation is not None:
        name = "train_course_model (validation)"
        if not isinstance(validation, tuple | list) or len(validation) != 2:
            raise InputError(f"{name}: validation must be a pair (images, labels).")
        val_images = check_images(validation[0], name=name)
        refuse_scaled(val_images, name)
        val_digits = check_labels(validation[1], name=name, count=len(val_images))
        val = reshape_for(model, as_float_pixels(val_images), name), one_hot(val_digits)
    history = fit_checked(
        model,
        x,
        y,
        epochs=int(epochs),
        batch_size=recipe.batch_size,
        validation=val,
        seed=seed,
        progress=progress,
        augment=augment,
        callbacks=callbacks,
    )
    return model, history


def as_float_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0-255 as float32 in [0, 1], as the recipes train on."""
    return images.astype(np.float32) / np.float32(255)  # the recipes train on [0, 1]


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
