"""Widgets to browse MNIST and a model's answers: ipywidgets controls over plots, so a test
can set a control's ``value`` and read what is shown, without a browser."""

import io

import ipywidgets as widgets
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

from ..backend import keras
from ..data.arrays import check_images, check_labels, check_probabilities
from ..evaluation.metrics import predict
from ..language import tr, tr_plot
from ..models.builders import model_pixels
from ..plots import draw_digit, plot_prediction

# The "every digit" options' values. Not None: ipywidgets 8 shows a dropdown whose value is
# None as an empty box, so the learner would never see the label.
ALL_DIGITS, ANY_DIGIT = "all", "any"


def figure_to_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes, for an ``ipywidgets.Image``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _digits(description: str, every: tuple[str, str], width: str) -> widgets.Dropdown:
    return widgets.Dropdown(
        options=[every, *((str(d), d) for d in range(10))],
        value=every[1],
        description=description,
        style={"description_width": "initial"},  # room for the whole label
        layout=widgets.Layout(width=width),  # three 300-pixel controls overflow a notebook
    )


class CourseWidget:
    """A course widget: a notebook cell whose value it is shows its ``widget``."""

    widget: widgets.Widget

    def _ipython_display_(self) -> None:
        display(self.widget)


class _Browser(CourseWidget):
    """A position among the images that pass the filters, a caption and a picture."""

    def _setup(self, filters: list[widgets.Widget], description: str, **picture: int) -> None:
        # counted from 1, as the caption's "image 1 of 60000" counts
        self.position = widgets.IntSlider(
            1, min=1, description=description, continuous_update=False
        )
        self.caption = widgets.HTML()
        self.picture = widgets.Image(format="png", **picture)
        for control in filters:
            control.observe(self._on_filter, names="value")
        self.position.observe(self._redraw, names="value")

    @property
    def index(self) -> int:
        """Index (into ``images``) of the image shown now; -1 when none passes the filters."""
        matching = self.indices
        return int(matching[min(self.position.value, len(matching)) - 1]) if len(matching) else -1

    def _on_filter(self, _change: object = None) -> None:
        self.position.value = 1  # first, so it stays inside the new range
        self.position.max = max(len(self.indices), 1)
        self._redraw()

    def _redraw(self, _change: object = None) -> None:
        self.caption.value, fig = self._describe(self.index)
        self.picture.value = figure_to_png(fig) if fig else b""
        # no picture: hidden, or a browser would draw a broken-image icon
        self.picture.layout.display = None if fig else "none"


class DatasetBrowser(_Browser):
    """Step through MNIST images (``position``), all or one ``digit`` (``"all"`` or 0-9).

    Parameters
    ----------
    images, labels : numpy.ndarray
        uint8 images (n, 28, 28) and their labels 0-9 (n,).
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = check_images(images, name="DatasetBrowser")
        self.labels = check_labels(labels, name="DatasetBrowser", count=len(self.images))
        self.digit = _digits(tr("Show"), (tr("all digits"), ALL_DIGITS), "160px")
        self._setup([self.digit], tr("Image"), width=220, height=220)
        self.widget = widgets.VBox(
            [widgets.HBox([self.digit, self.position]), self.caption, self.picture]
        )
        self._on_filter()

    @property
    def indices(self) -> np.ndarray:
        """Indices (into ``images``) of the images the current filter lets through."""
        if self.digit.value == ALL_DIGITS:
            return np.arange(len(self.labels))
        return np.flatnonzero(self.labels == self.digit.value)

    def _describe(self, index: int) -> tuple[str, Figure | None]:
        if index < 0:
            return tr("No image of digit {digit} in this set.", digit=self.digit.value), None
        label = int(self.labels[index])
        caption = tr(
            "<b>label {label}</b> &nbsp; image {n} of {count} (index {index} in the set)",
            label=label,
            n=self.position.value,
            count=len(self.indices),
            index=index,
        )
        fig = Figure(figsize=(2.8, 2.8), layout="constrained")
        title = tr_plot("x[{index}]  label {label}", index=index, label=label)
        draw_digit(fig.subplots(), self.images[index], title)
        return caption, fig


class PredictionExplorer(_Browser):
    """Browse a test set, each image beside the model's ten probabilities; filters:
    ``only_mistakes``, ``true_digit`` and ``predicted_digit`` (``"any"`` or 0-9).

    Parameters
    ----------
    model : keras.Model
    images, labels : numpy.ndarray
        (n, 28, 28) uint8 images (or float in [0, 1]) and their true digits (n,).
    probabilities : numpy.ndarray, optional
        The model's (n, 10) predictions, if already computed (else predicted here, once).
    """

    def __init__(
        self,
        model: keras.Model,
        images: np.ndarray,
        labels: np.ndarray,
        probabilities: np.ndarray | None = None,
    ) -> None:
        pixels = model_pixels(model)
        self.images = check_images(images, name="PredictionExplorer", pixels=pixels)
        count = len(self.images)
        self.labels = check_labels(labels, name="PredictionExplorer", count=count)
        self.probabilities = (
            predict(model, self.images)
            if probabilities is None
            else check_probabilities(probabilities, name="PredictionExplorer", count=count)
        )
        self.predictions = self.probabilities.argmax(axis=1)
        self.only_mistakes = widgets.Checkbox(
            description=tr("only mistakes"), indent=False, layout=widgets.Layout(width="auto")
        )
        self.true_digit = _digits(tr("true"), (tr("any"), ANY_DIGIT), "150px")
        self.predicted_digit = _digits(tr("predicted"), (tr("any"), ANY_DIGIT), "150px")
        filters = [self.true_digit, self.predicted_digit, self.only_mistakes]
        self._setup(filters, tr("image"))
        self.widget = widgets.VBox(
            [widgets.HBox(filters), self.position, self.caption, self.picture]
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

    def _describe(self, index: int) -> tuple[str, Figure | None]:
        if index < 0:
            return tr("No image matches these filters."), None
        true, predicted = int(self.labels[index]), int(self.predictions[index])
        verdict = tr("right") if true == predicted else tr("<b style='color:crimson'>wrong</b>")
        caption = tr(
            "image {n} of {count} (test index {index}): true <b>{true}</b>, predicted "
            "<b>{predicted}</b> ({probability:.1%}), {verdict}",
            n=self.position.value,
            count=len(self.indices),
            index=index,
            true=true,
            predicted=predicted,
            probability=self.probabilities[index, predicted],
            verdict=verdict,
        )
        return caption, plot_prediction(self.images[index], self.probabilities[index], label=true)
