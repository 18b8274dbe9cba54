"""The course's text in another language: the current language, and ``tr``.

Every piece of text a learner reads is written in English in the code, and that English is
the key of its translation in the catalogue of each language (``mnist_course/zh.py``). A
key is a template: literal text with ``{name}`` placeholders, as in ``str.format``.

Two ways text gets translated, both through the same catalogue:

* :func:`tr` for text the course writes itself (widget labels, captions, command-line
  lines): ``tr("image {n} of {count}", n=3, count=10)`` looks the template up, and formats
  the translation (or the English, when there is none) with the values;
* :func:`translate_message` for finished text, the message of every
  :class:`~mnist_course.errors.MnistCourseError` when it is shown: the message is matched
  against the catalogue's templates, so a raise site written with an f-string,
  ``f"MNIST data not found at {path}."``, is translated by the entry
  ``"MNIST data not found at {path}.": "找不到 MNIST 数据：{path}。"`` without being
  rewritten. What a placeholder matched is itself translated when it is a message of the
  catalogue (messages are often built from others).

Adding a language is adding a catalogue module and its code to :data:`LANGUAGES`; extending
one is adding entries. An English text with no entry is shown in English, never lost.

This module is the package's bottom layer: it imports nothing of the package, so that
``errors`` can translate. The public ``set_language`` (with its checks and fonts) is in
:mod:`mnist_course.language`.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import string
import warnings

__all__ = [
    "ENV_VAR",
    "LANGUAGES",
    "current_language",
    "normalize_language",
    "tr",
    "translate_message",
]

ENV_VAR = "MNIST_COURSE_LANG"
# Language code -> (module holding its CATALOGUE, its name in English); "en" needs none.
LANGUAGES = {"en": (None, "English"), "zh": ("zh", "Simplified Chinese (简体中文)")}
# Other ways people write the same languages: locale names (zh_CN.UTF-8), BCP 47 tags.
_ALIASES = {"zh-cn": "zh", "zh-hans": "zh", "zh-sg": "zh", "chinese": "zh", "english": "en"}

# A placeholder in a translation ({name}, {name!r}, {name:.1%}) or an escaped brace.
_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?:![rsa])?(?::[^{}]*)?\}")


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


def current_language() -> str:
    """The code of the language the course speaks now: ``"en"`` or ``"zh"``."""
    return _current


def _set(code: str) -> None:
    """Switch language; ``code`` already checked (``mnist_course.language.set_language``)."""
    global _current
    _current = code


@functools.cache
def catalogue(code: str) -> dict[str, str]:
    """English template -> its translation into language ``code`` (empty for English)."""
    module = LANGUAGES[code][0]
    if module is None:
        return {}
    return dict(importlib.import_module(f".{module}", __package__).CATALOGUE)


def tr(template: str, /, **values: object) -> str:
    """Translate ``template`` into the current language, then fill in ``values``.

    Parameters
    ----------
    template : str
        English text, with ``{name}`` placeholders (format specs allowed:
        ``{p:.1%}``); the key of its translation in the catalogue.
    **values
        The placeholders' values, formatted as by ``str.format``.

    Returns
    -------
    str
        The translation, or the English when the catalogue has no entry for it.
    """
    return catalogue(_current).get(template, template).format(**values)


@functools.cache
def _patterns(code: str) -> list[tuple[re.Pattern[str], str]]:
    """Each template of ``code``'s catalogue as a regular expression over its English."""
    patterns = []
    for english, translated in catalogue(code).items():
        if "{" not in english:
            continue  # matched by a plain look-up first
        regex, seen = [], set()
        for literal, field, _spec, _conversion in string.Formatter().parse(english):
            regex.append(re.escape(literal))
            if field is not None:
                # a name used twice must match the same text twice
                regex.append(f"(?P={field})" if field in seen else f"(?P<{field}>.*?)")
                seen.add(field)
        # Not DOTALL: a placeholder stays within a line, so that a message of several lines
        # is translated line by line (see translate_message) rather than swallowed by one.
        patterns.append((re.compile("".join(regex)), translated))
    # Longest templates first: the most specific wins when two could match.
    patterns.sort(key=lambda pair: -len(pair[0].pattern))
    return patterns


def translate_message(message: str, _depth: int = 0) -> str:
    """Translate a finished message (an error's text) by matching the catalogue's templates.

    Returns ``message`` unchanged in English, and when no template matches it.
    """
    if _current == "en" or not message or _depth > 3:
        return message
    exact = catalogue(_current).get(message)
    if exact is not None:
        return exact
    for pattern, translated in _patterns(_current):
        match = pattern.fullmatch(message)
        if match:
            parts = {k: translate_message(v, _depth + 1) for k, v in match.groupdict().items()}
            return _fill(translated, parts)
    if "\n" in message:  # a message of several sentences, one a line: each on its own
        return "\n".join(translate_message(line, _depth + 1) for line in message.split("\n"))
    return message


def _fill(template: str, parts: dict[str, str]) -> str:
    """Put matched text back into ``template``: it is already formatted, so format specs
    (``{p:.1%}``) are dropped, and ``{{``/``}}`` become single braces."""
    return _FIELD.sub(
        lambda field: parts[field.group(1)] if field.group(1) else field.group()[0], template
    )
