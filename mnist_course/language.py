"""Which language the course speaks: ``mc.set_language("zh")``, and a font to draw it with.

The course speaks English unless told otherwise: by :func:`set_language` in a notebook, or
by the ``MNIST_COURSE_LANG`` environment variable (``MNIST_COURSE_LANG=zh python -m
mnist_course ...``), read when the package is imported. In Chinese, exercise feedback,
widgets, the command line and error messages are in Chinese wherever the catalogue
(``mnist_course/zh.py``) has a translation, and in English where it has none.

Plots need more than a translation: a font with Chinese characters, which matplotlib's own
fonts lack (it would draw each character as an empty box). :func:`cjk_font` finds one among
the fonts installed; if there is none, plots keep their English labels and a warning, once
per process, says which package to install. :func:`tr_plot` is :func:`tr` for the text of
plots: it knows whether there is a font.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

from .errors import InputError
from .translation import LANGUAGES, _set, current_language, normalize_language, tr

__all__ = [
    "CJK_FONTS",
    "FONT_PACKAGES",
    "FontWarning",
    "cjk_font",
    "get_language",
    "set_language",
    "tr_plot",
]

# Font families with the Chinese characters, best first: Simplified Chinese designs, then
# fonts that cover the same characters with Japanese, Traditional or Korean shapes.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Sarasa Gothic SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "Arial Unicode MS",
)
# Files of those fonts, for when matplotlib's font list was made before they were installed
# (it caches the list the first time it runs and does not look again).
_FONT_FILES = re.compile(
    r"NotoSansCJK|NotoSansSC|SourceHanSans|wqy|msyh|simhei|PingFang|Hiragino Sans GB|STHeiti",
    re.IGNORECASE,
)
# Characters every Chinese plot of the course uses; a font that lacks one is no use.
_SAMPLE = "数字识别训练准确率损失预测标签图像真实"
FONT_PACKAGES = (
    "Debian/Ubuntu: sudo apt-get install fonts-noto-cjk (or the smaller fonts-wqy-microhei); "
    "conda: conda install -c conda-forge font-ttf-noto-cjk; Binder: fonts-noto-cjk is in "
    "binder/apt.txt; macOS and Windows have one already"
)


class FontWarning(UserWarning):
    """No font with Chinese characters: plots keep their English labels."""


_font: str | None = None  # the family chosen, once looked for
_looked = False
_warned = False
_saved_family: list[str] | None = None  # font.family before we added the CJK font


def set_language(language: str) -> None:
    """Make the course speak ``language`` from now on: ``"zh"`` (简体中文) or ``"en"``.

    Text shown from then on follows: exercise feedback, widgets created after the call,
    plot titles and axis labels, the command line and error messages. In Chinese, plots
    use a Chinese font if one is installed (see :func:`cjk_font`); without one they keep
    their English labels, and a :class:`FontWarning` says, once, what to install.

    Parameters
    ----------
    language : str
        ``"zh"`` or ``"en"``; locale names such as ``"zh_CN.UTF-8"`` or ``"zh-Hans"`` too.

    Raises
    ------
    InputError
        ``language`` is not one the course speaks.
    """
    code = normalize_language(language)
    if code is None:
        known = ", ".join(f"{c!r} ({name})" for c, (_, name) in LANGUAGES.items())
        raise InputError(f"set_language: {language!r} is not a language of the course: {known}.")
    _set(code)
    if code == "en":
        _restore_fonts()
    else:
        _use_cjk_font()


def get_language() -> str:
    """The language the course speaks now: ``"en"`` or ``"zh"``."""
    return current_language()


def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese, or None.

    The first of :data:`CJK_FONTS` that matplotlib knows and that has every character of
    the course's plots. Looked for once per process (it loads matplotlib).
    """
    global _font, _looked
    if _looked:
        return _font
    from matplotlib import font_manager

    _looked = True
    _font = _best(font_manager)
    if _font is None:
        # matplotlib's cached font list may predate the font: add the files it missed.
        # conda puts the fonts it installs (font-ttf-noto-cjk) in <environment>/fonts
        conda = Path(sys.prefix) / "fonts"
        extra = font_manager.findSystemFonts(fontpaths=[str(conda)]) if conda.is_dir() else []
        for path in [*font_manager.findSystemFonts(), *extra]:
            if _FONT_FILES.search(Path(path).name):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue  # an unreadable font file is no reason to fail
        _font = _best(font_manager)
    return _font


def _best(font_manager: object) -> str | None:
    from matplotlib.ft2font import FT2Font

    entries = {}
    for entry in font_manager.fontManager.ttflist:  # type: ignore[attr-defined]
        entries.setdefault(entry.name, entry)
    for family in CJK_FONTS:
        entry = entries.get(family)
        if entry is None:
            continue
        try:
            font = FT2Font(entry.fname, face_index=getattr(entry, "index", 0))
        except (OSError, RuntimeError, ValueError):
            continue
        if all(font.get_char_index(ord(c)) for c in _SAMPLE):
            return family
    return None


def _use_cjk_font() -> None:
    """Put the CJK font after the usual sans-serif font: Latin text looks as in English,
    and matplotlib takes the characters that font lacks from the CJK one."""
    global _saved_family, _warned
    family = cjk_font()
    if family is None:
        if not _warned:
            _warned = True
            warnings.warn(
                tr(
                    "No font with Chinese characters is installed, so plots keep their English "
                    "labels (the rest of the course speaks Chinese). To fix it: {packages}; "
                    "then restart the kernel.",
                    packages=FONT_PACKAGES,
                ),
                FontWarning,
                stacklevel=3,
            )
        return
    import matplotlib

    current = list(matplotlib.rcParams["font.family"])
    if family not in current:
        _saved_family = current
        matplotlib.rcParams["font.family"] = [*current, family]


def _restore_fonts() -> None:
    global _saved_family
    if _saved_family is None:
        return
    import matplotlib

    matplotlib.rcParams["font.family"] = _saved_family
    _saved_family = None


def tr_plot(template: str, /, **values: object) -> str:
    """:func:`~mnist_course.translation.tr` for text drawn by matplotlib.

    In English, or when no Chinese font is installed, the English text (never boxes).
    """
    if current_language() == "en":
        return template.format(**values)
    if cjk_font() is None:
        _use_cjk_font()  # warns, once
        return template.format(**values)
    _use_cjk_font()  # MNIST_COURSE_LANG set the language without set_language
    return tr(template, **values)
