from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

import mnist_course as mc
from mnist_course import InputError, ModelFileError, training
from mnist_course._backend import keras, tf


@pytest.fixture
def small(tiny_mnist):
    x, y = mc.prepare(tiny_mnist["x_train"], tiny_mnist["y_train"])
    return x, y


def quiet() -> mc.EpochLog:
    return mc.EpochLog(print_fn=lambda line: None)


def test_compile_uses_the_tutorial_settings() -> None:
    model = mc.compile_model(mc.tiny_mlp())
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.001)
    assert model.loss == "categorical_crossentropy"


def test_a_seeded_run_repeats(small) -> None:
    x, y = small
    weights = []
    for _ in range(2):
        mc.set_seed(3)
        model = mc.mlp()
        mc.train(model, x, y, epochs=2, batch_size=16, seed=3, progress=quiet())
        weights.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights, strict=True))


def test_different_seeds_differ(small) -> None:
    x, y = small
    finals = []
    for seed in (1, 2):
        mc.set_seed(seed)
        model = mc.tiny_mlp()
        mc.train(model, x, y, epochs=1, seed=seed, progress=quiet())
        finals.append(model.get_weights()[0])
    assert not np.array_equal(*finals)


def test_training_learns(tiny_mnist) -> None:
    # a learnable toy task: the label is written into the image as its brightest row
    images = np.zeros((200, 28, 28), np.uint8)
    labels = np.arange(200) % 10
    images[np.arange(200), labels * 2 + 3, :] = 255
    x, y = mc.prepare(images, labels)
    mc.set_seed(0)
    model = mc.tiny_mlp()
    history = mc.train(model, x, y, epochs=15, batch_size=20, progress=quiet())
    assert history.history["accuracy"][-1] == 1.0
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_train_accepts_integer_labels_and_reports_validation(small, tiny_mnist) -> None:
    x, _ = small
    val = mc.prepare(tiny_mnist["x_test"], tiny_mnist["y_test"])
    history = mc.train(
        mc.tiny_mlp(), x, tiny_mnist["y_train"], epochs=2, validation_data=val, progress=quiet()
    )
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["val_accuracy"]) == 2


def test_epoch_log_prints_one_line_per_epoch(small) -> None:
    lines: list[str] = []
    mc.train(mc.tiny_mlp(), *small, epochs=3, progress=mc.EpochLog(lines.append))
    assert len(lines) == 3
    assert lines[0].startswith("epoch 1/3") and "accuracy" in lines[0] and lines[0].endswith(" s)")


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.zeros((50, 28, 28, 1)), r"expects inputs shaped \(n, 784\).*layout='flat'"),
        (np.full((50, 784), np.nan), "NaN"),
    ],
)
def test_wrong_inputs_are_explained(small, x, message) -> None:
    with pytest.raises(InputError, match=message):
        mc.train(mc.tiny_mlp(), x, small[1], epochs=1, progress=quiet())


def test_wrong_labels_are_explained(small) -> None:
    with pytest.raises(InputError, match=r"labels have shape \(49, 10\)"):
        mc.train(mc.tiny_mlp(), small[0], small[1][:49], epochs=1, progress=quiet())
    with pytest.raises(InputError, match="epochs"):
        mc.train(mc.tiny_mlp(), *small, epochs=0)


def test_ctrl_c_stops_cleanly_and_keeps_the_best_weights(small, capsys) -> None:
    seen = {}

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen[epoch] = self.model.get_weights()
            if epoch == 2:
                raise KeyboardInterrupt

    model = mc.tiny_mlp()
    history = mc.train(model, *small, epochs=10, progress=quiet(), callbacks=[Interrupt()])
    losses = history.history["loss"]
    assert len(losses) == 2 or len(losses) == 3
    best = int(np.argmin(losses))
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), seen[best], strict=True))
    assert "Training interrupted" in capsys.readouterr().out


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
        training,
        "RECIPES",
        {
            **training.RECIPES,
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
    with pytest.raises(InputError, match="epochs must be at least 1"):
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


def test_each_epoch_sees_every_image_once_in_a_new_order() -> None:
    x = np.arange(10, dtype=np.float32).reshape(10, 1) * np.ones((1, 3), np.float32)
    y = np.arange(10, dtype=np.float32)[:, None]
    data = training._dataset(x, y, 4, shuffle_seed=0)
    epochs = [[b.numpy() for _, b in data] for _ in range(2)]
    orders = [np.concatenate(batches).ravel() for batches in epochs]
    assert [len(b) for b in epochs[0]] == [4, 4, 2]
    for order in orders:
        assert sorted(order) == list(range(10))
    assert not np.array_equal(orders[0], orders[1])
    for images, labels in data:  # images stay with their labels
        assert np.array_equal(images.numpy()[:, 0], labels.numpy()[:, 0])
    again = [np.concatenate([b.numpy() for _, b in training._dataset(x, y, 4, 0)]).ravel()]
    assert np.array_equal(again[0], orders[0])  # seeded: the same order on a new run
    unshuffled = np.concatenate([b.numpy() for _, b in training._dataset(x, y, 4, None)])
    assert list(unshuffled.ravel()) == list(range(10))


def test_bfloat16_models_get_batches_already_in_bfloat16() -> None:
    # The first layer of a bfloat16 model casts its input; the pipeline does it once instead.
    assert training._input_dtype(mc.build_model("lenet", precision="mixed_bfloat16")) == "bfloat16"
    assert training._input_dtype(mc.build_model("lenet")) == "float32"
    x = np.linspace(0, 1, 8 * 3, dtype=np.float32).reshape(8, 3)
    y = np.eye(8, dtype=np.float32)
    plain = next(iter(training._dataset(x, y, 8, None)))[0]
    stored = next(iter(training._dataset(x, y, 8, None, dtype="bfloat16")))[0]
    assert plain.dtype == tf.float32 and stored.dtype == tf.bfloat16
    np.testing.assert_array_equal(stored.numpy(), tf.cast(plain, tf.bfloat16).numpy())
    # with augmentation, the float32 images are augmented first and cast afterwards
    double = next(iter(training._dataset(x, y, 8, None, lambda a, training: 2 * a, "bfloat16")))
    np.testing.assert_array_equal(double[0].numpy(), tf.cast(2 * plain, tf.bfloat16).numpy())


def test_one_cycle_rises_then_falls() -> None:
    schedule = mc.one_cycle(100, peak=1e-2)
    rates = [float(schedule(step)) for step in (0, 20, 60, 99)]
    assert rates[0] < rates[1] == pytest.approx(1e-2) and rates[1] > rates[2] > rates[3]


# --------------------------------------------------------------------------- files


def test_save_and_load_round_trip(small, tmp_path) -> None:
    model = mc.tiny_mlp()
    mc.train(model, *small, epochs=1, progress=quiet())
    path = mc.save_model(model, tmp_path / "m.keras")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]
    again = mc.load_model(path)
    np.testing.assert_allclose(
        again.predict(small[0], verbose=0), model.predict(small[0], verbose=0)
    )


def test_a_save_killed_half_way_keeps_the_previous_file(small, tmp_path, monkeypatch) -> None:
    path = tmp_path / "m.keras"
    mc.save_model(mc.tiny_mlp(), path)
    before = path.read_bytes()
    model = mc.mlp()

    def dying_save(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt  # the process is being stopped mid-write

    monkeypatch.setattr(keras.Model, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        mc.save_model(model, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_save_needs_the_keras_suffix_and_a_folder(tmp_path) -> None:
    with pytest.raises(InputError, match=r"must end in \.keras"):
        mc.save_model(mc.tiny_mlp(), tmp_path / "m.h5")
    with pytest.raises(InputError, match="does not exist"):
        mc.save_model(mc.tiny_mlp(), tmp_path / "nope" / "m.keras")


def test_load_refuses_a_lambda_layer(tmp_path) -> None:
    model = keras.Sequential([keras.Input((784,)), keras.layers.Lambda(lambda t: t * 2)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ModelFileError, match="safe mode"):
        mc.load_model(tmp_path / "lambda.keras")


def test_load_truncated_file(tmp_path) -> None:
    path = mc.save_model(mc.tiny_mlp(), tmp_path / "m.keras")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not a .keras file|could not be loaded"):
        mc.load_model(path)


def test_load_other_formats_and_missing_files(tmp_path) -> None:
    (tmp_path / "h5.keras").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(ModelFileError, match="not a .keras file"):
        mc.load_model(tmp_path / "h5.keras")
    with zipfile.ZipFile(tmp_path / "zip.keras", "w") as archive:
        archive.writestr("hello.txt", "not a model")
    with pytest.raises(ModelFileError, match="could not be loaded"):
        mc.load_model(tmp_path / "zip.keras")
    with pytest.raises(ModelFileError, match="no model file"):
        mc.load_model(tmp_path / "missing.keras")


# --------------------------------------------------------------------------- cache


@pytest.fixture
def cache(tmp_path, monkeypatch, npz_path) -> Path:
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("MNIST_COURSE_DATA", str(npz_path))
    return tmp_path / "models"


def test_cache_trains_once_then_reuses(cache, monkeypatch) -> None:
    calls = []
    real = training.train_course_model

    def counting(*args, **kwargs):
        calls.append(args[0])
        kwargs["epochs"] = 1
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train_course_model", counting)
    first = mc.trained_model("tiny-mlp", progress=quiet())
    assert calls == ["tiny-mlp"] and (cache / "tiny-mlp.keras").is_file()
    second = mc.trained_model("tiny-mlp")
    assert calls == ["tiny-mlp"]
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    mc.trained_model("tiny-mlp", retrain=True, progress=quiet())
    assert calls == ["tiny-mlp", "tiny-mlp"]


def test_a_damaged_cache_entry_is_retrained(cache, monkeypatch) -> None:
    cache.mkdir()
    (cache / "tiny-mlp.keras").write_bytes(b"garbage")
    real = training.train_course_model
    monkeypatch.setattr(
        training, "train_course_model", lambda *a, **k: real(*a, **{**k, "epochs": 1})
    )
    model = mc.trained_model("tiny-mlp", progress=quiet())
    assert model.name == "tiny_mlp"
    assert zipfile.is_zipfile(cache / "tiny-mlp.keras")


def test_cache_defaults_to_the_repository_models_folder(monkeypatch) -> None:
    monkeypatch.delenv("MNIST_COURSE_MODELS", raising=False)
    assert (
        mc.cached_model_path("lenet")
        == Path(__file__).resolve().parents[1] / "models" / "lenet.keras"
    )


def test_cache_model_creates_the_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(tmp_path / "deep" / "models"))
    path = mc.cache_model(mc.tiny_mlp(), "tiny-mlp")
    assert path == tmp_path / "deep" / "models" / "tiny-mlp.keras" and path.is_file()
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(blocker / "models"))
    with pytest.raises(ModelFileError, match="MNIST_COURSE_MODELS"):
        mc.cache_model(mc.tiny_mlp(), "tiny-mlp")


def test_trained_model_still_returns_when_the_cache_is_read_only(
    tmp_path, monkeypatch, npz_path, capsys
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(blocker / "models"))  # cannot be created
    monkeypatch.setenv("MNIST_COURSE_DATA", str(npz_path))
    real = training.train_course_model
    monkeypatch.setattr(
        training, "train_course_model", lambda *a, **k: real(*a, **{**k, "epochs": 1})
    )
    model = mc.trained_model("tiny-mlp", progress=quiet())
    assert model.name == "tiny_mlp"
    assert "could not cache the trained model" in capsys.readouterr().out
