"""Fitting: mc.train around model.fit, compile settings, seeding, the input pipeline."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
from conftest import quiet

import mnist_course as mc
from mnist_course import InputError
from mnist_course.backend import keras, tf
from mnist_course.training import fitting


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
        (np.zeros((50, 27, 27)), r"train: expected a batch of images shaped \(n, 28, 28\)"),
        (np.zeros((50, 28, 28, 3)), "colour"),
        (np.full((50, 784), np.nan), "NaN"),
    ],
)
def test_wrong_inputs_are_explained(small, x, message) -> None:
    with pytest.raises(InputError, match=message):
        mc.train(mc.tiny_mlp(), x, small[1], epochs=1, progress=quiet())


def test_wrong_labels_are_explained(small) -> None:
    with pytest.raises(InputError, match=r"labels \(49\) is not the number of images \(50\)"):
        mc.train(mc.tiny_mlp(), small[0], small[1][:49], epochs=1, progress=quiet())
    with pytest.raises(InputError, match="epochs must be a whole number of at least 1"):
        mc.train(mc.tiny_mlp(), *small, epochs=0)
    with pytest.raises(InputError, match="validation_data must be a pair"):
        mc.train(mc.tiny_mlp(), *small, epochs=1, validation_data=small[0])


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


@pytest.fixture
def ctrl_c_interrupts():
    """SIGINT handled as in a terminal, even when pytest was started with it ignored (a
    shell script's background job inherits an ignored SIGINT)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield signal.default_int_handler
    signal.signal(signal.SIGINT, before)


class Press(keras.callbacks.Callback):
    """Send this process SIGINT ``times`` times at the end of the hook ``at`` when it is
    given ``index`` (an epoch, a step or a validation batch); log what happened."""

    def __init__(self, at: str, index: int, times: int = 1) -> None:
        super().__init__()
        self.at, self.index, self.times, self.log = at, index, times, []
        setattr(self, at, self._maybe_press)

    def on_train_begin(self, logs=None) -> None:
        self.log.append(getattr(signal.getsignal(signal.SIGINT), "__name__", None))

    def on_test_batch_begin(self, batch, logs=None) -> None:
        self.log.append(f"validation batch {batch}")

    def _maybe_press(self, index, logs=None) -> None:
        if index == self.index:
            for press in range(self.times):
                os.kill(os.getpid(), signal.SIGINT)
                self.log.append(f"press {press + 1} returned")


def test_ctrl_c_waits_for_the_step_to_end_not_inside_tensorflow(
    small, ctrl_c_interrupts, capsys
) -> None:
    # A KeyboardInterrupt raised deep inside TensorFlow crashed the CLI about once in
    # twenty presses; the first press only asks, and the stop comes between two steps.
    model = mc.compile_model(mc.tiny_mlp(), steps_per_execution=1)  # a hook every step
    press = Press("on_train_batch_end", 1)
    history = mc.train(model, *small, epochs=3, batch_size=10, progress=quiet(), callbacks=[press])
    assert press.log == ["_press", "press 1 returned"]  # the course's handler, during fit
    assert history.interrupted and history.history.get("loss", []) == []
    assert int(model.optimizer.iterations) == 2  # steps 0 and 1 ran, step 2 did not start
    assert "Training interrupted after 0 complete epoch(s)" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGINT) is ctrl_c_interrupts


def test_ctrl_c_during_validation_stops_at_the_next_validation_batch(
    small, ctrl_c_interrupts
) -> None:
    model = mc.compile_model(mc.tiny_mlp(), steps_per_execution=1)
    rng = np.random.default_rng(0)
    x_val = rng.random((2100, 784), dtype=np.float32)  # three validation batches of 1,024
    y_val = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 2100)]
    press = Press("on_test_batch_end", 0)
    history = mc.train(
        model, *small, epochs=3, validation_data=(x_val, y_val), progress=quiet(), callbacks=[press]
    )
    assert press.log == ["_press", "validation batch 0", "press 1 returned"]
    assert history.interrupted and history.history.get("loss", []) == []  # epoch 1 unfinished


def test_a_second_ctrl_c_interrupts_at_once(small, ctrl_c_interrupts) -> None:
    press = Press("on_epoch_end", 0, times=2)
    history = mc.train(mc.tiny_mlp(), *small, epochs=10, progress=quiet(), callbacks=[press])
    assert press.log == ["_press", "press 1 returned"]  # the second press raised where it was
    assert history.interrupted
    assert signal.getsignal(signal.SIGINT) is ctrl_c_interrupts


def test_ctrl_c_in_the_last_step_still_counts(small, ctrl_c_interrupts) -> None:
    press = Press("on_epoch_end", 1)
    history = mc.train(mc.tiny_mlp(), *small, epochs=2, progress=quiet(), callbacks=[press])
    assert press.log == ["_press", "press 1 returned"]
    assert history.interrupted and len(history.history["loss"]) == 2
    assert signal.getsignal(signal.SIGINT) is ctrl_c_interrupts


def test_training_puts_back_the_ctrl_c_handler_it_found(small) -> None:
    def mine(signum, frame) -> None:
        raise AssertionError("not pressed in this test")

    before = signal.signal(signal.SIGINT, mine)
    try:
        press = Press("on_epoch_end", -1)  # never presses, only logs the handler
        mc.train(mc.tiny_mlp(), *small, epochs=1, progress=quiet(), callbacks=[press])
        assert press.log == ["_press"] and signal.getsignal(signal.SIGINT) is mine
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # ignored stays ignored, untouched
        press = Press("on_epoch_end", -1)
        mc.train(mc.tiny_mlp(), *small, epochs=1, progress=quiet(), callbacks=[press])
        assert press.log == [None] and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_each_epoch_sees_every_image_once_in_a_new_order() -> None:
    x = np.arange(10, dtype=np.float32).reshape(10, 1) * np.ones((1, 3), np.float32)
    y = np.arange(10, dtype=np.float32)[:, None]
    data = fitting._dataset(x, y, 4, shuffle_seed=0)
    epochs = [[b.numpy() for _, b in data] for _ in range(2)]
    orders = [np.concatenate(batches).ravel() for batches in epochs]
    assert [len(b) for b in epochs[0]] == [4, 4, 2]
    for order in orders:
        assert sorted(order) == list(range(10))
    assert not np.array_equal(orders[0], orders[1])
    for images, labels in data:  # images stay with their labels
        assert np.array_equal(images.numpy()[:, 0], labels.numpy()[:, 0])
    again = [np.concatenate([b.numpy() for _, b in fitting._dataset(x, y, 4, 0)]).ravel()]
    assert np.array_equal(again[0], orders[0])  # seeded: the same order on a new run
    unshuffled = np.concatenate(
        [b.numpy() for _, b in fitting._dataset(x, y, 4, None, shuffle=False)]
    )
    assert list(unshuffled.ravel()) == list(range(10))


def test_bfloat16_models_get_batches_already_in_bfloat16() -> None:
    # The first layer of a bfloat16 model casts its input; the pipeline does it once instead.
    assert fitting.input_dtype(mc.build_model("lenet", precision="mixed_bfloat16")) == "bfloat16"
    assert fitting.input_dtype(mc.build_model("lenet")) == "float32"
    x = np.linspace(0, 1, 8 * 3, dtype=np.float32).reshape(8, 3)
    y = np.eye(8, dtype=np.float32)
    plain = next(iter(fitting._dataset(x, y, 8, None, shuffle=False)))[0]
    stored = next(iter(fitting._dataset(x, y, 8, None, dtype="bfloat16", shuffle=False)))[0]
    assert plain.dtype == tf.float32 and stored.dtype == tf.bfloat16
    np.testing.assert_array_equal(stored.numpy(), tf.cast(plain, tf.bfloat16).numpy())
    # with augmentation, the float32 images are augmented first and cast afterwards
    double = next(
        iter(fitting._dataset(x, y, 8, None, lambda a, training: 2 * a, "bfloat16", shuffle=False))
    )
    np.testing.assert_array_equal(double[0].numpy(), tf.cast(2 * plain, tf.bfloat16).numpy())


def test_nothing_changes_the_random_state_unless_asked(small, tiny_mnist) -> None:
    # train and train_course_model (without seed) do not reseed Python's or NumPy's
    # generators. (Building a Keras layer without a seed draws one from Python's `random`:
    # that is Keras's own doing, so the model is built before the snapshot.)
    import random

    model = mc.tiny_mlp()
    python_state, numpy_state = random.getstate(), np.random.get_state()[1].copy()
    mc.train(model, *small, epochs=1, seed=5, progress=quiet())
    assert random.getstate() == python_state
    mc.train_course_model("tiny-mlp", tiny_mnist["x_train"], tiny_mnist["y_train"], epochs=1)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    mc.set_seed(1)  # asked for: now it changes
    assert random.getstate() != python_state


def test_op_determinism_is_switched_on_only_by_set_seed(npz_path) -> None:
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        f"""
        import mnist_course as mc
        from tensorflow.python.framework import config
        (x, y), _ = mc.load_mnist({str(npz_path)!r})
        quiet = mc.EpochLog(lambda line: None)
        mc.train(mc.tiny_mlp(), mc.prepare(x), y, epochs=1, progress=quiet)
        mc.train_course_model("tiny-mlp", x, y, epochs=1, progress=quiet)
        print(config.is_op_determinism_enabled())
        mc.set_seed(0)
        print(config.is_op_determinism_enabled())
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "True"], result.stderr[-2000:]


def test_set_seed_checks_its_seed() -> None:
    for bad in (-1, 2**32, 1.5, "0", True):
        with pytest.raises(InputError, match="seed must be a whole number"):
            mc.set_seed(bad)


def test_stopwatch_records_the_time_of_every_epoch_beside_the_metrics(small, tiny_mnist) -> None:
    watch = mc.Stopwatch()
    val = (tiny_mnist["x_test"], tiny_mnist["y_test"])
    history = mc.train(
        mc.tiny_mlp(), *small, epochs=3, validation_data=val, progress=quiet(), callbacks=[watch]
    )
    seconds = watch.history.pop("seconds")
    assert len(seconds) == 3 and 0 < seconds[0] < seconds[1] < seconds[2]
    assert watch.history.keys() == history.history.keys()
    for key, values in history.history.items():
        np.testing.assert_allclose(watch.history[key], values)
    # a second run starts its own record
    mc.train(mc.tiny_mlp(), *small, epochs=1, progress=quiet(), callbacks=[watch])
    assert len(watch.history["seconds"]) == 1 and len(watch.history["loss"]) == 1
