"""Check a learner's setup before the course starts: ``python -m mnist_course doctor``.

:func:`doctor` looks at what the notebooks need and returns a :class:`Report`, one
:class:`Finding` per thing checked, each ``ok``, ``warning`` or ``problem`` and, when it is
not ok, what to do about it:

* Python: a version the course supports (:data:`SUPPORTED_PYTHON`);
* TensorFlow and Keras: installed, importable, and the versions the course is pinned to;
* MNIST: where :func:`mnist_course.load_mnist` will take it from (the ``path`` given,
  ``$MNIST_COURSE_DATA``, the Keras cache, or a download) and whether that will work;
* precision: whether this CPU trains in bfloat16 or float32;
* widgets: ipywidgets with its JupyterLab front end, and ipycanvas with its lab extension.

The check is cheap and safe: it never downloads MNIST (it only asks the download server for
the file's headers, giving up after ``timeout`` seconds, and only when the download is the
source that would be used), it does not import ipywidgets, ipycanvas or matplotlib (it looks
for them on disk), and it never raises: anything that goes wrong becomes a finding.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import platform
import sys
import textwrap
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SUPPORTED_PYTHON", "Finding", "Report", "doctor"]

# Oldest and newest Python the course supports, inclusive.
SUPPORTED_PYTHON = ((3, 11), (3, 13))

OK, WARNING, PROBLEM = "ok", "warning", "problem"
_LABELS = {OK: "ok", WARNING: "warning", PROBLEM: "PROBLEM"}
_DOCTOR_COMMAND = "python -m mnist_course doctor"
_BINDER = "use the course in the browser instead: the 'Launch on Binder' link in the README"
# The four arrays of a Keras-layout mnist.npz, as stored in the zip archive.
_NPZ_MEMBERS = ("x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy")

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
            f"({_DOCTOR_COMMAND}, or mc.doctor() in a notebook)."
        )

    def __str__(self) -> str:
        return "\n".join(
            ["mnist-course setup check", *(str(f) for f in self.findings)]
            + textwrap.wrap(self.summary(), 100, break_on_hyphens=False)
        )

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython's display hook
        printer.text(str(self))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the check


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
    probe = probe or _probe
    checks: list[tuple[str, Callable[[], Finding | list[Finding]]]] = [
        ("Python", _check_python),
        ("TensorFlow", _check_tensorflow_and_keras),
        ("MNIST data", lambda: _check_data(path, timeout, probe)),
        ("Precision", _check_precision),
        ("Widgets", _check_widgets),
    ]
    findings: list[Finding] = []
    for name, check in checks:
        try:
            result = check()
        except Exception as error:  # a bug or an odd machine: report it, never raise
            result = Finding(
                name,
                PROBLEM,
                f"the check itself failed: {type(error).__name__}: {error}",
                "please report this, with the line above, to the course's maintainers",
            )
        findings += result if isinstance(result, list) else [result]
    return Report(tuple(findings))


# --------------------------------------------------------------------------- Python


def _python_version() -> tuple[int, int, int]:
    return tuple(sys.version_info[:3])  # type: ignore[return-value]


def _supported_range() -> str:
    (low_major, low_minor), (high_major, high_minor) = SUPPORTED_PYTHON
    return f"{low_major}.{low_minor} to {high_major}.{high_minor}"


def _check_python() -> Finding:
    version = _python_version()
    shown = ".".join(map(str, version))
    where = f"{shown} ({sys.executable})"
    low, high = SUPPORTED_PYTHON
    if low <= version[:2] <= high:
        return Finding("Python", OK, f"{where}; the course supports {_supported_range()}")
    return Finding(
        "Python",
        PROBLEM,
        f"{where}: the course supports Python {_supported_range()} only, the versions "
        "its pinned TensorFlow is published for",
        f"install Python {low[0]}.{low[1]} (python.org, your package manager, or "
        "`conda env create -f environment.yml`, which brings its own), delete .venv and run "
        f"`make lab` again; or {_BINDER}",
    )


# --------------------------------------------------------------------------- TensorFlow, Keras


def _installed_version(*distributions: str) -> str | None:
    """The version of the first of ``distributions`` that is installed, else None."""
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _pins() -> dict[str, str]:
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


def _intel_mac() -> bool:
    return sys.platform == "darwin" and platform.machine() == "x86_64"


def _import_tensorflow() -> tuple[str, str]:
    """Import TensorFlow and Keras the way the course does; their versions."""
    from ._backend import keras, tf

    return tf.__version__, keras.__version__


def _check_tensorflow_and_keras() -> list[Finding]:
    install = "run `make lab` (or `pip install -r requirements.txt` in your environment)"
    tf_installed = _installed_version("tensorflow", "tensorflow-cpu", "tensorflow-macos")
    keras_installed = _installed_version("keras")
    if tf_installed is None or not _importable("tensorflow"):
        fix = (
            f"TensorFlow publishes no packages for Intel Macs: {_BINDER}"
            if _intel_mac()
            else f"{install}; {_BINDER} if TensorFlow will not install on this machine"
        )
        return [
            Finding("TensorFlow", PROBLEM, "TensorFlow is not installed in this environment", fix),
            _keras_finding(keras_installed, imported=None, install=install),
        ]
    try:
        tf_version, keras_version = _import_tensorflow()
    except Exception as error:  # ImportError, a DLL/so that fails to load, ...
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        fix = (
            f"TensorFlow does not run on Intel Macs any more: {_BINDER}"
            if _intel_mac()
            else f"reinstall it: delete .venv and {install}; if it still fails, {_BINDER}"
        )
        return [
            Finding(
                "TensorFlow",
                PROBLEM,
                f"TensorFlow {tf_installed} is installed but does not import: "
                f"{type(error).__name__}: {first}",
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
        return Finding("Keras", PROBLEM, "Keras is not installed in this environment", install)
    version = imported or installed or "?"
    if not version.startswith("3."):
        return Finding(
            "Keras",
            PROBLEM,
            f"Keras {version}: the course is written for Keras 3",
            f"{install} to get Keras {_pins().get('keras', '3')}",
        )
    if imported is None:
        return Finding("Keras", WARNING, f"Keras {version}, not checked: TensorFlow did not import")
    return _versioned("Keras", "keras", version, install)


def _versioned(name: str, distribution: str, version: str, install: str) -> Finding:
    pinned = _pins().get(distribution)
    if pinned is None or version.split("+")[0] == pinned:
        return Finding(name, OK, version)
    return Finding(
        name,
        WARNING,
        f"{name} {version}; the course is tested with {pinned}, and outputs or messages may differ",
        f"{install} to get {distribution}=={pinned}",
    )


# --------------------------------------------------------------------------- MNIST


def _check_data(path: str | os.PathLike[str] | None, timeout: float, probe: Probe) -> Finding:
    from .data import ENV_VAR

    name = "MNIST data"
    if path is not None:
        return _check_data_path(Path(path).expanduser(), "the path you gave")
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return _check_data_path(Path(env).expanduser(), f"${ENV_VAR}")
    from .data import MNIST_SHA256, MNIST_URL, _keras_cache, _sha256

    cache = _keras_cache() / "mnist.npz"
    if cache.is_file():
        try:
            intact = _sha256(cache) == MNIST_SHA256
        except OSError as error:
            return Finding(
                name,
                PROBLEM,
                f"the Keras cache {cache} cannot be read ({error.strerror or error})",
                "check its permissions, or delete it so that it is downloaded again",
            )
        if intact:
            return Finding(name, OK, f"from the Keras cache: {cache} (checksum verified)")
        damaged = (
            f"the Keras cache {cache} is damaged (wrong checksum): it will be downloaded again"
        )
    else:
        damaged = ""
    reason = probe(MNIST_URL, timeout)
    if reason is not None:
        return Finding(
            name,
            PROBLEM,
            (damaged + "; but " if damaged else f"no copy in the Keras cache ({cache}), and ")
            + f"the download server cannot be reached: {reason}",
            f"connect to the internet and run this check again; or copy mnist.npz from a "
            f"machine that has it and set {ENV_VAR}=/path/to/mnist.npz (before starting "
            "JupyterLab, e.g. `MNIST_COURSE_DATA=/path/to/mnist.npz make lab`)",
        )
    folder = _writable_folder(cache.parent)
    if folder is not None:
        return Finding(
            name,
            PROBLEM,
            f"MNIST would be downloaded into {cache.parent}, but {folder} is not writable",
            "set KERAS_HOME to a writable folder (MNIST goes in its datasets/ folder), or "
            f"set {ENV_VAR} to a copy of mnist.npz",
        )
    if damaged:
        return Finding(name, WARNING, damaged + f" from {MNIST_URL} (11 MB, reachable)")
    return Finding(
        name,
        OK,
        f"not downloaded yet: the first load_mnist() downloads it (11 MB) from {MNIST_URL} "
        f"(reachable) into {cache.parent}",
    )


def _check_data_path(path: Path, origin: str) -> Finding:
    """Check that ``path`` looks like MNIST: cheap checks only; load_mnist checks the data."""
    from .data import ENV_VAR, IDX_FILES

    name = "MNIST data"
    where = f"{origin}: {path}"
    if origin.startswith("$"):
        fix = (
            f"set {ENV_VAR} to the path of a Keras-layout mnist.npz or of a folder with the "
            f"four IDX files, or unset it (`unset {ENV_VAR}`) so that MNIST is downloaded"
        )
    else:
        fix = "give the path of a Keras-layout mnist.npz or of a folder with the four IDX files"
    if not path.exists():
        return Finding(name, PROBLEM, f"{where}, which does not exist", fix)
    if path.is_dir():
        missing = [
            stem
            for stem in IDX_FILES.values()
            if not any(
                (path / f"{n}{gz}").is_file()
                for n in (stem, stem.replace("-idx", ".idx", 1))
                for gz in ("", ".gz")
            )
        ]
        if missing:
            return Finding(name, PROBLEM, f"{where}: a folder without {', '.join(missing)}", fix)
        return Finding(name, OK, f"{where} (a folder with the four IDX files)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
    except (OSError, zipfile.BadZipFile) as error:
        what = "is empty" if path.stat().st_size == 0 else f"is not an .npz archive ({error})"
        return Finding(name, PROBLEM, f"{where}, which {what}", f"download it again; or {fix}")
    missing = [m[:-4] for m in _NPZ_MEMBERS if m not in members]
    if missing:
        return Finding(
            name, PROBLEM, f"{where}: an .npz without the arrays {', '.join(missing)}", fix
        )
    size = path.stat().st_size / 1e6
    return Finding(name, OK, f"{where} ({size:.0f} MB)")


def _writable_folder(folder: Path) -> Path | None:
    """None if ``folder`` exists and is writable or could be created; else the culprit."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK):
        return None
    return probe


def _probe(url: str, timeout: float) -> str | None:
    """Ask ``url`` for its headers (HEAD): None if it answers, else why not.

    Runs in a daemon thread joined for ``timeout`` seconds, so that a name lookup, which
    has no timeout of its own, cannot hold the check up either.
    """
    outcome: list[str | None] = []

    def ask() -> None:
        request = urllib.request.Request(url, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                outcome.append(None if response.status < 400 else f"HTTP {response.status}")
        except urllib.error.HTTPError as error:
            outcome.append(f"HTTP {error.code} {error.reason}")
        except urllib.error.URLError as error:
            outcome.append(str(error.reason))
        except Exception as error:
            outcome.append(f"{type(error).__name__}: {error}")

    thread = threading.Thread(target=ask, name="mnist-course-doctor-probe", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    if not outcome:
        return f"no answer from {urllib.parse.urlparse(url).hostname} in {timeout:g} s"
    return outcome[0]


# --------------------------------------------------------------------------- precision


def _check_precision() -> Finding:
    if not _importable("tensorflow"):
        return Finding("Precision", WARNING, "not checked: TensorFlow is not installed")
    try:
        from .models import PRECISION_ENV_VAR, has_native_bfloat16, resolve_precision
    except Exception:
        return Finding("Precision", WARNING, "not checked: TensorFlow did not import")
    try:
        precision = resolve_precision("auto")
    except Exception as error:
        return Finding(
            "Precision",
            PROBLEM,
            str(error),
            f"unset {PRECISION_ENV_VAR}, or set it to float32 or mixed_bfloat16",
        )
    chosen = f" (chosen by ${PRECISION_ENV_VAR})" if os.environ.get(PRECISION_ENV_VAR) else ""
    if precision == "mixed_bfloat16":
        why = "this CPU computes bfloat16 natively, so LeNet and the CNNs train about twice as fast"
    elif has_native_bfloat16():
        why = "bfloat16 is available on this CPU but turned off"
    else:
        why = (
            "this CPU has no native bfloat16 (that is fine: the course runs in float32, "
            "and the training times in the notebooks may be up to twice as long here)"
        )
    return Finding("Precision", OK, f"{precision}{chosen}: {why}")


# --------------------------------------------------------------------------- widgets


def _labextension_dirs() -> list[Path]:
    """The folders JupyterLab loads prebuilt extensions from (this environment's first)."""
    try:
        from jupyter_core.paths import jupyter_path

        return [Path(p) for p in jupyter_path("labextensions")]
    except Exception:
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]


def _labconfig_dirs() -> list[Path]:
    try:
        from jupyter_core.paths import jupyter_config_path

        return [Path(p) / "labconfig" for p in jupyter_config_path()]
    except Exception:
        return [Path(sys.prefix) / "etc" / "jupyter" / "labconfig"]


def _labextension(name: str) -> tuple[Path | None, bool]:
    """Where the lab extension ``name`` is installed (or None), and whether it is disabled."""
    found = next(
        (d / name for d in _labextension_dirs() if (d / name / "package.json").is_file()), None
    )
    disabled = False
    for folder in _labconfig_dirs():
        try:
            config = json.loads((folder / "page_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        off = config.get("disabledExtensions") or {}
        if off.get(name) if isinstance(off, dict) else name in off:
            disabled = True
    return found, disabled


def _check_widgets() -> list[Finding]:
    install = "run `make lab` (or `pip install -r requirements.txt`), then restart JupyterLab"
    lab = _installed_version("jupyterlab") if _importable("jupyterlab") else None
    other_lab = (
        ""
        if lab
        else " (JupyterLab is not installed here: if you run it from another "
        "environment, install the widget packages there too)"
    )
    findings = []

    ipywidgets = _installed_version("ipywidgets") if _importable("ipywidgets") else None
    front = _installed_version("jupyterlab_widgets") if _importable("jupyterlab_widgets") else None
    manager, manager_off = _labextension("@jupyter-widgets/jupyterlab-manager")
    if ipywidgets is None:
        findings.append(
            Finding(
                "Widgets",
                PROBLEM,
                "ipywidgets is not installed: no sliders or browsers in the notebooks" + other_lab,
                install,
            )
        )
    elif not ipywidgets.startswith("8."):
        findings.append(
            Finding(
                "Widgets",
                PROBLEM,
                f"ipywidgets {ipywidgets}: the course needs ipywidgets 8",
                install,
            )
        )
    elif front is None or (lab and manager is None):
        findings.append(
            Finding(
                "Widgets",
                PROBLEM,
                f"ipywidgets {ipywidgets} is installed but not its JupyterLab front end "
                "(jupyterlab_widgets): widgets would show as text such as 'HBox(children=...)'"
                + other_lab,
                install,
            )
        )
    elif manager_off:
        findings.append(
            Finding(
                "Widgets",
                PROBLEM,
                f"ipywidgets {ipywidgets}: its JupyterLab extension is disabled",
                "`jupyter labextension enable @jupyter-widgets/jupyterlab-manager`"
                ", then restart JupyterLab",
            )
        )
    else:
        findings.append(
            Finding(
                "Widgets",
                OK if lab else WARNING,
                f"ipywidgets {ipywidgets}, JupyterLab front end jupyterlab_widgets {front}"
                + other_lab,
            )
        )

    canvas = _installed_version("ipycanvas") if _importable("ipycanvas") else None
    extension, extension_off = _labextension("ipycanvas")
    if canvas is None:
        findings.append(
            Finding(
                "Drawing pad",
                PROBLEM,
                "ipycanvas is not installed: notebook 05's drawing pad will not work" + other_lab,
                install,
            )
        )
    elif lab and extension is None:
        findings.append(
            Finding(
                "Drawing pad",
                PROBLEM,
                f"ipycanvas {canvas} is installed but its JupyterLab extension is not found in "
                f"{', '.join(str(d) for d in _labextension_dirs())}",
                f"reinstall it: `pip install --force-reinstall ipycanvas=="
                f"{_pins().get('ipycanvas', canvas)}`, then restart JupyterLab",
            )
        )
    elif extension_off:
        findings.append(
            Finding(
                "Drawing pad",
                PROBLEM,
                f"ipycanvas {canvas}: its JupyterLab extension is disabled",
                "`jupyter labextension enable ipycanvas`, then restart JupyterLab",
            )
        )
    else:
        where = f", JupyterLab extension in {extension.parent}" if extension else other_lab
        findings.append(
            Finding("Drawing pad", OK if lab else WARNING, f"ipycanvas {canvas}{where}")
        )
    return findings
