"""What is inside a trained model: its layers' shapes, weights, filters and feature maps.
Like :mod:`mnist_course.plots`, each plot returns a matplotlib Figure and draws nothing else."""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..backend import keras
from ..data.arrays import as_numbers, check_count, check_finite, check_images
from ..errors import InputError
from ..language import tr, tr_plot
from ..models.builders import as_input, check_model, model_pixels
from ..plots import draw_digit, grid, literal


def feature_maps(model: keras.Model, image: np.ndarray, layer: str) -> np.ndarray:
    """What one layer outputs for one image: e.g. a convolution's feature maps.

    Parameters
    ----------
    model : keras.Model
    image : numpy.ndarray
        One image, as for :func:`predict_digit`.
    layer : str or keras.layers.Layer
        The layer's name, e.g. ``"conv_1"``, or the layer.

    Returns
    -------
    numpy.ndarray
        float32, the layer's output without the batch axis, e.g. (26, 26, 6).
    """
    check_model(model, "feature_maps")
    if isinstance(layer, keras.layers.Layer):  # the layer itself: its name will do
        layer = layer.name
    names = [item.name for item in model.layers]
    if layer not in names:
        raise InputError(
            "model {model!r} has no layer {layer!r}; it has {names}.",
            model=model.name,
            layer=layer,
            names=", ".join(names),
        )
    one = check_images(image, name="feature_maps", single=True, pixels=model_pixels(model))
    probe = keras.Model(model.inputs[0], model.get_layer(layer).output)
    return np.asarray(probe(as_input(model, one[None]), training=False)[0], np.float32)


def plot_layer_shapes(model: object) -> Figure:
    """Draw the shape of the data after each layer of a built Keras model, left to right.

    Grids (height x width x channels) are squares sized by their height, stacked by channel;
    flat vectors are bars growing with their length.
    """
    try:
        stages = [(tr_plot("input"), tuple(model.input_shape[1:]))] + [
            (layer.name, tuple(layer.output.shape[1:]))
            for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer)  # a functional model's input
        ]
    except (AttributeError, TypeError, ValueError):
        raise InputError("plot_layer_shapes: expected a built Keras model.") from None
    if stages[0][1] == (28, 28):  # an input of grey pictures: a grid of one channel
        stages[0] = (stages[0][0], (28, 28, 1))
    if any(size is None for _, shape in stages for size in shape):
        raise InputError(
            "plot_layer_shapes: model {model!r} reads inputs of any size, shaped {shape}: give it "
            "keras.Input(shape=(28, 28, 1)) to draw the shapes an MNIST image takes.",
            model=model.name,
            shape=next(shape for _, shape in stages if None in shape),
        )
    fig = Figure(figsize=(1.45 * len(stages), 3.6), layout="constrained")
    ax = fig.subplots()
    largest = max((shape[0] for _, shape in stages if len(shape) == 3), default=28)

    def box(i, width, height, face, shift=0.0):  # centred on (i, 0.5), shifted up-right
        corner = (i - width / 2 + shift, 0.5 - height / 2 + shift)
        ax.add_patch(Rectangle(corner, width, height, facecolor=face, edgecolor="black", lw=0.6))

    for i, (name, shape) in enumerate(stages):
        if len(shape) == 3:
            side = 0.9 * shape[0] / largest
            for k in range(min(shape[2], 6) - 1, -1, -1):
                box(i, side, side, "#9ecae1" if k else "#3182bd", shift=0.05 * k)
            label = " x ".join(str(n) for n in shape)
        else:
            label = str(int(np.prod(shape)))
            height = 0.2 + 0.8 * min(1.0, np.log10(int(label) + 1) / np.log10(1200))
            box(i, 0.12, height, "#fd8d3c")
        ax.text(i, -0.18, label, ha="center", va="top", fontsize=9)
        ax.text(i, 1.18, name, ha="center", va="bottom", fontsize=9, rotation=20)
    ax.set(xlim=(-0.7, len(stages) - 0.3), ylim=(-0.45, 1.55))
    ax.set_axis_off()
    name = getattr(model, "name", "model")
    ax.set_title(tr_plot("{name}: the shape of the data after each layer", name=literal(name)))
    return fig


def _kernel(weights: object, name: str) -> np.ndarray:
    """A layer's kernel as float numbers, from the kernel or the layer itself."""
    if isinstance(weights, keras.layers.Layer) and hasattr(weights, "kernel"):
        weights = weights.kernel
    pair = isinstance(weights, list | tuple) and len(weights) == 2
    if pair and np.ndim(weights[0]) >= 2 and np.ndim(weights[1]) == 1:
        raise InputError(
            "{name}: got a layer's kernel and bias together (what get_weights() gives); "
            "pass the kernel alone: layer.kernel, or layer.get_weights()[0].",
            name=name,
        )
    array = as_numbers(weights, name, tr("weights"))
    check_finite(array, name, tr("weights"))  # did training diverge?
    return array.astype(np.float32, copy=False)


def plot_weight_images(
    weights: np.ndarray,
    count: int = 15,
    columns: int = 5,
    *,
    limit: float | None = None,
    title: str | None = None,
) -> Figure:
    """Show a Dense layer's weights from the 784 pixels as 28x28 images, one per unit.

    Red pixels push the unit up when inked, blue ones down; all units share one colour scale.

    Parameters
    ----------
    weights : array-like or keras.layers.Dense
        float (784, units), e.g. ``model.layers[0].kernel`` of an MLP, or the layer.
    count, columns : int
        How many units to show (the first ``count``), and how many per row.
    limit : float, optional
        The weight drawn darkest (default: the largest shown); the same in two calls
        compares two models.
    title : str, optional
    """
    weights = _kernel(weights, "plot_weight_images")
    if weights.ndim != 2 or weights.shape[0] != 784 or not weights.size:
        raise InputError(
            "plot_weight_images: expected float weights shaped (784, units), got {shape} {dtype}.",
            shape=weights.shape,
            dtype=weights.dtype,
        )
    count = min(check_count(count, name="plot_weight_images", what="count"), weights.shape[1])
    columns = check_count(columns, name="plot_weight_images", what="columns")
    if limit is None:
        limit = float(np.abs(weights[:, :count]).max()) or 1.0
    elif isinstance(limit, bool) or not isinstance(limit, numbers.Real) or not limit > 0:
        raise InputError(
            "plot_weight_images: limit must be a positive number, got {limit!r}.", limit=limit
        )
    fig, axes = grid(count, columns, (1.7, 1.6), title)
    for unit, ax in zip(range(count), axes, strict=False):
        image = ax.imshow(weights[:, unit].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(tr_plot("unit {unit}", unit=unit), fontsize=8)
    fig.colorbar(image, ax=axes, shrink=0.8, label=tr_plot("weight"))
    return fig


def plot_filters(kernel: np.ndarray) -> Figure:
    """Show a first convolution's filters, e.g. LeNet's six 3x3 filters.

    Parameters
    ----------
    kernel : array-like or keras.layers.Conv2D
        (height, width, 1, filters), e.g. ``model.get_layer("conv_1").kernel``, or the layer.
    """
    kernel = _kernel(kernel, "plot_filters")
    if kernel.ndim != 4 or kernel.shape[2] != 1 or not kernel.size:
        raise InputError(
            "plot_filters: expected a first-layer kernel (h, w, 1, filters), got {shape}.",
            shape=kernel.shape,
        )
    fig = Figure(figsize=(1.4 * kernel.shape[3], 1.7), layout="constrained")
    limit = float(np.abs(kernel).max()) or 1.0
    axes = fig.subplots(1, kernel.shape[3], squeeze=False)[0]
    for i, ax in enumerate(axes):
        image = ax.imshow(kernel[:, :, 0, i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(tr_plot("filter {index}", index=i), fontsize=8)
        ax.set(xticks=[], yticks=[])
    fig.colorbar(image, ax=list(axes), shrink=0.8, label=tr_plot("weight"))
    return fig


def plot_feature_maps(image: np.ndarray, maps: np.ndarray) -> Figure:
    """An image and what each filter of a convolution made of it.

    Parameters
    ----------
    image : numpy.ndarray
        The input image (28, 28).
    maps : numpy.ndarray
        The layer's output for it, (h, w, channels) (or (1, h, w, channels)), e.g. from
        ``mc.feature_maps``.
    """
    image = check_images(image, name="plot_feature_maps", single=True)
    maps = as_numbers(maps, "plot_feature_maps", tr("feature maps"))
    if maps.ndim == 4 and len(maps) == 1:  # a model's output for a batch of one image
        maps = maps[0]
    if maps.ndim != 3:
        raise InputError(
            "plot_feature_maps: expected maps shaped (h, w, channels), got {shape}.",
            shape=maps.shape,
        )
    channels = min(maps.shape[2], 16)
    fig, axes = grid(channels + 1, channels + 1, (1.5, 1.8), None)
    draw_digit(axes[0], image, tr_plot("input"), fontsize=8)
    for i, ax in enumerate(axes[1:]):
        ax.imshow(maps[:, :, i], cmap="viridis")
        ax.set_title(tr_plot("map {index}", index=i), fontsize=8)
    return fig
