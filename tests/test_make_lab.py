"""`make lab` and the first install: what they run, say, and which JupyterLab settings they use.

`make lab` runs here against a stub ``jupyter`` that records its command line and
environment, in a stand-in virtual environment whose install stamp is already there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "notebooks/01_dataset.ipynb"
OVERRIDES = ROOT / "jupyter-config" / "labconfig" / "default_setting_overrides.json"
NOTIFICATION = "@jupyterlab/apputils-extension:notification"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

STUB = """#!{python}
import json, os, sys
with open(os.environ["STUB_RECORD"], "w") as record:
    json.dump({{"argv": sys.argv[1:], "cwd": os.getcwd(),
               "JUPYTER_CONFIG_PATH": os.environ.get("JUPYTER_CONFIG_PATH"),
               "PATH": os.environ.get("PATH")}}, record)
"""


@pytest.fixture
def installed_venv(tmp_path: Path) -> Path:
    """A stand-in .venv: a stub jupyter, and the stamp of a finished install."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    jupyter = venv / "bin" / "jupyter"
    jupyter.write_text(STUB.format(python=sys.executable))
    jupyter.chmod(0o755)
    stamp = venv / ".installed"
    stamp.touch()
    later = time.time() + 60  # newer than the requirements, so make installs nothing
    os.utime(stamp, (later, later))
    return venv


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_lab(venv: Path, tmp_path: Path, **env: str) -> tuple[dict, str]:
    record = tmp_path / "jupyter.json"
    environ = {k: v for k, v in os.environ.items() if k != "JUPYTER_CONFIG_PATH"}
    result = make("lab", f"VENV={venv}", env={**environ, "STUB_RECORD": str(record), **env})
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(record.read_text()), result.stdout


def test_make_lab_opens_notebook_01_with_the_repository_as_root(installed_venv, tmp_path):
    call, output = run_lab(installed_venv, tmp_path)
    argv = call["argv"]
    assert argv[0] == "lab"
    roots = [a.split("=", 1)[1] for a in argv if a.startswith("--ServerApp.root_dir=")]
    assert len(roots) == 1 and Path(roots[0]).resolve() == ROOT
    files = [a for a in argv[1:] if not a.startswith("-")]
    assert files == [NOTEBOOK]
    # the file is opened relative to the working directory, and lies inside the root
    assert (Path(call["cwd"]) / files[0]).resolve() == ROOT / NOTEBOOK
    assert (ROOT / NOTEBOOK).is_file()
    # it says what it is doing, and installs nothing when the stamp is there
    assert "Starting JupyterLab on notebooks/01_dataset.ipynb" in output
    assert "Ctrl-C" in output
    assert "[1/3]" not in output and "pip install" not in output


def test_a_terminal_in_jupyterlab_finds_the_course_python_first(installed_venv, tmp_path):
    # notebook 06 gives commands such as `python -m mnist_course train cnn` for its terminal
    call, _ = run_lab(installed_venv, tmp_path)
    first, *rest = call["PATH"].split(os.pathsep)
    assert Path(first) == (installed_venv / "bin").resolve() and os.environ["PATH"] in call["PATH"]


def test_make_lab_uses_the_course_settings_without_the_news_pop_up(installed_venv, tmp_path):
    call, _ = run_lab(installed_venv, tmp_path)
    config_dirs = call["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert Path(config_dirs[0]).resolve() == ROOT / "jupyter-config"
    overrides = json.loads((Path(config_dirs[0]) / "labconfig" / OVERRIDES.name).read_text())
    assert overrides[NOTIFICATION]["fetchNews"] == "false"
    assert overrides[NOTIFICATION]["checkForUpdates"] is False


def test_make_lab_keeps_a_learners_own_config_path(installed_venv, tmp_path):
    mine = str(tmp_path / "my-jupyter-config")
    call, _ = run_lab(installed_venv, tmp_path, JUPYTER_CONFIG_PATH=mine)
    first, *rest = call["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert Path(first).resolve() == ROOT / "jupyter-config" and rest == [mine]


def test_the_overrides_match_the_installed_jupyterlab_schema():
    jupyterlab = pytest.importorskip("jupyterlab")
    package, plugin = NOTIFICATION.split(":")
    schema_file = Path(jupyterlab.__file__).parent / "schemas" / package / f"{plugin}.json"
    properties = json.loads(schema_file.read_text())["properties"]
    overrides = json.loads(OVERRIDES.read_text())
    assert set(overrides) == {NOTIFICATION}
    for key, value in overrides[NOTIFICATION].items():
        spec = properties[key]
        if "oneOf" in spec:
            assert value in [choice["const"] for choice in spec["oneOf"]], key
        else:
            assert isinstance(value, {"boolean": bool, "string": str}[spec["type"]]), key


def test_jupyterlab_reads_the_overrides_from_the_config_path(tmp_path, monkeypatch):
    """What the settings API serves as the default: jupyterlab_server's own loader."""
    settings_utils = pytest.importorskip("jupyterlab_server.settings_utils")
    empty = tmp_path / "app-settings"
    empty.mkdir()
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    before, _ = settings_utils._get_overrides(str(empty))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(ROOT / "jupyter-config"))
    after, error = settings_utils._get_overrides(str(empty))
    assert not error
    assert before.get(NOTIFICATION, {}).get("fetchNews") != "false"
    assert after[NOTIFICATION]["fetchNews"] == "false"


def test_binder_installs_the_same_settings(tmp_path):
    """Run binder/postBuild with a stub python whose sys.prefix is a temporary folder."""
    prefix, bin_dir = tmp_path / "prefix", tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "python"
    stub.write_text(f'#!/bin/sh\ncase "$*" in *sys.prefix*) echo "{prefix}";; esac\n')
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "binder/postBuild"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    installed = prefix / "etc" / "jupyter" / "labconfig" / OVERRIDES.name
    assert installed.read_bytes() == OVERRIDES.read_bytes()
    kernel = prefix / "etc" / "ipython" / "ipython_kernel_config.py"
    assert kernel.read_bytes() == (ROOT / "jupyter-config" / kernel.name).read_bytes()


def test_make_installs_the_kernel_settings(tmp_path):
    """The notebook kernel of make's environment keeps TensorFlow's C++ lines out of notebooks."""
    result = make("-n", "lab", f"VENV={tmp_path / 'new-venv'}")
    assert result.returncode == 0, result.stderr
    assert f"cp jupyter-config/ipython_kernel_config.py {tmp_path / 'new-venv'}/etc/ipython/" in (
        result.stdout
    )


def test_the_first_install_says_what_it_does_and_shows_pips_progress(tmp_path):
    result = make("-n", "lab", f"VENV={tmp_path / 'new-venv'}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def index(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line)

    assert index("First run") < index("[1/3]") < index("-m venv")
    assert index("-m venv") < index("[2/3]") < index("--upgrade pip")
    assert index("--upgrade pip") < index("[3/3]") < index("-r requirements-dev.txt")
    assert "GiB" in lines[index("[3/3]")] and "minutes" in result.stdout
    big_install = lines[index("-r requirements-dev.txt")]
    assert "--quiet" not in big_install and "--progress-bar on" in big_install
    assert index("touch") < index("Environment ready") < index("Starting JupyterLab")
    assert "mnist_course doctor" in lines[index("Environment ready")]


def test_make_test_says_what_it_is_about_to_do(installed_venv):
    result = make("-n", "test", f"VENV={installed_venv}")
    assert result.returncode == 0, result.stderr
    assert "seven notebooks" in result.stdout and "minutes" in result.stdout
    assert result.stdout.index("seven notebooks") < result.stdout.index("pytest --nbval")
