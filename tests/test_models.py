from __future__ import annotations

import numpy as np
import pytest

import mnist_course as mc
from mnist_course import InputError
from mnist_course.backend import keras
from mnist_course.models import builders as models


def layer_kinds(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def test_tiny_mlp() -> None:
    model = mc.tiny_mlp()
    assert model.count_params() == 784 * 15 + 15 + 15 * 10 + 10 == 11_935
    assert layer_kinds(model) == ["Dense", "Dense"]
    assert model.layers[0].activation.__name__ == "relu"
    assert model.layers[-1].activation.__name__ == "softmax"
    assert model.input_shape == (None, 784) and model.output_shape == (None, 10)


def test_mlp_128_32_10() -> None:
    model = mc.mlp()
    assert model.count_params() == 104_938
    assert layer_kinds(model) == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [128, 32, 10]
    hidden = [layer for layer in model.layers if hasattr(layer, "units")][:2]
    assert all(float(layer.kernel_regularizer.l1) == pytest.approx(1e-4) for layer in hidden)
    assert all(layer.rate == 0.01 for layer in model.layers if hasattr(layer, "rate"))


def test_lenet() -> None:
    model = mc.lenet()
    assert model.count_params() == 109_994
    assert layer_kinds(model) == [
        "Conv2D",
        "AveragePooling2D",
        "Conv2D",
        "AveragePooling2D",
        "Conv2D",
        "Flatten",
        "Dense",
        "Dense",
    ]
    shapes = [layer.output.shape[1:] for layer in model.layers]
    assert shapes[:6] == [(26, 26, 6), (13, 13, 6), (11, 11, 16), (5, 5, 16), (3, 3, 120), (1080,)]
    assert [layer.kernel_size for layer in model.layers if hasattr(layer, "kernel_size")] == [
        (3, 3)
    ] * 3


def test_every_course_model_is_keras_own_layers() -> None:
    """mc.lenet() and the rest are Sequential stacks of keras.layers, nothing of the course's."""
    for name in models.MODELS:
        model = models.build_model(name)
        assert type(model) is keras.Sequential
        for layer in model.layers:
            assert type(layer) is getattr(keras.layers, type(layer).__name__), layer


def test_lenet_saves_with_keras_own_pooling(tmp_path) -> None:
    model = mc.lenet()
    path = mc.save_model(model, tmp_path / "lenet.keras")
    loaded = mc.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers
    ]
    assert all(type(layer).__module__.startswith("keras.") for layer in loaded.layers)
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_sizes_are_configurable() -> None:
    assert mc.tiny_mlp(hidden_units=32).count_params() == 784 * 32 + 32 + 330
    assert mc.mlp(hidden_units=(64,), l1=0, dropout=0).count_params() == 784 * 64 + 64 + 650
    assert mc.mlp(l1=0).layers[0].kernel_regularizer is None
    assert mc.lenet(filters=(4, 8, 16), dense_units=10).output_shape == (None, 10)


def test_cnn_is_bigger_than_lenet_but_small() -> None:
    model = mc.cnn()
    assert "BatchNormalization" in layer_kinds(model) and "MaxPooling2D" in layer_kinds(model)
    assert 100_000 < model.count_params() < 200_000


def test_build_model_by_name() -> None:
    assert mc.build_model("lenet").name == "lenet"
    assert mc.build_model("tiny-mlp", hidden_units=7).layers[0].units == 7
    with pytest.raises(InputError, match="choose one of tiny-mlp, mlp, lenet, cnn"):
        mc.build_model("resnet")
    with pytest.raises(InputError, match="3 whole numbers"):
        mc.lenet(filters=(6, 16))
    with pytest.raises(InputError, match="2 whole numbers"):
        mc.build_model("cnn", filters=(8,))
    assert mc.cnn(filters=(8, 16)).layers[4].filters == 16


def test_input_layout() -> None:
    assert mc.input_layout(mc.mlp()) == "flat"
    assert mc.input_layout(mc.lenet()) == "image"


def test_cnn_pools_before_normalising() -> None:
    names = [layer.name for layer in mc.cnn().layers]
    assert names[:4] == ["conv_1", "pool_1", "norm_1", "relu_1"]


def compute_dtypes(model) -> set[str]:
    return {layer.compute_dtype for layer in model.layers if layer.weights}


@pytest.mark.parametrize("name", ["tiny-mlp", "mlp", "lenet", "cnn"])
def test_bfloat16_models_keep_a_float32_output(name) -> None:
    model = mc.build_model(name, precision="mixed_bfloat16")
    assert "bfloat16" in compute_dtypes(model)
    assert model.layers[-1].compute_dtype == "float32"
    assert all(weight.dtype == "float32" for weight in model.weights)  # weights stay exact
    x = np.zeros((2, *model.input_shape[1:]), np.float32)
    assert keras.ops.convert_to_numpy(model(x)).dtype == np.float32
    # the policy applied to this model only
    assert keras.config.dtype_policy().name == "float32"
    assert compute_dtypes(mc.build_model(name)) == {"float32"}


def test_unknown_precision_is_explained(monkeypatch) -> None:
    with pytest.raises(InputError, match="unknown precision 'float16'; choose one of float32"):
        mc.build_model("lenet", precision="float16")
    monkeypatch.setenv("MNIST_COURSE_PRECISION", "bf16")
    with pytest.raises(InputError, match="MNIST_COURSE_PRECISION"):
        mc.resolve_precision("auto")
    assert keras.config.dtype_policy().name == "float32"


@pytest.mark.parametrize(
    ("flags", "native", "auto"),
    [
        ("fpu sse avx2 avx512f", False, "float32"),
        # bfloat16 instructions without AMX: measured no faster than float32, so not chosen
        ("fpu avx512f avx512_bf16 avx512_vnni", True, "float32"),
        ("fpu amx_bf16 amx_tile", True, "mixed_bfloat16"),
    ],
)
def test_auto_precision_follows_the_cpu(tmp_path, monkeypatch, flags, native, auto) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: test\nflags\t\t: {flags}\n")
    monkeypatch.setattr(models, "_CPUINFO", str(cpuinfo))
    monkeypatch.delenv("MNIST_COURSE_PRECISION", raising=False)
    assert models.has_native_bfloat16() is native
    assert mc.resolve_precision("auto") == auto
    monkeypatch.setenv("MNIST_COURSE_PRECISION", "float32")
    assert mc.resolve_precision("auto") == "float32"
    monkeypatch.setattr(models, "_CPUINFO", str(tmp_path / "missing"))
    assert models.has_native_bfloat16() is False
