"""Widgets to browse MNIST and a model's answers (ipywidgets): thin layers over plots.

Each widget keeps its state in ordinary attributes and ipywidgets controls, so a test can
set a control's ``value`` and check what is shown, without a browser. The drawing pad is
in :mod:`mnist_course.drawing`, the training playground in :mod:`mnist_course.playground`.
Labels and captions are in the course's language when the widget is made
(:func:`mnist_course.set_language`).
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..backend import keras
from ..data.arrays import check_images, check_labels, check_probabilities
from ..evaluation.metrics import predict
from ..language import tr, tr_plot
from ..plots import draw_digit, plot_prediction

__all__ = ["ALL_DIGITS", "ANY_DIGIT", "DatasetBrowser", "PredictionExplorer", "figure_to_png"]

# The value of the "every digit" option of a digit dropdown. Not None: ipywidgets 8 shows a
# dropdown whose value is None as an empty box, so the learner would never see the label.
ALL_DIGITS = "all"
ANY_DIGIT = "any"
# Room for each control's whole label; the dropdowns are given a width no larger than they
# need, since three default 300-pixel controls in a row are wider than a notebook.
_LABELS = {"description_width": "initial"}


def figure_to_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes, for an ``ipywidgets.Image``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _show(picture: widgets.Image, png: bytes) -> None:
    """Show `png` in `picture`; hide the picture when there is none (a browser would draw
    an empty image as a broken-image icon)."""
    picture.value = png
    picture.layout.display = None if png else "none"


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
        Which digit to show: 0-9, or ``"all"`` (:data:`ALL_DIGITS`, labelled "all digits").
    position : ipywidgets.IntSlider
        Position among the images of that digit.
    caption : ipywidgets.HTML
        Says which image is shown and its label.
    picture : ipywidgets.Image
        The image, drawn with matplotlib.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = check_images(images, name="DatasetBrowser")
        self.labels = check_labels(labels, name="DatasetBrowser", count=len(self.images))
        self.digit = widgets.Dropdown(
            options=[(tr("all digits"), ALL_DIGITS)] + [(str(d), d) for d in range(10)],
            value=ALL_DIGITS,
            description=tr("Show"),
            style=_LABELS,
            layout=widgets.Layout(width="160px"),
        )
        self.position = widgets.IntSlider(
            value=0,
            min=0,
            max=len(images) - 1,
            description=tr("Image"),
            continuous_update=False,
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
        if self.digit.value == ALL_DIGITS:
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
            self.caption.value = tr(
                "No image of digit {digit} in this set.", digit=self.digit.value
            )
            _show(self.picture, b"")
            return
        label = int(self.labels[index])
        self.caption.value = tr(
            "<b>label {label}</b> &nbsp; image {n} of {count} (index {index} in the set)",
            label=label,
            n=self.position.value + 1,
            count=count,
            index=index,
        )
        fig = Figure(figsize=(2.8, 2.8), layout="constrained")
        ax = fig.subplots()
        draw_digit(ax, self.images[index])
        ax.set_title(tr_plot("x[{index}]  label {label}", index=index, label=label))
        ax.set_axis_off()
        _show(self.picture, figure_to_png(fig))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


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
        A digit 0-9, or ``"any"`` (:data:`ANY_DIGIT`).
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
        self.images = check_images(images, name="PredictionExplorer", pixels="model")
        self.labels = check_labels(labels, name="PredictionExplorer", count=len(self.images))
        self.probabilities = (
            predict(model, self.images)
            if probabilities is None
            else check_probabilities(
                probabilities, name="PredictionExplorer", count=len(self.images)
            )
        )
        self.predictions = self.probabilities.argmax(axis=1)
        digits = [(tr("any"), ANY_DIGIT)] + [(str(d), d) for d in range(10)]
        self.only_mistakes = widgets.Checkbox(
            value=False,
            description=tr("only mistakes"),
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.true_digit, self.predicted_digit = (
            widgets.Dropdown(
                options=digits,
                value=ANY_DIGIT,
                description=name,
                style=_LABELS,
                layout=widgets.Layout(width="150px"),
            )
            for name in (tr("true"), tr("predicted"))
        )
        self.position = widgets.IntSlider(
            value=0,
            min=0,
            max=len(self.images) - 1,
            description=tr("image"),
            continuous_update=False,
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
        if self.true_digit.value != ANY_DIGIT:
            keep &= self.labels == self.true_digit.value
        if self.predicted_digit.value != ANY_DIGIT:
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
            self.caption.value = tr("No image matches these filters.")
            _show(self.picture, b"")
            return
        true, predicted = int(self.labels[index]), int(self.predictions[index])
        verdict = tr("right") if true == predicted else tr("<b style='color:crimson'>wrong</b>")
        self.caption.value = tr(
            "image {n} of {count} (test index {index}): true <b>{true}</b>, predicted "
            "<b>{predicted}</b> ({probability:.1%}), {verdict}",
            n=self.position.value + 1,
            count=count,
            index=index,
            true=true,
            predicted=predicted,
            probability=self.probabilities[index, predicted],
            verdict=verdict,
        )
        fig = plot_prediction(self.images[index], self.probabilities[index], label=true)
        _show(self.picture, figure_to_png(fig))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
