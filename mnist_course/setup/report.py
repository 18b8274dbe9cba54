"""What the setup check found: findings, a printable report, and what is installed and imports.

The vocabulary shared by :mod:`mnist_course.setup_check` (which runs the checks) and the
modules holding the longer ones (:mod:`mnist_course.setup_data`,
:mod:`mnist_course.setup_widgets`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .. import files
from ..language import N_, tr

__all__ = ["OK", "WARNING", "PROBLEM", "Finding", "Report", "Probe"]

OK, WARNING, PROBLEM = "ok", "warning", "problem"
_LABELS = {OK: N_("ok"), WARNING: N_("warning"), PROBLEM: N_("PROBLEM")}
DOCTOR_COMMAND = "python -m mnist_course doctor"
BINDER = N_("use the course in the browser instead: the 'Launch on Binder' link in the README")
INSTALL = N_("run `make lab` (or `pip install -r requirements.txt`), then restart JupyterLab")

# The checks' names: keys of a Report (report["MNIST data"]) in English, shown translated
# (Python, TensorFlow and Keras are the same in every language).
NAMES = (
    N_("Precision"),
    N_("Pictures"),
    N_("MNIST data"),
    N_("Widgets"),
    N_("Drawing pad"),
)

# Answers None when `url` can be reached within `timeout` seconds, else the reason why not.
Probe = Callable[[str, float], "str | None"]


@dataclass(frozen=True)
class Finding:
    """One thing :func:`doctor` checked.

    Attributes
    ----------
    name : str
        What was checked ("Python", "MNIST data", ...).
    status : str
        ``"ok"``, ``"warning"`` (works, but not as the course expects) or ``"problem"``
        (a notebook will fail until it is fixed).
    found : str
        What was found, in a sentence.
    fix : str
        What to do about it; empty when the status is ok.
    """

    name: str
    status: str
    found: str
    fix: str = ""

    def __str__(self) -> str:
        width = 100
        # names and labels are N_ constants, translated here; wide characters take two columns
        label = f"  {_pad(tr(_LABELS.get(self.status, self.status)), 8)} {_pad(tr(self.name), 12)} "
        indent = " " * _columns(label)
        # paths and commands are never split, so they can be copied from the output
        wrap = {"width": width, "break_long_words": False, "break_on_hyphens": False}
        lines = textwrap.wrap(self.found, initial_indent=label, subsequent_indent=indent, **wrap)
        lines = lines or [label.rstrip()]
        if self.fix:
            lines += textwrap.wrap(
                self.fix, initial_indent=indent + "-> ", subsequent_indent=indent + "   ", **wrap
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class Report:
    """What :func:`doctor` found: a tuple of :class:`Finding`, printable as a table.

    ``report.ok`` is true when nothing is a problem (warnings allowed).
    """

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
        """The finding called ``name``, e.g. ``report["MNIST data"]``."""
        for finding in self.findings:
            if finding.name == name:
                return finding
        raise KeyError(name)

    def summary(self) -> str:
        problems, warnings = len(self.problems), len(self.warnings)
        if not problems and not warnings:
            return tr(
                "All {count} checks passed: you are ready for notebook 01.",
                count=len(self.findings),
            )
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
            doctor_command=DOCTOR_COMMAND,
        )

    def __str__(self) -> str:
        return "\n".join(
            [tr("mnist-course setup check"), *(str(f) for f in self.findings)]
            + textwrap.wrap(self.summary(), 100, break_on_hyphens=False)
        )

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython's display hook
        printer.text(str(self))  # type: ignore[attr-defined]


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes: a Chinese character takes two."""
    return len(text) + sum(
        1 for c in text if "\u2e80" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef"
    )


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns."""
    return text + " " * max(0, width - _columns(text))


# --------------------------------------------------------------------------- what is installed


def installed_version(*distributions: str) -> str | None:
    """The version of the first of ``distributions`` that is installed, else None."""
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# What importing a broken package can raise: anything, SystemExit included. A learner's Ctrl-C
# (KeyboardInterrupt) is not a broken package, so it still stops the check.
IMPORT_FAILURES = (Exception, SystemExit)


def load(module: str) -> ModuleType | BaseException:
    """Import ``module`` for real: the module, or what its import raised.

    Finding a package on disk proves little: a half-upgraded or mixed install is found, then
    fails when a notebook imports it. Importing it is the proof the setup check gives.

    Parameters
    ----------
    module : str
        A module's full name, e.g. ``"PIL.Image"``.

    Returns
    -------
    module or BaseException
        The imported module, or the exception its import raised (never raised here).
    """
    try:
        return importlib.import_module(module)
    except IMPORT_FAILURES as error:
        return error


def first_line(error: BaseException) -> str:
    """``Type: message``, the message cut to its first line (tracebacks of C errors run on).

    A path in it is shown as :func:`mnist_course.files.shown_path` shows one: the report
    names no folder of this machine.
    """
    text = str(error).strip()
    text = text.splitlines()[0] if text else ""
    for base, shown in ((files.COURSE_ROOT, ""), (Path.home(), "~/")):
        if base is not None:
            text = text.replace(f"{base}{os.sep}", shown)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _raised_in(error: BaseException) -> str | None:
    """The top-level package whose code raised ``error``, when it is another installed one.

    A package that imports a broken one fails with the broken one's error: the fix is to
    reinstall that one. (Python drops the import system's own frames from the traceback,
    so the last frame is the module that raised.)
    """
    frame = None
    trace = error.__traceback__
    while trace is not None:
        frame, trace = trace.tb_frame, trace.tb_next
    name = frame.f_globals.get("__name__") if frame is not None else None
    if not isinstance(name, str):
        return None
    return name.split(".")[0]


def reinstall(distribution: str, version: str | None) -> str:
    """What to do about a broken install of ``distribution``: put back the course's pin.

    ``--no-deps``: the packages it needs are fine (a missing one is another fix), and
    reinstalling them too would swap the course's pinned versions for the newest ones.
    """
    pinned = pins().get(distribution.lower()) or version
    spec = f"{distribution.lower()}=={pinned}" if pinned else distribution.lower()
    return tr(
        "reinstall it: `pip install --force-reinstall --no-deps {spec}`, then restart JupyterLab",
        spec=spec,
    )


def import_check(
    name: str, module: str, distribution: str, *, loses: str, install: str, note: str = ""
) -> str | Finding:
    """Import ``module``: its version when it imports, else the problem, named and with its fix.

    Parameters
    ----------
    name : str
        The finding's name ("Widgets", ...).
    module : str
        What to import, e.g. ``"PIL.Image"`` (a module whose import loads the package's code).
    distribution : str
        The pip package it comes in, e.g. ``"Pillow"``.
    loses : str
        What the course cannot do without it, said after the problem.
    install : str
        How to install the course's packages, for a package or a dependency that is absent.
    note : str
        Added to what was found when it is a problem (which environment, say).

    Returns
    -------
    str or Finding
        The version (the module's own ``__version__`` when it has one: that is what runs),
        or a problem :class:`Finding`.
    """
    result = load(module)
    listed = installed_version(distribution)
    top = module.split(".")[0]
    if isinstance(result, BaseException):
        absent = getattr(result, "name", None) if isinstance(result, ModuleNotFoundError) else None
        shown = f"{distribution} {listed}" if listed else distribution
        if absent == top and listed is None:
            found = tr(
                "{distribution} is not installed: {loses}{note}",
                distribution=distribution,
                loses=loses,
                note=note,
            )
            return Finding(name, PROBLEM, found, install)
        if absent == top:  # pip lists it, but its files are gone
            found = tr(
                "{shown} is listed by pip but its module {top} is missing: {loses}{note}",
                shown=shown,
                top=top,
                loses=loses,
                note=note,
            )
            return Finding(name, PROBLEM, found, reinstall(distribution, listed))
        error = first_line(result)
        if absent and absent.split(".")[0] != top:  # a package it needs is absent, not its own
            found = tr(
                "{shown} is installed but does not import: {error}: {loses}{note}",
                shown=shown,
                error=error,
                loses=loses,
                note=note,
            )
            return Finding(
                name, PROBLEM, found, tr("install what it needs: {install}", install=install)
            )
        culprit = _raised_in(result)
        owners = importlib.metadata.packages_distributions().get(culprit or "", [])
        if culprit != top and owners:  # another package it imports is the broken one
            found = tr(
                "{shown} is installed but does not import: {error} (raised by {culprit}, "
                "which it imports): {loses}{note}",
                shown=shown,
                error=error,
                culprit=culprit,
                loses=loses,
                note=note,
            )
            return Finding(name, PROBLEM, found, reinstall(owners[0], installed_version(owners[0])))
        found = tr(
            "{shown} is installed but does not import: {error}: {loses}{note}",
            shown=shown,
            error=error,
            loses=loses,
            note=note,
        )
        return Finding(name, PROBLEM, found, reinstall(distribution, listed))
    version = getattr(importlib.import_module(top), "__version__", None)
    return version if isinstance(version, str) else listed or "(version unknown)"


def pins() -> dict[str, str]:
    """``name: version`` from the course's requirements.txt, when this is a clone."""
    requirements = Path(__file__).resolve().parents[2] / "requirements.txt"
    pins = {}
    try:
        lines = requirements.read_text(encoding="utf-8").splitlines()
    except OSError:
        return pins
    for line in lines:
        spec = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in spec:
            name, version = spec.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins
