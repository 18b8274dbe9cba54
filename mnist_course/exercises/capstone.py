"""The course's final exercise: the tutorial's LeNet, in plain Keras from an empty cell, measured
on its validation images and on images never handed out (so a copied figure does not pass)."""

from __future__ import annotations

import math

import numpy as np

from ..backend import keras
from ..data.loading import load_mnist
from ..errors import InputError
from ..evaluation.metrics import evaluate
from ..language import N_, tr, trn
from ..models.builders import as_input, input_scale
from ..training.fitting import labels_for
from .feedback import (
    Feedback,
    TrainingRecord,
    Unreadable,
    folded_layers,
    never_raises,
    training_record,
    verdict,
)

__all__ = ["check_capstone", "CAPSTONE_ACCURACY"]

CAPSTONE_ACCURACY = 0.990
NAME = N_("Capstone: the tutorial's LeNet")
LENET = (  # the tutorial's, as the layers are shown
    "Conv2D 6, AveragePooling2D, Conv2D 16, AveragePooling2D, Conv2D 120, "
    "Flatten, Dense 84, Dense 10"
)
LENET_PARAMETERS = 109_994
# mc.lenet() builds the same plain Keras layers a learner writes: nothing tells them apart
# (layer names are no proof: notebook 02 gives its own LeNet the builder's names).
CANNOT_SEE = N_(
    "how the model was trained beyond its History and its optimizer's step "
    "count (a model trained on the held-back images themselves would pass), and "
    "whether you wrote the layers or called mc.lenet(), which builds the same ones"
)


def _layers(model: keras.Model) -> tuple[list[str], list[str]]:
    """What is right with the model's layers, and what is off."""
    good, problems = [], []
    foreign = {type(x).__name__ for x in model.layers if not type(x).__module__.startswith("keras")}
    if foreign:
        problems.append(
            tr(
                "layers {foreign} do not come from Keras: write every layer with keras.layers",
                foreign=sorted(foreign),
            )
        )
    folded = folded_layers(model)
    if input_scale(model) != 1:  # keras.io's style: Rescaling(1 / 255) first, raw pixels in
        scaling = [x for x, _ in folded if isinstance(x, keras.layers.Rescaling)][:1]
        folded = [(x, f) for x, f in folded if x not in scaling]
    kinds = [(type(x).__name__, getattr(x, "filters", getattr(x, "units", 0))) for x, _ in folded]
    shown = ", ".join(f"{kind} {size}" if size else kind for kind, size in kinds)
    if shown != LENET:
        problems.append(tr("the layers are [{shown}]", shown=shown))
        if ("MaxPooling2D", 0) in kinds:
            problems.append(
                tr("the tutorial's LeNet averages (AveragePooling2D), it does not max-pool")
            )
        return good, problems
    good.append(tr("Conv 6, pool, Conv 16, pool, Conv 120, Flatten, Dense 84, Dense 10"))
    sizes = [tuple(x.kernel_size) for x, _ in folded if isinstance(x, keras.layers.Conv2D)]
    if any(size != (3, 3) for size in sizes):
        problems.append(tr("kernel sizes {sizes}; the tutorial's are 3x3", sizes=sizes))
    found = [f for x, f in folded if isinstance(x, keras.layers.Conv2D | keras.layers.Dense)]
    if found == ["relu"] * 4 + ["softmax"]:
        good.append(tr("relu everywhere, softmax at the output"))
    else:
        problems.append(
            tr("activations {found}; expected relu, then softmax at the output", found=found)
        )
    if (shape := tuple(model.input_shape[1:])) != (28, 28, 1):
        problems.append(tr("input shape {shape}; expected (28, 28, 1)", shape=shape))
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


def _recorded(record: TrainingRecord, accuracy: float, loss: float) -> bool:
    # the last epoch's, or the lowest loss's (EarlyStopping's restore_best_weights)
    accuracies, losses = record.val_accuracy, record.metrics.get("val_loss")
    if not (isinstance(losses, list) and len(losses) == len(accuracies)):
        losses = [None] * len(accuracies)
    epochs = {len(accuracies) - 1, *([] if None in losses else [int(np.argmin(losses))])}
    return any(
        abs(accuracies[i] - accuracy) <= 2e-3
        and (losses[i] is None or abs(losses[i] - loss) <= 1e-3 + 0.01 * abs(losses[i]))
        for i in epochs
    )


def _fit_loss(model: keras.Model, images: np.ndarray, measured: object) -> float:
    """The loss as model.fit records val_loss. Keras computes it from the softmax's logits,
    so a very confident mistake costs more than the -log(p) of mc.evaluate, clipped at 1e-7:
    a well-trained LeNet's two figures differ by a tenth."""
    if not model.compiled:
        return measured.total_loss
    labels = labels_for(model, measured.labels)
    try:
        result = model.evaluate(
            as_input(model, np.asarray(images)), labels, verbose=0, return_dict=True
        )
    except Exception:  # a model Keras cannot evaluate: judged by the course's own figure
        return measured.total_loss
    return float(result.get("loss", measured.total_loss))


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
        The learner's trained LeNet (or a copy reloaded from its ``.keras`` file).
    history : keras.callbacks.History
        What ``model.fit`` returned, with ``validation_data``.
    validation_images, validation_labels : numpy.ndarray
        ``model.fit``'s validation set: (n, 28, 28) or (n, 28, 28, 1); (n,) or (n, 10).
    held_back : (images, labels), optional
        Never handed out (default: MNIST's test set); the model must score as well there.
    validation_size : int
        The fewest validation images accepted.

    Returns
    -------
    Feedback
        Correct when the layers, the history and ``CAPSTONE_ACCURACY`` (99.0%) check out.
    """
    if model is None:
        return Feedback(NAME, "not attempted")
    if not isinstance(model, keras.Model):
        kind = tr("expected a Keras model, got {kind}", kind=type(model).__name__)
        return verdict(NAME, [], [kind], "model = keras.Sequential([...])")
    try:
        model.input_shape  # noqa: B018 (a subclassed model has none to read)
    except (AttributeError, ValueError):
        problem = tr("the model has no input shape to check: a subclassed model, or not built")
        hint = tr("build it with keras.Sequential([keras.Input(shape=(28, 28, 1)), ...]).")
        return verdict(NAME, [], [problem], hint)
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
        hint = hint or "history = model.fit(x, y, ..., validation_data=(x_val, y_val))"
        return verdict(NAME, good, [*problems, error.args[0]], hint)
    epochs = len(record.val_accuracy)
    fitted = trn(
        "trained with model.fit for {epochs} epoch",
        "trained with model.fit for {epochs} epochs",
        epochs,
        epochs=epochs,
    )
    good.append(fitted)
    if record.extra_steps:
        good.append(tr("(and {steps} optimizer steps before this fit)", steps=record.extra_steps))
    if (count := len(validation_labels)) < validation_size:
        problems.append(
            tr(
                "{count:,} validation images; the exercise validates on all {size:,} "
                "(x_val, y_val)",
                count=count,
                size=validation_size,
            )
        )
        return verdict(NAME, good, problems, "validation_data=(x_val, y_val)")
    measured = evaluate(model, validation_images, validation_labels)
    accuracy = measured.accuracy
    # the same images give the figure recorded for the weights the model has; anything else
    # was validated on other images, or the history was edited
    if not _recorded(record, accuracy, _fit_loss(model, validation_images, measured)):
        problems.append(
            tr(
                "on these validation images the model scores {accuracy:.2%}, a figure "
                "its history never recorded: validate on these images in model.fit, "
                "scaled to [0, 1] as for training",
                accuracy=accuracy,
            )
        )
        return verdict(NAME, good, problems, hint)
    if held_back is not None and not (isinstance(held_back, tuple | list) and len(held_back) == 2):
        raise InputError("check_capstone: held_back must be a pair (images, labels).")
    images, labels = held_back if held_back is not None else load_mnist()[1]
    unseen = evaluate(model, images, labels).accuracy
    # 2.5 standard errors of the difference of two accuracies, at least 0.4 points: an
    # honest model lands inside it about 994 times in 1,000
    p = min(max(unseen, 0.5), 0.999)
    gap = max(0.004, 2.5 * math.sqrt(p * (1 - p) * (1 / max(count, 1) + 1 / max(len(labels), 1))))
    # MNIST's last 5,000 training images are easier than its test set: an honest model makes
    # 10-20% fewer mistakes there (90.6% against 89.0% after one short epoch). One that
    # has learnt its validation images makes several times fewer.
    memorised = 1 - accuracy < 0.6 * (1 - unseen)
    if accuracy - unseen > gap and memorised:
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
        good += [
            tr(
                "{accuracy:.2%} on the validation set: at least {goal:.1%}",
                accuracy=accuracy,
                goal=CAPSTONE_ACCURACY,
            ),
            tr(
                "{unseen:.2%} on {count:,} images held back: it generalises",
                unseen=unseen,
                count=len(labels),
            ),
        ]
    else:
        problems.append(
            tr(
                "{accuracy:.2%} on the validation set; the goal is {goal:.1%}",
                accuracy=accuracy,
                goal=CAPSTONE_ACCURACY,
            )
        )
        hint = hint or tr(
            "scaled pixels, then a learning rate that falls over training (notebook "
            "03: start at 0.002, cosine decay) usually gets there in 10 epochs."
        )
    return verdict(NAME, good, problems, hint)
