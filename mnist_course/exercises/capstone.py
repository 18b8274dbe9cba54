"""The course's final exercise: the tutorial's LeNet, written in plain Keras from an empty cell.

:func:`check_capstone` inspects what the learner built and trained: the layers, the
compile settings, the ``History`` that ``model.fit`` returned (a real one, whose model's
optimizer took the steps it records), and the model's accuracy, measured here on the
validation images and on images the exercise never hands out, so that a figure copied from
elsewhere, or a model trained on its own validation images, does not pass.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import keras
from ..data.loading import load_mnist
from ..errors import InputError
from ..evaluation.metrics import evaluate
from ..language import N_, tr
from .feedback import (
    Feedback,
    TrainingRecord,
    Unreadable,
    activation_name,
    layer_activation,
    never_raises,
    training_record,
)

__all__ = ["check_capstone", "CAPSTONE_ACCURACY"]

CAPSTONE_ACCURACY = 0.990
NAME = N_("Capstone: the tutorial's LeNet")
# (layer type, what it should be): the tutorial's LeNet, top to bottom
LENET = [
    ("Conv2D", 6),
    ("AveragePooling2D", None),
    ("Conv2D", 16),
    ("AveragePooling2D", None),
    ("Conv2D", 120),
    ("Flatten", None),
    ("Dense", 84),
    ("Dense", 10),
]
LENET_PARAMETERS = 109_994
ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.ReLU, keras.layers.Softmax)
CANNOT_SEE = N_(
    "how the model was trained beyond its History and its optimizer's step "
    "count; a model trained on the held-back images themselves would pass"
)


def _layers(model: keras.Model) -> tuple[list[str], list[str]]:
    """What the model's layers are, and the problems with them."""
    good, problems = [], []
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    foreign = sorted(
        {type(x).__name__ for x in layers if not type(x).__module__.startswith("keras")}
    )
    if foreign:
        problems.append(
            tr(
                "layers {foreign} do not come from Keras: write every layer with "
                "keras.layers (mc.lenet() is the course's version, not yours)",
                foreign=foreign,
            )
        )
    # an activation written as a layer of its own (Conv2D(6, 3), ReLU()) is the one before's
    folded: list[tuple[keras.layers.Layer, str]] = []
    for layer in layers:
        weighted = folded and isinstance(folded[-1][0], keras.layers.Conv2D | keras.layers.Dense)
        if isinstance(layer, ACTIVATION_LAYERS) and weighted and folded[-1][1] == "linear":
            folded[-1] = (folded[-1][0], layer_activation(layer))
        else:
            folded.append((layer, activation_name(getattr(layer, "activation", None))))
    layers = [layer for layer, _ in folded]
    kinds = [(type(x).__name__, getattr(x, "filters", getattr(x, "units", None))) for x in layers]
    if kinds == LENET:
        good.append(tr("Conv 6, pool, Conv 16, pool, Conv 120, Flatten, Dense 84, Dense 10"))
    else:
        shown = ", ".join(f"{kind} {size}" if size else kind for kind, size in kinds)
        problems.append(tr("the layers are [{shown}]", shown=shown))
        if any(kind == "MaxPooling2D" for kind, _ in kinds):
            problems.append(
                tr("the tutorial's LeNet averages (AveragePooling2D), it does not max-pool")
            )
        return good, problems
    convs = [x for x in layers if isinstance(x, keras.layers.Conv2D)]
    if any(tuple(x.kernel_size) != (3, 3) for x in convs):
        problems.append(
            tr(
                "kernel sizes {sizes}; the tutorial's are 3x3",
                sizes=[tuple(x.kernel_size) for x in convs],
            )
        )
    weighted = keras.layers.Conv2D | keras.layers.Dense
    activations = [name for layer, name in folded if isinstance(layer, weighted)]
    if activations == ["relu"] * 4 + ["softmax"]:
        good.append(tr("relu everywhere, softmax at the output"))
    else:
        problems.append(
            tr("activations {found}; expected relu, then softmax at the output", found=activations)
        )
    if tuple(model.input_shape[1:]) != (28, 28, 1):
        problems.append(
            tr("input shape {shape}; expected (28, 28, 1)", shape=tuple(model.input_shape[1:]))
        )
    if model.count_params() == LENET_PARAMETERS:
        good.append(tr("{count:,} parameters, as in notebook 02", count=LENET_PARAMETERS))
    elif not problems:  # padding, pool sizes, strides or biases differ from the tutorial's
        problems.append(
            tr(
                "{count:,} parameters, not the tutorial's {expected:,}: check padding, "
                "pool sizes, strides and biases",
                count=model.count_params(),
                expected=LENET_PARAMETERS,
            )
        )
    return good, problems


def _unseen_gap(unseen: float, count: int, validated: int) -> float:
    """How far validation accuracy may exceed accuracy on unseen images by chance alone.

    2.5 standard errors of the difference of two accuracies (at least 0.4 points): an
    honest model lands inside it about 994 times in 1,000.
    """
    p = min(max(unseen, 0.5), 0.999)
    spread = math.sqrt(p * (1 - p) / max(validated, 1) + p * (1 - p) / max(count, 1))
    return max(0.004, 2.5 * spread)


def _recorded(record: TrainingRecord, accuracy: float, loss: float) -> bool:
    """Whether the History recorded these validation figures for the weights the model has:
    the last epoch's, or those of the epoch with the lowest validation loss (EarlyStopping's
    restore_best_weights). Accuracy and loss must both agree: an edited figure stands alone.
    """
    accuracies = record.val_accuracy
    losses = record.metrics.get("val_loss")
    if not (isinstance(losses, list) and len(losses) == len(accuracies)):
        losses = [None] * len(accuracies)
    epochs = {len(accuracies) - 1}
    if None not in losses:
        epochs.add(int(np.argmin(losses)))
    return any(
        abs(accuracies[i] - accuracy) <= 2e-3
        and (losses[i] is None or abs(losses[i] - loss) <= 1e-3 + 0.01 * abs(losses[i]))
        for i in epochs
    )


@never_raises(NAME, cannot_see=CANNOT_SEE)
def check_capstone(
    model: object,
    history: object,
    validation_images: np.ndarray,
    validation_labels: np.ndarray,
    held_back: tuple[np.ndarray, np.ndarray] | None = None,
    validation_size: int = 5_000,
) -> Feedback:
    """Check the capstone: the tutorial's LeNet in plain Keras, trained with ``model.fit``.

    Parameters
    ----------
    model : keras.Model
        The learner's LeNet (``keras.Sequential`` or functional), trained; a copy reloaded
        from its own ``.keras`` file is the same model.
    history : keras.callbacks.History
        What ``model.fit`` returned (with ``validation_data``); a look-alike object, or the
        history of another model, is refused.
    validation_images, validation_labels : numpy.ndarray
        The validation set used in ``model.fit``: images (n, 28, 28) or (n, 28, 28, 1),
        digits (n,) or one-hot (n, 10).
    held_back : (images, labels), optional
        Images the exercise never hands out for training, on which the model is measured
        too; default MNIST's test set, loaded with :func:`~mnist_course.data.load_mnist`.
    validation_size : int
        The fewest validation images accepted: the exercise's 5,000 (a smaller, chosen
        subset would let a weaker model reach the goal).

    Returns
    -------
    Feedback
        Correct when the layers are the tutorial's, the history is the model's own, it
        reaches ``CAPSTONE_ACCURACY`` (99.0%) on the validation set, and it scores as well
        on the held-back images as chance allows.

    Notes
    -----
    What it cannot see: how the model was trained beyond what the ``History`` and the
    optimizer's step count record. A model trained on the held-back images themselves would
    score well on both sets; the held-back check only catches a model that learnt its
    validation images.
    """
    if model is None:
        return Feedback(NAME, "not attempted")
    if not isinstance(model, keras.Model):
        problems = [tr("expected a Keras model, got {kind}", kind=type(model).__name__)]
        return Feedback(NAME, "not yet", [], problems, "model = keras.Sequential([...])")
    try:
        model.input_shape  # noqa: B018 (a subclassed model has none to read)
    except (AttributeError, ValueError):
        problems = [tr("the model has no input shape to check: a subclassed model, or not built")]
        hint = tr("build it with keras.Sequential([keras.Input(shape=(28, 28, 1)), ...]).")
        return Feedback(NAME, "not yet", [], problems, hint)
    good, problems = _layers(model)
    hint = None
    if problems:
        hint = tr("notebook 02 lists LeNet's layers; build them with keras.Sequential([...]).")
    if not model.compiled:
        problems.append(tr("the model is not compiled"))
        hint = hint or "model.compile(optimizer=..., loss=..., metrics=['accuracy'])"
    try:
        record = training_record(history, model)
    except Unreadable as error:
        problems.append(error.args[0])
        hint = hint or "history = model.fit(x, y, ..., validation_data=(x_val, y_val))"
        return Feedback(NAME, "not yet", good, problems, hint)
    good.append(tr("trained with model.fit for {epochs} epochs", epochs=record.epochs))
    if record.extra_steps:
        good.append(tr("(and {steps} optimizer steps before this fit)", steps=record.extra_steps))
    if len(validation_labels) < validation_size:
        problems.append(
            tr(
                "{count:,} validation images; the exercise validates on all {size:,} "
                "(x_val, y_val)",
                count=len(validation_labels),
                size=validation_size,
            )
        )
        return Feedback(NAME, "not yet", good, problems, "validation_data=(x_val, y_val)")
    measured = evaluate(model, validation_images, validation_labels)
    accuracy = measured.accuracy
    # the same images give the figure the history recorded for the weights the model has;
    # anything else was validated on other images, or the history was edited
    if not _recorded(record, accuracy, measured.total_loss):
        problems.append(
            tr(
                "on these validation images the model scores {accuracy:.2%}, a figure "
                "its history never recorded: validate on these images in model.fit, "
                "scaled to [0, 1] as for training",
                accuracy=accuracy,
            )
        )
        return Feedback(NAME, "not yet", good, problems, hint)
    if held_back is not None and not (isinstance(held_back, tuple | list) and len(held_back) == 2):
        raise InputError(tr("check_capstone: held_back must be a pair (images, labels)."))
    images, labels = held_back if held_back is not None else load_mnist()[1]
    unseen = evaluate(model, images, labels).accuracy
    if accuracy - unseen > _unseen_gap(unseen, len(labels), len(validation_labels)):
        problems.append(
            tr(
                "{accuracy:.2%} on the validation images but {unseen:.2%} on {count:,} "
                "images it has never seen: it was trained on its validation images, "
                "which then measure nothing",
                accuracy=accuracy,
                unseen=unseen,
                count=len(labels),
            )
        )
        hint = hint or tr("train on x_fit only; validation_data is for measuring, never for fit.")
    elif accuracy >= CAPSTONE_ACCURACY:
        good.append(
            tr(
                "{accuracy:.2%} on the validation set: at least {goal:.1%}",
                accuracy=accuracy,
                goal=CAPSTONE_ACCURACY,
            )
        )
        good.append(
            tr(
                "{unseen:.2%} on {count:,} images held back: it generalises",
                unseen=unseen,
                count=len(labels),
            )
        )
    else:
        problems.append(
            tr(
                "{accuracy:.2%} on the validation set; the goal is {goal:.1%}",
                accuracy=accuracy,
                goal=CAPSTONE_ACCURACY,
            )
        )
        hint = hint or (
            tr(
                "scaled pixels, then a learning rate that falls over training (notebook "
                "03: start at 0.002, cosine decay) usually gets there in 10 epochs."
            )
        )
    return Feedback(NAME, "not yet" if problems else "correct", good, problems, hint)
