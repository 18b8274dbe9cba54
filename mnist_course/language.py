"""The language the course speaks, and its messages in that language, with gettext.

Every message a learner reads is written in English in the source, marked with :func:`tr`
(or :func:`N_` where it is a constant, translated where it is used), and translated from the
gettext catalogue of the current language: ``mnist_course/locale/zh_CN/LC_MESSAGES/
messages.po`` (what translators edit, with Poedit, Weblate or any text editor) compiled to
``messages.mo`` (what this module reads). ``make messages`` extracts the template
``messages.pot`` with Babel, merges it into each ``.po`` and compiles; ``docs/translating.md``
says how to add or change a translation. A message without a translation is shown in English.

The course speaks English unless told otherwise: by :func:`set_language` in a notebook, or by
the ``MNIST_COURSE_LANG`` environment variable (``MNIST_COURSE_LANG=zh python -m mnist_course
...``), read when this module is first imported. Plots need a font with Chinese characters,
which matplotlib's own fonts lack: :func:`cjk_font` finds one; without one, plots keep their
English labels (:func:`tr_plot`) and a :class:`FontWarning` says, once, what to install.
"""

from __future__ import annotations

import functools
import gettext
import os
import re
import sys
import warnings
from pathlib import Path

from .errors import InputError

__all__ = [
    "CJK_FONTS",
    "ENV_VAR",
    "FONT_PACKAGES",
    "FontWarning",
    "LANGUAGES",
    "N_",
    "cjk_font",
    "get_language",
    "normalize_language",
    "set_language",
    "tr",
    "tr_plot",
]

ENV_VAR = "MNIST_COURSE_LANG"
# The course's code -> (gettext locale of its catalogue, its name in English).
LANGUAGES = {"en": (None, "English"), "zh": ("zh_CN", "Simplified Chinese (简体中文)")}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
# Other ways people write the same languages: locale names (zh_CN.UTF-8), BCP 47 tags.
_ALIASES = {"zh-cn": "zh", "zh-hans": "zh", "zh-sg": "zh", "chinese": "zh", "english": "en"}


def normalize_language(code: str) -> str | None:
    """The course's code for ``code`` ("zh", "zh_CN.UTF-8", "zh-Hans", "en-GB" ...) or None."""
    if not isinstance(code, str):
        return None
    code = code.strip().split(".")[0].replace("_", "-").lower()
    if code in LANGUAGES:
        return code
    if code in _ALIASES:
        return _ALIASES[code]
    base = code.split("-")[0]
    # zh-TW and zh-HK are Traditional Chinese: the catalogue is Simplified, so say no.
    if base == "zh" and code not in ("zh-tw", "zh-hk", "zh-hant", "zh-mo"):
        return "zh"
    return base if base == "en" else None


def _from_environment() -> str:
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return "en"
    code = normalize_language(value)
    if code is None:
        # Read at import: an exception here would break `import mnist_course`.
        warnings.warn(
            f"{ENV_VAR}={value!r} is not a language of the course "
            f"({', '.join(LANGUAGES)}); using English.",
            stacklevel=2,
        )
        return "en"
    return code


_current = _from_environment()


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for it)
    """Mark ``message`` for translation without translating it now (gettext's ``N_``).

    For English constants defined at import, before the learner chooses a language: Babel
    extracts them, and the code translates them where they are shown, with ``tr(CONSTANT)``.
    """
    return message


@functools.cache
def catalogue(code: str) -> gettext.NullTranslations:
    """The compiled gettext catalogue of language ``code`` (a null one for English)."""
    locale = LANGUAGES[code][0]
    if locale is None:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[locale], fallback=True)


def tr(message: str, /, **values: object) -> str:
    """``message`` in the current language, with its ``{name}`` placeholders filled in.

    Parameters
    ----------
    message : str
        English text with ``str.format`` placeholders (``{name}``, ``{p:.1%}``): the
        gettext message id.
    **values
        The placeholders' values.

    Returns
    -------
    str
        The translation, or the English where the catalogue has none.
    """
    text = catalogue(_current).gettext(message)
    return text.format(**values) if values else text


def tr_plot(message: str, /, **values: object) -> str:
    """:func:`tr` for text drawn by matplotlib: English where no Chinese font is installed
    (never empty boxes)."""
    if _current == "en":
        return message.format(**values) if values else message
    _use_cjk_font()  # MNIST_COURSE_LANG may have set the language without set_language
    if cjk_font() is None:
        return message.format(**values) if values else message
    return tr(message, **values)


def set_language(language: str) -> None:
    """Make the course speak ``language`` from now on: ``"zh"`` (简体中文) or ``"en"``.

    Text made from then on follows: exercise feedback, widgets created after the call,
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
    global _current
    code = normalize_language(language)
    if code is None:
        known = ", ".join(f"{c!r} ({name})" for c, (_, name) in LANGUAGES.items())
        raise InputError(
            tr(
                "set_language: {language!r} is not a language of the course: {known}.",
                language=language,
                known=known,
            )
        )
    _current = code
    if code == "en":
        _restore_fonts()
    else:
        _use_cjk_font()


def get_language() -> str:
    """The language the course speaks now: ``"en"`` or ``"zh"``."""
    return _current


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
FONT_PACKAGES = N_(
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
                    packages=tr(FONT_PACKAGES),
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
