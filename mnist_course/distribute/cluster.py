"""Train on several worker processes on this machine, as on several machines.

:func:`train_on_workers` picks free ports on 127.0.0.1, starts one
``python -m mnist_course.multiworker`` process per worker, each with its own ``TF_CONFIG``,
and waits for them with a time limit. On real machines the same worker program runs once
per machine, and a cluster manager (Kubernetes, Slurm, ...) sets ``TF_CONFIG`` with the
machines' addresses (see :mod:`mnist_course.multiworker`).

Whatever happens (a worker fails, the time runs out, Ctrl-C), no worker is left running:
the others are stopped, and the error names the worker and shows the end of its output.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, MnistCourseError
from ..files import shown_path
from ..language import ENV_VAR as LANGUAGE_ENV_VAR
from ..language import get_language, tr

__all__ = ["WorkerError", "WorkerReport", "ClusterRun", "train_on_workers", "free_ports"]

HOST = "127.0.0.1"
POLL_SECONDS = 0.1
STOP_GRACE_SECONDS = 5.0
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class WorkerError(MnistCourseError, RuntimeError):
    """A training worker failed or ran out of time; the other workers were stopped."""


@dataclass(frozen=True)
class WorkerReport:
    """What one worker reported when it finished.

    Attributes
    ----------
    index : int
        Its place in ``TF_CONFIG`` (0 is the chief, which saves the model).
    pid : int
        Its process id.
    checksum : str
        sha256 of its final weights' bytes.
    seconds : float
        From its start to its report, TensorFlow's import included.
    """

    index: int
    pid: int
    checksum: str
    seconds: float


@dataclass
class ClusterRun:
    """The outcome of :func:`train_on_workers`.

    Attributes
    ----------
    path : pathlib.Path
        The model the chief saved: a plain ``.keras`` file.
    history : dict of str to list of float
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, as
        ``History.history`` (the validation images are the last ones of the training set).
    workers : list of WorkerReport
        One per worker, in index order.
    max_weight_difference : float
        The largest difference between any weight on any two workers (0.0: identical).
    seconds : float
        Wall-clock time from starting the workers to the saved file.
    """

    path: Path
    history: dict[str, list[float]]
    workers: list[WorkerReport]
    max_weight_difference: float
    seconds: float

    @property
    def weights_agree(self) -> bool:
        """Whether every worker ended with exactly the same weights."""
        return len({w.checksum for w in self.workers}) == 1

    def __str__(self) -> str:
        agree = (
            tr("identical on every worker")
            if self.weights_agree
            else tr("differing by up to {difference:.2g}", difference=self.max_weight_difference)
        )
        return tr(
            "{workers} worker(s), {seconds:.1f} s: validation accuracy {accuracy:.2%}, "
            "weights {agree}; saved {path}",
            workers=len(self.workers),
            seconds=self.seconds,
            accuracy=self.history.get("val_accuracy", [float("nan")])[-1],
            agree=agree,
            path=shown_path(self.path),
        )


def free_ports(count: int, host: str = HOST) -> list[int]:
    """``count`` different TCP ports free on ``host`` now (the system picks them).

    All are held open until all are picked, so none is picked twice. Another program could
    still take one before a worker binds it; the worker then fails with a clear error.
    """
    sockets = []
    try:
        for _ in range(count):
            held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(held)
            held.bind((host, 0))
        return [held.getsockname()[1] for held in sockets]
    finally:
        for held in sockets:
            held.close()


def _tf_config(addresses: list[str], index: int) -> str:
    return json.dumps(
        {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}
    )


def _worker_env(addresses: list[str], index: int) -> dict[str, str]:
    env = dict(os.environ, TF_CONFIG=_tf_config(addresses, index))
    # The workers import this very package, wherever it was imported from.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    # The workers speak the language the learner chose (mc.set_language), not only $LANG's.
    env[LANGUAGE_ENV_VAR] = get_language()
    # gRPC follows http_proxy; the workers talk to each other directly.
    for name in ("no_proxy", "NO_PROXY", "no_grpc_proxy"):
        env[name] = ",".join(p for p in (os.environ.get(name, ""), HOST, "localhost") if p)
    return env


def _tail(path: Path, lines: int = 12) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no output)"
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in kept) or "    (no output)"


def _how_it_ended(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by signal {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _stop(processes: list[subprocess.Popen]) -> None:
    """Stop every process still running: politely, then for sure; wait for each."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        with contextlib.suppress(OSError):
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()


def _check(name, workers, epochs, limit, validation, timeout) -> None:
    from .multiworker import MODELS_ON_WORKERS

    if not isinstance(name, str) or name not in MODELS_ON_WORKERS:
        raise InputError(
            f"train_on_workers: model {name!r} is not one of {', '.join(MODELS_ON_WORKERS)} "
            "(the cnn recipe's random augmentation is not split between workers)."
        )
    for label, value, least in (
        ("workers", workers, 1),
        ("epochs", epochs, 1),
        ("limit", limit, 1),
        ("validation", validation, 0),
    ):
        if value is None and label in ("epochs", "limit"):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InputError(
                f"train_on_workers: {label} must be a whole number >= {least}, got {value!r}."
            )
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise InputError(f"train_on_workers: timeout must be a number of seconds, got {timeout!r}.")


def train_on_workers(
    name: str = "lenet",
    *,
    workers: int = 2,
    epochs: int | None = None,
    limit: int | None = None,
    validation: int = 5000,
    seed: int = 0,
    data: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    precision: str | None = None,
    timeout: float = 600.0,
    print_fn: Callable[[str], None] | None = print,
) -> ClusterRun:
    """Train a course model on ``workers`` processes with ``MultiWorkerMirroredStrategy``.

    Each worker is a separate Python process with its own TensorFlow, as on separate
    machines, talking to the others over TCP on 127.0.0.1. They train one model together:
    each takes its share of every batch (the recipe's batch size is the global batch),
    and the gradients are summed between them every step. Worker 0 saves the model.

    Parameters
    ----------
    name : str
        The recipe: ``"lenet"``, ``"mlp"``, ``"tiny-mlp"`` or ``"fast-cnn"``.
    workers : int
        How many worker processes.
    epochs : int, optional
        Default: the recipe's.
    limit : int, optional
        Train on only the first ``limit`` training images (after the validation images are
        set aside).
    validation : int
        The last ``validation`` training images are held out and evaluated every epoch
        (0: none are, and the history has no ``val_`` entries).
    seed : int
        Every worker starts from the same seed, and the batches follow it.
    data : path, optional
        ``mnist.npz`` or an IDX folder; default: as :func:`mnist_course.data.load_mnist`.
    out : path, optional
        Where worker 0 saves the model; default ``NAME-on-WORKERS-workers.keras`` in the
        model cache (``MNIST_COURSE_MODELS``, or ``models/``).
    precision : str, optional
        Overrides the recipe's: ``"float32"``, ``"mixed_bfloat16"`` or ``"auto"``.
    timeout : float
        Seconds the whole run may take, TensorFlow's start-up included; past it, every
        worker is stopped and :class:`WorkerError` raised.
    print_fn : callable, optional
        Receives worker 0's progress lines as they come (default :func:`print`; ``None``
        for silence).

    Returns
    -------
    ClusterRun
        The saved model's path, worker 0's history, each worker's report and whether
        their weights agree.

    Raises
    ------
    WorkerError
        A worker exited with an error or was killed, or the time ran out. The message
        names the worker and shows the end of its error output; the other workers have
        been stopped.
    """
    _check(name, workers, epochs, limit, validation, timeout)
    if out is None:
        from ..training.saving import model_cache_dir

        out = model_cache_dir() / f"{name}-on-{workers}-workers.keras"
    out = Path(out).expanduser().absolute()
    if out.suffix != ".keras":
        raise InputError(f"train_on_workers: out {out} must end in .keras.")
    out.parent.mkdir(parents=True, exist_ok=True)
    threads = max(1, (os.cpu_count() or 1) // workers)  # the workers share this machine
    options = ["--validation", str(validation), "--seed", str(seed), "--out", str(out)]
    options += ["--threads", str(threads), "--deadline", str(timeout + 30)]
    for flag, value in (("--epochs", epochs), ("--limit", limit), ("--data", data)):
        if value is not None:
            options += [flag, str(value)]
    if precision is not None:
        options += ["--precision", precision]
    with tempfile.TemporaryDirectory(prefix="mnist_course-workers-") as folder:
        return _run(name, options, workers, Path(folder), out, timeout, print_fn)


def _run(name, options, count, folder, out, timeout, print_fn) -> ClusterRun:
    addresses = [f"{HOST}:{port}" for port in free_ports(count)]
    processes: list[subprocess.Popen] = []
    start = time.monotonic()
    try:
        for index in range(count):
            command = [sys.executable, "-m", "mnist_course.distribute.multiworker", name, *options]
            command += ["--report", str(folder)]
            with (
                open(folder / f"worker-{index}.out", "wb") as stdout,
                open(folder / f"worker-{index}.err", "wb") as stderr,
            ):
                processes.append(
                    subprocess.Popen(
                        command,
                        env=_worker_env(addresses, index),
                        stdin=subprocess.DEVNULL,
                        stdout=stdout,
                        stderr=stderr,
                    )
                )
        _wait(processes, folder, start, timeout, print_fn)
    finally:
        _stop(processes)  # after success a no-op; after anything else, no worker outlives us
    return _collect(folder, out, [p.pid for p in processes], time.monotonic() - start)


def _wait(processes, folder, start, timeout, print_fn) -> None:
    shown = 0
    chief_out = folder / "worker-0.out"
    while True:
        if print_fn is not None:
            shown = _relay(chief_out, shown, print_fn)
        codes = [p.poll() for p in processes]
        failed = [i for i, code in enumerate(codes) if code not in (None, 0)]
        if failed:
            _stop(processes)
            index = failed[0]
            raise WorkerError(
                f"worker {index} of {len(processes)} (pid {processes[index].pid}) "
                f"{_how_it_ended(codes[index])} after {time.monotonic() - start:.1f} s; "
                f"the other worker(s) were stopped. The end of its error output:\n"
                + _tail(folder / f"worker-{index}.err")
            )
        if all(code == 0 for code in codes):
            if print_fn is not None:
                _relay(chief_out, shown, print_fn)
            return
        if time.monotonic() - start > timeout:
            _stop(processes)
            waiting = [i for i, code in enumerate(codes) if code is None]
            raise WorkerError(
                f"the workers did not finish within {timeout:.0f} s (still running: "
                f"{', '.join(map(str, waiting))}); all were stopped. The end of worker "
                f"{waiting[0]}'s error output:\n" + _tail(folder / f"worker-{waiting[0]}.err")
            )
        time.sleep(POLL_SECONDS)


def _relay(path: Path, shown: int, print_fn: Callable[[str], None]) -> int:
    """Pass on the complete lines of ``path`` after byte ``shown``; return the new offset."""
    try:
        with open(path, "rb") as handle:
            handle.seek(shown)
            text = handle.read()
    except OSError:
        return shown
    complete = text[: text.rfind(b"\n") + 1]
    for line in complete.decode(errors="replace").splitlines():
        print_fn(line)
    return shown + len(complete)


def _collect(folder: Path, out: Path, pids: list[int], seconds: float) -> ClusterRun:
    reports = []
    for index in range(len(pids)):
        path = folder / f"report-{index}.json"
        if not path.exists():
            raise WorkerError(f"worker {index} exited without its report ({path.name}).")
        reports.append(json.loads(path.read_text()))
    weights = []
    for index in range(len(pids)):
        with np.load(folder / f"weights-{index}.npz") as saved:
            weights.append([saved[key] for key in sorted(saved.files, key=_arr_number)])
    difference = max(
        (
            float(np.max(np.abs(a - b))) if a.size else 0.0
            for other in weights[1:]
            for a, b in zip(weights[0], other, strict=True)
        ),
        default=0.0,
    )
    return ClusterRun(
        path=out,
        history=reports[0]["history"],
        workers=[WorkerReport(r["index"], r["pid"], r["checksum"], r["seconds"]) for r in reports],
        max_weight_difference=difference,
        seconds=seconds,
    )


def _arr_number(key: str) -> int:
    return int(key.split("_")[1])  # np.savez names positional arrays arr_0, arr_1, ...
