"""Saving: plain Keras files, atomic writes, safe loading, the trained-model cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import quiet

import mnist_course as mc
from mnist_course import InputError, ModelFileError
from mnist_course.backend import keras
from mnist_course.files import TEMP_PREFIX
from mnist_course.training import saving

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


@pytest.mark.parametrize("name", ["m.KERAS", "m.zip", "m"])
def test_a_model_file_renamed_says_to_name_it_keras(name, tmp_path) -> None:
    # e.g. a browser's download renamed to .zip: Keras itself only says "format not supported"
    mc.save_model(mc.tiny_mlp(), tmp_path / "m.keras")
    (tmp_path / "m.keras").rename(tmp_path / name)
    with pytest.raises(ModelFileError, match=rf"rename \S*/{name} to m\.keras\.$"):
        mc.load_model(tmp_path / name)


@keras.saving.register_keras_serializable(package="tests")
class Doubling(keras.layers.Layer):
    """A layer of one's own that takes no dtype, as a learner might write it."""

    def __init__(self, factor=2.0):
        super().__init__()
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {"factor": self.factor}


def test_a_layer_of_ones_own_saves_and_an_unknown_one_is_named(tmp_path) -> None:
    model = keras.Sequential(
        [keras.Input((784,)), Doubling(), keras.layers.Dense(10, activation="softmax")]
    )
    path = mc.save_model(model, tmp_path / "own.keras")  # its copy cannot be given a dtype
    assert isinstance(mc.load_model(path).layers[0], Doubling)
    # as in a Python that does not know the class (after a restart, without the definition)
    keras.saving.get_custom_objects().pop("tests>Doubling")
    try:
        with pytest.raises(ModelFileError, match="holds Doubling, a class of its own"):
            mc.load_model(path)
    finally:
        keras.saving.get_custom_objects()["tests>Doubling"] = Doubling


@pytest.mark.parametrize(
    ("name", "message"),
    [("afile/m.keras", "afile is a file, not a folder"), ("a\0b.keras", "embedded null byte")],
)
def test_save_names_what_is_wrong_with_the_path(name, message, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("a file")
    with pytest.raises(mc.MnistCourseError, match=message):
        mc.save_model(mc.tiny_mlp(), name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


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
    with pytest.raises(ModelFileError, match="not a .keras file"):
        mc.load_model(tmp_path / "zip.keras")
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros(3))  # a zip too, and no model
    with pytest.raises(ModelFileError, match=r"not a .keras file .*\.npz\?"):
        mc.load_model(tmp_path / "mnist.npz")
    with pytest.raises(ModelFileError, match="no model file"):
        mc.load_model(tmp_path / "missing.keras")


# --------------------------------------------------------------------------- cache


@pytest.fixture
def cache(tmp_path, monkeypatch, npz_path) -> Path:
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("MNIST_COURSE_DATA", str(npz_path))
    return tmp_path / "models"


def test_cache_trains_once_then_reuses(cache, monkeypatch, capsys) -> None:
    calls = []
    real = saving.train_course_model

    def counting(*args, **kwargs):
        calls.append(args[0])
        kwargs["epochs"] = 1
        return real(*args, **kwargs)

    monkeypatch.setattr(saving, "train_course_model", counting)
    first = mc.trained_model("tiny-mlp", progress=quiet())
    assert calls == ["tiny-mlp"] and (cache / "tiny-mlp.keras").is_file()
    said = "No trained tiny-mlp in the model cache yet: training one now with its recipe"
    assert said in capsys.readouterr().out  # a learner who skipped 03_train knows why it waits
    second = mc.trained_model("tiny-mlp")
    assert calls == ["tiny-mlp"] and capsys.readouterr().out == ""
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    mc.trained_model("tiny-mlp", retrain=True, progress=quiet())
    assert calls == ["tiny-mlp", "tiny-mlp"]
    assert "Training tiny-mlp again with its recipe" in capsys.readouterr().out


def test_trained_model_never_sees_the_validation_or_test_images(cache, monkeypatch) -> None:
    seen = []
    real = saving.train_course_model

    def spying(name, x, y, **kwargs):
        seen.append(x)
        return real(name, x, y, **{**kwargs, "epochs": 1})

    monkeypatch.setattr(saving, "train_course_model", spying)
    mc.trained_model("tiny-mlp", progress=quiet())
    (x_train, _), _ = mc.load_mnist()
    held = min(saving.VALIDATION_IMAGES, len(x_train) // 12)  # the last 5,000 of 60,000
    assert held > 0
    np.testing.assert_array_equal(seen[0], x_train[:-held])


def test_a_damaged_cache_entry_is_retrained_and_kept_aside(cache, monkeypatch, capsys) -> None:
    cache.mkdir()
    (cache / "tiny-mlp.keras").write_bytes(b"garbage")
    (cache / "tiny-mlp.set-aside.keras").write_bytes(b"set aside before")  # stays as it is
    real = saving.train_course_model
    monkeypatch.setattr(
        saving, "train_course_model", lambda *a, **k: real(*a, **{**k, "epochs": 1})
    )
    model = mc.trained_model("tiny-mlp", progress=quiet())
    assert model.name == "tiny_mlp"
    assert zipfile.is_zipfile(cache / "tiny-mlp.keras")
    # a file the cache cannot use may be a learner's (a class defined elsewhere): never lost
    assert (cache / "tiny-mlp.set-aside-2.keras").read_bytes() == b"garbage"
    assert (cache / "tiny-mlp.set-aside.keras").read_bytes() == b"set aside before"
    said = capsys.readouterr().out
    assert "The cached tiny-mlp cannot be used (load_model:" in said
    assert "tiny-mlp.set-aside-2.keras" in said


def test_a_cache_entry_no_model_can_be_written_to_is_said_before_training(
    cache, tmp_path, monkeypatch
) -> None:
    def never(*args, **kwargs):
        raise AssertionError("trained, though nothing could be cached")

    monkeypatch.setattr(saving, "train_course_model", never)
    (cache / "tiny-mlp.keras").mkdir(parents=True)
    with pytest.raises(ModelFileError, match="is a folder, where the cache keeps the model"):
        mc.trained_model("tiny-mlp")
    with pytest.raises(ModelFileError, match="is a folder, where the cache keeps the model"):
        mc.cache_model(mc.tiny_mlp(), "tiny-mlp")
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(tmp_path / "a-file"))
    for call in (lambda: mc.trained_model("tiny-mlp"), lambda: mc.cache_model(mc.tiny_mlp(), "x")):
        with pytest.raises(
            ModelFileError, match="is a file, not a folder: set MNIST_COURSE_MODELS"
        ):
            call()
    with pytest.raises(InputError, match="retrain is True or False, got 'no'"):
        mc.trained_model("tiny-mlp", retrain="no")


def test_a_cached_file_that_cannot_be_moved_aside_is_left_and_nothing_trains(
    cache, monkeypatch
) -> None:
    cache.mkdir()
    (cache / "tiny-mlp.keras").write_bytes(b"garbage")
    monkeypatch.setattr(saving, "train_course_model", lambda *a, **k: 1 / 0)

    def refuse(source, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(saving.os, "replace", refuse)
    with pytest.raises(ModelFileError, match="could not be moved aside .* Move it yourself"):
        mc.trained_model("tiny-mlp")
    assert (cache / "tiny-mlp.keras").read_bytes() == b"garbage"


def test_an_unreadable_model_file_is_not_called_corrupt(tmp_path, monkeypatch) -> None:
    path = mc.save_model(mc.tiny_mlp(), tmp_path / "m.keras")

    def unreadable(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(saving.zipfile, "ZipFile", unreadable)  # as chmod 000 for a non-root user
    with pytest.raises(ModelFileError, match=r"cannot read .*m\.keras \(Permission denied\)"):
        mc.load_model(path)


def test_an_untrained_or_foreign_model_in_the_cache_is_not_taken_for_the_trained_one(
    cache, monkeypatch, capsys, real_mnist_path
) -> None:
    # Notebook 04 reported 8% for "the trained LeNet" when the cache held an untrained model.
    monkeypatch.setenv("MNIST_COURSE_DATA", str(real_mnist_path))
    real = saving.train_course_model
    monkeypatch.setattr(
        saving, "train_course_model", lambda *a, **k: real(*a, **{**k, "epochs": 1})
    )
    mc.cache_model(mc.tiny_mlp(), "tiny-mlp")  # the right shapes, never trained
    model = mc.trained_model("tiny-mlp", progress=quiet())
    said = capsys.readouterr().out
    assert "cannot be used (it reads only" in said and "never trained" in said
    assert (cache / "tiny-mlp.set-aside.keras").is_file()
    (x, y), _ = mc.load_mnist()
    assert np.mean(mc.predict(model, x[-1000:]).argmax(axis=1) == y[-1000:]) > 0.8
    assert mc.trained_model("tiny-mlp") is not None and capsys.readouterr().out == ""
    # another model saved under the name by hand: named, and set aside too
    mc.save_model(mc.lenet(), cache / "tiny-mlp.keras")
    mc.trained_model("tiny-mlp", progress=quiet())
    assert "it is lenet, with input (28, 28, 1)" in capsys.readouterr().out


def test_cache_model_refuses_another_model_under_a_course_name_and_diverged_weights(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(tmp_path))
    with pytest.raises(InputError, match=r"it is tiny_mlp, with input \(784,\).*lenet has input"):
        mc.cache_model(mc.tiny_mlp(), "lenet")
    assert mc.cache_model(mc.tiny_mlp(), "my-mlp").is_file()  # a name of one's own: anything
    # "LeNet" is "lenet" where the file system ignores case (macOS, Windows): not a way round
    with pytest.raises(InputError, match="write the course's name 'lenet' as it is"):
        mc.cache_model(mc.tiny_mlp(), "LeNet")
    diverged = mc.lenet()
    weights = diverged.get_weights()
    weights[0][0, 0, 0, 0] = np.nan
    diverged.set_weights(weights)
    with pytest.raises(InputError, match="NaN or infinity: its training diverged"):
        mc.cache_model(diverged, "lenet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-mlp.keras"]


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
    real = saving.train_course_model
    monkeypatch.setattr(
        saving, "train_course_model", lambda *a, **k: real(*a, **{**k, "epochs": 1})
    )
    model = mc.trained_model("tiny-mlp", progress=quiet())
    assert model.name == "tiny_mlp"
    assert "could not cache the trained model" in capsys.readouterr().out


# --------------------------------------------------------------------------- plain Keras

PLAIN_KERAS = """
import importlib.abc, json, sys

class NoCourse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "mnist_course":
            raise ImportError("mnist_course is not installed here")

sys.meta_path.insert(0, NoCourse())
import numpy as np
import keras

out = {}
for name in sys.argv[1:]:
    folder = sys.argv[0]
    model = keras.saving.load_model(f"{folder}/{name}.keras", safe_mode=True)
    x = np.load(f"{folder}/{name}.npy")
    out[name] = {
        "modules": sorted({type(layer).__module__.split(".")[0] for layer in model.layers}),
        "policies": sorted({layer.dtype_policy.name for layer in model.layers}),
        "compile": model.get_compile_config(),
        "optimizer": type(model.optimizer).__name__,
        "probabilities": model.predict(x, verbose=0).tolist(),
    }
print(json.dumps(out))
"""


@pytest.mark.slow  # trains every recipe
def test_every_recipe_saves_a_file_that_plain_keras_loads(tiny_mnist, tmp_path, monkeypatch):
    # The files the course writes load where mnist_course was never installed, in safe
    # mode, with standard layers, float32, a plain compile config, and the same answers:
    # exactly for float32 models, to bfloat16 rounding for the recipes that train in it.
    monkeypatch.setenv("MNIST_COURSE_PRECISION", "mixed_bfloat16")  # bfloat16 on any CPU
    x, y = tiny_mnist["x_train"], tiny_mnist["y_train"]
    expected = {}
    for name, recipe in mc.RECIPES.items():
        model, _ = mc.train_course_model(name, x, y, epochs=1, seed=0, progress=quiet())
        mc.save_model(model, tmp_path / f"{name}.keras")
        inputs = mc.prepare(tiny_mnist["x_test"], layout=mc.input_layout(model))
        np.save(tmp_path / f"{name}.npy", inputs)
        expected[name] = (model(inputs, training=False).numpy(), recipe.precision)
    code = f"import sys; sys.argv = [{str(tmp_path)!r}, *{list(expected)!r}]\n" + PLAIN_KERAS
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.splitlines()[-1])
    for name, (probabilities, precision) in expected.items():
        found = loaded[name]
        assert found["modules"] == ["keras"], (name, found["modules"])
        assert found["policies"] == ["float32"], (name, found["policies"])
        assert found["compile"]["steps_per_execution"] == 1
        assert found["compile"]["loss"] == "categorical_crossentropy"
        assert found["optimizer"] in ("RMSprop", "Adam")
        tolerance = 1e-6 if precision == "float32" else 3e-2
        np.testing.assert_allclose(found["probabilities"], probabilities, atol=tolerance)


def test_the_cache_and_trained_model_are_plain_keras_too(cache, monkeypatch) -> None:
    real = saving.train_course_model
    monkeypatch.setattr(
        saving, "train_course_model", lambda *a, **k: real(*a, **{**k, "epochs": 1})
    )
    monkeypatch.setenv("MNIST_COURSE_PRECISION", "mixed_bfloat16")
    model = mc.trained_model("lenet", progress=quiet())
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}
    assert all(type(layer).__module__.startswith("keras.") for layer in model.layers)


def test_a_long_file_name_saves(tmp_path) -> None:
    # the temporary name does not grow with the target's, so any valid name works
    path = tmp_path / ("m" * 240 + ".keras")
    assert mc.save_model(mc.tiny_mlp(), path) == path and path.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_leftovers_of_a_killed_save_are_cleaned_by_the_next(tmp_path) -> None:
    hour_ago = time.time() - 3700
    dead = tmp_path / f"{TEMP_PREFIX}999999999-abc.keras"  # no such process
    dead.write_bytes(b"half a model")
    live = tmp_path / f"{TEMP_PREFIX}{os.getppid()}-abc.keras"  # a running process's
    live.write_bytes(b"being written")
    # no such process here, but written a moment ago: another machine's writer, in a folder
    # two machines share (a JupyterHub home), whose process ids mean nothing here
    elsewhere = tmp_path / f"{TEMP_PREFIX}999999998-abc.keras"
    elsewhere.write_bytes(b"being written on another machine")
    for leftover in (dead, live):
        os.utime(leftover, (hour_ago, hour_ago))
    mc.save_model(mc.tiny_mlp(), tmp_path / "m.keras")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["m.keras", live.name, elsewhere.name]
    )


def test_a_save_error_is_not_hidden_by_the_cleanup(tmp_path, monkeypatch) -> None:
    def failing_save(self, filepath, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", failing_save)
    with pytest.raises(ModelFileError, match="No space left on device"):
        mc.save_model(mc.tiny_mlp(), tmp_path / "m.keras")
    assert list(tmp_path.iterdir()) == []


def test_any_failure_of_keras_while_writing_is_a_course_error_and_keeps_the_file(
    tmp_path, monkeypatch
) -> None:
    path = mc.save_model(mc.tiny_mlp(), tmp_path / "m.keras")
    before = path.read_bytes()

    def failing_save(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(b"PK half")
        raise RuntimeError("disk hiccup")

    monkeypatch.setattr(keras.Model, "save", failing_save)
    with pytest.raises(ModelFileError, match=r"Keras could not write .*RuntimeError: disk hiccup"):
        mc.save_model(mc.mlp(), path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_a_metric_of_ones_own_is_named_among_what_to_register(tmp_path) -> None:
    def hits(y_true, y_pred):
        return keras.ops.mean(keras.ops.equal(y_true, y_pred))

    model = mc.tiny_mlp()
    model.compile("rmsprop", "categorical_crossentropy", metrics=[hits])
    with pytest.raises(InputError, match="loss, metric, learning-rate schedule or layer"):
        mc.save_model(model, tmp_path / "m.keras")


def test_a_saved_trained_model_loads_in_keras_without_a_warning(small, tmp_path) -> None:
    """Notebook 03 reloads its LeNet with keras.models.load_model: no red warning there."""
    import warnings

    x, y = small
    model = mc.compile_model(mc.lenet(), learning_rate=mc.cosine_decay(10, start=0.002))
    mc.train(model, x, y, epochs=1, progress=quiet())
    path = mc.save_model(model, tmp_path / "lenet.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Skipping variable loading for optimizer" fails here
        loaded = keras.models.load_model(path)
    assert loaded.optimizer.iterations is not None
    images = x[:8].reshape(-1, 28, 28, 1)
    np.testing.assert_allclose(
        loaded.predict(images, verbose=0), mc.predict(model, x[:8]), atol=1e-5
    )


class _CtrlCAt(keras.callbacks.Callback):
    """Ctrl-C as Keras meets it: a KeyboardInterrupt when epoch ``at`` begins."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            raise KeyboardInterrupt


def test_trained_model_caches_nothing_when_its_training_is_interrupted(
    cache, monkeypatch, capsys
) -> None:
    # Interrupting notebook 04's automatic training had cached a half-trained model, which
    # every later session then loaded as "the trained model", silently.
    real = saving.train_course_model

    def interrupted(*args, **kwargs):
        return real(*args, **{**kwargs, "epochs": 3, "callbacks": [_CtrlCAt(1)]})

    monkeypatch.setattr(saving, "train_course_model", interrupted)
    with pytest.raises(
        mc.MnistCourseError,
        match="tiny-mlp was interrupted: the partly trained model is neither cached",
    ):
        mc.trained_model("tiny-mlp", progress=quiet())
    assert not (cache / "tiny-mlp.keras").exists()
    assert "Training interrupted after 1 complete epoch(s)" in capsys.readouterr().out


def test_cache_model_refuses_a_model_whose_fit_was_interrupted(small, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(tmp_path))
    x, onehot = small  # (50, 784) float32 and one-hot labels
    model = mc.tiny_mlp()
    model.compile("rmsprop", "categorical_crossentropy")
    with pytest.raises(KeyboardInterrupt):  # plain Keras: Ctrl-C in the second epoch
        model.fit(x, onehot, epochs=4, verbose=0, callbacks=[_CtrlCAt(1)])
    with pytest.raises(InputError, match="interrupted after 1 of its 4 epochs") as error:
        mc.cache_model(model, "tiny-mlp")
    assert "mc.save_model" in str(error.value) and list(tmp_path.iterdir()) == []
    mc.save_model(model, tmp_path / "anyway.keras")  # keeping it on purpose still works
    # Trained to the end, or stopped by EarlyStopping on purpose: cached.
    model.fit(x, onehot, epochs=2, verbose=0)
    assert mc.cache_model(model, "tiny-mlp").is_file()
    stop = keras.callbacks.EarlyStopping("loss", min_delta=100, patience=0)
    model.fit(x, onehot, epochs=5, verbose=0, callbacks=[stop])
    assert len(model.history.epoch) < 5 and mc.cache_model(model, "tiny-mlp").is_file()
    history = mc.train(model, x, onehot, epochs=2, progress=quiet())
    history.interrupted = True  # Ctrl-C after the last epoch ended: the run is complete
    assert mc.cache_model(model, "tiny-mlp").is_file()
    # mc.train's own Ctrl-C (it keeps the best weights and returns) is refused the same way.
    mc.train(model, x, onehot, epochs=3, progress=quiet(), callbacks=[_CtrlCAt(1)])
    with pytest.raises(InputError, match="interrupted after 1 of its 3 epochs"):
        mc.cache_model(model, "tiny-mlp")
