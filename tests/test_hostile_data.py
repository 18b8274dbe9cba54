"""A second hostile pass: the command line, loading, downloads, pictures and training entry
points. Each case raised a raw traceback, gave a silently wrong result, or lost work before."""

from __future__ import annotations

import io
import socket
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import quiet
from PIL import Image

import mnist_course as mc
from mnist_course import DataFileError, DownloadError, InputError, MnistCourseError
from mnist_course.__main__ import main
from mnist_course.backend import keras
from mnist_course.data import download, loading
from mnist_course.setup.data import check_data
from mnist_course.setup.report import OK, PROBLEM

X = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
Y = np.arange(64) % 10


def digit_picture() -> np.ndarray:
    picture = np.zeros((40, 40), dtype=np.uint8)
    picture[8:32, 18:22] = 255  # a 1
    return picture


# ---------------------------------------------------------------- training entry points
BAD_TRAINING = {
    "negative learning rate": lambda: mc.compile_model(mc.tiny_mlp(), learning_rate=-1.0),
    "NaN learning rate": lambda: mc.compile_model(mc.tiny_mlp(), learning_rate=float("nan")),
    "text learning rate": lambda: mc.compile_model(mc.tiny_mlp(), learning_rate="fast"),
    "misspelt optimizer": lambda: mc.compile_model(mc.tiny_mlp(), optimizer="sgdd"),
    "no steps per call": lambda: mc.compile_model(mc.tiny_mlp(), steps_per_execution=0),
    "augment as text": lambda: mc.Recipe("lenet", 1, augment="no"),
    "options as a list": lambda: mc.Recipe("lenet", 1, options=[1, 2]),
    "strategy as text": lambda: mc.train_course_model("tiny-mlp", X, Y, epochs=1, strategy="m"),
    "2**64 epochs": lambda: mc.train_course_model("tiny-mlp", X, Y, epochs=2**64),
    "2**63 per batch": lambda: mc.train(mc.tiny_mlp(), X, Y, epochs=1, batch_size=2**63),
    "rows of zeros as labels": lambda: mc.train(mc.tiny_mlp(), X, np.zeros((64, 10)), epochs=1),
    "a model without softmax": lambda: mc.train(
        keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)]), X, Y, epochs=1
    ),
}


@pytest.mark.parametrize("case", BAD_TRAINING, ids=list(BAD_TRAINING))
def test_bad_training_input_gets_the_course_error(case) -> None:
    with pytest.raises(InputError):
        BAD_TRAINING[case]()


def test_the_recipe_scales_raw_pixels_given_as_floats() -> None:
    weights = []
    for images in (X, X.astype(np.float32)):
        mc.set_seed(0)
        model, _ = mc.train_course_model("tiny-mlp", images, Y, epochs=1, seed=0, progress=quiet())
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_a_model_compiled_for_sparse_labels_trains_on_digits() -> None:
    model = mc.tiny_mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = mc.train(model, X, Y, epochs=1, progress=quiet())
    assert np.isfinite(history.history["loss"][0])


def test_augmentation_moves_a_flat_mlps_images_as_pictures() -> None:
    history = mc.train(
        mc.tiny_mlp(), X, Y, epochs=1, augment=mc.augmentation(seed=0), progress=quiet()
    )
    assert np.isfinite(history.history["loss"][0])


def test_one_callback_is_a_list_of_one() -> None:
    seen = []
    log = mc.EpochLog(print_fn=seen.append)
    mc.train(mc.tiny_mlp(), X, Y, epochs=1, progress=quiet(), callbacks=log)
    assert len(seen) == 1


def test_a_model_that_ends_in_logits_may_be_trained_once_compiled_for_them() -> None:
    logits = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    logits.compile("rmsprop", keras.losses.CategoricalCrossentropy(from_logits=True))
    mc.train(logits, X, Y, epochs=1, progress=quiet())  # the learner's own choice: no error


# ---------------------------------------------------------------- loading
def test_load_mnist_refuses_a_path_of_the_wrong_type() -> None:
    for path in (b"/tmp/mnist.npz", 3):
        with pytest.raises(InputError, match="str or a pathlib.Path"):
            mc.load_mnist(path)


def test_load_mnist_says_a_name_is_too_long(tmp_path) -> None:
    with pytest.raises(DataFileError, match="cannot be looked up"):
        mc.load_mnist(tmp_path / ("x" * 300))


def test_a_missing_path_given_by_name_is_not_blamed_on_the_environment(tmp_path) -> None:
    with pytest.raises(MnistCourseError) as caught:
        mc.load_mnist(tmp_path / "nowhere.npz")
    assert "MNIST_COURSE_DATA" not in str(caught.value) and "leave the path out" in str(
        caught.value
    )


def test_an_array_of_python_objects_is_refused_for_safety(tmp_path, tiny_mnist) -> None:
    arrays = dict(tiny_mnist, y_train=np.array(list(tiny_mnist["y_train"]), dtype=object))
    np.savez(tmp_path / "pickled.npz", **arrays)
    with pytest.raises(DataFileError, match="Python objects"):
        mc.load_mnist(tmp_path / "pickled.npz")


def test_an_encrypted_npz_is_a_data_file_error(tmp_path, tiny_mnist) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, **tiny_mnist)
    data = bytearray(path.read_bytes())
    # set the "encrypted" bit of every member's flags, local and central headers alike
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + offset] |= 1
            start += 4
    path.write_bytes(bytes(data))
    with pytest.raises(DataFileError):
        mc.load_mnist(path)


def test_images_of_another_size_say_what_a_data_file_needs(tmp_path, tiny_mnist) -> None:
    for shape in ((50, 32, 32), (50, 784)):
        images = np.zeros(shape, dtype=np.uint8)
        np.savez(tmp_path / "wrong.npz", **dict(tiny_mnist, x_train=images))
        with pytest.raises(DataFileError, match=r"MNIST images have shape \(n, 28, 28\)"):
            mc.load_mnist(tmp_path / "wrong.npz")


def test_a_malformed_mirror_address_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a valid address"):
        loading.mirror_urls("https://[::1")


def test_a_folder_in_the_downloads_place_is_named(tmp_path) -> None:
    (tmp_path / "mnist.npz").mkdir()
    with pytest.raises(DownloadError, match="is a folder"):
        loading.download_mnist(cache_dir=tmp_path, mirrors=[])


def test_a_slow_name_lookup_counts_against_the_deadline(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: time.sleep(5))
    started = time.monotonic()
    said = download.fetch("https://example.org/mnist.npz", tmp_path / "part", "0", 1, 1, 10, False)
    assert time.monotonic() - started < 3
    assert "looking up its address" in said


def test_the_doctor_vouches_only_for_data_load_mnist_takes(tmp_path, tiny_mnist) -> None:
    floats = dict(tiny_mnist, x_train=tiny_mnist["x_train"].astype(np.float32))
    np.savez(tmp_path / "floats.npz", **floats)
    finding = check_data(tmp_path / "floats.npz", 1.0, None)
    assert finding.status == PROBLEM and "uint8" in finding.found
    with zipfile.ZipFile(tmp_path / "plain.zip", "w") as archive:  # members without ".npy"
        for key, array in tiny_mnist.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            archive.writestr(key, buffer.getvalue())
    mc.load_mnist(tmp_path / "plain.zip")
    assert check_data(tmp_path / "plain.zip", 1.0, None).status == OK


# ---------------------------------------------------------------- pictures
def test_pillow_images_of_any_mode_are_read() -> None:
    expected = mc.to_mnist_image(digit_picture())
    for mode in ("1", "LA", "P", "L"):
        image = Image.fromarray(digit_picture()).convert(mode)
        np.testing.assert_allclose(mc.to_mnist_image(image), expected, atol=0.05)


def test_the_bytes_of_a_file_get_a_hint() -> None:
    buffer = io.BytesIO()
    Image.fromarray(digit_picture()).save(buffer, format="PNG")
    for contents in (buffer.getvalue(), buffer):
        with pytest.raises(InputError, match=r"PIL.Image.open\(io.BytesIO"):
            mc.to_mnist_image(contents)


def test_pixels_of_0_and_1_are_not_called_blank() -> None:
    with pytest.raises(InputError, match="whole numbers 0 and 1"):
        mc.to_mnist_image((digit_picture() > 0).astype(np.uint8))


def test_a_thin_file_is_reported_at_its_own_size(tmp_path) -> None:
    Image.fromarray(np.zeros((1, 10000), dtype=np.uint8)).save(tmp_path / "line.png")
    with pytest.raises(InputError, match="10000x1 pixels"):
        mc.to_mnist_image(tmp_path / "line.png")


# ---------------------------------------------------------------- the command line
def test_an_unwritable_out_folder_is_found_before_training(tmp_path, monkeypatch, capsys) -> None:
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    assert main(["train", "tiny-mlp", "--epochs", "1", "--out", str(tmp_path / "m.keras")]) == 1
    err = capsys.readouterr().err
    assert "cannot write in folder" in err and "Training" not in err


def test_an_out_folder_that_is_a_file_is_called_a_file(tmp_path, capsys) -> None:
    (tmp_path / "good.keras").write_bytes(b"")
    assert main(["train", "tiny-mlp", "--out", str(tmp_path / "good.keras" / "x.keras")]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_outputs_that_cannot_be_written_are_found_before_any_work(
    tmp_path, monkeypatch, capsys
) -> None:
    import os

    data, kept = tmp_path / "d.keras", tmp_path / "mine.interrupted.keras"
    data.write_bytes(b"stands for the data")
    kept.mkdir()  # where --keep-interrupted would write after Ctrl-C
    long = "/".join(["d" * 200] * 25) + "/m.keras"  # each name fine, the path too long
    cases = [
        (
            ["train", "tiny-mlp", "--data", str(data), "--out", str(data)],
            "which this command reads",
        ),
        (
            ["train", "tiny-mlp", "--out", str(tmp_path / "mine.keras"), "--keep-interrupted"],
            "--keep-interrupted",
        ),
        (["train", "tiny-mlp", "--out", str(tmp_path / long)], "cannot use this path"),
    ]
    read_only = tmp_path / "read-only.keras"
    read_only.write_bytes(b"an earlier model")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != read_only and real(p, mode))
    cases.append((["train", "tiny-mlp", "--out", str(read_only)], "the file is read-only"))
    for argv, said in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert said in err and "Training" not in err and "Traceback" not in err, (argv, err)
    assert data.read_bytes() == b"stands for the data"
    assert read_only.read_bytes() == b"an earlier model"


def test_evaluate_refuses_to_draw_over_its_own_inputs(tmp_path, capsys) -> None:
    model = mc.save_model(mc.tiny_mlp(), tmp_path / "m.keras")
    picture = tmp_path / "m.png"
    picture.hardlink_to(model)  # the same file, under a .png name
    assert main(["evaluate", str(model), "--mistakes", str(picture)]) == 1
    assert "which this command reads" in capsys.readouterr().err
    assert mc.load_model(model).count_params() == 11_935


def test_a_home_folder_path_is_expanded_as_the_shell_would(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["train", "tiny-mlp", "--out=~/no-folder/m.keras"]) == 1
    assert f"folder {tmp_path / 'no-folder'} does not exist" in capsys.readouterr().err


def test_evaluate_names_the_file_of_a_model_that_is_not_for_mnist(tmp_path, capsys) -> None:
    wrong = keras.Sequential([keras.Input((10,)), keras.layers.Dense(10, activation="softmax")])
    mc.save_model(wrong, tmp_path / "wrong.keras")
    assert main(["evaluate", str(tmp_path / "wrong.keras")]) == 1
    assert "wrong.keras: model" in capsys.readouterr().err


def test_a_model_with_two_outputs_is_named_as_such() -> None:
    inputs = keras.Input((784,))
    outputs = [keras.layers.Dense(10, activation="softmax")(inputs) for _ in range(2)]
    with pytest.raises(InputError, match="1 input.*2 output"):
        mc.predict(keras.Model(inputs, outputs), X)


def test_a_run_without_validation_says_so_rather_than_nan(tmp_path) -> None:
    from mnist_course.distribute.cluster import ClusterRun, WorkerReport

    worker = WorkerReport(index=0, pid=1, checksum="a", seconds=1.0)
    run = ClusterRun(tmp_path / "m.keras", {"loss": [0.5]}, [worker], 0.0, 1.0)
    assert "no validation images" in str(run) and "nan" not in str(run)


def test_images_divided_by_255_twice_are_refused_where_a_model_reads_them() -> None:
    model = mc.compile_model(mc.tiny_mlp())
    twice = X.astype("float32") / 255 / 255
    for call in (lambda: mc.predict(model, twice), lambda: mc.evaluate(model, twice, Y)):
        with pytest.raises(mc.InputError, match="divided by 255 twice"):
            call()
    with pytest.raises(mc.InputError, match="twice"):
        mc.predict_digit(model, twice[0])


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.int32])
def test_one_hot_rows_of_whole_numbers_are_labels(dtype) -> None:
    # np.eye(10, dtype=int)[y]: an OverflowError from NumPy before
    rows = np.eye(10, dtype=dtype)[Y]
    np.testing.assert_array_equal(mc.one_hot(rows).argmax(axis=1), Y)
    model = mc.compile_model(mc.tiny_mlp())
    assert mc.evaluate(model, X, rows).labels.tolist() == Y.tolist()
    with pytest.raises(mc.InputError, match="do not pick one digit"):
        mc.one_hot(np.zeros((3, 10), dtype=dtype))


def test_a_tie_in_probabilities_is_read_as_argmax_reads_it_and_in_one_hot_rows_refused() -> None:
    probabilities = np.full((3, 10), 0.05, np.float16)
    probabilities[:, 4] = probabilities[:, 6] = 0.3  # a tie, as float16 rounding can make
    matrix = mc.confusion_matrix(np.array([4, 6, 4]), probabilities)
    assert matrix[4, 4] == 2 and matrix[6, 4] == 1  # the first of the tied digits, as argmax
    two_ones = np.zeros((1, 10))
    two_ones[0, [2, 5]] = 1
    with pytest.raises(mc.InputError, match="do not pick one digit"):
        mc.confusion_matrix(np.array([2]), two_ones)


def test_a_confusion_matrix_given_as_predictions_gets_feedback_not_a_crash() -> None:
    from mnist_course.exercises import checkers as ex

    predictions = Y.copy()
    predictions[:5] = (Y[:5] + 1) % 10
    feedback = ex.check_most_confused_pair((1, 2), Y, mc.confusion_matrix(Y, predictions))
    assert "could not read" not in str(feedback) and "64" in str(feedback)


def test_numpy_numbers_reach_keras_as_python_numbers() -> None:
    # Keras refuses NumPy scalars where the course's own checks accept them
    assert mc.tiny_mlp(np.int64(32)).count_params() == 784 * 32 + 32 + 330
    mc.mlp(hidden_units=np.array([64, 32]), l1=np.float32(1e-4), dropout=np.float64(0.1))
    mc.lenet(filters=np.array([6, 16, 120]), dense_units=np.int64(84))
    mc.cnn(dropout=np.float32(0.3))
    for rate in (np.float32(0.001), 1, np.int64(1)):
        mc.compile_model(mc.tiny_mlp(), learning_rate=rate)
    mc.augmentation(shift=np.float32(0.1), rotation_degrees=np.float32(10), seed=np.int64(1))


@pytest.mark.parametrize(
    "build",
    [
        lambda: mc.tiny_mlp(0),
        lambda: mc.tiny_mlp(None),
        lambda: mc.mlp(hidden_units=128),
        lambda: mc.mlp(hidden_units=[0]),
        lambda: mc.mlp(dropout=1.5),
        lambda: mc.cnn(dropout=-0.1),
        lambda: mc.lenet(filters=6),
        lambda: mc.lenet(filters=[6.0, 16.0, 120.0]),
        lambda: mc.lenet(filters=(6, 16)),
        lambda: mc.augmentation(rotation_degrees=400),
        lambda: mc.augmentation(shift=1.5),
    ],
)
def test_bad_layer_sizes_and_rates_are_course_errors(build) -> None:
    with pytest.raises(mc.InputError):
        build()


def test_one_hot_rows_of_true_and_false_are_labels() -> None:
    np.testing.assert_array_equal(mc.one_hot(np.eye(10, dtype=bool)[Y]).argmax(axis=1), Y)
