"""The course's models, as Keras ``Sequential`` stacks.

The first three are the original tutorial's, layer for layer; keyword arguments let a
learner change their sizes, and the defaults rebuild the tutorial exactly. ``cnn`` is the
"going further" model: small, but with batch normalisation, max pooling and dropout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._backend import keras
from .errors import InputError

__all__ = ["tiny_mlp", "mlp", "lenet", "cnn", "build_model", "MODELS", "input_layout"]

layers = keras.layers
# Batch norm's running statistics forget faster than Keras's default 0.99, so they are
# already right after a short run (two epochs in notebook 05) and no worse after a long one.
BN_MOMENTUM = 0.9


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
            layers.Dense(10, activation="softmax", name="digit"),
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
    stack.append(layers.Dense(10, activation="softmax", name="digit"))
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
            layers.Dense(10, activation="softmax", name="digit"),
        ],
        name="lenet",
    )


def cnn(dropout: float = 0.3) -> keras.Sequential:
    """A stronger CNN for "going further": about 99.5% on MNIST in a few CPU minutes.

    Two blocks of 5x5 convolution, batch normalisation, ReLU and 2x2 max pooling (24 then
    48 filters), then a 128-unit Dense layer with batch normalisation and dropout. Batch
    normalisation lets it train with a high learning rate; random shifts and rotations
    (see :func:`mnist_course.training.augment`) keep it from memorising the training set.

    Parameters
    ----------
    dropout : float
        Dropout before the output layer.

    Returns
    -------
    keras.Sequential
        Input (n, 28, 28, 1), output (n, 10).
    """

    def block(filters: int, i: int) -> list[keras.layers.Layer]:
        return [
            layers.Conv2D(filters, 5, use_bias=False, name=f"conv_{i}"),
            layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"norm_{i}"),
            layers.Activation("relu", name=f"relu_{i}"),
            layers.MaxPooling2D(2, name=f"pool_{i}"),
        ]

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            *block(24, 1),
            *block(48, 2),
            layers.Flatten(name="flatten"),
            layers.Dense(128, use_bias=False, name="dense"),
            layers.BatchNormalization(momentum=BN_MOMENTUM, name="norm_dense"),
            layers.Activation("relu", name="relu_dense"),
            layers.Dropout(dropout, name="dropout"),
            layers.Dense(10, activation="softmax", name="digit"),
        ],
        name="cnn",
    )


MODELS: dict[str, Callable[..., keras.Sequential]] = {
    "tiny-mlp": tiny_mlp,
    "mlp": mlp,
    "lenet": lenet,
    "cnn": cnn,
}


def build_model(name: str, **kwargs: object) -> keras.Sequential:
    """Build a course model by its name: ``"tiny-mlp"``, ``"mlp"``, ``"lenet"`` or ``"cnn"``."""
    try:
        builder = MODELS[name]
    except KeyError:
        raise InputError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}.") from None
    return builder(**kwargs)


def input_layout(model: keras.Model) -> str:
    """``"flat"`` when the model reads (n, 784) vectors, ``"image"`` for (n, 28, 28, 1)."""
    return "flat" if len(model.input_shape) == 2 else "image"
