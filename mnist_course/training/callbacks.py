"""Keras callbacks that watch ``model.fit``: progress lines, live curves, a stopwatch."""

from __future__ import annotations

import numbers
import time

import numpy as np

from ..backend import keras
from ..errors import InputError
from ..language import N_, tr, tr_plot

METRIC_NAMES = (N_("loss"), N_("accuracy"), N_("val_loss"), N_("val_accuracy"))


def _metrics_line(logs: dict, translate) -> str:
    """The metrics, named by ``translate`` (``tr``, or ``tr_plot`` for plots)."""
    return "  ".join(
        f"{translate(k) if k in METRIC_NAMES else k} {float(v):.4f}"
        for k, v in _numbers(logs).items()
        if k != "learning_rate"
    )


def _numbers(logs: dict | None) -> dict:
    # A per-class metric (F1Score) logs an array: one number per epoch cannot hold it.
    return {k: v for k, v in (logs or {}).items() if np.ndim(v) == 0}


def _record(history: dict, logs: dict | None) -> None:
    for key, value in _numbers(logs).items():
        history.setdefault(key, []).append(float(value))


class EpochLog(keras.callbacks.Callback):
    """Print one line per epoch: the metrics and the epoch's seconds, through ``print_fn``."""

    def __init__(self, print_fn=print) -> None:
        super().__init__()
        if not callable(print_fn):
            raise InputError(
                "EpochLog: print_fn must be a function such as print, got {kind}.",
                kind=type(print_fn).__name__,
            )
        self.print_fn, self.epochs, self._start = print_fn, 0, time.perf_counter()

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

    best_weights, best_epoch, best = None, None, np.inf

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
    return hasattr(get_ipython(), "kernel")


class LiveCurves(EpochLog):
    """Redraw the learning curves in place after each epoch, at most every ``interval``
    seconds (a redraw takes half a second) but always the first and last; outside a notebook,
    print :class:`EpochLog` lines. ``metrics`` holds the metrics so far, as ``History.history``.

    Parameters
    ----------
    title : str, optional
    interval : float
    output : ipywidgets.Output, optional
        Draw in this widget, replacing what it shows, instead of in the cell's output (a
        widget's own output area does not receive in-place updates).
    """

    def __init__(
        self, title: str | None = None, interval: float = 5.0, output: object = None
    ) -> None:
        super().__init__()
        if (
            isinstance(interval, bool)
            or not isinstance(interval, numbers.Real)
            or not interval >= 0
        ):
            raise InputError(
                "LiveCurves: interval must be a number of seconds, 0 or more, got {interval!r}.",
                interval=interval,
            )
        self.title, self.interval = title, float(interval)
        if output is not None and not all(
            hasattr(output, name) for name in ("clear_output", "__enter__", "__exit__")
        ):
            raise InputError(
                "LiveCurves: output must be an ipywidgets.Output (or None, to draw in the "
                "cell's output), got {kind}.",
                kind=type(output).__name__,
            )
        self._handle, self._output = None, output
        self._notebook = output is not None or _in_notebook()
        self.metrics: dict[str, list[float]] = {}
        self.redraws, self._drawn_at, self._drawn_epochs = 0, None, 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        self.metrics, self.redraws, self._drawn_at, self._drawn_epochs = {}, 0, None, 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        _record(self.metrics, logs)
        if not self._notebook:
            super().on_epoch_end(epoch, logs)
        elif (
            epoch + 1 == self.params.get("epochs")
            or self._drawn_at is None
            or time.perf_counter() - self._drawn_at >= self.interval
        ):
            self._draw()

    def on_train_end(self, logs: dict | None = None) -> None:
        # A run stopped early (Ctrl-C, a callback) still ends on its final curves.
        if self._notebook and self._drawn_epochs != len(self.metrics.get("loss", ())):
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
        if self._output is not None:
            self._output.clear_output(wait=True)
            with self._output:
                display(fig)
        elif self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        self._drawn_at, self._drawn_epochs = time.perf_counter(), epoch
        self.redraws += 1


class Stopwatch(keras.callbacks.Callback):
    """Record in ``history`` the metrics after every epoch, as ``History.history`` does, and
    the ``"seconds"`` since training began: ``mc.plot_history(watch, x="seconds")``."""

    def __init__(self) -> None:
        super().__init__()
        self.on_train_begin()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.history: dict[str, list[float]] = {}
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = time.perf_counter() - self._start  # copying the metrics is not training
        _record(self.history, logs)
        self.history.setdefault("seconds", []).append(seconds)
