"""Keras callbacks the course plugs into ``model.fit``: progress lines and live curves.

Pass them as ``model.fit(..., callbacks=[mc.LiveCurves()])``; they only watch training.
"""

from __future__ import annotations

import time

import numpy as np

from ..backend import keras
from ..errors import InputError
from ..language import N_, tr, tr_plot

__all__ = ["EpochLog", "LiveCurves", "KeepBest", "Stopwatch"]


class EpochLog(keras.callbacks.Callback):
    """Print one compact line per epoch: the metrics and how long the epoch took.

    Parameters
    ----------
    print_fn : callable
        Where the line goes; default :func:`print`.
    """

    def __init__(self, print_fn=print) -> None:
        super().__init__()
        self.print_fn = print_fn
        self.epochs = 0
        self._start = time.perf_counter()

    def on_train_begin(self, logs=None) -> None:
        self.epochs = self.params.get("epochs", 0)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        width = len(str(self.epochs))
        metrics = "  ".join(
            f"{_metric(k, tr)} {v:.4f}" for k, v in (logs or {}).items() if k != "learning_rate"
        )
        seconds = time.perf_counter() - self._start
        self.print_fn(
            tr(
                "epoch {epoch}/{epochs}  {metrics}  ({seconds:.1f} s)",
                epoch=str(epoch + 1).rjust(width),
                epochs=self.epochs,
                metrics=metrics,
                seconds=seconds,
            )
        )


METRIC_NAMES = {
    "loss": N_("loss"),
    "accuracy": N_("accuracy"),
    "val_loss": N_("val_loss"),
    "val_accuracy": N_("val_accuracy"),
}


def _metric(key: str, translate) -> str:
    """A metric's name in the course's language (``translate``: ``tr``, or for plots
    ``tr_plot``); names the course does not know stay as Keras writes them."""
    return translate(METRIC_NAMES[key]) if key in METRIC_NAMES else key


class KeepBest(keras.callbacks.Callback):
    """Remember the weights of the best epoch so an interrupted run can fall back to them.

    "Best" is the lowest ``val_loss``, or ``loss`` when there is no validation data.
    """

    def __init__(self) -> None:
        super().__init__()
        self.best_weights, self.best_epoch, self.best = None, None, np.inf

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        value = logs.get("val_loss", logs.get("loss", np.inf))
        if value < self.best:
            self.best, self.best_epoch = value, epoch + 1
            self.best_weights = self.model.get_weights()


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class LiveCurves(keras.callbacks.Callback):
    """Redraw the learning curves after every epoch, in place, while a model trains.

    ``model.fit(x, y, epochs=10, validation_split=0.1, callbacks=[mc.LiveCurves()])``.
    Outside a notebook it prints one :class:`EpochLog` line per epoch instead.

    Drawing the picture takes about half a second on a slow CPU, time taken from training,
    so when epochs are quicker than ``interval`` the curves are redrawn only every
    ``interval`` seconds; the first and the last epoch are always drawn.

    Parameters
    ----------
    title : str, optional
        Title over the curves.
    interval : float
        Seconds to wait at least between two redraws (0 redraws after every epoch).

    Attributes
    ----------
    metrics : dict of str to list of float
        Each metric's value after every epoch so far, as in ``History.history``.
    """

    def __init__(self, title: str | None = None, interval: float = 5.0) -> None:
        super().__init__()
        if isinstance(interval, bool) or not isinstance(interval, int | float) or not interval >= 0:
            raise InputError(
                tr(
                    "LiveCurves: interval must be a number of seconds, 0 or more, got "
                    "{interval!r}.",
                    interval=interval,
                )
            )
        self.title = title
        self.interval = float(interval)
        self.metrics: dict[str, list[float]] = {}
        self.redraws = 0
        self._handle = None
        self._drawn_at: float | None = None
        self._drawn_epochs = 0
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
        self.metrics, self.redraws = {}, 0
        self._drawn_at, self._drawn_epochs = None, 0
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
        last = epoch + 1 == self.params.get("epochs")
        waited = self._drawn_at is None or time.perf_counter() - self._drawn_at >= self.interval
        if last or waited:
            self._draw()

    def on_train_end(self, logs: dict | None = None) -> None:
        # A run stopped early (Ctrl-C, a callback) still ends on its final curves.
        drawn = self._drawn_epochs == len(self.metrics.get("loss", ()))
        if self._lines is None and self.metrics and not drawn:
            self._draw()

    def _draw(self) -> None:
        # Loaded here, not at import: the command line trains without matplotlib or IPython.
        from IPython.display import display

        from ..plots import plot_history

        total = self.params.get("epochs")
        epoch = len(self.metrics.get("loss", ())) - 1
        latest = "  ".join(
            f"{_metric(k, tr_plot)} {v[-1]:.4f}"
            for k, v in self.metrics.items()
            if k != "learning_rate"
        )
        if self.title:
            heading = tr_plot(
                "{title}: epoch {epoch}/{epochs}   {metrics}",
                title=self.title,
                epoch=epoch + 1,
                epochs=total,
                metrics=latest,
            )
        else:
            heading = tr_plot(
                "epoch {epoch}/{epochs}   {metrics}", epoch=epoch + 1, epochs=total, metrics=latest
            )
        fig = plot_history(self.metrics, epochs=total, title=heading)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        self._drawn_at, self._drawn_epochs = time.perf_counter(), epoch + 1
        self.redraws += 1


class Stopwatch(keras.callbacks.Callback):
    """Record, after every epoch, the seconds since training began, beside the metrics.

    ``watch = mc.Stopwatch(); mc.train(model, x, y, epochs=3, callbacks=[watch])``, then
    ``mc.plot_history(watch, x="seconds")`` draws the curves against time instead of
    epochs: the fair way to compare recipes whose epochs take different times.

    Attributes
    ----------
    history : dict of str to list of float
        Each metric after every epoch, as ``History.history``, plus ``"seconds"``: the time
        from the start of training to the end of that epoch (its evaluation included).
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self._start = time.perf_counter()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.history = {}
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        # Read the clock first: copying the metrics must not count as training time.
        seconds = time.perf_counter() - self._start
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.history.setdefault("seconds", []).append(seconds)
