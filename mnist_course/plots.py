"""Pictures of the data, of training and of a model's answers: arrays in, a Figure (not
pyplot: shown once, never left open) out. Digits: dark on white, on a fixed scale."""

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .data.arrays import (
    NUM_CLASSES,
    as_numbers,
    check_count,
    check_images,
    check_indices,
    check_labels,
    check_matrix,
    check_probabilities,
)
from .errors import InputError
from .language import tr, tr_plot

CENTER = {"ha": "center", "va": "center"}
MAX_GALLERY = 200


def _top(image: np.ndarray) -> float:  # the fixed scale: 0-1 for scaled pixels, else 0-255
    return 1.0 if np.issubdtype(image.dtype, np.floating) and image.max() <= 1 else 255.0


def literal(text: object) -> str:
    """``text`` as matplotlib should show it: a learner's "$5" is not the start of maths."""
    return str(text).replace("$", r"\$")


def _summing_to_one(rows: np.ndarray, name: str) -> np.ndarray:
    """``rows`` if each sums to 1, as a figure that prints "predicted 7 (96%)" needs."""
    if (bad := np.abs(rows.sum(axis=1) - 1) > 1e-2).any():
        raise InputError(
            "{name}: row {row} sums to {total:.3g}, not 1: these are not a softmax's "
            "probabilities. Pass what mc.predict returns.",
            name=name,
            row=int(np.argmax(bad)),
            total=float(rows[np.argmax(bad)].sum()),
        )
    return rows


def draw_digit(ax, image: np.ndarray, title: str = "", **title_style: object) -> None:
    """Draw one (28, 28) image on ``ax`` the course's way: dark ink, fixed scale, no axes."""
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=_top(image))
    ax.set_axis_off()
    ax.set_title(literal(title), **title_style)


def _gallery_size(count: int, name: str) -> int:
    """``count`` if a picture of that many digits draws in seconds, else an InputError."""
    if count > MAX_GALLERY:  # 1,000 digits took a minute; past ~3,300 matplotlib refuses
        raise InputError(
            "{name}: {count} digits are too many for one picture (at most {most}); pick "
            "some, e.g. indices[:32], or mc.most_confident_mistakes(..., count=32).",
            name=name,
            count=count,
            most=MAX_GALLERY,
        )
    return count


def grid(count: int, columns: int, cell: tuple[float, float], title: str | None) -> tuple:
    """A Figure of ``count`` empty cells of size ``cell``, ``columns`` a row; and its axes, flat."""
    columns = min(columns, count)
    rows = -(-count // columns)
    size = (cell[0] * columns, cell[1] * rows + (0.4 if title else 0))
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(literal(title))
    return fig, axes


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
        (n, 28, 28), (n, 28, 28, 1) or (n, 784); raw 0-255 or scaled 0-1.
    labels, predictions : array-like of int, optional
        True and predicted digits, at least ``count``; a wrong prediction is red.
    count, columns : int
        How many digits (at most ``len(images)``), and how many per row.
    title : str, optional
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
    fig, axes = grid(_gallery_size(count, "plot_digits"), columns, (1.1, 1.3), title)
    for i, ax in zip(range(count), axes, strict=False):
        if predictions is None:
            caption = "" if labels is None else f"{labels[i]}"
        elif labels is None:
            caption = tr_plot("pred {digit}", digit=int(predictions[i]))
        else:
            caption = tr_plot("{label}  pred {digit}", label=labels[i], digit=int(predictions[i]))
        wrong = labels is not None and predictions is not None and labels[i] != predictions[i]
        color = "crimson" if wrong else "black"
        draw_digit(ax, images[i], caption, fontsize=9, color=color)
    return fig


def plot_pixels(image: np.ndarray, label: int | None = None) -> Figure:
    """Draw one digit as the 28x28 numbers the model receives, shaded on the fixed scale.

    Parameters
    ----------
    image : numpy.ndarray
        One image, (28, 28), (784,) or (28, 28, 1); raw 0-255 or scaled 0-1.
    label : int, optional
        Its label, for the title.
    """
    image = check_images(image, name="plot_pixels", single=True)
    fig = Figure(figsize=(9, 9), layout="constrained")
    ax = fig.subplots()
    high = _top(image)
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=high)
    for (row, col), value in np.ndenumerate(image):
        if value:
            text = f"{int(value)}" if high > 1 else f"{value:.2g}".lstrip("0") if value < 1 else "1"
            shade = "white" if value > high / 2 else "black"
            ax.text(col, row, text, **CENTER, fontsize=6, color=shade)
    ax.set(xticks=range(0, 28, 4), yticks=range(0, 28, 4))
    ax.set(xlabel=tr_plot("column"), ylabel=tr_plot("row"))
    title = tr_plot(
        "28 x 28 = 784 numbers: 0 is background (white), {high:g} is ink (black)", high=high
    )
    if label is not None:
        title = tr_plot("label {label}: {title}", label=literal(label), title=title)
    ax.set_title(title)
    return fig


def plot_label_counts(train_labels: np.ndarray, test_labels: np.ndarray | None = None) -> Figure:
    """Bar chart of how many images there are of each digit.

    Parameters
    ----------
    train_labels, test_labels : numpy.ndarray
        Integer labels 0-9, (n,); the test counts, if given, are drawn beside.
    """
    splits = [(tr_plot("train"), check_labels(train_labels, name="plot_label_counts (train)"))]
    if test_labels is not None:
        splits.append((tr_plot("test"), check_labels(test_labels, name="plot_label_counts (test)")))
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax = fig.subplots()
    digits = np.arange(NUM_CLASSES)
    width = 0.8 / len(splits)
    for i, (name, labels) in enumerate(splits):
        counts = np.bincount(labels, minlength=NUM_CLASSES)
        bars = ax.bar(digits + (i - (len(splits) - 1) / 2) * width, counts, width, label=name)
        ax.bar_label(bars, fontsize=7)
    ax.set(xticks=digits, xlabel=tr_plot("digit"), ylabel=tr_plot("number of images"))
    ax.set_title(tr_plot("Images per digit: the classes are roughly balanced"))
    if len(splits) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


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
        One or more runs (e.g. what ``mc.train`` returns), drawn in different colours.
    labels : sequence of str, optional
        A name per run, for the legend.
    epochs : int, optional
        Fix the x axis to this many epochs (while training is still running).
    title : str, optional
    x : {"epoch", "seconds"}
        "seconds" places each epoch at the time it ended, which each run must have recorded
        (train with an ``mc.Stopwatch()`` callback and pass it): fair for runs of unequal speed.
    """
    if not histories:
        raise InputError("plot_history: give at least one training history.")
    if x not in ("epoch", "seconds"):
        raise InputError("plot_history: x must be 'epoch' or 'seconds', got {x!r}.", x=x)
    if isinstance(labels, str):  # one run's name
        labels = [labels]
    labels = list(labels) if labels is not None else [None] * len(histories)
    if epochs is not None:
        epochs = check_count(epochs, name="plot_history", what="epochs")
    if len(labels) != len(histories):
        raise InputError(
            "plot_history: the number of labels ({labels}) is not the number of histories "
            "({histories}).",
            histories=len(histories),
            labels=len(labels),
        )
    runs = [getattr(history, "history", history) for history in histories]
    if odd := [h for h, run in zip(histories, runs, strict=True) if not isinstance(run, dict)]:
        raise InputError(
            "plot_history: expected what model.fit or mc.train returns (a History), "
            "or its .history dict; got {kind}.",
            kind=type(odd[0]).__name__,
        )
    runs = [{key: _series(run, key) for key in run} for run in runs]
    if not any(run.get(key) for run in runs for key in ("loss", *ACCURACY)):
        raise InputError(
            "plot_history: no epoch was recorded (no loss, no accuracy): nothing to draw. "
            "Was training stopped before its first epoch ended?"
        )
    times = [run.get("seconds") if x == "seconds" else None for run in runs]
    if x == "seconds" and not all(times):
        raise InputError(
            "plot_history: x='seconds' needs the time of each epoch: train with "
            "callbacks=[watch := mc.Stopwatch()] and pass watch instead of the "
            "history."
        )
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    panels = dict(zip(("loss", "accuracy"), fig.subplots(1, 2), strict=True))
    panels["loss"].set(title=tr_plot("loss (lower is better)"), ylabel=tr_plot("loss"))
    panels["accuracy"].set(title=tr_plot("accuracy (higher is better)"), ylabel=tr_plot("accuracy"))
    # All training lines before any validation line: in a two-column legend, a run per row.
    for prefix, style in (("", "-"), ("val_", "--")):
        name = tr_plot("validation") if prefix else tr_plot("training")
        for i, (metrics, seconds, label) in enumerate(zip(runs, times, labels, strict=True)):
            run = literal(label) if label else None
            line = tr_plot("{run}, {split}", run=run, split=name) if label else name
            color = f"C{i % 10}"
            for key, ax in panels.items():
                names = [prefix + name for name in ACCURACY if key == "accuracy"] or [prefix + key]
                if values := next((metrics[n] for n in names if metrics.get(n)), None):
                    at = seconds[: len(values)] if seconds else range(1, len(values) + 1)
                    # one epoch is one dot, with no line to tell solid from dashed
                    dot = "." if len(values) > 1 else ("s" if prefix else "o")
                    ax.plot(at, values[: len(at)], style, color=color, marker=dot, label=line)
    for i, (metrics, label) in enumerate(zip(runs, labels, strict=True)):
        loss = np.asarray(metrics.get("loss") or [0.0])
        if not np.all(np.isfinite(loss)):  # not drawn: the curve just stops
            who = literal(label) + ": " if label else ""
            note = tr_plot(
                "{run}loss is NaN from epoch {epoch}: training diverged;\ntry a smaller "
                "learning rate",
                run=who,
                epoch=int(np.argmin(np.isfinite(loss))) + 1,
            )
            panels["loss"].text(
                0.5,
                0.95 - 0.12 * i,
                note,
                ha="center",
                va="top",
                color=f"C{i % 10}",
                fontsize=8,
                transform=panels["loss"].transAxes,
            )
    if not panels["accuracy"].lines:
        note = tr_plot("no accuracy recorded:\ncompile with metrics=['accuracy']")
        panels["accuracy"].text(0.5, 0.5, note, **CENTER, transform=panels["accuracy"].transAxes)
    for ax in panels.values():
        ax.grid(alpha=0.3)
        if x == "seconds":
            ax.set_xlabel(tr_plot("seconds since training began"))
            ax.set_xlim(left=0)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel(tr_plot("epoch"))
            lone = all(len(line.get_xdata()) < 2 for line in ax.lines)
            if epochs or lone:
                ax.set_xlim(0.5, (epochs or 1) + 0.5)
            if lone and (epochs or 1) == 1:  # the locator would tick 0.6, 0.7...
                ax.set_xticks([1])
    # Each line once, whichever panel drew it; over four, a legend would hide the curves.
    pairs = [ax.get_legend_handles_labels() for ax in panels.values()]
    entries = {n: h for handles, names in pairs for h, n in zip(handles, names, strict=True)}
    if len(entries) > 4:  # one legend for both panels, under them
        fig.legend(list(entries.values()), list(entries), loc="outside lower center", ncols=2)
    else:
        for ax in (ax for ax in panels.values() if ax.lines):
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(literal(title))
    return fig


# The names Keras gives accuracy, by how it was asked for in compile(metrics=[...]).
ACCURACY = ("accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy")


def _series(run: dict, key: str) -> list | None:
    """One number per epoch for a metric; other values (a learning-rate schedule's config,
    a per-class metric) are not curves, and are left out."""
    try:
        values = np.asarray(run[key], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return values.tolist() if values.ndim == 1 else None


def plot_confusion_matrix(
    matrix: np.ndarray | dict[str, np.ndarray], title: str | None = None
) -> Figure:
    """Draw a 10x10 confusion matrix with its counts; mistakes are shaded by how many.

    Parameters
    ----------
    matrix : numpy.ndarray or dict of str to numpy.ndarray
        int (10, 10), rows the true digit, columns the predicted one (``mc.confusion_matrix``);
        or a dict of them by model name, drawn side by side on one colour scale.
    title : str, optional
        Title of the figure (of the one panel, for a single matrix).
    """
    named = matrix if isinstance(matrix, dict) else {"": matrix}
    if not named:
        raise InputError("plot_confusion_matrix: the dict of matrices is empty.")
    where = {k: f"plot_confusion_matrix ({k})" if k else "plot_confusion_matrix" for k in named}
    named = {str(k): check_matrix(m, name=where[k]) for k, m in named.items()}
    # colour the mistakes only: the diagonal would swamp them
    mistakes = {k: np.where(np.eye(10, dtype=bool), np.nan, m) for k, m in named.items()}
    top = max(1.0, *(float(np.nanmax(m)) for m in mistakes.values()))
    fig = Figure(figsize=(0.4 + 5.6 * len(named), 5.4), layout="constrained")
    axes = fig.subplots(1, len(named), squeeze=False)[0]
    for ax, (name, counts) in zip(axes, named.items(), strict=True):
        image = ax.imshow(mistakes[name], cmap="Reds", vmin=0, vmax=top)
        for (t, p), count in np.ndenumerate(counts):
            if count or t == p:
                color = "white" if t != p and count > 0.6 * top else "black"
                weight = "bold" if t == p else "normal"
                ax.text(p, t, str(count), **CENTER, fontsize=8, color=color, fontweight=weight)
        ax.set(xticks=range(10), yticks=range(10))
        ax.set(xlabel=tr_plot("predicted digit"), ylabel=tr_plot("true digit"))
        right, total = int(np.trace(counts)), int(counts.sum())
        tally = {"right": right, "count": total, "wrong": total - right}
        ax.set_title(
            tr_plot(
                "{name}: {right} of {count} right, {wrong} mistakes", name=literal(name), **tally
            )
            if name
            else literal(title or "")
            or tr_plot("{right} of {count} right; off the diagonal: mistakes", **tally)
        )
    label = tr_plot("mistakes (same scale in every panel)")
    fig.colorbar(image, ax=list(axes), shrink=0.8, label=label)
    if title and "" not in named:
        fig.suptitle(literal(title))
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
    images, labels, probabilities : numpy.ndarray
        Test images (n, 28, 28) (or flat), their digits (n,), a model's probabilities (n, 10).
    indices : sequence of int
        Which images to show, e.g. ``mc.most_confident_mistakes(...)``.
    """
    images = check_images(images, name="plot_mistakes")
    labels = check_labels(labels, name="plot_mistakes", count=len(images))
    probabilities = _summing_to_one(
        check_probabilities(probabilities, name="plot_mistakes", count=len(images)), "plot_mistakes"
    )
    indices = check_indices(indices, len(images), name="plot_mistakes")
    if not indices:
        raise InputError("plot_mistakes: no images to show (is the list of mistakes empty?).")
    columns = check_count(columns, name="plot_mistakes", what="columns")
    fig, axes = grid(_gallery_size(len(indices), "plot_mistakes"), columns, (1.35, 1.6), title)
    for ax, i in zip(axes, indices, strict=False):
        predicted = int(np.argmax(probabilities[i]))
        text = tr_plot(
            "#{index}\ntrue {true} → {predicted}\n{probability:.0%}",
            index=i,
            true=int(labels[i]),
            predicted=predicted,
            probability=probabilities[i][predicted],
        )
        color = "crimson" if predicted != labels[i] else "black"
        draw_digit(ax, images[i], text, fontsize=8, color=color)
    return fig


def plot_prediction(
    image: np.ndarray, probabilities: np.ndarray, label: int | None = None
) -> Figure:
    """One image beside the model's probability for each digit.

    Parameters
    ----------
    image, probabilities : numpy.ndarray
        One image, (28, 28), (784,) or (28, 28, 1), and its (10,) probabilities.
    label : int, optional
        The true digit, if known: its bar is outlined.
    """
    image = check_images(image, name="plot_prediction", single=True)
    if isinstance(probabilities, tuple) and len(probabilities) == 3:
        raise InputError(
            "plot_prediction: got all of predict_digit's answer (digit, probability, "
            "probabilities); pass its third part: mc.predict_digit(model, image)[2]."
        )
    probabilities = as_numbers(probabilities, "plot_prediction", tr("probabilities"))
    rows = probabilities.reshape(1, -1) if probabilities.ndim == 1 else probabilities
    probabilities = _summing_to_one(
        check_probabilities(rows, name="plot_prediction", count=1), "plot_prediction"
    )[0]
    if label is not None:
        label = int(check_labels([label], name="plot_prediction (label)")[0])
    fig = Figure(figsize=(7, 2.6), layout="constrained")
    image_ax, bar_ax = fig.subplots(1, 2, width_ratios=[1, 2.4])
    shown = tr_plot("true {label}", label=label) if label is not None else tr_plot("input")
    draw_digit(image_ax, image, shown)
    predicted = int(probabilities.argmax())
    colours = ["#9ecae1"] * NUM_CLASSES
    colours[predicted] = "crimson" if label is not None and predicted != label else "#3182bd"
    bars = bar_ax.bar(range(NUM_CLASSES), probabilities, color=colours)
    if label is not None:
        bars[label].set(edgecolor="black", linewidth=1.5)
    bar_ax.set(xticks=range(NUM_CLASSES), ylim=(0, 1.05))
    bar_ax.set(xlabel=tr_plot("digit"), ylabel=tr_plot("probability"))
    chance = probabilities[predicted]
    bar_ax.set_title(tr_plot("predicted {digit} ({chance:.1%})", digit=predicted, chance=chance))
    return fig
