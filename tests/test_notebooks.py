"""What the notebooks teach, checked on their source: Keras on the page, an honest protocol.

nbval re-runs the notebooks and compares their outputs; these tests check the things a
re-run cannot see: which calls the code cells make, that the test set stays locked until
the end, and that every comparison is made on validation figures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
STAGES = ["01_dataset", "02_build", "03_learn", "03_train", "04_evaluate", "05_draw"]


def cells(name: str) -> list[dict]:
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    return [
        {"type": c["cell_type"], "id": c.get("id"), "source": "".join(c["source"])}
        for c in notebook["cells"]
    ]


def code(name: str) -> str:
    """The notebook's code cells: what runs, not the folded solutions in markdown."""
    return "\n".join(c["source"] for c in cells(name) if c["type"] == "code")


@pytest.mark.parametrize("name", ["02_build", "03_train", "04_evaluate"])
@pytest.mark.parametrize("call", ["compile", "fit", "evaluate", "predict"])
def test_the_stage_notebooks_call_keras_itself(name: str, call: str) -> None:
    assert re.search(rf"\b\w+\.{call}\(", code(name)), f"{name} never calls model.{call}("


@pytest.mark.parametrize("name", ["03_train"])
def test_training_goes_through_model_fit_not_a_wrapper(name: str) -> None:
    source = code(name)
    assert "mc.train(" not in source and "train_course_model(" not in source
    assert "callbacks=[mc.LiveCurves(" in source  # helpers plug into fit


@pytest.mark.parametrize("name", STAGES)
def test_every_notebook_ends_with_what_you_have_learned(name: str) -> None:
    last = [c for c in cells(name) if c["type"] == "markdown"][-1]["source"]
    assert "## What you have learned" in last


def test_the_first_mention_of_the_tutorial_credits_it() -> None:
    intro = cells("01_dataset")[0]["source"]
    assert "chengyong.blog.csdn.net/article/details/105846692" in intro
    assert "BV16g4y1z7Qu" in intro and "learning_rate=" in intro


def test_the_test_set_stays_locked_until_the_end_of_notebook_03() -> None:
    before, seen_heading = [], False
    for cell in cells("03_train"):
        if cell["type"] == "markdown" and "## The test set, at last" in cell["source"]:
            seen_heading = True
            break
        if cell["type"] == "code":
            before.append(cell["source"].replace("(x_test, y_test) = mc.load_mnist()", ""))
    assert seen_heading
    leaks = [line for src in before for line in src.splitlines() if re.search(r"[xy]_test", line)]
    assert leaks == [], f"test data used before the end: {leaks}"


def test_notebook_03_chooses_models_on_validation_figures() -> None:
    choose = next(c["source"] for c in cells("03_train") if c["id"] == "pick-table")
    assert 'history["val_accuracy"]' in choose and "max(" in choose
    assert "test" not in choose


def test_the_playground_is_given_validation_data_not_the_test_set() -> None:
    call = next(line for line in code("05_draw").splitlines() if "TrainingPlayground(" in line)
    assert "test" not in call and "x_val, y_val" in call


# Point 2 of the rework: each idea has a small demo a learner can run and change.
DEMOS = {
    ("01_dataset", "load-mnist"): "keras.datasets.mnist.load_data()",
    ("02_build", "sm-demo"): "keras.activations.softmax",
    ("02_build", "conv-compare"): "layers.Conv2D(1, 3",
    ("02_build", "conv-hand"): "for row in range(26)",
    ("02_build", "pool-demo"): "layers.AveragePooling2D(2)",
    ("02_build", "81a92267"): "layers.Dropout(0.5)",
    ("02_build", "l1-demo"): "mlp.losses",
    ("03_learn", "slope-nudge"): "(loss(w + nudge, b) - loss(w - nudge, b)) / (2 * nudge)",
    ("03_learn", "slope-tape"): "tf.GradientTape()",
    ("03_learn", "descent"): "w - learning_rate * slope_w",
    ("03_learn", "rates"): "descend(rate)",
    ("03_learn", "steps"): "math.ceil(len(x) / batch_size)",
    ("03_learn", "by-hand"): "weight.assign_sub(learning_rate * slope)",
    ("03_learn", "with-fit"): "keras.optimizers.SGD(learning_rate=learning_rate)",
    ("03_learn", "backprop"): "d_w1 = d_a * x_one",
    ("03_learn", "rmsprop"): "optimizer.apply_gradients(",
    ("03_learn", "fit"): "verbose=2",
    ("03_learn", "history"): 'history.history["loss"]',
    ("03_train", "xent-demo"): "keras.losses.categorical_crossentropy",
    ("04_evaluate", "nol1-count"): "np.abs(weights) < 0.001",
    ("04_evaluate", "5b9aaf12"): "mc.to_mnist_image",
}


@pytest.mark.parametrize(("where", "needle"), DEMOS.items(), ids=lambda x: str(x))
def test_each_idea_has_its_demo(where: tuple[str, str], needle: str) -> None:
    name, cell_id = where
    cell = next((c for c in cells(name) if c["id"] == cell_id), None)
    assert cell is not None and cell["type"] == "code", f"{name} lost its demo cell {cell_id}"
    assert needle in cell["source"]


def test_the_capstone_is_an_empty_cell_and_a_checker() -> None:
    cell = next(c for c in cells("05_draw") if c["id"] == "capstone")
    assert "my_lenet = None" in cell["source"] and "mc.check_capstone(" in cell["source"]


def test_gradient_descent_by_hand_comes_before_fit_and_matches_it() -> None:
    """Notebook 03_learn: the loop by hand and model.fit end with the same model."""
    ids = [c["id"] for c in cells("03_learn")]
    assert ids.index("by-hand") < ids.index("with-fit") < ids.index("fit")
    notebook = json.loads((NOTEBOOKS / "03_learn.ipynb").read_text())
    outputs = {
        c["id"]: "".join("".join(o.get("text", "")) for o in c.get("outputs", []))
        for c in notebook["cells"]
        if c["cell_type"] == "code"
    }
    by_hand, fit = re.search(r"by hand ([\d.]+), fit ([\d.]+)", outputs["with-fit"]).groups()
    assert by_hand == fit
    assert "the same 7,850 weights at the end: True" in outputs["with-fit"]
    chain, tape = re.findall(r"w1 = (-?[\d.]+), along w2 = (-?[\d.]+)", outputs["backprop"])
    assert chain == tape


def test_hints_come_before_folded_solutions_below_the_attempt_cell() -> None:
    learn = cells("03_learn")
    at = [c["id"] for c in learn].index("exercise")
    attempt, hint, solution = learn[at], learn[at + 1], learn[at + 2]
    assert attempt["type"] == "code" and "descend(" not in attempt["source"]
    assert hint["source"].startswith("<details><summary><b>Hint 1</b></summary>")
    assert solution["source"].startswith("<details><summary><b>Show a solution</b>")
    assert "</details>" in solution["source"]
    at = [c["id"] for c in learn].index("exercise-backprop")
    attempt, hint, solution = learn[at], learn[at + 1], learn[at + 2]
    assert attempt["type"] == "code" and "d_w1 = None" in attempt["source"]
    assert hint["source"].startswith("<details><summary><b>Hint 1</b></summary>")
    assert solution["source"].startswith("<details><summary><b>Show a solution</b>")
    assert "d_w1 = x_batch.T @" in solution["source"] and "</details>" in solution["source"]


def test_the_capstones_code_appears_only_inside_a_fold() -> None:
    """The capstone's answer (LeNet's layers) never stands unfolded in notebook 05."""
    folds = re.compile(r"<details>.*?</details>", re.S)
    learn = cells("05_draw")
    for cell in learn:
        if cell["type"] == "markdown":
            assert "layers.Conv2D(6, 3" not in folds.sub("", cell["source"]), cell["id"]
    at = [c["id"] for c in learn].index("capstone")
    hints, solution = learn[at + 1]["source"], learn[at + 2]["source"]
    assert hints.startswith("<details><summary><b>Hints</b>")
    assert solution.startswith("<details><summary><b>Show a solution</b>")


@pytest.mark.parametrize("name", [*STAGES, "06_going_further"])
def test_every_solution_is_folded_below_the_attempt_and_a_folded_hint(name: str) -> None:
    learn = cells(name)
    for at, cell in enumerate(learn):
        if cell["type"] == "markdown" and "<summary><b>Show a solution</b>" in cell["source"]:
            hint, attempt = learn[at - 1], learn[at - 2]
            assert cell["source"].startswith("<details>"), cell["id"]
            assert hint["source"].startswith("<details><summary><b>Hint"), cell["id"]
            assert attempt["type"] == "code", cell["id"]
