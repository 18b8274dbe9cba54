"""Training on two worker processes (MultiWorkerMirroredStrategy on 127.0.0.1).

Each test starts real workers, each importing TensorFlow, on a small learnable data set,
and checks what a learner relies on: they finish, agree on every weight, save a plain
Keras file, and leave no process behind, whether they succeed, fail, are killed, run out
of time or are interrupted.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import quiet

import mnist_course as mc
from mnist_course.backend import keras
from mnist_course.distribute.cluster import free_ports
from mnist_course.distribute.multiworker import weights_checksum

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process table in /proc"
)


def toy_mnist(path: Path, count: int = 1600) -> Path:
    """An MNIST-shaped file a tiny MLP learns in a few epochs: digit d is a bright row."""
    labels = (np.arange(count) % 10).astype(np.uint8)
    images = np.zeros((count, 28, 28), np.uint8)
    images[np.arange(count), labels * 2 + 3, :] = 255
    np.savez(path, x_train=images, y_train=labels, x_test=images[:100], y_test=labels[:100])
    return path


def children() -> set[int]:
    """Processes whose parent is this one (the workers, while they run)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        # the command name (field 2) may hold spaces; the parent id follows the state
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
            found.add(int(entry.name))
    return found


def worker_pid(index: int) -> int:
    """The running worker whose TF_CONFIG gives it this index."""
    for pid in children():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for variable in environ:
            if variable.startswith(b"TF_CONFIG=") and f'"index": {index}}}'.encode() in variable:
                return pid
    raise AssertionError(f"no worker {index} among {children()}")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return toy_mnist(tmp_path / "toy.npz")


@pytest.mark.slow  # starts worker processes
def test_two_workers_train_one_model_and_agree_on_every_weight(data, tmp_path) -> None:
    from mnist_course.backend import keras

    before = children()
    lines: list[str] = []
    run = mc.train_on_workers(
        "tiny-mlp",
        workers=2,
        epochs=10,
        validation=100,
        data=data,
        out=tmp_path / "m.keras",
        timeout=300,
        print_fn=lines.append,
    )
    assert [w.index for w in run.workers] == [0, 1]
    assert len({w.pid for w in run.workers}) == 2
    assert run.weights_agree and run.max_weight_difference == 0.0
    assert not any(alive(w.pid) for w in run.workers)
    assert children() == before
    # worker 0 relayed its progress: a first line, then one line per epoch
    assert lines[0] == "Training tiny-mlp on 1500 images for 10 epoch(s), 2 replicas"
    assert sum(line.startswith("epoch ") for line in lines) == 10
    assert len(run.history["val_accuracy"]) == 10
    assert run.history["val_accuracy"][-1] >= 0.9  # the toy task is learnt
    # the saved file is plain Keras, with the weights both workers ended with
    model = keras.saving.load_model(run.path)
    assert weights_checksum(model.get_weights()) == run.workers[0].checksum
    assert mc.evaluate(model, *_validation(data)).accuracy == run.history["val_accuracy"][-1]
    assert "identical on every worker" in str(run)


def _validation(data: Path, held: slice = slice(-100, None)) -> tuple[np.ndarray, np.ndarray]:
    with np.load(data) as arrays:
        return arrays["x_train"][held], arrays["y_train"][held]


@pytest.mark.slow  # starts worker processes
def test_two_workers_learn_what_one_process_learns(data, tmp_path) -> None:
    two = mc.train_on_workers(
        "tiny-mlp",
        workers=2,
        epochs=4,
        validation=100,
        data=data,
        out=tmp_path / "m.keras",
        timeout=300,
        print_fn=None,
    ).history
    images, labels = _validation(data, held=slice(None, -100))
    keras.utils.set_random_seed(0)  # the starting weights the workers' seed 0 gives them
    _, one = mc.train_course_model(
        "tiny-mlp",
        images,
        labels,
        epochs=4,
        seed=0,
        validation=_validation(data),
        progress=quiet(),
    )
    # The same global batches in the same order as mc.train_course_model: the gradient is
    # only summed in another order, so the runs differ by rounding, not by what they learnt.
    np.testing.assert_allclose(two["loss"], one.history["loss"], rtol=1e-3)
    assert two["val_accuracy"] == pytest.approx(one.history["val_accuracy"], abs=0.011)


def _kill_worker_1_once_training(lines: list[str]):
    def print_fn(line: str) -> None:
        lines.append(line)
        if line.startswith("Training"):
            worker_1 = worker_pid(1)
            os.kill(worker_1, signal.SIGKILL)
            lines.append(f"killed {worker_1}")

    return print_fn


@pytest.mark.slow  # starts worker processes
def test_a_killed_worker_is_a_clear_error_and_the_other_is_stopped(data, tmp_path) -> None:
    before, lines = children(), []
    with pytest.raises(mc.WorkerError) as caught:
        mc.train_on_workers(
            "tiny-mlp",
            workers=2,
            epochs=500,  # far longer than it takes to notice the kill
            validation=100,
            data=data,
            out=tmp_path / "m.keras",
            timeout=240,
            print_fn=_kill_worker_1_once_training(lines),
        )
    message = str(caught.value)
    killed = int(lines[-1].split()[1])
    # the dead worker is named, not the time limit: the others did not hang until then
    assert message.startswith(f"worker 1 of 2 (pid {killed}) was killed by signal SIGKILL")
    assert "the other worker(s) were stopped" in message
    assert children() == before
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.slow  # starts worker processes
def test_a_failing_worker_shows_its_error(tmp_path) -> None:
    before = children()
    with pytest.raises(
        mc.WorkerError,
        match=r"(?s)worker \d of 2 .*exited with status 1.*"
        r"error: MNIST data not found",
    ):
        mc.train_on_workers(
            "tiny-mlp", data=tmp_path / "missing.npz", out=tmp_path / "m.keras", timeout=240
        )
    assert children() == before


@pytest.mark.slow  # starts worker processes
def test_running_out_of_time_stops_every_worker(data, tmp_path) -> None:
    before = children()
    with pytest.raises(mc.WorkerError, match="did not finish within 2 s .* all were stopped"):
        mc.train_on_workers(
            "tiny-mlp", validation=100, data=data, out=tmp_path / "m.keras", timeout=2
        )
    assert children() == before


@pytest.mark.slow  # starts worker processes
def test_an_interrupted_run_leaves_no_worker_behind(data, tmp_path) -> None:
    before, seen = children(), []

    def interrupt(line: str) -> None:
        seen.extend(children() - before)
        raise KeyboardInterrupt  # what Ctrl-C or the notebook's stop button raises

    with pytest.raises(KeyboardInterrupt):
        mc.train_on_workers(
            "tiny-mlp",
            epochs=500,
            validation=100,
            data=data,
            out=tmp_path / "m.keras",
            timeout=240,
            print_fn=interrupt,
        )
    assert len(seen) == 2
    assert not any(alive(pid) for pid in seen)
    assert children() == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"name": "cnn"}, "model 'cnn' is not one of tiny-mlp, mlp, lenet, fast-cnn"),
        ({"workers": 0}, "workers must be a whole number >= 1, got 0"),
        ({"workers": 17}, "at most 16 workers, got 17"),
        ({"epochs": 1.5}, "epochs must be a whole number >= 1, got 1.5"),
        ({"validation": -1}, "validation must be a whole number >= 0"),
        ({"timeout": 0}, "timeout must be a number of seconds"),
        ({"out": "model.h5"}, "must end in .keras"),
    ],
)
def test_wrong_arguments_are_refused_before_any_worker_starts(arguments, message) -> None:
    before = children()
    with pytest.raises(mc.InputError, match=message):
        mc.train_on_workers(**arguments)
    assert children() == before


def test_free_ports_are_distinct() -> None:
    ports = free_ports(4)
    assert len(set(ports)) == 4 and all(0 < port < 65536 for port in ports)


def test_the_command_line_refuses_a_recipe_workers_cannot_train(capsys) -> None:
    from mnist_course.__main__ import main

    before = children()
    assert main(["train", "cnn", "--workers", "2"]) == 1
    assert "error: train_on_workers: model 'cnn' is not one of" in capsys.readouterr().err
    assert children() == before
