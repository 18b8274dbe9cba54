"""Benchmarks: the course's training and inference paths against the tutorial's and Keras's.

Every measurement runs in a fresh Python process (so no run inherits another's TensorFlow
state), one after another on the same machine, and the report prints each result beside
its baseline with the ratio. Accuracies are means over seeds.

    python bench/bench.py                  # full run, about an hour on 2 cores
    python bench/bench.py --quick          # smoke check, a few minutes
    python bench/bench.py --sections 7     # only benchmark 7 (combine with --quick)
    python bench/bench.py --sections 8     # the quick tests against the tutorial's script
    python bench/bench.py --sections 9     # each notebook's nbval run against the script
    python bench/bench.py --sections 10    # where the course LeNet's whole process goes
    python bench/bench.py --sections 11    # the strongest recipe, 3 seeds, and their ensemble

Needs the full MNIST: MNIST_COURSE_DATA or the Keras cache (see README).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- workers
# Each worker runs in its own process and prints one JSON line.


def _data(quick: bool):
    import mnist_course as mc

    (x, y), (xt, yt) = mc.load_mnist()
    if quick:
        x, y, xt, yt = x[:6000], y[:6000], xt[:2000], yt[:2000]
    return x, y, xt, yt


class _Clock:
    """Keras callback: training seconds (evaluation excluded) and test accuracy per epoch."""

    def __init__(self, keras, evaluate):
        outer = self

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                outer.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                outer.train_seconds += time.perf_counter() - outer.start
                outer.curve.append((outer.train_seconds, evaluate(self.model)))

        self.train_seconds, self.curve, self.callback = 0.0, [], Callback()


def worker_tutorial_lenet(seed: int, quick: bool) -> dict:
    """The tutorial's LeNet exactly as written: float64 NumPy arrays, model.fit, batch 128."""
    import numpy as np

    import mnist_course as mc
    from mnist_course.backend import keras

    x, y, xt, yt = _data(quick)
    keras.utils.set_random_seed(seed)
    x_in = x.reshape(-1, 28, 28, 1).astype("float64") / 255  # float64, as the tutorial had
    xt_in = xt.reshape(-1, 28, 28, 1).astype("float64") / 255
    y_in = keras.utils.to_categorical(y, 10)
    model = mc.lenet()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    clock = _Clock(keras, lambda m: float((m.predict(xt_in, verbose=0).argmax(1) == yt).mean()))
    model.fit(
        x_in, y_in, batch_size=128, epochs=1 if quick else 10, verbose=0, callbacks=[clock.callback]
    )
    return {
        "seconds": clock.train_seconds,
        "accuracy": clock.curve[-1][1],
        "curve": clock.curve,
        "dtype": str(np.asarray(x_in).dtype),
    }


def worker_keras_example(seed: int, quick: bool) -> dict:
    """The Keras example: conv32-pool-conv64-pool-dropout-dense, Adam, batch 128, 15 epochs."""
    import mnist_course as mc
    from mnist_course.backend import keras

    x, y, xt, yt = _data(quick)
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x_in, y_in = mc.prepare(x, y, layout="image")
    xt_in = mc.prepare(xt, layout="image")
    clock = _Clock(keras, lambda m: float((m.predict(xt_in, verbose=0).argmax(1) == yt).mean()))
    model.fit(
        x_in, y_in, batch_size=128, epochs=1 if quick else 15, verbose=0, callbacks=[clock.callback]
    )
    return {"seconds": clock.train_seconds, "accuracy": clock.curve[-1][1], "curve": clock.curve}


def worker_course(seed: int, quick: bool, name: str, epochs: int | None) -> dict:
    """A course model trained with the course's own path (mc.train_course_model)."""
    import mnist_course as mc
    from mnist_course.backend import keras

    x, y, xt, yt = _data(quick)
    clock = _Clock(keras, lambda m: mc.evaluate(m, xt, yt).accuracy)
    _, _ = mc.train_course_model(
        name,
        x,
        y,
        epochs=1 if quick else epochs,
        seed=seed,
        progress=mc.EpochLog(lambda line: None),
        callbacks=[clock.callback],
    )
    return {"seconds": clock.train_seconds, "accuracy": clock.curve[-1][1], "curve": clock.curve}


def worker_phases(seed: int, quick: bool, started: float, tutorial_accuracy: float) -> dict:
    """`python -m mnist_course train lenet`'s own steps, stamped: where the process goes.

    ``started`` is the parent's wall clock when it launched this process. Each epoch's test
    accuracy is measured for "time to the tutorial's accuracy", with its own time taken out
    of every later stamp (the command does not evaluate after each epoch).
    """
    stamps = {"interpreter": time.time()}
    from mnist_course.backend import keras  # TensorFlow and Keras

    stamps["import"] = time.time()
    from mnist_course.data.loading import load_mnist
    from mnist_course.evaluation.metrics import evaluate
    from mnist_course.training.callbacks import EpochLog
    from mnist_course.training.fitting import set_seed
    from mnist_course.training.recipes import train_course_model
    from mnist_course.training.saving import plain_model, save_model

    (x, y), (xt, yt) = load_mnist()
    if quick:
        x, y = x[:6000], y[:6000]
    stamps["data"] = time.time()
    probe = {"seconds": 0.0, "epochs": [], "reached": None}

    class Stamps(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            stamps["build"] = time.time()

        def on_epoch_end(self, epoch, logs=None):
            now = time.time() - probe["seconds"]
            probe["epochs"].append(now)
            start = time.perf_counter()
            accuracy = evaluate(self.model, xt, yt).accuracy
            probe["seconds"] += time.perf_counter() - start
            if probe["reached"] is None and accuracy >= tutorial_accuracy:
                probe["reached"], probe["epoch"] = now, epoch + 1

    set_seed(seed)
    model, _ = train_course_model(
        "lenet",
        x,
        y,
        epochs=1 if quick else None,
        seed=seed,
        progress=EpochLog(lambda line: None),
        callbacks=[Stamps()],
    )
    shift = probe["seconds"]
    stamps["first epoch"] = probe["epochs"][0]
    stamps["other epochs"] = probe["epochs"][-1]
    out = Path(os.environ["BENCH_OUT"])
    save_model(model, out)
    stamps["save"] = time.time() - shift
    accuracy = evaluate(plain_model(model), xt, yt).accuracy
    stamps["evaluate"] = time.time() - shift
    reached = probe["reached"]
    return {
        "started": started,
        "stamps": stamps,
        "shift": shift,
        "accuracy": accuracy,
        "reached": None if reached is None else reached - started,
        "epoch": probe.get("epoch"),
    }


def worker_inference(quick: bool) -> dict:
    """Images per second over the test set and single-image latency, course vs model.predict."""
    import numpy as np

    import mnist_course as mc

    _, _, xt, _ = _data(quick)
    out = {}
    for name in ("mlp", "lenet", "cnn"):
        model = mc.build_model(name)  # untrained: speed does not depend on the weights
        x_in = mc.prepare(xt, layout=mc.input_layout(model))
        mc.predict(model, xt[:16])
        model.predict(x_in[:16], verbose=0)
        rates = {}
        runners = {
            "course": lambda model=model: mc.predict(model, xt),
            "keras": lambda model=model, x_in=x_in: model.predict(x_in, verbose=0),
        }
        for label, run in runners.items():
            run()
            start = time.perf_counter()
            repeats = 1 if quick else 3
            for _ in range(repeats):
                run()
            rates[label] = len(xt) * repeats / (time.perf_counter() - start)
        latencies = []
        for i in range(50 if quick else 300):
            start = time.perf_counter()
            mc.predict_digit(model, xt[i % len(xt)])
            latencies.append(time.perf_counter() - start)
        out[name] = {
            "course_images_per_s": rates["course"],
            "keras_images_per_s": rates["keras"],
            "single_p50_ms": 1000 * float(np.median(latencies)),
        }
    return out


def worker_nbval() -> dict:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "notebooks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return {
        "seconds": time.perf_counter() - start,
        "returncode": result.returncode,
        "summary": (result.stdout.strip().splitlines() or [""])[-1],
    }


# --------------------------------------------------------------------------- whole process
# Benchmark 7 times what a user times: `time python script.py`, from the start of the
# process (Python, TensorFlow's import, loading MNIST) to its end, the model saved.

# The tutorial's LeNet script as written: pixels divided by 255 (float64 arrays),
# model.fit in batches of 128 for 10 epochs, a test evaluation, a save. Plain Keras layers:
# nothing of the course. The tutorial calls
# keras.datasets.mnist.load_data(), which is a sha256 check of the cached mnist.npz (about
# 0.05 s) and then this np.load; the script loads the file the course reads, as offline
# copies of MNIST may be saved again under another sha256, which Keras would re-download.
TUTORIAL_SCRIPT = """
import sys
import numpy as np
import keras
from keras import layers

epochs, limit, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
keras.utils.set_random_seed(seed)
with np.load(sys.argv[5], allow_pickle=False) as f:
    (x_train, y_train), (x_test, y_test) = (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
x_train, y_train = x_train[:limit], y_train[:limit]
x_train = x_train.reshape(-1, 28, 28, 1) / 255
x_test = x_test.reshape(-1, 28, 28, 1) / 255
y_train = keras.utils.to_categorical(y_train, 10)
y_test = keras.utils.to_categorical(y_test, 10)
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(6, 3, activation="relu"),
    layers.AveragePooling2D(2),
    layers.Conv2D(16, 3, activation="relu"),
    layers.AveragePooling2D(2),
    layers.Conv2D(120, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(84, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
              loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=2)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"Test: loss {loss:.4f}  accuracy {accuracy:.2%}")
model.save(out)
"""

# Loads a saved file where mnist_course cannot be imported, as a user without the course
# would, and says whether it is plain Keras: Keras's own layers, float32 throughout.
PLAIN_CHECK = """
import importlib.abc, json, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "mnist_course":
            raise ImportError("mnist_course is blocked")

sys.meta_path.insert(0, Block())
import keras

model = keras.saving.load_model(sys.argv[1])
foreign = [type(l).__module__ for l in model.layers if not type(l).__module__.startswith("keras.")]
dtypes = sorted({l.dtype_policy.name for l in model.layers})
print(json.dumps({"plain": not foreign and dtypes == ["float32"], "foreign": foreign,
                  "dtypes": dtypes}))
"""


def _mnist_file() -> Path:
    data = os.environ.get("MNIST_COURSE_DATA")
    if data and Path(data).is_file():
        return Path(data)
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return keras_home / "datasets" / "mnist.npz"  # where load_data() keeps it


def _whole_process(command: list[str], env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{result.stderr[-3000:]}")
    return seconds, result.stdout


def _test_accuracy(stdout: str) -> float:
    line = next(line for line in stdout.splitlines() if line.startswith("Test:"))
    return float(line.split("accuracy", 1)[1].split("%")[0]) / 100


def whole_process_pair(seed: int, quick: bool, folder: Path) -> dict:
    """The tutorial's script, then `python -m mnist_course train lenet`, each start to end."""
    epochs, limit = ("1", "6000") if quick else ("10", "60000")
    tutorial_out, course_out = folder / f"tutorial-{seed}.keras", folder / f"course-{seed}.keras"
    t_seconds, t_out = _whole_process(
        [sys.executable, "-c", TUTORIAL_SCRIPT, epochs, limit, str(seed), str(tutorial_out)]
        + [str(_mnist_file())],
        dict(os.environ),
    )
    course = [sys.executable, "-m", "mnist_course", "train", "lenet", "--out", str(course_out)]
    course += ["--seed", str(seed)] + (["--epochs", epochs, "--limit", limit] if quick else [])
    c_seconds, c_out = _whole_process(course, dict(os.environ, PYTHONPATH=str(ROOT)))
    check = subprocess.run(
        [sys.executable, "-c", PLAIN_CHECK, str(course_out)], capture_output=True, text=True
    )
    plain = (
        json.loads(check.stdout.strip().splitlines()[-1])
        if check.returncode == 0
        else {"plain": False, "error": check.stderr[-500:]}
    )
    return {
        "tutorial": {"seconds": t_seconds, "accuracy": _test_accuracy(t_out)},
        "course": {"seconds": c_seconds, "accuracy": _test_accuracy(c_out)},
        "plain": plain,
    }


def report_whole_process(seeds: list[int], quick: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-whole-") as folder:
        pairs = [whole_process_pair(seed, quick, Path(folder)) for seed in seeds]
    t_time = mean(p["tutorial"]["seconds"] for p in pairs)
    c_time = mean(p["course"]["seconds"] for p in pairs)
    print("7. Whole process, start to saved file (as `time` measures it): LeNet")
    print(f"   {'':38}{'seconds':>9}{'ratio':>8}{'test accuracy':>15}")
    for label, key, seconds in (
        ("tutorial's script (float64, fit)", "tutorial", t_time),
        ("python -m mnist_course train lenet", "course", c_time),
    ):
        accuracy = mean(p[key]["accuracy"] for p in pairs)
        print(f"   {label:38}{seconds:>8.1f}s{seconds / t_time:>8.2f}{accuracy:>15.2%}")
    each = ", ".join(f"{p['course']['seconds'] / p['tutorial']['seconds']:.2f}" for p in pairs)
    print(f"   ratio seed by seed: {each}")
    plain = all(p["plain"]["plain"] for p in pairs)
    detail = pairs[0]["plain"]
    print(
        "   saved file plain Keras (loads without mnist_course; Keras layers; float32): "
        + ("yes" if plain else f"NO {detail}")
    )
    print("   target: ratio <= 0.30, the saved file plain Keras\n", flush=True)


PHASES = ["interpreter", "import", "data", "build", "first epoch", "other epochs", "save"]
PHASES += ["evaluate"]
PHASE_NAMES = {
    "interpreter": "Python starts",
    "import": "import TensorFlow and Keras",
    "data": "load MNIST",
    "build": "build and compile, prepare the data",
    "first epoch": "first epoch (tracing included)",
    "other epochs": "the other epochs",
    "save": "save the .keras file",
    "evaluate": "evaluate on the test set",
    "exit": "Python exits",
}


def report_phases(seeds: list[int], quick: bool) -> None:
    """Where `python -m mnist_course train lenet`'s whole process goes, against the
    tutorial's script run just before it, seed by seed."""
    import tempfile

    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-phases-") as folder:
        for seed in seeds:
            epochs, limit = ("1", "6000") if quick else ("10", "60000")
            script = [sys.executable, "-c", TUTORIAL_SCRIPT, epochs, limit, str(seed)]
            script += [str(Path(folder) / "tutorial.keras"), str(_mnist_file())]
            tutorial, out = _whole_process(script, dict(os.environ))
            target = _test_accuracy(out)
            started = time.time()
            command = [sys.executable, __file__, "--worker", "phases", "--seed", str(seed)]
            command += ["--started", repr(started), "--target", repr(target)]
            env = dict(os.environ, PYTHONPATH=str(ROOT), BENCH_OUT=f"{folder}/course.keras")
            result = subprocess.run(command + (["--quick"] if quick else []), env=env, **_TEXT)
            ended = time.time()
            if result.returncode != 0:
                raise SystemExit(f"phases worker failed:\n{result.stderr[-3000:]}")
            run = json.loads(result.stdout.strip().splitlines()[-1])
            run.update(tutorial=tutorial, target=target, total=ended - started - run["shift"])
            run["stamps"]["exit"] = ended - run["shift"]
            runs.append(run)
    print("10. Where the course LeNet's whole process goes (python -m mnist_course train lenet)")
    print(f"   {'':40}{'seconds':>9}{'share':>8}{'ratio to the tutorial':>23}")
    tutorial = mean(r["tutorial"] for r in runs)
    previous = ["started"] + PHASES
    for phase, before in zip([*PHASES, "exit"], previous, strict=True):
        seconds = mean(
            r["stamps"][phase] - (r["started"] if before == "started" else r["stamps"][before])
            for r in runs
        )
        total = mean(r["total"] for r in runs)
        print(
            f"   {PHASE_NAMES[phase]:40}{seconds:>8.2f}s{seconds / total:>8.0%}"
            f"{seconds / tutorial:>23.3f}"
        )
    total = mean(r["total"] for r in runs)
    print(f"   {'whole process':40}{total:>8.2f}s{'':>8}{total / tutorial:>23.2f}")
    print(
        f"   tutorial's script, start to saved file  {tutorial:>8.2f}s  (accuracy "
        f"{mean(r['target'] for r in runs):.2%}; course {mean(r['accuracy'] for r in runs):.2%})"
    )
    reached = [r["reached"] for r in runs]
    if all(t is not None for t in reached):
        each = ", ".join(
            f"{t / r['tutorial']:.2f} after epoch {r['epoch']}"
            for t, r in zip(reached, runs, strict=True)
        )
        print(
            f"   time to the tutorial's own test accuracy, from the start: "
            f"{mean(reached):.1f}s, ratio {mean(reached) / tutorial:.2f} (seed by seed {each})"
        )
    else:
        print("   the course LeNet did not reach the tutorial's test accuracy in every run")
    ratios = ", ".join(f"{r['total'] / r['tutorial']:.2f}" for r in runs)
    print(f"   whole-process ratio seed by seed: {ratios}")
    print(
        "   targets: whole process <= 0.45, time to the tutorial's accuracy <= 0.25\n", flush=True
    )


_TEXT = {"capture_output": True, "text": True}


def _evaluate_cli(paths: list[str], shifted: bool) -> tuple[list[float], float]:
    """`python -m mnist_course evaluate` on saved models: each one's test accuracy, then the
    ensemble's (the one model's, for one)."""
    command = [sys.executable, "-m", "mnist_course", "evaluate", *paths]
    _, out = _whole_process(
        command + ["--shifted"] * shifted, dict(os.environ, PYTHONPATH=str(ROOT))
    )
    found = [float(a) / 100 for a in re.findall(r"accuracy ([\d.]+)%", out)]
    return found[: len(paths)], found[len(paths) if len(paths) > 1 else 0]


def report_how_far(seeds: list[int], quick: bool, recipe: str = "cnn") -> None:
    """The strongest recipe from the command line, seed by seed, each timed start to saved
    file against the tutorial's script run just before it; then their ensemble."""
    import tempfile

    epochs, limit = ("1", "6000") if quick else ("10", "60000")
    rows, paths = [], []
    # The models stay in build/bench/ (e.g. for `evaluate ... --mistakes`): minutes each.
    kept = ROOT / "build" / "bench"
    kept.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-how-far-") as folder:
        for seed in seeds:
            script = [sys.executable, "-c", TUTORIAL_SCRIPT, epochs, limit, str(seed)]
            script += [f"{folder}/tutorial.keras", str(_mnist_file())]
            tutorial, _ = _whole_process(script, dict(os.environ))
            path = str(kept / f"{recipe}-{seed}{'-quick' if quick else ''}.keras")
            command = [sys.executable, "-m", "mnist_course", "train", recipe, "--seed", str(seed)]
            command += ["--out", path] + (["--epochs", "1", "--limit", limit] if quick else [])
            seconds, out = _whole_process(command, dict(os.environ, PYTHONPATH=str(ROOT)))
            rows.append((seed, _test_accuracy(out), seconds, tutorial))
            paths.append(path)
        # Ensembles of the first 3, 5, ... seeds: what more seeds and shifted copies add
        # (--quick: the one seed, through the same commands).
        sizes = sorted({n for n in (3, 5, len(paths)) if n <= len(paths)})
        ensembles = {n: [_evaluate_cli(paths[:n], shifted)[1] for shifted in (0, 1)] for n in sizes}
        shifted_members, _ = _evaluate_cli(paths, shifted=True)
    print(f"11. How far MNIST goes: `python -m mnist_course train {recipe}`, start to saved file")
    print(f"   {'seed':>6}{'test accuracy':>15}{'seconds':>9}{'tutorial':>10}{'ratio':>7}")
    for seed, accuracy, seconds, tutorial in rows:
        print(
            f"   {seed:>6}{accuracy:>15.2%}{seconds:>8.0f}s{tutorial:>9.1f}s"
            f"{seconds / tutorial:>7.2f}"
        )
    for group in {len(rows[:3]): rows[:3], len(rows): rows}.values():  # the target's 3, all
        print(
            f"   mean of {len(group)}{mean(r[1] for r in group):>9.2%}"
            f"{mean(r[2] for r in group):>8.0f}s{mean(r[3] for r in group):>9.1f}s"
            f"{mean(r[2] / r[3] for r in group):>7.2f}"
        )
    each = ", ".join(f"{a:.2%}" for a in shifted_members)
    print(f"   each read shifted too (evaluate --shifted): {each}")
    for n, (plain, shifted) in ensembles.items():
        took = sum(r[2] for r in rows[:n])
        first, last = rows[0][0], rows[n - 1][0]
        which = f"seeds {first}-{last} averaged" if n > 1 else f"seed {first} alone"
        print(
            f"   {which} (evaluate): {plain:.2%}; with --shifted: {shifted:.2%}; "
            f"training took {took:.0f}s, {took / mean(r[3] for r in rows[:n]):.1f} x the "
            "tutorial's script"
        )
    print(
        "   targets: mean of 3 seeds >= 99.65%, each <= 6 x the tutorial's script; "
        "ensemble >= 99.70%\n",
        flush=True,
    )


def _tutorial_seconds(folder: Path, quick: bool) -> float:
    """The tutorial's LeNet script (seed 0), start to saved file: the unit of benchmarks 8-9."""
    epochs, limit = ("1", "6000") if quick else ("10", "60000")
    seconds, _ = _whole_process(
        [sys.executable, "-c", TUTORIAL_SCRIPT, epochs, limit, "0"]
        + [str(folder / "tutorial.keras"), str(_mnist_file())],
        dict(os.environ),
    )
    return seconds


def report_quick_tests(quick: bool) -> None:
    """`pytest tests -m "not slow"` (make test-fast) against the tutorial's LeNet script,
    both from start to end, one after the other on this machine."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-tests-") as folder:
        tutorial = _tutorial_seconds(Path(folder), quick)
        # --quick: one small test file, a smoke check of this benchmark itself
        where = "tests/test_layout.py" if quick else "tests"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", where]
        tests, out = _whole_process([*command, "-m", "not slow"], dict(os.environ))
    summary = out.strip().splitlines()[-1]
    print("8. The quick tests (make test-fast) against the tutorial's LeNet script")
    print(f"   tutorial's script, start to saved file  {tutorial:8.1f}s  1.00")
    print(f"   pytest tests -m 'not slow'              {tests:8.1f}s  {tests / tutorial:.2f}")
    print(f"   ({summary})")
    print("   target: ratio <= 4\n", flush=True)


def report_notebooks(quick: bool) -> None:
    """Each notebook's `pytest --nbval` run against the tutorial's LeNet script, both from
    start to end, one after the other on this machine (the budget: 3 times the script)."""
    import tempfile

    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    notebooks += sorted((ROOT / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb"))
    if quick:
        notebooks = notebooks[:1]
    with tempfile.TemporaryDirectory(prefix="bench-notebooks-") as folder:
        tutorial = _tutorial_seconds(Path(folder), quick)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval"]
        times = {}
        for notebook in notebooks:
            start = time.perf_counter()
            result = subprocess.run([*command, str(notebook)], cwd=ROOT, capture_output=True)
            seconds = time.perf_counter() - start
            verdict = "" if result.returncode == 0 else "  (FAILED)"
            times[notebook.relative_to(ROOT / "notebooks")] = (seconds, verdict)
    print("9. Each notebook under nbval against the tutorial's LeNet script (start to end)")
    print(f"   tutorial's script, start to saved file  {tutorial:8.1f}s  1.00")
    for name, (seconds, verdict) in times.items():
        print(f"   {str(name):38}{seconds:8.1f}s  {seconds / tutorial:.2f}{verdict}")
    print("   target: each notebook <= 3\n", flush=True)


# --------------------------------------------------------------------------- orchestration


def run_worker(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def mean(values) -> float:
    return statistics.fmean(values)


def accuracies(results: list[dict]) -> str:
    each = ", ".join(f"{r['accuracy']:.2%}" for r in results)
    return f"{mean(r['accuracy'] for r in results):.2%} (runs: {each})"


def first_reaching(curve, target: float):
    for seconds, accuracy in curve:
        if accuracy >= target:
            return seconds
    return None


def report(seeds: list[int], quick: bool, sections: set[int]) -> None:
    import mnist_course as mc

    q = ["--quick"] if quick else []
    mode = "QUICK (subset, 1 epoch)" if quick else "full"
    from mnist_course.models.builders import cpu_flags

    native = sorted(cpu_flags() & {"amx_bf16", "avx512_bf16"})
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {mode} run, seeds {seeds}\n"
        f"native bfloat16: {'yes (' + ', '.join(native) + ')' if native else 'no'}; "
        f"precision of the recipes marked auto (LeNet, CNNs) here: "
        f"{mc.resolve_precision('auto')}\n",
        flush=True,
    )

    def runs(kind: str, *extra: str) -> list[dict]:
        return [run_worker(kind, "--seed", str(seed), *extra, *q) for seed in seeds]

    if sections <= {7, 8, 9, 10, 11}:  # the whole-process benchmarks alone
        report_whole_processes(sections, seeds, quick)
        return

    # Baseline and course alternate seed by seed, so a machine that slows down or speeds up
    # during the run shifts both sides alike instead of skewing the ratio.
    tutorial, lenet = [], []
    for seed in seeds:
        tutorial.append(run_worker("tutorial_lenet", "--seed", str(seed), *q))
        lenet.append(run_worker("course", "--seed", str(seed), "--model", "lenet", *q))
    t_time, c_time = mean(r["seconds"] for r in tutorial), mean(r["seconds"] for r in lenet)
    print("1. LeNet, same epochs: the tutorial as written vs the course's training path")
    print(f"   {'':28}{'train time':>12}{'ratio':>8}{'test accuracy':>15}")
    for label, results, seconds in (
        ("tutorial (float64, fit)", tutorial, t_time),
        ("course (train_course_model)", lenet, c_time),
    ):
        accuracy = mean(r["accuracy"] for r in results)
        print(f"   {label:28}{seconds:>11.1f}s{seconds / t_time:>8.2f}{accuracy:>15.2%}")
    pairs = ", ".join(
        f"{c['seconds'] / t['seconds']:.2f}" for t, c in zip(tutorial, lenet, strict=True)
    )
    print(f"   ratio seed by seed: {pairs}")
    print("   target: ratio <= 0.40 with accuracy >= the tutorial's\n", flush=True)

    target = 0.99 if not quick else 0.9
    keras_example = runs("keras_example")
    fast = runs("course", "--model", "fast-cnn")
    print(f"2. Time to reach {target:.1%} test accuracy (training time only, mean over seeds)")
    rows = [
        ("tutorial LeNet", tutorial),
        ("Keras example CNN", keras_example),
        ("course LeNet recipe", lenet),
        ("course fast-cnn, 1 epoch", fast),
    ]
    base = [first_reaching(r["curve"], target) for r in tutorial]
    base_time = (
        mean(b for b in base if b is not None) if any(b is not None for b in base) else t_time
    )
    hits = sum(b is not None for b in base)
    base_note = (
        ""
        if hits == len(base)
        else f" (the tutorial reached it in {hits} of {len(base)} runs; its time is theirs)"
        if hits
        else " (the tutorial never reached it: its full training time is the baseline)"
    )
    for label, results in rows:
        reached = [first_reaching(r["curve"], target) for r in results]
        hits = [t for t in reached if t is not None]
        text = (
            f"{mean(hits):>11.1f}s{mean(hits) / base_time:>8.2f}"
            if hits
            else f"{'not reached':>12}{'':>8}"
        )
        print(f"   {label:28}{text}   reached in {len(hits)}/{len(results)} runs")
    print(f"   target: course <= 0.25 x the tutorial LeNet's time{base_note}\n", flush=True)

    strong = runs("course", "--model", "cnn")
    s_time = mean(r["seconds"] for r in strong)
    epochs_note = " (quick: 1 epoch on a subset)" if quick else ""
    print(f"3. The strongest model: course CNN, 15 epochs, augmentation, one-cycle{epochs_note}")
    print(
        f"   accuracy {accuracies(strong)}, time {s_time:.0f}s = "
        f"{s_time / 180:.2f} x the 3-minute target; target >= 99.5%\n",
        flush=True,
    )

    mlp = runs("course", "--model", "mlp")
    m_time = mean(r["seconds"] for r in mlp)
    print(f"4. MLP 128-32-10, course recipe (cosine-decayed RMSprop, 20 epochs){epochs_note}")
    print(
        f"   accuracy {accuracies(mlp)}, time {m_time:.0f}s = "
        f"{m_time / t_time:.2f} x the tutorial LeNet's; target >= 98.0%\n",
        flush=True,
    )

    inference = run_worker("inference", *q)
    print("5. Inference over the test set and one image at a time")
    print(f"   {'model':8}{'mc.predict':>14}{'model.predict':>15}{'ratio':>8}{'one image p50':>16}")
    for name, r in inference.items():
        ours, theirs = r["course_images_per_s"], r["keras_images_per_s"]
        print(
            f"   {name:8}{ours:>10,.0f} /s{theirs:>11,.0f} /s{ours / theirs:>8.1f}"
            f"{r['single_p50_ms']:>13.2f} ms"
        )
    print("   targets: LeNet >= 60,000/s, MLP >= 500,000/s, one image <= 1 ms p50\n", flush=True)

    if not quick:
        nbval = run_worker("nbval")
        print("6. pytest --nbval notebooks")
        print(
            f"   {nbval['seconds']:.0f}s = {nbval['seconds'] / 360:.2f} x the 6-minute target "
            f"({nbval['summary']})"
        )
        print()

    report_whole_processes(sections, seeds, quick)


def report_whole_processes(sections: set[int], seeds: list[int], quick: bool) -> None:
    """Benchmarks 7 to 9: whole processes, each against the tutorial's script."""
    if 7 in sections:
        report_whole_process(seeds, quick)
    if 8 in sections:
        report_quick_tests(quick)
    if 9 in sections:
        report_notebooks(quick)
    if 10 in sections:
        report_phases(seeds, quick)
    if 11 in sections:
        report_how_far(seeds, quick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="subset and one epoch: a smoke check")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per training benchmark")
    parser.add_argument(
        "--sections",
        type=lambda text: {int(n) for n in text.split(",")},
        default=set(range(1, 12)),
        help="7 (whole process), 8 (quick tests), 9 (notebooks), 10 (where the whole "
        "process goes) and 11 (how far MNIST goes) can run alone; default: all",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = {
            "tutorial_lenet": lambda: worker_tutorial_lenet(args.seed, args.quick),
            "keras_example": lambda: worker_keras_example(args.seed, args.quick),
            "course": lambda: worker_course(args.seed, args.quick, args.model, args.epochs),
            "inference": lambda: worker_inference(args.quick),
            "nbval": worker_nbval,
            "phases": lambda: worker_phases(args.seed, args.quick, args.started, args.target),
        }[args.worker]()
        print(json.dumps(result))
        return
    report(list(range(1 if args.quick else args.seeds)), args.quick, args.sections)


if __name__ == "__main__":
    main()
