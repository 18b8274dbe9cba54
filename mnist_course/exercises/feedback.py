"""What a checker says, and how it reads an answer it cannot trust.

The exercise checkers (:mod:`mnist_course.exercises`, :mod:`mnist_course.capstone`) are
the course's teacher: whatever a learner passes them (a ragged list, a string, ``inf``, a
forged object), they answer with :class:`Feedback`, never with a traceback. The helpers
here turn an answer into a number, an array or a training record, or say in words why it is
not one.
"""

from __future__ import annotations

import decimal
import functools
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec

import numpy as np

from ..backend import keras
from ..data.arrays import check_images, check_labels
from ..errors import InputError, MnistCourseError
from ..language import N_, tr
from ..models.builders import weights_fingerprint

__all__ = [
    "Feedback",
    "Unreadable",
    "verdict",
    "not_attempted",
    "never_raises",
    "as_array",
    "describe",
    "as_whole_number",
    "as_fraction",
    "count_verdict",
    "given_images",
    "given_labels",
    "given_threshold",
    "is_count",
    "TrainingRecord",
    "training_record",
    "activation_name",
    "dense_stack",
    "layer_activation",
    "compiled_names",
    "ACCURACY_METRICS",
    "CROSS_ENTROPY",
]

P = ParamSpec("P")
# Said when a checker itself failed on an answer: a bug in the checker, never the learner's
# fault. Tests look for it, so a class of answers that reaches it is caught there.
CHECKER_FAILED = N_("the checker could not read this answer ({error})")


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
        # Texts are translated where they are written (tr), except constants marked N_ at
        # import: the exercise's name and what it cannot see, looked up here.
        name = tr(self.exercise)
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
        lines += [f"  ✓ {text}" for text in self.good]
        lines += [f"  ✗ {text}" for text in self.problems]
        if self.hint and not self.correct:
            lines.append(tr("  Hint: {hint}", hint=self.hint))
        if self.cannot_see and self.correct:
            lines.append(tr("  (Not checked: {what}.)", what=tr(self.cannot_see)))
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


class Unreadable(MnistCourseError, ValueError):
    """An answer that is not of the kind the exercise asks for; its text says why."""


def verdict(
    name: str, good: list[str], problems: list[str], hint: str | None, cannot_see: str | None = None
) -> Feedback:
    return Feedback(name, "not yet" if problems else "correct", good, problems, hint, cannot_see)


def not_attempted(name: str) -> Feedback:
    return Feedback(name, "not attempted")


def never_raises(
    name: str, cannot_see: str | None = None
) -> Callable[[Callable[P, Feedback]], Callable[P, Feedback]]:
    """Make a checker answer every input with feedback, never with an exception.

    The course's own errors (:class:`Unreadable`, and an :class:`~mnist_course.errors.
    InputError` about the arrays the checker was given) become the problem they describe.
    Anything else is the checker's fault; it is reported as such, not as the learner's.
    ``cannot_see`` says what the checker has no evidence of; a pass says it too.
    """

    def decorate(checker: Callable[P, Feedback]) -> Callable[P, Feedback]:
        @functools.wraps(checker)
        def checked(*args: P.args, **kwargs: P.kwargs) -> Feedback:
            try:
                feedback = checker(*args, **kwargs)
                feedback.cannot_see = feedback.cannot_see or cannot_see
                return feedback
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
    name = type(value).__name__
    try:
        count = len(value)  # type: ignore[arg-type]
    except TypeError:
        return tr("an object of type {type}", type=name)
    return (
        tr("a {type} of 1 item", type=name)
        if count == 1
        else tr("a {type} of {count} items", type=name, count=count)
    )


def as_array(answer: object, what: str) -> np.ndarray:
    """``answer`` as an array of finite real numbers, or :class:`Unreadable` saying why.

    Refuses ragged lists, text, objects, complex numbers, NaN and infinities: each would
    make the arithmetic that follows meaningless.
    """
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
    if isinstance(answer, bool) or answer is None:
        raise Unreadable(tr("expected a whole number, got {answer}", answer=describe(answer)))
    if isinstance(answer, str):
        if answer.strip().isascii() and answer.strip().isdigit():
            return int(answer.strip())
        raise Unreadable(tr("expected a whole number, got {answer}", answer=describe(answer)))
    if isinstance(answer, np.ndarray) and answer.ndim == 0 and answer.dtype.kind in "iuf":
        answer = answer.item()  # np.array(50240): one number
    if isinstance(answer, numbers.Integral) and not isinstance(answer, np.bool_):
        return int(answer)
    if isinstance(answer, numbers.Real | decimal.Decimal) and not isinstance(answer, np.bool_):
        answer = float(answer)  # Fraction, Decimal, numpy floats
    if isinstance(answer, float | np.floating):
        if not math.isfinite(answer):
            raise Unreadable(tr("expected a whole number, got a value that is not finite"))
        if float(answer).is_integer():
            return int(answer)
        raise Unreadable(
            tr("{value:g} is not a whole number: a count has no fraction", value=float(answer))
        )
    raise Unreadable(tr("expected a whole number, got {answer}", answer=describe(answer)))


def as_fraction(answer: object) -> float:
    """``answer`` as a finite real number, or :class:`Unreadable` saying why."""
    if isinstance(answer, bool | str | np.bool_) or answer is None:
        raise Unreadable(tr("expected a number, got {answer}", answer=describe(answer)))
    if isinstance(answer, np.ndarray) and answer.dtype.kind not in "iuf":
        raise Unreadable(
            tr(
                "expected a number, got {answer}",
                answer=tr("an array of {dtype}", dtype=answer.dtype),
            )
        )
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Unreadable(tr("expected a number, got {answer}", answer=describe(answer))) from None
    if not math.isfinite(value):
        raise Unreadable(tr("expected a number between 0 and 1, got a value that is not finite"))
    return value


# What Keras names validation accuracy, by the metric's name in model.compile.
VAL_ACCURACY_KEYS = ("val_accuracy", "val_acc", "val_categorical_accuracy")


@dataclass
class TrainingRecord:
    """What a real ``History`` shows: validation accuracy per epoch, and the steps taken.

    ``extra_steps`` counts optimizer steps beyond what this ``fit`` took (the model was
    trained before or after it); ``metrics`` is the whole ``History.history``.
    """

    model: keras.Model
    val_accuracy: list[float]
    epochs: int
    extra_steps: int | None
    metrics: dict = field(default_factory=dict)


def training_record(history: object, model: keras.Model | None = None) -> TrainingRecord:
    """Read what ``model.fit`` returned, trusting only what Keras itself records.

    A look-alike object is refused; so is a real ``History`` whose model is not ``model``
    (the same weights count as the same model: a reloaded copy is welcome) or whose
    model's optimizer took fewer steps than the epochs it records need.

    Raises
    ------
    Unreadable
        Saying which of those it is.
    """
    fit_call = "history = model.fit(...)"
    if not isinstance(history, keras.callbacks.History):
        raise Unreadable(
            tr(
                "expected the History that model.fit returns ({fit_call}), got {kind}",
                fit_call=fit_call,
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
    same = model is None or trained is model
    if not same and weights_fingerprint(trained) != weights_fingerprint(model):
        raise Unreadable(tr("that History belongs to another model"))
    epochs = len(values)
    params = getattr(history, "params", None)
    params = params if isinstance(params, dict) else {}
    steps, optimizer = params.get("steps"), getattr(trained, "optimizer", None)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise Unreadable(
            tr(
                "the History does not record the steps of each epoch, as model.fit does: "
                "it was not returned by model.fit"
            )
        )
    if optimizer is None:
        raise Unreadable(tr("the History's model has no optimizer: it was never compiled and fit"))
    taken = int(keras.ops.convert_to_numpy(optimizer.iterations))
    if taken < max(1, epochs * int(steps)):
        raise Unreadable(
            tr(
                "the model's optimizer took {taken} steps, fewer than the {epochs} "
                "epochs of {steps} steps this History records: it was not trained by "
                "this fit",
                taken=taken,
                epochs=epochs,
                steps=steps,
            )
        )
    extra = taken - epochs * int(steps)
    return TrainingRecord(trained, [float(v) for v in values], epochs, extra, record)


def count_verdict(name: str, answer: object, expected: int, formula: str) -> Feedback:
    if answer is None:
        return not_attempted(name)
    try:
        value = as_whole_number(answer)
    except Unreadable as error:
        return verdict(name, [], [error.args[0]], formula)
    if value == expected:
        return verdict(name, [tr("{count:,} parameters", count=expected)], [], None)
    return verdict(name, [], [tr("{value:,} is not it", value=value)], formula)


def is_count(answer: object, value: int) -> bool:
    try:
        return as_whole_number(answer) == value
    except Unreadable:
        return False


def given_labels(labels: object, count: int | None = None) -> np.ndarray:
    """The labels a checker was given (not the answer), checked: digits 0-9, (n,) or one-hot."""
    return check_labels(labels, name=tr("the checker's labels"), count=count)


def given_images(images: object) -> np.ndarray:
    """The images a checker was given (not the answer), checked and shaped (n, 28, 28)."""
    return check_images(images, name=tr("the checker's images"))


def given_threshold(threshold: object) -> float:
    """A confidence threshold a checker was given: a number above 0, at most 1."""
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise InputError(
            tr("threshold must be a number between 0 and 1, got {kind}.", kind=describe(threshold))
        )
    if not 0 < float(threshold) <= 1:
        raise InputError(tr("threshold must be a number above 0 and at most 1."))
    return float(threshold)


# --------------------------------------------------------------------------- models


def activation_name(activation: object) -> str:
    name = str(getattr(activation, "__name__", type(activation).__name__))
    return name.removesuffix("_v2")  # tf.nn.softmax is softmax_v2


def dense_stack(model: keras.Model) -> tuple[list[tuple[int, str]], list[str]]:
    """The model's Dense layers as (units, activation), and any layer that is not one.

    A Dense layer followed by its activation as a layer of its own (``Activation("relu")``,
    ``ReLU()``, ``Softmax()``) counts as one Dense layer with that activation.
    """
    dense: list[tuple[int, str]] = []
    extra: list[str] = []
    standalone = (keras.layers.Activation, keras.layers.ReLU, keras.layers.Softmax)
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Dense):
            dense.append((int(layer.units), activation_name(layer.activation)))
        elif isinstance(layer, standalone) and dense and dense[-1][1] == "linear":
            dense[-1] = (dense[-1][0], layer_activation(layer))
        else:
            extra.append(type(layer).__name__)
        if len(getattr(layer, "_inbound_nodes", ())) > 1:
            extra.append(tr("{type} applied more than once", type=type(layer).__name__))
    return dense, extra


def layer_activation(layer: keras.layers.Layer) -> str:
    """An activation layer's function, in the name a Dense layer would give it."""
    if isinstance(layer, keras.layers.ReLU):
        plain = not layer.negative_slope and layer.max_value is None and not layer.threshold
        return "relu" if plain else tr("a modified ReLU")
    if isinstance(layer, keras.layers.Softmax):
        if layer.axis in (-1, [-1], (-1,)):
            return "softmax"
        return tr("softmax over axis {axis}", axis=layer.axis)
    return activation_name(layer.activation)


# The names Keras resolves to categorical accuracy for one-hot labels (a string "accuracy"
# or "acc" is matched to the loss); keras.metrics.Accuracy() is not one of them: it counts
# exact equality of probabilities and labels, nearly always 0.
ACCURACY_METRICS = {"accuracy", "acc", "categorical_accuracy", "CategoricalAccuracy"}
CROSS_ENTROPY = {"categorical_crossentropy", "CategoricalCrossentropy"}


def compiled_names(config: object) -> list[str]:
    """The metric or loss names in a compile config: strings, or serialized objects."""
    if config is None:
        return []
    if isinstance(config, str):
        return [config]
    if isinstance(config, dict):
        if config.get("class_name") == "function":  # a plain function: its name is the config
            return [str(config.get("config"))]
        if "class_name" in config:
            return [str(config["class_name"])]
        return [name for value in config.values() for name in compiled_names(value)]
    if isinstance(config, list | tuple):
        return [name for value in config for name in compiled_names(value)]
    return [type(config).__name__]
