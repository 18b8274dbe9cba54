"""A playground to try the MLP's settings without editing code, and compare the runs.

Runs are scored and ranked on a validation set, never on the test set: choosing the best
of many runs by their test accuracy would make that accuracy an optimistic guess.
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from ..data.arrays import prepare
from ..evaluation.metrics import evaluate
from ..language import tr, tr_plot
from ..models.builders import mlp
from ..training.callbacks import LiveCurves
from ..training.fitting import compile_model, train

__all__ = ["TrainingPlayground"]


class TrainingPlayground:
    """Try hyperparameters of the MLP without editing code, and compare the runs.

    Choose hidden units, dropout, learning rate, epochs and how many training images to
    use; *Train* shows the learning curves live and the final validation accuracy, and adds
    a row to the table of runs. The best run, by validation accuracy, is in bold.

    Parameters
    ----------
    images, labels : numpy.ndarray
        Raw training images (n, 28, 28) uint8 and their digits.
    validation_images, validation_labels : numpy.ndarray
        Raw images and digits held out from training (not the test set), to score and
        compare the runs.
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
        sizes = [n for n in (1000, 5000, 10000, 30000, 60000) if n < len(self._x)]
        sizes.append(len(self._x))
        style = {"description_width": "130px"}
        self.hidden_units = widgets.IntSlider(
            value=128, min=8, max=512, step=8, description=tr("hidden units"), style=style
        )
        self.dropout = widgets.FloatSlider(
            value=0.01, min=0.0, max=0.6, step=0.01, description=tr("dropout"), style=style
        )
        self.learning_rate = widgets.FloatLogSlider(
            value=1e-3,
            base=10,
            min=-4,
            max=-1,
            step=0.25,
            description=tr("learning rate"),
            style=style,
            readout_format=".0e",
        )
        self.epochs = widgets.IntSlider(
            value=5, min=1, max=30, description=tr("epochs"), style=style
        )
        self.train_size = widgets.SelectionSlider(
            options=sizes,
            value=min(10000, sizes[-1]),
            description=tr("training images"),
            style=style,
        )
        self.train_button = widgets.Button(description=tr("Train"), button_style="primary")
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
        self.status.value = tr("Training...")
        try:
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
                    validation_data=self._validation,
                    progress=LiveCurves(tr_plot("run {number}", number=len(self.runs) + 1)),
                )
            seconds = time.perf_counter() - start
            accuracy = evaluate(model, *self._validation).accuracy
        finally:
            self.train_button.disabled = False
        row = {**settings, "seconds": seconds, "validation accuracy": accuracy}
        self.runs.append(row)
        self.status.value = tr(
            "Run {number}: validation accuracy <b>{accuracy:.2%}</b>.",
            number=len(self.runs),
            accuracy=accuracy,
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
        header = "".join(f"<th>{name}</th>" for name in names)  # the columns of a row, in order
        rows = []
        for i, run in enumerate(self.runs):
            cells = [
                f"{run['hidden units']}",
                f"{run['dropout']:.2f}",
                f"{run['learning rate']:.0e}",
                f"{run['epochs']}",
                f"{run['training images']:,}",
                f"{run['seconds']:.1f} s",
                f"{run['validation accuracy']:.2%}",
            ]
            weight = " style='font-weight:bold'" if i == best else ""
            rows.append(
                f"<tr{weight}><td>{i + 1}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
            )
        self.table.value = f"<table><tr>{header}</tr>{''.join(rows)}</table>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
