"""The setup check, ``mc.doctor()``: one test per way a learner's setup can fail."""

from __future__ import annotations

import hashlib
import http.server
import importlib
import importlib.abc
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mnist_course.data import loading as data
from mnist_course.data.loading import ENV_VAR, MNIST_URL
from mnist_course.setup import data as setup_data
from mnist_course.setup import report as setup_report
from mnist_course.setup import widgets as setup_widgets

dm = importlib.import_module("mnist_course.setup.doctor")
ROOT = Path(__file__).resolve().parent.parent


class Probe:
    """Stands in for the network: records each call, answers `reason` (None: reachable)."""

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason
        self.calls: list[tuple[str, float]] = []

    def __call__(self, url: str, timeout: float) -> str | None:
        self.calls.append((url, timeout))
        return self.reason


OFFLINE = "[Errno -3] Temporary failure in name resolution"


def statuses(report: setup_report.Report) -> dict[str, str]:
    return {finding.name: finding.status for finding in report.findings}


# --------------------------------------------------------------------------- happy path


def test_everything_ok_with_data_from_the_environment_variable(npz_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(npz_path))
    probe = Probe(reason="the network must not be asked")
    report = dm.doctor(probe=probe)
    assert statuses(report) == {
        "Python": "ok",
        "TensorFlow": "ok",
        "Keras": "ok",
        "MNIST data": "ok",
        "Precision": "ok",
        "Pictures": "ok",
        "Widgets": "ok",
        "Drawing pad": "ok",
    }, str(report)
    assert report.ok and not report.problems and not report.warnings
    assert probe.calls == []  # the data is local: no network
    assert f"${ENV_VAR}: {npz_path}" in report["MNIST data"].found
    assert all(f.fix == "" for f in report.findings)
    assert str(report).splitlines()[-1].startswith("All 8 checks passed")


def test_the_full_mnist_from_the_environment_variable(real_mnist_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(real_mnist_path))
    finding = dm.doctor(probe=Probe("no network"))["MNIST data"]
    assert finding.status == "ok" and "(11 MB)" in finding.found


def test_reports_installed_versions_and_the_precision(npz_path) -> None:
    import keras
    import tensorflow as tf

    from mnist_course.models.builders import resolve_precision

    report = dm.doctor(npz_path, probe=Probe())
    assert report["TensorFlow"].found.startswith(tf.__version__)
    assert report["Keras"].found.startswith(keras.__version__)
    assert report["Precision"].found.startswith(resolve_precision("auto"))
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in report["Python"].found


# --------------------------------------------------------------------------- MNIST


def test_missing_data_file_at_the_environment_variable(tmp_path, monkeypatch) -> None:
    missing = tmp_path / "nowhere" / "mnist.npz"
    monkeypatch.setenv(ENV_VAR, str(missing))
    probe = Probe()
    report = dm.doctor(probe=probe)
    finding = report["MNIST data"]
    assert finding.status == "problem" and not report.ok
    assert str(missing) in finding.found and "does not exist" in finding.found
    assert f"unset {ENV_VAR}" in finding.fix
    assert probe.calls == []  # load_mnist would not download either: the variable wins


def test_a_path_argument_wins_over_the_environment_variable(npz_path, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.npz"))
    finding = dm.doctor(npz_path, probe=Probe())["MNIST data"]
    assert finding.status == "ok" and str(npz_path) in finding.found
    assert "the path you gave" in finding.found


def test_a_file_that_is_not_an_npz(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "mnist.npz"
    bad.write_text("<html>proxy error</html>")
    monkeypatch.setenv(ENV_VAR, str(bad))
    finding = dm.doctor(probe=Probe())["MNIST data"]
    assert finding.status == "problem" and "not an .npz archive" in finding.found
    assert "download it again" in finding.fix


def test_an_npz_of_another_dataset(tmp_path) -> None:
    import numpy as np

    other = tmp_path / "cifar.npz"
    np.savez(other, x_train=np.zeros(1), labels=np.zeros(1))
    finding = dm.doctor(other, probe=Probe())["MNIST data"]
    assert finding.status == "problem"
    assert "y_train, x_test, y_test" in finding.found


def test_an_idx_folder_with_a_file_missing(idx_folder) -> None:
    assert dm.doctor(idx_folder, probe=Probe())["MNIST data"].status == "ok"
    (idx_folder / "t10k-labels-idx1-ubyte").unlink()
    finding = dm.doctor(idx_folder, probe=Probe())["MNIST data"]
    assert finding.status == "problem" and "t10k-labels-idx1-ubyte" in finding.found


def test_no_network_and_no_cached_copy() -> None:
    probe = Probe(OFFLINE)
    report = dm.doctor(probe=probe, timeout=1.5)
    finding = report["MNIST data"]
    assert probe.calls == [(MNIST_URL, 1.5)]
    assert finding.status == "problem" and not report.ok
    assert "cannot be reached" in finding.found and OFFLINE in finding.found
    assert "connect to the internet" in finding.fix and f"{ENV_VAR}=" in finding.fix
    assert not (data.keras_cache_folder() / "mnist.npz").exists()


def test_network_reachable_and_no_cached_copy_downloads_nothing() -> None:
    probe = Probe(None)
    finding = dm.doctor(probe=probe)["MNIST data"]
    assert finding.status == "ok" and len(probe.calls) == 1
    assert "downloads it (11 MB)" in finding.found and MNIST_URL in finding.found
    assert not data.keras_cache_folder().exists()  # nothing written, nothing downloaded


def test_mirrors_are_probed_first_and_the_first_that_answers_is_named(monkeypatch) -> None:
    monkeypatch.setenv(
        data.MIRRORS_ENV_VAR, "https://blocked.example/mnist.npz https://ok.example/m.npz"
    )

    def probe(url: str, timeout: float) -> str | None:
        probe.calls.append(url)
        return "timed out" if "blocked" in url else None

    probe.calls = []
    finding = dm.doctor(probe=probe)["MNIST data"]
    assert finding.status == "ok" and "from https://ok.example/m.npz (reachable)" in finding.found
    assert probe.calls == ["https://blocked.example/mnist.npz", "https://ok.example/m.npz"]
    finding = dm.doctor(probe=Probe(OFFLINE))["MNIST data"]
    assert finding.status == "problem" and "no download address can be reached" in finding.found
    assert finding.found.endswith(f"https://ok.example/m.npz: {OFFLINE}; {MNIST_URL}: {OFFLINE}")
    assert data.MIRRORS_ENV_VAR in finding.fix
    monkeypatch.setenv(data.MIRRORS_ENV_VAR, "mirror.example/mnist.npz")
    finding = dm.doctor(probe=Probe())["MNIST data"]
    assert finding.status == "problem" and "is not an address" in finding.found


def _cache_tiny_npz(npz_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the tiny npz in the Keras cache and make it the file the checksum expects."""
    cache = data.keras_cache_folder()
    cache.mkdir(parents=True)
    cached = cache / "mnist.npz"
    cached.write_bytes(npz_path.read_bytes())
    monkeypatch.setattr(data, "MNIST_SHA256", hashlib.sha256(cached.read_bytes()).hexdigest())
    return cached


def test_a_cached_copy_needs_no_network(npz_path, monkeypatch) -> None:
    cached = _cache_tiny_npz(npz_path, monkeypatch)
    probe = Probe(OFFLINE)
    finding = dm.doctor(probe=probe)["MNIST data"]
    assert finding.status == "ok" and str(cached) in finding.found
    assert probe.calls == []


def test_a_damaged_cached_copy_offline(npz_path, monkeypatch) -> None:
    cached = _cache_tiny_npz(npz_path, monkeypatch)
    cached.write_bytes(cached.read_bytes()[:100])
    finding = dm.doctor(probe=Probe(OFFLINE))["MNIST data"]
    assert finding.status == "problem"
    assert "damaged" in finding.found and OFFLINE in finding.found
    finding = dm.doctor(probe=Probe(None))["MNIST data"]
    assert finding.status == "warning" and "downloaded again" in finding.found


def test_a_cache_folder_that_cannot_be_created(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where KERAS_HOME should be a folder")
    monkeypatch.setenv("KERAS_HOME", str(blocker))
    finding = dm.doctor(probe=Probe(None))["MNIST data"]
    assert finding.status == "problem" and "not writable" in finding.found
    assert "KERAS_HOME" in finding.fix


# --------------------------------------------------------------------------- Python


@pytest.mark.parametrize("version", [(3, 10, 14), (3, 14, 0), (2, 7, 18)])
def test_an_unsupported_python(npz_path, monkeypatch, version) -> None:
    monkeypatch.setattr(dm, "_python_version", lambda: version)
    report = dm.doctor(npz_path, probe=Probe())
    finding = report["Python"]
    assert finding.status == "problem" and not report.ok
    assert ".".join(map(str, version)) in finding.found
    assert "3.11 to 3.13" in finding.found
    assert "install Python 3.11" in finding.fix and "Binder" in finding.fix


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 12, 8), (3, 13, 1)])
def test_supported_pythons(npz_path, monkeypatch, version) -> None:
    assert dm.SUPPORTED_PYTHON == ((3, 11), (3, 13))
    monkeypatch.setattr(dm, "_python_version", lambda: version)
    assert dm.doctor(npz_path, probe=Probe())["Python"].status == "ok"


# --------------------------------------------------------------------------- what imports


class _Nowhere(importlib.abc.MetaPathFinder):
    """Finds ``packages`` nowhere, as on a machine where pip never installed them."""

    def __init__(self, packages: tuple[str, ...]) -> None:
        self.packages = packages

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        top = name.split(".")[0]
        if top in self.packages:  # what the import system raises when no finder has it
            raise ModuleNotFoundError(f"No module named {top!r}", name=top)


_FORGOTTEN: set[str] = set()  # the packages the running test made import afresh


@pytest.fixture(autouse=True)
def _imports_put_back() -> Iterator[None]:
    """After a test that broke a package: drop what it imported afresh (a planted copy, half
    of a real one), so later tests get the real modules that monkeypatch puts back."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.split(".")[0] in _FORGOTTEN:
            del sys.modules[name]
    _FORGOTTEN.clear()


def _forget(monkeypatch: pytest.MonkeyPatch, *packages: str) -> None:
    """Drop ``packages`` from the import cache until the test ends, so they import afresh."""
    _FORGOTTEN.update(packages)
    for name in [m for m in sys.modules if m.split(".")[0] in packages]:
        monkeypatch.delitem(sys.modules, name)


def _hide(monkeypatch: pytest.MonkeyPatch, *packages: str, listed: bool = False) -> None:
    """Make ``packages`` uninstalled to every means the doctor has: import, find_spec, pip's
    list (``listed=True`` keeps them in pip's list: files deleted behind pip's back)."""
    # TensorFlow is not forgotten: its compiled parts cannot be imported twice in a process,
    # and the doctor looks for it (find_spec) before it imports it
    _forget(monkeypatch, *(p for p in packages if p != "tensorflow"))
    monkeypatch.setattr(sys, "meta_path", [_Nowhere(packages), *sys.meta_path])
    found = setup_report.importable
    monkeypatch.setattr(setup_report, "importable", lambda n: n not in packages and found(n))
    if not listed:
        unlisted = {DISTRIBUTIONS.get(p, p).lower() for p in packages}
        version = setup_report.installed_version
        monkeypatch.setattr(
            setup_report,
            "installed_version",
            lambda *names: None if unlisted & {n.lower() for n in names} else version(*names),
        )


def _plant(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, package: str, code: str) -> None:
    """Put a ``package`` whose ``__init__.py`` is ``code`` first on sys.path, as a broken
    install would be, and forget the real one so that the doctor imports the planted one."""
    folder = tmp_path / "site" / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    _forget(monkeypatch, package)


# the pip package each import comes in, where the names differ; and the finding naming it
DISTRIBUTIONS = {"PIL": "Pillow", "jupyterlab_widgets": "jupyterlab_widgets"}
FINDING = {
    "ipywidgets": "Widgets",
    "ipycanvas": "Drawing pad",
    "matplotlib": "Pictures",
    "PIL": "Pictures",
}


def _pinned(package: str) -> str:
    distribution = DISTRIBUTIONS.get(package, package).lower()
    return f"{distribution}=={setup_report.pins()[distribution]}"


@pytest.mark.parametrize("package", ["ipywidgets", "ipycanvas", "matplotlib", "PIL"])
def test_a_package_that_is_not_installed(npz_path, monkeypatch, package) -> None:
    _hide(monkeypatch, package)
    report = dm.doctor(npz_path, probe=Probe())
    finding = report[FINDING[package]]
    assert finding.status == "problem" and not report.ok
    assert f"{DISTRIBUTIONS.get(package, package)} is not installed" in finding.found
    assert "make lab" in finding.fix and "pip install -r requirements.txt" in finding.fix


def test_a_package_whose_files_are_gone_but_pip_lists_it(npz_path, monkeypatch) -> None:
    _hide(monkeypatch, "ipycanvas", listed=True)
    finding = dm.doctor(npz_path, probe=Probe())["Drawing pad"]
    assert finding.status == "problem"
    assert "is listed by pip but its module ipycanvas is missing" in finding.found
    assert f"pip install --force-reinstall --no-deps {_pinned('ipycanvas')}" in finding.fix


# package, its planted __init__.py, the error's first line the finding must quote
BROKEN = {
    "ipywidgets raises": (
        "ipywidgets",
        "raise RuntimeError('planted: comm is too old\\nsecond line of the traceback')",
        "RuntimeError: planted: comm is too old",
    ),
    "ipywidgets exits": ("ipywidgets", "raise SystemExit('planted exit')", "SystemExit: planted"),
    "ipycanvas has a syntax error": ("ipycanvas", "def draw(:\n", "SyntaxError: "),
    "ipycanvas's attribute is gone": (
        "ipycanvas",
        "import ipywidgets\nipywidgets.PlantedWidget",
        "AttributeError: module 'ipywidgets' has no attribute 'PlantedWidget'",
    ),
    "matplotlib's library is missing": (
        "matplotlib",
        "raise ImportError('libfreetype.so.6: cannot open shared object file')",
        "ImportError: libfreetype.so.6: cannot open shared object file",
    ),
    "Pillow's compiled core is missing": (
        "PIL",
        "from . import _planted_imaging",
        "ImportError: cannot import name '_planted_imaging'",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_package_that_fails_on_import(npz_path, tmp_path, monkeypatch, case) -> None:
    package, code, error = BROKEN[case]
    _plant(monkeypatch, tmp_path, package, code)
    report = dm.doctor(npz_path, probe=Probe())  # and it does not raise
    finding = report[FINDING[package]]
    assert finding.status == "problem" and not report.ok
    listed = setup_report.installed_version(DISTRIBUTIONS.get(package, package))
    assert (
        f"{DISTRIBUTIONS.get(package, package)} {listed} is installed but does not import: {error}"
        in finding.found
    )
    assert "second line" not in finding.found
    assert f"pip install --force-reinstall --no-deps {_pinned(package)}" in finding.fix
    assert "restart JupyterLab" in finding.fix


def test_a_package_whose_own_dependency_is_missing(npz_path, tmp_path, monkeypatch) -> None:
    _plant(monkeypatch, tmp_path, "ipywidgets", "import planted_comm")
    finding = dm.doctor(npz_path, probe=Probe())["Widgets"]
    assert finding.status == "problem"
    assert "does not import: ModuleNotFoundError: No module named 'planted_comm'" in finding.found
    assert "install what it needs: run `make lab`" in finding.fix


# the package planted broken, the one that imports it, the finding naming the latter
CAUSES = {"ipywidgets": ("ipycanvas", "Drawing pad"), "PIL": ("matplotlib", "Pictures")}


@pytest.mark.parametrize("package", CAUSES)
def test_a_package_broken_by_one_it_imports(npz_path, tmp_path, monkeypatch, package) -> None:
    importer, name = CAUSES[package]
    _plant(monkeypatch, tmp_path, package, "raise RuntimeError('planted: half upgraded')")
    _forget(monkeypatch, importer)
    finding = dm.doctor(npz_path, probe=Probe())[name]
    assert finding.status == "problem"
    assert (
        f"{importer} {setup_report.installed_version(importer)} is installed but does not "
        f"import: RuntimeError: planted: half upgraded (raised by {package}, which it imports)"
    ) in finding.found
    # the fix is to reinstall the broken package, not the one that imports it
    assert f"--no-deps {_pinned(package)}" in finding.fix and importer not in finding.fix


def test_ctrl_c_during_an_import_still_stops_the_check(tmp_path, monkeypatch) -> None:
    _plant(monkeypatch, tmp_path, "ipycanvas", "raise KeyboardInterrupt")
    with pytest.raises(KeyboardInterrupt):
        setup_widgets.check_widgets()


def test_ipywidgets_without_its_jupyterlab_front_end(npz_path, monkeypatch) -> None:
    _hide(monkeypatch, "jupyterlab_widgets")
    finding = dm.doctor(npz_path, probe=Probe())["Widgets"]
    assert finding.status == "problem" and "jupyterlab_widgets" in finding.found


# --------------------------------------------------------------------------- lab extensions

MANAGER = "@jupyter-widgets/jupyterlab-manager"


def _labextensions(folder: Path) -> Path:
    """A labextensions folder holding both extensions, sound: what `pip install` puts."""
    for name in (MANAGER, "ipycanvas"):
        (folder / name / "static").mkdir(parents=True)
        (folder / name / "static" / "remoteEntry.1234.js").write_text("// the front end")
        meta = {"name": name, "version": "1.0.0"}
        meta["jupyterlab"] = {"_build": {"load": "static/remoteEntry.1234.js"}}
        (folder / name / "package.json").write_text(json.dumps(meta))
    return folder


def _damage_metadata(folder: Path, **changes: object) -> None:
    meta = json.loads((folder / "package.json").read_text())
    meta.update(changes)
    (folder / "package.json").write_text(json.dumps({k: v for k, v in meta.items() if v}))


# how each case damages the extensions; the finding it breaks; words that say how
DAMAGES = {
    "front end missing": (
        lambda d: shutil.rmtree(d / MANAGER),
        "Widgets",
        "in none of the folders",
    ),
    "ipycanvas' extension missing": (
        lambda d: shutil.rmtree(d / "ipycanvas"),
        "Drawing pad",
        "in none of the folders",
    ),
    "corrupt package.json": (
        lambda d: (d / "ipycanvas" / "package.json").write_text('{"name": "ipycanvas", "vers'),
        "Drawing pad",
        "is not valid JSON (JSONDecodeError: Unterminated string",
    ),
    "package.json without a version": (
        lambda d: _damage_metadata(d / MANAGER, version=None),
        "Widgets",
        "gives no version",
    ),
    "package.json of another extension": (
        lambda d: _damage_metadata(d / "ipycanvas", name="ipycanvas-planted"),
        "Drawing pad",
        "does not name ipycanvas",
    ),
    "extension never built": (
        lambda d: _damage_metadata(d / MANAGER, jupyterlab={"extension": True}),
        "Widgets",
        "names no script to load",
    ),
    "its script deleted": (
        lambda d: (d / "ipycanvas" / "static" / "remoteEntry.1234.js").unlink(),
        "Drawing pad",
        "the script static/remoteEntry.1234.js that",
    ),
}


@pytest.mark.parametrize("case", DAMAGES)
def test_a_lab_extension_jupyterlab_would_not_load(npz_path, tmp_path, monkeypatch, case):
    damage, name, words = DAMAGES[case]
    folder = _labextensions(tmp_path / "labextensions")
    monkeypatch.setattr(setup_widgets, "_labextension_dirs", lambda: [folder])
    assert statuses(dm.doctor(npz_path, probe=Probe()))[name] == "ok"  # sound, then damaged
    damage(folder)
    report = dm.doctor(npz_path, probe=Probe())
    finding = report[name]
    assert finding.status == "problem" and words in finding.found, finding.found
    assert [f.name for f in report.problems] == [name]
    extension, package = (
        (MANAGER, "jupyterlab_widgets") if name == "Widgets" else ("ipycanvas",) * 2
    )
    assert extension in finding.found and package in finding.found
    pinned = setup_report.pins().get(package) or setup_report.installed_version(package)
    assert f"pip install --force-reinstall --no-deps {package}=={pinned}" in finding.fix


def test_jupyterlab_reads_the_first_copy_of_an_extension(npz_path, tmp_path, monkeypatch):
    first, second = _labextensions(tmp_path / "env"), _labextensions(tmp_path / "user")
    monkeypatch.setattr(setup_widgets, "_labextension_dirs", lambda: [first, second])
    (first / "ipycanvas" / "package.json").write_text("")
    assert dm.doctor(npz_path, probe=Probe())["Drawing pad"].status == "problem"
    shutil.rmtree(first / "ipycanvas")  # none there: the next folder's copy is read
    assert dm.doctor(npz_path, probe=Probe())["Drawing pad"].status == "ok"


def test_the_folders_looked_in_are_named_for_any_machine(npz_path, tmp_path, monkeypatch):
    from mnist_course import files as _files

    course, home = tmp_path / "course", tmp_path / "home"
    monkeypatch.setattr(_files, "COURSE_ROOT", course)
    monkeypatch.setenv("HOME", str(home))
    folders = [course / ".venv" / "labextensions", home / ".local" / "labextensions"]
    monkeypatch.setattr(setup_widgets, "_labextension_dirs", lambda: folders)
    report = dm.doctor(npz_path, probe=Probe())
    assert report["Widgets"].status == report["Drawing pad"].status == "problem"
    assert "(.venv/labextensions, ~/.local/labextensions)" in report["Drawing pad"].found
    assert str(tmp_path) not in str(report)


# page_config.json files, the preferred folder's first; who ends up disabled
PAGE_CONFIGS = {
    "ipycanvas disabled": ([{"ipycanvas": True}], "Drawing pad"),
    "front end disabled (a list)": ([[MANAGER]], "Widgets"),
    "disabled, then enabled by a preferred folder": (
        [{"ipycanvas": False}, {"ipycanvas": True}],
        None,
    ),
    "enabled, then disabled by a preferred folder": (
        [{"ipycanvas": True}, {"ipycanvas": False}],
        "Drawing pad",
    ),
}


@pytest.mark.parametrize("case", PAGE_CONFIGS)
def test_a_disabled_lab_extension(npz_path, tmp_path, monkeypatch, case) -> None:
    configs, disabled = PAGE_CONFIGS[case]
    folders = [tmp_path / f"labconfig{i}" for i in range(len(configs))]
    for folder, off in zip(folders, configs, strict=True):
        folder.mkdir()
        (folder / "page_config.json").write_text(json.dumps({"disabledExtensions": off}))
    monkeypatch.setattr(setup_widgets, "_labconfig_dirs", lambda: folders)
    report = dm.doctor(npz_path, probe=Probe())
    assert [f.name for f in report.problems] == ([disabled] if disabled else [])
    if disabled:
        extension = "ipycanvas" if disabled == "Drawing pad" else MANAGER
        found = report[disabled].found
        assert extension in found and "is disabled" in found
        assert f"jupyter labextension enable {extension}" in report[disabled].fix


# --------------------------------------------------------------------------- TensorFlow


@pytest.mark.parametrize("error", [ImportError, SystemExit])
def test_tensorflow_that_does_not_import(npz_path, monkeypatch, error) -> None:
    def broken() -> tuple[str, str]:
        raise error("libtensorflow_framework.so.2: cannot open shared object file\n(more)")

    monkeypatch.setattr(dm, "_import_tensorflow", broken)
    monkeypatch.setattr(dm, "_intel_mac", lambda: False)
    report = dm.doctor(npz_path, probe=Probe())
    tf = report["TensorFlow"]
    assert tf.status == "problem" and not report.ok
    assert "does not import" in tf.found and tf.found.endswith(
        f"{error.__name__}: libtensorflow_framework.so.2: cannot open shared object file"
    )
    assert "delete .venv" in tf.fix
    assert report["Keras"].status == "warning"


def test_tensorflow_missing_on_an_intel_mac(npz_path, monkeypatch) -> None:
    _hide(monkeypatch, "tensorflow")
    monkeypatch.setattr(dm, "_intel_mac", lambda: True)
    report = dm.doctor(npz_path, probe=Probe())
    tf = report["TensorFlow"]
    assert tf.status == "problem" and "not installed" in tf.found
    assert "Intel Mac" in tf.fix and "Binder" in tf.fix
    assert report["Precision"].status == "warning"


def test_versions_other_than_the_pinned_ones_are_a_warning(npz_path, monkeypatch) -> None:
    monkeypatch.setattr(setup_report, "pins", lambda: {"tensorflow": "9.9.9", "keras": "3.99.0"})
    report = dm.doctor(npz_path, probe=Probe())
    assert report.ok
    assert report["TensorFlow"].status == report["Keras"].status == "warning"
    assert "tested with 9.9.9" in report["TensorFlow"].found
    assert "tensorflow==9.9.9" in report["TensorFlow"].fix


def test_a_bad_precision_variable(npz_path, monkeypatch) -> None:
    monkeypatch.setenv("MNIST_COURSE_PRECISION", "float16")
    finding = dm.doctor(npz_path, probe=Probe())["Precision"]
    assert finding.status == "problem" and "float16" in finding.found
    assert "unset MNIST_COURSE_PRECISION" in finding.fix


# --------------------------------------------------------------------------- never raises, prints


def test_a_check_that_crashes_becomes_a_finding(npz_path, monkeypatch) -> None:
    def crash() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(dm, "check_widgets", crash)
    report = dm.doctor(npz_path, probe=Probe())
    finding = report["Widgets"]
    assert finding.status == "problem" and "RuntimeError: boom" in finding.found


def test_the_report_prints_each_problem_and_what_to_do(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.npz"))
    _hide(monkeypatch, "ipycanvas")
    report = dm.doctor(probe=Probe())
    text = str(report)
    assert text.startswith("mnist-course setup check\n")
    assert "  PROBLEM  MNIST data" in text and "  PROBLEM  Drawing pad" in text
    assert "  ok       Python" in text
    assert sum(line.lstrip().startswith("-> ") for line in text.splitlines()) == 2
    assert report.summary().startswith("2 problems, 0 warnings: fix each PROBLEM")
    assert "python -m mnist_course doctor" in report.summary()
    assert " ".join(report.summary().split()) in " ".join(text.split())

    class Printer:  # what IPython hands _repr_pretty_
        def __init__(self) -> None:
            self.parts: list[str] = []

        def text(self, part: str) -> None:
            self.parts.append(part)

    printer = Printer()
    report._repr_pretty_(printer, cycle=False)
    assert "".join(printer.parts) == text


# --------------------------------------------------------------------------- the real probe


def test_the_probe_answers_none_for_a_server_that_answers(monkeypatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)

    class Head(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:  # noqa: N802
            self.send_response(200 if self.path == "/mnist.npz" else 404)
            self.send_header("Content-Length", "11490434")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Head)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert setup_data.probe(f"{base}/mnist.npz", 3.0) is None
        assert setup_data.probe(f"{base}/gone.npz", 3.0) == "HTTP 404 Not Found"
    finally:
        server.shutdown()
        server.server_close()


def test_the_probe_gives_up_after_its_timeout(monkeypatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        start = time.perf_counter()
        reason = setup_data.probe(f"http://127.0.0.1:{silent.getsockname()[1]}/mnist.npz", 0.5)
        elapsed = time.perf_counter() - start
    finally:
        silent.close()
    assert reason is not None and "timed out" in reason
    assert elapsed < 2.0


# --------------------------------------------------------------------------- command line


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow  # a Python of its own, importing TensorFlow
def test_command_line_exit_status_and_output(npz_path, tmp_path) -> None:
    result = _run("-m", "mnist_course", "doctor", "--data", str(npz_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mnist-course setup check" in result.stdout
    assert "All 8 checks passed" in result.stdout

    missing = tmp_path / "missing.npz"
    result = _run("-m", "mnist_course", "doctor", "--data", str(missing))
    assert result.returncode == 1, result.stdout + result.stderr
    words = " ".join(result.stdout.split())  # the report wraps long lines
    assert f"PROBLEM MNIST data the path you gave: {missing}, which does not exist" in words


DOCTOR_ALONE = """
import sys
import mnist_course as mc
assert callable(mc.doctor) and mc.doctor is mc.doctor  # the function, every time
vouched = ("ipywidgets", "ipycanvas", "matplotlib.pyplot", "PIL.Image")
print("BEFORE", sorted(m for m in vouched if m in sys.modules))
report = mc.doctor(sys.argv[2], probe=lambda url, timeout: "offline")
print(report)
print("IMPORTED", sorted(m for m in vouched if m in sys.modules))
course = ("mnist_course.plots", "mnist_course.interactive.widgets",
          "mnist_course.interactive.drawing")
print("COURSE", sorted(m for m in course if m in sys.modules))
"""


@pytest.mark.slow  # a Python of its own, importing TensorFlow
def test_the_check_imports_what_it_vouches_for_and_none_of_the_course_widgets(npz_path) -> None:
    # an ok is a proof: the doctor imports each package it reports on, when it runs and only
    # then (tests/test_layout.py checks that `import mnist_course` imports none of them)
    result = _run("-c", DOCTOR_ALONE, str(ROOT), str(npz_path))
    assert result.returncode == 0, result.stderr
    assert "BEFORE []" in result.stdout
    assert "IMPORTED ['PIL.Image', 'ipycanvas', 'ipywidgets', 'matplotlib.pyplot']" in result.stdout
    assert "COURSE []" in result.stdout
    assert "All 8 checks passed" in result.stdout


# --------------------------------------------------------------------------- shown paths


def test_shown_paths_name_no_folder_of_this_machine(tmp_path, monkeypatch) -> None:
    from mnist_course import files as _files

    course, home = tmp_path / "work" / "course", tmp_path / "home" / "ana"
    monkeypatch.setattr(_files, "COURSE_ROOT", course)
    monkeypatch.setenv("HOME", str(home))
    shown = _files.shown_path
    assert shown(course / "models" / "lenet.keras") == "models/lenet.keras"
    assert shown(course) == "."
    assert shown(home / ".keras" / "datasets" / "mnist.npz") == "~/.keras/datasets/mnist.npz"
    assert shown(tmp_path / "work" / "shared" / "mnist.npz") == "../shared/mnist.npz"
    assert shown("/srv/data/mnist.npz") == "/srv/data/mnist.npz"  # nothing shorter is true
    monkeypatch.setattr(_files, "COURSE_ROOT", None)  # an installed package: no course folder
    assert shown(tmp_path / "work" / "course" / "x.keras") == str(course / "x.keras")


def test_an_import_error_names_no_folder_of_this_machine(tmp_path, monkeypatch) -> None:
    from mnist_course import files as _files

    course, home = tmp_path / "course", tmp_path / "home"
    monkeypatch.setattr(_files, "COURSE_ROOT", course)
    monkeypatch.setenv("HOME", str(home))
    error = ImportError(f"{course}/.venv/lib/libx.so: bad ELF, see {home}/log\nTraceback")
    assert setup_report.first_line(error) == "ImportError: .venv/lib/libx.so: bad ELF, see ~/log"


def test_the_report_shows_the_course_environment_and_data_beside_the_course(
    npz_path, tmp_path, monkeypatch
) -> None:
    from mnist_course import files as _files

    course = tmp_path / "course"
    (course / ".venv").mkdir(parents=True)
    monkeypatch.setattr(_files, "COURSE_ROOT", course)
    monkeypatch.setattr(dm, "COURSE_ROOT", course)
    monkeypatch.setattr(sys, "prefix", str(course / ".venv"))
    monkeypatch.setenv(ENV_VAR, str(npz_path))  # tmp_path/mnist.npz: beside the course
    report = str(dm.doctor(probe=Probe()))
    assert "(the course's environment, .venv)" in report
    assert f"${ENV_VAR}: ../mnist.npz" in report
    assert str(tmp_path) not in report and sys.executable not in report


@pytest.mark.parametrize(
    ("flags", "precision", "says"),
    [
        ("fpu avx2", "float32", "no native bfloat16"),
        ("fpu avx512f avx512_bf16", "float32", "the fastest choice on this CPU"),
        ("fpu amx_bf16 amx_tile avx512_bf16", "mixed_bfloat16", "natively"),
    ],
)
def test_the_precision_finding_says_why(npz_path, monkeypatch, tmp_path, flags, precision, says):
    import mnist_course.models.builders as builders

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    monkeypatch.setattr(builders, "_CPUINFO", str(cpuinfo))
    monkeypatch.delenv("MNIST_COURSE_PRECISION", raising=False)
    finding = dm.doctor(npz_path, probe=Probe())["Precision"]
    assert finding.status == "ok" and finding.found.startswith(precision), finding.found
    assert says in finding.found, finding.found
