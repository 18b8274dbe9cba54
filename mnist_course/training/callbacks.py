"""Keras callbacks that watch ``model.fit``: progress lines, live curves, a stopwatch."""

from __future__ import annotations

import time

import numpy as np

from ..backend import keras
from ..errors import InputError
from ..language import N_, tr, tr_plot

METRIC_NAMES = {
    "loss": N_("loss"),
    "accuracy": N_("accuracy"),
    "val_loss": N_("val_loss"),
    "val_accuracy": N_("val_accuracy"),
}


def _metrics_line(logs: dict, translate) -> str:
    """The metrics, named in the course's language (``tr``, or ``tr_plot`` for plots)."""
    return "  ".join(
        f"{translate(METRIC_NAMES[k]) if k in METRIC_NAMES else k} {v:.4f}"
        for k, v in logs.items()
        if k != "learning_rate"
    )


def _record(history: dict, logs: dict | None) -> None:
    for key, value in (logs or {}).items():
        history.setdefault(key, []).append(float(value))


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
        self.print_fn(
            tr(
                "epoch {epoch}/{epochs}  {metrics}  ({seconds:.1f} s)",
                epoch=str(epoch + 1).rjust(len(str(self.epochs))),
                epochs=self.epochs,
                metrics=_metrics_line(logs or {}, tr),
                seconds=time.perf_counter() - self._start,
            )
        )


class KeepBest(keras.callbacks.Callback):
    """Keep the weights of the epoch with the lowest ``val_loss`` (else ``loss``)."""

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


class LiveCurves(EpochLog):
    """Redraw the learning curves in place after each epoch (outside a notebook: print
    :class:`EpochLog` lines). A redraw takes about half a second, so quick epochs are drawn
    only every ``interval`` seconds; the first and the last always are.

    Parameters
    ----------
    title : str, optional
        Title over the curves.
    interval : float
        Least seconds between two redraws (0: after every epoch).

    Attributes
    ----------
    metrics : dict of str to list of float
        Each metric after every epoch so far, as in ``History.history``.
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
        self.title, self.interval = title, float(interval)
        self.metrics: dict[str, list[float]] = {}
        self.redraws = 0
        self._handle = None
        self._drawn_at: float | None = None
        self._drawn_epochs = 0
        self._notebook = _in_notebook()

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        self.metrics, self.redraws = {}, 0
        self._drawn_at, self._drawn_epochs = None, 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        _record(self.metrics, logs)
        if not self._notebook:
            super().on_epoch_end(epoch, logs)
            return
        last = epoch + 1 == self.params.get("epochs")
        if last or self._drawn_at is None or time.perf_counter() - self._drawn_at >= self.interval:
            self._draw()

    def on_train_end(self, logs: dict | None = None) -> None:
        # A run stopped early (Ctrl-C, a callback) still ends on its final curves.
        drawn = self._drawn_epochs == len(self.metrics.get("loss", ()))
        if self._notebook and self.metrics and not drawn:
            self._draw()

    def _draw(self) -> None:
        # Imported here: the command line trains without matplotlib or IPython.
        from IPython.display import display

        from ..plots import plot_history

        total, epoch = self.params.get("epochs"), len(self.metrics.get("loss", ()))
        latest = _metrics_line({k: v[-1] for k, v in self.metrics.items()}, tr_plot)
        values = {"epoch": epoch, "epochs": total, "metrics": latest}
        if self.title:
            heading = tr_plot(
                "{title}: epoch {epoch}/{epochs}   {metrics}", title=self.title, **values
            )
        else:
            heading = tr_plot("epoch {epoch}/{epochs}   {metrics}", **values)
        fig = plot_history(self.metrics, epochs=total, title=heading)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        self._drawn_at, self._drawn_epochs = time.perf_counter(), epoch
        self.redraws += 1


class Stopwatch(keras.callbacks.Callback):
    """Record, after every epoch, the seconds since training began, beside the metrics,
    for ``mc.plot_history(watch, x="seconds")``: recipes compared by time, not epochs.

    Attributes
    ----------
    history : dict of str to list of float
        Each metric after every epoch, as ``History.history``, plus ``"seconds"``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self._start = time.perf_counter()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.history = {}
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = time.perf_counter() - self._start  # copying the metrics is not training
        _record(self.history, logs)
        self.history.setdefault("seconds", []).append(seconds)
