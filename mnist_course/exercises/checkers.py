"""The notebooks' exercise checkers: each ``check_*`` takes the learner's ``answer`` (``None``
while not attempted) and returns a :class:`~.feedback.Feedback`, never an exception."""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import keras
from ..data.arrays import check_images, check_labels, check_probabilities
from ..errors import InputError
from ..evaluation.metrics import confusion_matrix, most_confused_pairs
from ..language import N_, tr, trn
from .feedback import (
    Feedback,
    Unreadable,
    as_array,
    as_fraction,
    as_whole_number,
    describe,
    folded_layers,
    never_raises,
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
# What Keras reads as categorical accuracy; keras.metrics.Accuracy() is not: it counts exact
# equality of probabilities and labels, nearly always 0.
ACCURACY_METRICS = {"accuracy", "acc", "categorical_accuracy", "CategoricalAccuracy"}
CROSS_ENTROPY = {"categorical_crossentropy", "CategoricalCrossentropy"}


@never_raises(N_("Flatten and scale"), cannot_see=N_("how the array was computed"))
def check_flatten_and_scale(answer: object, images: np.ndarray) -> Feedback:
    """Check ``images`` (n, 28, 28) uint8 as (n, 784) float32 in [0, 1], value by value."""
    name = tr("Flatten and scale")
    if answer is None:
        return Feedback(name, "not attempted")
    images = check_images(images, name=tr("the checker's images"))
    if images.dtype.kind == "f" and images.max() <= 1:  # e.g. x_test = x_test / 255 ran first
        problem = tr("the images given to the checker are already scaled: they were overwritten")
        hint = tr(
            "load MNIST again (the cell with mc.load_mnist()), then store the result in a "
            "new name and leave the raw images as they are."
        )
        return verdict(name, [], [problem], hint)
    expected = images.reshape(len(images), 784).astype(np.float32) / 255
    answer = as_array(answer, tr("an array of pixels"))
    shape, dtype, wanted = answer.shape, answer.dtype, expected.shape
    good, problems, hint = [], [], None
    if shape == wanted:
        good.append(tr("shape {shape}: one row of 784 pixels per image", shape=shape))
    else:
        problems.append(tr("shape is {shape}, expected {expected}", shape=shape, expected=wanted))
        hint = tr("images.reshape(len(images), 28 * 28) lays each image's rows end to end.")
    if dtype == np.float32:
        good.append(tr("dtype float32, the type Keras computes with"))
    elif dtype.kind == "f":
        problems.append(tr("dtype is {dtype}; the task asks for float32", dtype=dtype))
        hint = hint or tr(
            "dividing a uint8 array by 255 gives float64, twice the memory; convert "
            "with .astype('float32') first, then divide."
        )
    else:
        problems.append(
            tr("dtype is {dtype}; integers cannot hold values between 0 and 1", dtype=dtype)
        )
        hint = hint or tr("convert with .astype('float32') before dividing.")
    low, high = (float(answer.min()), float(answer.max())) if answer.size else (0, 1)
    if not (low >= 0 and high <= 1.0 + 1e-6):
        problems.append(
            tr(
                "values go from {low:g} to {high:g}; scaled pixels go from 0 to 1",
                low=low,
                high=high,
            )
        )
        hint = hint or tr("divide by 255, the largest raw pixel value.")
    elif answer.size:
        good.append(tr("values are in [0, 1]"))
    if not problems and np.allclose(answer * 255, expected, rtol=0, atol=1e-6) and high:
        problems.append(tr("the largest value is {high:g}: divided by 255 twice", high=high))
        hint = tr("divide by 255 once; running the cell again divides again.")
    elif not problems and not np.allclose(answer, expected, rtol=0, atol=1e-6):
        problems.append(tr("the values are in the right range but not the right places"))
        hint = tr("reshape keeps the pixel order; transposing or sorting would not.")
    return verdict(name, good, problems, hint)


@never_raises(N_("One-hot labels"), cannot_see=N_("how the rows were made"))
def check_one_hot(answer: object, labels: np.ndarray) -> Feedback:
    """Check ``labels`` (n,) one-hot encoded as (n, 10): exactly nine 0s and one 1 per row."""
    name = tr("One-hot labels")
    if answer is None:
        return Feedback(name, "not attempted")
    labels = check_labels(labels, name=tr("the checker's labels"))
    answer = as_array(answer, tr("an array of one-hot rows"))
    shape, wanted = answer.shape, (len(labels), 10)
    if shape != wanted:
        problem = tr(
            "shape is {shape}, expected {expected}: one row of 10 per label",
            shape=shape,
            expected=wanted,
        )
        hint = tr("np.eye(10) has one one-hot row per digit; index it with the labels.")
        return verdict(name, [], [problem], hint)
    good, problems, hint = [tr("shape {shape}", shape=shape)], [], None
    if not np.isin(answer, (0, 1)).all():  # label smoothing, 0.99 for the 1: not one-hot
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
    """Check the (28, 28) average of ``digit`` in ``images`` (n, 28, 28), raw or scaled."""
    name = tr("The average {digit}", digit=digit)
    if answer is None:
        return Feedback(name, "not attempted")
    images = check_images(images, name=tr("the checker's images")).astype(np.float64)
    labels = check_labels(labels, name=tr("the checker's labels"), count=len(images))
    expected = images[labels == digit].mean(axis=0)
    try:
        answer = as_array(answer, tr("an image"))
        low_precision = answer.dtype == np.float16  # about 3 digits: 0.1 of a pixel level
        answer = answer.astype(np.float64)
    except Unreadable:
        if not _all_nan(answer):
            raise
        problem = tr("every value is 'not a number': the average of no images at all")
        hint = tr(
            "check that the selection keeps images: labels == {digit} compares with the "
            "number {digit}, not the text '{digit}'.",
            digit=digit,
        )
        return verdict(name, [], [problem], hint)
    select = tr("images[labels == {digit}] keeps the {digit}s", digit=digit)
    if answer.shape != (28, 28):
        hint = tr(
            "{select}; .mean(axis=0) then averages over images, pixel by pixel.", select=select
        )
        if answer.shape == ():
            hint = tr("that is one number for all pixels: {hint}", hint=hint)
        shape = tr("shape is {shape}, expected {expected}", shape=answer.shape, expected="(28, 28)")
        return verdict(name, [], [shape], hint)
    good = [tr("shape (28, 28): one average per pixel")]
    if answer.max() <= 1 and expected.max() > 1:
        answer = answer * 255  # averaged scaled images: the same picture, on the 0-1 scale
    if np.allclose(answer, expected, atol=0.25 if low_precision else 1e-3):
        count = int(np.sum(labels == digit))
        good.append(
            trn("the average of {count} image", "the average of {count} images", count, count=count)
        )
        return verdict(name, good, [], None)
    if np.allclose(answer, expected, atol=1.0):  # within a pixel level: rounded or truncated
        problem = tr("the values are whole numbers; an average keeps its fractions")
        hint = tr(".mean(axis=0) gives floats: keep them, with no rounding or .astype('uint8').")
        return verdict(name, good, [problem], hint)
    if np.allclose(answer, images.mean(axis=0), atol=1e-3):
        hint = tr("images[labels == {digit}] keeps the {digit}s.", digit=digit)
        return verdict(name, good, [tr("that is the average of every digit")], hint)
    problem = tr("the values are not the average of the {digit}s", digit=digit)
    return verdict(name, good, [problem], select)


@never_raises(N_("Build the MLP"), cannot_see=N_("how well the model will train"))
def check_mlp(answer: object, hidden_units: tuple[int, ...] = (15,)) -> Feedback:
    """Check a Keras MLP: 784 inputs, Dense ``hidden_units`` relu, Dense 10 softmax, no more."""
    want = [*hidden_units, 10]
    name = tr("Build the MLP {units}", units="-".join(str(u) for u in want))
    if answer is None:
        return Feedback(name, "not attempted")
    if not isinstance(answer, keras.Model):
        hint = "keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(...), ...])"
        kind = tr("expected a Keras model, got {kind}", kind=type(answer).__name__)
        return verdict(name, [], [kind], hint)
    try:
        input_shape = tuple(answer.input_shape[1:])
    except (AttributeError, ValueError):
        hint = tr("start the list of layers with keras.Input(shape=(784,)).")
        return verdict(name, [], [tr("the model has no input shape yet")], hint)
    good, problems, hint = [], [], None
    if input_shape == (784,):
        good.append(tr("input of 784 pixels"))
    else:
        problems.append(tr("input shape is {shape}, expected (784,)", shape=input_shape))
        hint = tr("keras.Input(shape=(784,)) for flattened images.")
    layers = folded_layers(answer)
    units = [int(x.units) for x, _ in layers if isinstance(x, keras.layers.Dense)]
    activations = [f for x, f in layers if isinstance(x, keras.layers.Dense)]
    extra = [type(x).__name__ for x, _ in layers if not isinstance(x, keras.layers.Dense)]
    for layer in answer.layers:
        if len(getattr(layer, "_inbound_nodes", ())) > 1:
            extra.append(tr("{type} applied more than once", type=type(layer).__name__))
    if units == want:
        good.append(tr("Dense layers of {units} units", units=units))
    else:
        problems.append(
            tr("Dense layers have {units} units, expected {wanted}", units=units, wanted=want)
        )
        hint = hint or tr(
            "one Dense layer per number, in order; the last has 10 units, one per digit."
        )
    if extra:
        problems.append(
            tr("layers the exercise does not ask for: {layers}", layers=", ".join(extra))
        )
        hint = hint or tr("only Dense layers: keras.Input, then one Dense layer per number.")
    wanted = ["relu"] * len(hidden_units) + ["softmax"]
    if activations == wanted:
        good.append(tr("relu in the hidden layers, softmax at the output"))
    elif len(activations) == len(wanted):
        problems.append(
            tr("activations are {found}, expected {wanted}", found=activations, wanted=wanted)
        )
        if activations[-1] == "softmax":
            hint = hint or tr("the hidden layers take activation='relu'.")
        else:
            hint = hint or tr("softmax turns the 10 outputs into probabilities that sum to 1.")
    expected = sum((a + 1) * b for a, b in zip([784, *want], want, strict=False))
    count = answer.count_params()
    if not problems and count == expected:
        good.append(tr("{count:,} parameters", count=expected))
    elif not problems:
        problems.append(
            tr("{count:,} parameters, expected {expected:,}", count=count, expected=expected)
        )
        hint = tr("use_bias=False or shared layers change the count; write plain Dense layers.")
    return verdict(name, good, problems, hint)


def _all_nan(values: object) -> bool:
    """Whether ``values`` are floats, every one of them "not a number" (NumPy's mean of none)."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        return False
    return array.dtype.kind == "f" and array.size > 0 and bool(np.isnan(array).all())


def _count(
    name: str, answer: object, expected: int, slip: int, hint: str, slip_hint: str
) -> Feedback:
    if answer is None:
        return Feedback(name, "not attempted")
    try:
        value = as_whole_number(answer)
    except Unreadable as error:
        return verdict(name, [], [error.args[0]], hint)
    if value == expected:
        return verdict(name, [tr("{count:,} parameters", count=expected)], [], None)
    problem = tr("{value:,} is not it", value=value)
    return verdict(name, [], [problem], slip_hint if value == slip else hint)


@never_raises(N_("Dense parameters"), cannot_see=N_("how you counted"))
def check_dense_parameters(answer: object, inputs: int, units: int) -> Feedback:
    """Check the parameter count of a Dense layer: a whole number (7850 or 7850.0)."""
    return _count(
        tr("Dense({units}) on {inputs} inputs", units=units, inputs=inputs),
        answer,
        inputs * units + units,
        inputs * units,
        tr("each unit has one weight per input, plus one bias."),
        tr("you counted the weights; each of the units also has a bias."),
    )


@never_raises(N_("Convolution parameters"), cannot_see=N_("how you counted"))
def check_conv_parameters(answer: object, kernel: int, channels: int, filters: int) -> Feedback:
    """Check the parameter count of a ``kernel`` x ``kernel`` Conv2D: a whole number."""
    return _count(
        tr(
            "Conv2D({filters}, {kernel}x{kernel}) on {channels} channels",
            filters=filters,
            kernel=kernel,
            channels=channels,
        ),
        answer,
        (kernel * kernel * channels + 1) * filters,
        (kernel * kernel + 1) * filters,
        tr(
            "each filter has kernel x kernel weights for every input channel, plus "
            "one bias; multiply by the number of filters."
        ),
        tr("a filter spans all {channels} input channels, not just one.", channels=channels),
    )


def _names(config: object) -> list[str]:
    if isinstance(config, str):
        return [config]
    if isinstance(config, dict) and "class_name" in config:
        function = config["class_name"] == "function"  # a plain function: serialized as its name
        return [str(config.get("config") if function else config["class_name"])]
    if isinstance(config, dict | list | tuple):
        values = config.values() if isinstance(config, dict) else config
        return [name for value in values for name in _names(value)]
    return [] if config is None else [type(config).__name__]


@never_raises(N_("Compile the model"), cannot_see=N_("the optimizer's settings"))
def check_compiled(answer: object, optimizer: str | None = None) -> Feedback:
    """Check a Keras model compiled for one-hot labels of 10 digits, reporting accuracy, and
    with ``optimizer`` (a class name such as "SGD") if one is asked for."""
    name = tr("Compile the model")
    if answer is None:  # also what my_model = model.compile(...) keeps
        none = tr(
            "(If you did write an answer: model.compile() returns None, so "
            "my_model = model.compile(...) keeps None. Compile the model, then pass the model.)"
        )
        return Feedback(name, "not attempted", hint=none)
    if not isinstance(answer, keras.Model):
        kind = tr("expected a Keras model, got {kind}", kind=type(answer).__name__)
        return verdict(name, [], [kind], None)
    if not answer.compiled:
        hint = "model.compile(optimizer=..., loss=..., metrics=[...])"
        return verdict(name, [], [tr("the model is not compiled yet")], hint)
    good, problems, hint = [], [], None
    try:
        config = answer.get_compile_config() or {}
    except TypeError:  # Keras accepts a class, keras.losses.CategoricalCrossentropy, then fails
        problem = tr("the loss or a metric is a class, not an object made from it")
        hint = tr("call it with (): keras.losses.CategoricalCrossentropy(), not ...Crossentropy.")
        return verdict(name, [], [problem], hint)
    loss, losses = config.get("loss"), _names(config.get("loss"))
    settings = loss.get("config") if isinstance(loss, dict) else None
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
    metrics = _names(config.get("metrics"))
    if set(metrics) & ACCURACY_METRICS:
        good.append(tr("reports accuracy"))
    elif "Accuracy" in metrics:
        problems.append(
            tr(
                "keras.metrics.Accuracy() counts outputs exactly equal to the labels, nearly "
                "never with probabilities; for one-hot labels use CategoricalAccuracy()"
            )
        )
        hint = hint or "metrics=[keras.metrics.CategoricalAccuracy()]"
    else:
        shown = ", ".join(metrics) or tr("none")
        problems.append(tr("accuracy is not among the metrics ({metrics})", metrics=shown))
        hint = hint or "metrics=['accuracy']"
    used = type(answer.optimizer).__name__
    if optimizer is not None and used.lower() == str(optimizer).lower():
        good.append(tr("optimizer {optimizer}", optimizer=used))
    elif optimizer is not None:
        problems.append(
            tr(
                "the optimizer is {used}; the exercise asks for {optimizer}",
                used=used,
                optimizer=optimizer,
            )
        )
        hint = hint or f"optimizer=keras.optimizers.{optimizer}(learning_rate=...)"
    return verdict(name, good, problems, hint)


@never_raises(
    N_("Compare optimizers"), cannot_see=N_("the learning rate and the images each run used")
)
def check_optimizer_comparison(
    answer: object, baseline: object, optimizer: str = "Adam", min_epochs: int = 3
) -> Feedback:
    """Check a ``History`` of ``optimizer`` against ``baseline``'s over the epochs both ran."""
    name, optimizer = tr("Compare optimizers"), str(optimizer)
    if answer is None:
        return Feedback(name, "not attempted")
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
    # training_record checked that both models have an optimizer
    used, base_name = type(ours.model.optimizer).__name__, type(theirs.model.optimizer).__name__
    if used.lower() == optimizer.lower():
        good.append(tr("trained with {optimizer}", optimizer=used))
    else:
        problems.append(
            tr("the model was trained with {used}, not {optimizer}", used=used, optimizer=optimizer)
        )
        hint = tr(
            "compile a new model with optimizer=keras.optimizers.{optimizer}(learning_rate=0.001).",
            optimizer=optimizer,
        )
    if ours.model is theirs.model:
        problems.append(tr("both histories come from the same model: train a new one"))
    elif used == base_name:
        problems.append(
            tr("the baseline was trained with {used} too: that compares nothing", used=used)
        )
    mine, base = ours.val_accuracy, theirs.val_accuracy
    if len(mine) < min_epochs:
        count, least = len(mine), min_epochs
        problems.append(
            trn(
                "{count} epoch; train at least {least} to see a trend",
                "{count} epochs; train at least {least} to see a trend",
                count,
                count=count,
                least=least,
            )
        )
        hint = hint or tr("epochs={least} in model.fit.", least=min_epochs)
    if max(mine) < 0.9:
        problems.append(
            tr("validation accuracy at most {accuracy:.2%}: did training run?", accuracy=max(mine))
        )
    both = min(len(mine), len(base))
    ahead = sum(a > b for a, b in zip(mine[:both], base[:both], strict=True))
    if both == 1:
        said = {"optimizer": optimizer, "first": mine[0], "first_base": base[0], "base": base_name}
        compared = tr(
            "after the one epoch both ran: {first:.2%} for {optimizer} against {first_base:.2%} "
            "for {base}",
            **said,
        )
        return verdict(name, [*good, compared], problems, hint)
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
            base=base_name,
        )
    )
    return verdict(name, good, problems, hint)


@never_raises(N_("Most confused pair"), cannot_see=N_("how you found it"))
def check_most_confused_pair(
    answer: object, labels: np.ndarray, predictions: np.ndarray
) -> Feedback:
    """Check the (true, predicted) pair of digits most often confused; any tied pair is right."""
    name = tr("Most confused pair")
    if answer is None:
        return Feedback(name, "not attempted")
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
        true, predicted = as_whole_number(items[0]), as_whole_number(items[1])
    except Unreadable as error:
        problem = tr("each digit of the pair: {problem}", problem=error.args[0])
        return verdict(name, [], [problem], how)
    if not (0 <= true < 10 and 0 <= predicted < 10):
        pair = tr("{pair} is not a pair of digits 0-9", pair=(true, predicted))
        return verdict(name, [], [pair], how)
    if not top:
        return verdict(name, [tr("the model makes no mistakes at all here")], [], None)
    best = top[0][2]
    winners = {(t, p) for t, p, n in top if n == best}
    if (true, predicted) in winners:
        most = trn(
            "true {true} read as {predicted}: {count} time, the most",
            "true {true} read as {predicted}: {count} times, the most",
            best,
            true=true,
            predicted=predicted,
            count=best,
        )
        return verdict(name, [most], [], None)
    count = int(matrix[true, predicted])
    yours = trn(
        "true {true} read as {predicted} happened {count} time",
        "true {true} read as {predicted} happened {count} times",
        count,
        true=true,
        predicted=predicted,
        count=count,
    )
    # TRANSLATORS: follows "true 7 read as 1 happened 3 times; "
    other = trn(
        "another pair happened {best} time", "another pair happened {best} times", best, best=best
    )
    # TRANSLATORS: joins the two counts, e.g. "...happened 3 times; another pair happened 5 times"
    problem = tr("{yours}; {other}", yours=yours, other=other)
    hint = tr("rows are true digits, columns predicted; ignore the diagonal (correct answers).")
    if (predicted, true) in winners:
        hint = tr("close: you have the pair the wrong way round (true digit first).")
    return verdict(name, [], [problem], hint)


@never_raises(N_("Accuracy when sure"), cannot_see=N_("how you computed it"))
def check_confident_accuracy(
    answer: object, probabilities: np.ndarray, labels: np.ndarray, threshold: float = 0.99
) -> Feedback:
    """Check the accuracy on images whose top probability (n, 10) is at least ``threshold``."""
    number = isinstance(threshold, numbers.Real) and not isinstance(threshold, bool)
    if not (number and 0 < threshold <= 1):
        raise InputError("threshold must be a number above 0 and at most 1.")
    threshold = float(threshold)
    name = tr("Accuracy when at least {threshold:.0%} sure", threshold=threshold)
    if answer is None:
        return Feedback(name, "not attempted")
    checked = check_probabilities(probabilities, name="check_confident_accuracy")
    labels = check_labels(labels, name="check_confident_accuracy", count=len(checked))
    # in the learner's own precision: float16's 0.9 is not float32's
    probabilities = np.asarray(probabilities)
    sure = probabilities.max(axis=1) >= threshold
    right = probabilities.argmax(axis=1) == labels
    share, overall = float(sure.mean()), float(right.mean())
    hint = tr(
        "sure = probabilities.max(axis=1) >= {threshold}; score only those images.",
        threshold=threshold,
    )
    if not sure.any():
        problem = tr(
            "no image reaches {threshold:.0%}: there is nothing to score at this threshold",
            threshold=threshold,
        )
        return verdict(name, [], [problem], tr("lower the threshold, e.g. threshold=0.9."))
    expected = float(right[sure].mean())
    value = as_fraction(answer)
    # an answer copied from a printout is rounded: 4 decimals (0.9998), or 2 in percent;
    # float16 holds about 3
    close = 5e-4 if getattr(answer, "dtype", None) == np.float16 else 5e-5
    if abs(value - expected) <= close:
        good = tr(
            "{accuracy:.2%} right on the {count:,} images ({share:.0%}) it is that "
            "sure of, against {overall:.2%} on all of them",
            accuracy=expected,
            count=int(sure.sum()),
            share=share,
            overall=overall,
        )
        return verdict(name, [good], [], None)
    if abs(value - 100 * expected) <= 5e-3:
        hint = tr("give a fraction between 0 and 1.")
        return verdict(name, [], [tr("that is a percentage")], hint)
    if abs(value - overall) <= 5e-5:
        return verdict(name, [], [tr("that is the accuracy on every image")], hint)
    if abs(value - share) <= 5e-5:
        problem = tr("that is the share of images it is sure of")
        return verdict(name, [], [problem], tr("now score those images."))
    if abs(value - expected) <= 5e-3:
        problem = tr("{value:g} is close, but rounded too far to tell", value=value)
        return verdict(name, [], [problem], tr("give at least 4 decimals, or the value itself."))
    return verdict(name, [], [tr("{value:.6g} is not it", value=value)], hint)
