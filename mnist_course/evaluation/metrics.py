"""How good is a trained model, and where is it wrong? Inputs are checked at the boundary,
so a wrong one gets a message saying what was expected, not a traceback from TensorFlow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..backend import keras, tf
from ..data.arrays import (
    NUM_CLASSES,
    check_count,
    check_images,
    check_labels,
    check_matrix,
    check_probabilities,
)
from ..errors import InputError
from ..language import tr
from ..models.builders import (
    as_input,
    check_model,
    image_shape,
    input_scale,
    model_pixels,
    weights_fingerprint,
)

# Large batches amortise the per-call overhead: measured 620k images/s for the MLP and 116k
# for LeNet on 2 CPU cores, against 20k for model.predict's default batch of 32.
PREDICT_BATCH = 8192


def _probabilities(model: keras.Model, images: np.ndarray) -> np.ndarray:
    # Kept on the model, as Keras keeps model.predict_function; uint8 is scaled in the graph,
    # on every core. Unlike predict_on_batch, it gives one output under a strategy.
    # Keyed on the layers: a Sequential changed in place (pop, add) needs a new trace.
    key = tuple(map(id, model.layers))
    cached_key, forward = model.__dict__.get("_mnist_course_forward", (None, None))
    if cached_key != key:
        scale = input_scale(model)

        def run(x):
            if x.dtype == tf.uint8:
                x = tf.cast(x, tf.float32) * (1 / 255) if scale == 1 else tf.cast(x, tf.float32)
            return tf.cast(model(x, training=False), tf.float32)

        forward = tf.function(run, reduce_retracing=True)
        model._mnist_course_forward = key, forward
    if images.dtype != np.uint8:  # other integer pixels are already checked to be 0-255
        images = images.astype(np.float32 if images.dtype.kind == "f" else np.uint8)
    if images.dtype == np.float32 and input_scale(model) != 1:
        images = as_input(model, images)  # floats 0-1, or 0-255, on the model's scale
    x = images.reshape(len(images), *image_shape(model))
    step = PREDICT_BATCH
    out = np.concatenate([forward(x[i : i + step]).numpy() for i in range(0, len(x), step)])
    if not np.all(np.isfinite(out)):
        raise InputError(
            "model {model!r} outputs NaN or infinite values: its weights hold NaN or "
            "inf (did training diverge? try a smaller learning rate and train again).",
            model=model.name,
        )
    if out.min() < 0 or np.abs(out.sum(axis=1) - 1).max() > 1e-2:  # raw scores, no softmax
        raise InputError(
            "model {model!r} does not output probabilities (its rows do not sum to "
            "1): its last layer needs activation='softmax'.",
            model=model.name,
        )
    return out


def _check_shifted(shifted: object, name: str) -> bool:
    if not isinstance(shifted, bool | np.bool_):  # "no" would be true
        raise InputError(
            "{name}: shifted is True or False, got {value!r}.", name=name, value=shifted
        )
    return bool(shifted)


def predict(model: keras.Model, images: np.ndarray, *, shifted: bool = False) -> np.ndarray:
    """The model's probability for each digit: ``model.predict(x)``, many times faster.

    Parameters
    ----------
    model : keras.Model
        A trained MNIST model (flat or image input, 10 softmax outputs).
    images : numpy.ndarray
        (n, 28, 28), (n, 28, 28, 1) or (n, 784); uint8 0-255 or float 0-1.
    shifted : bool
        Also read each image moved one pixel up, down, left and right (the edge filled
        with background) and average the five answers: test-time augmentation, a little
        more accurate for a model trained on shifted images, five times the work.

    Returns
    -------
    numpy.ndarray
        float32 (n, 10): row i holds image i's probability of each digit.
    """
    check_model(model, "predict")
    batch = check_images(images, name="predict", pixels=model_pixels(model))
    if not _check_shifted(shifted, "predict"):
        return _probabilities(model, batch)
    padded = np.pad(batch, ((0, 0), (1, 1), (1, 1)))
    moves = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
    views = [padded[:, 1 + dy : 29 + dy, 1 + dx : 29 + dx] for dy, dx in moves]
    return np.mean([_probabilities(model, view) for view in views], axis=0)


def predict_digit(model: keras.Model, image: np.ndarray) -> tuple[int, float, np.ndarray]:
    """Classify one image.

    Parameters
    ----------
    model : keras.Model
    image : numpy.ndarray
        (28, 28), (28, 28, 1) or (784,); uint8 0-255 or float 0-1.

    Returns
    -------
    (int, float, numpy.ndarray)
        The most probable digit, its probability, and all ten, float32 (10,).
    """
    check_model(model, "predict_digit")
    one = check_images(image, name="predict_digit", single=True, pixels=model_pixels(model))
    probabilities = _probabilities(model, one[None])[0]
    digit = int(probabilities.argmax())
    return digit, float(probabilities[digit]), probabilities


@dataclass(frozen=True, eq=False)  # equal only to itself: its fields are arrays
class Evaluation:
    """Test-set results: ``loss`` (mean cross-entropy), ``penalty`` (the weight penalties
    ``model.evaluate`` adds to it, 0 without any), ``accuracy``, the ``probabilities``
    float32 (n, 10) and true ``labels`` int64 (n,) they came from, and for an ensemble its
    ``members``: each model's own Evaluation, in order."""

    loss: float
    penalty: float
    accuracy: float
    probabilities: np.ndarray
    labels: np.ndarray
    members: tuple[Evaluation, ...] = ()

    @property
    def total_loss(self) -> float:
        """Cross-entropy plus penalty: the loss ``model.evaluate`` reports, except that a
        probability under 1e-7 counts as 1e-7 here (Keras works from the softmax's inputs, so
        it counts a very confident mistake in full)."""
        return self.loss + self.penalty

    @property
    def predictions(self) -> np.ndarray:
        """The predicted digit of each image, int64 (n,)."""
        return self.probabilities.argmax(axis=1)

    @property
    def mistakes(self) -> np.ndarray:
        """Indices of the misclassified images."""
        return np.flatnonzero(self.predictions != self.labels)

    def __str__(self) -> str:
        penalty = ""
        if self.penalty:
            penalty = tr(
                " (cross-entropy; + weight penalty {penalty:.4f} = {total:.4f}, the loss "
                "model.evaluate reports)",
                penalty=self.penalty,
                total=self.total_loss,
            )
        return tr(
            "loss {loss:.4f}{penalty}  accuracy {accuracy:.2%}  ({wrong} of {count} wrong)",
            loss=self.loss,
            penalty=penalty,
            accuracy=self.accuracy,
            wrong=len(self.mistakes),
            count=len(self.labels),
        )

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython shows the str
        printer.text(str(self))


def evaluate(
    model: keras.Model, images: np.ndarray, labels: np.ndarray, *, shifted: bool = False
) -> Evaluation:
    """Loss and accuracy over ``images``: ``model.evaluate``, keeping the predictions.

    Parameters
    ----------
    model : keras.Model
    images : numpy.ndarray
        As for :func:`predict`.
    labels : numpy.ndarray
        Digits (n,) or one-hot rows (n, 10).
    shifted : bool
        As for :func:`predict`.

    Returns
    -------
    Evaluation
    """
    return _evaluated(model, images, labels, _check_shifted(shifted, "evaluate"), "evaluate")


def _evaluated(model, images, labels, shifted: bool, name: str) -> Evaluation:
    probabilities = predict(model, images, shifted=shifted)
    penalty = float(sum(float(keras.ops.convert_to_numpy(term)) for term in model.losses))
    return _scored(probabilities, labels, penalty, name=name)


def evaluate_ensemble(
    models: Sequence[keras.Model], images: np.ndarray, labels: np.ndarray, *, shifted: bool = False
) -> Evaluation:
    """Loss and accuracy of several models voting together: their probabilities averaged.

    Parameters
    ----------
    models : sequence of keras.Model
        One or more different models, each of any input shape :func:`predict` accepts.
    images, labels : numpy.ndarray
        As for :func:`evaluate`.
    shifted : bool
        As for :func:`predict`: each model's answer is then itself an average of five.

    Returns
    -------
    Evaluation
        Of the averaged probabilities; ``penalty`` is 0, and ``members`` holds each model's
        own Evaluation (each model predicts once).
    """
    members, shifted = check_ensemble(models), _check_shifted(shifted, "evaluate_ensemble")
    name = "evaluate_ensemble"
    each = tuple(_evaluated(model, images, labels, shifted, name) for model in members)
    probabilities = np.mean([member.probabilities for member in each], axis=0)
    together = _scored(probabilities.astype(np.float32), labels, 0.0, name=name)
    return replace(together, members=each)


def check_ensemble(models: Sequence[keras.Model]) -> list[keras.Model]:
    """``models`` as a list of one or more Keras models, no two the same (identical weights
    would count one model's answers twice), else an InputError."""
    members = list(models) if isinstance(models, list | tuple) else None
    if not members:
        raise InputError(
            "evaluate_ensemble: give a list of one or more Keras models, got {kind}.",
            kind=type(models).__name__,
        )
    seen: dict[str, int] = {}
    for number, model in enumerate(members, start=1):
        check_model(model, name="evaluate_ensemble")
        earlier = seen.setdefault(weights_fingerprint(model), number)
        if earlier != number:
            raise InputError(
                "evaluate_ensemble: models {first} and {second} are the same model (same "
                "layers, same weights); an ensemble averages different models, so give "
                "each model once.",
                first=earlier,
                second=number,
            )
    return members


def _scored(probabilities: np.ndarray, labels: np.ndarray, penalty: float, name: str) -> Evaluation:
    digits = check_labels(labels, name=name, count=len(probabilities))
    picked = np.clip(probabilities[np.arange(len(digits)), digits], 1e-7, 1.0)
    accuracy = float((probabilities.argmax(axis=1) == digits).mean())
    return Evaluation(float(-np.log(picked).mean()), penalty, accuracy, probabilities, digits)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Count how often each true digit (row) was predicted as each digit (column).

    Parameters
    ----------
    labels, predictions : numpy.ndarray
        Digits (n,) (or one-hot/probability rows (n, 10)), the same length.

    Returns
    -------
    numpy.ndarray
        int64 (10, 10); the diagonal holds the correct answers.
    """
    truth = check_labels(labels, name="confusion_matrix")
    guess = check_labels(predictions, name="confusion_matrix (predictions)", count=len(truth))
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(matrix, (truth, guess), 1)
    return matrix


@dataclass(frozen=True)
class ClassificationReport:
    """Per-digit precision, recall, F1 and support (number of true examples)."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    def __str__(self) -> str:
        return "\n".join(
            [tr("digit  precision  recall     f1  support")]
            + [
                f"{d:>5}  {self.precision[d]:>9.3f}  {self.recall[d]:>6.3f}  "
                f"{self.f1[d]:>5.3f}  {self.support[d]:>7}"
                for d in range(len(self.support))
            ]
        )

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython shows the str
        printer.text(str(self))


def classification_report(labels: np.ndarray, predictions: np.ndarray) -> ClassificationReport:
    """Precision, recall and F1 (their harmonic mean) of each digit.

    Precision: of the images predicted d, the fraction that are d; recall: of the images that
    are d, the fraction predicted d.

    Parameters
    ----------
    labels, predictions : numpy.ndarray
        As for :func:`confusion_matrix`.

    Returns
    -------
    ClassificationReport
        float64 (10,) arrays; a digit never predicted has precision 0.
    """
    matrix = confusion_matrix(labels, predictions)
    correct = np.diag(matrix).astype(np.float64)

    def ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:  # 0 where bottom is 0
        return np.divide(top, bottom, out=np.zeros(NUM_CLASSES), where=bottom > 0)

    precision, recall = ratio(correct, matrix.sum(axis=0)), ratio(correct, matrix.sum(axis=1))
    f1 = ratio(2 * precision * recall, precision + recall)
    return ClassificationReport(precision, recall, f1, matrix.sum(axis=1))


def most_confident_mistakes(
    probabilities: np.ndarray, labels: np.ndarray, count: int = 16
) -> np.ndarray:
    """Indices of the wrong predictions the model was most sure of, most sure first."""
    count = check_count(count, name="most_confident_mistakes", what="count")
    probabilities = check_probabilities(probabilities, name="most_confident_mistakes")
    labels = check_labels(labels, name="most_confident_mistakes", count=len(probabilities))
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    return wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][:count]


def most_confused_pairs(matrix: np.ndarray, count: int = 5) -> list[tuple[int, int, int]]:
    """The (true digit, predicted digit, count) pairs with the most mistakes, most first."""
    count = check_count(count, name="most_confused_pairs", what="count")
    matrix = check_matrix(matrix, name="most_confused_pairs").copy()
    np.fill_diagonal(matrix, 0)
    order = np.argsort(-matrix, axis=None, kind="stable")[:count]
    pairs = [np.unravel_index(i, matrix.shape) for i in order]
    return [(int(t), int(p), int(matrix[t, p])) for t, p in pairs if matrix[t, p] > 0]
