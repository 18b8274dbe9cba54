"""What a checker says (:class:`Feedback`), and how it reads any answer without a traceback."""

from __future__ import annotations

import contextlib
import decimal
import functools
import math
import numbers
from dataclasses import dataclass, field, replace

import numpy as np

from ..backend import keras
from ..errors import MnistCourseError
from ..language import N_, tr, trn
from ..models.builders import weights_fingerprint

# Said when a checker itself failed on an answer: its bug, never the learner's fault.
CHECKER_FAILED = N_("the checker could not read this answer ({error})")
# What Keras names validation accuracy, by the metric's name in model.compile.
VAL_ACCURACY_KEYS = ("val_accuracy", "val_acc", "val_categorical_accuracy")


@dataclass
class Feedback:
    """The verdict on one exercise: ``status`` is "not attempted", "correct" or "not yet"."""

    exercise: str
    status: str
    good: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    hint: str | None = None
    cannot_see: str | None = None  # what the checker has no evidence of, said with a pass

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        name = tr(self.exercise)  # N_ constants (the name, cannot_see) are translated here
        if self.status == "not attempted":
            text = tr(
                "{exercise}: not attempted yet. Replace the None above with your answer and "
                "run the cell again. Take your time!",
                exercise=name,
            )
            return f"{text}\n  {self.hint}" if self.hint else text  # e.g. None from a method
        if self.correct:
            lines = [tr("{exercise}: correct, well done!", exercise=name)]
        else:
            lines = [tr("{exercise}: not quite yet.", exercise=name)]
        lines += [f"  ✓ {text}" for text in self.good] + [f"  ✗ {text}" for text in self.problems]
        if self.hint and not self.correct:
            lines.append(tr("  Hint: {hint}", hint=self.hint))
        if self.cannot_see and self.correct:
            lines.append(tr("  (Not checked: {what}.)", what=tr(self.cannot_see)))
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython shows the str
        printer.text(str(self))


class Unreadable(MnistCourseError, ValueError):
    """An answer that is not of the kind the exercise asks for; its text says why."""


def verdict(name: str, good: list[str], problems: list[str], hint: str | None) -> Feedback:
    return Feedback(name, "not yet" if problems else "correct", good, problems, hint)


def never_raises(name: str, cannot_see: str | None = None):
    """Make a checker answer any input with feedback (its bugs as its own, not the learner's)."""

    def decorate(checker):
        @functools.wraps(checker)
        def checked(*args, **kwargs) -> Feedback:
            try:
                feedback = checker(*args, **kwargs)
                return replace(feedback, cannot_see=feedback.cannot_see or cannot_see)
            except MnistCourseError as error:  # already in the language it was raised in
                return verdict(name, [], [str(error.args[0] if error.args else error)], None)
            except Exception as error:
                failed = tr(CHECKER_FAILED, error=type(error).__name__)
                return verdict(name, [], [failed], tr("please tell the course's maintainers."))

        return checked

    return decorate


def describe(value: object) -> str:
    """What ``value`` is, in words that never print a NaN or an infinity."""
    if isinstance(value, str):
        return tr("the text {text!r}", text=value[:40])
    try:
        count = len(value)  # type: ignore[arg-type]
    except TypeError:
        return tr("an object of type {type}", type=type(value).__name__)
    kind = type(value).__name__
    return trn(
        "an object of type {type} with {count} item",
        "an object of type {type} with {count} items",
        count,
        type=kind,
        count=count,
    )


def as_array(answer: object, what: str) -> np.ndarray:
    """``answer`` as an array of finite real numbers, or :class:`Unreadable` saying why."""
    try:
        array = np.asarray(answer)
    except (TypeError, ValueError):
        array = None
    if array is None or array.dtype == object:
        raise Unreadable(tr("expected {what}, got a ragged list or mixed objects", what=what))
    if array.dtype.kind in "US":
        raise Unreadable(tr("expected {what}, got text", what=what))
    if array.dtype.kind not in "biuf":
        raise Unreadable(
            tr("expected {what} of real numbers, got dtype {dtype}", what=what, dtype=array.dtype)
        )
    if array.dtype.kind == "f" and array.size and not np.isfinite(array).all():
        raise Unreadable(tr("{what} holds values that are not finite numbers", what=what))
    return array


def as_whole_number(answer: object) -> int:
    """``answer`` as an int if it is one (7850, 7850.0, "7850"), else :class:`Unreadable`."""
    if isinstance(answer, str) and answer.strip().isascii() and answer.strip().isdigit():
        return int(answer.strip())
    if callable(getattr(answer, "numpy", None)) and getattr(answer, "shape", None) == ():
        with contextlib.suppress(Exception):  # a look-alike is judged as the object it is
            answer = np.asarray(answer.numpy())  # a TensorFlow scalar, tf.constant(50240)
    if isinstance(answer, np.ndarray) and answer.ndim == 0 and answer.dtype.kind in "iuf":
        answer = answer.item()  # np.array(50240): one number
    if isinstance(answer, np.timedelta64):  # a NumPy integer, but a duration, not a count
        raise Unreadable(tr("expected a whole number, got {answer}", answer=describe(answer)))
    if isinstance(answer, numbers.Integral) and not isinstance(answer, bool | np.bool_):
        return int(answer)
    if isinstance(answer, numbers.Real | decimal.Decimal) and not isinstance(answer, bool):
        value = float(answer)  # Fraction, Decimal, NumPy floats
        if not math.isfinite(value):
            raise Unreadable(tr("expected a whole number, got a value that is not finite"))
        if not value.is_integer():
            raise Unreadable(
                tr("{value:g} is not a whole number: a count has no fraction", value=value)
            )
        return int(value)
    raise Unreadable(tr("expected a whole number, got {answer}", answer=describe(answer)))


def as_fraction(answer: object) -> float:
    """``answer`` as a finite real number, or :class:`Unreadable` saying why."""
    if isinstance(answer, np.ndarray) and answer.dtype.kind not in "iuf":
        kind = tr("an array of {dtype}", dtype=answer.dtype)
        raise Unreadable(tr("expected a number, got {answer}", answer=kind))
    try:  # float() would read True and "0.5"; it refuses None
        value = float(None if isinstance(answer, bool | str | np.bool_) else answer)
    except (TypeError, ValueError):
        raise Unreadable(tr("expected a number, got {answer}", answer=describe(answer))) from None
    if not math.isfinite(value):
        raise Unreadable(tr("expected a number between 0 and 1, got a value that is not finite"))
    return value


@dataclass
class TrainingRecord:
    """What a real ``History`` shows; ``extra_steps`` are optimizer steps beyond this fit's."""

    model: keras.Model
    val_accuracy: list[float]
    extra_steps: int
    metrics: dict  # the whole History.history


def training_record(history: object, model: keras.Model | None = None) -> TrainingRecord:
    """What ``model.fit`` returned, trusting only what Keras records; :class:`Unreadable` for
    a look-alike, another model's ``History``, or too few optimizer steps for its epochs."""
    if not isinstance(history, keras.callbacks.History):
        raise Unreadable(
            tr(
                "expected the History that model.fit returns ({fit_call}), got {kind}",
                fit_call="history = model.fit(...)",
                kind=describe(history),
            )
        )
    record = history.history if isinstance(history.history, dict) else {}
    key = next((k for k in VAL_ACCURACY_KEYS if k in record), None)
    if key is None:
        raise Unreadable(
            tr(
                "the History records no validation accuracy: train with "
                "validation_data=(x_val, y_val) and metrics=['accuracy']"
            )
        )
    values = as_array(record[key], tr("the validation accuracies"))
    epochs_run = getattr(history, "epoch", None)
    if (
        values.ndim != 1
        or values.dtype.kind != "f"  # Keras records floats; True or 1 were typed in
        or not values.size
        or values.min() < 0
        or values.max() > 1
        or (isinstance(epochs_run, list) and len(epochs_run) != len(values))
    ):
        raise Unreadable(tr("the History's validation accuracies are not fractions, one per epoch"))
    trained = getattr(history, "model", None)  # unset: Keras's property raises
    if not isinstance(trained, keras.Model):
        raise Unreadable(tr("the History belongs to no model: it was not returned by model.fit"))
    same = model is None or trained is model  # or a reloaded copy, with the same weights
    if not same and weights_fingerprint(trained) != weights_fingerprint(model):
        raise Unreadable(tr("that History belongs to another model"))
    steps = getattr(history, "params", None)
    steps = steps.get("steps") if isinstance(steps, dict) else None
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise Unreadable(
            tr(
                "the History does not record the steps of each epoch, as model.fit does: "
                "it was not returned by model.fit"
            )
        )
    if getattr(trained, "optimizer", None) is None:
        raise Unreadable(tr("the History's model has no optimizer: it was never compiled and fit"))
    taken, epochs = int(keras.ops.convert_to_numpy(trained.optimizer.iterations)), len(values)
    if taken < epochs * int(steps):
        raise Unreadable(
            tr(
                "the model's optimizer.iterations is {taken}, less than the {epochs} x "
                "{steps} steps (epochs x steps per epoch) this History records: it was not "
                "trained by this fit",
                taken=taken,
                epochs=epochs,
                steps=steps,
            )
        )
    return TrainingRecord(trained, values.tolist(), taken - epochs * int(steps), record)


def activation(layer: keras.layers.Layer) -> str:
    """A layer's activation, by the name a Dense layer would give it."""
    if isinstance(layer, keras.layers.ReLU):
        plain = not layer.negative_slope and layer.max_value is None and not layer.threshold
        return "relu" if plain else tr("a modified ReLU")
    if isinstance(layer, keras.layers.Softmax):
        plain = layer.axis in (-1, [-1], (-1,))
        return "softmax" if plain else tr("softmax over axis {axis}", axis=layer.axis)
    function = getattr(layer, "activation", None)
    return str(getattr(function, "__name__", type(function).__name__)).removesuffix("_v2")


def folded_layers(model: keras.Model) -> list[tuple[keras.layers.Layer, str]]:
    """The model's layers but its input, with their activations; an activation layer after a
    linear Dense or Conv2D is folded into it."""
    folded: list[tuple[keras.layers.Layer, str]] = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if (
            isinstance(layer, keras.layers.Activation | keras.layers.ReLU | keras.layers.Softmax)
            and folded
            and isinstance(folded[-1][0], keras.layers.Conv2D | keras.layers.Dense)
            and folded[-1][1] == "linear"
        ):
            folded[-1] = (folded[-1][0], activation(layer))
        else:
            folded.append((layer, activation(layer)))
    return folded
