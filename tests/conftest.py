"""Shared fixtures: small synthetic MNIST-shaped data written in each supported layout."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from mnist_course.data.idx import write_idx
from mnist_course.data.loading import ENV_VAR, IDX_FILES, MIRRORS_ENV_VAR

# A property test that a random search fails one day in a thousand must not block a CI run:
# .ci/run picks this profile, whose examples are the same every run; locally each run
# explores new ones (and keeps any failure it finds in .hypothesis/, to replay it).
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# A line TensorFlow's C++ core writes to stderr before its log level switch is read
# (mnist_course/backend.py): "I0000 00:00:17965.1  9566 port.cc:153] oneDNN custom ...".
TENSORFLOW_LINE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    r"STDERR|[IWEF]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\] .*)$"
)


def without_tensorflow_lines(text: str) -> str:
    """``text`` less TensorFlow's own start-up lines, for tests of what the course prints."""
    return "".join(
        line
        for line in text.splitlines(keepends=True)
        if not TENSORFLOW_LINE.match(line.rstrip("\n"))
    )


def make_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    return images, labels


@pytest.fixture
def tiny_mnist() -> dict[str, np.ndarray]:
    """50 training and 20 test images of noise, every digit present."""
    (x_train, y_train), (x_test, y_test) = make_split(50, 0), make_split(20, 1)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


@pytest.fixture
def small(tiny_mnist: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The tiny training split prepared for an MLP: (50, 784) float32 and one-hot labels."""
    import mnist_course as mc

    return mc.prepare(tiny_mnist["x_train"], tiny_mnist["y_train"])


def quiet():
    """A progress callback that prints nothing, for tests that train."""
    import mnist_course as mc

    return mc.EpochLog(print_fn=lambda line: None)


@pytest.fixture
def npz_path(tmp_path: Path, tiny_mnist: dict[str, np.ndarray]) -> Path:
    path = tmp_path / "mnist.npz"
    np.savez(path, **tiny_mnist)
    return path


@pytest.fixture
def idx_folder(tmp_path: Path, tiny_mnist: dict[str, np.ndarray]) -> Path:
    folder = tmp_path / "idx"
    folder.mkdir()
    for key, name in IDX_FILES.items():
        write_idx(folder / name, tiny_mnist[key])
    return folder


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the real data or the user's Keras cache unless it asks to."""
    real = os.environ.get(ENV_VAR)
    if real:
        monkeypatch.setenv("MNIST_COURSE_REAL_DATA", real)
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv(MIRRORS_ENV_VAR, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Every test starts in English, whatever $MNIST_COURSE_LANG says, and ends in it."""
    from mnist_course.language import set_language

    set_language("en")
    yield
    set_language("en")  # also puts matplotlib's fonts back


@pytest.fixture
def real_mnist_path() -> Path:
    """The full MNIST, where MNIST_COURSE_DATA points (CI sets it); skipped elsewhere."""
    path = os.environ.get("MNIST_COURSE_REAL_DATA")
    if not path or not Path(path).exists():
        pytest.skip(f"set {ENV_VAR} to the full mnist.npz to run this test")
    return Path(path)
