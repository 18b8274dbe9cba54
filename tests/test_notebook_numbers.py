"""Every number the notebooks' prose quotes comes from a run.

A quoted figure (an accuracy, a loss, a count: ``97.0%``, ``0.5776``, ``11,935``) must stand
in the notebook's own executed outputs or code, or be listed in :data:`RECORDED` with where
it was measured. So a sentence cannot drift from the figures: re-run a notebook, and a
number its prose still quotes but its outputs no longer print fails here.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# A figure: a decimal (0.5776, 99.1), or a count with thousands separators (11,935), with
# its percent sign; not part of a version, an address or a longer number.
NUMBER = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+\.\d+)%?(?![\w/]|\.\d|,\d)")
# What is not a quoted figure: code, exercise numbers, section numbers in headings.
NOT_PROSE = re.compile(r"```[\s\S]*?```|`[^`\n]*`|[Ee]xercises? \d+\.\d+|^#+ [^\n]*$", re.M)

# Figures measured outside the notebook, each with where it comes from.
BENCH_11 = "(bench/bench.py --sections 11 --seeds 7, 2026-12-07, 2-core Intel Xeon)"
EARLIER_RUN = "an earlier run, as the prose says (the cell varies by CPU: not compared by nbval)"
RECORDED: dict[str, dict[str, str]] = {
    "02_build": {
        "2.5": "5 / 2, the arithmetic of the pooling sentence",
        "18,340": "60 + 880 + 17,400: the three Conv2D rows of LeNet's summary, added",
        "55,050": "the folded solution's arithmetic (784 x 64 + 64 + 64 x 64 + 64 + 64 x 10 + 10)",
    },
    "03_learn": {
        "11,935": "tiny MLP parameters, printed in notebook 02",
        "109,994": "LeNet parameters, printed in notebook 02",
        "219,988": "2 x 109,994: two passes per weight",
        "59,904": "468 x 128: the full batches of an epoch, in the self-test's answer",
        "5,000": "notebook 03's validation split (x_train[55_000:])",
        "55,000": "notebook 03's training split",
        "54,000": "90% of 60,000: validation_split=0.1",
        "6,000": "10% of 60,000: validation_split=0.1",
        "0.082": "the folded solution's output (run 2026-12-06)",
        "0.35": "the folded solution's output (run 2026-12-06)",
        "0.086": "the folded solution's output (run 2026-12-06)",
        "0.36": "the folded solution's output (run 2026-12-06)",
        "0.230": "the folded solution's output (run 2026-12-06)",
        "3.626": "the folded solution's output (run 2026-12-06)",
    },
    "03_train": {
        "10,000": "the test set's size, printed in notebook 01",
        "99.1": "LeNet recipe, 10 epochs: 99.10% (bench/bench.py benchmark 1)",
        "99.2%": "LeNet recipe, 10 epochs: 99.20% (bench/bench.py benchmark 7)",
        "1.2%": EARLIER_RUN,
        "0.8": "100 - 99.2, the same benchmarks",
        "99.5%": "the cnn recipe (bench/bench.py benchmark 3)",
    },
    "04_evaluate": {
        "92.5%": "the committed screenshot images/prediction_explorer.png (make screenshots)",
    },
    "05_draw": {
        "91.6%": "the screenshot images/drawing_pad.png (taken by tests/test_browser.py)",
        "0.5": "a playground setting to try",
        "0.1": "a playground setting to try",
        "1,000": "a playground setting to try",
        "99.0%": "the capstone's target, checked by mc.check_capstone",
        "98.84%": "the tutorial's script, 10 epochs (bench/bench.py benchmarks 1 and 7)",
        "98.90%": "the capstone's setup with the tutorial's constant rate (RMSprop 0.001, 10 "
        "epochs of 128, x_fit -> x_val), seed 0, 2026-12-07, a 2-core Xeon with AMX",
        "99.00%": "idem, seed 1",
        "98.82%": "idem, seed 2",
        "10,000": "the test set's size, printed in notebook 01",
        "0.002": "the folded solution's learning rate",
        "0.001": "the tutorial's learning rate (RMSprop(learning_rate=0.001), notebook 03)",
        "99.5%": "the cnn recipe (bench/bench.py benchmark 3)",
    },
    "06_going_further": {
        "0.49": "bench/bench.py benchmark 10, seed by seed 0.53, 0.53, 0.49 (docs/performance.md)",
        "0.53": "idem",
        "0.34": "bench/bench.py benchmark 10 on a CPU with AMX, seed by seed 0.42, 0.34, 0.38 "
        "(docs/performance.md)",
        "0.42": "idem",
        "60,000": "the training set's size, printed in notebook 01",
        "99.1": "python -m mnist_course train lenet, 99.10% (bench/bench.py benchmark 1)",
        "99.2%": "python -m mnist_course train lenet (bench/bench.py benchmark 7)",
        "3.15": "the Keras version pinned in requirements.txt",
        "99.5%": "the cnn recipe (bench/bench.py benchmark 3)",
        "99.53%": "cnn seed 0 " + BENCH_11,
        "99.55%": "cnn seed 1 " + BENCH_11,
        "99.56%": "cnn seed 2 " + BENCH_11,
        "99.52%": "cnn seed 3 " + BENCH_11,
        "99.50%": "cnn seed 4 " + BENCH_11,
        "99.54%": "cnn seed 5 " + BENCH_11,
        "99.44%": "cnn seed 6 " + BENCH_11,
        "3.4": "seeds 0 and 2: time over the tutorial script's " + BENCH_11,
        "3.9": "seeds 1, 5 and 6, idem",
        "3.1": "seed 3's, idem",
        "3.8": "seed 4's, idem",
        "99.59%": "seeds 0-2 averaged " + BENCH_11,
        "99.64%": "seeds 0-4 averaged (python -m mnist_course evaluate) " + BENCH_11,
        "0.03": "the smallest gain from shifted copies (99.52 -> 99.55%) " + BENCH_11,
        "0.09": "the largest (99.50 -> 99.59%) " + BENCH_11,
        "99.61": "a member with shifted copies " + BENCH_11,
        "99.60": "idem",
        "99.55": "idem",
        "99.69%": "the five with shifted copies " + BENCH_11,
        "99.58%": "cnn seed 5 with shifted copies " + BENCH_11,
        "99.48%": "cnn seed 6 with shifted copies " + BENCH_11,
        "99.65%": "seeds 0-2 averaged with shifted copies " + BENCH_11,
        "99.67%": "all seven averaged with shifted copies " + BENCH_11,
        "0.01": "one image of 10,000, in points",
        "99.5": "the cnn recipe (bench/bench.py benchmark 3)",
        "99.7%": "published ensembles (Deotte's Kaggle study), cited",
        "99.77%": "published ensembles, cited",
        "99.79%": "published ensembles, cited",
        "99.91%": "An et al. (2020), cited as the issue does",
    },
}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def text_of(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def printed(notebook: dict) -> str:
    """Everything the code cells say: their source and every text output."""
    parts = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        parts.append(text_of(cell["source"]))
        for output in cell.get("outputs", []):
            parts.append(text_of(output.get("text", "")))
            data = output.get("data", {})
            parts += [text_of(data.get(kind, "")) for kind in ("text/plain", "text/html")]
    return "\n".join(parts)


def quoted(notebook: dict) -> list[tuple[str, str]]:
    """(cell id, figure) for each figure the markdown quotes."""
    found = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            prose = NOT_PROSE.sub(" ", text_of(cell["source"]))
            found += [(cell.get("id"), match.group()) for match in NUMBER.finditer(prose)]
    return found


def unbacked(notebook: dict, recorded: dict[str, str]) -> list[tuple[str, str]]:
    """The quoted figures that neither the outputs nor the record back."""
    said = printed(notebook)

    def backed(figure: str) -> bool:
        digits = figure.rstrip("%")
        forms = {digits, digits.replace(",", ""), digits.replace(",", "_")}
        return figure in recorded or digits in recorded or any(f in said for f in forms)

    return [(cell, figure) for cell, figure in quoted(notebook) if not backed(figure)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_quoted_number_comes_from_a_run(path: Path) -> None:
    missing = unbacked(load(path), RECORDED.get(path.stem, {}))
    assert missing == [], (
        "the prose quotes figures that no output prints: re-run, and quote what it prints "
        f"(or record where each was measured in RECORDED): {missing}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_recorded_number_is_still_quoted(path: Path) -> None:
    figures = {figure for _, figure in quoted(load(path))}
    figures |= {figure.rstrip("%") for figure in figures}
    stale = sorted(set(RECORDED.get(path.stem, {})) - figures)
    assert stale == [], f"RECORDED lists figures the prose no longer quotes: {stale}"


def test_a_changed_number_is_caught() -> None:
    notebook = load(ROOT / "notebooks" / "03_learn.ipynb")
    assert unbacked(notebook, RECORDED["03_learn"]) == []
    changed = copy.deepcopy(notebook)
    for cell in changed["cells"]:
        if cell["cell_type"] == "markdown" and "469 steps" in text_of(cell["source"]):
            cell["source"] = text_of(cell["source"]).replace("60,000", "61,000")
    assert ("learned", "61,000") in unbacked(changed, RECORDED["03_learn"])
