from __future__ import annotations

import numpy as np
import pytest

from mnist_course import DatasetBrowser, InputError


def test_browser_starts_at_the_first_image(tiny_mnist) -> None:
    browser = DatasetBrowser(tiny_mnist["x_train"], tiny_mnist["y_train"])
    assert browser.index == 0
    assert "label 0" in browser.caption.value and "image 1 of 50" in browser.caption.value
    assert bytes(browser.picture.value).startswith(b"\x89PNG")


def test_browser_filters_by_digit(tiny_mnist) -> None:
    browser = DatasetBrowser(tiny_mnist["x_train"], tiny_mnist["y_train"])
    browser.position.value = 40
    browser.digit.value = 3
    assert browser.position.max == 4 and browser.position.value == 0
    assert browser.index == 3
    browser.position.value = 2
    assert browser.index == 23 and "image 3 of 5" in browser.caption.value
    browser.digit.value = None
    assert browser.position.max == 49


def test_browser_with_a_missing_digit(tiny_mnist) -> None:
    labels = tiny_mnist["y_train"].copy()
    labels[labels == 7] = 1
    browser = DatasetBrowser(tiny_mnist["x_train"], labels)
    browser.digit.value = 7
    assert browser.index == -1 and "No image of digit 7" in browser.caption.value


def test_browser_checks_its_input(tiny_mnist) -> None:
    with pytest.raises(InputError, match="labels"):
        DatasetBrowser(tiny_mnist["x_train"], np.zeros(3, np.uint8))


def test_live_curves_outside_a_notebook_prints_lines(tiny_mnist, capsys) -> None:
    from mnist_course import LiveCurves, prepare, tiny_mlp, train

    curves = LiveCurves("test")
    train(
        tiny_mlp(),
        *prepare(tiny_mnist["x_train"], tiny_mnist["y_train"]),
        epochs=2,
        progress=curves,
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["1/2", "2/2"]
    assert len(curves.metrics["loss"]) == 2


@pytest.fixture
def explorer(tiny_mnist):
    from mnist_course import PredictionExplorer, tiny_mlp

    probabilities = np.full((20, 10), 0.01, np.float32)
    predicted = tiny_mnist["y_test"].copy()
    predicted[[2, 5, 12]] = [7, 3, 7]  # three mistakes: 2->7, 5->3, 2->7
    probabilities[np.arange(20), predicted] = 0.91
    return PredictionExplorer(
        tiny_mlp(), tiny_mnist["x_test"], tiny_mnist["y_test"], probabilities=probabilities
    )


def test_explorer_starts_with_every_image(explorer) -> None:
    assert len(explorer.indices) == 20 and explorer.index == 0
    assert "true <b>0</b>, predicted <b>0</b>" in explorer.caption.value
    assert bytes(explorer.picture.value).startswith(b"\x89PNG")


def test_explorer_only_mistakes(explorer) -> None:
    explorer.only_mistakes.value = True
    assert explorer.indices.tolist() == [2, 5, 12]
    explorer.position.value = 1
    assert explorer.index == 5 and "wrong" in explorer.caption.value
    assert "image 2 of 3" in explorer.caption.value


def test_explorer_filters_by_true_and_predicted_digit(explorer) -> None:
    explorer.predicted_digit.value = 7
    assert explorer.indices.tolist() == [2, 7, 12, 17]
    explorer.true_digit.value = 2
    assert explorer.indices.tolist() == [2, 12]
    explorer.true_digit.value = 9
    assert explorer.index == -1 and "No image matches" in explorer.caption.value


def test_explorer_checks_its_input(tiny_mnist) -> None:
    from mnist_course import PredictionExplorer, tiny_mlp

    with pytest.raises(InputError, match="colour"):
        PredictionExplorer(tiny_mlp(), np.zeros((3, 28, 28, 3), np.uint8), np.zeros(3))
    with pytest.raises(InputError, match="labels"):
        PredictionExplorer(tiny_mlp(), tiny_mnist["x_test"], tiny_mnist["y_test"][:3])
