"""How the course trains each of its models: a :class:`Recipe` each in :data:`RECIPES`,
learning-rate schedules, augmentation, and :func:`train_course_model`."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np

from ..backend import keras, tf
from ..data.arrays import check_count, check_fraction, check_images, check_labels, refuse_scaled
from ..errors import InputError, MnistCourseError
from ..language import tr
from ..models.builders import MODELS, PRECISIONS, build_model, check_choice
from .fitting import BATCH_SIZE, LEARNING_RATE, check_seed, compile_model, train

OPTIMIZERS = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}
Schedule = keras.optimizers.schedules.LearningRateSchedule


def cosine_decay(total_steps: int, start: float = LEARNING_RATE) -> Schedule:
    """Learning rate that starts at ``start`` and falls to zero along a cosine."""
    return keras.optimizers.schedules.CosineDecay(start, decay_steps=max(1, total_steps))


def one_cycle(total_steps: int, peak: float = 3e-3, warmup: float = 0.2) -> Schedule:
    """Learning rate that rises linearly to ``peak`` then falls to zero along a cosine."""
    warmup_steps = max(1, int(total_steps * warmup))
    return keras.optimizers.schedules.CosineDecay(
        peak / 25, max(1, total_steps - warmup_steps), warmup_target=peak, warmup_steps=warmup_steps
    )


def augmentation(
    shift: float = 0.1, rotation_degrees: float = 10.0, seed: int | None = None
) -> keras.Sequential:
    """Random shifts (``shift``: a fraction of the image size) and rotations (up to
    ``rotation_degrees`` either way) of training images, for ``train``'s ``augment``."""
    shift = check_fraction(shift, name="augmentation", what="shift")
    rotation = check_fraction(
        rotation_degrees, name="augmentation", what="rotation_degrees", most=180.0
    )
    seed = None if seed is None else check_seed(seed, "augmentation")  # Keras refuses NumPy ints
    rotate = keras.layers.RandomRotation(rotation / 360, fill_mode="constant", seed=seed)
    seed = None if seed is None else seed + 1  # the translation's own
    move = keras.layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed)
    return keras.Sequential([rotate, move], name="augmentation")


@dataclass(frozen=True)
class Recipe:
    """How the course trains one of its models (see :data:`RECIPES`): ``model`` in
    :data:`~mnist_course.models.MODELS` with ``options`` such as ``{"filters": (16, 32)}``,
    ``optimizer`` "rmsprop" or "adam", ``learning_rate`` the peak rate, which falls to zero
    along a cosine after ``warmup`` (a fraction of training) spent climbing from a 25th of it,
    ``augment`` with :func:`augmentation`, ``precision`` "float32" or "auto"."""

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
        # A learner may write a recipe; a typo must not silently train something else.
        problems = []
        for what, value, choices in (
            ("model", self.model, MODELS),
            ("optimizer", self.optimizer, OPTIMIZERS),
            ("precision", self.precision, PRECISIONS),
        ):
            if not isinstance(value, str) or value not in choices:
                problems.append(
                    tr(
                        "{what} {value!r} is not one of {choices}",
                        what=what,
                        value=value,
                        choices=", ".join(choices),
                    )
                )
        if not isinstance(self.augment, bool | np.bool_):
            problems.append(tr("augment must be True or False, got {value!r}", value=self.augment))
        if not isinstance(self.options, dict):
            problems.append(
                tr(
                    "options must be a dict of the builder's arguments, such as "
                    "{{'filters': (16, 32)}}, got {value!r}",
                    value=self.options,
                )
            )
        counts = (self.epochs, self.batch_size)
        if any(isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1 for n in counts):
            problems.append(tr("epochs and batch_size must be at least 1 (whole numbers)"))
        number = (int, float, np.integer, np.floating)
        rate, warmup = self.learning_rate, self.warmup
        if isinstance(rate, bool) or not isinstance(rate, number) or not 0 < rate < 10:
            problems.append(
                tr("learning_rate must be above 0 and below 10, got {rate!r}", rate=rate)
            )
        if not isinstance(warmup, number) or not 0 <= warmup < 1:
            problems.append(
                tr(
                    "warmup is a fraction of training, from 0 to below 1, got {warmup!r}",
                    warmup=warmup,
                )
            )
        if problems:
            # TRANSLATORS: "; " joins a recipe's problems into one sentence
            raise InputError("Recipe: {problems}.", problems=tr("; ").join(problems))

    def schedule(self, steps: int) -> Schedule:
        """The learning rate over ``steps`` gradient steps."""
        if self.warmup:
            return one_cycle(steps, peak=self.learning_rate, warmup=self.warmup)
        return cosine_decay(steps, start=self.learning_rate)

    def compiled_model(self, epochs: int, images: int, precision: str | None = None) -> keras.Model:
        """The recipe's model, compiled with its schedule for ``epochs`` over ``images``
        (under a strategy, call it inside the strategy's scope)."""
        steps = epochs * math.ceil(images / self.batch_size)
        model = build_model(self.model, precision=precision or self.precision, **self.options)
        return compile_model(model, optimizer=OPTIMIZERS[self.optimizer](self.schedule(steps)))


# Measured on 2 CPU cores, full MNIST, 3 seeds (docs/performance.md): the MLPs reach 98.1%
# (tutorial: 97.1-97.9%); LeNet 99.1% (98.8%) at 1.1 s an epoch (2.9 s); the CNN 99.56% in
# under two minutes; fast-cnn 99.1% in under 5 s. bfloat16 only helps the convolutions.
_CNN = {"optimizer": "adam", "precision": "auto"}
RECIPES: dict[str, Recipe] = {
    "tiny-mlp": Recipe("tiny-mlp", epochs=20),
    "mlp": Recipe("mlp", epochs=20),
    "lenet": Recipe(
        "lenet", epochs=10, batch_size=1024, learning_rate=0.008, warmup=0.1, precision="auto"
    ),
    "cnn": Recipe("cnn", epochs=15, learning_rate=3e-3, warmup=0.2, augment=True, **_CNN),
    "fast-cnn": Recipe(
        "cnn", epochs=1, learning_rate=8e-3, warmup=0.25, options={"filters": (16, 32)}, **_CNN
    ),
}
DEFAULT_EPOCHS = {name: recipe.epochs for name, recipe in RECIPES.items()}


def _raw(images: object, labels: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked raw (0-255) images, which ``train`` scales, and their digits."""
    raw = check_images(images, name=name)
    refuse_scaled(raw, name)
    if np.issubdtype(raw.dtype, np.floating):  # raw pixels as floats: train takes floats as scaled
        raw = raw.astype(np.float32) / np.float32(255)
    return raw, check_labels(labels, name=name, count=len(raw))


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
    """Build and train a course model by name with its :class:`Recipe`, from raw MNIST.

    Parameters
    ----------
    name : str
        A recipe in :data:`RECIPES`: "tiny-mlp", "mlp", "lenet", "cnn" or "fast-cnn".
    images, labels : numpy.ndarray
        Raw training images (n, 28, 28) uint8 and their digits (n,).
    epochs : int, optional
        Default: the recipe's; the learning-rate schedule stretches to fit.
    seed : int, optional
        Seeds the batch order and augmentation, not the weights (see :func:`~.fitting.set_seed`).
    progress, callbacks
        As in :func:`~.fitting.train`.
    validation : (images, labels), optional
        Raw, like ``images`` and ``labels``.
    strategy : tf.distribute.Strategy, optional
        E.g. ``tf.distribute.MirroredStrategy()``.
    precision : str, optional
        Overrides the recipe's: ``"float32"``, ``"mixed_bfloat16"`` or ``"auto"``.

    Returns
    -------
    (keras.Model, keras.callbacks.History)
    """
    recipe = RECIPES[check_choice(name, RECIPES)]
    epochs = check_count(
        recipe.epochs if epochs is None else epochs, name="train_course_model", what="epochs"
    )
    if strategy is not None and not isinstance(strategy, tf.distribute.Strategy):
        raise InputError(
            "train_course_model: strategy must be a tf.distribute strategy, such as "
            "tf.distribute.MirroredStrategy(), got {strategy!r}.",
            strategy=strategy,
        )
    images, labels = _raw(images, labels, "train_course_model")
    val_name = "train_course_model (validation)"
    if validation is not None:
        if not isinstance(validation, tuple | list) or len(validation) != 2:
            raise InputError(
                "{val_name}: validation must be a pair (images, labels).", val_name=val_name
            )
        validation = _raw(*validation, val_name)
    # Under a strategy, variables (weights, optimizer slots) must be made inside its scope.
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = recipe.compiled_model(epochs, len(images), precision)
    augment = augmentation(seed=seed) if recipe.augment else None
    return model, train(
        model,
        images,
        labels,
        epochs=epochs,
        batch_size=recipe.batch_size,
        validation_data=validation,
        seed=seed,
        progress=progress,
        callbacks=callbacks,
        augment=augment,
    )


def use_logical_cpus(count: int = 2) -> list[str]:
    """Split the CPU into ``count`` logical devices, to try ``MirroredStrategy`` anywhere
    (they share the cores: no speed-up). Call it before TensorFlow runs anything.

    Returns
    -------
    list of str
        The logical device names, e.g. ``["/device:CPU:0", "/device:CPU:1"]``.
    """
    check_count(count, name="use_logical_cpus")
    cpu = tf.config.list_physical_devices("CPU")[0]
    devices = [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    with contextlib.suppress(RuntimeError):  # TensorFlow has started: fine if run a second time
        tf.config.set_logical_device_configuration(cpu, devices)
    existing = [device.name for device in tf.config.list_logical_devices("CPU")]
    if len(existing) != count:
        raise MnistCourseError(
            "use_logical_cpus: TensorFlow has already started with {count} CPU "
            "device(s), and devices cannot change afterwards. Restart the kernel and "
            "call this first, before building any model.",
            count=len(existing),
        )
    return existing
