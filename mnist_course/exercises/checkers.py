"""Checkers for the notebooks' exercises: specific feedback, not just right or wrong.

Each ``check_*`` function takes the learner's answer (``None`` while the exercise is not
attempted yet) and returns a :class:`Feedback`: what is right, what is off, a hint toward
the fix, and with a pass what the checker could not see. Whatever the answer (a ragged
list, text, ``inf``, a forged object), a checker never raises (:mod:`.feedback`).
"""

from __future__ import annotations

import numpy as np

from ..backend import keras
from ..data.arrays import check_labels, check_probabilities
from ..evaluation.metrics import confusion_matrix, most_confused_pairs
from ..language import N_, tr
from .feedback import (
    ACCURACY_METRICS,
    CROSS_ENTROPY,
    Feedback,
    Unreadable,
    as_array,
    as_fraction,
    as_whole_number,
    compiled_names,
    count_verdict,
    dense_stack,
    describe,
    given_images,
    given_labels,
    given_threshold,
    is_count,
    never_raises,
    not_attempted,
    training_record,
    verdict,
)

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

# --------------------------------------------------------------------------- 01 dataset


@never_raises(N_("Flatten and scale"), cannot_see=N_("how the array was computed"))
def check_flatten_and_scale(answer: object, images: np.ndarray) -> Feedback:
    """Exercise: turn ``images`` (n, 28, 28) uint8 into (n, 784) float32 in [0, 1].

    Checks the answer's shape, dtype and every value against ``images``.
    """
    name = tr("Flatten and scale")
    if answer is None:
        return not_attempted(name)
    images = given_images(images)
    expected = images.reshape(len(images), 784).astype(np.float32) / 255
    answer = as_array(answer, tr("an array of pixels"))
    good, problems, hint = [], [], None
    if answer.shape == expected.shape:
        good.append(tr("shape {shape}: one row of 784 pixels per image", shape=answer.shape))
    else:
        problems.append(
            tr("shape is {shape}, expected {expected}", shape=answer.shape, expected=expected.shape)
        )
        hint = tr("images.reshape(len(images), 28 * 28) lays each image's rows end to end.")
    if answer.dtype == np.float32:
        good.append(tr("dtype float32, the type Keras computes with"))
    elif np.issubdtype(answer.dtype, np.floating):
        problems.append(tr("dtype is {dtype}; the task asks for float32", dtype=answer.dtype))
        hint = hint or (
            tr(
                "dividing a uint8 array by 255 gives float64, twice the memory; convert "
                "with .astype('float32') first, then divide."
            )
        )
    else:
        problems.append(
            tr("dtype is {dtype}; integers cannot hold values between 0 and 1", dtype=answer.dtype)
        )
        hint = hint or tr("convert with .astype('float32') before dividing.")
    if answer.size:
        low, high = float(answer.min()), float(answer.max())
        if low >= 0 and high <= 1.0 + 1e-6:
            good.append(tr("values are in [0, 1]"))
        else:
            problems.append(
                tr(
                    "values go from {low:g} to {high:g}; scaled pixels go from 0 to 1",
                    low=low,
                    high=high,
                )
            )
            hint = hint or tr("divide by 255, the largest raw pixel value.")
    if not problems and not np.allclose(answer, expected, rtol=0, atol=1e-6):
        problems.append(tr("the values are in the right range but not the right places"))
        hint = tr("reshape keeps the pixel order; transposing or sorting would not.")
    return verdict(name, good, problems, hint)


@never_raises(N_("One-hot labels"), cannot_see=N_("how the rows were made"))
def check_one_hot(answer: object, labels: np.ndarray) -> Feedback:
    """Exercise: one-hot encode ``labels`` (n,) as (n, 10): each row nine 0s and one 1.

    Rows that only look one-hot (label smoothing, 0.99 for the 1) are not accepted.
    """
    name = tr("One-hot labels")
    if answer is None:
        return not_attempted(name)
    labels = given_labels(labels)
    answer = as_array(answer, tr("an array of one-hot rows"))
    expected = np.eye(10)[labels]
    good, problems, hint = [], [], None
    if answer.shape != expected.shape:
        problems.append(
            tr(
                "shape is {shape}, expected {expected}: one row of 10 per label",
                shape=answer.shape,
                expected=expected.shape,
            )
        )
        hint = tr("np.eye(10) has one one-hot row per digit; index it with the labels.")
        return verdict(name, good, problems, hint)
    good.append(tr("shape {shape}", shape=answer.shape))
    if not np.isin(answer, (0, 1)).all():
        problems.append(tr("some values are neither 0 nor 1: one-hot rows hold only 0s and one 1"))
        hint = tr("np.eye(10)[labels] gives exact 0s and 1s; no smoothing, no rounding.")
    elif (answer.sum(axis=1) == 1).all():
        good.append(tr("every row holds exactly one 1"))
    else:
        problems.append(tr("some rows do not hold exactly one 1"))
    if not problems and not np.array_equal(answer.argmax(axis=1), labels):
        problems.append(tr("the 1s are not at the label's position (is it shifted by one?)"))
        hint = tr("label d goes to column d, counting from 0.")
    return verdict(name, good, problems, hint)


@never_raises(N_("The average image"), cannot_see=N_("how the average was computed"))
def check_mean_image(
    answer: object, images: np.ndarray, labels: np.ndarray, digit: int
) -> Feedback:
    """Exercise: the average image of ``digit``, shape (28, 28), from ``images`` (n, 28, 28).

    Accepts the average of raw pixels (0-255) or of scaled ones (0-1).
    """
    name = tr("The average {digit}", digit=digit)
    if answer is None:
        return not_attempted(name)
    images = given_images(images).astype(np.float64)
    labels = given_labels(labels, count=len(images))
    expected = images[labels == digit].mean(axis=0)
    try:
        answer = as_array(answer, tr("an image")).astype(np.float64)
    except Unreadable as error:
        return verdict(name, [], [error.args[0]], None)
    select = tr("images[labels == {digit}] keeps the {digit}s", digit=digit)
    if answer.shape != (28, 28):
        hint = tr(
            "{select}; .mean(axis=0) then averages over images, pixel by pixel.", select=select
        )
        if answer.shape == ():
            hint = tr("that is one number for all pixels: {hint}", hint=hint)
        return verdict(
            name,
            [],
            [tr("shape is {shape}, expected {expected}", shape=answer.shape, expected="(28, 28)")],
            hint,
        )
    good = [tr("shape (28, 28): one average per pixel")]
    if answer.max() <= 1 and expected.max() > 1:
        answer = answer * 255  # averaged scaled images: the same picture, on the 0-1 scale
    if np.allclose(answer, expected, atol=1e-3):
        return verdict(
            name,
            [*good, tr("the average of {count} images", count=int(np.sum(labels == digit)))],
            [],
            None,
        )
    if np.allclose(answer, images.mean(axis=0), atol=1e-3):
        return verdict(
            name,
            good,
            [tr("that is the average of every digit")],
            tr("images[labels == {digit}] keeps the {digit}s.", digit=digit),
        )
    return verdict(
        name, good, [tr("the values are not the average of the {digit}s", digit=digit)], select
    )


# --------------------------------------------------------------------------- 02 build


@never_raises(N_("Build the MLP"), cannot_see=N_("how well the model will train"))
def check_mlp(answer: object, hidden_units: tuple[int, ...] = (15,)) -> Feedback:
    """Exercise: build an MLP by hand: 784 inputs, Dense ``hidden_units`` relu, Dense 10 softmax.

    Accepts ``keras.Sequential`` and functional models, and activations written as layers of
    their own; any other layer (Dropout, BatchNormalization...) is more than was asked.
    """
    units_wanted = [*hidden_units, 10]
    name = tr("Build the MLP {units}", units="-".join(str(u) for u in units_wanted))
    if answer is None:
        return not_attempted(name)
    if not isinstance(answer, keras.Model):
        hint = "keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(...), ...])"
        return verdict(
            name, [], [tr("expected a Keras model, got {kind}", kind=type(answer).__name__)], hint
        )
    good, problems, hint = [], [], None
    try:
        input_shape = tuple(answer.input_shape[1:])
    except (AttributeError, ValueError):
        hint = tr("start the list of layers with keras.Input(shape=(784,)).")
        return verdict(name, [], [tr("the model has no input shape yet")], hint)
    if input_shape == (784,):
        good.append(tr("input of 784 pixels"))
    else:
        problems.append(tr("input shape is {shape}, expected (784,)", shape=input_shape))
        hint = tr("keras.Input(shape=(784,)) for flattened images.")
    dense, extra = dense_stack(answer)
    units = [size for size, _ in dense]
    if units == units_wanted:
        good.append(tr("Dense layers of {units} units", units=units))
    else:
        problems.append(
            tr(
                "Dense layers have {units} units, expected {wanted}",
                units=units,
                wanted=units_wanted,
            )
        )
        hint = hint or tr(
            "one Dense layer per number, in order; the last has 10 units, one per digit."
        )
    if extra:
        problems.append(
            tr("layers the exercise does not ask for: {layers}", layers=", ".join(extra))
        )
        hint = hint or tr("only Dense layers: keras.Input, then one Dense layer per number.")
    activations = [activation for _, activation in dense]
    wanted = ["relu"] * len(hidden_units) + ["softmax"]
    if activations == wanted:
        good.append(tr("relu in the hidden layers, softmax at the output"))
    elif len(activations) == len(wanted):
        problems.append(
            tr("activations are {found}, expected {wanted}", found=activations, wanted=wanted)
        )
        hint = hint or tr("softmax turns the 10 outputs into probabilities that sum to 1.")
    sizes = [784, *units_wanted]
    expected = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    if not problems and answer.count_params() == expected:
        good.append(tr("{count:,} parameters", count=expected))
    elif not problems:
        problems.append(
            tr(
                "{count:,} parameters, expected {expected:,}",
                count=answer.count_params(),
                expected=expected,
            )
        )
        hint = tr("use_bias=False or shared layers change the count; write plain Dense layers.")
    return verdict(name, good, problems, hint)


@never_raises(N_("Dense parameters"), cannot_see=N_("how you counted"))
def check_dense_parameters(answer: object, inputs: int, units: int) -> Feedback:
    """Exercise: parameters of a Dense layer with ``inputs`` inputs and ``units`` units.

    A whole number is expected (7850, or 7850.0 from a division); 7850.9 is not one.
    """
    expected = inputs * units + units
    hint = tr("each unit has one weight per input, plus one bias.")
    if is_count(answer, inputs * units):
        hint = tr("you counted the weights; each of the units also has a bias.")
    return count_verdict(
        tr("Dense({units}) on {inputs} inputs", units=units, inputs=inputs), answer, expected, hint
    )


@never_raises(N_("Convolution parameters"), cannot_see=N_("how you counted"))
def check_conv_parameters(answer: object, kernel: int, channels: int, filters: int) -> Feedback:
    """Exercise: parameters of a ``kernel`` x ``kernel`` convolution (a whole number)."""
    expected = (kernel * kernel * channels + 1) * filters
    hint = tr(
        "each filter has kernel x kernel weights for every input channel, plus "
        "one bias; multiply by the number of filters."
    )
    if is_count(answer, (kernel * kernel + 1) * filters):
        hint = tr("a filter spans all {channels} input channels, not just one.", channels=channels)
    return count_verdict(
        tr(
            "Conv2D({filters}, {kernel}x{kernel}) on {channels} channels",
            filters=filters,
            kernel=kernel,
            channels=channels,
        ),
        answer,
        expected,
        hint,
    )


# --------------------------------------------------------------------------- 03 train


@never_raises(N_("Compile the model"), cannot_see=N_("the optimizer's settings"))
def check_compiled(answer: object) -> Feedback:
    """Exercise: compile a model for 10-digit classification with one-hot labels.

    Reads the compile settings, so it cannot tell whether the model was trained after.
    """
    name = tr("Compile the model")
    if answer is None:
        return not_attempted(name)
    if not isinstance(answer, keras.Model):
        return verdict(
            name, [], [tr("expected a Keras model, got {kind}", kind=type(answer).__name__)], None
        )
    if not answer.compiled:
        hint = "model.compile(optimizer=..., loss=..., metrics=[...])"
        return verdict(name, [], [tr("the model is not compiled yet")], hint)
    good, problems, hint = [], [], None
    config = answer.get_compile_config() or {}
    losses = compiled_names(config.get("loss"))
    loss_settings = config.get("loss")
    settings = loss_settings.get("config") if isinstance(loss_settings, dict) else None
    settings = settings if isinstance(settings, dict) else {}
    if settings.get("from_logits"):
        problems.append(tr("from_logits=True, but the model's softmax already gives probabilities"))
        hint = tr("keras.losses.CategoricalCrossentropy() (from_logits=False), after a softmax.")
    elif settings.get("label_smoothing") or settings.get("axis", -1) != -1:
        problems.append(
            tr("the loss is changed from plain cross-entropy (label_smoothing or axis)")
        )
        hint = tr("loss='categorical_crossentropy', with no other settings.")
    elif losses and set(losses) <= CROSS_ENTROPY:
        good.append(tr("categorical cross-entropy, for one-hot labels"))
    else:
        problems.append(tr("the loss is {loss}", loss=", ".join(losses) or tr("not set")))
        hint = tr("with one-hot labels use loss='categorical_crossentropy'.")
    metrics = compiled_names(config.get("metrics"))
    if set(metrics) & ACCURACY_METRICS:
        good.append(tr("reports accuracy"))
    else:
        problems.append(
            tr(
                "accuracy is not among the metrics ({metrics})",
                metrics=", ".join(metrics) or tr("none"),
            )
        )
        hint = hint or "metrics=['accuracy']"
    return verdict(name, good, problems, hint)


@never_raises(
    N_("Compare optimizers"), cannot_see=N_("the learning rate and the images each run used")
)
def check_optimizer_comparison(
    answer: object, baseline: object, optimizer: str = "Adam", min_epochs: int = 3
) -> Feedback:
    """Exercise: train with ``optimizer`` and compare with ``baseline``, epoch by epoch.

    Both are the ``History`` objects ``model.fit`` returns (with validation); only a real
    one counts, and its model's optimizer must have taken the steps it records. Runs of
    different lengths are compared over the epochs both ran, never last epoch to last. It
    cannot see the learning rate or the data each run used.
    """
    name, optimizer = tr("Compare optimizers"), str(optimizer)
    if answer is None:
        return not_attempted(name)
    try:
        ours = training_record(answer)
    except Unreadable as error:
        hint = (
            "history_adam = model.fit(x, y, epochs=3, batch_size=128, "
            "validation_data=(x_val, y_val))"
        )
        return verdict(name, [], [error.args[0]], hint)
    try:
        theirs = training_record(baseline)
    except Unreadable as error:
        return verdict(name, [], [tr("the baseline: {problem}", problem=error.args[0])], None)
    good, problems, hint = [], [], None
    used = type(ours.model.optimizer).__name__ if ours.model.optimizer else None
    base_name = type(theirs.model.optimizer).__name__ if theirs.model.optimizer else None
    if used is not None and used.lower() == optimizer.lower():
        good.append(tr("trained with {optimizer}", optimizer=used))
    else:
        problems.append(
            tr(
                "the model was trained with {used}, not {optimizer}",
                used=used or tr("an unknown optimizer"),
                optimizer=optimizer,
            )
        )
        hint = tr(
            "compile a new model with optimizer=keras.optimizers.{optimizer}(learning_rate=0.001).",
            optimizer=optimizer,
        )
    if ours.model is theirs.model:
        problems.append(tr("both histories come from the same model: train a new one"))
    elif used is not None and used == base_name:
        problems.append(
            tr("the baseline was trained with {used} too: that compares nothing", used=used)
        )
    mine, base = ours.val_accuracy, theirs.val_accuracy
    if len(mine) < min_epochs:
        problems.append(
            tr(
                "{count} epochs; train at least {least} to see a trend",
                count=len(mine),
                least=min_epochs,
            )
        )
        hint = hint or tr("epochs={least} in model.fit.", least=min_epochs)
    if max(mine) < 0.9:
        problems.append(
            tr("validation accuracy at most {accuracy:.2%}: did training run?", accuracy=max(mine))
        )
    both = min(len(mine), len(base))
    ahead = sum(a > b for a, b in zip(mine[:both], base[:both], strict=True))
    good.append(
        tr(
            "over the {both} epochs both ran, {optimizer} was ahead after {ahead} of them "
            "(epoch 1: {first:.2%} against {first_base:.2%}; epoch {both}: {last:.2%} against "
            "{last_base:.2%} for {base})",
            both=both,
            optimizer=optimizer,
            ahead=ahead,
            first=mine[0],
            first_base=base[0],
            last=mine[both - 1],
            last_base=base[both - 1],
            base=base_name or tr("the baseline"),
        )
    )
    return verdict(name, good, problems, hint)


# --------------------------------------------------------------------------- 04 evaluate


@never_raises(N_("Most confused pair"), cannot_see=N_("how you found it"))
def check_most_confused_pair(
    answer: object, labels: np.ndarray, predictions: np.ndarray
) -> Feedback:
    """Exercise: the (true digit, predicted digit) pair the model confuses most.

    Any of the pairs tied for the most mistakes is correct.
    """
    name = tr("Most confused pair")
    if answer is None:
        return not_attempted(name)
    matrix = confusion_matrix(labels, predictions)
    top = most_confused_pairs(matrix, count=10)
    how = tr("zero the diagonal of the confusion matrix, then find its largest cell.")
    try:
        items = None if isinstance(answer, str | bytes | dict) else list(answer)
    except TypeError:  # a number, a 0-d array: not a pair
        items = None
    if items is None or len(items) != 2:
        wanted = tr("expected a pair (true, predicted), got {answer}", answer=describe(answer))
        return verdict(name, [], [wanted], how)
    try:
        pair = (as_whole_number(items[0]), as_whole_number(items[1]))
    except Unreadable as error:
        return verdict(
            name, [], [tr("each digit of the pair: {problem}", problem=error.args[0])], how
        )
    if not top:
        return verdict(name, [tr("the model makes no mistakes at all here")], [], None)
    best = top[0][2]
    winners = {(t, p) for t, p, n in top if n == best}
    if pair in winners:
        return verdict(
            name,
            [
                tr(
                    "true {true} read as {predicted}: {count} times, the most",
                    true=pair[0],
                    predicted=pair[1],
                    count=best,
                )
            ],
            [],
            None,
        )
    if not all(0 <= d < 10 for d in pair):
        return verdict(name, [], [tr("{pair} is not a pair of digits 0-9", pair=pair)], how)
    problems = [
        tr(
            "true {true} read as {predicted} happened {count} times; another pair "
            "happened {best} times",
            true=pair[0],
            predicted=pair[1],
            count=int(matrix[pair]),
            best=best,
        )
    ]
    hint = tr("rows are true digits, columns predicted; ignore the diagonal (correct answers).")
    if (pair[1], pair[0]) in winners:
        hint = tr("close: you have the pair the wrong way round (true digit first).")
    return verdict(name, [], problems, hint)


@never_raises(N_("Accuracy when sure"), cannot_see=N_("how you computed it"))
def check_confident_accuracy(
    answer: object, probabilities: np.ndarray, labels: np.ndarray, threshold: float = 0.99
) -> Feedback:
    """Exercise: accuracy on the images whose top probability is at least ``threshold``.

    The answer is a fraction between 0 and 1, to within 1e-6.
    """
    threshold = given_threshold(threshold)
    name = tr("Accuracy when at least {threshold:.0%} sure", threshold=threshold)
    if answer is None:
        return not_attempted(name)
    probabilities = check_probabilities(probabilities, name="check_confident_accuracy")
    labels = check_labels(labels, name="check_confident_accuracy", count=len(probabilities))
    sure = probabilities.max(axis=1) >= threshold
    right = probabilities.argmax(axis=1) == labels
    share, overall = float(sure.mean()), float(right.mean())
    hint = tr(
        "sure = probabilities.max(axis=1) >= {threshold}; score only those images.",
        threshold=threshold,
    )
    if not sure.any():
        return verdict(
            name,
            [],
            [
                tr(
                    "no image reaches {threshold:.0%}: there is nothing to score at this threshold",
                    threshold=threshold,
                )
            ],
            tr("lower the threshold, e.g. threshold=0.9."),
        )
    expected = float(right[sure].mean())
    try:
        value = as_fraction(answer)
    except Unreadable as error:
        return verdict(name, [], [error.args[0]], None)
    if abs(value - expected) < 1e-6:
        good = [
            tr(
                "{accuracy:.2%} right on the {count:,} images ({share:.0%}) it is that "
                "sure of, against {overall:.2%} on all of them",
                accuracy=expected,
                count=int(sure.sum()),
                share=share,
                overall=overall,
            )
        ]
        return verdict(name, good, [], None)
    if abs(value / 100 - expected) < 1e-6:
        return verdict(
            name, [], [tr("that is a percentage")], tr("give a fraction between 0 and 1.")
        )
    if abs(value - overall) < 1e-6:
        return verdict(name, [], [tr("that is the accuracy on every image")], hint)
    if abs(value - share) < 1e-6:
        return verdict(
            name,
            [],
            [tr("that is the share of images it is sure of")],
            tr("now score those images."),
        )
    return verdict(name, [], [tr("{value:.4f} is not it", value=value)], hint)
