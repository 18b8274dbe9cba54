"""The command line, end to end, in a subprocess as a user would run it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mnist_course as mc


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mnist_course", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def test_train_saves_a_model_and_prints_test_accuracy(npz_path, tmp_path) -> None:
    out = tmp_path / "tiny.keras"
    result = run("train", "tiny-mlp", "--epochs", "2", "--data", str(npz_path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Training tiny-mlp on 50 images for 2 epochs"
    assert lines[1].startswith("epoch 1/2") and lines[2].startswith("epoch 2/2")
    assert "Test accuracy: " in lines[-1] and "on 20 test images" in lines[-1]
    assert mc.load_model(out).count_params() == 11_935


def test_train_lenet_on_a_subset_with_default_output(npz_path, tmp_path) -> None:
    result = run(
        "train", "lenet", "--epochs", "1", "--limit", "30", "--data", str(npz_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "on 30 images" in result.stdout
    assert (tmp_path / "lenet.keras").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "resnet"], "invalid choice: 'resnet'"),
        (["train", "mlp", "--epochs", "0"], "must be at least 1"),
        (["train", "mlp", "--epochs", "many"], "not a whole number"),
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
    assert result.returncode == 1 and "must end in .keras" in result.stderr
    result = run("train", "mlp", "--data", str(npz_path), "--out", str(tmp_path / "no" / "m.keras"))
    assert result.returncode == 1 and "does not exist" in result.stderr


def test_help() -> None:
    result = run("train", "--help")
    assert result.returncode == 0 and "--epochs" in result.stdout
