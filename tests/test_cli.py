"""The command line, end to end, in a subprocess as a user would run it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import without_tensorflow_lines

import mnist_course as mc

# Each test runs the command line in a process of its own, which imports TensorFlow: slow.
pytestmark = pytest.mark.slow


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    """The command's result, its stderr without TensorFlow's own start-up lines."""
    result = subprocess.run(
        [sys.executable, "-m", "mnist_course", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )
    result.stderr = without_tensorflow_lines(result.stderr)
    return result


def test_train_saves_a_model_and_prints_test_accuracy(npz_path, tmp_path) -> None:
    out = tmp_path / "tiny.keras"
    result = run("train", "tiny-mlp", "--epochs", "2", "--data", str(npz_path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Training tiny-mlp on 50 images for 2 epochs"
    assert lines[1].startswith("epoch 1/2") and lines[2].startswith("epoch 2/2")
    assert lines[-1].startswith("Test: loss ") and "on 20 test images" in lines[-1]
    assert mc.load_model(out).count_params() == 11_935


def test_train_and_evaluate_report_the_same_figures(npz_path, tmp_path) -> None:
    # One evaluation path: the loss `train` prints for a file is the one `evaluate` prints,
    # and both say that the L1 penalty is not in it (the MLP has one).
    out = tmp_path / "mlp.keras"
    trained = run("train", "mlp", "--epochs", "1", "--data", str(npz_path), "--out", str(out))
    assert trained.returncode == 0, trained.stderr
    evaluated = run("evaluate", str(out), "--data", str(npz_path))
    assert evaluated.returncode == 0, evaluated.stderr
    figures = trained.stdout.splitlines()[-1].removeprefix("Test: ")
    assert figures.startswith("loss ") and "weight penalty" in figures
    assert evaluated.stdout.splitlines()[0] == f"{out}: {figures}"


def test_train_lenet_on_a_subset_with_default_output(npz_path, tmp_path) -> None:
    result = run(
        "train", "lenet", "--epochs", "1", "--limit", "1", "--data", str(npz_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Training lenet on 1 image for 1 epoch"
    assert (tmp_path / "lenet.keras").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "resnet"], "invalid choice: 'resnet'"),
        (["train", "mlp", "--epochs", "0"], "must be at least 1"),
        (["train", "mlp", "--epochs", "many"], "not a whole number"),
        (["train", "mlp", "--seed", "-1"], "must be from 0 to 4294967295"),
        (["train", "mlp", "--seed", str(2**32)], "must be from 0 to 4294967295"),
        (["train", "mlp", "--epochs", str(10**20)], "must be at most 2147483647"),
        (["train", "lenet", "--workers", "99"], "must be at most 16"),
        ([], "required: COMMAND"),
    ],
)
def test_usage_errors(args, message) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "usage:" in result.stderr


def test_missing_data_is_one_clear_line(tmp_path) -> None:
    result = run(
        "train", "mlp", "--data", str(tmp_path / "none.npz"), "--out", str(tmp_path / "m.keras")
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: MNIST data not found at")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "m.keras").exists()


def test_bad_output_path(npz_path, tmp_path) -> None:
    result = run("train", "mlp", "--data", str(npz_path), "--out", str(tmp_path / "m.h5"))
    assert result.returncode == 1 and "ending in .keras" in result.stderr
    result = run("train", "mlp", "--data", str(npz_path), "--out", str(tmp_path / "no" / "m.keras"))
    assert result.returncode == 1 and "does not exist" in result.stderr


def test_usage_errors_come_before_loading_anything() -> None:
    # argparse rejects the seed before TensorFlow or the data are touched: fast, one line.
    code = (
        "import sys, mnist_course.__main__ as m\n"
        "try:\n    m.main(['train', 'mlp', '--seed', '-5'])\n"
        "except SystemExit as e:\n    print(e.code, 'tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["2", "False"], result.stderr


def test_recipe_names_match_the_recipes() -> None:
    from mnist_course.__main__ import RECIPE_NAMES
    from mnist_course.training.recipes import RECIPES

    assert tuple(RECIPES) == RECIPE_NAMES
    from mnist_course.__main__ import MAX_WORKERS
    from mnist_course.distribute import cluster

    assert MAX_WORKERS == cluster.MAX_WORKERS


def test_help() -> None:
    result = run("train", "--help")
    assert result.returncode == 0 and "--epochs" in result.stdout
    assert "{tiny-mlp,mlp,lenet,cnn,fast-cnn}" in result.stdout  # one choice per recipe


def test_train_the_fast_recipe_with_its_own_epochs(npz_path, tmp_path) -> None:
    out = tmp_path / "fast.keras"
    result = run("train", "fast-cnn", "--data", str(npz_path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "images for 1 epoch\n" in result.stdout
    assert [layer.filters for layer in mc.load_model(out).layers[:8:4]] == [16, 32]


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    mc.save_model(mc.compile_model(mc.tiny_mlp()), path)
    return str(path)


def test_evaluate_prints_loss_accuracy_and_table(saved_model, npz_path) -> None:
    result = run("evaluate", saved_model, "--data", str(npz_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "accuracy" in lines[0] and "on 20 test images" in lines[0]
    assert lines[1].startswith("digit  precision") and len(lines) == 12


def test_predict_images(saved_model, tmp_path) -> None:
    from PIL import Image

    paper = np.full((60, 40), 255, np.uint8)
    paper[10:50, 18:22] = 0
    Image.fromarray(paper).save(tmp_path / "one.png")
    Image.fromarray(np.stack([paper] * 3, -1)).save(tmp_path / "one.jpg")
    result = run("predict", saved_model, str(tmp_path / "one.png"), str(tmp_path / "one.jpg"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{tmp_path / 'one.png'}: ")
    assert lines[0].endswith("%)")


def test_predict_reports_each_bad_file_and_fails(saved_model, tmp_path) -> None:
    from PIL import Image

    (tmp_path / "text.png").write_text("hello")
    Image.fromarray(np.full((30, 30), 255, np.uint8)).save(tmp_path / "blank.png")
    paper = np.full((30, 30), 255, np.uint8)
    paper[5:25, 14:16] = 0
    Image.fromarray(paper).save(tmp_path / "good.png")
    result = run(
        "predict",
        saved_model,
        str(tmp_path / "text.png"),
        str(tmp_path / "blank.png"),
        str(tmp_path / "missing.png"),
        str(tmp_path / "good.png"),
    )
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)
    assert "text.png: not an image" in errors[0]
    assert "blank.png" in errors[1] and "no digit found" in errors[1]
    assert "missing.png: no such file" in errors[2]
    assert result.stdout.startswith(f"{tmp_path / 'good.png'}: ")


def test_models_that_fail_safe_loading(tmp_path) -> None:
    from mnist_course.backend import keras

    model = keras.Sequential([keras.Input((784,)), keras.layers.Lambda(lambda t: t)])
    model.save(tmp_path / "lambda.keras")
    (tmp_path / "fake.keras").write_text("not a model")
    for name in ("lambda.keras", "fake.keras", "missing.keras"):
        result = run("predict", str(tmp_path / name), str(tmp_path / "x.png"))
        assert result.returncode == 1
        assert (
            result.stderr.startswith("error: load_model:") and len(result.stderr.splitlines()) == 1
        )
    result = run("evaluate", str(tmp_path / "lambda.keras"))
    assert result.returncode == 1 and "safe mode" in result.stderr


def interrupt_training(npz_path, out, *extra: str) -> tuple[int, str]:
    """Start `train`, press Ctrl-C once the first epoch is done, return (exit code, stderr)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mnist_course",
            "train",
            "tiny-mlp",
            "--epochs",
            "100000",
            "--data",
            str(npz_path),
            "--out",
            str(out),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell's background jobs ignore Ctrl-C, and children inherit that; a user's
        # terminal does not, so the child starts with the usual handling.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for line in process.stdout:
            if line.startswith("epoch "):  # the first epoch is done
                process.send_signal(signal.SIGINT)
                break
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    return process.returncode, stderr


def test_ctrl_c_during_training_keeps_the_existing_model(npz_path, tmp_path) -> None:
    out = tmp_path / "good.keras"
    out.write_bytes(b"a model trained yesterday")
    code, stderr = interrupt_training(npz_path, out)
    assert code == 130, stderr
    assert out.read_bytes() == b"a model trained yesterday"
    assert "Interrupted: " in stderr and "still holds the model it had" in stderr
    assert "--keep-interrupted" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.glob("*.keras")) == ["good.keras"]
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_ctrl_c_can_keep_the_partial_model_under_another_name(npz_path, tmp_path) -> None:
    out = tmp_path / "m.keras"
    code, stderr = interrupt_training(npz_path, out, "--keep-interrupted")
    assert code == 130, stderr
    assert not out.exists()
    assert mc.load_model(tmp_path / "m.interrupted.keras").count_params() == 11_935


@pytest.fixture(scope="module")
def two_models(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("ensemble")
    paths = []
    for seed in (0, 1):
        mc.set_seed(seed)  # two different sets of starting weights
        paths.append(str(folder / f"tiny-{seed}.keras"))
        mc.save_model(mc.compile_model(mc.tiny_mlp()), paths[-1])
    return paths


def test_evaluate_several_models_reports_each_and_their_ensemble(
    two_models, npz_path, tmp_path
) -> None:
    (tmp_path / "out").mkdir()
    picture = tmp_path / "out" / "mistakes.png"
    result = run("evaluate", *two_models, "--data", str(npz_path), "--mistakes", str(picture))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    (_, _), (x_test, y_test) = mc.load_mnist(npz_path)
    members = [mc.load_model(path) for path in two_models]
    for line, path, model in zip(lines, two_models, members, strict=False):
        assert line == f"{path}: {mc.evaluate(model, x_test, y_test)} on 20 test images"
    ensemble = mc.evaluate_ensemble(members, x_test, y_test)
    assert lines[2] == f"ensemble of 2 (probabilities averaged): {ensemble} on 20 test images"
    assert lines[3].startswith("digit  precision")
    assert lines[-1] == f"{min(len(ensemble.mistakes), 32)} mistakes drawn in {picture}"
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in picture.parent.iterdir()] == ["mistakes.png"]  # no temporary left


def test_a_file_name_too_long_for_the_system_is_one_line(saved_model, tmp_path) -> None:
    from PIL import Image

    long = str(tmp_path / ("a" * 300))
    for args in (
        ("evaluate", f"{long}.keras"),
        ("evaluate", saved_model, "--mistakes", f"{long}.png"),
        ("train", "tiny-mlp", "--out", f"{long}.keras"),
        ("predict", saved_model, f"{long}.png"),
    ):
        result = run(*args)
        assert result.returncode == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.startswith("error: "), args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        if args[0] in ("train", "evaluate") and len(args) > 2:  # said before any work
            assert "file name is 30" in result.stderr and "most file systems allow 255" in (
                result.stderr
            )
    # the other images are still read
    good = tmp_path / "good.png"
    Image.fromarray(np.pad(np.full((20, 4), 255, np.uint8), 4)).save(good)
    result = run("predict", saved_model, f"{long}.png", str(good))
    assert result.returncode == 1 and result.stdout.startswith(f"{good}: ")
    assert "cannot be opened (File name too long)" in result.stderr


def test_a_model_without_softmax_is_named_by_its_file_once(saved_model, tmp_path) -> None:
    from mnist_course.backend import keras

    scores = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    scores.save(tmp_path / "scores.keras")
    result = run("evaluate", str(tmp_path / "scores.keras"), saved_model)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"error: {tmp_path / 'scores.keras'}: model ")
    assert "activation='softmax'" in result.stderr
    images = [str(tmp_path / f"{i}.png") for i in range(3)]  # never read: the model comes first
    result = run("predict", str(tmp_path / "scores.keras"), *images)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr


def test_evaluate_shifted_reads_each_test_image_five_times(two_models, npz_path) -> None:
    result = run("evaluate", *two_models, "--data", str(npz_path), "--shifted")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Each test image is read 5 times: as it is and moved one pixel each way."
    (_, _), (x_test, y_test) = mc.load_mnist(npz_path)
    members = [mc.load_model(path) for path in two_models]
    for line, path, model in zip(lines[1:], two_models, members, strict=False):
        shifted = mc.evaluate(model, x_test, y_test, shifted=True)
        assert line == f"{path}: {shifted} on 20 test images"
    ensemble = mc.evaluate_ensemble(members, x_test, y_test, shifted=True)
    assert lines[3] == f"ensemble of 2 (probabilities averaged): {ensemble} on 20 test images"


def test_evaluate_refuses_the_same_model_twice_before_reading_the_test_set(
    two_models, tmp_path
) -> None:
    copy = tmp_path / "copy.keras"
    copy.write_bytes(Path(two_models[0]).read_bytes())
    missing = tmp_path / "no-data.npz"  # never read: the refusal comes first
    for twice in ([two_models[0], two_models[0]], [two_models[0], two_models[1], str(copy)]):
        result = run("evaluate", *twice, "--data", str(missing))
        assert result.returncode == 1 and result.stdout == ""
        assert "are the same model" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("mistakes.jpg", "ending in .png"),
        ("missing/mistakes.png", "does not exist"),
        ("folder.png", "is a folder"),
    ],
)
def test_evaluate_refuses_a_bad_picture_path_before_any_work(name, message, tmp_path) -> None:
    # the model file does not exist either: the picture path is checked first, in seconds
    out = tmp_path / "out"
    out.mkdir()
    if name == "folder.png":
        (out / name).mkdir()
    result = run("evaluate", str(tmp_path / "none.keras"), "--mistakes", str(out / name))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: --mistakes") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in out.iterdir()] == (["folder.png"] if name == "folder.png" else [])
