"""What the setup check found: findings, a printable report, and what is installed.

The vocabulary shared by :mod:`mnist_course.setup_check` (which runs the checks) and the
modules holding the longer ones (:mod:`mnist_course.setup_data`,
:mod:`mnist_course.setup_widgets`).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OK", "WARNING", "PROBLEM", "Finding", "Report", "Probe"]

OK, WARNING, PROBLEM = "ok", "warning", "problem"
_LABELS = {OK: "ok", WARNING: "warning", PROBLEM: "PROBLEM"}
DOCTOR_COMMAND = "python -m mnist_course doctor"
BINDER = "use the course in the browser instead: the 'Launch on Binder' link in the README"

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
        label = f"  {_LABELS.get(self.status, self.status):<8} {self.name:<12} "
        indent = " " * len(label)
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
            return f"All {len(self.findings)} checks passed: you are ready for notebook 01."
        counts = f"{problems} problem{'s' * (problems != 1)}, " + (
            f"{warnings} warning{'s' * (warnings != 1)}"
        )
        if not problems:
            return f"{counts}: the course will run; the lines after -> say how to improve it."
        return (
            f"{counts}: fix each PROBLEM as its -> line says, then run this check again "
            f"({DOCTOR_COMMAND}, or mc.doctor() in a notebook)."
        )

    def __str__(self) -> str:
        return "\n".join(
            ["mnist-course setup check", *(str(f) for f in self.findings)]
            + textwrap.wrap(self.summary(), 100, break_on_hyphens=False)
        )

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython's display hook
        printer.text(str(self))  # type: ignore[attr-defined]


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


def pins() -> dict[str, str]:
    """``name: version`` from the course's requirements.txt, when this is a clone."""
    requirements = Path(__file__).resolve().parent.parent / "requirements.txt"
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
