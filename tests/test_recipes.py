"""Recipes: each course model trained by name with its settings; schedules."""

from __future__ import annotations

import pytest
from conftest import quiet

import mnist_course as mc
from mnist_course import InputError
from mnist_course.backend import keras
from mnist_course.training import recipes


def test_train_course_model_uses_the_recipes(tiny_mnist, monkeypatch) -> None:
    batches = []

    class Sizes(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            batches.append(batch)

    x, y = tiny_mnist["x_train"], tiny_mnist["y_train"]
    model, history = mc.train_course_model("mlp", x, y, epochs=2, progress=quiet())
    assert model.name == "mlp" and len(history.history["loss"]) == 2
    assert float(model.optimizer.learning_rate) < 1e-5  # cosine decay from 0.001 reached ~0
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}

    monkeypatch.setattr(
        recipes,
        "RECIPES",
        {
            **recipes.RECIPES,
            "lenet": mc.Recipe(
                "lenet", epochs=1, batch_size=25, learning_rate=0.01, warmup=0.5, precision="auto"
            ),
        },
    )
    monkeypatch.setenv("MNIST_COURSE_PRECISION", "mixed_bfloat16")
    lenet, _ = mc.train_course_model("lenet", x, y, progress=quiet())
    assert lenet.layers[0].compute_dtype == "bfloat16"
    assert int(lenet.optimizer.iterations) == len(x) // 25  # the recipe's batch size
    float32, _ = mc.train_course_model("lenet", x, y, progress=quiet(), precision="float32")
    assert float32.layers[0].compute_dtype == "float32"

    cnn, _ = mc.train_course_model("cnn", x, y, epochs=1, progress=quiet())
    assert isinstance(cnn.optimizer, keras.optimizers.Adam)
    with pytest.raises(InputError, match="unknown model 'vgg'"):
        mc.train_course_model("vgg", x, y)
    with pytest.raises(InputError, match="epochs must be a whole number of at least 1"):
        mc.train_course_model("mlp", x, y, epochs=0)


def test_recipes_schedules() -> None:
    steps = 100
    flat = mc.Recipe("mlp", epochs=1, learning_rate=0.002).schedule(steps)
    assert float(flat(0)) == pytest.approx(0.002) and float(flat(steps)) < 1e-6
    warm = mc.Recipe("lenet", epochs=1, learning_rate=0.008, warmup=0.1).schedule(steps)
    rates = [float(warm(step)) for step in (0, 10, 50, steps)]
    assert rates[0] == pytest.approx(0.008 / 25) and rates[1] == pytest.approx(0.008)
    assert rates[1] > rates[2] > rates[3]
    assert {name: r.epochs for name, r in mc.RECIPES.items()} == mc.DEFAULT_EPOCHS
    assert mc.DEFAULT_EPOCHS["lenet"] == 10 and mc.DEFAULT_EPOCHS["mlp"] == 20  # the tutorial's


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"model": "vgg"}, "model 'vgg' is not one of tiny-mlp, mlp, lenet, cnn"),
        ({"optimizer": "sgd"}, "optimizer 'sgd' is not one of rmsprop, adam"),
        ({"epochs": 0}, "epochs and batch_size must be at least 1"),
        ({"learning_rate": 0}, "learning_rate must be above 0"),
        ({"warmup": 1.5}, "warmup is a fraction of training"),
        ({"precision": "fp16"}, "precision 'fp16' is not one of float32"),
    ],
)
def test_a_wrong_recipe_is_explained(fields, message) -> None:
    with pytest.raises(InputError, match=message):
        mc.Recipe(**{"model": "lenet", "epochs": 1, **fields})


def test_one_cycle_rises_then_falls() -> None:
    schedule = mc.one_cycle(100, peak=1e-2)
    rates = [float(schedule(step)) for step in (0, 20, 60, 99)]
    assert rates[0] < rates[1] == pytest.approx(1e-2) and rates[1] > rates[2] > rates[3]
