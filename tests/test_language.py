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

import mnist_course as mc
from mnist_course import language, translation
from mnist_course.zh import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mnist_course"


def fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


# --------------------------------------------------------------------------- switching


def test_set_language_switches_and_back() -> None:
    assert mc.get_language() == "en"
    assert translation.tr("all digits") == "all digits"
    mc.set_language("zh")
    assert mc.get_language() == "zh"
    assert translation.tr("all digits") == "全部数字"
    assert translation.tr("Saved {path} ({count:,} parameters)", path="m.keras", count=12345) == (
        "已保存 m.keras（12,345 个参数）"
    )
    mc.set_language("en")
    assert translation.tr("all digits") == "all digits"


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


def test_text_without_a_translation_stays_english() -> None:
    mc.set_language("zh")
    assert translation.tr("no such entry {n}", n=3) == "no such entry 3"
    assert translation.translate_message("no such message") == "no such message"


# --------------------------------------------------------------------------- the catalogue


def tr_calls() -> list[tuple[str, str]]:
    """(where, template) of every tr("...") and tr_plot("...") in the package."""
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("tr", "tr_plot")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.append((f"{path.name}:{node.lineno}", node.args[0].value))
    return found


def test_every_translated_text_of_the_package_is_in_the_catalogue() -> None:
    calls = tr_calls()
    assert len(calls) > 30  # the scan finds them
    missing = [f"{where}: {text!r}" for where, text in calls if text not in CATALOGUE]
    assert not missing, "add to mnist_course/zh.py:\n" + "\n".join(missing)


@pytest.mark.parametrize("english", sorted(CATALOGUE))
def test_each_translation_fits_its_template(english) -> None:
    chinese = CATALOGUE[english]
    assert fields(chinese) <= fields(english), "a translation may only use the key's names"
    assert re.search(r"[\u4e00-\u9fff]", chinese), "not translated"
    # A template that is mostly placeholders would match messages it was not written for.
    literal = "".join(part for part, *_ in string.Formatter().parse(english))
    assert len(re.sub(r"[^A-Za-z]", "", literal)) >= 3 or not fields(english)


def test_error_messages_are_shown_in_the_language_and_keep_english_args(tmp_path) -> None:
    missing = tmp_path / "nope.npz"
    mc.set_language("zh")
    with pytest.raises(mc.DataNotFoundError) as info:
        mc.load_mnist(missing)
    assert str(info.value).startswith(f"找不到 MNIST 数据：{missing}。请给出")
    assert info.value.args[0].startswith("MNIST data not found at")  # for code that checks
    mc.set_language("en")
    assert str(info.value).startswith("MNIST data not found at")


def test_a_message_built_from_messages_is_translated_part_by_part(monkeypatch) -> None:
    monkeypatch.setenv("MNIST_COURSE_DATA", "/no/such/file.npz")
    mc.set_language("zh")
    with pytest.raises(mc.DataNotFoundError, match=r"file.npz（来自 \$MNIST_COURSE_DATA）"):
        mc.load_mnist()
    several = "Could not download MNIST from any of the 2 addresses tried:\nCould not download "
    several += "MNIST from http://a/m.npz (timed out).\nCould not download MNIST from b (x)."
    assert translation.translate_message(several).splitlines() == [
        "尝试了 2 个地址，都无法下载 MNIST：",
        "无法从 http://a/m.npz 下载 MNIST（timed out）。",
        "无法从 b 下载 MNIST（x）。",
    ]


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
    assert result.stderr.strip() == f"错误：--out {tmp_path / 'm.h5'}：文件名必须以 .keras 结尾"


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
    assert pad.predict() is None and "<b>请先写一个数字</b>" in pad.message.value
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
    monkeypatch.setattr(language, "_looked", True)
    monkeypatch.setattr(language, "_font", None)
    monkeypatch.setattr(language, "_warned", False)
    with pytest.warns(language.FontWarning, match="fonts-noto-cjk") as caught:
        mc.set_language("zh")
    assert "没有安装含中文字符的字体" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not twice
        assert language.tr_plot("x[{index}]  label {label}", index=1, label=2) == "x[1]  label 2"
        mc.set_language("zh")
    assert translation.tr("all digits") == "全部数字"  # the rest still speaks Chinese
