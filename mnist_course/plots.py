"""Pictures of the data, of training and of a model's answers: arrays in, a Figure out.

Digits are always drawn the same way: ink dark on white (matplotlib's ``gray_r``), on a
fixed scale (0-255 for raw pixels, 0-1 for scaled ones), so two pictures can be compared.
Pictures of what is inside a model are in :mod:`mnist_course.inspection`.

Figures are built with :class:`matplotlib.figure.Figure` rather than ``pyplot`` so a
function never draws twice in a notebook (once by pyplot, once as the returned value) and
never leaves figures open behind it. Nothing here trains a model or reads a file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .data.arrays import (
    NUM_CLASSES,
    check_count,
    check_images,
    check_indices,
    check_labels,
    check_matrix,
    check_probabilities,
)
from .errors import InputError
from .language import tr, tr_plot

__all__ = [
    "plot_digits",
    "plot_pixels",
    "plot_label_counts",
    "plot_history",
    "plot_confusion_matrix",
    "plot_mistakes",
    "plot_prediction",
    "draw_digit",
]


def _top(image: np.ndarray) -> float:
    """The fixed top of the scale: 1 for scaled pixels (floats up to 1), else 255."""
    return 1.0 if np.issubdtype(image.dtype, np.floating) and image.max() <= 1 else 255.0


def draw_digit(ax, image: np.ndarray) -> None:
    """Draw one (28, 28) image on ``ax`` the course's way: dark ink, fixed scale, no axes."""
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=_top(image))


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
        How many digits to draw (at most ``len(images)``); ``labels`` and ``predictions``
        need at least that many entries.
    columns : int
        Digits per row.
    title : str, optional
        Title over the whole grid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = check_images(images, name="plot_digits")
    count = min(check_count(count, name="plot_digits", what="count"), len(images))
    columns = check_count(columns, name="plot_digits", what="columns")
    # labels (and predictions) are needed for the digits drawn, not for the whole batch
    if labels is not None:
        labels = check_labels(labels, name="plot_digits")
        labels = check_labels(labels[:count], name="plot_digits", count=count)
    if predictions is not None:
        predictions = check_labels(predictions, name="plot_digits (predictions)")
        predictions = check_labels(predictions[:count], name="plot_digits", count=count)
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    fig = Figure(figsize=(1.1 * columns, 1.3 * rows + (0.4 if title else 0)), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= count:
            continue
        draw_digit(ax, images[i])
        parts = []
        if labels is not None:
            parts.append(f"{int(labels[i])}")
        if predictions is not None:
            parts.append(tr_plot("pred {digit}", digit=int(predictions[i])))
        wrong = labels is not None and predictions is not None and labels[i] != predictions[i]
        ax.set_title("  ".join(parts), fontsize=9, color="crimson" if wrong else "black")
    if title:
        fig.suptitle(title)
    return fig


def plot_pixels(image: np.ndarray, label: int | None = None) -> Figure:
    """Draw one digit as the grid of 28x28 numbers the model actually receives.

    Each cell shows its pixel value (blank where it is 0), shaded on the same fixed scale
    as every digit the course draws: 0 white, 255 (or 1.0 when scaled) black.

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
    image = check_images(image, name="plot_pixels", single=True)
    fig = Figure(figsize=(9, 9), layout="constrained")
    ax = fig.subplots()
    high = _top(image)
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=high)
    integers = high > 1  # raw 0-255, even as floats
    for (row, col), value in np.ndenumerate(image):
        if value:
            text = f"{int(value)}" if integers else f"{value:.2g}".lstrip("0") if value < 1 else "1"
            shade = "white" if value > high / 2 else "black"
            ax.text(col, row, text, ha="center", va="center", fontsize=6, color=shade)
    ax.set_xticks(range(0, 28, 4))
    ax.set_yticks(range(0, 28, 4))
    ax.set_xlabel(tr_plot("column"))
    ax.set_ylabel(tr_plot("row"))
    title = tr_plot(
        "28 x 28 = 784 numbers: 0 is background (white), {high:g} is ink (black)", high=high
    )
    if label is not None:
        title = tr_plot("label {label}: {title}", label=label, title=title)
    ax.set_title(title)
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
        digits_seen = check_labels(labels, name=f"plot_label_counts ({name})")
        counts = np.bincount(digits_seen, minlength=NUM_CLASSES)
        shown = tr_plot("train") if name == "train" else tr_plot("test")
        bars = ax.bar(digits + (i - (len(splits) - 1) / 2) * width, counts, width, label=shown)
        ax.bar_label(bars, fontsize=7)
    ax.set_xticks(digits)
    ax.set_xlabel(tr_plot("digit"))
    ax.set_ylabel(tr_plot("images"))
    ax.set_title(tr_plot("Images per digit: the classes are roughly balanced"))
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
    x: str = "epoch",
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
    x : str
        ``"epoch"`` (the default), or ``"seconds"``: each point at the time its epoch ended,
        which each run must have recorded (train with an ``mc.Stopwatch()`` callback and
        pass the stopwatch). Runs whose epochs take different times compare fairly this way.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not histories:
        raise InputError(tr("plot_history: give at least one training history."))
    if x not in ("epoch", "seconds"):
        raise InputError(f"plot_history: x must be 'epoch' or 'seconds', got {x!r}.")
    labels = list(labels) if labels is not None else [None] * len(histories)
    if len(labels) != len(histories):
        raise InputError(f"plot_history: {len(histories)} histories but {len(labels)} labels.")
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    runs = [_metrics(history) for history in histories]
    times = [run.get("seconds") if x == "seconds" else None for run in runs]
    if x == "seconds" and not all(times):
        raise InputError(
            "plot_history: x='seconds' needs the time of each epoch: train with "
            "callbacks=[watch := mc.Stopwatch()] and pass watch instead of the history."
        )
    # All training lines before any validation line: in a two-column legend, a run per row.
    for prefix, style in (("", "-"), ("val_", "--")):
        name = tr_plot("validation") if prefix else tr_plot("training")
        for i, (metrics, seconds, label) in enumerate(zip(runs, times, labels, strict=True)):
            color = f"C{i % 10}"  # matplotlib's ten colours, round again
            for ax, key in ((loss_ax, "loss"), (acc_ax, "accuracy")):
                values = metrics.get(prefix + key)
                if not values:
                    continue
                ax.plot(
                    seconds[: len(values)] if seconds else range(1, len(values) + 1),
                    values[: len(seconds)] if seconds else values,
                    style,
                    color=color,
                    marker=".",
                    label=f"{label}, {name}" if label else name,
                )
    for ax, name in ((loss_ax, tr_plot("loss")), (acc_ax, tr_plot("accuracy"))):
        if x == "seconds":
            ax.set_xlabel(tr_plot("seconds since training began"))
            ax.set_xlim(left=0)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel(tr_plot("epoch"))
            if epochs:
                ax.set_xlim(0.5, epochs + 0.5)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    # Each line once, whichever panel drew it; over four, a legend would hide the curves.
    pairs = [ax.get_legend_handles_labels() for ax in (loss_ax, acc_ax)]
    entries = {n: h for handles, names in pairs for h, n in zip(handles, names, strict=True)}
    if len(entries) > 4:  # one legend for both panels, under them
        fig.legend(list(entries.values()), list(entries), loc="outside lower center", ncols=2)
    else:
        for ax in (ax for ax in (loss_ax, acc_ax) if ax.lines):
            ax.legend(fontsize=8)
    loss_ax.set_title(tr_plot("loss (lower is better)"))
    acc_ax.set_title(tr_plot("accuracy (higher is better)"))
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(
    matrix: np.ndarray | dict[str, np.ndarray], title: str | None = None
) -> Figure:
    """Draw a 10x10 confusion matrix with its counts; mistakes are shaded by how many.

    Give several matrices as a dict, ``{"MLP": m1, "LeNet": m2}``, to draw them side by
    side on one shared colour scale, so the same shade means the same count in each.

    Parameters
    ----------
    matrix : numpy.ndarray or dict of str to numpy.ndarray
        int (10, 10), rows the true digit, columns the predicted one (see
        ``mc.confusion_matrix``); or a dict of such matrices, keyed by model name.
    title : str, optional
        Title of the figure (of the one panel, for a single matrix).
    """
    if isinstance(matrix, dict):
        if not matrix:
            raise InputError("plot_confusion_matrix: the dict of matrices is empty.")
        named = {
            str(k): check_matrix(m, name=f"plot_confusion_matrix ({k})") for k, m in matrix.items()
        }
    else:
        named = {"": check_matrix(matrix, name="plot_confusion_matrix")}
    mistakes = {k: m.astype(float) for k, m in named.items()}
    for off in mistakes.values():
        np.fill_diagonal(off, np.nan)  # colour the mistakes; the diagonal would swamp them
    top = max(1.0, *(float(np.nanmax(off)) for off in mistakes.values()))
    fig = Figure(figsize=(0.4 + 5.6 * len(named), 5.4), layout="constrained")
    axes = fig.subplots(1, len(named), squeeze=False)[0]
    for ax, (name, counts) in zip(axes, named.items(), strict=True):
        image = ax.imshow(mistakes[name], cmap="Reds", vmin=0, vmax=top)
        for (t, p), count in np.ndenumerate(counts):
            if count or t == p:
                strong = t != p and count > 0.6 * top
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
        ax.set_xlabel(tr_plot("predicted digit"))
        ax.set_ylabel(tr_plot("true digit"))
        tally = {"right": int(np.trace(counts)), "count": int(counts.sum())}
        tally["wrong"] = tally["count"] - tally["right"]
        if name:
            ax.set_title(
                tr_plot("{name}: {right} of {count} right, {wrong} mistakes", name=name, **tally)
            )
        else:
            diagonal = tr_plot("{right} of {count} right; off the diagonal: mistakes", **tally)
            ax.set_title(title or diagonal)
    label = tr_plot("mistakes (same scale in every panel)")
    fig.colorbar(image, ax=list(axes), shrink=0.8, label=label)
    if title and "" not in named:
        fig.suptitle(title)
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
    images = check_images(images, name="plot_mistakes")
    labels = check_labels(labels, name="plot_mistakes", count=len(images))
    probabilities = check_probabilities(probabilities, name="plot_mistakes", count=len(images))
    indices = check_indices(indices, len(images), name="plot_mistakes")
    if not indices:
        raise InputError(tr("plot_mistakes: no images to show (is the list of mistakes empty?)."))
    columns = min(check_count(columns, name="plot_mistakes", what="columns"), len(indices))
    rows = -(-len(indices) // columns)
    fig = Figure(figsize=(1.35 * columns, 1.6 * rows + (0.4 if title else 0)), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, i in zip(axes.flat, indices, strict=False):
        predicted = int(np.argmax(probabilities[i]))
        draw_digit(ax, images[i])
        ax.set_title(
            tr_plot(
                "#{index}\ntrue {true} → {predicted}\n{probability:.0%}",
                index=i,
                true=int(labels[i]),
                predicted=predicted,
                probability=probabilities[i][predicted],
            ),
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
    image = check_images(image, name="plot_prediction", single=True)
    rows = (
        np.asarray(probabilities).reshape(1, -1) if np.ndim(probabilities) == 1 else probabilities
    )
    probabilities = check_probabilities(rows, name="plot_prediction", count=1)[0]
    if label is not None:
        label = int(check_labels([label], name="plot_prediction (label)")[0])
    fig = Figure(figsize=(7, 2.6), layout="constrained")
    image_ax, bar_ax = fig.subplots(1, 2, width_ratios=[1, 2.4])
    draw_digit(image_ax, image)
    image_ax.set_axis_off()
    predicted = int(probabilities.argmax())
    image_ax.set_title(
        tr_plot("true {label}", label=label) if label is not None else tr_plot("input")
    )
    colours = ["#9ecae1"] * NUM_CLASSES
    colours[predicted] = "crimson" if label is not None and predicted != label else "#3182bd"
    bars = bar_ax.bar(range(NUM_CLASSES), probabilities, color=colours)
    if label is not None:
        bars[int(label)].set(edgecolor="black", linewidth=1.5)
    bar_ax.set_xticks(range(NUM_CLASSES))
    bar_ax.set_ylim(0, 1.05)
    bar_ax.set_xlabel(tr_plot("digit"))
    bar_ax.set_ylabel(tr_plot("probability"))
    chance = probabilities[predicted]
    bar_ax.set_title(tr_plot("predicted {digit} ({chance:.1%})", digit=predicted, chance=chance))
    return fig
