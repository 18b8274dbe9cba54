from __future__ import annotations

import os
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from user_photos import TRANSPOSE_FOR, draw_digit, falloff, on_paper, photo, save_photo

import mnist_course as mc
from mnist_course import InputError, NoDigitError
from mnist_course.data import image_files, images


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(image.shape)
    return float((ys * image).sum() / image.sum()), float((xs * image).sum() / image.sum())


def stroke(height: int = 200, width: int = 300) -> np.ndarray:
    """A dark 'L' on white paper, off-centre: what a photo of a digit looks like."""
    paper = np.full((height, width), 250, np.uint8)
    paper[30:150, 200:215] = 10
    paper[135:150, 200:260] = 10
    return paper


def test_output_is_mnist_style() -> None:
    out = mc.to_mnist_image(stroke())
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() == 0 and out.max() == pytest.approx(1, abs=0.02)
    assert out[0].sum() == 0 and out[:, 0].sum() == 0  # dark background after inverting
    cy, cx = centre_of_mass(out)
    assert abs(cy - 13.5) < 1 and abs(cx - 13.5) < 1


def test_the_digit_fits_20_by_20_keeping_its_aspect() -> None:
    out = mc.to_mnist_image(stroke())
    rows = np.flatnonzero(out.max(axis=1) > 0.2)
    cols = np.flatnonzero(out.max(axis=0) > 0.2)
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert height in (19, 20, 21)
    assert width == pytest.approx(20 * 60 / 120, abs=1.5)


def test_a_shifted_and_scaled_digit_comes_out_the_same(tiny_mnist) -> None:
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 10:14] = 255
    digit[6:10, 10:20] = 255
    reference = mc.to_mnist_image(digit)
    moved = np.zeros((90, 90), np.uint8)
    moved[5:53, 50:80] = np.asarray(
        Image.fromarray(digit[6:22, 10:20]).resize((30, 48), Image.NEAREST)
    )
    assert np.abs(mc.to_mnist_image(moved) - reference).mean() < 0.05


@pytest.mark.parametrize(
    "kind", ["rgb", "rgba", "grey-alpha", "uint16", "float", "light-on-dark", "mask", "mask-ink"]
)
def test_every_kind_of_input_gives_the_same_digit(kind) -> None:
    paper = stroke()
    expected = mc.to_mnist_image(paper)
    if kind == "rgb":
        image = np.stack([paper, paper, paper], axis=-1)
    elif kind == "rgba":
        image = np.dstack([paper, paper, paper, np.full_like(paper, 255)])
    elif kind == "grey-alpha":  # Pillow's "LA", as a NumPy array
        image = np.dstack([paper, np.full_like(paper, 255)])
    elif kind.startswith("mask"):  # True/False, either way round: paper > 127 or ink < 128
        image = paper > 127 if kind == "mask" else paper < 128
    elif kind == "uint16":
        image = paper.astype(np.uint16) * 257
    elif kind == "float":
        image = paper / 255.0
    else:
        image = 255 - paper
    np.testing.assert_allclose(mc.to_mnist_image(image), expected, atol=0.02)


def test_a_page_with_a_transparent_margin_reads_as_the_page() -> None:
    paper = stroke()
    expected = mc.to_mnist_image(paper)
    margin = np.zeros((260, 360, 4), np.uint8)  # transparent all round the opaque page
    margin[30:230, 30:330, :3] = paper[..., None]
    margin[30:230, 30:330, 3] = 255
    np.testing.assert_allclose(mc.to_mnist_image(margin), expected, atol=0.02)
    grey_alpha = margin[..., [0, 3]]
    np.testing.assert_allclose(mc.to_mnist_image(grey_alpha), expected, atol=0.02)
    # the alpha channel as a 0/1 mask (numpy-made), not 8-bit opacity: the same page
    for image in (margin, grey_alpha):
        masked = image.copy()
        masked[..., -1] //= 255
        np.testing.assert_allclose(mc.to_mnist_image(masked), expected, atol=0.02)


def test_a_list_of_true_and_false_reads_as_the_mask_array() -> None:
    mask = stroke() < 128
    np.testing.assert_array_equal(mc.to_mnist_image(mask.tolist()), mc.to_mnist_image(mask))


def test_a_masked_array_is_refused_not_read_without_its_mask() -> None:
    hidden = np.ma.masked_array(stroke(), mask=np.ones((200, 300), bool))
    with pytest.raises(InputError, match="masked array; fill the masked pixels"):
        mc.to_mnist_image(hidden)


def test_transparent_background_counts_as_background() -> None:
    ink = np.zeros((100, 100, 4), np.uint8)  # a black stroke on a fully transparent sheet
    ink[20:80, 45:55, 3] = 255
    out = mc.to_mnist_image(ink)
    assert out[0].sum() == 0 and out.max() > 0.9


@pytest.mark.parametrize(
    "blank",
    [
        np.zeros((50, 50)),
        np.full((50, 50), 255, np.uint8),
        np.full((40, 40, 3), 128, np.uint8),
        np.ones((40, 40), bool),
    ],
)
def test_blank_image_says_no_digit_found(blank) -> None:
    with pytest.raises(NoDigitError, match="no digit found"):
        mc.to_mnist_image(blank)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((5, 28, 28)), r"got shape \(5, 28, 28\)"),
        (np.zeros(10), "got shape"),
        (np.full((30, 30), np.nan), "NaN"),
        (np.full((30, 30), 2.0), "0-1"),
        (np.zeros((30, 30), complex), "dtype complex128"),
        (np.zeros((30, 30, 5)), r"got shape \(30, 30, 5\)"),
        (np.zeros((1, 30)), "only 30x1 pixels"),  # width x height: 1 row of 30
    ],
)
def test_bad_arrays(image, message) -> None:
    with pytest.raises(InputError, match=message):
        mc.to_mnist_image(image)


def test_image_files(tmp_path) -> None:
    Image.fromarray(stroke()).save(tmp_path / "digit.png")
    Image.fromarray(np.stack([stroke()] * 3, -1)).save(tmp_path / "digit.jpg", quality=90)
    Image.fromarray(stroke().astype(np.uint16) * 257).save(tmp_path / "digit16.png")
    expected = mc.to_mnist_image(stroke())
    for name in ("digit.png", "digit.jpg", "digit16.png"):
        np.testing.assert_allclose(mc.to_mnist_image(tmp_path / name), expected, atol=0.08)
    assert mc.to_mnist_image(str(tmp_path / "digit.png")).shape == (28, 28)


def test_bad_files(tmp_path) -> None:
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(InputError, match="notes.png: not an image"):
        mc.to_mnist_image(tmp_path / "notes.png")
    Image.fromarray(stroke()).save(tmp_path / "cut.png")
    data = (tmp_path / "cut.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.png"):
        mc.to_mnist_image(tmp_path / "cut.png")
    with pytest.raises(InputError, match="no such file"):
        mc.to_mnist_image(tmp_path / "missing.png")
    with pytest.raises(InputError, match="is a folder"):
        mc.to_mnist_image(tmp_path)


# --- issue 15: a phone photo reads right, and nothing a user hands the course breaks it ---


def asymmetric_digit() -> np.ndarray:
    """An upright 'L' on white paper: every turn and mirror image of it differs."""
    return stroke(400, 300)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tiff"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_turns_the_photo_upright(tmp_path, orientation, suffix) -> None:
    upright = asymmetric_digit()
    stored = Image.fromarray(upright)
    if TRANSPOSE_FOR[orientation] is not None:
        stored = stored.transpose(TRANSPOSE_FOR[orientation])  # as the sensor saw it
    options = {"lossless": True} if suffix == ".webp" else {}
    path = save_photo(stored, orientation, tmp_path / f"photo{suffix}", **options)
    assert Image.open(path).getexif()[0x0112] == orientation
    assert images.read_image(path).shape[:2] == upright.shape  # WebP keeps RGB only
    np.testing.assert_allclose(
        mc.to_mnist_image(path), mc.to_mnist_image(upright), atol=0.1 if suffix == ".jpg" else 0.02
    )


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_damaged_exif_block_still_reads_the_pixels(tmp_path) -> None:
    Image.fromarray(asymmetric_digit()).save(tmp_path / "d.jpg", exif=b"Exif\x00\x00MM\x00*garbage")
    assert mc.to_mnist_image(tmp_path / "d.jpg").max() > 0.9


def pens(digit: int, seed: int, pen: float, canvas: int = 2000) -> np.ndarray:
    """The same digit (same hand) drawn with a pen of ``pen`` pixels: uint8, dark on white."""
    ink = draw_digit(digit, np.random.default_rng(seed), canvas=(canvas, canvas), pen=pen)
    return ((1 - ink) * 255).astype(np.uint8)


@pytest.mark.parametrize("pen", [4, 6, 8])
@pytest.mark.parametrize("digit", [0, 2, 7])
def test_a_thin_pen_on_a_large_scan_keeps_full_ink(digit, pen) -> None:
    thin = mc.to_mnist_image(pens(digit, digit, pen))
    thick = mc.to_mnist_image(pens(digit, digit, 98))  # 7% of the digit's height: a marker
    assert thin.max() == pytest.approx(1.0)  # was a faint smear peaking near 0.1
    strokes = thin > 0.5
    assert strokes.sum() >= 15  # a digit's worth of ink, not a few pixels
    # and the same digit: the thin strokes run along the thick ones (give or take a pixel:
    # the thick pen's wider box scales the digit a little smaller)
    padded = np.pad(thick, 1)
    near_thick = np.max([padded[y : y + 28, x : x + 28] for y in range(3) for x in range(3)], 0)
    assert (near_thick[strokes] > 0.2).mean() > 0.95
    assert not np.isnan(thin).any()


def test_uneven_lighting_reads_like_even_lighting() -> None:
    rng = np.random.default_rng(4)
    ink = draw_digit(3, rng, canvas=(600, 800), pen=18)
    even = mc.to_mnist_image(on_paper(ink, np.random.default_rng(1)))
    for seed in range(4):  # the light falls off from a different side each time
        light = falloff(800, 600, np.random.default_rng(seed))
        shaded = mc.to_mnist_image(on_paper(ink, np.random.default_rng(1), light))
        assert np.abs(shaded - even).mean() < 0.03, seed


def page(height: int = 1500, width: int = 2000, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(225, noise, size=(height, width)), 0, 255).astype(np.uint8)


def test_specks_far_apart_are_no_digit_not_a_nan_crash() -> None:
    paper = page()
    paper[10:12, 10:12] = 20  # dust in two corners: ink that vanishes at 20x20
    paper[-12:-10, -12:-10] = 20
    with pytest.raises(NoDigitError, match="fade away.*shrunk to MNIST's 20x20"):
        mc.to_mnist_image(paper)


def test_a_lone_speck_on_a_page_is_no_digit() -> None:
    paper = page()
    paper[700:704, 900:903] = 30
    with pytest.raises(NoDigitError, match=r"only mark is a speck \(3x4 pixels in a 2000x1500"):
        mc.to_mnist_image(paper)


@pytest.mark.parametrize("noise", [4, 8, 16])
def test_a_photo_of_blank_noisy_paper_is_no_digit(noise) -> None:
    with pytest.raises(NoDigitError, match="no digit found"):
        mc.to_mnist_image(page(600, 800, noise=noise, seed=noise))


def test_a_digit_on_noisy_paper_is_still_read() -> None:
    paper = page(600, 800, noise=8)
    paper[100:500, 380:400] = 40
    out = mc.to_mnist_image(paper)
    assert out.max() == pytest.approx(1.0) and np.isfinite(out).all()
    assert out[:, :10].max() < 0.2 and out[:, -10:].max() < 0.2  # the grain is not ink


def huge_png(path, width: int, height: int):
    """A PNG that declares width x height pixels in a few kilobytes on disk."""
    Image.new("1", (width, height), 1).save(path)
    assert path.stat().st_size < 3_000_000
    return path


@pytest.mark.parametrize(
    ("width", "height", "megapixels"),
    [(20_000, 20_000, "400 megapixels"), (8_000, 8_000, "64 megapixels")],
)
def test_a_decompression_bomb_is_refused_before_decoding(
    tmp_path, monkeypatch, width, height, megapixels
) -> None:
    path = huge_png(tmp_path / "bomb.png", width, height)
    monkeypatch.setattr(
        Image.Image, "load", lambda self: pytest.fail("decoded a decompression bomb")
    )
    with pytest.raises(InputError, match=f"bomb.png: the image is .*{megapixels}") as caught:
        mc.to_mnist_image(path)
    assert f"up to {images.MAX_PIXELS // 1_000_000} megapixels" in str(caught.value)
    assert "Shrink it" in str(caught.value)


def test_pillows_own_bomb_warning_becomes_the_same_refusal(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # a user lowered Pillow's limit
    Image.fromarray(stroke(40, 40)).save(tmp_path / "small.png")  # 1600 px: Pillow warns
    with pytest.raises(InputError, match="small.png: the image is .*up to 50 megapixels"):
        mc.to_mnist_image(tmp_path / "small.png")


@pytest.mark.parametrize("mode", ["L", "RGBA", "I;16"])
def test_a_big_photo_is_worked_on_shrunk(tmp_path, monkeypatch, mode) -> None:
    paper = np.full((3000, 4500), 240, np.uint8)
    paper[600:2400, 2000:2150] = 20
    paper[2250:2400, 2000:2900] = 20
    array = {
        "L": paper,
        "RGBA": np.dstack([paper] * 3 + [np.full_like(paper, 255)]),
        "I;16": paper.astype(np.uint16) * 257,
    }[mode]
    Image.fromarray(array).save(tmp_path / "big.png")
    assert images.read_image(tmp_path / "big.png").shape[:2] == (3000, 4500)  # as it is
    shapes = []
    real = image_files.pil_pixels
    monkeypatch.setattr(
        image_files, "pil_pixels", lambda image: shapes.append(image.size) or real(image)
    )
    out = mc.to_mnist_image(tmp_path / "big.png")
    assert shapes == [(1500, 1000)]  # the working size: a quarter of the memory, or less
    assert np.abs(out - mc.to_mnist_image(paper)).mean() < 0.02


def read_in_a_thread(path, seconds: float = 20):
    """read_image(path), failing the test instead of hanging if it blocks."""
    outcome: dict[str, BaseException | np.ndarray] = {}

    def target() -> None:
        try:
            outcome["result"] = images.read_image(path)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"read_image({path}) is still waiting after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_not_waited_on(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(InputError, match=r"pipe.png: is a named pipe \(FIFO\), not an image"):
        read_in_a_thread(tmp_path / "pipe.png")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_file_is_refused() -> None:
    with pytest.raises(InputError, match="/dev/zero: is a character device"):
        read_in_a_thread("/dev/zero")


def make_file(tmp_path: Path, kind: str) -> Path:
    """A file a user might hand the course by mistake, of one kind."""
    path = tmp_path / f"{kind}.png"
    if kind == "folder":
        path.mkdir()
    elif kind == "link-loop":
        (tmp_path / "other.png").symlink_to(path)
        path.symlink_to(tmp_path / "other.png")
    elif kind == "dangling-link":
        path.symlink_to(tmp_path / "gone.png")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("My digit is a 7.\nSee attached.\n")
    elif kind == "svg":
        path = tmp_path / "digit.svg"
        path.write_text(
            '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="28" '
            'height="28"><path d="M4 4 L20 24" stroke="black"/></svg>\n'
        )
    elif kind == "eps":
        path = tmp_path / "digit.eps"
        path.write_text(
            "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n"
            "newpath 4 4 moveto 20 24 lineto stroke\nshowpage\n%%EOF\n"
        )
    elif kind == "pdf":
        path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    elif kind == "heic":
        path = tmp_path / "IMG_0001.HEIC"
        path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    elif kind in ("cut-png", "cut-jpeg"):
        suffix = ".png" if kind == "cut-png" else ".jpg"
        path = tmp_path / f"cut{suffix}"
        Image.fromarray(np.stack([asymmetric_digit()] * 3, -1)).save(path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("folder", "is a folder, not an image file"),
        ("link-loop", r"a symbolic link loop"),
        ("dangling-link", r"a symbolic link to .*gone.png, which does not exist"),
        ("empty", r"is empty \(the file has 0 bytes\)"),
        ("text", "not an image file: it holds text"),
        ("svg", r"unsupported format \(SVG, a vector drawing\); export it as PNG or JPEG"),
        ("eps", r"unsupported format \(EPS.*\); export it as PNG or JPEG"),
        ("pdf", r"unsupported format \(PDF\); export it as PNG or JPEG"),
        ("heic", r"unsupported format \(HEIC/HEIF.*export it as JPEG"),
        ("cut-png", "the PNG file is damaged or truncated"),
        ("cut-jpeg", "the JPEG file is damaged or truncated"),
        ("binary", "not an image file that Pillow can read"),
    ],
)
def test_each_bad_file_says_what_it_is(tmp_path, kind, message) -> None:
    path = make_file(tmp_path, kind)
    with pytest.raises(InputError, match=message) as caught:
        mc.to_mnist_image(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert "damaged" not in str(caught.value) or kind.startswith("cut")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_says_permission_denied(tmp_path) -> None:
    path = tmp_path / "locked.png"
    Image.fromarray(asymmetric_digit()).save(path)
    path.chmod(0)
    with pytest.raises(InputError, match="locked.png: permission denied"):
        mc.to_mnist_image(path)


@pytest.mark.parametrize("error", [struct.error("unpack"), ZeroDivisionError(), IndexError()])
def test_any_decoder_failure_is_an_input_error(tmp_path, monkeypatch, error) -> None:
    Image.fromarray(asymmetric_digit()).save(tmp_path / "odd.png")

    def fail(self):
        raise error

    monkeypatch.setattr(Image.Image, "load", fail)
    with pytest.raises(InputError, match=f"odd.png: .*{type(error).__name__}"):
        mc.to_mnist_image(tmp_path / "odd.png")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_predict_reads_every_image_of_a_mixed_folder(tmp_path, monkeypatch, capsys) -> None:
    from mnist_course.__main__ import main

    model = tmp_path / "tiny.keras"
    mc.save_model(mc.compile_model(mc.tiny_mlp()), model)
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    good = []
    for kind in ("exif-6", "thin", "pad"):
        image, orientation = photo(kind, 3, rng)
        suffix = ".png" if kind == "pad" else ".jpg"
        good.append(save_photo(image, orientation, folder / f"a-{kind}{suffix}"))
    specks = page(300, 400)
    specks[5, 5] = specks[-5, -5] = 0
    Image.fromarray(specks).save(folder / "b-specks.png")
    huge_png(folder / "c-huge.png", 20_000, 20_000)
    (folder / "d-notes.txt").write_text("not an image")
    os.mkfifo(folder / "e-pipe")
    (folder / "f-loop").symlink_to(folder / "f-loop")
    (folder / "g-odd.png").write_bytes(b"later")
    good.append(folder / "h-last.png")
    Image.fromarray(asymmetric_digit()).save(good[-1])
    real = mc.to_mnist_image

    def odd(path):  # an exception of a type no one planned for
        if Path(path).name == "g-odd.png":
            raise RuntimeError("something\nunexpected")
        return real(path)

    monkeypatch.setattr(images, "to_mnist_image", odd)
    files = sorted(folder.iterdir())
    status = main(["predict", str(model), str(folder)])  # the folder stands for its files
    out, err = capsys.readouterr()
    assert status == 1
    assert out.splitlines() == [line for line in out.splitlines() if line.endswith("%)")]
    assert [line.split(": ")[0] for line in out.splitlines()] == [str(p) for p in sorted(good)]
    errors = err.splitlines()
    assert len(errors) == len(files) - len(good) and all(e.startswith("error: ") for e in errors)
    for line, words in zip(
        errors,
        [
            "no digit found",
            "400 megapixels",
            "holds text",
            "named pipe",
            "symbolic link loop",
            "could not be read (RuntimeError: something unexpected)",
        ],
        strict=True,
    ):
        assert words in line, line


@pytest.mark.slow
def test_the_trained_lenet_reads_user_photos(real_mnist_path, tmp_path) -> None:
    """Thin pens, EXIF-turned phone photos, a shadow: read as well as a thick upright pen."""
    (x_train, y_train), _ = mc.load_mnist(real_mnist_path)
    model, _ = mc.train_course_model("lenet", x_train, y_train, epochs=4)  # 99% on the test set
    for kind in ("thick", "thin", "exif-3", "exif-6", "exif-8", "corner", "lighting"):
        rng = np.random.default_rng(15)
        right = 0
        for i in range(20):
            image, orientation = photo(kind, i % 10, rng)
            path = save_photo(image, orientation, tmp_path / f"{kind}-{i}.jpg")
            right += mc.predict_digit(model, mc.to_mnist_image(path))[0] == i % 10
        assert right >= 18, f"{kind}: {right}/20 read right"  # thin pens read 11 before the fix


@pytest.mark.parametrize("dtype", [np.uint16, np.int64, np.int32, np.int16])
def test_integer_pixels_0_255_in_any_integer_type_read_as_8_bit(dtype) -> None:
    drawing = np.full((120, 120), 255, np.uint8)
    drawing[30:90, 55:65] = 0  # a dark "1" on white
    np.testing.assert_allclose(
        mc.to_mnist_image(drawing.astype(dtype)), mc.to_mnist_image(drawing), atol=1e-6
    )


@pytest.mark.parametrize(
    ("image", "words"),
    [
        (np.full((50, 50), -3, np.int8), "integer pixel values range from -3"),
        (np.full((50, 50), 70000, np.int64), "expected 0-255 (8-bit) or 0-65535 (16-bit)"),
        (np.zeros((50, 50), complex), "real numbers"),
        (np.full((50, 50), 2.0), "float image values range from 2"),
    ],
)
def test_pixel_values_that_are_not_pixels_say_what_they_are(image, words) -> None:
    with pytest.raises(InputError) as info:
        mc.to_mnist_image(image)
    assert words in str(info.value)
