from __future__ import annotations

import numpy as np
import pytest

import mnist_course as mc
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
    assert browser.position.max == 5 and browser.position.value == 1
    assert browser.index == 3
    browser.position.value = 3
    assert browser.index == 23 and "image 3 of 5" in browser.caption.value
    browser.digit.value = "all"
    assert browser.position.max == 50


def test_browser_dropdown_shows_all_digits_on_first_display(tiny_mnist) -> None:
    # ipywidgets 8 draws a dropdown whose value is None as an empty box: the "all" option
    # must be a real, selected option so its label shows.
    browser = DatasetBrowser(tiny_mnist["x_train"], tiny_mnist["y_train"])
    assert browser.digit.index is not None and browser.digit.value is not None
    assert browser.digit.label == "all digits"
    assert browser.digit.options[browser.digit.index] == ("all digits", "all")
    browser.digit.value = 3
    browser.digit.label = "all digits"
    assert len(browser.indices) == 50


def test_browser_with_a_missing_digit(tiny_mnist) -> None:
    labels = tiny_mnist["y_train"].copy()
    labels[labels == 7] = 1
    browser = DatasetBrowser(tiny_mnist["x_train"], labels)
    browser.digit.value = 7
    assert browser.index == -1 and "No image of digit 7" in browser.caption.value
    assert browser.picture.layout.display == "none"  # no broken-image icon
    browser.digit.value = 1
    assert browser.picture.layout.display is None and bytes(browser.picture.value)


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
    explorer.position.value = 2
    assert explorer.index == 5 and "wrong" in explorer.caption.value
    assert "image 2 of 3" in explorer.caption.value


def test_explorer_dropdowns_show_any_on_first_display(explorer) -> None:
    for dropdown in (explorer.true_digit, explorer.predicted_digit):
        assert dropdown.index is not None and dropdown.value is not None
        assert dropdown.label == "any"
    explorer.true_digit.value = 4
    explorer.true_digit.label = "any"
    assert len(explorer.indices) == 20


def test_explorer_filters_by_true_and_predicted_digit(explorer) -> None:
    explorer.predicted_digit.value = 7
    assert explorer.indices.tolist() == [2, 7, 12, 17]
    explorer.true_digit.value = 2
    assert explorer.indices.tolist() == [2, 12]
    explorer.true_digit.value = 9
    assert explorer.index == -1 and "No image matches" in explorer.caption.value
    assert explorer.picture.layout.display == "none"


def test_explorer_checks_its_input(tiny_mnist) -> None:
    from mnist_course import PredictionExplorer, tiny_mlp

    with pytest.raises(InputError, match="colour"):
        PredictionExplorer(tiny_mlp(), np.zeros((3, 28, 28, 3), np.uint8), np.zeros(3))
    with pytest.raises(InputError, match="labels"):
        PredictionExplorer(tiny_mlp(), tiny_mnist["x_test"], tiny_mnist["y_test"][:3])


@pytest.fixture(scope="module")
def reader():
    """A model that reads the toy digits of `toy_digit`: a bar at a height per digit."""
    from mnist_course import compile_model, prepare, set_seed, tiny_mlp, train

    images = np.stack([toy_digit(d) for d in range(10)] * 30)
    labels = np.tile(np.arange(10), 30)
    set_seed(0)
    model = compile_model(tiny_mlp(hidden_units=32), learning_rate=0.01)
    train(
        model,
        *prepare(images, labels),
        epochs=40,
        batch_size=30,
        progress=__import__("mnist_course").EpochLog(lambda line: None),
    )
    return model


def toy_digit(digit: int) -> np.ndarray:
    """What the pad makes of a horizontal stroke drawn at height 60 + 16 * digit."""
    from mnist_course import to_mnist_image
    from mnist_course.data.images import render_strokes

    y = 60 + 16 * digit
    raster = render_strokes([[(40, y), (240, y)], [(140, 20), (140, 22)]], 280, 280 / 12)
    return (to_mnist_image(raster) * 255).astype(np.uint8)


def test_drawing_pad_records_strokes_and_predicts(reader) -> None:
    from mnist_course import DrawingPad

    pad = DrawingPad(reader)
    pad._pen_down(40, 108)
    pad._pen_move(140, 108)
    pad._pen_move(240, 108)
    pad._pen_up()
    pad._pen_move(10, 10)  # moving with the pen up draws nothing
    pad.add_stroke([(140, 20), (140, 22)])
    assert pad.strokes == [[(40, 108), (140, 108), (240, 108)], [(140, 20), (140, 22)]]
    pad.predict_button.click()
    assert "It looks like a <b>3</b>" in pad.message.value
    assert pad.last_input.shape == (28, 28)
    assert bytes(pad.result.value).startswith(b"\x89PNG")


def test_drawing_pad_blank_and_clear(reader) -> None:
    from mnist_course import DrawingPad

    pad = DrawingPad(reader)
    with pytest.raises(mc.InputError, match="pad is empty"):
        pad.predict()
    assert "Draw a digit first" in pad.message.value
    pad.add_stroke([(50, 50), (200, 200)])
    assert pad.predict() is not None
    pad.clear_button.click()
    assert pad.strokes == [] and pad.last_input is None and pad.result.value == b""
    with pytest.raises(mc.InputError):
        pad.predict()


def test_drawing_pad_covered_in_ink_odd_points_and_sizes(reader) -> None:
    from mnist_course import DrawingPad

    pad = DrawingPad(reader, size=100)
    for y in range(0, 101, 5):  # ink everywhere: as blank as no ink, but not "no ink"
        pad.add_stroke([(0, y), (100, y)])
    with pytest.raises(mc.InputError):
        pad.predict()
    assert "covered in ink" in pad.message.value
    for points in ([(10, 20, 0.5)], [(10,)], [("a", 3)], [(np.nan, 3)], [(1, np.inf)]):
        with pytest.raises(mc.InputError, match="add_stroke"):
            pad.add_stroke(points)
    with pytest.raises(mc.InputError, match="at most 2000 pixels"):
        DrawingPad(reader, size=10**9)


def test_drawing_pad_touch_events(reader) -> None:
    from mnist_course import DrawingPad

    pad = DrawingPad(reader)
    # the messages ipycanvas's front end sends
    send = pad.canvas._handle_frontend_event
    send(None, {"event": "touch_start", "touches": [{"x": 40, "y": 80}]}, [])
    send(None, {"event": "touch_move", "touches": [{"x": 200, "y": 80}]}, [])
    send(None, {"event": "touch_end", "touches": []}, [])
    send(None, {"event": "mouse_down", "x": 10, "y": 10}, [])
    send(None, {"event": "mouse_move", "x": 20, "y": 30}, [])
    send(None, {"event": "mouse_out", "x": 0, "y": 30}, [])
    send(None, {"event": "mouse_move", "x": 90, "y": 90}, [])
    assert pad.strokes == [[(40, 80), (200, 80)], [(10, 10), (20, 30)]]


def test_render_strokes() -> None:
    from mnist_course.data.images import render_strokes

    paper = render_strokes([[(10, 10), (50, 10)], [(30, 40)]], size=60, pen_width=6)
    assert paper.shape == (60, 60) and paper.dtype == np.uint8
    assert paper[10, 30] == 0 and paper[40, 30] == 0  # the line and the dot
    assert paper[25, 30] == 255 and paper[0, 0] == 255


def test_training_playground_trains_and_tabulates(tiny_mnist, capsys) -> None:
    from mnist_course import TrainingPlayground

    x, y = tiny_mnist["x_train"], tiny_mnist["y_train"]
    playground = TrainingPlayground(x[:40], y[:40], x[40:], y[40:])
    assert "No runs yet" in playground.table.value
    assert playground.train_size.options == (40,)
    playground.hidden_units.value = 16
    playground.epochs.value = 2
    playground.dropout.value = 0.2
    playground.train_button.click()
    playground.hidden_units.value = 32
    row = playground.train()
    assert len(playground.runs) == 2 and row["hidden units"] == 32 and row["epochs"] == 2
    assert "test accuracy" not in row and 0 <= row["validation accuracy"] <= 1
    assert playground.table.value.count("<tr") == 3 and "0.20" in playground.table.value
    assert "Run 2: validation accuracy" in playground.status.value
    assert "test" not in playground.table.value + playground.status.value
    assert not playground.train_button.disabled


def test_training_playground_scores_runs_on_the_validation_set(tiny_mnist) -> None:
    """The figure in the table is the model's accuracy on the validation images it was given."""
    import mnist_course.interactive.playground as playground_module

    x, y = tiny_mnist["x_train"], tiny_mnist["y_train"]
    scored = []
    real_evaluate = playground_module.evaluate

    def spy(model, images, labels):
        scored.append(len(images))
        return real_evaluate(model, images, labels)

    playground = mc.TrainingPlayground(x[:40], y[:40], x[40:], y[40:])
    playground.epochs.value = 1
    original, playground_module.evaluate = playground_module.evaluate, spy
    try:
        playground.train()
    finally:
        playground_module.evaluate = original
    assert scored == [10]  # the 10 validation images, and nothing else


def test_training_playground_bolds_the_best_validation_run(tiny_mnist) -> None:
    x, y = tiny_mnist["x_train"], tiny_mnist["y_train"]
    playground = mc.TrainingPlayground(x[:40], y[:40], x[40:], y[40:])
    settings = {"hidden units": 8, "dropout": 0.0, "learning rate": 1e-3, "epochs": 1}
    for accuracy in (0.70, 0.95, 0.80):
        playground.runs.append(
            {**settings, "training images": 40, "seconds": 1.0, "validation accuracy": accuracy}
        )
    playground._render_table()
    header, *rows = playground.table.value.split("<tr")[1:]
    assert ["font-weight:bold" in row for row in rows] == [False, True, False]
    assert "<th" in header and "bold" not in header  # or the best row would not stand out


class _FakeHandle:
    def __init__(self) -> None:
        self.updates = 0

    def update(self, figure) -> None:
        self.updates += 1


def _live_curves_in_a_notebook(monkeypatch, interval: float):
    """A LiveCurves that believes it runs in a notebook, with a clock the test moves."""

    from mnist_course.training import callbacks

    clock = {"now": 100.0}
    monkeypatch.setattr(callbacks, "_in_notebook", lambda: True)
    monkeypatch.setattr(callbacks.time, "perf_counter", lambda: clock["now"])
    handle = _FakeHandle()
    monkeypatch.setattr("IPython.display.display", lambda figure, display_id: handle)
    curves = callbacks.LiveCurves("test", interval=interval)
    return curves, clock, handle


def _run_epochs(curves, clock, seconds: list[float], total: int) -> None:
    curves.set_params({"epochs": total})
    curves.on_train_begin()
    for epoch, took in enumerate(seconds):
        clock["now"] += took
        curves.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 1.0})
    curves.on_train_end()


def test_live_curves_redraw_quick_epochs_only_every_interval(monkeypatch) -> None:
    curves, clock, handle = _live_curves_in_a_notebook(monkeypatch, interval=5.0)
    _run_epochs(curves, clock, [1.0] * 12, total=12)
    # epoch 1, then each time 5 s have passed (epochs 6, 11), then the last (12)
    assert curves.redraws == 4 and handle.updates == 3
    assert len(curves.metrics["loss"]) == 12


def test_live_curves_redraw_slow_epochs_every_time(monkeypatch) -> None:
    curves, clock, _ = _live_curves_in_a_notebook(monkeypatch, interval=5.0)
    _run_epochs(curves, clock, [6.0] * 4, total=4)
    assert curves.redraws == 4


def test_live_curves_draw_the_final_epoch_of_a_run_stopped_early(monkeypatch) -> None:
    curves, clock, _ = _live_curves_in_a_notebook(monkeypatch, interval=5.0)
    _run_epochs(curves, clock, [1.0] * 3, total=10)  # stopped after 3 of 10
    assert curves.redraws == 2  # epoch 1, and epoch 3 when training ended


def test_live_curves_in_a_widget_output_redraw_it_whole(monkeypatch) -> None:
    # A widget's Output area ignores in-place (display_id) updates: the playground showed
    # its first epoch's curves to the end. Given the Output, LiveCurves replaces its content.
    from mnist_course.training import callbacks

    class Output:
        def __init__(self) -> None:
            self.shown, self.inside = [], False

        def clear_output(self, wait: bool = False) -> None:
            self.shown.clear()

        def __enter__(self) -> None:
            self.inside = True

        def __exit__(self, *exc) -> None:
            self.inside = False

    output = Output()

    def display(figure, display_id=None):
        assert output.inside and display_id is None, "drawn outside the widget, or in place"
        output.shown.append(figure)

    clock = {"now": 100.0}
    monkeypatch.setattr(callbacks.time, "perf_counter", lambda: clock["now"])
    monkeypatch.setattr("IPython.display.display", display)
    curves = callbacks.LiveCurves("test", interval=5.0, output=output)
    _run_epochs(curves, clock, [1.0] * 3, total=3)
    assert curves.redraws == 2 and len(output.shown) == 1  # epoch 1, then the last, alone
    assert "3/3" in output.shown[0].texts[0].get_text()


@pytest.mark.parametrize("output", ["out", 3, [], object()])
def test_live_curves_refuse_an_output_that_is_not_a_widget(output) -> None:
    from mnist_course import InputError, LiveCurves

    with pytest.raises(InputError, match="ipywidgets.Output"):
        LiveCurves(output=output)


@pytest.mark.parametrize("interval", [-1, "5", True, float("nan")])
def test_live_curves_refuse_a_bad_interval(interval) -> None:
    from mnist_course import LiveCurves

    with pytest.raises(InputError, match="interval"):
        LiveCurves(interval=interval)
