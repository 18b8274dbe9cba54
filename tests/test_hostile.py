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


def test_a_model_returning_its_output_in_a_dict_is_refused_everywhere() -> None:
    inputs = keras.Input((784,))
    model = keras.Model(inputs, {"digit": keras.layers.Dense(10, activation="softmax")(inputs)})
    for call in (
        lambda: mc.predict(model, X),
        lambda: mc.evaluate(model, X, Y),
        lambda: mc.predict_digit(model, X[0]),
    ):
        with pytest.raises(InputError, match="returns its output in a dict; an MNIST classifier"):
            call()


def test_callbacks_given_as_an_iterator_all_run(model) -> None:
    class Count(keras.callbacks.Callback):
        epochs = 0

        def on_epoch_end(self, epoch, logs=None) -> None:
            Count.epochs += 1

    mc.train(model, X, Y, epochs=2, progress=quiet(), callbacks=(c for c in [Count()]))
    assert Count.epochs == 2


@pytest.mark.parametrize("bad", [5, 1.5, np.array([1, 2])])
def test_callbacks_that_are_not_a_list_of_callbacks_are_refused(model, bad) -> None:
    with pytest.raises(InputError, match="callbacks must be a list of Keras callbacks"):
        mc.train(model, X, Y, epochs=1, callbacks=bad)


@pytest.mark.parametrize(
    "given",
    [
        {"progress": mc.LiveCurves},
        {"callbacks": [mc.LiveCurves]},
        {"callbacks": keras.callbacks.EarlyStopping},
    ],
)
def test_a_callback_class_without_brackets_is_named(model, given) -> None:
    name = [*given.values()][0]
    name = (name[0] if isinstance(name, list) else name).__name__
    with pytest.raises(InputError, match=rf"{name} is a kind of callback, not one: call it"):
        mc.train(model, X, Y, epochs=1, **given)


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


# --------------------------------------------------------------------------- second pass
# A hostile pass over the plots, the inspection pictures, callbacks, saving and the pad.


def test_numpy_numbers_are_numbers_for_limit_and_interval(model) -> None:
    kernel = model.layers[0].kernel
    limit = np.abs(np.asarray(kernel)).max()  # np.float32, as the docstring suggests
    assert mc.plot_weight_images(kernel, limit=limit).axes
    assert mc.plot_weight_images(kernel, limit=np.int64(1)).axes
    assert mc.LiveCurves(interval=np.float32(2)).interval == 2.0


def test_the_whole_answer_of_predict_digit_is_named(model) -> None:
    answer = mc.predict_digit(model, X[0])
    with pytest.raises(InputError, match=r"predict_digit\(model, image\)\[2\]"):
        mc.plot_prediction(X[0], answer)
    with pytest.raises(InputError, match="ragged"):
        mc.plot_prediction(X[0], [0.5, [0.5]])
    assert mc.plot_prediction(X[0], answer[2]).axes


@pytest.mark.parametrize("as_given", [np.where, lambda mask: list(np.flatnonzero(mask))])
def test_mistakes_as_numpy_gives_them_are_drawn(model, as_given) -> None:
    probabilities = mc.predict(model, X)
    wrong = probabilities.argmax(1) != Y
    assert wrong.any()
    figure = mc.plot_mistakes(X, Y, probabilities, as_given(wrong))
    assert sum(bool(ax.get_title()) for ax in figure.axes) == wrong.sum()


def test_an_empty_list_of_mistakes_says_there_are_none(model) -> None:
    with pytest.raises(InputError, match="no images to show"):
        mc.plot_mistakes(X, Y, mc.predict(model, X), [])


def test_a_gallery_too_large_to_draw_is_refused_at_once() -> None:
    many = np.zeros((201, 28, 28), np.uint8)
    with pytest.raises(InputError, match="201 digits are too many.*at most 200"):
        mc.plot_mistakes(many, np.zeros(201, int), np.eye(10)[np.ones(201, int)], range(201))
    with pytest.raises(InputError, match="too many"):
        mc.plot_digits(many, count=201)
    assert mc.plot_digits(many, count=200).axes


def test_a_layer_is_drawn_from_its_kernel_and_a_weight_list_is_named(model) -> None:
    layer = model.layers[0]
    np.testing.assert_array_equal(
        mc.plot_weight_images(layer).axes[0].images[0].get_array(),
        mc.plot_weight_images(layer.kernel).axes[0].images[0].get_array(),
    )
    conv = mc.lenet().get_layer("conv_1")
    assert len(mc.plot_filters(conv).axes) == 6 + 1  # six filters and the colour bar
    rows = layer.kernel.numpy().tolist()  # a kernel as nested lists is still a kernel
    assert len(mc.plot_weight_images(rows).axes) == len(mc.plot_weight_images(layer).axes)
    for call in (
        lambda: mc.plot_weight_images(layer.get_weights()),
        lambda: mc.plot_filters(conv.get_weights()),
    ):
        with pytest.raises(InputError, match=r"kernel alone: layer.kernel"):
            call()


@pytest.mark.parametrize("bad", [np.full((3, 3, 1, 4), np.nan), np.zeros((3, 3, 1, 0))])
def test_filters_that_cannot_be_drawn_are_refused(bad) -> None:
    with pytest.raises(InputError, match="plot_filters"):
        mc.plot_filters(bad)


def test_weights_holding_nan_are_refused_not_drawn_blank(model) -> None:
    kernel = model.layers[0].kernel.numpy()
    kernel[3, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        mc.plot_weight_images(kernel)


@pytest.mark.parametrize("metric", ["acc", "sparse_categorical_accuracy"])
def test_accuracy_under_another_name_is_drawn(metric) -> None:
    figure = mc.plot_history({"loss": [1.0, 0.5], metric: [0.5, 0.8]})
    assert len(figure.axes[1].lines) == 1


def test_a_history_without_accuracy_says_so_in_the_empty_panel() -> None:
    figure = mc.plot_history({"loss": [1.0, 0.5]})
    assert not figure.axes[1].lines
    assert "metrics=['accuracy']" in figure.axes[1].texts[0].get_text()


def test_a_history_of_numpy_arrays_is_drawn() -> None:
    run = {"loss": np.array([1.0, 0.5]), "accuracy": np.array([0.5, 0.8])}
    assert [len(ax.lines) for ax in mc.plot_history(run).axes] == [1, 1]
    timed = {**run, "seconds": np.array([1.0, 2.0])}
    assert mc.plot_history(timed, x="seconds").axes[0].lines[0].get_xdata().tolist() == [1, 2]


def test_one_label_as_a_string_names_the_one_run() -> None:
    figure = mc.plot_history({"loss": [1.0], "accuracy": [0.5]}, labels="run 1")
    assert "run 1, training" in [t.get_text() for t in figure.axes[0].get_legend().texts]
    with pytest.raises(InputError, match="epochs"):
        mc.plot_history({"loss": [1.0]}, epochs="5")


def test_a_per_class_metric_is_left_out_of_the_lines_and_curves(model) -> None:
    logs = {"loss": 0.5, "f1_score": np.array([0.1, 0.2]), "accuracy": np.float32(0.8)}
    lines, watch = [], mc.Stopwatch()
    log = mc.EpochLog(lines.append)
    log.set_params({"epochs": 1})
    log.on_train_begin()
    log.on_epoch_end(0, logs)
    watch.on_epoch_end(0, logs)
    assert "f1_score" not in lines[0] and "accuracy 0.8000" in lines[0]
    assert sorted(watch.history) == ["accuracy", "loss", "seconds"]
    with pytest.raises(InputError, match="print_fn must be a function"):
        mc.EpochLog(print_fn=None)


def test_saving_keeps_the_models_own_loss_and_metrics(tmp_path) -> None:
    sparse = mc.tiny_mlp()
    sparse.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    back = mc.load_model(mc.save_model(sparse, tmp_path / "sparse.keras"))
    loss, accuracy = back.evaluate(X.reshape(-1, 784) / 255, Y, verbose=0)  # digits, not one-hot
    assert np.isfinite(loss) and 0 <= accuracy <= 1
    assert back.get_compile_config()["steps_per_execution"] == 1


def test_a_loss_of_ones_own_that_keras_cannot_rebuild_is_a_course_error(tmp_path) -> None:
    def squared(y, p):
        return keras.ops.mean(keras.ops.square(y - p))

    own = mc.tiny_mlp()
    own.compile("adam", squared)
    with pytest.raises(InputError, match="locate function 'squared'.*register_keras_serializable"):
        mc.save_model(own, tmp_path / "own.keras")
    assert list(tmp_path.iterdir()) == []


def test_a_model_keras_cannot_copy_is_a_course_error(tmp_path) -> None:
    rescale = keras.layers.Lambda(lambda v: v / 255)
    lam = keras.Sequential([keras.Input((784,)), rescale, keras.layers.Dense(10)])
    with pytest.raises(InputError, match="Rescaling"):
        mc.save_model(lam, tmp_path / "lambda.keras")
    assert list(tmp_path.iterdir()) == []


def test_a_file_name_too_long_for_the_system_is_a_course_error(model, tmp_path) -> None:
    long = tmp_path / ("x" * 300 + ".keras")
    for call in (lambda: mc.save_model(model, long), lambda: mc.load_model(long)):
        with pytest.raises(mc.ModelFileError, match="cannot use the file name"):
            call()


def test_cache_model_takes_a_name_with_its_suffix(model, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MNIST_COURSE_MODELS", str(tmp_path))
    assert mc.cache_model(model, "mine.keras") == tmp_path / "mine.keras"
    for name in ("mine.keras.keras", "mine.h5", "lenet.set-aside", "mine.", ".keras"):
        with pytest.raises(InputError, match="plain name such as"):
            mc.cache_model(model, name)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mine.keras"]
    (tmp_path / "folder.keras").mkdir()
    with pytest.raises(mc.ModelFileError, match="is a folder, where the cache keeps"):
        mc.cache_model(model, "folder")


def test_a_file_name_given_as_pixels_points_to_to_mnist_image(model) -> None:
    with pytest.raises(InputError, match=r"mc.to_mnist_image\(path\)"):
        mc.predict_digit(model, "digit.png")


def test_predict_follows_a_sequential_changed_in_place() -> None:
    net = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    before = mc.predict(net, X)
    net.pop()
    net.add(keras.layers.Dense(10, activation="softmax", kernel_initializer="ones"))
    np.testing.assert_allclose(
        mc.predict(net, X), net.predict(X.reshape(-1, 784) / 255, verbose=0), atol=1e-5
    )
    assert not np.allclose(before, mc.predict(net, X))


def test_two_evaluations_compare_without_an_ambiguous_truth_error(model) -> None:
    first, second = mc.evaluate(model, X, Y), mc.evaluate(model, X, Y)
    assert first == first and first != second


def test_the_pad_shows_a_model_problem_instead_of_hiding_it() -> None:
    pytest.importorskip("ipycanvas")
    logits = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    pad = mc.DrawingPad(logits)
    pad.add_stroke(np.array([[140, 40], [140, 240]]))
    with pytest.raises(InputError, match="softmax"):
        pad.predict()
    assert "softmax" in pad.message.value
    pad.predict_button.click()  # the button shows it, and raises nothing
    with pytest.raises(InputError, match="size"):
        mc.DrawingPad(logits, size=-5)


def test_a_column_of_digits_is_labels(model) -> None:
    column = Y[:, None]  # as a one-column table gives them
    assert mc.evaluate(model, X, column).accuracy == mc.evaluate(model, X, Y).accuracy
    np.testing.assert_array_equal(mc.confusion_matrix(column, Y), mc.confusion_matrix(Y, Y))


def test_ragged_indices_are_a_course_error(model) -> None:
    with pytest.raises(InputError, match="indices must be whole numbers"):
        mc.plot_mistakes(X, Y, mc.predict(model, X), [[1, 2], [3]])


def test_feature_maps_of_a_batch_of_one_are_drawn() -> None:
    maps = np.random.default_rng(1).random((1, 26, 26, 6)).astype(np.float32)
    assert len(mc.plot_feature_maps(X[0], maps).axes) == 7
    with pytest.raises(InputError, match="plot_feature_maps"):
        mc.plot_feature_maps(X[0], [[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("dtype", [np.uint8, np.int64])
def test_black_and_white_pixels_as_0_and_1_are_not_read_as_almost_blank(model, dtype) -> None:
    binary = (X > 127).astype(dtype)
    for call in (lambda: mc.predict(model, binary), lambda: mc.plot_digits(binary)):
        with pytest.raises(InputError, match="0 and 1 only.*Multiply them by 255"):
            call()
    scaled = mc.predict(model, binary.astype(np.float32))  # 0/1 as floats: ink and background
    np.testing.assert_allclose(scaled, mc.predict(model, binary.astype(np.uint8) * 255), atol=1e-5)
