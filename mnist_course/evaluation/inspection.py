"""What is inside a trained model: its layers' shapes, weights, filters and feature maps.

Pictures for notebook 02 and 04's look under the hood. Like :mod:`mnist_course.plots`,
each function returns a matplotlib Figure and draws nothing else.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..backend import keras
from ..data.arrays import check_count, check_images
from ..errors import InputError
from ..language import tr, tr_plot
from ..plots import draw_digit
from .metrics import check_model

__all__ = [
    "feature_maps",
    "plot_layer_shapes",
    "plot_weight_images",
    "plot_filters",
    "plot_feature_maps",
]


def feature_maps(model: keras.Model, image: np.ndarray, layer: str) -> np.ndarray:
    """What one layer outputs for one image: e.g. a convolution's feature maps.

    Parameters
    ----------
    model : keras.Model
        A built Sequential course model.
    image : numpy.ndarray
        One image, as for :func:`predict_digit`.
    layer : str
        The layer's name, e.g. ``"conv_1"``.

    Returns
    -------
    numpy.ndarray
        float32, the layer's output without the batch axis, e.g. (26, 26, 6).
    """
    check_model(model, "feature_maps")
    names = [item.name for item in model.layers]
    if layer not in names:
        raise InputError(
            tr(
                "model {model!r} has no layer {layer!r}; it has {names}.",
                model=model.name,
                layer=layer,
                names=", ".join(names),
            )
        )
    one = check_images(image, name="feature_maps", single=True, pixels="model")
    x = one.astype(np.float32) / (255 if np.issubdtype(one.dtype, np.integer) else 1)
    x = x.reshape(1, *model.input_shape[1:])
    probe = keras.Model(model.inputs[0], model.get_layer(layer).output)
    return np.asarray(probe(x, training=False))[0].astype(np.float32)


def plot_layer_shapes(model: object) -> Figure:
    """Draw the shape of the data after each layer of a Keras model, left to right.

    Grids (height x width x channels) are drawn as squares sized by their height, with a
    stack of sheets for the channels; flat vectors as bars whose height grows with their
    length. It shows how a CNN trades image size for channels.

    Parameters
    ----------
    model : keras.Model
        A built model (any object with ``input_shape`` and ``layers`` whose outputs have
        a ``shape``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    try:
        stages = [("input", tuple(model.input_shape[1:]))] + [
            (layer.name, tuple(layer.output.shape[1:])) for layer in model.layers
        ]
    except (AttributeError, TypeError, ValueError):
        raise InputError("plot_layer_shapes: expected a built Keras model.") from None
    fig = Figure(figsize=(1.45 * len(stages), 3.6), layout="constrained")
    ax = fig.subplots()
    largest = (
        max(shape[0] for _, shape in stages if len(shape) == 3)
        if any(len(shape) == 3 for _, shape in stages)
        else 28
    )
    for i, (name, shape) in enumerate(stages):
        if len(shape) == 3:
            side = 0.9 * shape[0] / largest
            sheets = min(shape[2], 6)
            for k in range(sheets - 1, -1, -1):
                offset = 0.05 * k
                ax.add_patch(
                    _rect(
                        i - side / 2 + offset,
                        0.5 - side / 2 + offset,
                        side,
                        side,
                        face="#9ecae1" if k else "#3182bd",
                    )
                )
            label = " x ".join(str(n) for n in shape)
        else:
            length = int(np.prod(shape))
            height = 0.2 + 0.8 * min(1.0, np.log10(length + 1) / np.log10(1200))
            ax.add_patch(_rect(i - 0.06, 0.5 - height / 2, 0.12, height, face="#fd8d3c"))
            label = f"{length}"
        ax.text(i, -0.18, label, ha="center", va="top", fontsize=9)
        ax.text(i, 1.18, name, ha="center", va="bottom", fontsize=9, rotation=20)
    ax.set_xlim(-0.7, len(stages) - 0.3)
    ax.set_ylim(-0.45, 1.55)
    ax.set_axis_off()
    name = getattr(model, "name", "model")
    ax.set_title(tr_plot("{name}: the shape of the data after each layer", name=name))
    return fig


def _rect(x: float, y: float, width: float, height: float, face: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), width, height, facecolor=face, edgecolor="black", linewidth=0.6)


def plot_weight_images(
    weights: np.ndarray,
    count: int = 15,
    columns: int = 5,
    *,
    limit: float | None = None,
    title: str | None = None,
) -> Figure:
    """Show a Dense layer's weights from the 784 pixels as 28x28 images, one per unit.

    Red pixels push the unit up when inked, blue ones push it down, white is a weight of
    zero: each unit is a template the network learned to match against the image. All
    units share one colour scale, so a pale unit really has small weights.

    Parameters
    ----------
    weights : array-like
        (784, units), e.g. ``model.layers[0].kernel`` of an MLP.
    count, columns : int
        How many units to show (the first ``count``), and how many per row.
    limit : float, optional
        The weight drawn darkest (red for ``+limit``, blue for ``-limit``). Give the same
        limit to two calls to compare two models; by default the largest weight shown.
    title : str, optional
    """
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[0] != 784:
        raise InputError(
            f"plot_weight_images: expected weights shaped (784, units), got {weights.shape}."
        )
    if weights.shape[1] == 0 or not np.issubdtype(weights.dtype, np.floating):
        raise InputError(
            f"plot_weight_images: expected float weights shaped (784, units), got "
            f"{weights.shape} {weights.dtype}."
        )
    count = min(check_count(count, name="plot_weight_images", what="count"), weights.shape[1])
    columns = min(check_count(columns, name="plot_weight_images", what="columns"), count)
    shown = weights[:, :count]
    if limit is None:
        limit = float(np.abs(shown).max()) or 1.0
    elif isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
        raise InputError(f"plot_weight_images: limit must be a positive number, got {limit!r}.")
    rows = -(-count // columns)
    fig = Figure(figsize=(1.5 * columns + 0.8, 1.6 * rows + 0.3), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    image = None
    for unit, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if unit < count:
            template = shown[:, unit].reshape(28, 28)
            image = ax.imshow(template, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(tr_plot("unit {unit}", unit=unit), fontsize=8)
    fig.colorbar(image, ax=axes, shrink=0.8, label=tr_plot("weight"))
    if title:
        fig.suptitle(title)
    return fig


def plot_filters(kernel: np.ndarray) -> Figure:
    """Show a first convolution's filters, e.g. LeNet's six 3x3 filters.

    Parameters
    ----------
    kernel : array-like
        (height, width, 1, filters), e.g. ``model.get_layer("conv_1").kernel``.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4 or kernel.shape[2] != 1:
        raise InputError(
            f"plot_filters: expected a first-layer kernel (h, w, 1, filters), got {kernel.shape}."
        )
    filters = kernel.shape[3]
    fig = Figure(figsize=(1.4 * filters, 1.7), layout="constrained")
    axes = fig.subplots(1, filters, squeeze=False)[0]
    limit = float(np.abs(kernel).max()) or 1.0
    for i, ax in enumerate(axes):
        ax.imshow(kernel[:, :, 0, i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(tr_plot("filter {index}", index=i), fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def plot_feature_maps(image: np.ndarray, maps: np.ndarray) -> Figure:
    """An image and what each filter of a convolution made of it.

    Parameters
    ----------
    image : numpy.ndarray
        The input image (28, 28).
    maps : numpy.ndarray
        The layer's output for it, (h, w, channels), e.g. from ``mc.feature_maps``.
    """
    image = check_images(image, name="plot_feature_maps", single=True)
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise InputError(
            f"plot_feature_maps: expected maps shaped (h, w, channels), got {maps.shape}."
        )
    channels = min(maps.shape[2], 16)
    fig = Figure(figsize=(1.5 * (channels + 1), 1.8), layout="constrained")
    axes = fig.subplots(1, channels + 1, squeeze=False)[0]
    draw_digit(axes[0], image)
    axes[0].set_title(tr_plot("input"), fontsize=8)
    for i, ax in enumerate(axes[1:]):
        ax.imshow(maps[:, :, i], cmap="viridis")
        ax.set_title(tr_plot("map {index}", index=i), fontsize=8)
    for ax in axes:
        ax.set_axis_off()
    return fig
