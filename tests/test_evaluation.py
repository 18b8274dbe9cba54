from __future__ import annotations

import numpy as np
import pytest
from conftest import quiet

import mnist_course as mc
from mnist_course import InputError
from mnist_course.backend import keras
from mnist_course.models.builders import input_scale


@pytest.fixture(scope="module")
def models():
    mc.set_seed(0)
    return {"flat": mc.compile_model(mc.tiny_mlp()), "image": mc.compile_model(mc.lenet())}


# --------------------------------------------------------------------------- metrics by hand

LABELS = np.array([0, 0, 1, 1, 1, 2])
PREDICTIONS = np.array([0, 1, 1, 1, 2, 2])


def test_confusion_matrix_by_hand() -> None:
    matrix = mc.confusion_matrix(LABELS, PREDICTIONS)
    assert matrix.shape == (10, 10) and matrix.sum() == 6
    assert matrix[:3, :3].tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]


def test_classification_report_by_hand() -> None:
    report = mc.classification_report(LABELS, PREDICTIONS)
    # digit 1: predicted 3 times, 2 right -> precision 2/3; 3 true, 2 found -> recall 2/3
    assert report.precision[:3] == pytest.approx([1.0, 2 / 3, 1 / 2])
    assert report.recall[:3] == pytest.approx([1 / 2, 2 / 3, 1.0])
    assert report.f1[0] == pytest.approx(2 * 1.0 * 0.5 / 1.5)
    assert report.support[:4].tolist() == [2, 3, 1, 0]
    assert report.precision[5] == 0 and report.f1[5] == 0  # never seen, never predicted
    assert str(report).splitlines()[0] == "digit  precision  recall     f1  support"


def test_most_confident_mistakes_and_pairs() -> None:
    probabilities = np.full((4, 10), 0.01)
    probabilities[0, 3] = 0.9  # true 3: right
    probabilities[1, 5] = 0.6  # true 3: wrong, 60%
    probabilities[2, 8] = 0.95  # true 3: wrong, 95%
    probabilities[3, 1] = 0.7  # true 1: right
    labels = np.array([3, 3, 3, 1])
    assert mc.most_confident_mistakes(probabilities, labels).tolist() == [2, 1]
    assert mc.most_confident_mistakes(probabilities, labels, count=1).tolist() == [2]
    matrix = mc.confusion_matrix(labels, probabilities.argmax(axis=1))
    assert mc.most_confused_pairs(matrix) == [(3, 5, 1), (3, 8, 1)]


def test_evaluate_matches_keras(models, tiny_mnist) -> None:
    model = models["flat"]
    result = mc.evaluate(model, tiny_mnist["x_test"], tiny_mnist["y_test"])
    loss, accuracy = model.evaluate(
        mc.prepare(tiny_mnist["x_test"]), mc.one_hot(tiny_mnist["y_test"]), verbose=0
    )
    assert result.accuracy == pytest.approx(accuracy)
    assert result.loss == pytest.approx(loss, rel=1e-4)
    assert result.probabilities.shape == (20, 10)
    assert len(result.mistakes) == round((1 - accuracy) * 20)
    assert "accuracy" in str(result)


@pytest.mark.parametrize("layout", ["flat", "image"])
def test_predict_agrees_with_keras_for_every_layout(models, tiny_mnist, layout) -> None:
    model = models[layout]
    expected = model.predict(mc.prepare(tiny_mnist["x_test"], layout=layout), verbose=0)
    for images in (
        tiny_mnist["x_test"],
        mc.scale(tiny_mnist["x_test"]),
        mc.flatten(tiny_mnist["x_test"]),
        mc.to_images(tiny_mnist["x_test"]),
        tiny_mnist["x_test"].astype(np.int64),  # raw pixels in a wider integer type
    ):
        probabilities = mc.predict(model, images)
        assert probabilities.dtype == np.float32
        np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)


def _moved(images: np.ndarray, down: int, right: int) -> np.ndarray:
    """Each (28, 28) image moved by one pixel at most, what comes in from the edge black."""
    out = np.zeros_like(images)
    rows, cols = slice(max(down, 0), 28 + min(down, 0)), slice(max(right, 0), 28 + min(right, 0))
    rows_from = slice(max(-down, 0), 28 + min(-down, 0))
    cols_from = slice(max(-right, 0), 28 + min(-right, 0))
    out[:, rows, cols] = images[:, rows_from, cols_from]
    return out


@pytest.mark.parametrize("layout", ["flat", "image"])
def test_predict_shifted_averages_the_image_and_its_four_one_pixel_moves(
    tiny_mnist, layout
) -> None:
    # An untrained LeNet answers about 10% for everything, however the input moves; weights
    # this large make every moved pixel count.

    init = keras.initializers.RandomNormal(stddev=0.1, seed=0)
    shape = (784,) if layout == "flat" else (28, 28, 1)
    model = keras.Sequential(
        [
            keras.Input(shape),
            keras.layers.Flatten(),
            keras.layers.Dense(10, "softmax", kernel_initializer=init),
        ]
    )
    x = tiny_mnist["x_test"].copy()
    x[:, :, 27] = 255  # ink on the right edge: a move must drop it, not wrap it round
    moves = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]
    expected = np.mean([mc.predict(model, _moved(x, *move)) for move in moves], axis=0)
    for images in (x, mc.scale(x), mc.to_images(x), mc.flatten(x)):
        shifted = mc.predict(model, images, shifted=True)
        assert shifted.dtype == np.float32
        np.testing.assert_allclose(shifted, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(expected, mc.predict(model, x), atol=1e-3)  # the moves count
    result = mc.evaluate(model, x, tiny_mnist["y_test"], shifted=True)
    np.testing.assert_allclose(result.probabilities, expected, rtol=1e-5, atol=1e-6)


def test_predict_with_a_bfloat16_model(tiny_mnist) -> None:
    mc.set_seed(0)
    model = mc.build_model("lenet", precision="mixed_bfloat16")
    probabilities = mc.predict(model, tiny_mnist["x_test"])
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    expected = model.predict(mc.prepare(tiny_mnist["x_test"], layout="image"), verbose=0)
    np.testing.assert_allclose(probabilities, expected, atol=1e-2)  # bfloat16 keeps ~3 digits


def test_predict_digit(models, tiny_mnist) -> None:
    digit, probability, probabilities = mc.predict_digit(models["image"], tiny_mnist["x_test"][3])
    assert probabilities.shape == (10,) and probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert digit == probabilities.argmax() and probability == probabilities[digit]


def test_feature_maps(models, tiny_mnist) -> None:
    maps = mc.feature_maps(models["image"], tiny_mnist["x_test"][0], "conv_1")
    assert maps.shape == (26, 26, 6) and maps.min() >= 0  # after relu
    with pytest.raises(InputError, match="no layer 'conv_9'.*conv_1"):
        mc.feature_maps(models["image"], tiny_mnist["x_test"][0], "conv_9")
    layer = models["image"].get_layer("conv_1")  # the layer itself, not its name
    np.testing.assert_array_equal(
        mc.feature_maps(models["image"], tiny_mnist["x_test"][0], layer), maps
    )


# --------------------------------------------------------------------------- bad input

ONE = np.zeros((28, 28), np.uint8)


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((5, 32, 32), np.uint8), r"got shape \(5, 32, 32\)"),
        (np.zeros((5, 28, 28, 3), np.uint8), "colour.*mc.to_mnist_image"),
        (np.zeros((28, 28, 4), np.uint8), "colour"),
        (ONE, r"one image; make a batch of one"),
        (np.zeros((0, 28, 28)), "empty batch"),
        (np.full((2, 28, 28), np.nan, np.float32), "NaN"),
        (np.full((2, 28, 28), np.inf), "NaN or infinite"),
        (np.full((2, 28, 28), 255.0), r"uint8 pixels 0-255 or float pixels scaled to \[0, 1\]"),
        (np.full((2, 28, 28), -0.5), "scaled 0-1"),
        (np.full((2, 28, 28), 300, np.int64), "0-255"),
        (np.full((2, 28, 28), 40000, np.uint16), "0-255"),
        (np.zeros((2, 28, 28), bool), "dtype bool"),
        (np.array([["a"] * 28] * 28), "dtype <U1"),
    ],
)
def test_predict_rejects_bad_batches(models, images, message) -> None:
    with pytest.raises(InputError, match=message):
        mc.predict(models["flat"], images)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((3, 28, 28), np.uint8), r"batch of 3; pick one image, e.g. images\[0\]"),
        (np.zeros((100, 100), np.uint8), "to_mnist_image"),
        (np.zeros(28), r"got shape \(28,\)"),
        (np.full((28, 28), np.nan), "NaN"),
    ],
)
def test_predict_digit_rejects_bad_images(models, image, message) -> None:
    with pytest.raises(InputError, match=message):
        mc.predict_digit(models["image"], image)


def test_model_with_an_unexpected_input_shape() -> None:

    odd = keras.Sequential(
        [keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    with pytest.raises(InputError, match=r"reads inputs shaped \(32, 32, 3\)"):
        mc.predict(odd, np.zeros((1, 28, 28), np.uint8))


def test_labels_must_fit_the_images(models, tiny_mnist) -> None:
    with pytest.raises(InputError, match=r"labels \(19\) is not the number of images \(20\)"):
        mc.evaluate(models["flat"], tiny_mnist["x_test"], tiny_mnist["y_test"][:19])
    with pytest.raises(InputError, match="digits 0-9"):
        mc.evaluate(models["flat"], tiny_mnist["x_test"], np.full(20, 12))


def test_one_loss_and_it_says_whether_the_penalty_is_in(tiny_mnist) -> None:
    # model.evaluate adds the L1 penalty; mc.evaluate reports both parts and their sum.
    mc.set_seed(0)
    model = mc.compile_model(mc.mlp(l1=1e-3))
    x, y = mc.prepare(tiny_mnist["x_test"], tiny_mnist["y_test"])
    keras_loss, keras_accuracy = model.evaluate(x, y, verbose=0)
    result = mc.evaluate(model, tiny_mnist["x_test"], tiny_mnist["y_test"])
    assert result.penalty > 0.01
    assert result.total_loss == pytest.approx(keras_loss, rel=1e-4)
    assert result.accuracy == pytest.approx(keras_accuracy)
    assert "weight penalty" in str(result) and f"{result.total_loss:.4f}" in str(result)
    plain = mc.compile_model(mc.mlp(l1=0))
    result = mc.evaluate(plain, tiny_mnist["x_test"], tiny_mnist["y_test"])
    assert result.penalty == 0 and "penalty" not in str(result)
    assert result.loss == pytest.approx(plain.evaluate(x, y, verbose=0)[0], rel=1e-4)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("lenet.keras", r"got the path 'lenet.keras', not a model.*mc.load_model"),
        (object(), "expected a Keras model, got object"),
    ],
)
def test_things_that_are_not_models(model, message) -> None:
    with pytest.raises(InputError, match=message):
        mc.predict(model, np.zeros((2, 28, 28), np.uint8))


def test_models_that_are_not_mnist_classifiers() -> None:

    three = keras.Sequential([keras.Input((784,)), keras.layers.Dense(3, activation="softmax")])
    with pytest.raises(InputError, match=r"outputs shaped \(3,\); an MNIST classifier gives 10"):
        mc.predict(three, np.zeros((2, 784), np.uint8))
    logits = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    logits.layers[0].set_weights([np.full((784, 10), -0.01), np.zeros(10)])
    with pytest.raises(InputError, match="does not output probabilities.*softmax"):
        mc.evaluate(logits, np.full((2, 784), 200, np.uint8), [1, 2])


# --------------------------------------------------------------------------- ensembles


def test_an_ensemble_averages_the_probabilities_of_models_of_any_layout(models, tiny_mnist) -> None:
    x, y = tiny_mnist["x_test"], tiny_mnist["y_test"]
    flat, image = (mc.predict(models[k], x) for k in ("flat", "image"))
    result = mc.evaluate_ensemble([models["flat"], models["image"]], x, y)
    average = (flat + image) / 2
    np.testing.assert_allclose(result.probabilities, average, rtol=1e-6)
    assert result.accuracy == pytest.approx(np.mean(average.argmax(axis=1) == y))
    picked = average[np.arange(len(y)), y]
    assert result.loss == pytest.approx(-np.log(picked).mean(), rel=1e-5)
    assert result.penalty == 0 and result.probabilities.dtype == np.float32


@pytest.mark.parametrize("bad", ["no", 1, None])
def test_shifted_is_true_or_false(models, tiny_mnist, bad) -> None:
    x, y = tiny_mnist["x_test"], tiny_mnist["y_test"]
    with pytest.raises(InputError, match="^predict: shifted is True or False"):
        mc.predict(models["flat"], x, shifted=bad)
    with pytest.raises(InputError, match="^evaluate: shifted is True or False"):
        mc.evaluate(models["flat"], x, y, shifted=bad)
    with pytest.raises(InputError, match="^evaluate_ensemble: shifted is True or False"):
        mc.evaluate_ensemble([models["flat"], models["image"]], x, y, shifted=bad)


def test_a_shifted_ensemble_averages_its_members_shifted_answers(models, tiny_mnist) -> None:
    x, y = tiny_mnist["x_test"], tiny_mnist["y_test"]
    members = [models["flat"], models["image"]]
    result = mc.evaluate_ensemble(members, x, y, shifted=True)
    average = np.mean([mc.predict(m, x, shifted=True) for m in members], axis=0)
    np.testing.assert_allclose(result.probabilities, average, rtol=1e-6)


def test_an_ensemble_keeps_each_members_evaluation_and_asks_each_model_once(
    models, tiny_mnist, monkeypatch
) -> None:
    from mnist_course.evaluation import metrics

    x, y = tiny_mnist["x_test"], tiny_mnist["y_test"]
    members = [models["flat"], models["image"]]
    asked, predict = [], metrics.predict
    monkeypatch.setattr(
        metrics, "predict", lambda m, *a, **k: asked.append(m) or predict(m, *a, **k)
    )
    result = mc.evaluate_ensemble(members, x, y, shifted=True)
    assert [id(m) for m in asked] == [id(m) for m in members]  # the CLI prints each from this
    monkeypatch.undo()
    for member, model in zip(result.members, members, strict=True):
        alone = mc.evaluate(model, x, y, shifted=True)
        np.testing.assert_array_equal(member.probabilities, alone.probabilities)
        assert str(member) == str(alone) and member.members == ()


def test_an_ensemble_of_one_is_the_model_itself(models, tiny_mnist) -> None:
    x, y = tiny_mnist["x_test"], tiny_mnist["y_test"]
    alone = mc.evaluate(models["image"], x, y)
    assert mc.evaluate_ensemble((models["image"],), x, y).accuracy == alone.accuracy


@pytest.mark.parametrize("bad", [[], (), "model", None])
def test_an_ensemble_needs_a_list_of_models(bad, tiny_mnist) -> None:
    with pytest.raises(InputError, match="one or more Keras models"):
        mc.evaluate_ensemble(bad, tiny_mnist["x_test"], tiny_mnist["y_test"])


def test_an_ensemble_refuses_the_same_model_twice(models, tiny_mnist) -> None:

    x, y = tiny_mnist["x_test"], tiny_mnist["y_test"]
    twin = keras.models.clone_model(models["flat"])  # another object, the same weights
    twin.set_weights(models["flat"].get_weights())
    for members in ([models["flat"], models["flat"]], [models["image"], models["flat"], twin]):
        with pytest.raises(InputError, match=r"models \d and \d are the same model"):
            mc.evaluate_ensemble(members, x, y)
    nudged = [w.copy() for w in twin.get_weights()]
    nudged[-1][0] += 1e-3  # one bias differs: a different model, welcome
    twin.set_weights(nudged)
    assert mc.evaluate_ensemble([models["flat"], twin], x, y).accuracy >= 0


def test_labels_of_another_length_than_the_images_are_refused(models, tiny_mnist) -> None:
    x = tiny_mnist["x_test"]
    for labels in (tiny_mnist["y_test"][:-1], np.concatenate([tiny_mnist["y_test"], [1]])):
        with pytest.raises(InputError, match=f"{len(labels)}.*{len(x)}|{len(x)}.*{len(labels)}"):
            mc.evaluate(models["flat"], x, labels)


def test_an_ensemble_checks_its_labels(models, tiny_mnist) -> None:
    with pytest.raises(InputError, match="labels"):
        mc.evaluate_ensemble([models["flat"]], tiny_mnist["x_test"], np.zeros(3, np.uint8))


# ------------------------------------------------------- a model that scales its own input


def _rescaling_model(nested: bool, before: tuple = ()) -> keras.Model:
    """keras.io's way: the model reads raw 0-255 pixels and scales them itself."""
    scale = keras.layers.Rescaling(1 / 255)
    first = keras.Sequential([scale]) if nested else scale
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            *before,
            first,
            keras.layers.Conv2D(4, 3, name="conv"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.mark.parametrize(
    ("nested", "before"),
    [
        (False, ()),
        (True, ()),
        # augmentation and noise act in training only: the pixels reach Rescaling unscaled
        (False, (mc.augmentation(seed=1), keras.layers.GaussianNoise(1.0))),
        (True, (keras.layers.RandomFlip(seed=1), keras.layers.Dropout(0.1))),
    ],
)
def test_a_model_that_scales_its_own_input_reads_what_keras_gives_it(
    nested, before, tiny_mnist
) -> None:
    mc.set_seed(0)
    model = _rescaling_model(nested, before)
    x, y = tiny_mnist["x_train"], tiny_mnist["y_train"]
    assert input_scale(model) == 255
    mc.train(model, x, y, epochs=1, progress=quiet())
    raw = x[:64, ..., None].astype("float32")  # what model.fit and model.predict take
    expected = model.predict(raw, verbose=0)
    # uint8 pixels, pixels scaled to [0, 1], and the float 0-255 pixels keras.io passes
    for images in (x[:64], mc.scale(x[:64]), raw):
        np.testing.assert_allclose(mc.predict(model, images), expected, atol=1e-6)
    digit, _, _ = mc.predict_digit(model, x[0])
    assert digit == expected[0].argmax()
    loss, accuracy = model.evaluate(raw, mc.one_hot(y[:64]), verbose=0)
    assert mc.evaluate(model, x[:64], y[:64]).accuracy == pytest.approx(accuracy)
    assert mc.evaluate(model, raw, y[:64]).accuracy == pytest.approx(accuracy)
    probe = keras.Model(model.inputs[0], model.get_layer("conv").output)
    maps = mc.feature_maps(model, raw[0], "conv")
    np.testing.assert_allclose(maps, probe(raw[:1], training=False)[0], atol=1e-6)


def test_training_through_the_course_trains_what_keras_would(tiny_mnist) -> None:
    # The same seed and batches: mc.train gives the Rescaling model the raw pixels, as
    # model.fit would, not pixels divided by 255 twice.
    x, y = tiny_mnist["x_train"], tiny_mnist["y_train"]
    mc.set_seed(0)
    rescaling = _rescaling_model(False)
    mc.train(rescaling, x, y, epochs=1, seed=0, progress=quiet())
    mc.set_seed(0)
    plain = keras.Sequential([keras.Input((28, 28, 1)), *_rescaling_model(False).layers[1:]])
    mc.train(plain, x, y, epochs=1, seed=0, progress=quiet())
    for a, b in zip(rescaling.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize(
    "first",
    [keras.layers.Rescaling(2.0, offset=-1.0), keras.layers.Normalization(mean=0.1, variance=0.09)],
)
def test_other_first_layers_read_pixels_scaled_to_one(first) -> None:
    model = keras.Sequential([keras.Input((28, 28, 1)), first, keras.layers.Flatten()])
    assert input_scale(model) == 1


def test_a_fully_convolutional_model_reads_mnist_images(tiny_mnist) -> None:
    # any-size input, as a fully convolutional network has: read as 28 x 28 pictures
    model = keras.Sequential(
        [
            keras.Input((None, None, 1)),
            keras.layers.Conv2D(10, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Softmax(),
        ]
    )
    x, y = tiny_mnist["x_train"], tiny_mnist["y_train"]
    mc.set_seed(0)
    mc.train(model, x, y, epochs=1, progress=quiet())
    expected = model.predict(mc.scale(x[:32])[..., None], verbose=0)
    np.testing.assert_allclose(mc.predict(model, x[:32]), expected, atol=1e-6)
    right = np.mean(expected.argmax(axis=1) == y[:32])
    assert mc.evaluate(model, x[:32], y[:32]).accuracy == pytest.approx(right)
