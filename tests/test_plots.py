from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import mnist_course as mc
from mnist_course import InputError
from mnist_course.backend import keras


def test_plot_digits_grid(tiny_mnist) -> None:
    fig = mc.plot_digits(tiny_mnist["x_train"], tiny_mnist["y_train"], count=12, columns=5)
    assert isinstance(fig, Figure)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15 and len(shown) == 12
    assert [ax.get_title() for ax in shown[:3]] == ["0", "1", "2"]


def test_plot_digits_marks_wrong_predictions(tiny_mnist) -> None:
    predictions = tiny_mnist["y_train"].copy()
    predictions[1] = 7
    fig = mc.plot_digits(
        tiny_mnist["x_train"], tiny_mnist["y_train"], predictions=predictions, count=3
    )
    titles = [ax.title for ax in fig.axes[:3]]
    assert titles[1].get_text() == "1  pred 7" and titles[1].get_color() == "crimson"
    assert titles[0].get_color() == "black"


def test_plot_digits_accepts_flat_and_scaled_input(tiny_mnist) -> None:
    fig = mc.plot_digits(mc.prepare(tiny_mnist["x_train"]), count=100)
    assert sum(1 for ax in fig.axes if ax.images) == 50


def test_plot_pixels_writes_each_nonzero_value() -> None:
    image = np.zeros((28, 28), np.uint8)
    image[5, 6], image[7, 8] = 200, 13
    fig = mc.plot_pixels(image, label=4)
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["13", "200"]
    assert ax.get_title().startswith("label 4")


def test_plot_pixels_of_scaled_image() -> None:
    image = np.zeros((28, 28), np.float32)
    image[0, 0], image[0, 1] = 0.5, 1.0
    assert sorted(t.get_text() for t in mc.plot_pixels(image).axes[0].texts) == [".5", "1"]


def test_plot_pixels_wants_one_image(tiny_mnist) -> None:
    with pytest.raises(InputError, match=r"images\[0\]"):
        mc.plot_pixels(tiny_mnist["x_train"])


def test_plot_label_counts(tiny_mnist) -> None:
    fig = mc.plot_label_counts(tiny_mnist["y_train"], tiny_mnist["y_test"])
    ax = fig.axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == [5] * 10 + [2] * 10


def test_plot_history_draws_training_and_validation() -> None:
    history = {
        "loss": [0.9, 0.5, 0.3],
        "accuracy": [0.7, 0.8, 0.9],
        "val_loss": [0.8, 0.6, 0.5],
        "val_accuracy": [0.75, 0.8, 0.82],
    }
    fig = mc.plot_history(history)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["training", "validation"]
    assert list(acc_ax.lines[1].get_ydata()) == [0.75, 0.8, 0.82]
    assert list(acc_ax.lines[0].get_xdata()) == [1, 2, 3]


def test_plot_history_compares_runs_and_fixes_the_axis() -> None:
    a, b = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.6]}, {"loss": [0.7], "accuracy": [0.7]}
    fig = mc.plot_history(a, b, labels=["slow", "fast"], epochs=10)
    loss_ax = fig.axes[0]
    assert [line.get_label() for line in loss_ax.lines] == ["slow, training", "fast, training"]
    assert loss_ax.get_xlim() == (0.5, 10.5)
    with pytest.raises(InputError, match=r"labels \(1\) is not the number of histories \(2\)"):
        mc.plot_history(a, b, labels=["one"])
    with pytest.raises(InputError, match="History"):
        mc.plot_history([0.1, 0.2])


def test_plot_history_of_one_epoch_ticks_epoch_1_and_tells_the_dots_apart() -> None:
    one = {"loss": [0.5], "accuracy": [0.8], "val_loss": [0.4], "val_accuracy": [0.85]}
    for ax in mc.plot_history(one).axes:
        assert list(ax.get_xticks()) == [1]  # not 0.96, 0.98, ...
        training, validation = ax.lines
        assert training.get_marker() != validation.get_marker()


def test_plot_history_with_no_finished_epoch_says_so() -> None:
    # what mc.train returns after Ctrl-C in the first epoch: an empty history
    for empty in ({}, {"loss": []}, keras.callbacks.History()):
        with pytest.raises(InputError, match="no epoch was recorded"):
            mc.plot_history(empty)


def test_plot_history_says_where_the_loss_became_nan() -> None:
    diverged = {"loss": [1.0, np.nan, np.nan], "accuracy": [0.5, 0.1, 0.1]}
    fine = {"loss": [1.0, 0.5, 0.3], "accuracy": [0.5, 0.7, 0.8]}
    fig = mc.plot_history(fine, diverged, labels=["lr 0.001", "lr 10"])
    notes = [text.get_text() for text in fig.axes[0].texts]
    assert notes == [
        "lr 10: loss is NaN from epoch 2: training diverged;\ntry a smaller learning rate"
    ]


def test_a_learners_dollar_signs_are_shown_not_read_as_maths(tmp_path) -> None:
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}
    fig = mc.plot_history(history, labels=["cost $5 and $10"], title=r"a $\foo$ b")
    fig.savefig(tmp_path / "h.png")  # mathtext would raise on \foo
    assert fig.axes[0].lines[0].get_label() == r"cost \$5 and \$10, training"
    matrix = mc.confusion_matrix(np.arange(10), np.arange(10))
    mc.plot_confusion_matrix({"$x": matrix}, title="$").savefig(tmp_path / "c.png")


def test_plot_history_of_many_runs_keeps_the_legend_off_the_curves() -> None:
    runs = [{"loss": [1.0 - i / 10], "val_loss": [0.9], "accuracy": [0.5]} for i in range(3)]
    fig = mc.plot_history(*runs, labels=["a", "b", "c"])
    assert all(ax.get_legend() is None for ax in fig.axes)  # nothing drawn over a panel
    (legend,) = fig.legends
    # two columns, filled first: training on the left, validation on the right
    assert [t.get_text() for t in legend.get_texts()] == [
        f"{run}, {kind}" for kind in ("training", "validation") for run in "abc"
    ]
    two = mc.plot_history(*runs[:2], labels=["a", "b"])  # four lines still fit inside
    assert not two.legends and all(ax.get_legend() is not None for ax in two.axes)
    # lines drawn only in the accuracy panel are named too
    accuracy_only = [{"accuracy": [0.5], "val_accuracy": [0.6]} for _ in range(3)]
    (legend,) = mc.plot_history(*accuracy_only, labels=["a", "b", "c"]).legends
    assert len(legend.get_texts()) == 6


def test_plot_layer_shapes_labels_every_stage() -> None:
    fig = mc.plot_layer_shapes(mc.lenet())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "28 x 28 x 1" in texts and "13 x 13 x 6" in texts and "1080" in texts and "10" in texts
    assert "conv_3" in texts
    with pytest.raises(InputError, match="built Keras model"):
        mc.plot_layer_shapes("lenet")


def test_plot_layer_shapes_of_other_honest_models() -> None:
    layers = keras.layers
    inputs = keras.Input((28, 28, 1))
    functional = keras.Model(inputs, layers.Conv2D(4, 3, name="c")(inputs))
    texts = [t.get_text() for t in mc.plot_layer_shapes(functional).axes[0].texts]
    assert texts.count("28 x 28 x 1") == 1  # its InputLayer is not drawn twice
    grey = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(10)])
    assert "28 x 28 x 1" in [t.get_text() for t in mc.plot_layer_shapes(grey).axes[0].texts]
    any_size = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(4, 3)])
    with pytest.raises(InputError, match=r"inputs of any size, shaped \(None, None, 1\)"):
        mc.plot_layer_shapes(any_size)


@pytest.mark.parametrize(
    ("image", "top"),
    [
        (np.full((28, 28), 100, np.uint8), 255),  # a faint raw digit stays faint
        (np.full((28, 28), 0.4, np.float32), 1.0),  # a faint scaled digit too
    ],
)
def test_digits_are_drawn_on_a_fixed_scale(image, top) -> None:
    """The same pixel value gets the same grey in every picture, whatever the image's max."""
    for fig in (mc.plot_pixels(image), mc.plot_digits(image[None], count=1)):
        shown = next(ax for ax in fig.axes if ax.images).images[0]
        assert shown.get_clim() == (0, top)
        assert shown.get_cmap().name == "gray_r"  # high values (ink) dark


def test_confusion_matrices_side_by_side_share_one_scale() -> None:
    few = np.eye(10, dtype=np.int64) * 90
    few[4, 9] = 3
    many = np.eye(10, dtype=np.int64) * 80
    many[4, 9], many[7, 2] = 12, 5
    fig = mc.plot_confusion_matrix({"LeNet": few, "MLP": many})
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title().split(":")[0] for ax in panels] == ["LeNet", "MLP"]
    assert {ax.images[0].get_clim() for ax in panels} == {(0, 12.0)}
    assert "3 mistakes" in panels[0].get_title() and "17 mistakes" in panels[1].get_title()


def test_one_confusion_matrix_scales_to_its_own_mistakes() -> None:
    matrix = np.eye(10, dtype=np.int64) * 50
    matrix[3, 5] = 7
    ax = next(ax for ax in mc.plot_confusion_matrix(matrix).axes if ax.images)
    assert ax.images[0].get_clim() == (0, 7.0)
    assert ax.get_title().startswith("500 of 507 right")


def test_confusion_matrices_refuse_bad_entries() -> None:
    with pytest.raises(InputError, match=r"plot_confusion_matrix \(MLP\)"):
        mc.plot_confusion_matrix({"MLP": np.ones((3, 3))})
    with pytest.raises(InputError, match="empty"):
        mc.plot_confusion_matrix({})


def test_plot_history_against_seconds_places_each_epoch_at_its_time() -> None:
    slow = {"loss": [0.9, 0.5], "accuracy": [0.7, 0.8], "val_accuracy": [0.72, 0.81]}
    fast = {"loss": [0.8, 0.4], "accuracy": [0.75, 0.85], "seconds": [1.5, 2.5]}
    slow["seconds"] = [4.0, 8.0]
    fig = mc.plot_history(slow, fast, labels=["slow", "fast"], x="seconds")
    loss_ax, acc_ax = fig.axes
    # every run's training line, then the validation lines
    assert [line.get_label() for line in acc_ax.lines] == [
        "slow, training",
        "fast, training",
        "slow, validation",
    ]
    assert list(acc_ax.lines[0].get_xdata()) == [4.0, 8.0]
    assert list(acc_ax.lines[1].get_xdata()) == [1.5, 2.5]
    assert list(acc_ax.lines[2].get_xdata()) == [4.0, 8.0]
    assert loss_ax.get_xlabel() == "seconds since training began"
    assert loss_ax.get_xlim()[0] == 0
    assert list(mc.plot_history(slow).axes[0].lines[0].get_xdata()) == [1, 2]  # epochs still


def test_plot_history_against_seconds_needs_the_times() -> None:
    with pytest.raises(InputError, match=r"needs the time of each epoch.*mc.Stopwatch"):
        mc.plot_history({"loss": [0.9], "accuracy": [0.7]}, x="seconds")
    with pytest.raises(InputError, match="x must be 'epoch' or 'seconds', got 'time'"):
        mc.plot_history({"loss": [0.9], "accuracy": [0.7]}, x="time")


@pytest.mark.parametrize("rows", [np.zeros((1, 10)), np.ones((1, 10)), np.full((1, 10), 0.03)])
def test_a_figure_that_prints_a_probability_refuses_rows_that_are_not_probabilities(
    rows, tiny_mnist
) -> None:
    with pytest.raises(InputError, match="row 0 sums to .*, not 1"):
        mc.plot_prediction(tiny_mnist["x_test"][0], rows[0])
    with pytest.raises(InputError, match="not a softmax's probabilities"):
        mc.plot_mistakes(tiny_mnist["x_test"][:1], tiny_mnist["y_test"][:1], rows, [0])


def test_plot_mistakes_names_a_negative_index_by_its_position(tiny_mnist) -> None:
    images, labels = tiny_mnist["x_test"], tiny_mnist["y_test"]
    rows = np.full((len(images), 10), 0.1)
    fig = mc.plot_mistakes(images, labels, rows, [-1])
    assert fig.axes[0].get_title().startswith(f"#{len(images) - 1}\n")


def test_a_model_given_where_numbers_belong_is_named_as_a_model(tiny_mnist) -> None:
    model = mc.lenet()
    for draw in (
        lambda: mc.plot_weight_images(model),
        lambda: mc.plot_filters(model),
        lambda: mc.most_confident_mistakes(model, tiny_mnist["y_test"]),
    ):
        with pytest.raises(InputError, match="got the model 'lenet', not its"):
            draw()
