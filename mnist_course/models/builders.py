"""The course's models, as Keras ``Sequential`` stacks.

The first three are the original tutorial's, layer for layer; keyword arguments let a
learner change their sizes, and the defaults rebuild the tutorial exactly. ``cnn`` is the
"going further" model: small, but with batch normalisation, max pooling and dropout.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence

import numpy as np

from ..backend import keras
from ..data.arrays import NUM_CLASSES
from ..errors import InputError
from ..language import tr

__all__ = [
    "tiny_mlp",
    "mlp",
    "lenet",
    "cnn",
    "build_model",
    "MODELS",
    "PRECISIONS",
    "input_layout",
    "has_native_bfloat16",
    "resolve_precision",
    "check_model",
    "weights_fingerprint",
]

layers = keras.layers
# Batch norm's running statistics forget faster than Keras's default 0.99, so they are
# already right after a short run (two epochs in notebook 06) and no worse after a long one.
BN_MOMENTUM = 0.9
# The output layer always computes in float32, so the ten probabilities are exact even when
# the rest of a model runs in bfloat16 (see build_model's ``precision``).
OUTPUT_DTYPE = "float32"
PRECISIONS = ("float32", "mixed_bfloat16", "auto")
PRECISION_ENV_VAR = "MNIST_COURSE_PRECISION"
_CPUINFO = "/proc/cpuinfo"


def tiny_mlp(hidden_units: int = 15) -> keras.Sequential:
    """The smallest network that does well: 784 inputs, one hidden Dense layer, 10 outputs.

    Parameters
    ----------
    hidden_units : int
        Size of the hidden layer (15 in the tutorial: 11,935 parameters).

    Returns
    -------
    keras.Sequential
        Input (n, 784) float32, output (n, 10) probabilities. Not compiled.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(784,), name="pixels"),
            layers.Dense(hidden_units, activation="relu", name="hidden"),
            layers.Dense(10, activation="softmax", name="digit", dtype=OUTPUT_DTYPE),
        ],
        name="tiny_mlp",
    )


def mlp(
    hidden_units: Sequence[int] = (128, 32), l1: float = 1e-4, dropout: float = 0.01
) -> keras.Sequential:
    """The tutorial's MLP 128-32-10, with L1 weight penalty and dropout on hidden layers.

    Parameters
    ----------
    hidden_units : sequence of int
        Sizes of the hidden layers, in order.
    l1 : float
        L1 penalty on each hidden layer's weights (0 turns it off).
    dropout : float
        Fraction of each hidden layer's outputs dropped while training (0 turns it off).

    Returns
    -------
    keras.Sequential
        Input (n, 784), output (n, 10); 104,938 parameters with the defaults. Not compiled.
    """
    stack: list[keras.layers.Layer] = [keras.Input(shape=(784,), name="pixels")]
    for i, units in enumerate(hidden_units, start=1):
        stack += [
            layers.Dense(
                units,
                activation="relu",
                kernel_regularizer=keras.regularizers.L1(l1) if l1 else None,
                name=f"hidden_{i}",
            ),
            layers.Dropout(dropout, name=f"dropout_{i}"),
        ]
    stack.append(layers.Dense(10, activation="softmax", name="digit", dtype=OUTPUT_DTYPE))
    return keras.Sequential(stack, name="mlp")


def lenet(filters: Sequence[int] = (6, 16, 120), dense_units: int = 84) -> keras.Sequential:
    """LeNet as in the tutorial: three 3x3 convolutions, average pooling, two Dense layers.

    Shapes: 28x28x1 -> conv 26x26x6 -> pool 13x13x6 -> conv 11x11x16 -> pool 5x5x16
    -> conv 3x3x120 -> flatten 1080 -> dense 84 -> dense 10.

    Parameters
    ----------
    filters : sequence of three int
        Filters of the three convolutions.
    dense_units : int
        Size of the hidden Dense layer.

    Returns
    -------
    keras.Sequential
        Input (n, 28, 28, 1), output (n, 10); 109,994 parameters with the defaults.
    """
    if len(filters) != 3:
        raise InputError(f"lenet: filters needs three numbers (one per convolution), got {filters}")
    f1, f2, f3 = filters
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            layers.Conv2D(f1, 3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(2, name="pool_1"),
            layers.Conv2D(f2, 3, activation="relu", name="conv_2"),
            layers.AveragePooling2D(2, name="pool_2"),
            layers.Conv2D(f3, 3, activation="relu", name="conv_3"),
            layers.Flatten(name="flatten"),
            layers.Dense(dense_units, activation="relu", name="dense"),
            layers.Dense(10, activation="softmax", name="digit", dtype=OUTPUT_DTYPE),
        ],
        name="lenet",
    )


def cnn(filters: Sequence[int] = (32, 64), dropout: float = 0.3) -> keras.Sequential:
    """A stronger CNN for "going further": about 99.5% on MNIST in a couple of CPU minutes.

    Two blocks of 5x5 convolution, 2x2 max pooling, batch normalisation and ReLU (32 then
    64 filters), then a 128-unit Dense layer with batch normalisation and dropout. Batch
    normalisation lets it train with a high learning rate; random shifts and rotations
    (see :func:`mnist_course.training.augmentation`) keep it from memorising the training
    set. Pooling comes straight after each convolution, so batch normalisation and ReLU
    work on a quarter of the values: the same accuracy, measured twice as fast per epoch.

    Parameters
    ----------
    filters : sequence of two int
        Filters of the two convolutions.
    dropout : float
        Dropout before the output layer.

    Returns
    -------
    keras.Sequential
        Input (n, 28, 28, 1), output (n, 10); 185,258 parameters with the defaults.
    """

    if len(filters) != 2:
        raise InputError(f"cnn: filters needs two numbers (one per convolution), got {filters}")
    f1, f2 = filters

    def block(filters: int, i: int) -> list[keras.layers.Layer]:
        return [
            layers.Conv2D(filters, 5, use_bias=False, name=f"conv_{i}"),
            layers.MaxPooling2D(2, name=f"pool_{i}"),
            layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"norm_{i}"),
            layers.Activation("relu", name=f"relu_{i}"),
        ]

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            *block(f1, 1),
            *block(f2, 2),
            layers.Flatten(name="flatten"),
            layers.Dense(128, use_bias=False, name="dense"),
            layers.BatchNormalization(momentum=BN_MOMENTUM, name="norm_dense"),
            layers.Activation("relu", name="relu_dense"),
            layers.Dropout(dropout, name="dropout"),
            layers.Dense(10, activation="softmax", name="digit", dtype=OUTPUT_DTYPE),
        ],
        name="cnn",
    )


MODELS: dict[str, Callable[..., keras.Sequential]] = {
    "tiny-mlp": tiny_mlp,
    "mlp": mlp,
    "lenet": lenet,
    "cnn": cnn,
}


def has_native_bfloat16() -> bool:
    """Whether this CPU computes in bfloat16 natively (Intel AMX or AVX-512 BF16).

    On such CPUs, convolutions in bfloat16 run about twice as fast as in float32; on
    others, bfloat16 is emulated and slower, so the course keeps float32 there.
    """
    try:
        with open(_CPUINFO, encoding="utf-8", errors="replace") as info:
            flags = next((line for line in info if line.startswith("flags")), "").split()
    except OSError:  # not Linux, or no /proc: assume the common case, no bfloat16
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_precision(precision: str = "auto") -> str:
    """The Keras dtype policy for ``precision``: ``"float32"`` or ``"mixed_bfloat16"``.

    ``"auto"`` is ``"mixed_bfloat16"`` where :func:`has_native_bfloat16` and ``"float32"``
    elsewhere; the environment variable ``MNIST_COURSE_PRECISION`` overrides it.
    """
    if precision == "auto":
        precision = os.environ.get(PRECISION_ENV_VAR) or (
            "mixed_bfloat16" if has_native_bfloat16() else "float32"
        )
    if precision not in PRECISIONS[:2]:
        raise InputError(
            f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)} "
            f"(check the {PRECISION_ENV_VAR} environment variable if you set it)."
        )
    return precision


def build_model(name: str, *, precision: str = "float32", **kwargs: object) -> keras.Sequential:
    """Build a course model by its name: ``"tiny-mlp"``, ``"mlp"``, ``"lenet"`` or ``"cnn"``.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`.
    precision : str
        ``"float32"`` (the default), ``"mixed_bfloat16"`` (layers compute in bfloat16 and
        keep their weights in float32; the output layer stays float32) or ``"auto"``
        (see :func:`resolve_precision`).
    **kwargs
        Passed to the model's function, e.g. ``filters=(8, 16, 120)`` for LeNet.
    """
    try:
        builder = MODELS[name]
    except (KeyError, TypeError):
        raise InputError(
            tr("unknown model {name!r}; choose one of {names}.", name=name, names=", ".join(MODELS))
        ) from None
    policy = resolve_precision(precision)
    # Layers take the global dtype policy when they are created, so set it just for them.
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        return builder(**kwargs)
    except (TypeError, ValueError) as error:  # a wrong option, or a size Keras refuses
        raise InputError(
            f"build_model: {name!r} cannot be built with {kwargs}: {error}. See "
            f"help(mc.{builder.__name__}) for its options."
        ) from None
    finally:
        keras.config.set_dtype_policy(previous)


def input_layout(model: keras.Model) -> str:
    """``"flat"`` when the model reads (n, 784) vectors, ``"image"`` for (n, 28, 28, 1)."""
    return "flat" if len(model.input_shape) == 2 else "image"


def weights_fingerprint(model: keras.Model) -> str:
    """sha256 of a model's weights: equal only for the same model.

    The same file loaded twice, a model and its reloaded copy, or the same layers wrapped in
    another model give the same fingerprint; one changed weight gives another.
    """
    digest = hashlib.sha256()
    for weights in model.get_weights():
        array = np.ascontiguousarray(weights)
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def check_model(model: object, name: str = "model") -> keras.Model:
    """Check that ``model`` is a Keras model that reads MNIST images and gives 10 outputs.

    Raises
    ------
    InputError
        Not a Keras model (a file name? load it first), an input that is not 784 numbers
        or a 28x28 image, or not 10 outputs; the message says what the model has.
    """
    if isinstance(model, str | os.PathLike):
        raise InputError(
            tr(
                "{name}: got the path {path!r}, not a model. Load it first: model = "
                "mc.load_model(path).",
                name=name,
                path=str(model),
            )
        )
    if not isinstance(model, keras.Model):
        raise InputError(
            tr("{name}: expected a Keras model, got {kind}.", name=name, kind=type(model).__name__)
        )
    try:
        inputs, outputs = tuple(model.input_shape[1:]), tuple(model.output_shape[1:])
    except (AttributeError, ValueError):
        raise InputError(
            tr(
                "{name}: model {model!r} has no input shape yet; build it with "
                "keras.Input(shape=...) as its first layer.",
                name=name,
                model=model.name,
            )
        ) from None
    if inputs not in ((784,), (28, 28), (28, 28, 1)):
        raise InputError(
            tr(
                "{name}: model {model!r} reads inputs shaped {inputs}, not MNIST images "
                "((784,), (28, 28) or (28, 28, 1)). Is it an MNIST model?",
                name=name,
                model=model.name,
                inputs=inputs,
            )
        )
    if outputs != (NUM_CLASSES,):
        raise InputError(
            tr(
                "{name}: model {model!r} gives outputs shaped {outputs}; an MNIST "
                "classifier gives 10, one probability per digit.",
                name=name,
                model=model.name,
                outputs=outputs,
            )
        )
    return model
