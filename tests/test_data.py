from __future__ import annotations

import gzip
import io
import os
import shutil
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

import mnist_course as mc
from mnist_course import DataFileError, DataNotFoundError, InputError, load_mnist
from mnist_course.data import idx
from mnist_course.data import loading as data
from mnist_course.data.idx import read_idx, write_idx
from mnist_course.data.loading import ENV_VAR, IDX_FILES


def assert_same(loaded, expected: dict[str, np.ndarray]) -> None:
    (x_train, y_train), (x_test, y_test) = loaded
    keys = ("x_train", "y_train", "x_test", "y_test")
    for key, got in zip(keys, (x_train, y_train, x_test, y_test), strict=True):
        np.testing.assert_array_equal(got, expected[key])
        assert got.dtype == np.uint8


# --------------------------------------------------------------------------- good sources


def test_load_npz_by_path(npz_path: Path, tiny_mnist) -> None:
    assert_same(load_mnist(npz_path), tiny_mnist)
    assert_same(load_mnist(str(npz_path)), tiny_mnist)


def test_load_from_environment_variable(npz_path, tiny_mnist, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(npz_path))
    assert_same(load_mnist(), tiny_mnist)


def test_path_argument_wins_over_environment(npz_path, tiny_mnist, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "does-not-exist.npz"))
    assert_same(load_mnist(npz_path), tiny_mnist)


def test_missing_environment_path_says_where_it_came_from(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nope.npz"))
    with pytest.raises(DataNotFoundError, match=rf"nope.npz \(from \${ENV_VAR}\)"):
        load_mnist()


def test_load_idx_folder(idx_folder, tiny_mnist) -> None:
    assert_same(load_mnist(idx_folder), tiny_mnist)


def test_load_idx_folder_unzipped_as_kaggle_does(idx_folder, tiny_mnist) -> None:
    # Kaggle's download unzips each file into a folder of the same name
    for name in IDX_FILES.values():
        (idx_folder / name).rename(idx_folder / "tmp")
        (idx_folder / name).mkdir()
        (idx_folder / "tmp").rename(idx_folder / name / name)
    assert_same(load_mnist(idx_folder), tiny_mnist)


@pytest.mark.parametrize("dtype", [">i4", "<i8", ">u2"])
def test_labels_of_any_integer_type_load_as_uint8(dtype, tmp_path, tiny_mnist) -> None:
    arrays = {**tiny_mnist, "y_train": tiny_mnist["y_train"].astype(dtype)}
    np.savez(tmp_path / "m.npz", **arrays)
    (_, y_train), (_, y_test) = load_mnist(tmp_path / "m.npz")
    assert y_train.dtype == y_test.dtype == np.uint8
    np.testing.assert_array_equal(y_train, tiny_mnist["y_train"])


def test_load_gzipped_idx_folder_with_dotted_names(idx_folder, tiny_mnist) -> None:
    for name in IDX_FILES.values():
        plain = idx_folder / name
        dotted = name.replace("-idx", ".idx")
        (idx_folder / f"{dotted}.gz").write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
    assert_same(load_mnist(idx_folder), tiny_mnist)


def test_the_real_dataset(real_mnist_path) -> None:
    (x_train, y_train), (x_test, y_test) = load_mnist(real_mnist_path)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert list(y_train[:5]) == [5, 0, 4, 1, 9]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# --------------------------------------------------------------------------- bad files


def test_missing_path(tmp_path) -> None:
    with pytest.raises(DataNotFoundError, match="not found"):
        load_mnist(tmp_path / "missing.npz")


def test_missing_path_is_also_a_file_not_found_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        load_mnist(tmp_path / "missing.npz")


def test_empty_file(tmp_path) -> None:
    path = tmp_path / "mnist.npz"
    path.touch()
    with pytest.raises(DataFileError, match=r"mnist.npz: is empty"):
        load_mnist(path)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_npz(npz_path, fraction) -> None:
    data = npz_path.read_bytes()
    npz_path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(DataFileError, match="mnist.npz"):
        load_mnist(npz_path)


def test_not_an_npz(tmp_path) -> None:
    path = tmp_path / "mnist.npz"
    path.write_text("this is a text file\n" * 10)
    with pytest.raises(DataFileError, match="not a readable .npz"):
        load_mnist(path)


def test_single_npy_array(tmp_path) -> None:
    path = tmp_path / "mnist.npz"
    with path.open("wb") as file:
        np.save(file, np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(DataFileError, match="single array"):
        load_mnist(path)


def test_missing_key(tmp_path, tiny_mnist) -> None:
    del tiny_mnist["y_test"]
    np.savez(tmp_path / "m.npz", **tiny_mnist)
    with pytest.raises(DataFileError, match="this one holds x_test, x_train, y_train"):
        load_mnist(tmp_path / "m.npz")


def test_extra_key(tmp_path, tiny_mnist) -> None:
    np.savez(tmp_path / "m.npz", extra=np.zeros(3), **tiny_mnist)
    with pytest.raises(DataFileError, match="extra"):
        load_mnist(tmp_path / "m.npz")


def test_pickled_object_arrays_are_refused(tmp_path, tiny_mnist) -> None:
    tiny_mnist["y_test"] = np.array([object()] * 20)
    np.savez(tmp_path / "m.npz", **tiny_mnist)
    with pytest.raises(DataFileError, match="m.npz"):
        load_mnist(tmp_path / "m.npz")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("x_train", np.zeros((50, 28, 27), np.uint8), r"shape \(50, 28, 27\)"),
        ("x_train", np.zeros((50, 784), np.uint8), r"shape \(50, 784\)"),
        ("x_test", np.zeros((20, 28, 28), np.float32), "float32"),
        ("y_train", np.zeros((50, 1), np.uint8), r"labels have shape \(50, 1\)"),
        ("y_train", np.zeros(50, np.float64), "float64"),
        ("y_test", np.full(20, 10, np.uint8), "outside 0-9"),
        ("y_test", np.full(20, -1, np.int64), "outside 0-9"),
        ("y_train", np.zeros(49, np.uint8), r"labels \(49\) is not the number of images \(50\)"),
        (
            "x_test",
            np.zeros((0, 28, 28), np.uint8),
            r"labels \(20\) is not the number of images \(0\)",
        ),
    ],
)
def test_invalid_contents(tmp_path, tiny_mnist, key, value, message) -> None:
    tiny_mnist[key] = value
    np.savez(tmp_path / "m.npz", **tiny_mnist)
    with pytest.raises(DataFileError, match=message) as info:
        load_mnist(tmp_path / "m.npz")
    assert "m.npz" in str(info.value)


def test_idx_counts_that_disagree(idx_folder, tiny_mnist) -> None:
    write_idx(idx_folder / IDX_FILES["y_test"], tiny_mnist["y_test"][:-1])
    with pytest.raises(
        DataFileError,
        match=r"test\): the number of labels \(19\) is not the number of images \(20\)",
    ):
        load_mnist(idx_folder)


def test_idx_folder_missing_a_file(idx_folder) -> None:
    (idx_folder / IDX_FILES["y_train"]).unlink()
    with pytest.raises(DataNotFoundError, match="no train-labels-idx1-ubyte"):
        load_mnist(idx_folder)


def test_idx_file_with_wrong_type(idx_folder) -> None:
    write_idx(idx_folder / IDX_FILES["y_train"], np.zeros(50, np.int32))
    with pytest.raises(DataFileError, match="int32"):
        load_mnist(idx_folder)


def test_idx_file_corrupt(idx_folder) -> None:
    path = idx_folder / IDX_FILES["x_train"]
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataFileError, match="train-images-idx3-ubyte.*truncated"):
        load_mnist(idx_folder)


def test_idx_folder_loads_like_the_npz(idx_folder, npz_path) -> None:
    for a, b in zip(load_mnist(idx_folder), load_mnist(npz_path), strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


def test_loader_leaves_the_source_untouched(npz_path, tmp_path) -> None:
    before = npz_path.read_bytes()
    shutil.copy(npz_path, tmp_path / "copy.npz")
    load_mnist(npz_path)
    assert npz_path.read_bytes() == before


# --------------------------------------------------------------------------- preprocessing


def test_flatten_keeps_row_major_pixel_order() -> None:
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) / (2 * 28 * 28)  # all different
    flat = mc.flatten(images)
    assert flat.shape == (2, 784)
    assert flat[0, 28] == images[0, 1, 0]  # pixel 28 starts the second row
    np.testing.assert_array_equal(mc.flatten(flat), flat)
    np.testing.assert_array_equal(mc.flatten(images[..., None]), flat)


def test_to_images_inverts_flatten() -> None:
    images = np.arange(3 * 784).reshape(3, 28, 28) / (3 * 784)
    np.testing.assert_array_equal(mc.to_images(mc.flatten(images))[..., 0], images)
    assert mc.to_images(images).shape == (3, 28, 28, 1)


def test_flatten_explains_a_single_image() -> None:
    with pytest.raises(InputError, match=r"one image; make a batch of one with image\[None\]"):
        mc.flatten(np.zeros((28, 28)))
    with pytest.raises(InputError, match=r"\(n, 28, 28\)"):
        mc.to_images(np.zeros((4, 32, 32)))


def test_scale() -> None:
    raw = np.zeros((2, 784), np.uint8)
    raw[0, :3] = [0, 51, 255]
    scaled = mc.scale(raw)
    assert scaled.dtype == np.float32 and scaled.shape == (2, 784)
    np.testing.assert_allclose(scaled[0, :3], [0, 0.2, 1])
    one = np.full((28, 28), 255.0)  # one image keeps its shape too
    np.testing.assert_allclose(mc.scale(one), np.ones((28, 28)))


@pytest.mark.parametrize(
    "bad",
    [
        np.full((1, 784), -1.0),
        np.full((1, 784), 256.0),
        np.full((1, 784), np.nan),
        np.full((1, 784), "a"),
        np.array([0.0, 255.0]),  # not an image
    ],
)
def test_scale_rejects_values_that_are_not_pixels(bad) -> None:
    with pytest.raises(InputError):
        mc.scale(bad)


def test_one_hot() -> None:
    encoded = mc.one_hot(np.array([3, 0, 9], np.uint8))
    assert encoded.shape == (3, 10) and encoded.dtype == np.float32
    assert encoded[0].tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    np.testing.assert_array_equal(encoded.argmax(axis=1), [3, 0, 9])
    np.testing.assert_array_equal(mc.one_hot(np.array([2.0])), mc.one_hot(np.array([2])))


def test_one_hot_of_one_hot_rows_changes_nothing() -> None:
    np.testing.assert_array_equal(mc.one_hot(np.eye(10)), np.eye(10))


@pytest.mark.parametrize("bad", [np.array([10]), np.array([-1]), np.array([1.5]), np.eye(3)])
def test_one_hot_rejects_bad_labels(bad) -> None:
    with pytest.raises(InputError):
        mc.one_hot(bad)


def test_prepare_layouts(tiny_mnist) -> None:
    x, y = mc.prepare(tiny_mnist["x_train"], tiny_mnist["y_train"])
    assert x.shape == (50, 784) and x.dtype == np.float32 and x.max() <= 1
    assert y.shape == (50, 10)
    x_img = mc.prepare(tiny_mnist["x_train"], layout="image", scaled=False)
    assert x_img.shape == (50, 28, 28, 1) and x_img.max() > 1
    with pytest.raises(InputError, match="layout"):
        mc.prepare(tiny_mnist["x_train"], layout="cube")


def test_summarize(tiny_mnist) -> None:
    summary = mc.summarize(tiny_mnist["x_train"], tiny_mnist["y_train"])
    assert summary.num_images == 50
    assert summary.class_counts == {d: 5 for d in range(10)}
    assert summary.pixel_max == tiny_mnist["x_train"].max()
    assert summary.pixel_mean == pytest.approx(tiny_mnist["x_train"].mean())
    assert "images per digit: 0: 5" in str(summary)


def test_a_path_that_cannot_be_read(npz_path, idx_folder, monkeypatch) -> None:
    # running as root, permissions cannot deny a read, so the refusal is simulated
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith(("mnist.npz", "ubyte")):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(DataFileError, match=r"mnist.npz: permission denied"):
        load_mnist(npz_path)
    with pytest.raises(DataFileError, match=r"idx3-ubyte: permission denied"):
        load_mnist(idx_folder)


# ------------------------------------------------------------------ files that are not MNIST


def _rewrite_member(path: Path, key: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[f"{key}.npy"] = data
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def test_an_npz_header_declaring_a_huge_array_is_refused_before_allocating(npz_path) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|u1", "fortran_order": False, "shape": (60_000_000, 28, 28)}
    )
    _rewrite_member(npz_path, "x_train", b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + bytes(64))
    with pytest.raises(DataFileError, match=r"x_train declares shape \(60000000, 28, 28\)"):
        load_mnist(npz_path)


def test_an_npz_member_that_unpacks_past_the_limit_is_refused(npz_path, monkeypatch) -> None:
    monkeypatch.setattr(data, "MAX_BYTES", 1000)  # the tiny arrays are over it
    with pytest.raises(DataFileError, match="would unpack to .* bytes, more than the 1,000"):
        load_mnist(npz_path)


def test_a_gzip_idx_file_is_never_expanded_past_its_header(tmp_path, monkeypatch) -> None:
    # 40 MB of zeros behind a header that declares 10 bytes: read no further than 11
    bomb = tmp_path / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(bomb, "wb") as out:
        out.write(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big"))
        for _ in range(40):
            out.write(bytes(1 << 20))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(DataFileError, match="longer than its header says"):
        read_idx(bomb)
    monkeypatch.setattr(idx, "MAX_BYTES", 5)
    with pytest.raises(DataFileError, match="declares 10 bytes of data, more than the 5"):
        read_idx(bomb)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_special_files_are_named_not_waited_on(tmp_path) -> None:
    pipe = tmp_path / "mnist.npz"
    os.mkfifo(pipe)
    outcome = {}
    reader = threading.Thread(target=lambda: outcome.update(error=_error_of(pipe)), daemon=True)
    reader.start()
    reader.join(20)
    assert "named pipe" in outcome.get("error", "it hung"), outcome
    if Path("/dev/zero").exists():
        assert "character device" in _error_of(Path("/dev/zero"))


def _error_of(path: Path) -> str:
    with pytest.raises(DataFileError) as info:
        load_mnist(path)
    return str(info.value)


def test_links_that_lead_nowhere_say_so(tmp_path) -> None:
    loop = tmp_path / "loop.npz"
    loop.symlink_to(loop)
    assert "symbolic link loop" in _error_of(loop)
    dangling = tmp_path / "gone.npz"
    dangling.symlink_to(tmp_path / "deleted.npz")
    assert "a symbolic link to" in _error_of(dangling) and "does not exist" in _error_of(dangling)


def test_a_folder_holding_the_npz_instead_of_idx_files_says_which_path_to_give(
    tmp_path, npz_path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    npz_path.rename(folder / "mnist.npz")
    with pytest.raises(DataNotFoundError, match=r"It holds mnist.npz: give that file's path"):
        load_mnist(folder)
