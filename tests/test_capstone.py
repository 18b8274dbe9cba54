"""The capstone checker: the tutorial's LeNet in plain Keras, trained with model.fit."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import mnist_course as mc
from mnist_course.backend import keras

# The tests' validation sets are tiny; the exercise's rule of 5,000 has a test of its own.
check = functools.partial(mc.check_capstone, validation_size=0)


def tutorial_lenet(pooling=keras.layers.AveragePooling2D) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(6, 3, activation="relu"),
            pooling(2),
            keras.layers.Conv2D(16, 3, activation="relu"),
            pooling(2),
            keras.layers.Conv2D(120, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(84, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.fixture
def images(tiny_mnist) -> np.ndarray:
    return tiny_mnist["x_train"].reshape(-1, 28, 28, 1).astype("float32") / 255


def fit_without_learning(
    model: keras.Model, images: np.ndarray, labels: np.ndarray, batch_size: int = 16
):
    """A real model.fit whose weights do not move, so the validation figure is predictable."""
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.0),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    onehot = np.eye(10, dtype="float32")[labels]
    return model.fit(
        images, onehot, epochs=1, batch_size=batch_size, validation_data=(images, onehot), verbose=0
    )


def test_a_plain_keras_lenet_that_reaches_the_goal_passes(images) -> None:
    model = tutorial_lenet()
    own = model.predict(images, verbose=0).argmax(axis=1)  # labels it gets 100% right
    history = fit_without_learning(model, images, own)
    feedback = check(model, history, images, own, held_back=(images, own))
    assert feedback.correct, str(feedback)
    assert "100.00% on the validation set" in str(feedback)
    assert "109,994 parameters" in str(feedback)


def test_a_lenet_that_scales_its_own_pixels_passes(images) -> None:
    # keras.io's style: Rescaling(1 / 255) first, and raw 0-255 pixels in
    lenet = tutorial_lenet().layers
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Rescaling(1 / 255), *lenet])
    raw = images * 255
    own = model.predict(raw, verbose=0).argmax(axis=1)
    history = fit_without_learning(model, raw, own)
    feedback = check(model, history, raw, own, held_back=(raw, own))
    assert feedback.correct, str(feedback)
    assert "109,994 parameters" in str(feedback)


def test_below_the_goal_is_not_yet_with_a_hint(images, tiny_mnist) -> None:
    model = tutorial_lenet()
    labels = (model.predict(images, verbose=0).argmax(axis=1) + 1) % 10  # all wrong
    history = fit_without_learning(model, images, labels)
    feedback = check(model, history, images, labels, held_back=(images, labels))
    assert not feedback.correct and "the goal is 99.0%" in str(feedback)
    assert "cosine" in feedback.hint


def test_a_history_validated_on_other_images_is_caught(images) -> None:
    model = tutorial_lenet()
    own = model.predict(images, verbose=0).argmax(axis=1)
    history = fit_without_learning(model, images, own)
    wrong = (own + 1) % 10
    feedback = check(model, history, images, wrong)
    assert not feedback.correct and "never recorded" in str(feedback)


def test_the_course_lenet_is_plain_keras_and_other_layers_are_refused(images) -> None:
    course = mc.lenet()
    own = course.predict(images, verbose=0).argmax(axis=1)
    history = fit_without_learning(course, images, own)
    held = (images, own)
    # mc.lenet is Keras's own layers, the tutorial's stack: the capstone reads it as such,
    # and says that it cannot tell it from the learner's own
    feedback = str(check(course, history, images, own, held))
    assert "Conv 6, pool, Conv 16, pool, Conv 120" in feedback
    assert "whether you wrote the layers or called mc.lenet()" in feedback
    assert {type(layer).__module__.split(".")[0] for layer in course.layers} == {"keras"}
    maxed = tutorial_lenet(keras.layers.MaxPooling2D)
    history = fit_without_learning(maxed, images, own)
    feedback = str(check(maxed, history, images, own, held))
    assert "MaxPooling2D" in feedback and "averages" in feedback


def test_unfinished_answers() -> None:
    assert check(None, None, None, None).status == "not attempted"
    assert "Keras model" in str(check("lenet", None, None, None))
    model = tutorial_lenet()
    feedback = check(model, None, None, None)
    assert "not compiled" in str(feedback) and "History that model.fit returns" in str(feedback)


def test_a_model_trained_on_its_validation_images_is_caught(images) -> None:
    model = tutorial_lenet()
    own = model.predict(images, verbose=0).argmax(axis=1)  # 100% on "validation"
    history = fit_without_learning(model, images, own)
    unseen = (images[::-1], (own[::-1] + 1) % 10)  # and 0% on images it never saw
    feedback = check(model, history, images, own, held_back=unseen)
    assert not feedback.correct
    assert "100.00% on the validation images but 0.00% on 50 images it has never seen" in str(
        feedback
    )


def test_honest_variants_pass(images, tmp_path) -> None:
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    for layer in tutorial_lenet().layers:
        x = layer(x)
    functional = keras.Model(inputs, x)
    own = functional.predict(images, verbose=0).argmax(axis=1)
    onehot = np.eye(10, dtype="float32")[own]
    functional.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.0),
        loss="categorical_crossentropy",
        metrics=["acc"],  # an alias Keras accepts: the history says val_acc
    )
    history = functional.fit(
        images, onehot, epochs=2, batch_size=16, verbose=0, validation_data=(images, onehot)
    )
    held = (images, own)
    assert check(functional, history, images, own, held).correct
    path = tmp_path / "mine.keras"
    functional.save(path)
    reloaded = keras.models.load_model(path)  # the same model, from its own file
    feedback = check(reloaded, history, images, own, held)
    assert feedback.correct, str(feedback)


class Subclassed(keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.flat = keras.layers.Flatten()
        self.out = keras.layers.Dense(10, activation="softmax")

    def call(self, x):
        return self.out(self.flat(x))


@pytest.mark.parametrize(
    "forge",
    ["namespace", "other model", "fewer steps", "no validation", "accuracy above 1"],
)
def test_forged_histories_and_odd_models_are_refused_with_feedback(images, forge) -> None:
    from types import SimpleNamespace

    model = tutorial_lenet()
    own = model.predict(images, verbose=0).argmax(axis=1)
    history = fit_without_learning(model, images, own)
    expected = {
        "namespace": "History that model.fit returns",
        "other model": "belongs to another model",
        "fewer steps": "less than the 1 x 4 steps",
        "no validation": "no validation accuracy",
        "accuracy above 1": "not fractions",
    }[forge]
    if forge == "namespace":
        history = SimpleNamespace(history=history.history, model=model, params=history.params)
    elif forge == "other model":
        history = fit_without_learning(tutorial_lenet(), images, own)
    elif forge == "fewer steps":
        model.optimizer.iterations.assign(1)
    elif forge == "no validation":
        history.history = {"loss": [1.0]}
    else:
        history.history["val_accuracy"] = [1.5]
    feedback = check(model, history, images, own, held_back=(images, own))
    assert not feedback.correct and expected in str(feedback), str(feedback)


def test_a_subclassed_model_gets_feedback_not_a_traceback(images) -> None:
    feedback = check(Subclassed(), None, images, np.zeros(50, int))
    assert not feedback.correct and "subclassed" in str(feedback)


def test_a_chosen_subset_of_the_validation_images_is_refused(images) -> None:
    model = tutorial_lenet()
    own = model.predict(images, verbose=0).argmax(axis=1)
    history = fit_without_learning(model, images, own)
    feedback = mc.check_capstone(model, history, images, own, (images, own), validation_size=51)
    assert not feedback.correct and "the exercise validates on all 51" in str(feedback)


def test_an_edited_history_is_not_read_for_its_best_figure(images) -> None:
    model = tutorial_lenet()
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel * 100, bias])  # sure of itself: losses differ by label
    own = model.predict(images, verbose=0).argmax(axis=1)
    model.compile(
        optimizer=keras.optimizers.SGD(0.0), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    wrong = np.eye(10, dtype="float32")[(own + 1) % 10]  # validated: 0% right, honestly
    history = model.fit(
        images, wrong, epochs=2, batch_size=16, verbose=0, validation_data=(images, wrong)
    )
    history.history["val_accuracy"][0] = 1.0  # the figure the checker will measure, typed in
    feedback = check(model, history, images, own, held_back=(images, own))
    assert not feedback.correct and "never recorded" in str(feedback)


def test_a_layer_setting_that_changes_the_parameters_is_named(images) -> None:
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(6, 3, activation="relu", padding="same"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(120, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(84, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    own = model.predict(images, verbose=0).argmax(axis=1)
    history = fit_without_learning(model, images, own)
    feedback = check(model, history, images, own, held_back=(images, own))
    assert not feedback.correct and "not the tutorial's 109,994" in str(feedback)


def test_activations_written_as_layers_are_the_tutorials_lenet(images) -> None:
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(6, 3),
            layers.ReLU(),
            layers.AveragePooling2D(2),
            layers.Conv2D(16, 3),
            layers.Activation("relu"),
            layers.AveragePooling2D(2),
            layers.Conv2D(120, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(84, activation="relu"),
            layers.Dense(10),
            layers.Softmax(),
        ]
    )
    own = model.predict(images, verbose=0).argmax(axis=1)
    history = fit_without_learning(model, images, own)
    feedback = check(model, history, images, own, held_back=(images, own))
    assert feedback.correct, str(feedback)
    model.layers[1].negative_slope = 0.2  # a leaky ReLU is not the tutorial's
    assert "activations" in str(check(model, history, images, own, held_back=(images, own)))


@pytest.mark.slow
def test_the_notebooks_folded_solution_passes(real_mnist_path) -> None:
    # 05_draw says this solution passes: run it, as a learner would paste it, and check it.
    import json
    import re
    from pathlib import Path

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "05_draw.ipynb"
    cells = ["".join(c["source"]) for c in json.loads(notebook.read_text())["cells"]]
    fold = next(c for c in cells if "Show a solution" in c and "my_lenet =" in c)
    code = re.search(r"```python\n(.*?)```", fold, re.S).group(1)
    (x_train, y_train), held_back = mc.load_mnist(real_mnist_path)
    split = {
        "x_fit": x_train[:55_000],
        "y_fit": y_train[:55_000],
        "x_val": x_train[55_000:],
        "y_val": y_train[55_000:],
    }
    scope = {"keras": keras, "layers": keras.layers, **split}
    exec(code.replace("validation_data=", "verbose=0, validation_data="), scope)
    feedback = mc.check_capstone(
        scope["my_lenet"], scope["history"], split["x_val"], split["y_val"], held_back
    )
    assert feedback.correct, str(feedback)


def test_a_weak_honest_model_is_not_accused_of_training_on_its_validation_images(images) -> None:
    # MNIST's validation images are easier than its test set: a short honest run scored
    # 90.6% on them and 89.0% on the test set, more than chance apart
    model = tutorial_lenet()
    own = model.predict(images, verbose=0).argmax(axis=1)
    validation, unseen = np.tile(images, (100, 1, 1, 1)), np.tile(images, (200, 1, 1, 1))
    val_labels, unseen_labels = own.copy(), own.copy()
    val_labels[:5] = (own[:5] + 1) % 10  # 90% right
    unseen_labels[:6] = (own[:6] + 1) % 10  # 88% right
    val_labels, unseen_labels = np.tile(val_labels, 100), np.tile(unseen_labels, 200)
    history = fit_without_learning(model, validation, val_labels, batch_size=1000)
    feedback = str(check(model, history, validation, val_labels, held_back=(unseen, unseen_labels)))
    assert "the goal is 99.0%" in feedback and "never seen" not in feedback
