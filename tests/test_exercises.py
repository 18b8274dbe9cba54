from __future__ import annotations

import numpy as np
import pytest

import mnist_course as mc
from mnist_course import exercises as ex
from mnist_course._backend import keras


@pytest.fixture
def images(tiny_mnist) -> np.ndarray:
    return tiny_mnist["x_test"]


def test_untouched_exercises_say_not_attempted(images) -> None:
    for feedback in (
        ex.check_flatten_and_scale(None, images),
        ex.check_one_hot(None, [1]),
        ex.check_tiny_mlp(None),
        ex.check_dense_parameters(None, 784, 64),
        ex.check_compiled(None),
        ex.check_most_confused_pair(None, [1], [1]),
    ):
        assert feedback.status == "not attempted" and not feedback.correct
        assert "not attempted yet" in str(feedback) and "Replace the None" in str(feedback)


def test_flatten_and_scale(images) -> None:
    right = images.reshape(20, 784).astype("float32") / 255
    assert ex.check_flatten_and_scale(right, images).correct
    unscaled = ex.check_flatten_and_scale(images.reshape(20, 784).astype("float32"), images)
    assert not unscaled.correct and "divide by 255" in str(unscaled)
    assert "shape" in str(unscaled.good)
    wrong_shape = ex.check_flatten_and_scale(images / 255, images)
    assert "expected (20, 784)" in str(wrong_shape) and "reshape" in wrong_shape.hint
    integer = ex.check_flatten_and_scale(images.reshape(20, 784) // 255, images)
    assert "integers cannot hold" in str(integer)
    scrambled = ex.check_flatten_and_scale(right[:, ::-1], images)
    assert not scrambled.correct and "not the right places" in str(scrambled)


def test_one_hot() -> None:
    labels = np.array([3, 0, 9])
    assert ex.check_one_hot(np.eye(10)[labels], labels).correct
    shifted = ex.check_one_hot(np.eye(10)[labels - 1], labels)
    assert "shifted by one" in str(shifted)
    assert "shape" in str(ex.check_one_hot(np.eye(10)[labels][:, :9], labels))


def test_digit_count(tiny_mnist) -> None:
    labels = tiny_mnist["y_train"]
    assert ex.check_digit_count(5, labels, 7).correct
    assert "too many" in str(ex.check_digit_count(6, labels, 7))
    assert "whole number" in str(ex.check_digit_count("five", labels, 7))


def test_tiny_mlp_checker() -> None:
    assert ex.check_tiny_mlp(mc.tiny_mlp()).correct
    wrong = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(15, activation="relu"), keras.layers.Dense(10)]
    )
    feedback = ex.check_tiny_mlp(wrong)
    assert not feedback.correct and "softmax" in str(feedback)
    assert "two Dense layers of 15 and 10 units" in feedback.good
    assert "expected [15, 10]" in str(ex.check_tiny_mlp(mc.tiny_mlp(hidden_units=32)))
    assert "Keras model" in str(ex.check_tiny_mlp("model"))


def test_parameter_counts() -> None:
    assert ex.check_dense_parameters(784 * 64 + 64, 784, 64).correct
    assert "also has a bias" in str(ex.check_dense_parameters(784 * 64, 784, 64))
    assert ex.check_conv_parameters(880, 3, 6, 16).correct
    assert "all 6 input channels" in str(ex.check_conv_parameters(160, 3, 6, 16))
    assert not ex.check_conv_parameters(881, 3, 6, 16).correct


def test_compiled() -> None:
    assert ex.check_compiled(mc.compile_model(mc.tiny_mlp())).correct
    assert "not compiled" in str(ex.check_compiled(mc.tiny_mlp()))
    model = mc.tiny_mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    feedback = ex.check_compiled(model)
    assert "the loss is" in str(feedback) and "accuracy is not among" in str(feedback)


def test_optimizer_comparison() -> None:
    base = {"val_accuracy": [0.95, 0.97]}
    assert ex.check_optimizer_comparison({"val_accuracy": [0.96, 0.98]}, base).correct
    assert "not better than" in str(ex.check_optimizer_comparison({"val_accuracy": [0.96]}, base))
    assert "is low" in str(ex.check_optimizer_comparison({"val_accuracy": [0.3]}, base))
    assert "History" in str(ex.check_optimizer_comparison({"loss": [1.0]}, base))


def test_most_confused_pair() -> None:
    labels = np.array([4, 4, 4, 9, 7])
    predictions = np.array([9, 9, 4, 4, 1])
    assert ex.check_most_confused_pair((4, 9), labels, predictions).correct
    assert "wrong way round" in str(ex.check_most_confused_pair((9, 4), labels, predictions))
    assert "happened 1 times" in str(ex.check_most_confused_pair((7, 1), labels, predictions))
    assert "pair" in str(ex.check_most_confused_pair(4, labels, predictions))


def test_accuracy_from_matrix() -> None:
    matrix = np.diag([5, 5]) + np.array([[0, 2], [0, 0]])
    assert ex.check_accuracy_from_matrix(10 / 12, matrix).correct
    assert "percentage" in str(ex.check_accuracy_from_matrix(100 * 10 / 12, matrix))
    assert "diagonal" in str(ex.check_accuracy_from_matrix(0.5, matrix))
