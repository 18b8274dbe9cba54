"""Train on worker processes on this machine as on several machines, one
``python -m mnist_course.distribute.multiworker`` each on 127.0.0.1. Whatever happens (a
failure, the time limit, Ctrl-C), no worker is left running."""

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
from .multiworker import MODELS_ON_WORKERS, weights_checksum

HOST = "127.0.0.1"
POLL_SECONDS = 0.1
STOP_GRACE_SECONDS = 5.0
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
MAX_WORKERS = 16  # each starts its own TensorFlow on this one machine


class WorkerError(MnistCourseError, RuntimeError):
    """A training worker failed or ran out of time; the other workers were stopped."""


@dataclass(frozen=True)
class WorkerReport:
    """One worker's ``TF_CONFIG`` index (0 is the chief), process id, sha256 of its final
    weights, and seconds from its start (TensorFlow's import included)."""

    index: int
    pid: int
    checksum: str
    seconds: float


@dataclass
class ClusterRun:
    """The outcome of :func:`train_on_workers`: the ``.keras`` file the chief saved, its
    per-epoch ``history``, each worker's report in index order, the largest difference
    between any weight on any two workers (0.0: identical), and the wall-clock seconds."""

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
        agree = tr("differing by up to {difference:.2g}", difference=self.max_weight_difference)
        scores = self.history.get("val_accuracy") or []
        scored = (
            tr("validation accuracy {accuracy:.2%}", accuracy=scores[-1])
            if scores
            else tr("no validation images")
        )
        return tr(
            "{workers} worker(s), {seconds:.1f} s: {scored}, weights {agree}; saved {path}",
            workers=len(self.workers),
            seconds=self.seconds,
            scored=scored,
            agree=tr("identical on every worker") if self.weights_agree else agree,
            path=shown_path(self.path),
        )


def free_ports(count: int, host: str = HOST) -> list[int]:
    """``count`` different TCP ports free on ``host`` now, all held open until all are picked."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for held in sockets:
            held.bind((host, 0))
        return [held.getsockname()[1] for held in sockets]


def _worker_env(addresses: list[str], index: int) -> dict[str, str]:
    task = {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}
    env = dict(os.environ, TF_CONFIG=json.dumps(task), **{LANGUAGE_ENV_VAR: get_language()})
    # The workers import this very package, wherever it was imported from.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.getenv("PYTHONPATH")]))
    # gRPC follows http_proxy; the workers talk to each other directly.
    for name in ("no_proxy", "NO_PROXY", "no_grpc_proxy"):
        env[name] = ",".join(filter(None, [os.getenv(name), HOST, "localhost"]))
    return env


def _tail(path: Path, lines: int = 12) -> str:
    kept = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return "\n".join(f"    {line}" for line in kept[-lines:]) or "    (no output)"


def _how_it_ended(code: int) -> str:
    if code >= 0:
        return f"exited with status {code}"
    names = {number.value: number.name for number in signal.Signals}
    return f"was killed by signal {names.get(-code, -code)}"


def _stop(processes: list[subprocess.Popen]) -> None:
    """Stop every process still running: politely, then for sure; wait for each."""
    for process in processes:
        process.terminate()  # Popen skips a process that has ended
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
    """Train a course model on ``workers`` processes with ``MultiWorkerMirroredStrategy``,
    each a Python process of its own talking to the others over TCP on 127.0.0.1. If a worker
    fails or the time runs out, the others are stopped and a :class:`WorkerError` says why.

    Parameters
    ----------
    name : str
        The recipe: ``"lenet"``, ``"mlp"``, ``"tiny-mlp"`` or ``"fast-cnn"``.
    workers, epochs, limit : int
        Processes; epochs (default: the recipe's); train on the first ``limit`` images only.
    validation, seed : int
        How many last training images to evaluate every epoch (0: none); the seed.
    data, out : path, optional
        ``mnist.npz`` or an IDX folder (default: as ``mc.load_mnist``); where worker 0
        saves the model (default: ``NAME-on-WORKERS-workers.keras`` in the model cache).
    precision : str, optional
        Overrides the recipe's.
    timeout : float
        Seconds the whole run may take, TensorFlow's start-up included.
    print_fn : callable, optional
        Receives worker 0's progress lines as they come (``None``: silence).

    Returns
    -------
    ClusterRun
    """
    if not isinstance(name, str) or name not in MODELS_ON_WORKERS:
        raise InputError(
            "train_on_workers: model {name!r} is not one of {models} (the cnn "
            "recipe's random augmentation is not split between workers).",
            name=name,
            models=", ".join(MODELS_ON_WORKERS),
        )
    for label, value, least in (
        ("workers", workers, 1),
        ("epochs", 1 if epochs is None else epochs, 1),
        ("limit", 1 if limit is None else limit, 1),
        ("validation", validation, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InputError(
                "train_on_workers: {label} must be a whole number >= {least}, got {value!r}.",
                label=label,
                least=least,
                value=value,
            )
    if workers > MAX_WORKERS:
        raise InputError(
            "train_on_workers: at most {most} workers, got {workers}: each starts its own "
            "TensorFlow on this machine.",
            most=MAX_WORKERS,
            workers=workers,
        )
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise InputError(
            "train_on_workers: timeout must be a number of seconds, got {timeout!r}.",
            timeout=timeout,
        )
    if out is None:
        from ..training.saving import model_cache_dir

        out = model_cache_dir() / f"{name}-on-{workers}-workers.keras"
    out = Path(out).expanduser().absolute()
    if out.suffix != ".keras":
        raise InputError("train_on_workers: out {out} must end in .keras.", out=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    threads = max(1, (os.cpu_count() or 1) // workers)  # the workers share this machine
    command = [sys.executable, "-m", "mnist_course.distribute.multiworker", name]
    command += ["--validation", str(validation), "--seed", str(seed), "--out", str(out)]
    command += ["--threads", str(threads), "--deadline", str(timeout + 30)]
    optional = {"--epochs": epochs, "--limit": limit, "--data": data, "--precision": precision}
    for flag, value in optional.items():
        if value is not None:
            command += [flag, str(value)]
    with tempfile.TemporaryDirectory(prefix="mnist_course-workers-") as folder:
        return _run([*command, "--report", folder], workers, Path(folder), out, timeout, print_fn)


def _run(command, count, folder, out, timeout, print_fn) -> ClusterRun:
    addresses = [f"{HOST}:{port}" for port in free_ports(count)]
    processes: list[subprocess.Popen] = []
    start, shown = time.monotonic(), 0
    try:
        for index in range(count):
            log = folder / f"worker-{index}"
            with open(f"{log}.out", "wb") as stdout, open(f"{log}.err", "wb") as stderr:
                env = _worker_env(addresses, index)
                streams = {"stdin": subprocess.DEVNULL, "stdout": stdout, "stderr": stderr}
                processes.append(subprocess.Popen(command, env=env, **streams))
        while True:
            codes = [p.poll() for p in processes]
            if print_fn is not None:  # after the poll: a finished worker's lines are all there
                text = (folder / "worker-0.out").read_bytes()[shown:]  # a few kB at most
                complete = text[: text.rfind(b"\n") + 1]  # pass on complete lines only
                shown += len(complete)
                for line in complete.decode(errors="replace").splitlines():
                    print_fn(line)
            failed = [i for i, code in enumerate(codes) if code not in (None, 0)]
            if failed:
                raise WorkerError(
                    f"worker {failed[0]} of {count} (pid {processes[failed[0]].pid}) "
                    f"{_how_it_ended(codes[failed[0]])} after {time.monotonic() - start:.1f} s; "
                    f"the other worker(s) were stopped. The end of its error output:\n"
                    + _tail(folder / f"worker-{failed[0]}.err")
                )
            if all(code == 0 for code in codes):
                break
            if time.monotonic() - start > timeout:
                waiting = [i for i, code in enumerate(codes) if code is None]
                raise WorkerError(
                    f"the workers did not finish within {timeout:.0f} s (still running: "
                    f"{', '.join(map(str, waiting))}); all were stopped. The end of worker "
                    f"{waiting[0]}'s error output:\n" + _tail(folder / f"worker-{waiting[0]}.err")
                )
            time.sleep(POLL_SECONDS)
    finally:
        _stop(processes)  # after success a no-op; after anything else, no worker outlives us
    reports, weights = [], []
    for index in range(count):
        with np.load(folder / f"worker-{index}.npz") as saved:
            reports.append(json.loads(str(saved["report"])))
            weights.append([saved[key] for key in saved.files if key != "report"])  # in order
    pairs = [(a, b) for other in weights[1:] for a, b in zip(weights[0], other, strict=True)]
    difference = max((float(np.abs(a - b).max(initial=0)) for a, b in pairs), default=0.0)
    workers = [
        WorkerReport(r["index"], r["pid"], weights_checksum(w), r["seconds"])
        for r, w in zip(reports, weights, strict=True)
    ]
    return ClusterRun(out, reports[0]["history"], workers, difference, time.monotonic() - start)
