"""Check a learner's setup before the course starts: ``python -m mnist_course doctor``.

:func:`doctor` looks at what the notebooks need and returns a :class:`Report`, one
:class:`Finding` per thing checked, each ``ok``, ``warning`` or ``problem`` and, when it is
not ok, what to do about it:

* Python: a version the course supports (:data:`SUPPORTED_PYTHON`);
* TensorFlow and Keras: imported, and the versions the course is pinned to;
* MNIST: where :func:`mnist_course.load_mnist` will take it from (the ``path`` given,
  ``$MNIST_COURSE_DATA``, the Keras cache, or a download) and whether that will work;
* precision: whether this CPU trains in bfloat16 or float32;
* pictures: matplotlib (the plots) and Pillow (photos and drawn digits), imported;
* widgets: ipywidgets and ipycanvas, imported, and their JupyterLab extensions, looked for
  where JupyterLab looks (:mod:`mnist_course.setup_widgets`).

An ``ok`` is a proof: each package is imported, not just found on disk, so an install that is
present but broken (a half-finished upgrade, a missing library) is a problem here, named with
its error's first line and how to reinstall it, rather than an error in a later notebook.

The check is cheap and safe: it never downloads MNIST (it only asks the download server for
the file's headers, giving up after ``timeout`` seconds, and only when the download is the
source that would be used); the packages it imports take a second or two, and only when it
runs (``import mnist_course`` imports none of them); and it never raises: anything that goes
wrong, an import that fails in any way included, becomes a finding.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

from ..files import COURSE_ROOT, shown_path
from ..language import tr
from . import report as installed
from .data import check_data
from .data import probe as default_probe
from .report import (
    BINDER,
    INSTALL,
    OK,
    PROBLEM,
    WARNING,
    Finding,
    Probe,
    Report,
    first_line,
)
from .widgets import check_widgets

__all__ = ["SUPPORTED_PYTHON", "doctor"]

# Oldest and newest Python the course supports, inclusive.
SUPPORTED_PYTHON = ((3, 11), (3, 13))


def doctor(
    path: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 3.0,
    probe: Probe | None = None,
) -> Report:
    """Check that this machine can run the course, and say what to fix if not.

    Parameters
    ----------
    path : str or path-like, optional
        The MNIST path you will give :func:`mnist_course.load_mnist`, if any.
    timeout : float
        Seconds to wait for the MNIST download server, when MNIST would be downloaded.
    probe : callable, optional
        ``probe(url, timeout)`` returns None when ``url`` is reachable, else the reason;
        the default asks the server for the file's headers (nothing is downloaded).

    Returns
    -------
    Report
        One finding per check; ``print(report)`` shows them, ``report.ok`` is true when no
        finding is a problem. Nothing is raised: a check that fails is a finding.
    """
    probe = probe or default_probe
    checks: list[tuple[str, Callable[[], Finding | list[Finding]]]] = [
        ("Python", _check_python),
        ("TensorFlow", _check_tensorflow_and_keras),
        ("MNIST data", lambda: check_data(path, timeout, probe)),
        ("Precision", _check_precision),
        ("Pictures", _check_pictures),
        ("Widgets", lambda: check_widgets()),
    ]
    findings: list[Finding] = []
    for name, check in checks:
        try:
            result = check()
        except Exception as error:  # a bug or an odd machine: report it, never raise
            result = Finding(
                name,
                PROBLEM,
                tr(
                    "the check itself failed: {kind}: {error}",
                    kind=type(error).__name__,
                    error=error,
                ),
                tr("please report this, with the line above, to the course's maintainers"),
            )
        findings += result if isinstance(result, list) else [result]
    return Report(tuple(findings))


# --------------------------------------------------------------------------- Python


def _python_version() -> tuple[int, int, int]:
    return tuple(sys.version_info[:3])  # type: ignore[return-value]


def _supported_range() -> str:
    low, high = (".".join(map(str, version)) for version in SUPPORTED_PYTHON)
    return tr("{low} to {high}", low=low, high=high)


def _environment() -> str:
    """Which Python this is, in words that name no folder of this machine."""
    if COURSE_ROOT is not None and Path(sys.prefix).resolve() == COURSE_ROOT / ".venv":
        return tr("the course's environment, .venv")
    return shown_path(sys.executable)


def _check_python() -> Finding:
    version = _python_version()
    shown = ".".join(map(str, version))
    where = f"{shown} ({_environment()})"
    low, high = SUPPORTED_PYTHON
    if low <= version[:2] <= high:
        return Finding(
            "Python",
            OK,
            tr(
                "{where}; the course supports {supported}",
                where=where,
                supported=_supported_range(),
            ),
        )
    return Finding(
        "Python",
        PROBLEM,
        tr(
            "{where}: the course supports Python {supported} only, the versions its "
            "pinned TensorFlow is published for",
            where=where,
            supported=_supported_range(),
        ),
        tr(
            "install Python {major}.{minor} (python.org, your package manager, or "
            "`conda env create -f environment.yml`, which brings its own), delete "
            ".venv and run `make lab` again; or {binder}",
            major=low[0],
            minor=low[1],
            binder=tr(BINDER),
        ),
    )


# --------------------------------------------------------------------------- TensorFlow, Keras


def _intel_mac() -> bool:
    return sys.platform == "darwin" and platform.machine() == "x86_64"


def _import_tensorflow() -> tuple[str, str]:
    """Import TensorFlow and Keras the way the course does; their versions."""
    from ..backend import keras, tf

    return tf.__version__, keras.__version__


def _check_tensorflow_and_keras() -> list[Finding]:
    install = tr("run `make lab` (or `pip install -r requirements.txt` in your environment)")
    tf_installed = installed.installed_version("tensorflow", "tensorflow-cpu", "tensorflow-macos")
    keras_installed = installed.installed_version("keras")
    if tf_installed is None or not installed.importable("tensorflow"):
        fix = (
            tr("TensorFlow publishes no packages for Intel Macs: {binder}", binder=tr(BINDER))
            if _intel_mac()
            else tr(
                "{install}; {binder} if TensorFlow will not install on this machine",
                install=install,
                binder=tr(BINDER),
            )
        )
        return [
            Finding(
                "TensorFlow", PROBLEM, tr("TensorFlow is not installed in this environment"), fix
            ),
            _keras_finding(keras_installed, imported=None, install=install),
        ]
    try:
        tf_version, keras_version = _import_tensorflow()
    except installed.IMPORT_FAILURES as error:  # ImportError, a DLL/so that fails to load, ...
        fix = (
            tr("TensorFlow does not run on Intel Macs any more: {binder}", binder=tr(BINDER))
            if _intel_mac()
            else tr(
                "reinstall it: delete .venv and {install}; if it still fails, {binder}",
                install=install,
                binder=tr(BINDER),
            )
        )
        return [
            Finding(
                "TensorFlow",
                PROBLEM,
                tr(
                    "TensorFlow {tf_installed} is installed but does not import: {error}",
                    tf_installed=tf_installed,
                    error=first_line(error),
                ),
                fix,
            ),
            _keras_finding(keras_installed, imported=None, install=install),
        ]
    return [
        _versioned("TensorFlow", "tensorflow", tf_version, install),
        _keras_finding(keras_installed, imported=keras_version, install=install),
    ]


def _keras_finding(installed: str | None, imported: str | None, install: str) -> Finding:
    if installed is None and imported is None:
        return Finding("Keras", PROBLEM, tr("Keras is not installed in this environment"), install)
    version = imported or installed or "?"
    if not version.startswith("3."):
        return Finding(
            "Keras",
            PROBLEM,
            tr("Keras {version}: the course is written for Keras 3", version=version),
            tr(
                "{install} to get Keras {pinned}",
                install=install,
                pinned=installed.pins().get("keras", "3"),
            ),
        )
    if imported is None:
        return Finding(
            "Keras",
            WARNING,
            tr("Keras {version}, not checked: TensorFlow did not import", version=version),
        )
    return _versioned("Keras", "keras", version, install)


def _versioned(name: str, distribution: str, version: str, install: str) -> Finding:
    pinned = installed.pins().get(distribution)
    if pinned is None or version.split("+")[0] == pinned:
        return Finding(name, OK, version)
    return Finding(
        name,
        WARNING,
        tr(
            "{name} {version}; the course is tested with {pinned}, and outputs or "
            "messages may differ",
            name=name,
            version=version,
            pinned=pinned,
        ),
        f"{install} to get {distribution}=={pinned}",
    )


# --------------------------------------------------------------------------- precision


def _check_precision() -> Finding:
    if not installed.importable("tensorflow"):
        return Finding("Precision", WARNING, tr("not checked: TensorFlow is not installed"))
    try:
        from ..models.builders import PRECISION_ENV_VAR, has_native_bfloat16, resolve_precision
    except Exception:
        return Finding("Precision", WARNING, tr("not checked: TensorFlow did not import"))
    try:
        precision = resolve_precision("auto")
    except Exception as error:
        return Finding(
            "Precision",
            PROBLEM,
            str(error),
            tr(
                "unset {precision_env_var}, or set it to float32 or mixed_bfloat16",
                precision_env_var=PRECISION_ENV_VAR,
            ),
        )
    chosen = (
        tr(" (chosen by ${var})", var=PRECISION_ENV_VAR)
        if os.environ.get(PRECISION_ENV_VAR)
        else ""
    )
    if precision == "mixed_bfloat16":
        why = tr(
            "this CPU computes bfloat16 natively, so LeNet and the CNNs train about twice as fast"
        )
    elif has_native_bfloat16():
        why = tr("bfloat16 is available on this CPU but turned off")
    else:
        why = tr(
            "this CPU has no native bfloat16 (that is fine: the course runs in float32, "
            "and the training times in the notebooks may be up to twice as long here)"
        )
    return Finding("Precision", OK, f"{precision}{chosen}: {why}")


# --------------------------------------------------------------------------- pictures


def _check_pictures() -> Finding:
    """matplotlib and Pillow, imported: one finding for the two."""
    parts = [
        # pyplot, as `%matplotlib inline` loads it; PIL.Image holds Pillow's compiled core
        ("matplotlib.pyplot", "matplotlib", tr("no plots in the notebooks")),
        ("PIL.Image", "Pillow", tr("photos and drawn digits cannot be read (notebooks 04 and 05)")),
    ]
    results = [
        installed.import_check("Pictures", module, distribution, loses=loses, install=tr(INSTALL))
        for module, distribution, loses in parts
    ]
    problems = [r for r in results if isinstance(r, Finding)]
    if problems:  # both in one finding, so that the report has one line per check
        return Finding(
            "Pictures",
            PROBLEM,
            "; ".join(p.found for p in problems),
            "; ".join(dict.fromkeys(p.fix for p in problems)),
        )
    matplotlib, pillow = results
    return Finding("Pictures", OK, f"matplotlib {matplotlib}, Pillow {pillow}")
