"""Interactive widgets for the notebooks (ipywidgets): thin layers over plots and data.

Each widget keeps its state in ordinary attributes and ipywidgets controls, so a test can
set a control's ``value`` and check what is shown, without a browser.
"""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ._backend import keras
from .data import check_dataset
from .errors import InputError
from .evaluation import check_images, evaluate, predict, predict_digit
from .images import NoDigitError, render_strokes, to_mnist_image
from .models import mlp
from .plots import plot_history, plot_prediction
from .training import EpochLog, compile_model, set_seed, train

__all__ = [
    "DatasetBrowser",
    "DrawingPad",
    "LiveCurves",
    "PredictionExplorer",
    "TrainingPlayground",
    "figure_to_png",
]


def figure_to_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes, for an ``ipywidgets.Image``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class DatasetBrowser:
    """Step through MNIST images one at a time, optionally only one digit.

    Parameters
    ----------
    images : numpy.ndarray
        uint8 images, shape (n, 28, 28).
    labels : numpy.ndarray
        Their labels 0-9, shape (n,).

    Attributes
    ----------
    digit : ipywidgets.Dropdown
        Which digit to show; ``None`` for all.
    position : ipywidgets.IntSlider
        Position among the images of that digit.
    caption : ipywidgets.HTML
        Says which image is shown and its label.
    picture : ipywidgets.Image
        The image, drawn with matplotlib.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        images, labels = np.asarray(images), np.asarray(labels)
        try:
            check_dataset(images, labels, source="DatasetBrowser")
        except ValueError as error:
            raise InputError(str(error)) from None
        self.images, self.labels = images, labels
        self.digit = widgets.Dropdown(
            options=[("all digits", None)] + [(str(d), d) for d in range(10)],
            value=None,
            description="Show",
        )
        self.position = widgets.IntSlider(
            value=0, min=0, max=len(images) - 1, description="Image", continuous_update=False
        )
        self.caption = widgets.HTML()
        self.picture = widgets.Image(format="png", width=220, height=220)
        self.digit.observe(self._on_digit, names="value")
        self.position.observe(self._redraw, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.digit, self.position]), self.caption, self.picture]
        )
        self._redraw()

    @property
    def indices(self) -> np.ndarray:
        """Indices (into ``images``) of the images the current filter lets through."""
        if self.digit.value is None:
            return np.arange(len(self.labels))
        return np.flatnonzero(self.labels == self.digit.value)

    @property
    def index(self) -> int:
        """Index (into ``images``) of the image shown now; -1 when none matches."""
        matching = self.indices
        return int(matching[self.position.value]) if len(matching) else -1

    def _on_digit(self, _change: object = None) -> None:
        count = len(self.indices)
        # Order matters: moving value first keeps it inside the new range.
        self.position.value = 0
        self.position.max = max(count - 1, 0)
        self._redraw()

    def _redraw(self, _change: object = None) -> None:
        index, count = self.index, len(self.indices)
        if index < 0:
            self.caption.value = f"No image of digit {self.digit.value} in this set."
            self.picture.value = b""
            return
        label = int(self.labels[index])
        self.caption.value = (
            f"<b>label {label}</b> &nbsp; image {self.position.value + 1} of {count} "
            f"(index {index} in the set)"
        )
        fig = Figure(figsize=(2.8, 2.8), layout="constrained")
        ax = fig.subplots()
        ax.imshow(self.images[index], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(f"x[{index}]  label {label}")
        ax.set_axis_off()
        self.picture.value = figure_to_png(fig)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class LiveCurves(keras.callbacks.Callback):
    """Redraw the learning curves after every epoch, in place, while a model trains.

    Pass it as ``progress`` to ``mc.train``. Outside a notebook it prints one line per
    epoch instead (:class:`mnist_course.training.EpochLog`).

    Parameters
    ----------
    title : str, optional
        Title over the curves.
    """

    def __init__(self, title: str | None = None) -> None:
        super().__init__()
        self.title = title
        self.metrics: dict[str, list[float]] = {}
        self._handle = None
        self._lines = None if _in_notebook() else EpochLog()

    def set_model(self, model: keras.Model) -> None:
        super().set_model(model)
        if self._lines is not None:
            self._lines.set_model(model)

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        if self._lines is not None:
            self._lines.set_params(params)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.metrics = {}
        if self._lines is not None:
            self._lines.on_train_begin(logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self._lines is not None:
            self._lines.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.metrics.setdefault(key, []).append(float(value))
        if self._lines is not None:
            self._lines.on_epoch_end(epoch, logs)
            return
        from IPython.display import display

        total = self.params.get("epochs")
        latest = "  ".join(
            f"{k} {v[-1]:.4f}" for k, v in self.metrics.items() if k != "learning_rate"
        )
        heading = f"{self.title + ': ' if self.title else ''}epoch {epoch + 1}/{total}   {latest}"
        fig = plot_history(self.metrics, epochs=total, title=heading)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)


class PredictionExplorer:
    """Browse a test set with a model's verdict on each image.

    Filters: only the mistakes, a true digit, a predicted digit. Shows the image beside
    the model's ten probabilities. Predictions are computed once, when it is created.

    Parameters
    ----------
    model : keras.Model
        A trained course model.
    images : numpy.ndarray
        (n, 28, 28) uint8 images (or float in [0, 1]).
    labels : numpy.ndarray
        Their true digits, (n,).
    probabilities : numpy.ndarray, optional
        The model's (n, 10) predictions, if already computed (saves predicting again).

    Attributes
    ----------
    only_mistakes : ipywidgets.Checkbox
    true_digit, predicted_digit : ipywidgets.Dropdown
        ``None`` for any digit.
    position : ipywidgets.IntSlider
        Position among the images that pass the filters.
    caption : ipywidgets.HTML
    picture : ipywidgets.Image
    """

    def __init__(
        self,
        model: keras.Model,
        images: np.ndarray,
        labels: np.ndarray,
        probabilities: np.ndarray | None = None,
    ) -> None:
        self.images = check_images(images)
        self.labels = np.asarray(labels).astype(np.int64)
        if self.labels.shape != (len(self.images),):
            raise InputError(
                f"PredictionExplorer: {len(self.images)} images but labels shaped "
                f"{self.labels.shape}."
            )
        self.probabilities = (
            predict(model, self.images) if probabilities is None else np.asarray(probabilities)
        )
        if self.probabilities.shape != (len(self.images), 10):
            raise InputError(
                f"PredictionExplorer: probabilities must be shaped ({len(self.images)}, 10)."
            )
        self.predictions = self.probabilities.argmax(axis=1)
        digits = [("any", None)] + [(str(d), d) for d in range(10)]
        self.only_mistakes = widgets.Checkbox(value=False, description="only mistakes")
        self.true_digit = widgets.Dropdown(options=digits, value=None, description="true")
        self.predicted_digit = widgets.Dropdown(options=digits, value=None, description="predicted")
        self.position = widgets.IntSlider(
            value=0, min=0, max=len(self.images) - 1, description="image", continuous_update=False
        )
        self.caption = widgets.HTML()
        self.picture = widgets.Image(format="png")
        for control in (self.only_mistakes, self.true_digit, self.predicted_digit):
            control.observe(self._on_filter, names="value")
        self.position.observe(self._redraw, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.true_digit, self.predicted_digit, self.only_mistakes]),
                self.position,
                self.caption,
                self.picture,
            ]
        )
        self._on_filter()

    @property
    def indices(self) -> np.ndarray:
        """Indices of the images that pass the current filters."""
        keep = np.ones(len(self.labels), dtype=bool)
        if self.only_mistakes.value:
            keep &= self.predictions != self.labels
        if self.true_digit.value is not None:
            keep &= self.labels == self.true_digit.value
        if self.predicted_digit.value is not None:
            keep &= self.predictions == self.predicted_digit.value
        return np.flatnonzero(keep)

    @property
    def index(self) -> int:
        """Index of the image shown now; -1 when no image passes the filters."""
        matching = self.indices
        return int(matching[min(self.position.value, len(matching) - 1)]) if len(matching) else -1

    def _on_filter(self, _change: object = None) -> None:
        self.position.value = 0
        self.position.max = max(len(self.indices) - 1, 0)
        self._redraw()

    def _redraw(self, _change: object = None) -> None:
        index, count = self.index, len(self.indices)
        if index < 0:
            self.caption.value = "No image matches these filters."
            self.picture.value = b""
            return
        true, predicted = int(self.labels[index]), int(self.predictions[index])
        verdict = "right" if true == predicted else "<b style='color:crimson'>wrong</b>"
        self.caption.value = (
            f"image {self.position.value + 1} of {count} (test index {index}): true "
            f"<b>{true}</b>, predicted <b>{predicted}</b> "
            f"({self.probabilities[index, predicted]:.1%}), {verdict}"
        )
        fig = plot_prediction(self.images[index], self.probabilities[index], label=true)
        self.picture.value = figure_to_png(fig)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class DrawingPad:
    """Draw a digit with the mouse or a finger, and see what the model reads.

    The canvas only reports pointer events; the strokes are kept here in Python and drawn
    with :func:`mnist_course.images.render_strokes`, then prepared like any image
    (:func:`mnist_course.images.to_mnist_image`) before the model sees them. So the pad
    can be driven and tested without a browser: call :meth:`add_stroke` and
    :meth:`predict`.

    Parameters
    ----------
    model : keras.Model
        A trained course model.
    size : int
        Canvas width and height in pixels.
    """

    def __init__(self, model: keras.Model, size: int = 280) -> None:
        from ipycanvas import Canvas

        self.model, self.size = model, size
        self.pen_width = size / 12  # about as thick, relative to the digit, as MNIST's strokes
        self.strokes: list[list[tuple[float, float]]] = []
        self._drawing = False
        self.last_input: np.ndarray | None = None
        self.canvas = Canvas(
            width=size,
            height=size,
            layout=widgets.Layout(width=f"{size}px", height=f"{size}px", border="2px solid #888"),
        )
        self.predict_button = widgets.Button(description="Predict", button_style="primary")
        self.clear_button = widgets.Button(description="Clear")
        self.message = widgets.HTML()
        self.result = widgets.Image(format="png", width=480)
        self.canvas.on_mouse_down(self._pen_down)
        self.canvas.on_mouse_move(self._pen_move)
        self.canvas.on_mouse_up(self._pen_up)
        self.canvas.on_mouse_out(self._pen_up)
        self.canvas.on_touch_start(lambda touches: self._pen_down(*touches[0]))
        self.canvas.on_touch_move(lambda touches: self._pen_move(*touches[0]))
        self.canvas.on_touch_end(lambda touches: self._pen_up())
        self.predict_button.on_click(lambda _button: self.predict())
        self.clear_button.on_click(lambda _button: self.clear())
        self.widget = widgets.HBox(
            [
                widgets.VBox([self.canvas, widgets.HBox([self.predict_button, self.clear_button])]),
                widgets.VBox([self.message, self.result]),
            ]
        )
        self.clear()

    def _paper(self) -> None:
        self.canvas.clear()
        self.canvas.fill_style = "white"
        self.canvas.fill_rect(0, 0, self.size, self.size)
        self.canvas.stroke_style = "black"
        self.canvas.fill_style = "black"
        self.canvas.line_width = self.pen_width
        self.canvas.line_cap = "round"
        self.canvas.line_join = "round"

    def _pen_down(self, x: float, y: float) -> None:
        self._drawing = True
        self.strokes.append([(x, y)])
        self.canvas.fill_circle(x, y, self.pen_width / 2)

    def _pen_move(self, x: float, y: float) -> None:
        if not self._drawing:
            return
        (x0, y0) = self.strokes[-1][-1]
        self.strokes[-1].append((x, y))
        self.canvas.stroke_line(x0, y0, x, y)

    def _pen_up(self, x: float | None = None, y: float | None = None) -> None:
        self._drawing = False

    def add_stroke(self, points: list[tuple[float, float]]) -> None:
        """Draw one stroke through ``points`` (canvas pixels), as if with the mouse."""
        if not points:
            return
        self._pen_down(*points[0])
        for point in points[1:]:
            self._pen_move(*point)
        self._pen_up()

    def clear(self) -> None:
        """Wipe the canvas and the last prediction."""
        self.strokes, self._drawing, self.last_input = [], False, None
        self._paper()
        self.message.value = "Draw a digit in the box, then press <b>Predict</b>."
        self.result.value = b""

    def predict(self) -> tuple[int, float, np.ndarray] | None:
        """Read the drawing; show and return (digit, probability, all ten), or None if blank."""
        if not self.strokes:
            self.message.value = "<b>Draw a digit first</b>: the pad is empty."
            return None
        try:
            image = to_mnist_image(render_strokes(self.strokes, self.size, self.pen_width))
        except NoDigitError:
            self.message.value = "<b>Draw a digit first</b>: no ink on the pad."
            return None
        digit, probability, probabilities = predict_digit(self.model, image)
        self.last_input = image
        self.message.value = (
            f"It looks like a <b>{digit}</b> ({probability:.1%} sure). Left: the 28 x 28 "
            "input the model got; right: its probability for each digit."
        )
        self.result.value = figure_to_png(plot_prediction(image, probabilities))
        return digit, probability, probabilities

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class TrainingPlayground:
    """Try hyperparameters of the MLP without editing code, and compare the runs.

    Choose hidden units, dropout, learning rate, epochs and how many training images to
    use; *Train* shows the learning curves live and the final test accuracy, and adds a row
    to the table of runs.

    Parameters
    ----------
    images, labels : numpy.ndarray
        Raw training images (n, 28, 28) uint8 and their digits.
    test_images, test_labels : numpy.ndarray
        Raw test images and digits, for the final accuracy.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        test_images: np.ndarray,
        test_labels: np.ndarray,
    ) -> None:
        from .data import prepare

        self._x, self._y = prepare(images, labels)
        self._test = (test_images, test_labels)
        sizes = [n for n in (1000, 5000, 10000, 30000, 60000) if n < len(self._x)]
        sizes.append(len(self._x))
        style = {"description_width": "130px"}
        self.hidden_units = widgets.IntSlider(
            value=128, min=8, max=512, step=8, description="hidden units", style=style
        )
        self.dropout = widgets.FloatSlider(
            value=0.01, min=0.0, max=0.6, step=0.01, description="dropout", style=style
        )
        self.learning_rate = widgets.FloatLogSlider(
            value=1e-3,
            base=10,
            min=-4,
            max=-1,
            step=0.25,
            description="learning rate",
            style=style,
            readout_format=".0e",
        )
        self.epochs = widgets.IntSlider(value=5, min=1, max=30, description="epochs", style=style)
        self.train_size = widgets.SelectionSlider(
            options=sizes, value=min(10000, sizes[-1]), description="training images", style=style
        )
        self.train_button = widgets.Button(description="Train", button_style="primary")
        self.status = widgets.HTML()
        self.curves = widgets.Output()
        self.table = widgets.HTML()
        self.runs: list[dict[str, float]] = []
        self.train_button.on_click(lambda _button: self.train())
        self.widget = widgets.VBox(
            [
                self.hidden_units,
                self.dropout,
                self.learning_rate,
                self.epochs,
                self.train_size,
                self.train_button,
                self.status,
                self.curves,
                self.table,
            ]
        )
        self._render_table()

    def train(self) -> dict[str, float]:
        """Train an MLP with the current settings; return and record its row."""
        settings = {
            "hidden units": self.hidden_units.value,
            "dropout": self.dropout.value,
            "learning rate": self.learning_rate.value,
            "epochs": self.epochs.value,
            "training images": self.train_size.value,
        }
        self.train_button.disabled = True
        self.status.value = "Training..."
        try:
            set_seed(len(self.runs))
            model = compile_model(
                mlp(hidden_units=(settings["hidden units"],), dropout=settings["dropout"]),
                learning_rate=settings["learning rate"],
            )
            count = settings["training images"]
            self.curves.clear_output(wait=True)
            start = time.perf_counter()
            with self.curves:
                train(
                    model,
                    self._x[:count],
                    self._y[:count],
                    epochs=settings["epochs"],
                    progress=LiveCurves(f"run {len(self.runs) + 1}"),
                )
            seconds = time.perf_counter() - start
            accuracy = evaluate(model, *self._test).accuracy
        finally:
            self.train_button.disabled = False
        row = {**settings, "seconds": seconds, "test accuracy": accuracy}
        self.runs.append(row)
        self.status.value = f"Run {len(self.runs)}: test accuracy <b>{accuracy:.2%}</b>."
        self._render_table()
        return row

    def _render_table(self) -> None:
        if not self.runs:
            self.table.value = "<i>No runs yet: choose settings and press Train.</i>"
            return
        best = max(range(len(self.runs)), key=lambda i: self.runs[i]["test accuracy"])
        header = "".join(f"<th>{name}</th>" for name in ["run", *self.runs[0]])
        rows = []
        for i, run in enumerate(self.runs):
            cells = [
                f"{run['hidden units']}",
                f"{run['dropout']:.2f}",
                f"{run['learning rate']:.0e}",
                f"{run['epochs']}",
                f"{run['training images']:,}",
                f"{run['seconds']:.1f} s",
                f"{run['test accuracy']:.2%}",
            ]
            weight = " style='font-weight:bold'" if i == best else ""
            rows.append(
                f"<tr{weight}><td>{i + 1}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
            )
        self.table.value = f"<table><tr>{header}</tr>{''.join(rows)}</table>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
