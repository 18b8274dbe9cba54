"""Pictures of the data and of training: arrays in, a matplotlib Figure out.

Figures are built with :class:`matplotlib.figure.Figure` rather than ``pyplot`` so a
function never draws twice in a notebook (once by pyplot, once as the returned value) and
never leaves figures open behind it. Nothing here trains a model or reads a file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .data import NUM_CLASSES, flatten
from .errors import InputError

__all__ = [
    "plot_digits",
    "plot_pixels",
    "plot_label_counts",
    "plot_history",
    "plot_layer_shapes",
    "plot_confusion_matrix",
    "plot_mistakes",
    "plot_prediction",
    "plot_weight_images",
    "plot_filters",
    "plot_feature_maps",
]


def _single_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.shape in ((28, 28, 1), (784,), (1, 28, 28)):
        image = image.reshape(28, 28)
    if image.shape != (28, 28):
        raise InputError(
            f"expected one image shaped (28, 28); got shape {image.shape}. "
            "For a batch, pick one: images[0]."
        )
    return image


def plot_digits(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray | None = None,
    *,
    predictions: Sequence[int] | np.ndarray | None = None,
    count: int = 20,
    columns: int = 10,
    title: str | None = None,
) -> Figure:
    """Draw the first ``count`` digits in a grid, each titled with its label.

    Parameters
    ----------
    images : numpy.ndarray
        Shape (n, 28, 28), (n, 28, 28, 1) or (n, 784); raw 0-255 or scaled 0-1.
    labels : array-like of int, optional
        True labels, shown above each digit.
    predictions : array-like of int, optional
        A model's predicted digits; a wrong prediction is shown in red.
    count : int
        How many digits to draw (at most ``len(images)``).
    columns : int
        Digits per row.
    title : str, optional
        Title over the whole grid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = flatten(images).reshape(-1, 28, 28)
    count = max(1, min(count, len(images)))
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    fig = Figure(figsize=(1.1 * columns, 1.3 * rows + (0.4 if title else 0)), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= count:
            continue
        ax.imshow(images[i], cmap="gray_r")
        parts = []
        if labels is not None:
            parts.append(f"{int(labels[i])}")
        if predictions is not None:
            parts.append(f"pred {int(predictions[i])}")
        wrong = labels is not None and predictions is not None and labels[i] != predictions[i]
        ax.set_title("  ".join(parts), fontsize=9, color="crimson" if wrong else "black")
    if title:
        fig.suptitle(title)
    return fig


def plot_pixels(image: np.ndarray, label: int | None = None) -> Figure:
    """Draw one digit as the grid of 28x28 numbers the model actually receives.

    Each cell shows its pixel value (blank where it is 0), over a grey-level heat map.

    Parameters
    ----------
    image : numpy.ndarray
        One image, shape (28, 28) (or (784,), (28, 28, 1)); raw 0-255 or scaled 0-1.
    label : int, optional
        Its label, for the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    image = _single_image(image)
    fig = Figure(figsize=(9, 9), layout="constrained")
    ax = fig.subplots()
    high = float(image.max()) or 1.0
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=high)
    integers = np.issubdtype(image.dtype, np.integer)
    for (row, col), value in np.ndenumerate(image):
        if value:
            text = f"{int(value)}" if integers else f"{value:.1f}"[1:] if value < 1 else "1"
            ax.text(
                col,
                row,
                text,
                ha="center",
                va="center",
                fontsize=6,
                color="white" if value > high / 2 else "black",
            )
    ax.set_xticks(range(0, 28, 4))
    ax.set_yticks(range(0, 28, 4))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    shown = f"label {label}: " if label is not None else ""
    ax.set_title(f"{shown}28 x 28 = 784 numbers, from 0 (background) to {high:g} (ink)")
    return fig


def plot_label_counts(train_labels: np.ndarray, test_labels: np.ndarray | None = None) -> Figure:
    """Bar chart of how many images there are of each digit.

    Parameters
    ----------
    train_labels : numpy.ndarray
        Integer labels 0-9, shape (n,).
    test_labels : numpy.ndarray, optional
        Drawn beside the training counts when given.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax = fig.subplots()
    digits = np.arange(NUM_CLASSES)
    splits = [("train", train_labels)] + (
        [("test", test_labels)] if test_labels is not None else []
    )
    width = 0.8 / len(splits)
    for i, (name, labels) in enumerate(splits):
        counts = np.bincount(np.asarray(labels).astype(np.intp), minlength=NUM_CLASSES)
        bars = ax.bar(digits + (i - (len(splits) - 1) / 2) * width, counts, width, label=name)
        ax.bar_label(bars, fontsize=7)
    ax.set_xticks(digits)
    ax.set_xlabel("digit")
    ax.set_ylabel("images")
    ax.set_title("Images per digit: the classes are roughly balanced")
    if len(splits) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _metrics(history: object) -> dict[str, list[float]]:
    metrics = getattr(history, "history", history)
    if not isinstance(metrics, dict):
        raise InputError(
            "plot_history: expected what model.fit or mc.train returns (a History), or its "
            f".history dict; got {type(history).__name__}."
        )
    return metrics


def plot_history(
    *histories: object,
    labels: Sequence[str] | None = None,
    epochs: int | None = None,
    title: str | None = None,
) -> Figure:
    """Learning curves: loss and accuracy per epoch, training (solid) and validation (dashed).

    Parameters
    ----------
    *histories : keras.callbacks.History or dict
        One or more training runs, e.g. the return values of ``mc.train``; several are
        drawn in different colours to compare them.
    labels : sequence of str, optional
        A name per run, for the legend.
    epochs : int, optional
        Fix the x axis to this many epochs (used while training is still running).
    title : str, optional
        Title over both panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not histories:
        raise InputError("plot_history: give at least one training history.")
    labels = list(labels) if labels is not None else [None] * len(histories)
    if len(labels) != len(histories):
        raise InputError(f"plot_history: {len(histories)} histories but {len(labels)} labels.")
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    for color, history, label in zip(
        ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7"), histories, labels, strict=False
    ):
        metrics = _metrics(history)
        for ax, key in ((loss_ax, "loss"), (acc_ax, "accuracy")):
            for prefix, style in (("", "-"), ("val_", "--")):
                values = metrics.get(prefix + key)
                if not values:
                    continue
                name = "validation" if prefix else "training"
                ax.plot(
                    range(1, len(values) + 1),
                    values,
                    style,
                    color=color,
                    marker=".",
                    label=f"{label}, {name}" if label else name,
                )
    for ax, name in ((loss_ax, "loss"), (acc_ax, "accuracy")):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        if epochs:
            ax.set_xlim(0.5, epochs + 0.5)
        if ax.lines:
            ax.legend(fontsize=8)
    loss_ax.set_title("loss (lower is better)")
    acc_ax.set_title("accuracy (higher is better)")
    if title:
        fig.suptitle(title)
    return fig


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
    ax.set_title(f"{getattr(model, 'name', 'model')}: the shape of the data after each layer")
    return fig


def _rect(x: float, y: float, width: float, height: float, face: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), width, height, facecolor=face, edgecolor="black", linewidth=0.6)


def plot_confusion_matrix(matrix: np.ndarray, title: str | None = None) -> Figure:
    """Draw a 10x10 confusion matrix with its counts; mistakes are shaded by how many.

    Parameters
    ----------
    matrix : numpy.ndarray
        int (10, 10), rows the true digit, columns the predicted one (see
        ``mc.confusion_matrix``).
    title : str, optional
    """
    matrix = np.asarray(matrix)
    if matrix.shape != (NUM_CLASSES, NUM_CLASSES):
        raise InputError(f"plot_confusion_matrix: expected a (10, 10) matrix, got {matrix.shape}.")
    off = matrix.astype(float).copy()
    np.fill_diagonal(off, np.nan)  # colour the mistakes; the diagonal would swamp them
    fig = Figure(figsize=(6.2, 5.4), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(off, cmap="Reds", vmin=0, vmax=max(1.0, np.nanmax(off)))
    for (t, p), count in np.ndenumerate(matrix):
        if count or t == p:
            strong = t != p and count > 0.6 * np.nanmax(off)
            ax.text(
                p,
                t,
                str(count),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if strong else "black",
                fontweight="bold" if t == p else "normal",
            )
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    fig.colorbar(image, ax=ax, shrink=0.8, label="mistakes")
    correct = int(np.trace(matrix))
    ax.set_title(title or f"{correct} of {int(matrix.sum())} right; off the diagonal: mistakes")
    return fig


def plot_mistakes(
    images: np.ndarray,
    labels: np.ndarray,
    probabilities: np.ndarray,
    indices: Sequence[int] | np.ndarray,
    columns: int = 8,
    title: str | None = None,
) -> Figure:
    """A gallery of chosen images, each titled true label, predicted label and confidence.

    Parameters
    ----------
    images : numpy.ndarray
        The test images (n, 28, 28) (or flat / with channel axis).
    labels : numpy.ndarray
        Their true digits (n,).
    probabilities : numpy.ndarray
        The model's probabilities (n, 10).
    indices : sequence of int
        Which images to show, e.g. ``mc.most_confident_mistakes(...)``.
    """
    images = flatten(images).reshape(-1, 28, 28)
    indices = [int(i) for i in indices]
    if not indices:
        raise InputError("plot_mistakes: no images to show (is the list of mistakes empty?).")
    columns = max(1, min(columns, len(indices)))
    rows = -(-len(indices) // columns)
    fig = Figure(figsize=(1.35 * columns, 1.6 * rows + (0.4 if title else 0)), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, i in zip(axes.flat, indices, strict=False):
        predicted = int(np.argmax(probabilities[i]))
        ax.imshow(images[i], cmap="gray_r")
        ax.set_title(
            f"#{i}\ntrue {int(labels[i])} → {predicted}\n{probabilities[i][predicted]:.0%}",
            fontsize=8,
            color="crimson" if predicted != labels[i] else "black",
        )
    if title:
        fig.suptitle(title)
    return fig


def plot_prediction(
    image: np.ndarray, probabilities: np.ndarray, label: int | None = None
) -> Figure:
    """One image beside the model's probability for each digit.

    Parameters
    ----------
    image : numpy.ndarray
        One image (28, 28) (or (784,), (28, 28, 1)).
    probabilities : numpy.ndarray
        (10,) probabilities, e.g. from ``mc.predict_digit``.
    label : int, optional
        The true digit, if known: its bar is outlined.
    """
    image = _single_image(image)
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    if probabilities.shape != (NUM_CLASSES,):
        raise InputError(f"plot_prediction: expected 10 probabilities, got {probabilities.shape}.")
    fig = Figure(figsize=(7, 2.6), layout="constrained")
    image_ax, bar_ax = fig.subplots(1, 2, width_ratios=[1, 2.4])
    image_ax.imshow(image, cmap="gray_r")
    image_ax.set_axis_off()
    predicted = int(probabilities.argmax())
    image_ax.set_title(f"true {label}" if label is not None else "input")
    colours = ["#9ecae1"] * NUM_CLASSES
    colours[predicted] = "crimson" if label is not None and predicted != label else "#3182bd"
    bars = bar_ax.bar(range(NUM_CLASSES), probabilities, color=colours)
    if label is not None:
        bars[int(label)].set_edgecolor("black")
        bars[int(label)].set_linewidth(1.5)
    bar_ax.set_xticks(range(NUM_CLASSES))
    bar_ax.set_ylim(0, 1.05)
    bar_ax.set_xlabel("digit")
    bar_ax.set_ylabel("probability")
    bar_ax.set_title(f"predicted {predicted} ({probabilities[predicted]:.1%})")
    return fig


def plot_weight_images(weights: np.ndarray, count: int = 15, columns: int = 5) -> Figure:
    """Show a Dense layer's weights from the 784 pixels as 28x28 images, one per unit.

    Red pixels push the unit up when inked, blue ones push it down: each unit is a
    template the network learned to match against the image.

    Parameters
    ----------
    weights : array-like
        (784, units), e.g. ``model.layers[0].kernel`` of an MLP.
    """
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[0] != 784:
        raise InputError(
            f"plot_weight_images: expected weights shaped (784, units), got {weights.shape}."
        )
    count = max(1, min(count, weights.shape[1]))
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    fig = Figure(figsize=(1.5 * columns, 1.6 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for unit, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if unit < count:
            template = weights[:, unit].reshape(28, 28)
            limit = float(np.abs(template).max()) or 1.0
            ax.imshow(template, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"unit {unit}", fontsize=8)
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
        ax.set_title(f"filter {i}", fontsize=8)
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
    image = _single_image(image)
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise InputError(
            f"plot_feature_maps: expected maps shaped (h, w, channels), got {maps.shape}."
        )
    channels = min(maps.shape[2], 16)
    fig = Figure(figsize=(1.5 * (channels + 1), 1.8), layout="constrained")
    axes = fig.subplots(1, channels + 1, squeeze=False)[0]
    axes[0].imshow(image, cmap="gray_r")
    axes[0].set_title("input", fontsize=8)
    for i, ax in enumerate(axes[1:]):
        ax.imshow(maps[:, :, i], cmap="viridis")
        ax.set_title(f"map {i}", fontsize=8)
    for ax in axes:
        ax.set_axis_off()
    return fig
