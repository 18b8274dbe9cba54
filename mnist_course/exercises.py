"""Checkers for the notebooks' exercises: specific feedback, not just right or wrong.

Each ``check_*`` function takes the learner's answer (``None`` while the exercise is not
attempted yet) and returns a :class:`Feedback` that a notebook displays: what is right,
what is off, and a hint toward the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._backend import keras
from .evaluation import confusion_matrix, most_confused_pairs
from .translation import tr, translate_message

__all__ = [
    "Feedback",
    "check_flatten_and_scale",
    "check_one_hot",
    "check_mean_image",
    "check_mlp",
    "check_dense_parameters",
    "check_conv_parameters",
    "check_compiled",
    "check_optimizer_comparison",
    "check_most_confused_pair",
    "check_confident_accuracy",
]


@dataclass
class Feedback:
    """The verdict on one exercise: ``status`` is "not attempted", "correct" or "not yet"."""

    exercise: str
    status: str
    good: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    hint: str | None = None

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        # The texts are written in English and shown in the course's language (zh.py).
        name = translate_message(self.exercise)
        if self.status == "not attempted":
            return tr(
                "{exercise}: not attempted yet. Replace the None above with your answer and "
                "run the cell again. Take your time!",
                exercise=name,
            )
        if self.correct:
            lines = [tr("{exercise}: correct, well done!", exercise=name)]
        else:
            lines = [tr("{exercise}: not quite yet.", exercise=name)]
        lines += [f"  ✓ {translate_message(text)}" for text in self.good]
        lines += [f"  ✗ {translate_message(text)}" for text in self.problems]
        if self.hint and not self.correct:
            lines.append(tr("  Hint: {hint}", hint=translate_message(self.hint)))
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def _verdict(name: str, good: list[str], problems: list[str], hint: str | None) -> Feedback:
    return Feedback(name, "not yet" if problems else "correct", good, problems, hint)


def _not_attempted(name: str) -> Feedback:
    return Feedback(name, "not attempted")


# --------------------------------------------------------------------------- 01 dataset


def check_flatten_and_scale(answer: object, images: np.ndarray) -> Feedback:
    """Exercise: turn ``images`` (n, 28, 28) uint8 into (n, 784) float32 in [0, 1]."""
    name = "Flatten and scale"
    if answer is None:
        return _not_attempted(name)
    images = np.asarray(images)
    expected = images.reshape(len(images), 784).astype(np.float32) / 255
    answer = np.asarray(answer)
    good, problems, hint = [], [], None
    if answer.shape == expected.shape:
        good.append(f"shape {answer.shape}: one row of 784 pixels per image")
    else:
        problems.append(f"shape is {answer.shape}, expected {expected.shape}")
        hint = "images.reshape(len(images), 28 * 28) lays each image's rows end to end."
    if answer.dtype == np.float32:
        good.append("dtype float32, the type Keras computes with")
    elif np.issubdtype(answer.dtype, np.floating):
        problems.append(f"dtype is {answer.dtype}; the task asks for float32")
        hint = hint or (
            "dividing a uint8 array by 255 gives float64, twice the memory; "
            "convert with .astype('float32') first, then divide."
        )
    else:
        problems.append(f"dtype is {answer.dtype}; integers cannot hold values between 0 and 1")
        hint = hint or "convert with .astype('float32') before dividing."
    if answer.size and np.issubdtype(answer.dtype, np.number):
        high = float(answer.max())
        if high <= 1.0 + 1e-6:
            good.append("values are in [0, 1]")
        else:
            problems.append(f"the largest value is {high:g}; scaled pixels go up to 1")
            hint = hint or "divide by 255, the largest raw pixel value."
    if not problems and not np.allclose(answer, expected, atol=1e-6):
        problems.append("the values are in the right range but not the right places")
        hint = "reshape keeps the pixel order; transposing or sorting would not."
    return _verdict(name, good, problems, hint)


def check_one_hot(answer: object, labels: np.ndarray) -> Feedback:
    """Exercise: one-hot encode ``labels`` (n,) as (n, 10)."""
    name = "One-hot labels"
    if answer is None:
        return _not_attempted(name)
    labels = np.asarray(labels)
    answer = np.asarray(answer)
    expected = np.eye(10)[labels]
    good, problems, hint = [], [], None
    if answer.shape != expected.shape:
        problems.append(
            f"shape is {answer.shape}, expected {expected.shape}: one row of 10 per label"
        )
        hint = "np.eye(10) has one one-hot row per digit; index it with the labels."
        return _verdict(name, good, problems, hint)
    good.append(f"shape {answer.shape}")
    sums = answer.sum(axis=1)
    if np.allclose(sums, 1):
        good.append("every row holds exactly one 1")
    else:
        problems.append("some rows do not sum to 1: each row needs exactly one 1")
    if not problems and not np.array_equal(answer.argmax(axis=1), labels):
        problems.append("the 1s are not at the label's position (is it shifted by one?)")
        hint = "label d goes to column d, counting from 0."
    return _verdict(name, good, problems, hint)


def check_mean_image(
    answer: object, images: np.ndarray, labels: np.ndarray, digit: int
) -> Feedback:
    """Exercise: the average image of ``digit``, shape (28, 28), from ``images`` (n, 28, 28)."""
    name = f"The average {digit}"
    if answer is None:
        return _not_attempted(name)
    images, labels = np.asarray(images, dtype=np.float64), np.asarray(labels)
    expected = images[labels == digit].mean(axis=0)
    try:
        answer = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return _verdict(name, [], [f"expected an image, got {type(answer).__name__}"], None)
    select = f"images[labels == {digit}] keeps the {digit}s"
    if answer.shape != (28, 28):
        hint = f"{select}; .mean(axis=0) then averages over images, pixel by pixel."
        if answer.shape == ():
            hint = f"that is one number for all pixels: {hint}"
        return _verdict(name, [], [f"shape is {answer.shape}, expected (28, 28)"], hint)
    good = ["shape (28, 28): one average per pixel"]
    if answer.max() <= 1 and expected.max() > 1:
        answer = answer * 255  # averaged scaled images: the same picture, on the 0-1 scale
    if np.allclose(answer, expected, atol=1e-3):
        return _verdict(
            name, [*good, f"the average of {int(np.sum(labels == digit))} images"], [], None
        )
    if np.allclose(answer, images.mean(axis=0), atol=1e-3):
        return _verdict(name, good, ["that is the average of every digit"], f"{select}.")
    return _verdict(name, good, [f"the values are not the average of the {digit}s"], select)


# --------------------------------------------------------------------------- 02 build


def check_mlp(answer: object, hidden_units: tuple[int, ...] = (15,)) -> Feedback:
    """Exercise: build an MLP by hand: 784 inputs, Dense ``hidden_units`` relu, Dense 10 softmax."""
    units_wanted = [*hidden_units, 10]
    name = "Build the MLP " + "-".join(str(u) for u in units_wanted)
    if answer is None:
        return _not_attempted(name)
    if not isinstance(answer, keras.Model):
        return _verdict(
            name,
            [],
            [f"expected a Keras model, got {type(answer).__name__}"],
            "keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(...), ...])",
        )
    good, problems, hint = [], [], None
    try:
        input_shape = tuple(answer.input_shape[1:])
    except (AttributeError, ValueError):
        return _verdict(
            name,
            [],
            ["the model has no input shape yet"],
            "start the list of layers with keras.Input(shape=(784,)).",
        )
    if input_shape == (784,):
        good.append("input of 784 pixels")
    else:
        problems.append(f"input shape is {input_shape}, expected (784,)")
        hint = "keras.Input(shape=(784,)) for flattened images."
    dense = [layer for layer in answer.layers if isinstance(layer, keras.layers.Dense)]
    units = [layer.units for layer in dense]
    if units == units_wanted:
        good.append(f"Dense layers of {units} units")
    else:
        problems.append(f"Dense layers have {units} units, expected {units_wanted}")
        hint = hint or "one Dense layer per number, in order; the last has 10 units, one per digit."
    activations = [layer.activation.__name__ for layer in dense]
    wanted = ["relu"] * len(hidden_units) + ["softmax"]
    if activations == wanted:
        good.append("relu in the hidden layers, softmax at the output")
    elif len(activations) == len(wanted):
        problems.append(f"activations are {activations}, expected {wanted}")
        hint = hint or "softmax turns the 10 outputs into probabilities that sum to 1."
    sizes = [784, *units_wanted]
    expected = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    if not problems and answer.count_params() == expected:
        good.append(f"{expected:,} parameters")
    return _verdict(name, good, problems, hint)


def _check_count(name: str, answer: object, expected: int, formula: str) -> Feedback:
    if answer is None:
        return _not_attempted(name)
    try:
        value = int(answer)
    except (TypeError, ValueError):
        return _verdict(name, [], [f"expected a whole number, got {answer!r}"], formula)
    if value == expected:
        return _verdict(name, [f"{expected:,} parameters"], [], None)
    problems = [f"{value:,} is not it"]
    return _verdict(name, [], problems, formula)


def check_dense_parameters(answer: object, inputs: int, units: int) -> Feedback:
    """Exercise: parameters of a Dense layer with ``inputs`` inputs and ``units`` units."""
    expected = inputs * units + units
    bias_only = inputs * units
    hint = "each unit has one weight per input, plus one bias."
    if answer is not None and str(answer).strip().isdigit() and int(answer) == bias_only:
        hint = "you counted the weights; each of the units also has a bias."
    return _check_count(f"Dense({units}) on {inputs} inputs", answer, expected, hint)


def check_conv_parameters(answer: object, kernel: int, channels: int, filters: int) -> Feedback:
    """Exercise: parameters of a ``kernel`` x ``kernel`` convolution."""
    expected = (kernel * kernel * channels + 1) * filters
    hint = (
        "each filter has kernel x kernel weights for every input channel, plus one bias; "
        "multiply by the number of filters."
    )
    if (
        answer is not None
        and str(answer).strip().isdigit()
        and int(answer) == (kernel * kernel + 1) * filters
    ):
        hint = f"a filter spans all {channels} input channels, not just one."
    return _check_count(
        f"Conv2D({filters}, {kernel}x{kernel}) on {channels} channels", answer, expected, hint
    )


# --------------------------------------------------------------------------- 03 train


def check_compiled(answer: object) -> Feedback:
    """Exercise: compile a model for 10-digit classification with one-hot labels."""
    name = "Compile the model"
    if answer is None:
        return _not_attempted(name)
    if not isinstance(answer, keras.Model):
        return _verdict(name, [], [f"expected a Keras model, got {type(answer).__name__}"], None)
    if not answer.compiled:
        return _verdict(
            name,
            [],
            ["the model is not compiled yet"],
            "model.compile(optimizer=..., loss=..., metrics=[...])",
        )
    good, problems, hint = [], [], None
    config = answer.get_compile_config() or {}
    # names appear as plain strings or inside serialized configs; search the text of both
    loss, metrics = str(config.get("loss")), str(config.get("metrics"))
    if "categorical_crossentropy" in loss.lower() and "sparse" not in loss.lower():
        good.append("categorical cross-entropy, for one-hot labels")
    else:
        problems.append(f"the loss is {config.get('loss')!r}")
        hint = "with one-hot labels use loss='categorical_crossentropy'."
    if "acc" in metrics.lower():
        good.append("reports accuracy")
    else:
        problems.append("accuracy is not among the metrics")
        hint = hint or "metrics=['accuracy']"
    return _verdict(name, good, problems, hint)


def _optimizer_name(history: object) -> str | None:
    model = getattr(history, "model", None)
    optimizer = getattr(model, "optimizer", None)
    return type(optimizer).__name__ if optimizer is not None else None


def check_optimizer_comparison(
    answer: object, baseline: object, optimizer: str = "Adam", min_epochs: int = 3
) -> Feedback:
    """Exercise: train with ``optimizer`` and compare with ``baseline``, epoch by epoch.

    Both are the ``History`` objects ``model.fit`` returns (with validation). Runs of
    different lengths are compared over the epochs both ran, never last epoch to last.
    """
    name = "Compare optimizers"
    if answer is None:
        return _not_attempted(name)
    metrics = getattr(answer, "history", None)
    base = getattr(baseline, "history", baseline)
    if not isinstance(metrics, dict) or not metrics.get("val_accuracy"):
        return _verdict(
            name,
            [],
            ["expected the History that model.fit returns, with validation"],
            "history_adam = model.fit(x, y, epochs=3, batch_size=128, "
            "validation_data=(x_val, y_val))",
        )
    good, problems, hint = [], [], None
    used = _optimizer_name(answer)
    if used is not None and used.lower() == optimizer.lower():
        good.append(f"trained with {used}")
    else:
        problems.append(
            f"the model was trained with {used or 'an unknown optimizer'}, not {optimizer}"
        )
        hint = (
            f"compile a new model with optimizer=keras.optimizers.{optimizer}(learning_rate=0.001)."
        )
    if used is not None and used == _optimizer_name(baseline):
        problems.append(f"the baseline was trained with {used} too: that compares nothing")
    ours, theirs = metrics["val_accuracy"], base["val_accuracy"]
    if len(ours) < min_epochs:
        problems.append(f"{len(ours)} epochs; train at least {min_epochs} to see a trend")
        hint = hint or f"epochs={min_epochs} in model.fit."
    if max(ours) < 0.9:
        problems.append(f"validation accuracy at most {max(ours):.2%}: did training run?")
    both = min(len(ours), len(theirs))
    ahead = sum(a > b for a, b in zip(ours[:both], theirs[:both], strict=True))
    base_name = _optimizer_name(baseline) or "the baseline"
    good.append(
        f"over the {both} epochs both ran, {optimizer} was ahead after {ahead} of them "
        f"(epoch 1: {ours[0]:.2%} against {theirs[0]:.2%}; epoch {both}: "
        f"{ours[both - 1]:.2%} against {theirs[both - 1]:.2%} for {base_name})"
    )
    return _verdict(name, good, problems, hint)


# --------------------------------------------------------------------------- 04 evaluate


def check_most_confused_pair(
    answer: object, labels: np.ndarray, predictions: np.ndarray
) -> Feedback:
    """Exercise: the (true digit, predicted digit) pair the model confuses most."""
    name = "Most confused pair"
    if answer is None:
        return _not_attempted(name)
    matrix = confusion_matrix(labels, predictions)
    top = most_confused_pairs(matrix, count=10)
    if not top:
        return _verdict(name, ["the model makes no mistakes at all here"], [], None)
    best = top[0][2]
    winners = {(t, p) for t, p, n in top if n == best}
    try:
        pair = (int(answer[0]), int(answer[1]))  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return _verdict(
            name,
            [],
            [f"expected a pair (true, predicted), got {answer!r}"],
            "zero the diagonal of the confusion matrix, then find its largest cell.",
        )
    if pair in winners:
        return _verdict(
            name, [f"true {pair[0]} read as {pair[1]}: {best} times, the most"], [], None
        )
    count = int(matrix[pair]) if all(0 <= d < 10 for d in pair) else 0
    problems = [
        f"true {pair[0]} read as {pair[1]} happened {count} times; "
        f"another pair happened {best} times"
    ]
    hint = "rows are true digits, columns predicted; ignore the diagonal (correct answers)."
    if (pair[1], pair[0]) in winners:
        hint = "close: you have the pair the wrong way round (true digit first)."
    return _verdict(name, [], problems, hint)


def check_confident_accuracy(
    answer: object, probabilities: np.ndarray, labels: np.ndarray, threshold: float = 0.99
) -> Feedback:
    """Exercise: accuracy on the images whose top probability is at least ``threshold``."""
    name = f"Accuracy when at least {threshold:.0%} sure"
    if answer is None:
        return _not_attempted(name)
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    sure = probabilities.max(axis=1) >= threshold
    right = probabilities.argmax(axis=1) == labels
    expected, share, overall = float(right[sure].mean()), float(sure.mean()), float(right.mean())
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _verdict(name, [], [f"expected a number, got {answer!r}"], None)
    hint = f"sure = probabilities.max(axis=1) >= {threshold}; score only those images."
    if abs(value - expected) < 1e-6:
        good = [
            f"{expected:.2%} right on the {int(sure.sum()):,} images ({share:.0%}) it is that "
            f"sure of, against {overall:.2%} on all of them"
        ]
        return _verdict(name, good, [], None)
    if abs(value / 100 - expected) < 1e-6:
        return _verdict(name, [], ["that is a percentage"], "give a fraction between 0 and 1.")
    if abs(value - overall) < 1e-6:
        return _verdict(name, [], ["that is the accuracy on every image"], hint)
    if abs(value - share) < 1e-6:
        return _verdict(
            name, [], ["that is the share of images it is sure of"], "now score those images."
        )
    return _verdict(name, [], [f"{value:.4f} is not it"], hint)
