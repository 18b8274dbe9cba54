"""``mc.doctor()`` and ``python -m mnist_course doctor``: is this machine ready for the course?
Each package is imported, not just found on disk; it never downloads MNIST and never raises."""

import os
import platform
import sys
from pathlib import Path

from ..files import COURSE_ROOT, shown_path
from ..language import tr
from . import report as installed
from .data import check_data
from .data import probe as default_probe
from .report import BINDER, INSTALL, OK, PROBLEM, WARNING, Finding, Probe, Report, first_line
from .widgets import check_widgets

# Oldest and newest Python the course supports, inclusive.
SUPPORTED_PYTHON = ((3, 11), (3, 13))


def doctor(
    path: str | os.PathLike[str] | None = None, *, timeout: float = 3.0, probe: Probe | None = None
) -> Report:
    """Check that this machine can run the course, and say what to fix if not.

    Parameters
    ----------
    path : str or path-like, optional
        The MNIST path you will give :func:`mnist_course.load_mnist`, if any.
    timeout : float
        Seconds to wait for the MNIST download server, when MNIST would be downloaded.
    probe : callable, optional
        ``probe(url, timeout)``: None when ``url`` answers, else why not (default: a HEAD).

    Returns
    -------
    Report
        One finding per check; ``report.ok`` when none is a problem. Nothing is raised.
    """
    checks = {
        "Python": _check_python,
        "TensorFlow": _check_tensorflow_and_keras,
        "MNIST data": lambda: check_data(path, timeout, probe or default_probe),
        "Precision": _check_precision,
        "Pictures": _check_pictures,
        "Widgets": check_widgets,
    }
    findings: list[Finding] = []
    for name, check in checks.items():
        try:
            result = check()
        except Exception as error:  # a bug or an odd machine: report it, never raise
            found = tr(
                "the check itself failed: {kind}: {error}", kind=type(error).__name__, error=error
            )
            fix = tr("please report this, with the line above, to the course's maintainers")
            result = Finding(name, PROBLEM, found, fix)
        findings += result if isinstance(result, list) else [result]
    return Report(tuple(findings))


def _python_version() -> tuple[int, int, int]:
    return tuple(sys.version_info[:3])  # type: ignore[return-value]


def _check_python() -> Finding:
    version = _python_version()
    (low, high), dotted = SUPPORTED_PYTHON, lambda numbers: ".".join(map(str, numbers))
    if COURSE_ROOT is not None and Path(sys.prefix).resolve() == COURSE_ROOT / ".venv":
        where = tr("the course's environment, .venv")
    else:
        where = shown_path(sys.executable)
    where = f"{dotted(version)} ({where})"
    supported = tr("{low} to {high}", low=dotted(low), high=dotted(high))
    if low <= version[:2] <= high:
        found = tr("{where}; the course supports {supported}", where=where, supported=supported)
        return Finding("Python", OK, found)
    found = tr(
        "{where}: the course supports Python {supported} only, the versions its "
        "pinned TensorFlow is published for",
        where=where,
        supported=supported,
    )
    fix = tr(
        "install Python {major}.{minor} (python.org, your package manager, or "
        "`conda env create -f environment.yml`, which brings its own), delete "
        ".venv and run `make lab` again; or {binder}",
        major=low[0],
        minor=low[1],
        binder=tr(BINDER),
    )
    return Finding("Python", PROBLEM, found, fix)


def _intel_mac() -> bool:
    return sys.platform == "darwin" and platform.machine() == "x86_64"


def _import_tensorflow() -> tuple[str, str]:
    from ..backend import keras, tf

    return tf.__version__, keras.__version__


def _check_tensorflow_and_keras() -> list[Finding]:
    install = tr("run `make lab` (or `pip install -r requirements.txt` in your environment)")
    said = {"install": install, "binder": tr(BINDER)}
    tf_listed = installed.installed_version("tensorflow", "tensorflow-cpu", "tensorflow-macos")
    version, tf_version = installed.installed_version("keras"), None
    if tf_listed is None or not installed.importable("tensorflow"):
        found = tr("TensorFlow is not installed in this environment")
        if _intel_mac():
            fix = tr("TensorFlow publishes no packages for Intel Macs: {binder}", **said)
        else:
            fix = tr("{install}; {binder} if TensorFlow will not install on this machine", **said)
    else:
        try:
            tf_version, version = _import_tensorflow()
        except installed.IMPORT_FAILURES as error:  # ImportError, a library that fails to load
            found = tr(
                "TensorFlow {tf_installed} is installed but does not import: {error}",
                tf_installed=tf_listed,
                error=first_line(error),
            )
            if _intel_mac():
                fix = tr("TensorFlow does not run on Intel Macs any more: {binder}", **said)
            else:
                fix = tr(
                    "reinstall it: delete .venv and {install}; if it still fails, {binder}", **said
                )
    if tf_version is None:
        tensorflow = Finding("TensorFlow", PROBLEM, found, fix)
    else:
        tensorflow = _versioned("TensorFlow", "tensorflow", tf_version, install)
    if version is None:
        keras = Finding("Keras", PROBLEM, tr("Keras is not installed in this environment"), install)
    elif not version.startswith("3."):
        found = tr("Keras {version}: the course is written for Keras 3", version=version)
        pinned = installed.pins().get("keras", "3")
        fix = tr("{install} to get Keras {pinned}", install=install, pinned=pinned)
        keras = Finding("Keras", PROBLEM, found, fix)
    elif tf_version is None:
        found = tr("Keras {version}, not checked: TensorFlow did not import", version=version)
        keras = Finding("Keras", WARNING, found)
    else:
        keras = _versioned("Keras", "keras", version, install)
    return [tensorflow, keras]


def _versioned(name: str, distribution: str, version: str, install: str) -> Finding:
    # OK when version is the course's pin, else a warning
    pinned = installed.pins().get(distribution)
    if pinned is None or version.split("+")[0] == pinned:
        return Finding(name, OK, version)
    found = tr(
        "{name} {version}; the course is tested with {pinned}, and outputs or messages may differ",
        name=name,
        version=version,
        pinned=pinned,
    )
    return Finding(name, WARNING, found, f"{install} to get {distribution}=={pinned}")


def _check_precision() -> Finding:
    if not installed.importable("tensorflow"):
        return Finding("Precision", WARNING, tr("not checked: TensorFlow is not installed"))
    try:
        from ..models import builders
    except Exception:
        return Finding("Precision", WARNING, tr("not checked: TensorFlow did not import"))
    var = builders.PRECISION_ENV_VAR
    try:
        precision = builders.resolve_precision("auto")
    except Exception as error:
        fix = tr(
            "unset {precision_env_var}, or set it to float32 or mixed_bfloat16",
            precision_env_var=var,
        )
        return Finding("Precision", PROBLEM, str(error), fix)
    chosen = tr(" (chosen by ${var})", var=var) if os.environ.get(var) else ""
    if precision == "mixed_bfloat16":
        why = tr(
            "this CPU computes bfloat16 natively, so LeNet and the CNNs train in it "
            "(notebook 06 times what it gains on this machine)"
        )
    elif "amx_bf16" in builders.cpu_flags():
        why = tr("bfloat16 is available on this CPU but turned off")
    elif builders.has_native_bfloat16():
        why = tr(
            "the course computes in float32 here, the fastest choice on this CPU (notebook 06 "
            "explains why)"
        )
    else:
        why = tr(
            "this CPU has no native bfloat16 (that is fine: the course runs in float32, "
            "and the training times in the notebooks may be up to twice as long here)"
        )
    found = tr("{precision}{chosen}: {why}", precision=precision, chosen=chosen, why=why)
    return Finding("Precision", OK, found)


def _check_pictures() -> Finding:
    parts = [
        # pyplot, as `%matplotlib inline` loads it; PIL.Image holds Pillow's compiled core
        ("matplotlib.pyplot", "matplotlib", tr("no plots in the notebooks")),
        ("PIL.Image", "Pillow", tr("photos and drawn digits cannot be read (notebooks 04 and 05)")),
    ]
    results = [
        installed.import_check("Pictures", module, distribution, loses=loses, install=tr(INSTALL))
        for module, distribution, loses in parts
    ]
    if problems := [r for r in results if isinstance(r, Finding)]:  # one line per check
        fixes = dict.fromkeys(p.fix for p in problems)  # the same fix once
        return Finding("Pictures", PROBLEM, "; ".join(p.found for p in problems), "; ".join(fixes))
    return Finding("Pictures", OK, "matplotlib {}, Pillow {}".format(*results))
