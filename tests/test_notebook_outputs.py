"""The committed outputs: what nbval compares, and what no output may hold.

``pytest --nbval notebooks`` re-runs every notebook and compares each code cell's fresh
output with the committed one. So a compared output must be one that every CPU reproduces:

* no float printed past 4 significant digits, since the last digits of TensorFlow's
  arithmetic depend on the kernels it picks for the CPU (oneDNN or not, AVX-512 or not,
  one thread or two); cells whose floats are exact on every machine are listed in
  :data:`EXACT`, each with the reason;
* outputs with no stable precision (training runs, timings, random weights) are ignored with
  nbval's own tag, ``nbval-ignore-output``, and the share of compared cells stays high;
* no output holds a path of the machine that ran it.

``test_the_english_notebooks_pass_with_other_kernels`` re-runs the English notebooks with
TensorFlow's oneDNN kernels off, and again on one CPU core, so a figure that varies with the
kernels fails here and not on a learner's machine.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for p in (ROOT / "notebooks").glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
IGNORE_TAG = "nbval-ignore-output"
# The environment the suite was started in, before conftest's fixtures hide the data and the
# Keras cache from each test: the notebooks re-run below need both, as nbval's run has.
STARTING_ENVIRONMENT = dict(os.environ)

# Compared cells that print floats past 4 significant digits, and why every CPU prints the
# same. Key: notebook stem and cell id (the Chinese notebooks keep the English ids).
EXACT = {
    ("01_dataset", "845e8e3a"): "uint8 / 255 in float32 is one IEEE division: exact everywhere",
    ("03_learn", "steps"): "60,000 / 128 = 468.75 is exact in binary floating point",
}
# The least share of code cells whose output nbval compares, per language (measured before
# and after the portability work: 54% English; see README, "Testing").
LEAST_COMPARED_SHARE = 0.5

# A path that names the machine that ran the notebook: home and temporary folders, virtual
# and conda environments, and Windows drive letters.
MACHINE_PATH = re.compile(
    r"""
    (?<![\w.~])(?:/home|/Users|/root|/tmp|/var/folders|/private|/work|/mnt|/media|/opt|/srv)
        /[^\s'"<>)\]]*
    | (?<![A-Za-z])[A-Za-z]:[\\/][^\s'"<>)\]]*
    | (?<![^\s'"<>(\[])  # from a word's start only: linear on a long base64 string
      [^\s'"<>(\[]*(?:\.venv|venv|site-packages|envs|miniconda3|anaconda3)[\\/][^\s'"<>)\]]*
    """,
    re.VERBOSE,
)
# A float literal, or one in scientific notation; not a size in bytes (model.summary() prints
# its parameters' size, a count times 4 bytes, exact).
FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?(?![\w.])(?! [KMG]?B\b)")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def name_of(path: Path) -> str:
    return str(path.relative_to(ROOT / "notebooks"))


def code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def is_compared(cell: dict) -> bool:
    """Whether nbval compares this cell's output (the tag or nbval's comment markers)."""
    source = "".join(cell["source"])
    tags = set(cell.get("metadata", {}).get("tags", []))
    markers = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_CHECK_OUTPUT")
    return not (tags & {IGNORE_TAG, "nbval-skip"} or any(m in source for m in markers[:2]))


def strings_in(value: object) -> Iterator[str]:
    """Every string in a JSON value, however deeply nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        yield from strings_in("".join(value) if all(isinstance(v, str) for v in value) else "")
        for item in value:
            if not isinstance(item, str):
                yield from strings_in(item)


def output_texts(output: dict) -> Iterator[str]:
    """Every text a learner can read in one output: streams, text and JSON data, errors."""
    if "text" in output:
        yield from strings_in(output["text"])
    for kind, value in output.get("data", {}).items():
        if kind.startswith("text/") or kind.endswith("json"):
            yield from strings_in(value)
    if output.get("output_type") == "error":
        yield output.get("evalue", "")
        yield "\n".join(output.get("traceback", []))


def machine_paths(notebook: dict) -> list[str]:
    """The machine paths in a notebook's outputs and stored widget states."""
    texts = [
        text
        for cell in code_cells(notebook)
        for output in cell.get("outputs", [])
        for text in output_texts(output)
    ]
    texts += strings_in(notebook.get("metadata", {}).get("widgets", {}))
    return [match.group(0) for text in texts for match in MACHINE_PATH.finditer(text)]


def significant_digits(literal: str) -> int:
    mantissa = literal.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def unstable_floats(cell: dict) -> list[str]:
    """Floats in a compared cell's output that a CPU with other kernels may print otherwise."""
    found = []
    for output in cell.get("outputs", []):
        for text in output_texts(output):
            for literal in FLOAT.findall(text):
                if "e" in literal or significant_digits(literal) > 4:
                    found.append(literal)
    return found


# --------------------------------------------------------------------------- no machine paths


@pytest.mark.parametrize("path", NOTEBOOKS, ids=name_of)
def test_no_output_holds_a_path_of_the_machine_that_ran_it(path: Path) -> None:
    assert machine_paths(load(path)) == [], (
        "print paths relative to the course folder, or as a name (mc.shown_path does both)"
    )


# A library's warning in a stored output (TensorFlow's retracing notice, a Python warning,
# absl's log lines) is noise the notebook never explains: avoid its cause in the code.
LIBRARY_NOISE = re.compile(r"^(WARNING:\w+:|[IWE]\d{4} |\S+\.py:\d+: \w*Warning: )", re.M)


def library_noise(notebook: dict) -> list[str]:
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))  # a list of lines in the file
            if output.get("name") == "stderr" or LIBRARY_NOISE.search(text):
                found.append(f"{cell.get('id')}: {text[:80]!r}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=name_of)
def test_no_stored_output_is_a_library_warning(path: Path) -> None:
    assert library_noise(load(path)) == []


@pytest.mark.parametrize(
    "noise",
    [
        "WARNING:tensorflow:5 out of the last 37 calls to <function ...> triggered retracing.",
        "I0000 00:00:1796654497.262069    9072 cudart_stub.cc:31] Could not find cuda drivers",
        "/x/site-packages/keras/src/layers/layer.py:421: UserWarning: `build()` was called",
    ],
)
def test_the_noise_rule_catches_a_planted_warning(noise: str) -> None:
    notebook = copy.deepcopy(load(ROOT / "notebooks" / "02_build.ipynb"))
    cell = code_cells(notebook)[0]
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ok\n", noise]}]
    assert library_noise(notebook) != []
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["WARNING: words"]}]
    assert library_noise(notebook) == []


PLANTED = [
    "/home/ana/mnist-course/.venv/bin/python",
    "/Users/ana/Downloads/mnist.npz",
    "/root/.keras/datasets/mnist.npz",
    "/tmp/nbmodels/lenet-on-2-workers.keras",
    "/var/folders/xy/T/tmpab12/model.keras",
    "/opt/conda/envs/mnist/bin/python",
    "C:\\Users\\ana\\mnist\\.venv\\Scripts\\python.exe",
    "D:/data/mnist.npz",
    "../.venv/bin/python",
    "lab/venv/lib/python3.11/site-packages/keras",
]


@pytest.mark.parametrize("planted", PLANTED)
@pytest.mark.parametrize("where", ["stream", "result", "html", "error", "widget state"])
def test_a_planted_path_is_found(planted: str, where: str) -> None:
    notebook = copy.deepcopy(load(ROOT / "notebooks" / "01_dataset.ipynb"))
    cell = code_cells(notebook)[-1]
    text = f"saved the model to {planted}, done"
    if where == "stream":
        cell["outputs"].append({"output_type": "stream", "name": "stdout", "text": [text]})
    elif where in ("result", "html"):
        kind = "text/plain" if where == "result" else "text/html"
        cell["outputs"].append(
            {"output_type": "execute_result", "data": {kind: text}, "metadata": {}}
        )
    elif where == "error":
        cell["outputs"].append(
            {"output_type": "error", "ename": "OSError", "evalue": text, "traceback": []}
        )
    else:
        notebook["metadata"]["widgets"] = {"state": {"m": {"state": {"description": text}}}}
    assert planted in " ".join(machine_paths(notebook))


@pytest.mark.parametrize(
    "fine",
    [
        "../shared/data/mnist.npz",
        "~/.keras/datasets/mnist.npz",
        "models/lenet.keras",
        "/job:localhost/replica:0/task:0/device:CPU:0",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        "accuracy 97.0% (300 of 10000 wrong)",
    ],
)
def test_paths_that_name_no_machine_pass(fine: str) -> None:
    notebook = copy.deepcopy(load(ROOT / "notebooks" / "01_dataset.ipynb"))
    for cell in code_cells(notebook):
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [fine]}]
    notebook["metadata"].pop("widgets", None)
    assert machine_paths(notebook) == []


# --------------------------------------------------------------------------- stable precision


@pytest.mark.parametrize("path", NOTEBOOKS, ids=name_of)
def test_compared_outputs_print_floats_at_a_precision_every_cpu_shares(path: Path) -> None:
    stem = path.stem
    loose = {
        cell.get("id"): floats
        for cell in code_cells(load(path))
        if is_compared(cell) and (stem, cell.get("id")) not in EXACT
        if (floats := unstable_floats(cell))
    }
    assert loose == {}, (
        "these compared cells print floats past 4 significant digits: round them (f'{x:.4g}'),"
        " or, if no precision is stable, tag the cell nbval-ignore-output"
    )


def test_the_precision_rule_catches_a_long_float() -> None:
    cell = {"source": ["print(loss)"], "metadata": {}, "outputs": []}
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["loss 0.2345678"]}]
    assert unstable_floats(cell) == ["0.2345678"]
    cell["outputs"][0]["text"] = ["largest difference: 2.3841858e-07"]
    assert unstable_floats(cell) == ["2.3841858e-07"]
    cell["outputs"][0]["text"] = ["loss 0.2346, accuracy 97.06%, 11,935 parameters (46.62 KB)"]
    assert unstable_floats(cell) == []


def test_every_exact_cell_exists_and_is_compared() -> None:
    for stem, cell_id in EXACT:
        cell = next(
            c
            for c in code_cells(load(ROOT / "notebooks" / f"{stem}.ipynb"))
            if c.get("id") == cell_id
        )
        assert is_compared(cell) and unstable_floats(cell), (stem, cell_id)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_most_outputs_are_compared(language: str) -> None:
    paths = [p for p in NOTEBOOKS if (p.parent.name == "zh") == (language == "zh")]
    cells = [cell for path in paths for cell in code_cells(load(path))]
    share = sum(map(is_compared, cells)) / len(cells)
    assert share >= LEAST_COMPARED_SHARE, f"only {share:.0%} of code cells are compared"


# --------------------------------------------------------------------------- other kernels


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["oneDNN off", "one core"])
def test_the_english_notebooks_pass_with_other_kernels(setting: str) -> None:
    """The English notebooks again: without oneDNN's kernels, or on one core (one thread)."""
    env = dict(STARTING_ENVIRONMENT)
    command = [sys.executable, "-m", "pytest", "--nbval", "-q", "-p", "no:cacheprovider"]
    command += [str(p.relative_to(ROOT)) for p in NOTEBOOKS if p.parent.name == "notebooks"]
    if setting == "oneDNN off":
        env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    else:
        if not (shutil.which("taskset") and hasattr(os, "sched_getaffinity")):
            pytest.skip("taskset is needed to run on one core")
        command = ["taskset", "-c", str(min(os.sched_getaffinity(0))), *command]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_every_stored_widget_has_its_state_and_speaks_the_notebooks_language(path: Path) -> None:
    """A widget output is a view of a model stored in the notebook's metadata: without it a
    reader sees "Error displaying widget". In a Chinese notebook, its labels are Chinese."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    widgets = notebook["metadata"].get("widgets", {})
    state = widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    views = {
        output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    }
    assert views <= set(state), f"widget views without a stored state: {views - set(state)}"
    if "zh" in path.parts:
        english = [
            model["state"]["description"]
            for model in state.values()
            if isinstance(model.get("state", {}).get("description"), str)
            and re.search("[A-Za-z]{3,}", model["state"]["description"])
            and not re.search(r"[\u4e00-\u9fff]", model["state"]["description"])
        ]
        assert not english, f"English widget labels in a Chinese notebook: {english}"
