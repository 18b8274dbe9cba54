"""The Makefile picks a supported Python and starts JupyterLab as root when it must.

Stub interpreters on a PATH that holds nothing else stand in for real ones: each prints
the version the Makefile's probe asks for. Nothing is installed: either `make -n` prints
the commands it would run, or make stops at the Python check, before creating anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(
    MAKE is None and not os.environ.get("CI"), reason="make is not installed"
)


def stub(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def python_stubs(folder: Path, versions: dict[str, str | None]) -> Path:
    """name -> the version it reports, or None for a broken shim (as pyenv's are)."""
    folder.mkdir()
    for name, version in versions.items():
        if version is None:
            stub(folder, name, f'echo "pyenv: {name}: command not found" >&2; exit 127')
        else:
            stub(folder, name, f"echo {version}")
    return folder


def make(tmp_path: Path, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None, "make is not installed"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "MAKEFLAGS", "MAKELEVEL")}
    env["PATH"] = str(path)  # only the stubs: no real python, no id
    return subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def chosen_python(tmp_path: Path, versions: dict[str, str | None]) -> str:
    bin_dir = python_stubs(tmp_path / "bin", versions)
    result = make(tmp_path, bin_dir, "-n", "lab")
    assert result.returncode == 0, result.stderr
    (venv_line,) = [line for line in result.stdout.splitlines() if " -m venv " in line]
    return Path(venv_line.split(" -m venv ")[0]).name


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ({"python3.11": "3.11", "python3.12": "3.12", "python3.13": "3.13"}, "python3.13"),
        ({"python3.11": "3.11", "python3.12": "3.12", "python3": "3.10"}, "python3.12"),
        # a pyenv shim for a version that is not active fails: the next one is taken
        ({"python3.13": None, "python3.12": None, "python3.11": "3.11"}, "python3.11"),
        ({"python3": "3.13"}, "python3"),
        ({"python3.11": "3.11", "python3": "3.13"}, "python3.11"),  # versioned names first
    ],
)
def test_make_picks_the_newest_supported_python(
    tmp_path: Path, versions: dict[str, str | None], expected: str
) -> None:
    assert chosen_python(tmp_path, versions) == expected


@pytest.mark.parametrize(
    "versions",
    [{}, {"python3": "3.10"}, {"python3": "3.14", "python3.10": "3.10"}, {"python3.13": None}],
)
def test_without_a_supported_python_make_says_which_it_needs(
    tmp_path: Path, versions: dict[str, str | None]
) -> None:
    bin_dir = python_stubs(tmp_path / "bin", versions)
    result = make(tmp_path, bin_dir, "lab")
    assert result.returncode != 0
    assert "The course needs Python 3.11, 3.12 or 3.13" in result.stderr
    assert "none of python3.13 python3.12 python3.11 python3 on PATH" in result.stderr
    assert "make PYTHON=" in result.stderr and "Binder" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_an_unsupported_python_given_by_name_is_refused(tmp_path: Path) -> None:
    bin_dir = python_stubs(tmp_path / "bin", {"python3.10": "3.10"})
    result = make(tmp_path, bin_dir, "lab", f"PYTHON={bin_dir / 'python3.10'}")
    assert result.returncode != 0
    assert "needs Python 3.11, 3.12 or 3.13" in result.stderr
    assert "is Python 3.10." in result.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize(("uid", "flag"), [("0", True), ("1000", False)])
def test_lab_allows_root_only_as_root(tmp_path: Path, uid: str, flag: bool) -> None:
    bin_dir = python_stubs(tmp_path / "bin", {"python3.11": "3.11"})
    stub(bin_dir, "id", f"echo {uid}")
    result = make(tmp_path, bin_dir, "-n", "lab")
    assert result.returncode == 0, result.stderr
    (lab_line,) = [line for line in result.stdout.splitlines() if "jupyter lab" in line]
    assert lab_line.endswith(" --allow-root") is flag, lab_line


def test_make_installs_from_the_lock(tmp_path: Path) -> None:
    bin_dir = python_stubs(tmp_path / "bin", {"python3.11": "3.11"})
    result = make(tmp_path, bin_dir, "-n", "lab")
    command = "pip install --progress-bar on -r requirements-dev.txt -c requirements-lock.txt"
    assert f'{command} -e ".[lab,test]"' in result.stdout
