from __future__ import annotations

import functools

import numpy as np
import pytest

import mnist_course as mc
from mnist_course.backend import keras
from mnist_course.exercises import checkers as ex


@pytest.fixture
def images(tiny_mnist) -> np.ndarray:
    return tiny_mnist["x_test"]


def test_untouched_exercises_say_not_attempted(images) -> None:
    for feedback in (
        ex.check_flatten_and_scale(None, images),
        ex.check_one_hot(None, [1]),
        ex.check_mlp(None),
        ex.check_dense_parameters(None, 784, 64),
        ex.check_compiled(None),
        ex.check_most_confused_pair(None, [1], [1]),
    ):
        assert feedback.status == "not attempted" and not feedback.correct
        assert "not attempted yet" in str(feedback) and "Replace the None" in str(feedback)
    # a model stored from model.compile(...), which returns None, looks untouched: said so
    assert "model.compile() returns None" in str(ex.check_compiled(None))
    assert "returns None" not in str(ex.check_mlp(None))


def test_flatten_and_scale(images) -> None:
    right = images.reshape(20, 784).astype("float32") / 255
    assert ex.check_flatten_and_scale(right, images).correct
    unscaled = ex.check_flatten_and_scale(images.reshape(20, 784).astype("float32"), images)
    assert not unscaled.correct and "divide by 255" in str(unscaled)
    assert "shape" in str(unscaled.good)
    wrong_shape = ex.check_flatten_and_scale(images / 255, images)
    assert "expected (20, 784)" in str(wrong_shape) and "reshape" in wrong_shape.hint
    float64 = ex.check_flatten_and_scale(images.reshape(20, 784) / 255, images)
    assert not float64.correct and "asks for float32" in str(float64)
    assert "float64" in float64.hint
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


def test_mean_image(tiny_mnist) -> None:
    images, labels = tiny_mnist["x_train"], tiny_mnist["y_train"]
    sevens = images[labels == 7]
    assert ex.check_mean_image(sevens.mean(axis=0), images, labels, 7).correct
    assert ex.check_mean_image((sevens / 255).mean(axis=0), images, labels, 7).correct
    everything = ex.check_mean_image(images.mean(axis=0), images, labels, 7)
    assert "every digit" in str(everything) and "labels == 7" in everything.hint
    one_number = ex.check_mean_image(sevens.mean(), images, labels, 7)
    assert "expected (28, 28)" in str(one_number) and "one number" in one_number.hint
    assert "axis=0" in ex.check_mean_image(sevens.mean(axis=1), images, labels, 7).hint
    eights = images[labels == 8].mean(axis=0)
    assert "not the average of the 7s" in str(ex.check_mean_image(eights, images, labels, 7))
    assert "expected an image" in str(ex.check_mean_image({"a": 1}, images, labels, 7))


def test_mlp_checker() -> None:
    assert ex.check_mlp(mc.tiny_mlp()).correct
    wrong = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(15, activation="relu"), keras.layers.Dense(10)]
    )
    feedback = ex.check_mlp(wrong)
    assert not feedback.correct and "softmax" in str(feedback)
    assert "Dense layers of [15, 10] units" in feedback.good
    assert "expected [15, 10]" in str(ex.check_mlp(mc.tiny_mlp(hidden_units=32)))
    assert "Keras model" in str(ex.check_mlp("model"))
    deeper = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    feedback = ex.check_mlp(deeper, hidden_units=(64, 64))
    assert feedback.correct and "55,050 parameters" in feedback.good
    assert not ex.check_mlp(deeper).correct


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


def real_history(optimizer: str, val_accuracy: list[float], steps: int = 3):
    """A real History of a real model whose optimizer took the steps the History records."""
    model = mc.tiny_mlp()
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(len(val_accuracy) * steps)
    history = keras.callbacks.History()
    history.set_model(model)
    history.set_params({"epochs": len(val_accuracy), "steps": steps, "verbose": 0})
    history.history = {"loss": [1.0] * len(val_accuracy), "val_accuracy": list(val_accuracy)}
    return history


def test_optimizer_comparison_compares_epoch_by_epoch() -> None:
    base = real_history("rmsprop", [0.95, 0.96, 0.97, 0.975, 0.976, 0.977, 0.978, 0.979])
    adam = real_history("adam", [0.96, 0.965, 0.96, 0.97, 0.98])
    feedback = ex.check_optimizer_comparison(adam, base)
    assert feedback.correct, str(feedback)
    text = str(feedback)
    # compared over the 5 epochs both ran, not Adam's 5th against RMSprop's 8th
    assert "over the 5 epochs both ran, Adam was ahead after 3 of them" in text
    assert "epoch 5: 98.00% against 97.60% for RMSprop" in text


def test_optimizer_comparison_checks_the_optimizer_and_the_epochs() -> None:
    base = real_history("rmsprop", [0.95] * 5)
    same = str(ex.check_optimizer_comparison(real_history("rmsprop", [0.96] * 5), base))
    assert "not Adam" in same and "RMSprop too" in same
    short = ex.check_optimizer_comparison(real_history("adam", [0.96, 0.97]), base)
    assert not short.correct and "at least 3" in str(short)
    assert "did training run" in str(
        ex.check_optimizer_comparison(real_history("adam", [0.3] * 5), base)
    )
    assert "History" in str(ex.check_optimizer_comparison({"val_accuracy": [0.9]}, base))


def test_optimizer_comparison_trusts_only_a_real_history_of_a_trained_model() -> None:
    from types import SimpleNamespace

    base = real_history("rmsprop", [0.95] * 5)
    honest = real_history("adam", [0.96] * 5)
    assert ex.check_optimizer_comparison(honest, base).correct
    forged = SimpleNamespace(history=honest.history, model=honest.model, params=honest.params)
    assert "History that model.fit returns" in str(ex.check_optimizer_comparison(forged, base))
    untrained = real_history("adam", [0.96] * 5)
    untrained.model.optimizer.iterations.assign(2)  # claims 5 epochs of 3 steps: 15
    text = str(ex.check_optimizer_comparison(untrained, base))
    assert "iterations is 2, less than the 5 x 3 steps" in text
    aliased = real_history("adam", [0.96] * 5)
    aliased.history = {"loss": [1.0] * 5, "val_acc": [0.96] * 5}  # metrics=["acc"]
    assert ex.check_optimizer_comparison(aliased, base).correct
    assert "same model" in str(ex.check_optimizer_comparison(base, base))


def test_most_confused_pair() -> None:
    labels = np.array([4, 4, 4, 9, 7])
    predictions = np.array([9, 9, 4, 4, 1])
    assert ex.check_most_confused_pair((4, 9), labels, predictions).correct
    assert "wrong way round" in str(ex.check_most_confused_pair((9, 4), labels, predictions))
    text = str(ex.check_most_confused_pair((7, 1), labels, predictions))
    assert "happened 1 time; another pair happened 2 times" in text
    assert "pair" in str(ex.check_most_confused_pair(4, labels, predictions))
    perfect = np.arange(10)
    assert not ex.check_most_confused_pair((-1, 5), perfect, perfect).correct
    empty = str(ex.check_most_confused_pair(np.array([]), labels, predictions))
    assert "got an object of type ndarray with 0 items" in empty


def test_confident_accuracy() -> None:
    # 3 sure and right, 1 sure and wrong, 2 unsure and right, 1 unsure and wrong
    top = np.array([0.995, 0.999, 0.991, 0.999, 0.6, 0.7, 0.5])
    probabilities = np.zeros((7, 10))
    probabilities[:, 0], probabilities[:, 1] = top, 1 - top
    labels = np.array([0, 0, 0, 1, 0, 0, 1])
    feedback = ex.check_confident_accuracy(3 / 4, probabilities, labels)
    assert feedback.correct and "on the 4 images (57%)" in str(feedback)
    assert "every image" in str(ex.check_confident_accuracy(5 / 7, probabilities, labels))
    assert "share of images" in str(ex.check_confident_accuracy(4 / 7, probabilities, labels))
    assert "percentage" in str(ex.check_confident_accuracy(75, probabilities, labels))
    assert "expected a number" in str(ex.check_confident_accuracy("high", probabilities, labels))


def test_a_pass_says_what_the_checker_could_not_see() -> None:
    passed = ex.check_dense_parameters(784 * 64 + 64, 784, 64)
    assert passed.correct and str(passed).endswith("(Not checked: how you counted.)")
    failed = ex.check_dense_parameters(1, 784, 64)
    assert "Not checked" not in str(failed)  # a wrong answer has better things to say
    history = real_history("adam", [0.96] * 5)
    compared = ex.check_optimizer_comparison(history, real_history("rmsprop", [0.95] * 5))
    assert "Not checked: the learning rate and the images each run used" in str(compared)


def test_a_notebook_shows_feedback_and_results_as_their_text() -> None:
    # IPython prefers a class's own __repr__ (a dataclass has one) to an inherited
    # _repr_pretty_: what a learner sees must be the sentence, not the dataclass fields
    from IPython.lib.pretty import pretty

    from mnist_course.evaluation.metrics import Evaluation
    from mnist_course.exercises.feedback import Feedback

    shown = [
        Feedback("The average 7", "not attempted"),
        Evaluation(0.1, 0.0, 0.9, np.eye(10, dtype="float32"), np.arange(10)),
        mc.classification_report(np.arange(10), np.arange(10)),
    ]
    for result in shown:
        assert pretty(result) == str(result)
        assert "(" not in pretty(result).split("\n")[0][:12], pretty(result)


def test_compiled_names_the_slips_its_exercise_warns_about() -> None:
    model = mc.tiny_mlp()
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalCrossentropy, metrics=["accuracy"])
    feedback = ex.check_compiled(model)
    assert not feedback.correct and "a class, not an object" in str(feedback)
    assert "CategoricalCrossentropy()" in feedback.hint
    adam = mc.compile_model(mc.tiny_mlp(), optimizer=keras.optimizers.Adam())
    asked = ex.check_compiled(adam, optimizer="SGD")
    assert not asked.correct and "the optimizer is Adam; the exercise asks for SGD" in str(asked)
    sgd = mc.compile_model(mc.tiny_mlp(), optimizer=keras.optimizers.SGD(0.1))
    assert ex.check_compiled(sgd, optimizer="SGD").correct
    exact = mc.tiny_mlp()
    exact.compile(loss="categorical_crossentropy", metrics=[keras.metrics.Accuracy()])
    assert "CategoricalAccuracy()" in str(ex.check_compiled(exact))


def test_flatten_and_scale_names_overwritten_images_and_scaling_twice(images) -> None:
    right = images.reshape(20, 784).astype("float32") / 255
    overwritten = ex.check_flatten_and_scale(right, right)  # x_test = x_test / 255 ran first
    assert not overwritten.correct and "already scaled" in str(overwritten)
    assert "load_mnist" in overwritten.hint
    twice = ex.check_flatten_and_scale(right / 255, images)
    assert not twice.correct and "divided by 255 twice" in str(twice)


def test_confident_accuracy_takes_an_answer_copied_from_a_printout() -> None:
    probabilities = np.zeros((10, 10))
    probabilities[:9, 0], probabilities[9, 0] = 1.0, 0.5  # 9 sure, 7 of them right: 0.7777...
    probabilities[9, 1] = 0.5
    labels = np.array([0] * 7 + [1, 1, 0])
    check = functools.partial(
        ex.check_confident_accuracy, probabilities=probabilities, labels=labels
    )
    assert check(0.7778).correct and check(7 / 9).correct
    assert "percentage" in str(check(77.78))
    rounded = check(0.78)
    assert (
        not rounded.correct and "rounded too far" in str(rounded) and "4 decimals" in rounded.hint
    )
    assert "0.5 is not it" in str(check(0.5)) and "8961 is not it" in str(check(8961))


def test_optimizer_comparison_of_one_epoch_says_it_once() -> None:
    one = ex.check_optimizer_comparison(
        real_history("adam", [0.96]), real_history("rmsprop", [0.95])
    )
    text = str(one)
    assert "1 epoch; train at least 3" in text and "1 epochs" not in text
    assert "after the one epoch both ran: 96.00% for Adam against 95.00%" in text


def test_mean_image_names_a_rounded_average_and_an_empty_selection(tiny_mnist) -> None:
    images, labels = tiny_mnist["x_train"], tiny_mnist["y_train"]
    average = images[labels == 7].mean(axis=0)
    rounded = ex.check_mean_image(average.astype("uint8"), images, labels, 7)
    assert not rounded.correct and "keeps its fractions" in str(rounded)
    nothing = ex.check_mean_image(np.full((28, 28), np.nan), images, labels, 7)
    assert "average of no images" in str(nothing) and "not the text '7'" in nothing.hint


def test_mlp_without_relu_is_pointed_at_its_hidden_layers() -> None:
    plain = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(15), keras.layers.Dense(10, activation="softmax")]
    )
    feedback = ex.check_mlp(plain)
    assert not feedback.correct and "activation='relu'" in feedback.hint


def test_checkers_judge_in_the_learners_own_precision(tiny_mnist) -> None:
    p16 = np.full((3, 10), 0.01, np.float16)
    p16[:, 0] = 0.9  # float16's 0.9 is 0.8999: at least 0.9 in float16, as the learner sees
    sure = ex.check_confident_accuracy(1.0, p16, np.zeros(3, int), threshold=0.9)
    assert sure.correct, str(sure)
    images, labels = tiny_mnist["x_train"], tiny_mnist["y_train"]
    average = (images[labels == 7] / 255).mean(axis=0).astype(np.float16)
    assert ex.check_mean_image(average, images, labels, 7).correct
    import tensorflow as tf

    assert ex.check_dense_parameters(tf.constant(7850), 784, 10).correct
    assert not ex.check_dense_parameters(np.timedelta64(7850), 784, 10).correct
