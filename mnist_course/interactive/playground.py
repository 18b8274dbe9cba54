"""A playground to try the MLP's settings and compare the runs, scored on a validation set:
choosing the best of many runs by test accuracy would make that accuracy optimistic."""

import time

import ipywidgets as widgets
import numpy as np

from ..data.arrays import prepare
from ..evaluation.metrics import evaluate
from ..language import tr, tr_plot
from ..models.builders import mlp
from ..training.callbacks import LiveCurves
from ..training.fitting import compile_model, train
from .widgets import CourseWidget

# How the table shows a run's values, in the order of the run's row (units in the header)
_FORMATS = ("{}", "{:.2f}", "{:.0e}", "{}", "{:,}", "{:.1f}", "{:.2%}")


class TrainingPlayground(CourseWidget):
    """Try hyperparameters of the MLP without editing code; *Train* shows the curves live
    and adds a row to the table of runs, the best (by validation accuracy) in bold.

    Parameters
    ----------
    images, labels, validation_images, validation_labels : numpy.ndarray
        Raw (n, 28, 28) uint8 images and their digits, for training and, held out from it
        (not the test set), to score the runs.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        validation_images: np.ndarray,
        validation_labels: np.ndarray,
    ) -> None:
        self._x, self._y = prepare(images, labels)
        self._validation = prepare(validation_images, validation_labels)
        sizes = [n for n in (1000, 5000, 10000, 30000, 60000) if n < len(self._x)] + [len(self._x)]
        style = {"style": {"description_width": "130px"}}
        self.hidden_units = widgets.IntSlider(
            description=tr("hidden units"), value=128, min=8, max=512, step=8, **style
        )
        self.dropout = widgets.FloatSlider(
            description=tr("dropout"), value=0.01, min=0.0, max=0.6, step=0.01, **style
        )
        self.learning_rate = widgets.FloatLogSlider(
            description=tr("learning rate"), value=1e-3, min=-4, max=-1, step=0.25, **style
        )
        self.learning_rate.readout_format = ".0e"
        self.epochs = widgets.IntSlider(description=tr("epochs"), value=5, min=1, max=30, **style)
        self.train_size = widgets.SelectionSlider(
            description=tr("training images"), options=sizes, value=min(10000, sizes[-1]), **style
        )
        self.train_button = widgets.Button(description=tr("Train"), button_style="primary")
        self.train_button.on_click(lambda _button: self.train())
        self.status, self.curves, self.table = widgets.HTML(), widgets.Output(), widgets.HTML()
        self.runs: list[dict[str, float]] = []
        self.widget = widgets.VBox(
            [self.hidden_units, self.dropout, self.learning_rate, self.epochs, self.train_size]
            + [self.train_button, self.status, self.curves, self.table]
        )
        self._render_table()

    def train(self) -> dict[str, float]:
        """Train an MLP with the current settings; return and record its row."""
        row = {
            "hidden units": self.hidden_units.value,
            "dropout": self.dropout.value,
            "learning rate": self.learning_rate.value,
            "epochs": self.epochs.value,
            "training images": self.train_size.value,
        }
        self.train_button.disabled = True
        self.status.value = tr("Training...")
        try:
            model = mlp(hidden_units=(row["hidden units"],), dropout=row["dropout"])
            model = compile_model(model, learning_rate=row["learning rate"])
            count = row["training images"]
            self.curves.clear_output(wait=True)
            start = time.perf_counter()
            with self.curves:
                train(
                    model,
                    self._x[:count],
                    self._y[:count],
                    epochs=row["epochs"],
                    validation_data=self._validation,
                    progress=LiveCurves(
                        tr_plot("run {number}", number=len(self.runs) + 1), output=self.curves
                    ),
                )
            row["seconds"] = time.perf_counter() - start
            row["validation accuracy"] = evaluate(model, *self._validation).accuracy
        finally:
            self.train_button.disabled = False
        self.runs.append(row)
        self.status.value = tr(
            "Run {number}: validation accuracy <b>{accuracy:.2%}</b>.",
            number=len(self.runs),
            accuracy=row["validation accuracy"],
        )
        self._render_table()
        return row

    def _render_table(self) -> None:
        if not self.runs:
            self.table.value = tr("<i>No runs yet: choose settings and press Train.</i>")
            return
        best = max(range(len(self.runs)), key=lambda i: self.runs[i]["validation accuracy"])
        names = [tr("run"), tr("hidden units"), tr("dropout"), tr("learning rate"), tr("epochs")]
        names += [tr("training images"), tr("seconds"), tr("validation accuracy")]
        # a plain header, so that the best run is the only bold row
        head = "<th style='font-weight:normal; border-bottom:1px solid #888'>"
        rows = ["".join(f"{head}{name}</th>" for name in names)]
        for i, run in enumerate(self.runs, 1):
            cells = [i, *(f.format(v) for f, v in zip(_FORMATS, run.values(), strict=True))]
            weight = " style='font-weight:bold'" if i == best + 1 else ""
            rows.append(f"<tr{weight}>" + "".join(f"<td>{c}</td>" for c in cells))
        # spaced columns: without it, "1e-03 3 1,000" runs together
        spaced = "<table style='border-collapse:separate; border-spacing:14px 2px'><tr>"
        self.table.value = spaced + "</tr>".join(rows) + "</tr></table>"
