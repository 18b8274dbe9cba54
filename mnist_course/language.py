"""The course's language (English unless set_language or $MNIST_COURSE_LANG says otherwise):
messages marked with tr() or N_(), translated with gettext (docs/translating.md); fonts."""

import contextlib
import functools
import gettext
import os
import re
import sys
import warnings
from pathlib import Path

from .errors import InputError

ENV_VAR = "MNIST_COURSE_LANG"
# The course's code -> (gettext locale of its catalogue, its name in English).
LANGUAGES = {"en": (None, "English"), "zh": ("zh_CN", "Simplified Chinese (简体中文)")}


def normalize_language(code: str) -> str | None:
    """The course's code for ``code`` ("zh", "zh_CN.UTF-8", "zh-Hans", "en-GB" ...) or None."""
    if not isinstance(code, str):
        return None
    code = code.strip().split(".")[0].replace("_", "-").lower()
    if code in ("zh-tw", "zh-hk", "zh-hant", "zh-mo"):
        return None  # Traditional Chinese: the catalogue is Simplified
    code = {"chinese": "zh", "english": "en"}.get(code, code.split("-")[0])
    return code if code in LANGUAGES else None


_current = normalize_language(os.environ.get(ENV_VAR, "").strip() or "en")
if _current is None:  # read at import: an exception would break `import mnist_course`
    warnings.warn(
        f"{ENV_VAR}={os.environ[ENV_VAR].strip()!r} is not a language of the course "
        f"({', '.join(LANGUAGES)}); using English.",
        stacklevel=1,
    )
    _current = "en"


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for it)
    """Mark a constant for translation (Babel extracts it); ``tr(CONSTANT)`` translates it."""
    return message


@functools.cache
def catalogue(code: str) -> gettext.NullTranslations:
    """The compiled gettext catalogue of language ``code`` (a null one for English)."""
    if (locale := LANGUAGES[code][0]) is None:
        return gettext.NullTranslations()
    folder = Path(__file__).resolve().parent / "locale"
    return gettext.translation("messages", folder, languages=[locale], fallback=True)


def tr(message: str, /, **values: object) -> str:
    """``message`` (English, the gettext message id) in the current language, with its
    ``str.format`` placeholders filled in from ``values``."""
    text = catalogue(_current).gettext(message)
    return text.format(**values) if values else text


def trn(singular: str, plural: str, n: int, /, **values: object) -> str:
    """:func:`tr` for a message whose words follow the number ``n`` ("1 image", "2 images"):
    gettext's ``ngettext`` picks the form, then ``values`` fill the placeholders."""
    # int(): gettext warns of a plural number that is not a Python int (a NumPy one)
    return catalogue(_current).ngettext(singular, plural, int(n)).format(**values)


def tr_plot(message: str, /, **values: object) -> str:
    """:func:`tr` for text drawn by matplotlib: English where no Chinese font is installed."""
    if _current != "en":
        _use_cjk_font()  # MNIST_COURSE_LANG may have set the language without set_language
        if cjk_font() is not None:
            return tr(message, **values)
    return message.format(**values) if values else message


def set_language(language: str) -> None:
    """Make the course speak ``language`` from now on: messages, widgets made after the call
    and plot labels (which need a Chinese font, else stay English with a :class:`FontWarning`).

    Parameters
    ----------
    language : str
        ``"zh"`` (简体中文) or ``"en"``; locale names such as ``"zh_CN.UTF-8"`` too.
    """
    global _current, _saved_family
    if (code := normalize_language(language)) is None:
        known = ", ".join(f"{c!r} ({name})" for c, (_, name) in LANGUAGES.items())
        raise InputError(
            "set_language: {language!r} is not a language of the course: {known}.",
            language=language,
            known=known,
        )
    _current = code
    if code != "en":
        _use_cjk_font()
    elif _saved_family is not None:  # put back the fonts of before
        import matplotlib

        matplotlib.rcParams["font.family"], _saved_family = _saved_family, None


def get_language() -> str:
    """The language the course speaks now: ``"en"`` or ``"zh"``."""
    return _current


# Families with the Chinese characters, best first: Simplified Chinese designs, then fonts
# that cover the same characters with Japanese, Traditional or Korean shapes.
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
# Their files, for when matplotlib's cached font list predates them.
_FONT_FILES = re.compile(
    r"NotoSansCJK|NotoSansSC|SourceHanSans|wqy|msyh|simhei|PingFang|Hiragino Sans GB|STHeiti",
    re.IGNORECASE,
)
_SAMPLE = "数字识别训练准确率损失预测标签图像真实"  # a font must have every one
FONT_PACKAGES = N_(
    "Debian/Ubuntu: sudo apt-get install fonts-noto-cjk (or the smaller fonts-wqy-microhei); "
    "conda: conda install -c conda-forge font-ttf-noto-cjk; Binder: fonts-noto-cjk is in "
    "binder/apt.txt; macOS and Windows have one already"
)
_warned = False
_saved_family: list[str] | None = None  # font.family before the CJK font was added


class FontWarning(UserWarning):
    """No font with Chinese characters: plots keep their English labels."""


@functools.cache
def cjk_font() -> str | None:
    """The first of :data:`CJK_FONTS` installed with every character the plots use, or None."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    for retry in (False, True):
        if retry:  # add the files matplotlib's cached list missed; conda's are in <env>/fonts
            conda = font_manager.findSystemFonts(fontpaths=[str(Path(sys.prefix) / "fonts")])
            for path in [*font_manager.findSystemFonts(), *conda]:
                if _FONT_FILES.search(Path(path).name):
                    with contextlib.suppress(OSError, RuntimeError, ValueError):  # unreadable
                        font_manager.fontManager.addfont(path)
        entries = {e.name: e for e in reversed(font_manager.fontManager.ttflist)}  # first wins
        for family in (f for f in CJK_FONTS if f in entries):
            with contextlib.suppress(OSError, RuntimeError, ValueError):
                entry = entries[family]
                font = FT2Font(entry.fname, face_index=getattr(entry, "index", 0))
                if all(font.get_char_index(ord(c)) for c in _SAMPLE):
                    return family
    return None


def _use_cjk_font() -> None:
    """Add the CJK font after the usual one: Latin text looks as in English."""
    global _saved_family, _warned
    if (family := cjk_font()) is None:
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

    if family not in (current := list(matplotlib.rcParams["font.family"])):
        _saved_family = current
        matplotlib.rcParams["font.family"] = [*current, family]
