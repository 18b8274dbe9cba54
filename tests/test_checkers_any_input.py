"""Every checker, any answer: feedback, never a traceback, and never a near miss called correct.

Hypothesis draws answers from the classes a mischievous (or simply confused) learner would
try: wrong types, text, ragged lists, arrays of any shape and dtype, NaN and infinities,
forged look-alike objects, and near misses (smoothed one-hot rows, fractional counts,
models with one layer too many). For each, the checker must return :class:`Feedback`,
print no NaN or ``inf``, and never reach its own "could not read" fallback, which would
mean a class of answers it does not handle on purpose.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import mnist_course as mc
from mnist_course.backend import keras
from mnist_course.exercises import checkers as ex
from mnist_course.exercises.feedback import CHECKER_FAILED, Feedback

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
LABELS = np.arange(12) % 10
PROBABILITIES = np.full((12, 10), 0.05)
PROBABILITIES[np.arange(12), LABELS] = 0.55
PROBABILITIES[:2] = PROBABILITIES[[5, 6]]  # two wrong: 10 of 12 right, an answer no draw hits
FALLBACK = re.escape(CHECKER_FAILED.split("(")[0])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(allow_nan=True),
    st.text(max_size=12),
    st.binary(max_size=8),
)
ragged = st.lists(st.lists(st.integers(0, 255), max_size=4), min_size=2, max_size=4).filter(
    lambda rows: len({len(r) for r in rows}) > 1
)
any_arrays = st.sampled_from(["uint8", "int64", "float32", "float64", "bool", "complex64"]).flatmap(
    lambda dtype: arrays(np.dtype(dtype), array_shapes(min_dims=0, max_dims=3, max_side=6))
)
forged = st.builds(
    SimpleNamespace,
    history=st.dictionaries(
        st.sampled_from(["val_accuracy", "loss", "val_acc"]), st.lists(st.floats(-2, 2), max_size=4)
    ),
    model=st.none(),
    params=st.just({"steps": 3, "epochs": 2}),
)
answers = st.one_of(
    scalars,
    ragged,
    any_arrays,
    forged,
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.lists(st.one_of(st.integers(), st.text(max_size=2), st.none()), max_size=4),
)


def no_nonsense(feedback: object) -> str:
    assert isinstance(feedback, Feedback), type(feedback)
    text = str(feedback)
    assert not re.search(FALLBACK, text), text
    # a quoted echo of the learner's own text ('INF') may say it; the course's words may not
    unquoted = re.sub(r"'[^']*'", "", text)
    assert not re.search(r"\b(nan|inf)\b", unquoted, flags=re.IGNORECASE), text
    return text


CHECKERS = {
    "flatten_and_scale": lambda a: ex.check_flatten_and_scale(a, IMAGES),
    "one_hot": lambda a: ex.check_one_hot(a, LABELS),
    "mean_image": lambda a: ex.check_mean_image(a, IMAGES, LABELS, 7),
    "mlp": lambda a: ex.check_mlp(a, hidden_units=(15,)),
    "dense_parameters": lambda a: ex.check_dense_parameters(a, 784, 10),
    "conv_parameters": lambda a: ex.check_conv_parameters(a, 3, 6, 16),
    "compiled": lambda a: ex.check_compiled(a),
    "optimizer_comparison": lambda a: ex.check_optimizer_comparison(a, a),
    "most_confused_pair": lambda a: ex.check_most_confused_pair(a, LABELS, (LABELS + 1) % 10),
    "confident_accuracy": lambda a: ex.check_confident_accuracy(a, PROBABILITIES, LABELS, 0.5),
    "capstone": lambda a: mc.check_capstone(
        a, a, IMAGES, LABELS, held_back=(IMAGES, LABELS), validation_size=0
    ),
}


@pytest.mark.parametrize("checker", CHECKERS.values(), ids=CHECKERS.keys())
@SETTINGS
@given(answer=answers)
def test_any_answer_gets_feedback_and_is_not_correct(checker, answer) -> None:
    feedback = checker(answer)
    no_nonsense(feedback)
    assert not feedback.correct or answer is None


@SETTINGS
@given(smoothing=st.floats(1e-6, 0.3), flip=st.booleans())
def test_rows_that_only_look_one_hot_are_not_correct(smoothing, flip) -> None:
    rows = np.eye(10)[LABELS] * (1 - smoothing) + smoothing / 10
    if flip:
        rows = np.round(rows, 1)  # rounding back to 0 and 1 is honest: same array
    feedback = ex.check_one_hot(rows, LABELS)
    no_nonsense(feedback)
    assert feedback.correct == bool(np.isin(rows, (0, 1)).all())


@SETTINGS
@given(offset=st.floats(-0.999, 0.999).filter(lambda x: abs(x) > 1e-9))
def test_a_count_off_by_a_fraction_is_not_correct(offset) -> None:
    exact = 784 * 10 + 10
    assert ex.check_dense_parameters(float(exact), 784, 10).correct  # 7850.0 is honest
    feedback = ex.check_dense_parameters(exact + offset, 784, 10)
    no_nonsense(feedback)
    assert not feedback.correct


EXTRA_LAYERS = [
    keras.layers.Dropout(0.1),
    keras.layers.BatchNormalization(),
    keras.layers.Dense(15, activation="relu"),
    keras.layers.GaussianNoise(0.1),
    keras.layers.LayerNormalization(),
]


@SETTINGS
@given(extra=st.sampled_from(range(len(EXTRA_LAYERS))), where=st.sampled_from([1, 2]))
def test_an_mlp_with_a_layer_too_many_is_not_correct(extra, where) -> None:
    layers = [
        keras.Input((784,)),
        keras.layers.Dense(15, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
    layers.insert(where, keras.layers.deserialize(keras.layers.serialize(EXTRA_LAYERS[extra])))
    feedback = ex.check_mlp(keras.Sequential(layers))
    no_nonsense(feedback)
    assert not feedback.correct


def test_honest_ways_to_write_the_mlp_are_correct() -> None:
    inputs = keras.Input((784,))
    hidden = keras.layers.Dense(15)(inputs)
    hidden = keras.layers.ReLU()(hidden)
    outputs = keras.layers.Dense(10, activation="softmax")(hidden)
    functional = keras.Model(inputs, outputs)
    separate = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(15),
            keras.layers.Activation("relu"),
            keras.layers.Dense(10),
            keras.layers.Softmax(),
        ]
    )
    for model in (mc.tiny_mlp(), functional, separate):
        assert ex.check_mlp(model).correct, str(ex.check_mlp(model))


@pytest.mark.parametrize(
    ("metrics", "correct"),
    [
        (["accuracy"], True),
        (["acc"], True),
        (["categorical_accuracy"], True),
        ([keras.metrics.CategoricalAccuracy()], True),
        (["accuracy", "top_k_categorical_accuracy"], True),
        ([keras.metrics.Accuracy()], False),  # exact equality of probabilities: not accuracy
        (["top_k_categorical_accuracy"], False),
        (["sparse_categorical_accuracy"], False),
        ([], False),
    ],
)
def test_compiled_accepts_every_name_of_accuracy_and_nothing_else(metrics, correct) -> None:
    model = mc.tiny_mlp()
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=metrics)
    feedback = ex.check_compiled(model)
    no_nonsense(feedback)
    assert feedback.correct == correct, str(feedback)


def test_confident_accuracy_with_no_sure_image_says_so() -> None:
    feedback = ex.check_confident_accuracy(0.5, PROBABILITIES, LABELS, threshold=0.99)
    assert "no image reaches 99%" in no_nonsense(feedback) and not feedback.correct


def test_a_checker_bug_is_reported_as_the_checkers_not_the_learners() -> None:
    from mnist_course.exercises.feedback import never_raises

    broken = never_raises("Broken")(lambda: 1 / 0)
    text = str(broken())
    assert "could not read this answer (ZeroDivisionError)" in text and "maintainers" in text


# --------------------------------------------------------------------------- a hostile review


def mlp_of(*layers) -> keras.Model:
    return keras.Sequential([keras.Input((784,)), *layers])


def test_near_misses_found_by_a_hostile_review_are_not_correct() -> None:
    layers = keras.layers
    leaky = mlp_of(
        layers.Dense(15), layers.ReLU(negative_slope=0.3), layers.Dense(10), layers.Softmax()
    )
    over_batch = mlp_of(layers.Dense(15, "relu"), layers.Dense(10), layers.Softmax(axis=0))
    inputs, shared = keras.Input((784,)), layers.Dense(784, activation="relu")
    twice = keras.Model(inputs, layers.Dense(10, activation="softmax")(shared(shared(inputs))))
    for model in (leaky, over_batch, twice):
        assert not ex.check_mlp(model, hidden_units=(15,) if model is not twice else (784,)).correct
    for loss in (
        keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        keras.losses.CategoricalCrossentropy(axis=0),
    ):
        model = mc.tiny_mlp()
        model.compile(optimizer="rmsprop", loss=loss, metrics=["accuracy"])
        assert not ex.check_compiled(model).correct
    assert not ex.check_most_confused_pair("banana", LABELS, LABELS).correct
    assert ex.check_most_confused_pair((1, 2), LABELS, LABELS).correct  # no mistakes at all
    bare = keras.callbacks.History()  # made by hand: no steps recorded
    bare.set_model(mc.compile_model(mc.tiny_mlp()))
    bare.history = {"val_accuracy": [0.97, 0.98, 0.99]}
    text = no_nonsense(ex.check_optimizer_comparison(bare, bare))
    assert "does not record the steps" in text


def test_honest_spellings_found_by_a_hostile_review_are_correct() -> None:
    from decimal import Decimal
    from fractions import Fraction

    import tensorflow as tf

    softmax = mlp_of(keras.layers.Dense(15, "relu"), keras.layers.Dense(10, tf.nn.softmax))
    assert ex.check_mlp(softmax).correct
    for count in (np.array(7850), Fraction(7850), Decimal(7850), np.int16(7850), 7850.0):
        assert ex.check_dense_parameters(count, 784, 10).correct, count
    assert not ex.check_dense_parameters("²", 784, 10).correct


@pytest.mark.parametrize("flag", [True, np.True_, np.array(True)])
def test_a_yes_no_value_is_not_a_count(flag) -> None:
    # True == 1: a Dense(1) on no inputs has 1 parameter, yet True is not a count of anything
    feedback = ex.check_dense_parameters(flag, 0, 1)
    assert not feedback.correct and "whole number" in str(feedback), str(feedback)
    onehot_labels = np.eye(10)[LABELS]  # labels one-hot encoded in place: still digits
    average = IMAGES[LABELS == 7].mean(axis=0)
    assert ex.check_mean_image(average, IMAGES, onehot_labels, 7).correct


def test_an_ensemble_of_one_model_wrapped_twice_is_refused() -> None:
    model = mc.tiny_mlp()
    wrapped = keras.Model(model.inputs, model.outputs)
    with pytest.raises(mc.InputError, match="same model"):
        mc.evaluate_ensemble([model, wrapped], IMAGES, LABELS)


@pytest.mark.parametrize("threshold", ["0.99", None, float("nan"), 0, 1.5])
def test_a_bad_threshold_is_said_not_crashed_on(threshold) -> None:
    text = no_nonsense(ex.check_confident_accuracy(0.5, PROBABILITIES, LABELS, threshold))
    assert "threshold must be" in text
