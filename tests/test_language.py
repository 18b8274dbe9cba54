"""The course in two languages: set_language, the catalogue, widgets, errors, fonts, the CLI."""

from __future__ import annotations

import ast
import os
import re
import string
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import without_tensorflow_lines

import mnist_course as mc
from mnist_course import errors, language
from mnist_course.evaluation.metrics import Evaluation

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mnist_course"


def fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


# --------------------------------------------------------------------------- switching


def test_set_language_switches_and_back() -> None:
    assert mc.get_language() == "en"
    assert language.tr("all digits") == "all digits"
    mc.set_language("zh")
    assert mc.get_language() == "zh"
    assert language.tr("all digits") == "全部数字"
    assert language.tr("Saved {path} ({count:,} parameters)", path="m.keras", count=12345) == (
        "已保存 m.keras（12,345 个参数）"
    )
    mc.set_language("en")
    assert language.tr("all digits") == "all digits"


@pytest.mark.parametrize(
    ("name", "code"),
    [("zh_CN.UTF-8", "zh"), ("zh-Hans", "zh"), ("ZH", "zh"), ("en-GB", "en"), ("en", "en")],
)
def test_language_names_people_write(name, code) -> None:
    mc.set_language(name)
    assert mc.get_language() == code


@pytest.mark.parametrize("bad", ["fr", "zh-TW", "", None, 3])
def test_an_unknown_language_is_a_course_error(bad) -> None:
    with pytest.raises(mc.InputError, match="is not a language of the course: 'en'"):
        mc.set_language(bad)
    assert mc.get_language() == "en"


@pytest.mark.parametrize(
    ("n", "english", "chinese"), [(1, "1 epoch;", "1 轮"), (3, "3 epochs;", "3 轮")]
)
def test_a_plural_message_takes_the_form_of_its_number(n, english, chinese) -> None:
    forms = (
        "{count} epoch; train at least {least} to see a trend",
        "{count} epochs; train at least {least} to see a trend",
    )
    assert language.trn(*forms, n, count=n, least=5).startswith(english)
    mc.set_language("zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # gettext warns of a plural number that is no int
        assert chinese in language.trn(*forms, np.int64(n), count=n, least=5)


def test_text_without_a_translation_stays_english() -> None:
    mc.set_language("zh")
    assert language.tr("no such entry {n}", n=3) == "no such entry 3"


# --------------------------------------------------------------------------- the catalogue
# The gettext catalogue (mnist_course/locale/): make messages extracts, merges and compiles.

LOCALE = PACKAGE / "locale"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "messages.po"


def read_po(path: Path):
    from babel.messages.pofile import read_po as babel_read_po

    with path.open("rb") as file:
        return babel_read_po(file)


def extracted() -> dict[str, list[str]]:
    """Each message the source marks (tr, tr_plot, N_, a course exception), with where: what
    Babel extracts."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[str]] = {}
    for filename, lineno, message, *_ in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


# Each course exception translates its message as tr() does (mnist_course/errors.py).
ERRORS = {name for name, value in vars(errors).items() if isinstance(value, type)}
KEYWORDS = {"tr": None, "trn": (1, 2), "tr_plot": None, "N_": None} | dict.fromkeys(ERRORS)
MESSAGES = extracted()


def test_the_scan_finds_the_course_messages() -> None:
    assert len(MESSAGES) > 300
    assert "{exercise}: correct, well done!" in MESSAGES  # a tr() call
    assert "Capstone: the tutorial's LeNet" in MESSAGES  # an N_() constant


def test_every_marked_message_is_in_the_template_and_the_chinese_catalogue() -> None:
    template = {m.id for m in read_po(LOCALE / "messages.pot") if m.id}
    chinese = {m.id for m in read_po(PO) if m.id}
    assert set(MESSAGES) == template, "run `make messages`: the template is out of date"
    assert set(MESSAGES) <= chinese, "run `make messages`, then translate the new entries"
    stale = {m.id for m in read_po(PO) if m.id} - set(MESSAGES)
    assert not stale, f"run `make messages`: no longer in the source: {sorted(stale)[:5]}"


@pytest.mark.parametrize("english", sorted(MESSAGES, key=str))
def test_each_message_is_translated_with_the_same_placeholders(english) -> None:
    """A plural message (trn) is a pair of English forms; Chinese has one form (nplurals=1)."""
    entry = CATALOGUE_ZH.get(english)
    assert entry is not None and entry.string, f"no translation (at {MESSAGES[english]})"
    assert not entry.fuzzy, "fuzzy: a guess by make messages, to be checked by a translator"
    forms = english if isinstance(english, tuple) else (english,)
    chinese = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    assert all(chinese), "a plural form is left empty"
    words = re.sub(r"\{[^{}]*\}", "", forms[-1])
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in chinese) or not re.search(
        "[A-Za-z]", words
    ), "not Chinese"

    def placeholders(text: str) -> set[str]:
        return set(
            f"{f}{'!' + c if c else ''}:{s}"
            for _, f, s, c in string.Formatter().parse(text)
            if f is not None
        )

    assert {frozenset(placeholders(text)) for text in forms + chinese} == {
        frozenset(placeholders(forms[0]))
    }


CATALOGUE_ZH = {m.id: m for m in read_po(PO) if m.id}


def test_the_compiled_catalogue_is_the_po_file() -> None:
    """messages.mo, which the package reads, holds what messages.po says."""
    from babel.messages.mofile import read_mo

    def pair(m) -> tuple:  # a plural message's forms come as a list or a tuple
        return tuple(m.id) if isinstance(m.id, list | tuple) else m.id, (
            tuple(m.string) if isinstance(m.string, list | tuple) else m.string
        )

    with (PO.with_suffix(".mo")).open("rb") as file:
        compiled = dict(pair(m) for m in read_mo(file) if m.id)
    written = dict(pair(m) for m in read_po(PO) if m.id and m.string and not m.fuzzy)
    assert compiled == written, "run `make messages` (it compiles messages.mo)"


def test_messages_are_marked_where_babel_can_read_them() -> None:
    """tr("...") with a literal, or tr(CONSTANT) of an N_("...") constant: never a text
    built at run time, which no catalogue could hold."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("language.py", "errors.py"):
            continue  # where tr, tr_plot and the errors are defined, on their parameters
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") in KEYWORDS):
                continue
            (first, *_) = node.args
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            if node.func.id in ERRORS and not isinstance(first, ast.Constant | ast.JoinedStr):
                # a message built and translated before the raise (a name), never a text
                # assembled in the call, whose pieces Babel would extract
                assert isinstance(first, ast.Name), f"{where}: {ast.unparse(first)}"
            elif node.func.id == "N_" or isinstance(first, ast.Constant):
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), where
            else:
                assert ast.unparse(first) in N_CONSTANTS, f"{where}: tr({ast.unparse(first)})"


def test_every_error_the_course_raises_is_marked_for_translation() -> None:
    """A raise whose message is a sentence (three words or more) is a course exception with
    a literal message, or goes through tr(): the Chinese edition never meets an error in
    English."""
    left = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            if not node.exc.args or getattr(node.exc.func, "id", "") == "AttributeError":
                continue  # AttributeError keeps Python's own wording, as modules do
            first = node.exc.args[0]
            course_error = getattr(node.exc.func, "id", "") in ERRORS
            if isinstance(first, ast.JoinedStr):
                words = "".join(v.value for v in first.values if isinstance(v, ast.Constant))
            elif isinstance(first, ast.Constant) and isinstance(first.value, str):
                words = "" if course_error else first.value
            else:
                continue
            if len(re.findall(r"[A-Za-z]{2,}", words)) >= 3:
                left.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert left == [], f"raised in English only: raise a course error, or use tr(): {left}"


def test_a_course_error_translates_its_message_when_raised() -> None:
    import pickle

    message = "{name}: got an empty batch (0 images)."
    assert str(errors.InputError(message, name="scale")) == "scale: got an empty batch (0 images)."
    assert str(errors.InputError()) == "" and str(errors.InputError("{as is}")) == "{as is}"
    assert str(errors.InputError(42)) == "42"  # not a message id: kept as Exception keeps it
    language.set_language("zh")
    try:
        error = errors.DownloadError(message, name="scale")  # an OSError: pickled by its args
        assert str(error) == "scale：得到的是一个空批次（0 张图像）。"
        copy = pickle.loads(pickle.dumps(error))  # as multiprocessing sends it
        assert type(copy) is errors.DownloadError and str(copy) == str(error)
    finally:
        language.set_language("en")


N_CONSTANTS = {
    "FONT_PACKAGES",
    "_ONE_TEXT",
    "_BATCH_TEXT",
    "CHECKER_FAILED",
    "SLOW",
    "BINDER",
    "INSTALL",
    "self.name",
    "_LABELS.get(self.status, self.status)",
    "self.exercise",
    "self.cannot_see",
}


def test_error_messages_are_in_the_language_they_were_raised_in(tmp_path) -> None:
    missing = tmp_path / "nope.npz"
    mc.set_language("zh")
    with pytest.raises(mc.DataNotFoundError) as info:
        mc.load_mnist(missing)
    assert str(info.value).startswith(f"找不到 MNIST 数据：{missing}。请给出")
    mc.set_language("en")
    with pytest.raises(mc.DataNotFoundError) as info:
        mc.load_mnist(missing)
    assert str(info.value).startswith("MNIST data not found at")


def test_a_message_built_from_messages_is_translated_part_by_part(monkeypatch) -> None:
    monkeypatch.setenv("MNIST_COURSE_DATA", "/no/such/file.npz")
    mc.set_language("zh")
    with pytest.raises(mc.DataNotFoundError, match=r"file.npz（来自 \$MNIST_COURSE_DATA）"):
        mc.load_mnist()


def test_the_environment_variable_is_read_at_import() -> None:
    code = (
        "import warnings; warnings.simplefilter('always')\n"
        "import mnist_course as mc; print(mc.get_language())"
    )
    env = dict(os.environ, MNIST_COURSE_LANG="zh_CN.UTF-8")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "zh", result.stderr
    env["MNIST_COURSE_LANG"] = "klingon"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "en"
    assert "MNIST_COURSE_LANG='klingon' is not a language of the course" in result.stderr


@pytest.mark.slow  # a Python of its own, importing TensorFlow
def test_the_command_line_speaks_chinese(tmp_path) -> None:
    env = dict(os.environ, MNIST_COURSE_LANG="zh")
    result = subprocess.run(
        [sys.executable, "-m", "mnist_course", "train", "mlp", "--out", str(tmp_path / "m.h5")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 1
    stderr = without_tensorflow_lines(result.stderr).strip()
    assert (
        stderr
        == f"错误：--out {tmp_path / 'm.h5'}：文件名必须是以 .keras 结尾的名字，例如 lenet.keras"
    )


# --------------------------------------------------------------------------- widgets


def test_dataset_browser_in_both_languages(tiny_mnist) -> None:
    mc.set_language("zh")
    browser = mc.DatasetBrowser(tiny_mnist["x_train"], tiny_mnist["y_train"])
    assert browser.digit.description == "显示" and browser.position.description == "图像"
    assert browser.digit.options[0] == ("全部数字", "all")
    assert "第 1 张，共 50 张" in browser.caption.value
    browser.digit.value = 3
    assert "<b>标签 3</b>" in browser.caption.value
    mc.set_language("en")
    browser = mc.DatasetBrowser(tiny_mnist["x_train"], tiny_mnist["y_train"])
    assert browser.digit.description == "Show" and "image 1 of 50" in browser.caption.value


def test_prediction_explorer_and_drawing_pad_in_chinese(tiny_mnist) -> None:
    model = mc.tiny_mlp()
    probabilities = np.full((20, 10), 0.1, np.float32)
    mc.set_language("zh")
    explorer = mc.PredictionExplorer(
        model, tiny_mnist["x_test"], tiny_mnist["y_test"], probabilities=probabilities
    )
    assert [explorer.true_digit.description, explorer.predicted_digit.description] == [
        "真实",
        "预测",
    ]
    assert explorer.only_mistakes.description == "只看错误"
    assert "（测试集索引 0）：真实 <b>0</b>" in explorer.caption.value
    pad = mc.DrawingPad(model)
    assert (pad.predict_button.description, pad.clear_button.description) == ("预测", "清除")
    with pytest.raises(mc.InputError):
        pad.predict()
    assert "<b>请先写一个数字</b>" in pad.message.value
    pad.add_stroke([(140, 40), (140, 240)])
    assert pad.predict() is not None and pad.message.value.startswith("看起来是 <b>")
    mc.set_language("en")
    assert mc.DrawingPad(model).predict_button.description == "Predict"


# --------------------------------------------------------------------------- fonts


def _require_font() -> str:
    family = language.cjk_font()
    if family is None:
        if os.environ.get("MNIST_COURSE_REQUIRE_BROWSER"):
            pytest.fail(
                "no font with Chinese characters, and CI requires one: " + language.FONT_PACKAGES
            )
        pytest.skip("no font with Chinese characters installed: " + language.FONT_PACKAGES)
    return family


def test_a_chinese_plot_has_every_glyph(tiny_mnist) -> None:
    from matplotlib.figure import Figure

    _require_font()
    mc.set_language("zh")
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0, 1], [0.9, 0.95])
    ax.set_title("训练集与验证集的准确率 (accuracy) −0.5")
    ax.set_xlabel("轮 (epoch)")
    ax.set_ylabel(language.tr_plot("x[{index}]  label {label}", index=3, label=7))
    assert ax.get_ylabel() == "x[3]  标签 7"
    with warnings.catch_warnings():
        # matplotlib warns "Glyph 35757 (\N{CJK UNIFIED IDEOGRAPH-8BAD}) missing from font(s)
        # DejaVu Sans." where it draws an empty box instead of a character
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        fig.savefig(Path(os.devnull), format="png")
        fig.savefig(Path(os.devnull), format="svg")


def test_without_the_font_a_chinese_plot_has_every_glyph_missing_warning_proves_it() -> None:
    # The check above can fail: without the CJK font in the list, the same text warns.
    from matplotlib.figure import Figure

    _require_font()
    fig = Figure(figsize=(3, 2))
    fig.subplots().set_title("训练")
    with pytest.warns(UserWarning, match="[Gg]lyph.*missing"):
        fig.savefig(Path(os.devnull), format="png")


def test_no_chinese_font_means_english_plots_and_one_warning(monkeypatch) -> None:
    monkeypatch.setattr(language, "cjk_font", lambda: None)
    monkeypatch.setattr(language, "_warned", False)
    with pytest.warns(language.FontWarning, match="fonts-noto-cjk") as caught:
        mc.set_language("zh")
    assert "没有安装含中文字符的字体" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not twice
        assert language.tr_plot("x[{index}]  label {label}", index=1, label=2) == "x[1]  label 2"
        mc.set_language("zh")
    assert language.tr("all digits") == "全部数字"  # the rest still speaks Chinese


# --------------------------------------------------------------------------- the package's text

# Hints that are only code: nothing to translate.
CODE = {
    "keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(...), ...])",
    "model.compile(optimizer=..., loss=..., metrics=[...])",
    "metrics=['accuracy']",
    "model = keras.Sequential([...])",
    "history_adam = model.fit(x, y, epochs=3, batch_size=128, validation_data=(x_val, y_val))",
    "history = model.fit(x, y, ..., validation_data=(x_val, y_val))",
    "validation_data=(x_val, y_val)",
}


def _feedbacks(tiny_mnist) -> list:
    """A checker's every kind of verdict, or nearly: right and wrong answers of each."""
    from mnist_course import exercises as ex
    from mnist_course.backend import keras

    images, labels = tiny_mnist["x_test"], tiny_mnist["y_test"].astype(np.int64)
    flat = images.reshape(20, 784)
    sevens = tiny_mnist["x_train"][tiny_mnist["y_train"] == 7]
    probabilities = np.eye(10)[labels] * 0.5 + 0.05
    probabilities[:5] = np.eye(10)[(labels[:5] + 1) % 10] * 0.5 + 0.05
    history = type("History", (), {"history": {"val_accuracy": [0.5, 0.6]}, "model": None})()
    no_softmax = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    from mnist_course.exercises import feedback

    def fit(model, x, y, **settings):
        model.compile(
            optimizer=keras.optimizers.SGD(0.0),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
            **settings,
        )
        onehot = np.eye(10, dtype="float32")[y]
        return model.fit(x, onehot, epochs=2, batch_size=8, validation_data=(x, onehot), verbose=0)

    real = fit(mc.tiny_mlp(), flat, labels)
    empty = fit(mc.tiny_mlp(), flat, labels)
    empty.history = {"loss": [1.0]}
    orphan = keras.callbacks.History()  # never given to fit: no model
    orphan.history = {"val_accuracy": [0.5]}
    untrained = fit(mc.tiny_mlp(), flat, labels)
    untrained.model.optimizer.iterations.assign(1)
    bad_values = fit(mc.tiny_mlp(), flat, labels)
    bad_values.history = {"val_accuracy": [2.0]}
    logits_loss = mc.tiny_mlp()
    logits_loss.compile(
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.Accuracy()],
    )
    no_loss = mc.tiny_mlp()
    no_loss.compile(optimizer="sgd")
    cnn_images = images.reshape(-1, 28, 28, 1).astype("float32") / 255
    lenet = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(6, 3, activation="relu"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(120, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(84, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    own = lenet.predict(cnn_images, verbose=0).argmax(axis=1)
    lenet_history = fit(lenet, cnn_images, own)
    lenet.optimizer.iterations.assign(lenet.optimizer.iterations + 5)
    return [
        ex.check_flatten_and_scale(None, images),
        ex.check_flatten_and_scale(flat.astype("float32") / 255, images),
        ex.check_flatten_and_scale(images / 255, images),
        ex.check_flatten_and_scale(flat / 255, images),
        ex.check_flatten_and_scale(flat // 255, images),
        ex.check_flatten_and_scale(flat.astype("float32"), images),
        ex.check_flatten_and_scale((flat.astype("float32") / 255)[:, ::-1], images),
        ex.check_one_hot(np.eye(10)[labels], labels),
        ex.check_one_hot(np.eye(10)[labels - 1], labels),
        ex.check_one_hot(np.eye(10)[labels][:, :9], labels),
        ex.check_one_hot(np.eye(10)[labels] * 2, labels),
        ex.check_mean_image(sevens.mean(axis=0), tiny_mnist["x_train"], tiny_mnist["y_train"], 7),
        ex.check_mean_image(sevens.mean(), tiny_mnist["x_train"], tiny_mnist["y_train"], 7),
        ex.check_mean_image(sevens.mean(axis=1), tiny_mnist["x_train"], tiny_mnist["y_train"], 7),
        ex.check_mean_image(images.mean(axis=0), images, labels, 7),
        ex.check_mean_image(images[labels == 8].mean(axis=0), images, labels, 7),
        ex.check_mean_image({"a": 1}, images, labels, 7),
        ex.check_mlp(mc.tiny_mlp()),
        ex.check_mlp(no_softmax),
        ex.check_mlp(mc.tiny_mlp(hidden_units=32)),
        ex.check_mlp("model"),
        ex.check_dense_parameters(784 * 64, 784, 64),
        ex.check_dense_parameters("many", 784, 64),
        ex.check_dense_parameters(784 * 64 + 64, 784, 64),
        ex.check_conv_parameters(3 * 3 * 6 + 6, 3, 6, 16),
        ex.check_conv_parameters(1, 3, 6, 16),
        ex.check_compiled(mc.tiny_mlp()),
        ex.check_compiled(3),
        ex.check_optimizer_comparison(history, history),
        ex.check_optimizer_comparison(3, history),
        ex.check_most_confused_pair((1, 2), labels, (labels + 1) % 10),
        ex.check_most_confused_pair((0, 1), labels, (labels + 1) % 10),
        ex.check_most_confused_pair((1, 0), labels, np.where(labels == 0, 1, labels)),
        ex.check_most_confused_pair("a", labels, (labels + 1) % 10),
        ex.check_most_confused_pair((1, 2), labels, labels),
        ex.check_confident_accuracy(0.5, probabilities, labels, 0.5),
        ex.check_confident_accuracy(75, probabilities, labels, 0.5),
        ex.check_confident_accuracy(0.75, probabilities, labels, 0.5),
        ex.check_confident_accuracy("x", probabilities, labels, 0.5),
        ex.check_confident_accuracy(0.3, probabilities, labels, 0.5),
        ex.check_flatten_and_scale([[1, 2], [3]], images),
        ex.check_flatten_and_scale("pixels", images),
        ex.check_flatten_and_scale(np.full((20, 784), np.nan, np.float32), images),
        ex.check_flatten_and_scale(np.zeros((20, 784), complex), images),
        ex.check_one_hot(np.eye(10)[labels] * 0.9 + 0.01, labels),
        ex.check_dense_parameters(7850.9, 784, 10),
        ex.check_dense_parameters(float("inf"), 784, 10),
        ex.check_dense_parameters(True, 784, 10),
        ex.check_mlp(
            keras.Sequential(
                [
                    keras.Input((784,)),
                    keras.layers.Dense(15, "relu"),
                    keras.layers.Dropout(0.1),
                    keras.layers.Dense(10, "softmax"),
                ]
            )
        ),
        ex.check_mlp(
            keras.Sequential(
                [
                    keras.Input((784,)),
                    keras.layers.Dense(15, "relu", use_bias=False),
                    keras.layers.Dense(10, "softmax"),
                ]
            )
        ),
        ex.check_compiled(logits_loss),
        ex.check_compiled(no_loss),
        ex.check_most_confused_pair((1.5, 2), labels, (labels + 1) % 10),
        ex.check_most_confused_pair((12, 2), labels, (labels + 1) % 10),
        ex.check_most_confused_pair((1, 2, 3), labels, (labels + 1) % 10),
        ex.check_confident_accuracy(0.5, probabilities, labels, 0.999),
        ex.check_confident_accuracy(float("nan"), probabilities, labels, 0.5),
        ex.check_optimizer_comparison(real, "baseline"),
        ex.check_optimizer_comparison(real, real),
        ex.check_optimizer_comparison(empty, real),
        ex.check_optimizer_comparison(orphan, real),
        ex.check_optimizer_comparison(untrained, real),
        ex.check_optimizer_comparison(bad_values, real),
        feedback.never_raises("Build the MLP")(lambda: 1 / 0)(),
        mc.check_capstone(mc.tiny_mlp(), history, images, labels, validation_size=0),
        mc.check_capstone(lenet, real, images, labels, validation_size=0),
        mc.check_capstone(
            lenet, lenet_history, images, own, (images, (own + 1) % 10), validation_size=0
        ),
        mc.check_capstone(lenet, lenet_history, images, own, (images, own), validation_size=0),
        mc.check_capstone(lenet, lenet_history, images, own, (images, own), validation_size=99),
        mc.check_capstone(keras.Sequential([keras.layers.MaxPooling2D()]), None, images, labels),
        mc.check_capstone("model", None, images, labels),
    ]


def test_exercise_feedback_speaks_chinese_every_line(tiny_mnist) -> None:
    english = [str(f) for f in _feedbacks(tiny_mnist)]
    mc.set_language("zh")
    feedbacks = _feedbacks(tiny_mnist)
    untranslated = []
    for feedback in feedbacks:
        texts = [feedback.exercise, *feedback.good, *feedback.problems, feedback.hint]
        for text in [*texts, feedback.cannot_see]:
            shown = language.tr(text) if text else text  # names are N_ constants
            if shown and shown not in CODE and not re.search(r"[\u4e00-\u9fff]", shown):
                untranslated.append(text)
    assert not untranslated, "mark with tr() and translate in messages.po:\n" + "\n".join(
        untranslated
    )
    shown = str(feedbacks[2])  # the wrong shape
    assert shown.startswith("展平并归一化：还差一点。\n  ✓ ") and "  提示：" in shown
    assert "形状是 (20, 28, 28)，应为 (20, 784)" in shown
    assert str(feedbacks[0]).startswith("展平并归一化：还没有作答。")
    assert str(feedbacks[1]).startswith("展平并归一化：正确，做得好！")
    assert english[2].startswith("Flatten and scale: not quite yet.\n  ✓ ")
    assert not any(re.search(r"[\u4e00-\u9fff]", text) for text in english)


def test_evaluate_epoch_lines_and_summaries_in_chinese(tiny_mnist) -> None:
    labels = np.array([0, 1, 2, 3])
    probabilities = np.eye(10, dtype=np.float32)[[0, 1, 2, 5]]
    result = Evaluation(0.25, 0.0, 0.75, probabilities, labels)
    penalised = Evaluation(0.25, 0.01, 0.75, probabilities, labels)
    report = mc.classification_report(labels, result.predictions)
    lines: list[str] = []
    log = mc.EpochLog(print_fn=lines.append)
    log.set_params({"epochs": 10})
    log.on_train_begin()
    summary = mc.summarize(tiny_mnist["x_train"], tiny_mnist["y_train"])
    english = [str(result), str(penalised), str(report), str(summary)]
    assert english[0] == "loss 0.2500  accuracy 75.00%  (1 of 4 wrong)"
    mc.set_language("zh")
    assert str(result) == "损失 0.2500  准确率 75.00%（4 张中错了 1 张）"
    assert "（这是交叉熵；加上权重惩罚项 0.0100，共 0.2600" in str(penalised)
    header, first = str(report).splitlines()[:2]
    assert "精确率" in header and "召回率" in header
    # each Chinese character is two columns wide: the header lines up with the numbers
    width = len(header) + sum(1 for c in header if "\u4e00" <= c <= "\u9fff")
    assert width == len(first)
    assert str(summary).splitlines()[0] == "50 张图像，形状 (28, 28)，dtype uint8"
    assert str(summary).splitlines()[2].startswith("每个数字的图像数：0: 5")
    log.on_epoch_end(2, {"loss": 0.5, "val_accuracy": 0.9, "learning_rate": 0.1})
    assert lines[-1].startswith("第  3/10 轮  损失 0.5000  验证准确率 0.9000  （")
    mc.set_language("en")
    assert [str(result), str(penalised), str(report), str(summary)] == english
    log.on_epoch_end(2, {"loss": 0.5})
    assert lines[-1].startswith("epoch  3/10  loss 0.5000  (")


def test_array_errors_in_chinese() -> None:
    mc.set_language("zh")
    with pytest.raises(mc.InputError) as info:
        mc.prepare(np.zeros((2, 28, 28, 3), np.uint8))
    assert str(info.value).startswith("prepare：得到的形状是 (2, 28, 28, 3)，是彩色")
    with pytest.raises(mc.InputError) as info:
        mc.flatten(np.zeros((28, 28)))
    assert str(info.value) == (
        "flatten：应为形状为 (n, 28, 28)、(n, 28, 28, 1) 或 (n, 784) 的一批图像；得到的形状是 "
        "(28, 28)。这是一张图像；用 image[None] 把它变成只含一张图像的批次。"
    )
    with pytest.raises(mc.InputError, match=r"标签的个数（2）与图像的张数（3）不一致"):
        mc.prepare(np.zeros((3, 28, 28), np.uint8), [1, 2])
    mc.set_language("en")
    with pytest.raises(mc.InputError, match="^flatten: expected a batch of images"):
        mc.flatten(np.zeros((28, 28)))


@pytest.fixture
def chinese_plots(monkeypatch) -> None:
    """Plots in Chinese, font or not: the test reads the text, it does not draw it."""
    monkeypatch.setattr(language, "cjk_font", lambda: "DejaVu Sans")
    monkeypatch.setattr(language, "_use_cjk_font", lambda: None)


def test_plot_titles_and_labels_in_chinese(chinese_plots, tiny_mnist) -> None:
    history = {"loss": [0.5, 0.3], "accuracy": [0.8, 0.9], "val_loss": [0.6, 0.4]}
    matrix = mc.confusion_matrix([1, 2, 3], [1, 2, 2])
    english = mc.plot_history(history, labels=["MLP"])
    mc.set_language("zh")
    fig = mc.plot_history(history, labels=["MLP"])
    loss, accuracy = fig.axes
    assert (loss.get_title(), loss.get_xlabel(), loss.get_ylabel()) == (
        "损失（越低越好）",
        "轮",
        "损失",
    )
    assert accuracy.get_title() == "准确率（越高越好）"
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["MLP，训练", "MLP，验证"]
    counts = mc.plot_label_counts(tiny_mnist["y_train"], tiny_mnist["y_test"]).axes[0]
    assert counts.get_xlabel() == "数字" and counts.get_title().startswith("每个数字的图像数")
    assert [t.get_text() for t in counts.get_legend().get_texts()] == ["训练集", "测试集"]
    panels = mc.plot_confusion_matrix({"A": matrix}).axes
    assert (
        panels[0].get_title() == "A：3 张中答对 2 张，错 1 张"
        and panels[0].get_ylabel() == "真实数字"
    )
    image, bars = mc.plot_prediction(tiny_mnist["x_test"][0], np.full(10, 0.1), label=3).axes
    assert image.get_title() == "真实 3" and bars.get_title().startswith("预测 0（")
    pixels = mc.plot_pixels(tiny_mnist["x_test"][0], label=7).axes[0]
    assert pixels.get_title().startswith("标签 7：28 x 28 = 784 个数：0 是背景")
    filters = mc.plot_filters(np.zeros((3, 3, 1, 2))).axes
    assert filters[1].get_title() == "卷积核 1"
    mc.set_language("en")
    assert mc.plot_history(history, labels=["MLP"]).axes[0].get_title() == "loss (lower is better)"
    assert english.axes[0].get_xlabel() == "epoch"


def test_the_playground_in_chinese(chinese_plots, tiny_mnist) -> None:
    data = (
        tiny_mnist["x_train"],
        tiny_mnist["y_train"],
        tiny_mnist["x_test"],
        tiny_mnist["y_test"],
    )
    mc.set_language("zh")
    playground = mc.TrainingPlayground(*data)
    assert playground.hidden_units.description == "隐藏层神经元数"
    assert playground.learning_rate.description == "学习率"
    assert playground.train_button.description == "训练"
    assert "还没有运行过" in playground.table.value
    row = {"hidden units": 8, "dropout": 0.0, "learning rate": 1e-3, "epochs": 1}
    playground.runs.append(
        {**row, "training images": 50, "seconds": 1.0, "validation accuracy": 0.5}
    )
    playground._render_table()
    assert (
        ">运行</th><th style='font-weight:normal; border-bottom:1px solid #888'>隐藏层神经元数</th>"
        in playground.table.value
    )
    assert ">验证准确率</th>" in playground.table.value
    mc.set_language("en")
    english = mc.TrainingPlayground(*data)
    assert english.hidden_units.description == "hidden units"
    assert "No runs yet" in english.table.value


# Names that stay as they are in Chinese: products, formats, commands, the course's own name.
NAMES_IN_CHINESE = {
    "AMX",
    "CNN",
    "CPU",
    "IDX",
    "JupyterLab",
    "Keras",
    "LeNet",
    "MNIST",
    "Pillow",
    "Python",
    "TensorFlow",
    "bfloat",
    "mixed_bfloat",
    "float",
    "ipycanvas",
    "ipywidgets",
    "jupyterlab_widgets",
    "matplotlib",
    "mnist",
    "mnist_course",
    "course",
    "doctor",
    "python",
    "venv",
    "MNIST_COURSE_DATA",
    "KERAS_HOME",
    "make",
    "lab",
    "pip",
    "install",
    "requirements",
    "txt",
    "load_mnist",
}


@pytest.mark.parametrize("path", [None, "/no/such/mnist.npz"], ids=["as found", "missing data"])
def test_the_setup_check_speaks_chinese(path, tmp_path) -> None:
    """Every label, finding and fix of mc.doctor() in Chinese: only names stay English."""
    mc.set_language("zh")
    text = str(mc.doctor(path, probe=lambda url, timeout: None))
    assert "环境检查" in text and "MNIST 数据" in text
    # code (`...`), paths, $VARIABLES and file names are what they are in any language
    clean = re.sub(r"`[^`]*`|\S*[/\\]\S*|\$\w+|\S+\.(keras|npz|json)\b", " ", text)
    english = set(re.findall(r"[A-Za-z_]{3,}", clean)) - NAMES_IN_CHINESE
    assert not english, f"English words left in the Chinese setup check: {sorted(english)}"
    mc.set_language("en")
    assert str(mc.doctor(path, probe=lambda url, timeout: None)).startswith("mnist-course setup")


def test_the_command_lines_help_speaks_chinese() -> None:
    from mnist_course.__main__ import _parser

    mc.set_language("zh")
    text = _parser().format_help()
    assert "训练一个模型，保存它，并输出测试准确率" in text
    train = _parser()._subparsers._group_actions[0].choices["train"].format_help()
    assert "只用前 N 张训练图像训练" in train and "随机种子" in train
    mc.set_language("en")
    assert "train a model, save it and print its test accuracy" in _parser().format_help()
