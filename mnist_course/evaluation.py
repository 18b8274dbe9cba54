"""How good is a trained model, and where is it wrong?

Every function that takes images checks them here, at the boundary, so a learner who passes
an RGB picture, a NaN, a batch where one image was expected (or the reverse) gets a message
that says what was expected, not a traceback from inside TensorFlow.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ._backend import keras, tf
from .data import NUM_CLASSES
from .errors import InputError

__all__ = [
    "predict",
    "predict_digit",
    "evaluate",
    "Evaluation",
    "confusion_matrix",
    "classification_report",
    "ClassificationReport",
    "most_confident_mistakes",
    "most_confused_pairs",
    "feature_maps",
    "check_images",
]

# Large batches amortise the per-call overhead: measured 620k images/s for the MLP and 116k
# for LeNet on 2 CPU cores, against 20k for model.predict's default batch of 32.
PREDICT_BATCH = 8192
_FORWARD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _forward(model: keras.Model):
    """The model's inference pass, traced once per model as a TensorFlow graph.

    Takes float32 inputs in [0, 1] or raw uint8 pixels, which it scales inside the graph:
    TensorFlow converts on every core, and a quarter of the bytes cross into it (measured
    on the MLP: most of predict's time was NumPy converting to float32 on one core).
    Also correct for models built under a distribution strategy, whose
    ``predict_on_batch`` returns one copy of the output per replica in Keras 3.15.
    """
    forward = _FORWARD.get(model)
    if forward is None:

        def run(x):
            if x.dtype == tf.uint8:
                x = tf.cast(x, tf.float32) * (1 / 255)
            return tf.cast(model(x, training=False), tf.float32)

        forward = tf.function(run, reduce_retracing=True)
        _FORWARD[model] = forward
    return forward


def _scaled(pixels: np.ndarray) -> np.ndarray:
    return np.multiply(pixels, np.float32(1 / 255), dtype=np.float32)


def check_images(images: np.ndarray, *, single: bool = False) -> np.ndarray:
    """Validate MNIST-style images and return them as float32 in [0, 1], shape (n, 28, 28).

    Parameters
    ----------
    images : numpy.ndarray
        A batch (n, 28, 28), (n, 28, 28, 1) or (n, 784); or with ``single=True`` one
        image (28, 28), (28, 28, 1) or (784,). uint8 (or other integer) values are raw
        pixels 0-255; float values must already be scaled to [0, 1].
    single : bool
        Whether one image is expected rather than a batch.

    Raises
    ------
    InputError
        Saying what shape and range is expected and what was given.
    """
    return _pixels(images, single=single, raw=False)


def _pixels(images: np.ndarray, *, single: bool, raw: bool) -> np.ndarray:
    """:func:`check_images`, but with ``raw=True`` uint8 and other integer pixels come
    back as uint8 for the model's traced pass to scale, which is faster."""
    array = np.asarray(images)
    expect = (
        "one image shaped (28, 28), (28, 28, 1) or (784,)"
        if single
        else "a batch of images shaped (n, 28, 28), (n, 28, 28, 1) or (n, 784)"
    )
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise InputError(f"expected {expect} of numbers; got dtype {array.dtype}.")
    shape = array.shape
    if shape[-1:] in ((3,), (4,)) and len(shape) >= 3 and shape[-3:-1] == (28, 28):
        raise InputError(
            f"got shape {shape}: a colour (RGB/RGBA) image. MNIST models read grey images; "
            "convert it with mc.to_mnist_image(image)."
        )
    one = {(28, 28), (28, 28, 1), (784,)}
    many = len(shape) >= 2 and shape[1:] in one and len(shape) in (2, 3, 4)
    if single:
        if shape not in one:
            hint = (
                f" That is a batch of {shape[0]}; use mc.predict for a batch, or pick one "
                "image: images[0]."
                if many
                else " For a photo or drawing of another size, use mc.to_mnist_image(image)."
            )
            raise InputError(f"expected {expect}; got shape {shape}.{hint}")
        array = array.reshape(1, 28, 28)
    else:
        if shape in one and shape != (784,) and len(shape) == 2:
            raise InputError(
                f"expected {expect}; got shape {shape}, a single image. Use "
                "mc.predict_digit(model, image), or make a batch of one: image[None]."
            )
        if not many or shape == (28, 28, 1):
            raise InputError(f"expected {expect}; got shape {shape}.")
        array = array.reshape(len(array), 28, 28)
    if len(array) == 0:
        raise InputError("got an empty batch (0 images).")
    if np.issubdtype(array.dtype, np.integer):
        if array.dtype != np.uint8:  # uint8 cannot leave 0-255, so it skips the scan
            low, high = int(array.min()), int(array.max())
            if low < 0 or high > 255:
                raise InputError(f"integer pixels must be 0-255; got values from {low} to {high}.")
        return array.astype(np.uint8, copy=False) if raw else _scaled(array)
    if not np.all(np.isfinite(array)):
        raise InputError("the images contain NaN or infinite values.")
    low, high = float(array.min()), float(array.max())
    if low < 0 or high > 1:
        raise InputError(
            f"float pixels must be scaled to [0, 1]; got values from {low:g} to {high:g}. "
            "For raw 0-255 pixels pass a uint8 array (or divide by 255)."
        )
    return array.astype(np.float32)


def _model_input(model: keras.Model, images: np.ndarray) -> np.ndarray:
    expected = tuple(model.input_shape[1:])
    if expected == (784,):
        return images.reshape(len(images), 784)
    if expected == (28, 28, 1):
        return images[..., np.newaxis]
    if expected == (28, 28):
        return images
    raise InputError(
        f"model {model.name!r} expects inputs of shape {expected}, not MNIST images "
        "(28, 28, 1) or (784,). Is it an MNIST model?"
    )


def predict(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """The model's probability for each digit, for a batch of images.

    Runs large batches through one traced TensorFlow function, many times faster than
    ``model.predict`` with its default batch of 32 and progress bar.

    Parameters
    ----------
    model : keras.Model
        A trained course model (flat or image input).
    images : numpy.ndarray
        (n, 28, 28), (n, 28, 28, 1) or (n, 784); uint8 0-255 or float 0-1.

    Returns
    -------
    numpy.ndarray
        float32 (n, 10); row i is the probability of each digit for image i.
    """
    x = _model_input(model, _pixels(images, single=False, raw=True))
    forward = _forward(model)
    step = PREDICT_BATCH
    chunks = [forward(x[i : i + step]).numpy() for i in range(0, len(x), step)]
    return np.concatenate(chunks)


def predict_digit(model: keras.Model, image: np.ndarray) -> tuple[int, float, np.ndarray]:
    """Classify one image.

    Returns
    -------
    digit : int
        The most probable digit.
    probability : float
        Its probability.
    probabilities : numpy.ndarray
        float32 (10,), all ten.
    """
    x = _model_input(model, check_images(image, single=True))
    probabilities = _forward(model)(x).numpy()[0].astype(np.float32)
    digit = int(probabilities.argmax())
    return digit, float(probabilities[digit]), probabilities


def _labels(labels: np.ndarray, n: int | None = None) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == NUM_CLASSES:
        labels = labels.argmax(axis=1)
    if labels.ndim != 1 or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
        raise InputError(
            f"labels: expected digits 0-9 shaped (n,); got {labels.shape} {labels.dtype}."
        )
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise InputError("labels: expected digits 0-9.")
    if n is not None and len(labels) != n:
        raise InputError(f"got {n} images but {len(labels)} labels.")
    return labels.astype(np.int64)


@dataclass(frozen=True)
class Evaluation:
    """Test-set results: loss, accuracy, and the predictions they came from."""

    loss: float
    accuracy: float
    probabilities: np.ndarray
    labels: np.ndarray

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
        return f"loss {self.loss:.4f}  accuracy {self.accuracy:.2%}  ({wrong} of {n} wrong)"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Test loss (mean categorical cross-entropy) and accuracy over ``images``.

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
        ``loss`` and ``accuracy`` match ``model.evaluate`` without regularisation
        penalties; ``probabilities`` are kept for further analysis.
    """
    probabilities = predict(model, images)
    labels = _labels(labels, len(probabilities))
    picked = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    loss = float(-np.log(picked).mean())
    accuracy = float((probabilities.argmax(axis=1) == labels).mean())
    return Evaluation(loss, accuracy, probabilities, labels)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Count how often each true digit (row) was predicted as each digit (column).

    Returns
    -------
    numpy.ndarray
        int64 (10, 10); the diagonal holds the correct answers.
    """
    labels = _labels(labels)
    predictions = _labels(predictions, len(labels))
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


@dataclass(frozen=True)
class ClassificationReport:
    """Per-digit precision, recall, F1 and support (number of true examples)."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    def __str__(self) -> str:
        lines = ["digit  precision  recall     f1  support"]
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
    probabilities = np.asarray(probabilities)
    labels = _labels(labels, len(probabilities))
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:count]


def most_confused_pairs(matrix: np.ndarray, count: int = 5) -> list[tuple[int, int, int]]:
    """The (true digit, predicted digit, count) pairs with the most mistakes, most first."""
    matrix = np.asarray(matrix).copy()
    np.fill_diagonal(matrix, 0)
    order = np.argsort(-matrix, axis=None, kind="stable")[:count]
    pairs = [(int(i // matrix.shape[1]), int(i % matrix.shape[1])) for i in order]
    return [(t, p, int(matrix[t, p])) for t, p in pairs if matrix[t, p] > 0]


def feature_maps(model: keras.Model, image: np.ndarray, layer: str) -> np.ndarray:
    """What one layer outputs for one image: e.g. a convolution's feature maps.

    Parameters
    ----------
    model : keras.Model
        A built Sequential course model.
    image : numpy.ndarray
        One image, as for :func:`predict_digit`.
    layer : str
        The layer's name, e.g. ``"conv_1"``.

    Returns
    -------
    numpy.ndarray
        float32, the layer's output without the batch axis, e.g. (26, 26, 6).
    """
    names = [item.name for item in model.layers]
    if layer not in names:
        raise InputError(f"model {model.name!r} has no layer {layer!r}; it has {', '.join(names)}.")
    x = _model_input(model, check_images(image, single=True))
    probe = keras.Model(model.inputs[0], model.get_layer(layer).output)
    return np.asarray(probe(x, training=False))[0].astype(np.float32)
