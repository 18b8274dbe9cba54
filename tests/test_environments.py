"""The pip pins, the lock, the conda file and Binder's configuration must agree.

conda is not available where the tests run, so environment.yml is parsed, not solved. The
tests marked ``slow`` at the end ask PyPI (through uv, metadata only, no wheels downloaded)
whether the pins resolve for every supported Python and platform; CI has PyPI, so there a
missing uv fails instead of skipping.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"
BINDER = ROOT / "binder"
# The supported Pythons, and the platforms the pins must have wheels for. Intel macOS is
# left out on purpose: TensorFlow has no wheels there (README: use Binder).
SUPPORTED_PYTHONS = ["3.11", "3.12", "3.13"]
PLATFORMS = {
    "linux-x86_64": "x86_64-manylinux_2_28",
    "macos-arm64": "aarch64-apple-darwin",
    "windows-x86_64": "x86_64-pc-windows-msvc",
}
# What binder/requirements.txt may hold that the lock does not (binder/requirements.in says why).
BINDER_ONLY = {"tensorflow-cpu", "notebook"}


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


def dev_pins() -> dict[str, str]:
    return pins((ROOT / "requirements-dev.txt").read_text().splitlines())


def lock_entries(text: str) -> list[Requirement]:
    """The requirement lines of a uv-compiled file (its comments and annotations dropped)."""
    found = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            found.append(Requirement(line))
    return found


def lock_pins_for(environment: dict[str, str], text: str | None = None) -> dict[str, str]:
    """name -> version that the lock installs on the given platform and Python."""
    found: dict[str, str] = {}
    for requirement in lock_entries(LOCK.read_text() if text is None else text):
        if requirement.marker is None or requirement.marker.evaluate(environment):
            (spec,) = requirement.specifier
            assert requirement.name not in found, f"{requirement.name} pinned twice here"
            found[requirement.name] = spec.version
    return found


def linux_environment(python: str) -> dict[str, str]:
    environment = dict(default_environment())
    environment.update(
        python_version=python,
        python_full_version=f"{python}.0",
        sys_platform="linux",
        platform_system="Linux",
        platform_machine="x86_64",
        os_name="posix",
        implementation_name="cpython",
        platform_python_implementation="CPython",
    )
    return environment


def requires_python() -> SpecifierSet:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return SpecifierSet(pyproject["project"]["requires-python"])


def binder_python() -> str:
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    return runtime.removeprefix("python-")


def in_range(spec: SpecifierSet) -> list[str]:
    return [f"3.{minor}" for minor in range(8, 20) if spec.contains(f"3.{minor}.0")]


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


def test_pyproject_runtime_and_extras_are_the_requirements() -> None:
    """The package needs only what its code imports; notebook and test tools are extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = pins(project["dependencies"])
    extras = {name: pins(deps) for name, deps in project["optional-dependencies"].items()}
    assert set(runtime) == {"tensorflow", "keras", "numpy", "matplotlib", "pillow"}
    assert {"jupyterlab", "ipywidgets", "ipycanvas", "ipykernel"} == set(extras["lab"])
    assert {"pytest", "nbval"} == set(extras["test"])
    everything = {**runtime, **extras["lab"], **extras["test"]}
    assert everything == requirements_pins()
    tensorflow = next(d for d in project["dependencies"] if d.startswith("tensorflow"))
    assert "platform_machine == 'arm64'" in tensorflow  # no wheels on Intel Macs


def test_the_package_imports_nothing_outside_its_dependencies() -> None:
    """Each third-party import of the package is a runtime dependency, or one of [lab]'s
    imported where it is used (in a function, or in the interactive and setup parts, which
    load on first use), so a script that trains needs no JupyterLab."""
    allowed = {"tensorflow", "keras", "numpy", "matplotlib", "PIL", "mnist_course"}
    lab = {"ipywidgets", "ipycanvas", "IPython", "traitlets", "jupyterlab", "ipykernel"}
    lab |= {"jupyter_core", "jupyterlab_server", "jupyter_server"}
    for path in (ROOT / "mnist_course").rglob("*.py"):
        tree = ast.parse(path.read_text())
        in_functions = {
            id(node)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(function)
        }
        where = path.relative_to(ROOT / "mnist_course").parts[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in allowed:
                    continue
                assert top in lab, f"{path.name} imports {top}, not a dependency of the package"
                assert id(node) in in_functions or where in ("interactive", "setup"), (
                    f"{path.name} imports {top} ([lab]) at its top: import it where it is used"
                )


def test_dev_requirements_are_pinned_and_include_the_course() -> None:
    lines = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert "-r requirements.txt" in lines
    assert "uv" in pins(lines)  # compiles the lock and runs the resolve tests


def test_installed_versions_match_the_pins() -> None:
    from importlib.metadata import PackageNotFoundError, version

    for name, pinned in requirements_pins().items():
        try:
            assert version(name) == pinned, f"{name}: installed {version(name)}, pinned {pinned}"
        except PackageNotFoundError:
            pytest.fail(f"{name} is pinned but not installed")


def test_installed_versions_match_the_lock() -> None:
    """make installs with -c requirements-lock.txt: every locked package, transitive too."""
    from importlib.metadata import PackageNotFoundError, version

    wrong = {}
    for name, pinned in lock_pins_for(default_environment()).items():
        try:
            if version(name) != pinned:
                wrong[name] = f"installed {version(name)}, locked {pinned}"
        except PackageNotFoundError:
            wrong[name] = f"locked {pinned}, not installed"
    assert not wrong, f"this environment is not the lock's (make reinstalls it): {wrong}"


def test_the_lock_pins_everything_exactly_and_agrees_with_the_top_level_pins() -> None:
    entries = lock_entries(LOCK.read_text())
    for requirement in entries:
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{requirement} is not pinned exactly"
        assert not requirement.url and not requirement.extras, requirement
    locked: dict[str, set[str]] = {}
    for requirement in entries:
        locked.setdefault(requirement.name, set()).add(next(iter(requirement.specifier)).version)
    for name, pinned in {**requirements_pins(), **dev_pins()}.items():
        assert locked.get(name) == {pinned}, f"{name}: pinned {pinned}, locked {locked.get(name)}"
    # transitive packages are there too, not just the top level
    for name in ("protobuf", "h5py", "grpcio", "jupyter-server", "tornado", "setuptools"):
        assert name in locked, f"{name} is not in the lock"
    header = LOCK.read_text().splitlines()[:2]
    assert header[0].startswith("# This file was autogenerated by uv"), header


def test_supported_pythons_agree() -> None:
    """pyproject, Makefile, environment.yml, Binder and the import error name the same range."""
    assert in_range(requires_python()) == SUPPORTED_PYTHONS
    makefile = (ROOT / "Makefile").read_text()
    (make_pythons,) = re.findall(r"^PYTHONS := (.*)$", makefile, re.M)
    assert sorted(make_pythons.split()) == SUPPORTED_PYTHONS
    assert make_pythons.split() == sorted(make_pythons.split(), reverse=True)  # newest first
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    (conda_python,) = [
        d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")
    ]
    assert in_range(SpecifierSet(conda_python.removeprefix("python"))) == SUPPORTED_PYTHONS
    assert binder_python() in SUPPORTED_PYTHONS
    backend = ast.parse((ROOT / "mnist_course" / "backend.py").read_text())
    (value,) = [
        node.value
        for node in backend.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "SUPPORTED_PYTHONS"
    ]
    assert ["{}.{}".format(*v) for v in ast.literal_eval(value)] == SUPPORTED_PYTHONS


def test_conda_environment_matches_pip_pins() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda_python = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert conda_python == ["python>=3.11,<3.14"]  # the range; test_supported_pythons_agree
    (pip_section,) = [d["pip"] for d in deps if isinstance(d, dict)]
    assert "-e ." in pip_section
    # conda writes these lines to a requirements file beside environment.yml and runs pip on
    # it, so the lock constrains the conda environment as it does make's
    assert "-c requirements-lock.txt" in pip_section
    conda_pins = pins(pip_section)
    # the platform marker on tensorflow is pip's; conda pins the same versions
    assert conda_pins == requirements_pins()


def test_binder_uses_the_lock_with_tensorflow_cpu_and_a_matching_notebook() -> None:
    python = binder_python()
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    # repo2docker installs binder/requirements.txt before copying the repository, in a layer
    # it can cache across commits, only if the file refers to no other file (-r, -c, -e)
    code = [line.split("#", 1)[0].strip() for line in lines]
    assert not [line for line in code if line.startswith("-")], "binder/requirements.txt: -r/-c/-e"
    binder = pins(lines)
    assert "tensorflow" not in binder  # the full build is ~545 MB; Binder has no GPU
    assert binder["tensorflow-cpu"] == requirements_pins()["tensorflow"]
    # the base image ships a notebook; ours must accept our JupyterLab (the resolve test
    # below checks the whole file with pip's rules)
    assert "notebook" in binder
    locked = lock_pins_for(linux_environment(python))
    extra = set(binder) - set(locked)
    assert extra == BINDER_ONLY, f"binder/requirements.txt has packages the lock lacks: {extra}"
    differ = {n: (v, locked[n]) for n, v in binder.items() if n in locked and locked[n] != v}
    assert not differ, f"binder pins (first) differ from the lock's: {differ}"
    course = {n: v for n, v in requirements_pins().items() if n != "tensorflow"}
    assert course.items() <= binder.items()
    # what it is compiled from, and how (the same command as in README)
    inputs = (BINDER / "requirements.in").read_text().splitlines()
    assert "-r ../requirements.txt" in inputs
    assert pins(inputs) == {name: binder[name] for name in BINDER_ONLY}
    command = compile_command(BINDER / "requirements.txt")
    assert ["--python-version", python] == command[command.index("--python-version") :][:2]
    assert "--no-emit-package" in command and "tensorflow" in command
    assert not (BINDER / "environment.yml").exists()  # it would switch Binder to conda
    post_build = (BINDER / "postBuild").read_text()
    assert "pip install" in post_build and "-e ." in post_build


def compile_command(path: Path) -> list[str]:
    """The uv command recorded in a compiled file's header (and given in README)."""
    header = path.read_text().splitlines()[1]
    assert header.startswith("#    uv pip compile "), header
    return shlex.split(header.removeprefix("#    "))


def test_the_maintainers_guide_gives_the_commands_that_compile_the_lock_and_binder() -> None:
    readme = (ROOT / "docs" / "maintainers.md").read_text()
    for path in (LOCK, BINDER / "requirements.txt"):
        command = shlex.join(compile_command(path))
        assert command in readme, command


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
    assert f"Building conda environment for python={binder_python()}" in log
    # Python build pack: pip installs binder/requirements.txt and runs postBuild
    install = 'pip install --no-cache-dir -r "binder/requirements.txt"'
    assert install in log
    assert "./binder/postBuild" in log
    assert "environment.yml" not in log
    # ...and installs it before it copies the whole repository: that layer (TensorFlow)
    # stays cached until binder/requirements.txt itself changes
    copy_repo = re.search(r"^COPY .*\bsrc/ \$\{REPO_DIR\}/$", log, re.M)
    assert copy_repo, log[-3000:]
    assert log.index(install) < copy_repo.start(), "requirements installed after the repo copy"


# --- resolving the pins against PyPI (metadata only) -------------------------------------


def uv_or_skip() -> str:
    """The pinned uv of this environment; in CI (CI=true) its absence is a failure."""
    beside = Path(sys.executable).parent / ("uv.exe" if os.name == "nt" else "uv")
    exe = str(beside) if beside.exists() else shutil.which("uv")
    if exe is None:
        message = "uv is not installed (it is pinned in requirements-dev.txt)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return exe


def uv_compile(*args: str | Path, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [uv_or_skip(), "pip", "compile", "--quiet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )
    assert result.returncode == 0, f"uv pip compile {' '.join(map(str, args))}:\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("python", SUPPORTED_PYTHONS)
def test_the_pins_resolve_with_wheels(python: str, platform: str) -> None:
    """Every pin, and the lock, has a wheel for this Python and platform (nothing built)."""
    out = uv_compile(
        "requirements-dev.txt",
        "-c",
        "requirements-lock.txt",
        "--python-version",
        python,
        "--python-platform",
        PLATFORMS[platform],
        "--no-build",
        "--no-header",
        "--no-annotate",
    )
    resolved = {r.name: next(iter(r.specifier)).version for r in lock_entries(out)}
    locked = {(r.name, next(iter(r.specifier)).version) for r in lock_entries(LOCK.read_text())}
    assert set(resolved.items()) <= locked, "resolved outside the lock: " + str(
        set(resolved.items()) - locked
    )
    # Intel macOS is the only platform without TensorFlow
    assert resolved.get("tensorflow") == requirements_pins()["tensorflow"]


@pytest.mark.slow
@pytest.mark.parametrize("path", ["requirements-lock.txt", "binder/requirements.txt"])
def test_compiling_again_gives_the_same_file(path: str, tmp_path: Path) -> None:
    """The committed file is what its header's command gives now: nothing edited by hand,
    nothing missing or extra after a pin changed. uv keeps the existing pins as preferences,
    so new releases upstream do not make this fail."""
    command = compile_command(ROOT / path)
    out = tmp_path / Path(path).name
    out.write_text((ROOT / path).read_text())
    args = command[3:]
    args[args.index("-o") + 1] = str(out)
    uv_compile(*args)
    assert lock_entries(out.read_text()) == lock_entries((ROOT / path).read_text())


@pytest.mark.slow
def test_binder_pins_fit_the_base_image(tmp_path: Path) -> None:
    """pip on Binder installs our pins over repo2docker's base environment: its Jupyter
    extensions must accept them, or pip warns of conflicts (as the old notebook did)."""
    spec = importlib.util.find_spec("repo2docker")  # not imported: only its data files
    assert spec is not None and spec.origin, "jupyter-repo2docker is not installed"
    conda = Path(spec.origin).parent / "buildpacks" / "conda"
    frozen = (conda / f"environment.py-{binder_python()}-linux-64.lock").read_text()
    # conda package name -> the pip distribution it is
    extensions = {
        "jupyterhub-base": "jupyterhub",
        "jupyter-resource-usage": "jupyter-resource-usage",
        "jupyter-offlinenotebook": "jupyter-offlinenotebook",
    }
    wanted = []
    for conda_name, pip_name in extensions.items():
        (version,) = re.findall(rf"/{conda_name}-([0-9][^-]*)-[^/]*\.conda", frozen)
        wanted.append(f"{pip_name}=={version}")
    inputs = tmp_path / "base.in"
    inputs.write_text("\n".join([*wanted, f"-r {BINDER / 'requirements.txt'}", ""]))
    out = uv_compile(
        inputs,
        "-c",
        BINDER / "requirements.txt",
        "--python-version",
        binder_python(),
        "--python-platform",
        PLATFORMS["linux-x86_64"],
        "--no-header",
        "--no-annotate",
    )
    resolved = {r.name: next(iter(r.specifier)).version for r in lock_entries(out)}
    binder = pins((BINDER / "requirements.txt").read_text().splitlines())
    assert binder.items() <= resolved.items()
