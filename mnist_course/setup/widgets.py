"""The setup check's look at the notebook widgets: ipywidgets and ipycanvas, and their
JupyterLab extensions.

Each package is imported (a broken install fails here, not in notebook 05), and each lab
extension is looked for as JupyterLab looks for it: the first ``NAME/package.json`` in the
``labextensions`` folders of ``jupyter_core.paths.jupyter_path``, which must be readable JSON
naming the extension, its version and the script it loads; and not disabled in a
``page_config.json``. Nothing here runs at ``import mnist_course``: the setup check is
imported when it is called.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..files import shown_path
from ..language import tr
from . import report as installed
from .report import INSTALL, OK, PROBLEM, WARNING, Finding, first_line

__all__ = ["check_widgets"]

MANAGER = "@jupyter-widgets/jupyterlab-manager"


def _labextension_dirs() -> list[Path]:
    """The folders JupyterLab loads prebuilt extensions from, the one it prefers first."""
    try:
        from jupyter_core.paths import jupyter_path

        return [Path(p) for p in jupyter_path("labextensions")]
    except Exception:
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]


def _labconfig_dirs() -> list[Path]:
    """The folders JupyterLab reads ``page_config.json`` from, the one that wins first."""
    try:
        from jupyter_core.paths import jupyter_config_path

        return [Path(p) / "labconfig" for p in jupyter_config_path()]
    except Exception:
        return [Path(sys.prefix) / "etc" / "jupyter" / "labconfig"]


def _labextension(name: str) -> str | None:
    """Why JupyterLab would not load the extension ``name``, in words that follow its name;
    None if it would load it."""
    # JupyterLab reads the first package.json it meets, in the folders' order: the first
    # copy wins even when it is damaged and a later one is sound
    dirs = _labextension_dirs()
    package = next(
        (d / name / "package.json" for d in dirs if (d / name / "package.json").exists()), None
    )
    if package is None:
        where = ", ".join(shown_path(d) for d in dirs)
        return tr("is in none of the folders JupyterLab reads ({where})", where=where)
    shown = shown_path(package)
    try:
        meta = json.loads(package.read_text(encoding="utf-8"))
    except OSError as error:
        return tr("cannot be read: {shown} ({error})", shown=shown, error=first_line(error))
    except ValueError as error:  # bad JSON, or bytes that are not UTF-8
        return tr(
            "is damaged: {shown} is not valid JSON ({error})", shown=shown, error=first_line(error)
        )
    if not isinstance(meta, dict) or meta.get("name") != name:
        return tr("is damaged: {shown} does not name {name}", shown=shown, name=name)
    if not isinstance(meta.get("version"), str):
        return tr("is damaged: {shown} gives no version", shown=shown)
    build = meta.get("jupyterlab")
    build = build.get("_build") if isinstance(build, dict) else None
    script = build.get("load") if isinstance(build, dict) else None
    if not isinstance(script, str):
        return tr(
            "is damaged: {shown} names no script to load (jupyterlab._build.load)", shown=shown
        )
    if not (package.parent / script).is_file():
        return tr(
            "is damaged: the script {script} that {shown} names is missing",
            script=script,
            shown=shown,
        )
    return None


def _disabled(name: str) -> bool:
    """Whether a ``page_config.json`` turns the extension ``name`` off."""
    merged: dict[str, object] = {}
    # as JupyterLab merges them: the least preferred first, so that the preferred one wins
    for folder in reversed(_labconfig_dirs()):
        files = [*sorted((folder / "page_config.d").glob("*.json")), folder / "page_config.json"]
        for path in files:
            try:
                config = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # JupyterLab skips an unreadable config too
            off = config.get("disabledExtensions") if isinstance(config, dict) else None
            if isinstance(off, list):
                off = dict.fromkeys(off, True)
            if isinstance(off, dict):
                merged.update(off)
    return bool(merged.get(name))


def _extension_problem(
    name: str, subject: str, extension: str, lab: str | None, breaks: str, fix: str
) -> Finding | None:
    """The problem with ``subject``, a lab extension, or None when JupyterLab will load it."""
    # without JupyterLab here, the extension is where that JupyterLab is: not to be judged
    missing = _labextension(extension) if lab else None
    if missing:
        return Finding(
            name,
            PROBLEM,
            tr("{subject} {missing}: {breaks}", subject=subject, missing=missing, breaks=breaks),
            fix,
        )
    if _disabled(extension):
        return Finding(
            name,
            PROBLEM,
            tr("{subject} is disabled: {breaks}", subject=subject, breaks=breaks),
            tr(
                "`jupyter labextension enable {extension}`, then restart JupyterLab",
                extension=extension,
            ),
        )
    return None


def check_widgets() -> list[Finding]:
    """ipywidgets with its JupyterLab front end, and ipycanvas with its lab extension.

    Returns
    -------
    list of Finding
        "Widgets", then "Drawing pad": ok when the package imports and (when JupyterLab is
        installed here) JupyterLab would load its extension; a warning when JupyterLab is not
        installed here, since the extensions must then be where JupyterLab runs.
    """
    # JupyterLab runs in its own process, perhaps from another environment: what matters is
    # whether it is here (then its extensions must be too), not whether it imports here
    lab = installed.installed_version("jupyterlab") if installed.importable("jupyterlab") else None
    note = (
        ""
        if lab
        else tr(
            " (JupyterLab is not installed here: if you run it from another environment, "
            "install the widget packages there too)"
        )
    )
    status = OK if lab else WARNING
    return [_check_ipywidgets(lab, note, status), _check_ipycanvas(lab, note, status)]


def _check_ipywidgets(lab: str | None, note: str, status: str) -> Finding:
    """ipywidgets 8, imported, and its front end, jupyterlab_widgets's lab extension."""
    name = "Widgets"
    version = installed.import_check(
        name,
        "ipywidgets",
        "ipywidgets",
        loses=tr("no sliders or browsers in the notebooks"),
        install=tr(INSTALL),
        note=note,
    )
    if isinstance(version, Finding):
        return version
    if not version.startswith("8."):
        return Finding(
            name,
            PROBLEM,
            tr("ipywidgets {version}: the course needs ipywidgets 8", version=version),
            tr(INSTALL),
        )
    front = installed.installed_version("jupyterlab_widgets")
    if front is None:
        return Finding(
            name,
            PROBLEM,
            tr(
                "ipywidgets {version} is installed but not its JupyterLab front end "
                "(jupyterlab_widgets): widgets would show as text such as "
                "'HBox(children=...)'",
                version=version,
            )
            + note,
            tr(INSTALL),
        )
    problem = _extension_problem(
        name,
        tr(
            "ipywidgets {version} is installed but its JupyterLab front end, the "
            "extension {manager} of jupyterlab_widgets {front},",
            version=version,
            manager=MANAGER,
            front=front,
        ),
        MANAGER,
        lab,
        breaks=tr("widgets would show as text such as 'HBox(children=...)'"),
        fix=installed.reinstall("jupyterlab_widgets", front),
    )
    return problem or Finding(
        name,
        status,
        tr(
            "ipywidgets {version}, JupyterLab front end jupyterlab_widgets {front}{note}",
            version=version,
            front=front,
            note=note,
        ),
    )


def _check_ipycanvas(lab: str | None, note: str, status: str) -> Finding:
    """ipycanvas, imported, and its lab extension."""
    name = "Drawing pad"
    loses = tr("notebook 05's drawing pad will not work")
    version = installed.import_check(
        name, "ipycanvas", "ipycanvas", loses=loses, install=tr(INSTALL), note=note
    )
    if isinstance(version, Finding):
        return version
    problem = _extension_problem(
        name,
        tr(
            "ipycanvas {version} is installed but its JupyterLab extension ipycanvas",
            version=version,
        ),
        "ipycanvas",
        lab,
        breaks=loses,
        fix=installed.reinstall("ipycanvas", version),
    )
    # the extension's folder is this machine's: the doctor's report is shared and committed
    where = tr(", JupyterLab extension ipycanvas installed") if lab else note
    return problem or Finding(name, status, f"ipycanvas {version}{where}")
