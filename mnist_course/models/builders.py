"""The course's models: ``keras.Sequential`` stacks of Keras's own layers. The defaults of
the first three rebuild the tutorial's exactly; ``cnn`` is the "going further" model."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

import numpy as np

from ..backend import keras
from ..data.arrays import NUM_CLASSES, check_count, check_fraction
from ..errors import InputError

layers = keras.layers
# Faster than Keras's 0.99, so the running statistics are right after a short run too.
BN_MOMENTUM = 0.9
PRECISIONS = ("float32", "mixed_bfloat16", "auto")
PRECISION_ENV_VAR = "MNIST_COURSE_PRECISION"
_CPUINFO = "/proc/cpuinfo"


def _stack(name: str, shape: tuple[int, ...], hidden: list) -> keras.Sequential:
    # The softmax computes in float32: exact probabilities under bfloat16 too.
    inputs = keras.Input(shape=shape, name="pixels" if len(shape) == 1 else "image")
    digit = layers.Dense(10, activation="softmax", name="digit", dtype="float32")
    return keras.Sequential([inputs, *hidden, digit], name=name)


def _counts(values: object, name: str, what: str, length: int | None = None) -> list[int]:
    """Layer sizes as Python ints (Keras refuses NumPy's), each a whole number of at least 1."""
    items = list(values) if isinstance(values, Sequence | np.ndarray) else None
    if items is None or isinstance(values, str) or length not in (None, len(items)):
        said = {"name": name, "what": what, "count": length, "value": values}
        if length is None:
            raise InputError(
                "{name}: {what} needs a sequence of whole numbers, one per layer, such as "
                "(128, 32); got {value!r}.",
                **said,
            )
        raise InputError(
            "{name}: {what} needs {count} whole numbers, one per layer, such as {example}; "
            "got {value!r}.",
            example=(6, 16, 120)[:length],
            **said,
        )
    return [check_count(item, name=name, what=what) for item in items]


def tiny_mlp(hidden_units: int = 15) -> keras.Sequential:
    """The tutorial's smallest network: 784 inputs, one hidden Dense layer, 10 outputs.

    Parameters
    ----------
    hidden_units : int
        15: 11,935 parameters.

    Returns
    -------
    keras.Sequential
        Input (n, 784) float32, output (n, 10) probabilities; not compiled.
    """
    units = check_count(hidden_units, name="tiny_mlp", what="hidden_units")
    hidden = [layers.Dense(units, activation="relu", name="hidden")]
    return _stack("tiny_mlp", (784,), hidden)


def mlp(
    hidden_units: Sequence[int] = (128, 32), l1: float = 1e-4, dropout: float = 0.01
) -> keras.Sequential:
    """The tutorial's MLP 128-32-10, with an L1 weight penalty and dropout on hidden layers.

    Parameters
    ----------
    hidden_units : sequence of int
    l1, dropout : float
        L1 penalty on the hidden weights; fraction of hidden outputs dropped (0: none).

    Returns
    -------
    keras.Sequential
        Input (n, 784), output (n, 10); 104,938 parameters by default.
    """
    l1, dropout = (
        check_fraction(l1, name="mlp", what="l1"),
        check_fraction(dropout, name="mlp", what="dropout"),
    )
    hidden, penalty = [], keras.regularizers.L1(l1) if l1 else None
    for i, units in enumerate(_counts(hidden_units, "mlp", "hidden_units"), start=1):
        hidden += [
            layers.Dense(units, activation="relu", kernel_regularizer=penalty, name=f"hidden_{i}"),
            layers.Dropout(dropout, name=f"dropout_{i}"),
        ]
    return _stack("mlp", (784,), hidden)


def lenet(filters: Sequence[int] = (6, 16, 120), dense_units: int = 84) -> keras.Sequential:
    """The tutorial's LeNet: three 3x3 convolutions, average pooling, two Dense layers.

    Parameters
    ----------
    filters : sequence of three int
        Outputs 26x26x6, pooled 13x13x6, 11x11x16, pooled 5x5x16, 3x3x120.
    dense_units : int

    Returns
    -------
    keras.Sequential
        Input (n, 28, 28, 1), output (n, 10); 109,994 parameters by default.
    """
    f1, f2, f3 = _counts(filters, "lenet", "filters", length=3)
    dense_units = check_count(dense_units, name="lenet", what="dense_units")
    hidden = [
        layers.Conv2D(f1, 3, activation="relu", name="conv_1"),
        layers.AveragePooling2D(2, name="pool_1"),
        layers.Conv2D(f2, 3, activation="relu", name="conv_2"),
        layers.AveragePooling2D(2, name="pool_2"),
        layers.Conv2D(f3, 3, activation="relu", name="conv_3"),
        layers.Flatten(name="flatten"),
        layers.Dense(dense_units, activation="relu", name="dense"),
    ]
    return _stack("lenet", (28, 28, 1), hidden)


def cnn(filters: Sequence[int] = (32, 64), dropout: float = 0.3) -> keras.Sequential:
    """A stronger CNN (5x5 convolutions, max pooling, batch norm): about 99.5% in CPU minutes.

    Parameters
    ----------
    filters : sequence of two int
    dropout : float
        Before the output layer.

    Returns
    -------
    keras.Sequential
        Input (n, 28, 28, 1), output (n, 10); 185,258 parameters by default.
    """
    filters = _counts(filters, "cnn", "filters", length=2)
    dropout = check_fraction(dropout, name="cnn", what="dropout")
    hidden = []
    # Pooling straight after each convolution leaves batch norm a quarter of the values.
    for i, count in enumerate(filters, start=1):
        hidden += [
            layers.Conv2D(count, 5, use_bias=False, name=f"conv_{i}"),
            layers.MaxPooling2D(2, name=f"pool_{i}"),
            layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"norm_{i}"),
            layers.Activation("relu", name=f"relu_{i}"),
        ]
    hidden += [
        layers.Flatten(name="flatten"),
        layers.Dense(128, use_bias=False, name="dense"),
        layers.BatchNormalization(momentum=BN_MOMENTUM, name="norm_dense"),
        layers.Activation("relu", name="relu_dense"),
        layers.Dropout(dropout, name="dropout"),
    ]
    return _stack("cnn", (28, 28, 1), hidden)


MODELS = {"tiny-mlp": tiny_mlp, "mlp": mlp, "lenet": lenet, "cnn": cnn}


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none: not Linux)."""
    try:
        with open(_CPUINFO, encoding="utf-8", errors="replace") as info:
            return set(next((line for line in info if line.startswith("flags")), "").split())
    except OSError:
        return set()


def has_native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (AMX or AVX-512 BF16)."""
    return bool(cpu_flags() & {"amx_bf16", "avx512_bf16"})


def resolve_precision(precision: str = "auto") -> str:
    """The dtype policy for ``precision``: ``"auto"`` is ``$MNIST_COURSE_PRECISION`` if set,
    else ``"mixed_bfloat16"`` where the CPU has AMX, else ``"float32"`` (with AVX-512 BF16
    alone, bfloat16 measured no faster than float32: docs/performance.md)."""
    if precision == "auto":
        native = "mixed_bfloat16" if "amx_bf16" in cpu_flags() else "float32"
        precision = os.environ.get(PRECISION_ENV_VAR) or native
    if precision not in PRECISIONS[:2]:
        raise InputError(
            "unknown precision {precision!r}; choose one of {choices} (check the "
            "{precision_env_var} environment variable if you set it).",
            precision=precision,
            choices=", ".join(PRECISIONS),
            precision_env_var=PRECISION_ENV_VAR,
        )
    return precision


def check_choice(name: object, among: dict) -> str:
    """``name`` if it is a key of ``among`` (the models or recipes), else an InputError."""
    if not isinstance(name, str) or name not in among:
        raise InputError(
            "unknown model {name!r}; choose one of {names}.", name=name, names=", ".join(among)
        )
    return name


def build_model(name: str, *, precision: str = "float32", **kwargs: object) -> keras.Sequential:
    """Build a course model by name.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`: ``"tiny-mlp"``, ``"mlp"``, ``"lenet"`` or ``"cnn"``.
    precision : str
        ``"float32"``, ``"mixed_bfloat16"`` (float32 weights and output) or ``"auto"``.
    **kwargs
        Passed to the model's function, e.g. ``filters=(8, 16, 120)`` for LeNet.
    """
    builder = MODELS[check_choice(name, MODELS)]
    # Layers take the global dtype policy when created: set it just for them.
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(resolve_precision(precision))
    try:
        return builder(**kwargs)
    except (TypeError, ValueError) as error:  # a wrong option, or a size Keras refuses
        raise InputError(
            "build_model: {name!r} cannot be built with {kwargs}: {error}. See "
            "help(mc.{builder}) for its options.",
            name=name,
            kwargs=kwargs,
            error=error,
            builder=builder.__name__,
        ) from None
    finally:
        keras.config.set_dtype_policy(previous)


def image_shape(model: keras.Model) -> tuple[int, ...]:
    """The shape of one image as ``model`` reads it: its input shape, with 28 for the height
    and width of a fully convolutional model, which reads pictures of any size (None)."""
    shape = tuple(model.input_shape[1:])
    return tuple(28 if size is None and i < 2 else size for i, size in enumerate(shape))


def input_layout(model: keras.Model) -> str:
    """``"flat"`` when the model reads (n, 784) vectors, ``"image"`` for (n, 28, 28, 1)."""
    return "flat" if len(model.input_shape) == 2 else "image"


def weights_fingerprint(model: keras.Model) -> str:
    """sha256 of a model's weights (shapes, dtypes, values): equal only for the same weights."""
    digest = hashlib.sha256()
    for array in map(np.ascontiguousarray, model.get_weights()):
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# Layers that pass pixels on unscaled: reshaping, and noise or augmentation, which only acts
# in training (Keras names its augmentation layers Random...).
_PASS_PIXELS = (
    keras.layers.InputLayer,
    keras.layers.Reshape,
    keras.layers.Flatten,
    keras.layers.Dropout,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
)


def _scaling(layers: Sequence[keras.layers.Layer]) -> float | None:
    for layer in layers:
        inner = _scaling(layer.layers) if isinstance(layer, keras.Model) else None
        if inner is not None:
            return inner
        if isinstance(layer, (keras.Model, *_PASS_PIXELS)) or type(layer).__name__.startswith(
            "Random"
        ):
            continue
        scale = np.abs(np.asarray(getattr(layer, "scale", 1.0), dtype=float)).max()
        return 255.0 if isinstance(layer, keras.layers.Rescaling) and scale < 0.05 else 1.0
    return None


def input_scale(model: keras.Model) -> float:
    """The pixel value the model reads as full ink: 255 for a model that scales its own
    input (its first layer that computes is ``keras.layers.Rescaling(1 / 255)``, as in
    keras.io's examples), else 1 (pixels scaled to [0, 1] before the model, as the course does).
    """
    return _scaling(getattr(model, "layers", None) or []) or 1.0


def model_pixels(model: keras.Model) -> str:
    """The ``pixels`` rule of :func:`~mnist_course.data.arrays.check_images` for ``model``'s
    input: "model" (uint8 or floats 0-1), or "raw" (floats 0-255 too) for a model that
    scales its own input."""
    return "model" if input_scale(model) == 1 else "raw"


def as_input(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Checked images as float32 in the model's input shape and on its scale
    (:func:`input_scale`): uint8 0-255, or floats 0-1 (or 0-255 for a model that scales its
    own input: floats up to 1 are taken as scaled, a raw image that dark being blank)."""
    scale = np.float32(input_scale(model))
    if np.issubdtype(images.dtype, np.integer):
        images = images.astype(np.float32) / (np.float32(255) / scale)
    elif scale != 1 and images.max() <= 1:
        images = images.astype(np.float32) * scale
    return images.astype(np.float32, copy=False).reshape(len(images), *image_shape(model))


def check_keras_model(model: object, name: str) -> keras.Model:
    """``model`` if it is a Keras model, else an InputError naming the function ``name``."""
    if not isinstance(model, keras.Model):
        kind = type(model).__name__
        raise InputError("{name}: expected a Keras model, got {kind}.", name=name, kind=kind)
    return model


def check_model(model: object, name: str = "model") -> keras.Model:
    """``model`` if it is a Keras model reading MNIST images and giving 10 outputs, else an
    InputError that says what is wrong."""
    if isinstance(model, str | os.PathLike):
        raise InputError(
            "{name}: got the path {path!r}, not a model. Load it first: model = "
            "mc.load_model(path).",
            name=name,
            path=str(model),
        )
    check_keras_model(model, name)
    ends = [len(getattr(model, side, None) or ()) for side in ("inputs", "outputs")]
    if max(ends) > 1:
        raise InputError(
            "{name}: model {model!r} has {inputs} input(s) and {outputs} output(s); an "
            "MNIST classifier has one of each: an image in, ten probabilities out.",
            name=name,
            model=model.name,
            inputs=ends[0],
            outputs=ends[1],
        )
    try:
        named = isinstance(model.output, dict)
    except (AttributeError, ValueError):  # a subclassed model, not yet called: no output yet
        named = False
    if named:  # outputs={"digit": x}: predict would return a dict, not the probabilities
        raise InputError(
            "{name}: model {model!r} returns its output in a dict; an MNIST classifier "
            "returns one array of ten probabilities: build it with outputs=x, not "
            "{{'digit': x}}.",
            name=name,
            model=model.name,
        )
    try:
        inputs, outputs = image_shape(model), tuple(model.output_shape[1:])
    except (AttributeError, ValueError):
        raise InputError(
            "{name}: model {model!r} has no input shape yet; build it with "
            "keras.Input(shape=...) as its first layer.",
            name=name,
            model=model.name,
        ) from None
    if inputs not in ((784,), (28, 28), (28, 28, 1)):
        raise InputError(
            "{name}: model {model!r} reads inputs shaped {inputs}, not MNIST images "
            "((784,), (28, 28) or (28, 28, 1)). Is it an MNIST model?",
            name=name,
            model=model.name,
            inputs=inputs,
        )
    if outputs != (NUM_CLASSES,):
        raise InputError(
            "{name}: model {model!r} gives outputs shaped {outputs}; an MNIST "
            "classifier gives 10, one probability per digit.",
            name=name,
            model=model.name,
            outputs=outputs,
        )
    return model
