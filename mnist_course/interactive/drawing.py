"""A drawing pad: draw a digit with the mouse or a finger and see what the model reads."""

import contextlib
import html

import ipywidgets as widgets
import numpy as np

from ..backend import keras
from ..data.arrays import check_count
from ..data.images import NoDigitError, render_strokes, to_mnist_image
from ..errors import InputError, MnistCourseError
from ..evaluation.metrics import check_model, predict_digit
from ..language import tr
from ..plots import plot_prediction
from .widgets import CourseWidget, figure_to_png

MAX_SIZE = 2_000


class DrawingPad(CourseWidget):
    """Draw a digit with the mouse or a finger, and see what the model reads. The strokes are
    kept here, so :meth:`add_stroke` and :meth:`predict` drive the pad without a browser.

    Parameters
    ----------
    model : keras.Model
    size : int
        Canvas width and height in pixels.
    """

    def __init__(self, model: keras.Model, size: int = 280) -> None:
        from ipycanvas import Canvas

        size = check_count(size, name="DrawingPad", what="size")
        if size > MAX_SIZE:  # every prediction draws the whole canvas again, in memory
            raise InputError(
                "DrawingPad: size is at most {most} pixels, got {size}.", most=MAX_SIZE, size=size
            )
        self.model, self.size = check_model(model, "DrawingPad"), size
        self.pen_width = size / 12  # about as thick, relative to the digit, as MNIST's strokes
        box = widgets.Layout(width=f"{size}px", height=f"{size}px", border="2px solid #888")
        self.canvas = canvas = Canvas(width=size, height=size, layout=box)
        self.predict_button = widgets.Button(description=tr("Predict"), button_style="primary")
        self.clear_button = widgets.Button(description=tr("Clear"))
        self.message, self.result = widgets.HTML(), widgets.Image(format="png", width=480)
        canvas.on_mouse_down(self._pen_down)
        canvas.on_mouse_move(self._pen_move)
        canvas.on_mouse_up(self._pen_up)
        canvas.on_mouse_out(self._pen_up)
        canvas.on_touch_start(lambda touches: self._pen_down(*touches[0]))
        canvas.on_touch_move(lambda touches: self._pen_move(*touches[0]))
        canvas.on_touch_end(lambda touches: self._pen_up())
        self.predict_button.on_click(lambda _button: self._read())
        self.clear_button.on_click(lambda _button: self.clear())
        buttons = widgets.HBox([self.predict_button, self.clear_button])
        self.widget = widgets.HBox(
            [widgets.VBox([canvas, buttons]), widgets.VBox([self.message, self.result])]
        )
        self.clear()

    def _pen_down(self, x: float, y: float) -> None:
        self._drawing = True
        self.strokes.append([(x, y)])
        self.canvas.fill_circle(x, y, self.pen_width / 2)

    def _pen_move(self, x: float, y: float) -> None:
        if self._drawing:
            self.canvas.stroke_line(*self.strokes[-1][-1], x, y)
            self.strokes[-1].append((x, y))

    def _pen_up(self, *_position: float) -> None:
        self._drawing = False

    def add_stroke(self, points: list[tuple[float, float]]) -> None:
        """Draw one stroke through ``points`` (canvas pixels), as if with the mouse."""
        try:  # also NumPy rows, sent as JSON
            points = [(float(x), float(y)) for x, y in points]
        except (TypeError, ValueError):
            raise InputError(
                "add_stroke: points are (x, y) pairs of canvas pixels, such as "
                "[(40, 50), (60, 80)]; got {points!r}.",
                points=points,
            ) from None
        if not np.all(np.isfinite(points)):
            raise InputError("add_stroke: a point is NaN or infinite: {points}.", points=points)
        if points:
            self._pen_down(*points[0])
            for point in points[1:]:
                self._pen_move(*point)
            self._pen_up()

    def clear(self) -> None:
        """Wipe the canvas and the last prediction."""
        self.strokes: list[list[tuple[float, float]]] = []
        self._drawing, self.last_input = False, None
        canvas = self.canvas
        canvas.clear()
        canvas.fill_style = "white"
        canvas.fill_rect(0, 0, self.size, self.size)
        canvas.stroke_style = canvas.fill_style = "black"
        canvas.line_width = self.pen_width
        canvas.line_cap = canvas.line_join = "round"
        self.message.value = tr("Draw a digit in the box, then press <b>Predict</b>.")
        self.result.value = b""

    def _read(self) -> None:
        # The button's handler: an exception would go to a log the learner never sees, and the
        # pad's message already says what went wrong
        with contextlib.suppress(MnistCourseError):
            self.predict()

    def predict(self) -> tuple[int, float, np.ndarray]:
        """Read the drawing; show and return (digit, probability, all ten). With nothing to read
        (no strokes, no ink) or a model that cannot answer, the pad says why and this raises
        the same error."""
        try:
            if not self.strokes:
                raise NoDigitError(tr("DrawingPad: the pad is empty; draw a digit first."))
            drawn = render_strokes(self.strokes, self.size, self.pen_width)
            image = to_mnist_image(drawn)
            digit, probability, probabilities = predict_digit(self.model, image)
        except NoDigitError:
            if self.strokes and drawn.mean() < 128:  # ink everywhere is as blank as none
                self.message.value = tr(
                    "<b>The pad is covered in ink</b>: press Clear and draw one digit."
                )
            elif self.strokes:
                self.message.value = tr("<b>Draw a digit first</b>: no ink on the pad.")
            else:
                self.message.value = tr("<b>Draw a digit first</b>: the pad is empty.")
            raise
        except MnistCourseError as error:
            self.message.value = html.escape(str(error))
            raise
        self.last_input = image
        self.message.value = tr(
            "It looks like a <b>{digit}</b> ({probability:.1%} sure). Left: the 28 x 28 "
            "input the model got; right: its probability for each digit.",
            digit=digit,
            probability=probability,
        )
        self.result.value = figure_to_png(plot_prediction(image, probabilities))
        return digit, probability, probabilities
