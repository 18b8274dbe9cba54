"""The setup check, ``mc.doctor()``: one test per way a learner's setup can fail."""

from __future__ import annotations

import hashlib
import http.server
import importlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mnist_course import data, setup_data, setup_report, setup_widgets
from mnist_course.data import ENV_VAR, MNIST_URL

dm = importlib.import_module("mnist_course.setup_check")
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
        "Widgets": "ok",
        "Drawing pad": "ok",
    }, str(report)
    assert report.ok and not report.problems and not report.warnings
    assert probe.calls == []  # the data is local: no network
    assert f"${ENV_VAR}: {npz_path}" in report["MNIST data"].found
    assert all(f.fix == "" for f in report.findings)
    assert str(report).splitlines()[-1].startswith("All 7 checks passed")


def test_the_full_mnist_from_the_environment_variable(real_mnist_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(real_mnist_path))
    finding = dm.doctor(probe=Probe("no network"))["MNIST data"]
    assert finding.status == "ok" and "(11 MB)" in finding.found


def test_reports_installed_versions_and_the_precision(npz_path) -> None:
    import keras
    import tensorflow as tf

    from mnist_course.models import resolve_precision

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
    assert not (data._keras_cache() / "mnist.npz").exists()


def test_network_reachable_and_no_cached_copy_downloads_nothing() -> None:
    probe = Probe(None)
    finding = dm.doctor(probe=probe)["MNIST data"]
    assert finding.status == "ok" and len(probe.calls) == 1
    assert "downloads it (11 MB)" in finding.found and MNIST_URL in finding.found
    assert not data._keras_cache().exists()  # nothing written, nothing downloaded


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
    cache = data._keras_cache()
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


# --------------------------------------------------------------------------- widgets


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make ``modules`` look uninstalled to the doctor's finder."""
    found = setup_report.importable
    monkeypatch.setattr(
        setup_report, "importable", lambda name: name not in modules and found(name)
    )


def test_missing_widget_packages(npz_path, monkeypatch) -> None:
    _hide(monkeypatch, "ipywidgets", "ipycanvas")
    report = dm.doctor(npz_path, probe=Probe())
    widgets, pad = report["Widgets"], report["Drawing pad"]
    assert widgets.status == pad.status == "problem" and not report.ok
    assert "ipywidgets is not installed" in widgets.found
    assert "ipycanvas is not installed" in pad.found and "notebook 05" in pad.found
    assert "make lab" in widgets.fix and "restart JupyterLab" in pad.fix
    assert [f.name for f in report.problems] == ["Widgets", "Drawing pad"]


def test_ipywidgets_without_its_jupyterlab_front_end(npz_path, monkeypatch) -> None:
    _hide(monkeypatch, "jupyterlab_widgets")
    finding = dm.doctor(npz_path, probe=Probe())["Widgets"]
    assert finding.status == "problem" and "jupyterlab_widgets" in finding.found


def test_lab_extensions_not_installed(npz_path, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(setup_widgets, "_labextension_dirs", lambda: [tmp_path / "labextensions"])
    report = dm.doctor(npz_path, probe=Probe())
    assert report["Widgets"].status == "problem"
    pad = report["Drawing pad"]
    assert pad.status == "problem" and "extension is not found" in pad.found
    assert "pip install --force-reinstall ipycanvas==" in pad.fix


def test_a_disabled_lab_extension(npz_path, tmp_path, monkeypatch) -> None:
    labconfig = tmp_path / "labconfig"
    labconfig.mkdir()
    (labconfig / "page_config.json").write_text('{"disabledExtensions": {"ipycanvas": true}}')
    monkeypatch.setattr(setup_widgets, "_labconfig_dirs", lambda: [labconfig])
    report = dm.doctor(npz_path, probe=Probe())
    assert report["Widgets"].status == "ok"
    assert report["Drawing pad"].status == "problem"
    assert "jupyter labextension enable ipycanvas" in report["Drawing pad"].fix


# --------------------------------------------------------------------------- TensorFlow


def test_tensorflow_that_does_not_import(npz_path, monkeypatch) -> None:
    def broken() -> tuple[str, str]:
        raise ImportError("libtensorflow_framework.so.2: cannot open shared object file")

    monkeypatch.setattr(dm, "_import_tensorflow", broken)
    monkeypatch.setattr(dm, "_intel_mac", lambda: False)
    report = dm.doctor(npz_path, probe=Probe())
    tf = report["TensorFlow"]
    assert tf.status == "problem" and not report.ok
    assert "does not import" in tf.found and "libtensorflow_framework" in tf.found
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


def test_command_line_exit_status_and_output(npz_path, tmp_path) -> None:
    result = _run("-m", "mnist_course", "doctor", "--data", str(npz_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mnist-course setup check" in result.stdout
    assert "All 7 checks passed" in result.stdout

    missing = tmp_path / "missing.npz"
    result = _run("-m", "mnist_course", "doctor", "--data", str(missing))
    assert result.returncode == 1, result.stdout + result.stderr
    words = " ".join(result.stdout.split())  # the report wraps long lines
    assert f"PROBLEM MNIST data the path you gave: {missing}, which does not exist" in words


DOCTOR_ALONE = """
import sys
import mnist_course as mc
assert callable(mc.doctor) and mc.doctor is mc.doctor  # the function, every time
report = mc.doctor(sys.argv[2], probe=lambda url, timeout: "offline")
print(report)
heavy = sorted(m for m in ("ipywidgets", "ipycanvas", "mnist_course.plots") if m in sys.modules)
print("HEAVY", heavy)
"""


def test_the_check_imports_no_widget_or_plotting_library(npz_path) -> None:
    # (matplotlib itself is imported by Keras when it is installed, so it is not checked)
    result = _run("-c", DOCTOR_ALONE, str(ROOT), str(npz_path))
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout
    assert "All 7 checks passed" in result.stdout


# --------------------------------------------------------------------------- shown paths


def test_shown_paths_name_no_folder_of_this_machine(tmp_path, monkeypatch) -> None:
    from mnist_course import _files

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


def test_the_report_shows_the_course_environment_and_data_beside_the_course(
    npz_path, tmp_path, monkeypatch
) -> None:
    from mnist_course import _files

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
