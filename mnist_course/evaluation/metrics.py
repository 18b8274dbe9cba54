"""How good is a trained model, and where is it wrong?

Images and labels are checked by :mod:`mnist_course.arrays` and models by
:func:`check_model`, at the boundary, so a learner who passes an RGB picture, a NaN, a
file name instead of a model, or a batch where one image was expected gets a message that
says what was expected, not a traceback from inside TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
from ..models.builders import check_model, weights_fingerprint

__all__ = [
    "predict",
    "predict_digit",
    "evaluate",
    "evaluate_ensemble",
    "check_ensemble",
    "Evaluation",
    "confusion_matrix",
    "classification_report",
    "ClassificationReport",
    "most_confident_mistakes",
    "most_confused_pairs",
    "check_model",
]

# Large batches amortise the per-call overhead: measured 620k images/s for the MLP and 116k
# for LeNet on 2 CPU cores, against 20k for model.predict's default batch of 32.
PREDICT_BATCH = 8192
# The traced pass is kept on the model itself, as Keras keeps model.predict_function: it
# lives and dies with the model and reads its current weights at every call.
_TRACED = "_mnist_course_forward"


def _forward(model: keras.Model):
    """The model's inference pass, traced once as a TensorFlow graph and kept on the model.

    Takes float32 inputs in [0, 1] or raw uint8 pixels, which it scales inside the graph:
    TensorFlow converts on every core, and a quarter of the bytes cross into it (measured
    on the MLP: most of predict's time was NumPy converting to float32 on one core).
    Also correct for models built under a distribution strategy, whose
    ``predict_on_batch`` returns one copy of the output per replica in Keras 3.15.
    """
    forward = model.__dict__.get(_TRACED)
    if forward is None:

        def run(x):
            if x.dtype == tf.uint8:
                x = tf.cast(x, tf.float32) * (1 / 255)
            return tf.cast(model(x, training=False), tf.float32)

        forward = tf.function(run, reduce_retracing=True)
        setattr(model, _TRACED, forward)
    return forward


def _probabilities(model: keras.Model, x: np.ndarray) -> np.ndarray:
    step = PREDICT_BATCH
    out = np.concatenate([_forward(model)(x[i : i + step]).numpy() for i in range(0, len(x), step)])
    if not np.all(np.isfinite(out)):
        raise InputError(
            tr(
                "model {model!r} outputs NaN or infinite values: its weights hold NaN or "
                "inf (did training diverge? try a smaller learning rate and train again).",
                model=model.name,
            )
        )
    # A model ending in raw scores (no softmax) would give wrong losses and confidences.
    if out.min() < 0 or np.abs(out.sum(axis=1) - 1).max() > 1e-2:
        raise InputError(
            tr(
                "model {model!r} does not output probabilities (its rows do not sum to "
                "1): its last layer needs activation='softmax'.",
                model=model.name,
            )
        )
    return out


def _model_input(model: keras.Model, images: np.ndarray) -> np.ndarray:
    if images.dtype != np.uint8:
        images = (
            images.astype(np.float32)
            if np.issubdtype(images.dtype, np.floating)
            else (
                images.astype(np.uint8)  # other integer pixels, already checked to be 0-255
            )
        )
    return images.reshape(len(images), *model.input_shape[1:])


def predict(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """The model's probability for each digit, for a batch of images.

    What ``model.predict(x)`` gives, from raw or scaled images in any accepted shape, and
    many times faster: large batches through one traced TensorFlow function, without a
    progress bar.

    Parameters
    ----------
    model : keras.Model
        A trained MNIST model (flat or image input, 10 softmax outputs).
    images : numpy.ndarray
        A batch, (n, 28, 28), (n, 28, 28, 1) or (n, 784); uint8 0-255 or float 0-1.

    Returns
    -------
    numpy.ndarray
        float32 (n, 10); row i is the probability of each digit for image i.
    """
    check_model(model, "predict")
    batch = check_images(images, name="predict", pixels="model")
    return _probabilities(model, _model_input(model, batch))


def predict_digit(model: keras.Model, image: np.ndarray) -> tuple[int, float, np.ndarray]:
    """Classify one image.

    Parameters
    ----------
    model : keras.Model
    image : numpy.ndarray
        One image, (28, 28), (28, 28, 1) or (784,); uint8 0-255 or float 0-1.

    Returns
    -------
    digit : int
        The most probable digit.
    probability : float
        Its probability.
    probabilities : numpy.ndarray
        float32 (10,), all ten.
    """
    check_model(model, "predict_digit")
    one = check_images(image, name="predict_digit", single=True, pixels="model")
    probabilities = _probabilities(model, _model_input(model, one[None]))[0]
    digit = int(probabilities.argmax())
    return digit, float(probabilities[digit]), probabilities


@dataclass(frozen=True)
class Evaluation:
    """Test-set results: loss, accuracy, and the predictions they came from.

    Attributes
    ----------
    loss : float
        Mean categorical cross-entropy over the images.
    penalty : float
        The model's weight penalties (L1/L2 regularisation), which ``model.evaluate``
        adds to its loss; 0 for a model without them.
    accuracy : float
        Fraction of images whose most probable digit is the true one.
    probabilities : numpy.ndarray
        float32 (n, 10), the model's predictions.
    labels : numpy.ndarray
        int64 (n,), the true digits.
    """

    loss: float
    penalty: float
    accuracy: float
    probabilities: np.ndarray
    labels: np.ndarray

    @property
    def total_loss(self) -> float:
        """Cross-entropy plus penalty: the loss ``model.evaluate`` reports."""
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
        n, wrong = len(self.labels), len(self.mistakes)
        penalty = (
            tr(
                " (cross-entropy; with the weight penalty {penalty:.4f}, as model.evaluate "
                "reports it: {total:.4f})",
                penalty=self.penalty,
                total=self.total_loss,
            )
            if self.penalty
            else ""
        )
        return tr(
            "loss {loss:.4f}{penalty}  accuracy {accuracy:.2%}  ({wrong} of {count} wrong)",
            loss=self.loss,
            penalty=penalty,
            accuracy=self.accuracy,
            wrong=wrong,
            count=n,
        )

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Loss and accuracy over ``images``: ``model.evaluate``, keeping the predictions.

    Every number the course reports about a model (notebooks, command line) comes from
    here, so the same model always gets the same figures.

    Parameters
    ----------
    model : keras.Model
    images : numpy.ndarray
        As for :func:`predict`.
    labels : numpy.ndarray
        Digits (n,) or one-hot rows (n, 10).

    Returns
    -------
    Evaluation
        ``loss`` is the cross-entropy alone, ``penalty`` the regularisation that
        ``model.evaluate`` adds (``total_loss`` is their sum); ``probabilities`` are kept
        for further analysis.
    """
    probabilities = predict(model, images)
    penalty = float(sum(float(keras.ops.convert_to_numpy(term)) for term in model.losses))
    return _scored(probabilities, labels, penalty, name="evaluate")


def evaluate_ensemble(
    models: Sequence[keras.Model], images: np.ndarray, labels: np.ndarray
) -> Evaluation:
    """Loss and accuracy of several models voting together: their probabilities averaged.

    Models trained the same way from different seeds make partly different mistakes, so
    the average of their ten probabilities is usually right more often than any one of
    them: a small *ensemble*.

    Parameters
    ----------
    models : sequence of keras.Model
        One or more models, each of any input shape :func:`predict` accepts.
    images, labels : numpy.ndarray
        As for :func:`evaluate`.

    Returns
    -------
    Evaluation
        Of the averaged probabilities; ``penalty`` is 0 (an average is not trained).
    """
    members = check_ensemble(models)
    probabilities = np.mean([predict(model, images) for model in members], axis=0)
    return _scored(probabilities.astype(np.float32), labels, 0.0, name="evaluate_ensemble")


def check_ensemble(models: Sequence[keras.Model]) -> list[keras.Model]:
    """The members of an ensemble, checked: one or more Keras models, no two the same.

    Two members with identical weights (the same model given twice, or the same file loaded
    twice) would count one model's answers twice and make the average mean less than it
    says, so they are refused rather than silently counted.

    Raises
    ------
    InputError
        Not a list of models, or two members with the same architecture and weights.
    """
    members = list(models) if isinstance(models, list | tuple) else None
    if not members:
        raise InputError(
            tr(
                "evaluate_ensemble: give a list of one or more Keras models, got {kind}.",
                kind=type(models).__name__,
            )
        )
    seen: dict[str, int] = {}
    for number, model in enumerate(members, start=1):
        check_model(model, name="evaluate_ensemble")
        earlier = seen.setdefault(weights_fingerprint(model), number)
        if earlier != number:
            raise InputError(
                tr(
                    "evaluate_ensemble: models {first} and {second} are the same model (same "
                    "layers, same weights); an ensemble averages different models, so give "
                    "each model once.",
                    first=earlier,
                    second=number,
                )
            )
    return members


def _scored(probabilities: np.ndarray, labels: np.ndarray, penalty: float, name: str) -> Evaluation:
    digits = check_labels(labels, name=name, count=len(probabilities))
    picked = np.clip(probabilities[np.arange(len(digits)), digits], 1e-7, 1.0)
    loss = float(-np.log(picked).mean())
    accuracy = float((probabilities.argmax(axis=1) == digits).mean())
    return Evaluation(loss, penalty, accuracy, probabilities, digits)


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
    # tf.math.confusion_matrix does the same, but would send two small arrays through
    # TensorFlow for a one-line NumPy count.
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
        lines = [tr("digit  precision  recall     f1  support")]
        for d in range(len(self.support)):
            lines.append(
                f"{d:>5}  {self.precision[d]:>9.3f}  {self.recall[d]:>6.3f}  "
                f"{self.f1[d]:>5.3f}  {self.support[d]:>7}"
            )
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def classification_report(labels: np.ndarray, predictions: np.ndarray) -> ClassificationReport:
    """Precision, recall and F1 for each digit.

    * precision of d: of the images predicted d, the fraction that are d;
    * recall of d: of the images that are d, the fraction predicted d;
    * F1: their harmonic mean. A digit never predicted has precision 0.
    """
    matrix = confusion_matrix(labels, predictions)
    correct = np.diag(matrix).astype(np.float64)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, correct / predicted, 0.0)
        recall = np.where(actual > 0, correct / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return ClassificationReport(precision, recall, f1, actual)


def most_confident_mistakes(
    probabilities: np.ndarray, labels: np.ndarray, count: int = 16
) -> np.ndarray:
    """Indices of the wrong predictions the model was most sure of, most sure first."""
    count = check_count(count, name="most_confident_mistakes", what="count")
    probabilities = check_probabilities(probabilities, name="most_confident_mistakes")
    labels = check_labels(labels, name="most_confident_mistakes", count=len(probabilities))
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:count]


def most_confused_pairs(matrix: np.ndarray, count: int = 5) -> list[tuple[int, int, int]]:
    """The (true digit, predicted digit, count) pairs with the most mistakes, most first."""
    count = check_count(count, name="most_confused_pairs", what="count")
    matrix = check_matrix(matrix, name="most_confused_pairs").copy()
    np.fill_diagonal(matrix, 0)
    order = np.argsort(-matrix, axis=None, kind="stable")[:count]
    pairs = [(int(i // matrix.shape[1]), int(i % matrix.shape[1])) for i in order]
    return [(t, p, int(matrix[t, p])) for t, p in pairs if matrix[t, p] > 0]
