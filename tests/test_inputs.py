"""One definition of an MNIST array: every public entry point refuses bad input the same way.

Each malformed input is handed to every function that takes images (or labels); all must
raise InputError with the same message, apart from the function's name at its start.
"""

from __future__ import annotations

import numpy as np
import pytest

import mnist_course as mc
from mnist_course import InputError
from mnist_course.data.arrays import check_images, check_labels

GOOD = np.zeros((4, 28, 28), np.uint8)
DIGITS = np.array([0, 1, 2, 3])


@pytest.fixture(scope="module")
def models():
    return {"flat": mc.compile_model(mc.tiny_mlp()), "image": mc.compile_model(mc.lenet())}


def batch_entry_points(models):
    """name -> call(images), for every public function taking a batch of images."""
    flat, image = models["flat"], models["image"]
    quiet = mc.EpochLog(lambda line: None)
    return {
        "flatten": mc.flatten,
        "to_images": mc.to_images,
        "scale": mc.scale,
        "prepare": mc.prepare,
        "summarize": lambda x: mc.summarize(x, DIGITS),
        "plot_digits": mc.plot_digits,
        "plot_mistakes": lambda x: mc.plot_mistakes(x, DIGITS, np.eye(10)[DIGITS], [0]),
        "predict": lambda x: mc.predict(flat, x),
        "predict (LeNet)": lambda x: mc.predict(image, x),
        "evaluate": lambda x: mc.evaluate(flat, x, DIGITS),
        "train": lambda x: mc.train(flat, x, DIGITS, epochs=1, progress=quiet),
        "train_course_model": lambda x: mc.train_course_model("tiny-mlp", x, DIGITS, epochs=1),
        "DatasetBrowser": lambda x: mc.DatasetBrowser(x, DIGITS),
        "PredictionExplorer": lambda x: mc.PredictionExplorer(flat, x, DIGITS),
    }


def single_entry_points(models):
    flat, image = models["flat"], models["image"]
    return {
        "predict_digit": lambda x: mc.predict_digit(flat, x),
        "plot_pixels": mc.plot_pixels,
        "plot_prediction": lambda x: mc.plot_prediction(x, np.full(10, 0.1)),
        "feature_maps": lambda x: mc.feature_maps(image, x, "conv_1"),
        "plot_feature_maps": lambda x: mc.plot_feature_maps(x, np.zeros((26, 26, 6))),
    }


def label_entry_points(models):
    flat = models["flat"]
    quiet = mc.EpochLog(lambda line: None)
    return {
        "one_hot": mc.one_hot,
        "prepare": lambda y: mc.prepare(GOOD, y),
        "summarize": lambda y: mc.summarize(GOOD, y),
        "evaluate": lambda y: mc.evaluate(flat, GOOD, y),
        "train": lambda y: mc.train(flat, GOOD, y, epochs=1, progress=quiet),
        "confusion_matrix": lambda y: mc.confusion_matrix(y, DIGITS),
        "most_confident_mistakes": lambda y: mc.most_confident_mistakes(np.eye(10)[DIGITS], y),
        "plot_label_counts": mc.plot_label_counts,
        "plot_digits": lambda y: mc.plot_digits(GOOD, y),
        "DatasetBrowser": lambda y: mc.DatasetBrowser(GOOD, y),
        "PredictionExplorer": lambda y: mc.PredictionExplorer(flat, GOOD, y),
    }


def message_without_name(call, value) -> str:
    with pytest.raises(InputError) as info:
        call(value)
    text = str(info.value)
    assert ": " in text, text
    return text.split(": ", 1)[1]


BAD_BATCHES = {
    "wrong size": np.zeros((4, 27, 27), np.uint8),
    "colour": np.zeros((4, 28, 28, 3), np.uint8),
    "one image": np.zeros((28, 28), np.uint8),
    "empty": np.zeros((0, 28, 28), np.uint8),
    "bool": np.zeros((4, 28, 28), bool),
    "text": np.full((4, 784), "a"),
    "complex": np.zeros((4, 784), complex),
    "timedelta": np.zeros((4, 784), "timedelta64[s]"),
    "ragged list": [[0] * 784, [0] * 783],
    "NaN": np.full((4, 784), np.nan, np.float32),
    "infinite": np.full((4, 28, 28), np.inf),
    "negative integers": np.full((4, 784), -3, np.int64),
    "integers over 255": np.full((4, 784), 300, np.int16),
    "uint16 over 255": np.full((4, 784), 40000, np.uint16),
}


@pytest.mark.parametrize("bad", BAD_BATCHES, ids=list(BAD_BATCHES))
def test_every_batch_entry_point_gives_the_same_error(models, bad) -> None:
    calls = batch_entry_points(models)
    if bad == "one image":  # scale also takes one image, on purpose
        calls.pop("scale")
    messages = {name: message_without_name(call, BAD_BATCHES[bad]) for name, call in calls.items()}
    assert len(set(messages.values())) == 1, messages
    expected = message_without_name(lambda x: check_images(x), BAD_BATCHES[bad])
    assert set(messages.values()) == {expected}


BAD_SINGLES = {
    "a batch of 3": np.zeros((3, 28, 28), np.uint8),
    "wrong size": np.zeros((100, 100), np.uint8),
    "colour": np.zeros((28, 28, 3), np.uint8),
    "NaN": np.full((28, 28), np.nan),
    "text": np.full((28, 28), "x"),
}


@pytest.mark.parametrize("bad", BAD_SINGLES, ids=list(BAD_SINGLES))
def test_every_single_image_entry_point_gives_the_same_error(models, bad) -> None:
    messages = {
        name: message_without_name(call, BAD_SINGLES[bad])
        for name, call in single_entry_points(models).items()
    }
    assert len(set(messages.values())) == 1, messages


def test_a_batch_of_one_is_one_image_everywhere(models) -> None:
    one = np.zeros((1, 28, 28), np.uint8)
    for call in single_entry_points(models).values():
        call(one)  # no error


BAD_LABELS = {
    "wrong count": np.array([0, 1, 2]),
    "outside 0-9": np.array([0, 1, 2, 10]),
    "negative": np.array([0, -1, 2, 3]),
    "fractions": np.array([0.5, 1, 2, 3]),
    "NaN": np.array([np.nan, 1, 2, 3]),
    "complex": np.array([0, 1, 2, 3], complex),
    "datetime": np.array([0, 1, 2, 3], "datetime64[D]"),
    "bool": np.array([True, False, True, False]),
    "text": np.array(["0", "1", "2", "3"]),
    "2-D": np.zeros((4, 3), np.int64),
    "ragged list": [[0], [1, 2], 3, 4],
    "empty": np.array([], np.int64),
}


@pytest.mark.parametrize("bad", BAD_LABELS, ids=list(BAD_LABELS))
def test_every_label_entry_point_gives_the_same_error(models, bad) -> None:
    calls = label_entry_points(models)
    if bad in ("wrong count", "empty"):
        # these take labels alone, with no images to count them against
        for name in ("one_hot", "plot_label_counts", "confusion_matrix"):
            calls.pop(name)
    if bad == "empty":
        calls = {"one_hot": mc.one_hot, "plot_label_counts": mc.plot_label_counts}
    messages = {name: message_without_name(call, BAD_LABELS[bad]) for name, call in calls.items()}
    assert len(set(messages.values())) == 1, messages
    if bad not in ("wrong count",):
        expected = message_without_name(lambda y: check_labels(y), BAD_LABELS[bad])
        assert set(messages.values()) == {expected}


def test_floats_holding_whole_numbers_are_labels_everywhere(models) -> None:
    as_float = DIGITS.astype(np.float32)
    np.testing.assert_array_equal(mc.one_hot(as_float), mc.one_hot(DIGITS))
    np.testing.assert_array_equal(mc.confusion_matrix(as_float, DIGITS), np.diag([1] * 4 + [0] * 6))
    assert mc.evaluate(models["flat"], GOOD, as_float).labels.tolist() == DIGITS.tolist()


def test_the_two_pixel_ranges() -> None:
    # raw: 0-255 whatever the dtype (so scaled images pass too); model: uint8 or [0, 1]
    check_images(np.full((2, 784), 200.0))
    check_images(np.full((2, 784), 0.5), pixels="model")
    check_images(np.full((2, 784), 200, np.int32), pixels="model")
    with pytest.raises(InputError, match=r"reads uint8 pixels 0-255 or float pixels scaled"):
        check_images(np.full((2, 784), 200.0), pixels="model")
    with pytest.raises(InputError, match=r"pixels are raw 0-255 \(uint8\) or scaled 0-1"):
        check_images(np.full((2, 784), 256.0))
