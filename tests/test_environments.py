"""The pip pins, the conda file and Binder's configuration must agree.

conda is not available where the tests run, so environment.yml is parsed, not solved.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
CI_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def pins(lines: list[str]) -> dict[str, str]:
    """name -> exact version, for each ``name==version`` requirement line."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        (spec,) = requirement.specifier  # every learner dependency is pinned exactly
        assert spec.operator == "==", f"{line!r} is not pinned with =="
        found[requirement.name.lower()] = spec.version
    return found


def requirements_pins() -> dict[str, str]:
    return pins((ROOT / "requirements.txt").read_text().splitlines())


def test_every_course_dependency_is_pinned() -> None:
    names = set(requirements_pins())
    needed = {
        "tensorflow",
        "keras",
        "numpy",
        "matplotlib",
        "jupyterlab",
        "ipywidgets",
        "pytest",
        "nbval",
    }
    assert needed <= names


def test_dev_requirements_are_pinned_and_include_the_course() -> None:
    lines = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert "-r requirements.txt" in lines
    pins(lines)


def test_installed_versions_match_the_pins() -> None:
    from importlib.metadata import PackageNotFoundError, version

    for name, pinned in requirements_pins().items():
        try:
            assert version(name) == pinned, f"{name}: installed {version(name)}, pinned {pinned}"
        except PackageNotFoundError:
            pytest.fail(f"{name} is pinned but not installed")


def test_conda_environment_matches_pip_pins() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda_python = [d for d in deps if isinstance(d, str) and d.startswith("python=")]
    assert conda_python == [f"python={CI_PYTHON}"]
    (pip_section,) = [d["pip"] for d in deps if isinstance(d, dict)]
    assert "-e ." in pip_section
    conda_pins = pins([p for p in pip_section if p != "-e ."])
    # the platform marker on tensorflow is pip's; conda pins the same versions
    assert conda_pins == requirements_pins()


def test_binder_uses_the_same_pins_and_python() -> None:
    binder = ROOT / "binder"
    assert (binder / "runtime.txt").read_text().strip() == f"python-{CI_PYTHON}"
    lines = [line.strip() for line in (binder / "requirements.txt").read_text().splitlines()]
    assert "-r ../requirements.txt" in lines
    assert not (binder / "environment.yml").exists()  # it would switch Binder to conda
    post_build = (binder / "postBuild").read_text()
    assert "pip install" in post_build and "-e ." in post_build


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\n\t.*pytest --nbval notebooks tests", makefile, re.M)


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("repo2docker") is None
    and not (Path(sys.executable).parent / "repo2docker").exists(),
    reason="jupyter-repo2docker not installed",
)
def test_repo2docker_picks_the_python_build_pack(tmp_path) -> None:
    exe = shutil.which("repo2docker") or str(Path(sys.executable).parent / "repo2docker")
    result = subprocess.run(
        [exe, "--no-build", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert f"Building conda environment for python={CI_PYTHON}" in log
    # Python build pack: pip installs binder/requirements.txt and runs postBuild
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in log
    assert "./binder/postBuild" in log
    assert "environment.yml" not in log
