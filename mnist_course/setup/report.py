"""What the setup check found (:class:`Finding`, :class:`Report`), and the checks' shared
tools: what is installed, and whether it imports."""

import contextlib
import functools
import importlib
import importlib.metadata
import importlib.util
import os
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import files
from ..language import N_, tr

OK, WARNING, PROBLEM = "ok", "warning", "problem"
_LABELS = {OK: N_("ok"), WARNING: N_("warning"), PROBLEM: N_("PROBLEM")}
BINDER = N_("use the course in the browser instead: the 'Launch on Binder' link in the README")
INSTALL = N_("run `make lab` (or `pip install -r requirements.txt`), then restart JupyterLab")
# The checks' names, shown translated (Python, TensorFlow and Keras are the same in any language)
NAMES = (N_("Precision"), N_("Pictures"), N_("MNIST data"), N_("Widgets"), N_("Drawing pad"))
# probe(url, timeout): None when url answers within timeout seconds, else why not
Probe = Callable[[str, float], "str | None"]
# A broken package's import can raise anything, SystemExit too; Ctrl-C still stops the check.
IMPORT_FAILURES = (Exception, SystemExit)
# paths and commands are never split, so that they can be copied from the output
_wrap = functools.partial(textwrap.wrap, width=100, break_long_words=False, break_on_hyphens=False)


@dataclass(frozen=True)
class Finding:
    """One thing :func:`doctor` checked: its ``name`` ("Python", "MNIST data", ...), its
    ``status`` (``"ok"``; ``"warning"``: works, but not as the course expects; ``"problem"``: a
    notebook will fail until it is fixed), what was ``found``, and the ``fix`` (empty if ok)."""

    name: str
    status: str
    found: str
    fix: str = ""

    def __str__(self) -> str:
        label = f"  {_pad(tr(_LABELS.get(self.status, self.status)), 8)} {_pad(tr(self.name), 12)} "
        indent = " " * _columns(label)
        found = _wrap(self.found, initial_indent=label, subsequent_indent=indent)
        fix = _wrap(self.fix, initial_indent=indent + "-> ", subsequent_indent=indent + "   ")
        return "\n".join((found or [label.rstrip()]) + fix)


@dataclass(frozen=True)
class Report:
    """What :func:`doctor` found, printable as a table: ``report.ok`` (no problem; warnings
    allowed), ``report["MNIST data"]`` (the finding of that name)."""

    findings: tuple[Finding, ...]

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.status == PROBLEM]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.status == WARNING]

    @property
    def ok(self) -> bool:
        return not self.problems

    def __getitem__(self, name: str) -> Finding:
        return {f.name: f for f in self.findings}[name]

    def summary(self) -> str:
        problems, warnings = len(self.problems), len(self.warnings)
        if not problems and not warnings:
            count = len(self.findings)
            return tr("All {count} checks passed: you are ready for the course.", count=count)
        counts = tr(
            "{problems}, {warnings}",
            problems=tr("1 problem") if problems == 1 else tr("{n} problems", n=problems),
            warnings=tr("1 warning") if warnings == 1 else tr("{n} warnings", n=warnings),
        )
        if not problems:
            return tr(
                "{counts}: the course will run; the lines after -> say how to improve it.",
                counts=counts,
            )
        return tr(
            "{counts}: fix each PROBLEM as its -> line says, then run this check "
            "again ({doctor_command}, or mc.doctor() in a notebook).",
            counts=counts,
            doctor_command="python -m mnist_course doctor",
        )

    def __str__(self) -> str:
        return "\n".join(
            [tr("mnist-course setup check"), *map(str, self.findings), *_wrap(self.summary())]
        )

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython's display hook
        printer.text(str(self))  # type: ignore[attr-defined]


def _columns(text: str) -> int:
    # a Chinese character takes two columns of a terminal
    return len(text) + sum("\u2e80" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _columns(text))


def installed_version(*distributions: str) -> str | None:
    """The version of the first of ``distributions`` that is installed, else None."""
    for name in distributions:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            return importlib.metadata.version(name)
    return None


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def first_line(error: BaseException) -> str:
    """``Type: message``, cut to its first line, naming no folder of this machine."""
    text = (str(error).strip().splitlines() or [""])[0]
    for base, shown in ((files.COURSE_ROOT, ""), (Path.home(), "~/")):
        if base is not None:
            text = text.replace(f"{base}{os.sep}", shown)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def reinstall(distribution: str, version: str | None) -> str:
    """How to put back the course's pin of a broken ``distribution``."""
    # --no-deps: reinstalling what it needs too would swap the pinned versions for the newest
    pinned = pins().get(distribution.lower()) or version
    spec = f"{distribution.lower()}=={pinned}" if pinned else distribution.lower()
    return tr(
        "reinstall it: `pip install --force-reinstall --no-deps {spec}`, then restart JupyterLab",
        spec=spec,
    )


def import_check(
    name: str, module: str, distribution: str, *, loses: str, install: str, note: str = ""
) -> str | Finding:
    """Import ``module`` for real (a half-upgraded install is found on disk, then fails): its
    version, or a problem :class:`Finding` saying what the course ``loses`` without it."""
    listed = installed_version(distribution)
    top = module.split(".")[0]
    try:
        importlib.import_module(module)
    except IMPORT_FAILURES as error:
        absent = error.name if isinstance(error, ModuleNotFoundError) else None
        shown = f"{distribution} {listed}" if listed else distribution
        said = dict(distribution=distribution, shown=shown, top=top, loses=loses, note=note)
        if absent == top and listed is None:
            found = tr("{distribution} is not installed: {loses}{note}", **said)
            return Finding(name, PROBLEM, found, install)
        fix = reinstall(distribution, listed)
        if absent == top:  # pip lists it, but its files are gone
            found = tr(
                "{shown} is listed by pip but its module {top} is missing: {loses}{note}", **said
            )
            return Finding(name, PROBLEM, found, fix)
        said["error"] = first_line(error)
        found = tr("{shown} is installed but does not import: {error}: {loses}{note}", **said)
        # the package of the code that raised: the last frame of the traceback
        frames = [frame for frame, _ in traceback.walk_tb(error.__traceback__)]
        culprit = str(frames[-1].f_globals.get("__name__", "")).split(".")[0] if frames else ""
        owners = importlib.metadata.packages_distributions().get(culprit, [])
        if absent and absent.split(".")[0] != top:  # a package it needs is absent
            fix = tr("install what it needs: {install}", install=install)
        elif culprit != top and owners:  # another package it imports is the broken one
            found = tr(
                "{shown} is installed but does not import: {error} (raised by {culprit}, "
                "which it imports): {loses}{note}",
                culprit=culprit,
                **said,
            )
            fix = reinstall(owners[0], installed_version(owners[0]))
        return Finding(name, PROBLEM, found, fix)
    version = getattr(importlib.import_module(top), "__version__", None)
    return version if isinstance(version, str) else listed or "(version unknown)"


def pins() -> dict[str, str]:
    """``name: version`` from the course's requirements.txt, when this is a clone."""
    try:
        text = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text("utf-8")
    except OSError:
        return {}
    specs = (line.split("#", 1)[0].split(";", 1)[0] for line in text.splitlines())
    pairs = (spec.partition("==") for spec in specs)
    return {name.strip().lower(): version.strip() for name, sep, version in pairs if sep}
