"""What a hostile pass over the public API found, each now a clear error or the right answer.

Every case here raised a raw NumPy/Keras/matplotlib traceback, hung, or gave a wrong answer
before it was fixed (see the closing note of the stop that added this file).
"""

from __future__ import annotations

import os
import stat
import threading

import numpy as np
import pytest
from conftest import quiet

import mnist_course as mc
from mnist_course import InputError
from mnist_course.backend import keras

X = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
Y = np.arange(20) % 10


@pytest.fixture(scope="module")
def model():
    return mc.compile_model(mc.tiny_mlp())


CALLS = {
    "train a path": lambda m: mc.train("m.keras", X, Y, epochs=1),
    "train without labels": lambda m: mc.train(m, X, None, epochs=1),
    "train a float seed": lambda m: mc.train(m, X, Y, epochs=1, seed=1.5),
    "train augment=True": lambda m: mc.train(m, X, Y, epochs=1, augment=True),
    "train progress text": lambda m: mc.train(m, X, Y, epochs=1, progress="x"),
    "train a 3-class model": lambda m: mc.train(
        keras.Sequential([keras.Input((784,)), keras.layers.Dense(3, activation="softmax")]),
        X,
        Y,
        epochs=1,
    ),
    "compile a path": lambda m: mc.compile_model("m.keras"),
    "Recipe 1.5 epochs": lambda m: mc.Recipe("mlp", epochs=1.5),
    "Recipe text rate": lambda m: mc.Recipe("mlp", 1, learning_rate="a"),
    "build a list": lambda m: mc.build_model(["mlp"]),
    "build an unknown option": lambda m: mc.build_model("mlp", foo=1),
    "save, arguments swapped": lambda m: mc.save_model("x.keras", m),
    "load a model": lambda m: mc.load_model(m),
    "cache outside the cache": lambda m: mc.cache_model(m, "../escape"),
    "scale twice": lambda m: mc.scale(mc.scale(X)),
    "prepare scaled images": lambda m: mc.prepare(X / 255),
    "recipe on scaled images": lambda m: mc.train_course_model("tiny-mlp", X / 255, Y, epochs=1),
    "negative count": lambda m: mc.most_confident_mistakes(np.eye(10)[Y], Y, count=-1),
    "float count": lambda m: mc.plot_digits(X, count=2.5),
    "no columns": lambda m: mc.plot_mistakes(X, Y, np.eye(10)[Y], [0], columns=None),
    "float indices": lambda m: mc.plot_mistakes(X, Y, np.eye(10)[Y], [0.7, 1.2]),
    "labels as a matrix": lambda m: mc.most_confused_pairs(Y),
    "a NaN matrix": lambda m: mc.plot_confusion_matrix(np.full((10, 10), np.nan)),
    "raw scores as probabilities": lambda m: mc.most_confident_mistakes(np.eye(10)[Y] * 9 - 4, Y),
    "label 10": lambda m: mc.plot_prediction(X[0], np.full(10, 0.1), label=10),
    "ragged picture": lambda m: mc.to_mnist_image([[1, 2], [3]]),
    "no weights": lambda m: mc.plot_weight_images(np.zeros((784, 0))),
}


@pytest.mark.parametrize("case", CALLS, ids=list(CALLS))
def test_bad_input_gets_the_course_error(model, case) -> None:
    with pytest.raises(InputError):
        CALLS[case](model)


def test_train_scales_uint8_as_predict_does(model) -> None:
    weights = []
    for x in (X, X.astype(np.float32) / 255):
        mc.set_seed(0)
        fresh = mc.tiny_mlp()
        mc.train(fresh, x, Y, epochs=2, seed=0, progress=quiet())
        weights.append(fresh.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_a_model_whose_weights_are_nan_is_refused() -> None:
    broken = mc.tiny_mlp()
    broken.set_weights([np.full_like(w, np.nan) for w in broken.get_weights()])
    with pytest.raises(InputError, match="NaN or infinite.*diverge"):
        mc.predict_digit(broken, X[0])


def test_a_boolean_mask_picks_the_images(model) -> None:
    mask = Y == 3
    fig = mc.plot_mistakes(X, Y, np.eye(10)[Y], mask)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert [t.split("\n")[0] for t in titles] == ["#3", "#13"]


def test_more_runs_than_colours_are_all_drawn() -> None:
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}
    fig = mc.plot_history(*[history] * 12)
    assert len(fig.axes[0].lines) == 12


def test_raw_pixels_as_floats_are_written_as_pixels() -> None:
    image = np.zeros((28, 28))
    image[3, 4] = 200.0
    texts = [t.get_text() for t in mc.plot_pixels(image).axes[0].texts]
    assert texts == ["200"]


def test_saved_files_get_the_usual_permissions(tmp_path) -> None:
    previous = os.umask(0o022)
    try:
        path = mc.save_model(mc.tiny_mlp(), tmp_path / "m.keras")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_the_setup_check_does_not_wait_on_a_pipe(tmp_path) -> None:
    pipe = tmp_path / "mnist.npz"
    os.mkfifo(pipe)
    found = {}
    worker = threading.Thread(
        target=lambda: found.update(report=mc.doctor(pipe, probe=lambda url, timeout: None)),
        daemon=True,
    )
    worker.start()
    worker.join(60)
    assert "report" in found, "the setup check hung on a named pipe"
    assert "named pipe" in found["report"]["MNIST data"].found
