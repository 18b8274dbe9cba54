"""ipywidgets and ipycanvas, imported, and their JupyterLab extensions, looked for as
JupyterLab looks: the first ``NAME/package.json`` in the ``labextensions`` folders, sound
and naming its script, and not disabled in a ``page_config.json``."""

import json
import sys
from pathlib import Path

from ..files import shown_path
from ..language import tr
from . import report as installed
from .report import INSTALL, OK, PROBLEM, WARNING, Finding, first_line

MANAGER = "@jupyter-widgets/jupyterlab-manager"


def _labextension_dirs() -> list[Path]:
    from jupyter_core.paths import jupyter_path  # JupyterLab is installed: so is jupyter_core

    return [Path(p) for p in jupyter_path("labextensions")]


def _labconfig_dirs() -> list[Path]:
    try:
        from jupyter_core.paths import jupyter_config_path

        return [Path(p) / "labconfig" for p in jupyter_config_path()]
    except Exception:
        return [Path(sys.prefix) / "etc" / "jupyter" / "labconfig"]


def _labextension(name: str) -> str | None:
    """Why JupyterLab would not load the extension ``name`` (words after its name), or None."""
    # JupyterLab reads the first package.json in the folders' order, even a damaged one
    dirs = _labextension_dirs()
    package = next((p for d in dirs if (p := d / name / "package.json").exists()), None)
    if package is None:
        where = ", ".join(shown_path(d) for d in dirs)
        return tr("is in none of the folders JupyterLab reads ({where})", where=where)
    said = {"shown": shown_path(package), "name": name}
    try:
        meta = json.loads(package.read_text(encoding="utf-8"))
    except OSError as error:
        return tr("cannot be read: {shown} ({error})", error=first_line(error), **said)
    except ValueError as error:  # bad JSON, or bytes that are not UTF-8
        return tr(
            "is damaged: {shown} is not valid JSON ({error})", error=first_line(error), **said
        )
    if not isinstance(meta, dict) or meta.get("name") != name:
        return tr("is damaged: {shown} does not name {name}", **said)
    if not isinstance(meta.get("version"), str):
        return tr("is damaged: {shown} gives no version", **said)
    try:
        script = meta["jupyterlab"]["_build"]["load"]
    except (KeyError, TypeError):
        script = None
    if not isinstance(script, str):
        return tr("is damaged: {shown} names no script to load (jupyterlab._build.load)", **said)
    if not (package.parent / script).is_file():
        said["script"] = script
        return tr("is damaged: the script {script} that {shown} names is missing", **said)
    return None


def _disabled(name: str) -> bool:
    disabled = False
    for folder in reversed(_labconfig_dirs()):  # as JupyterLab merges: the preferred one wins
        paths = sorted((folder / "page_config.d").glob("*.json")) + [folder / "page_config.json"]
        for path in paths:
            try:
                config = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # JupyterLab skips an unreadable config too
            off = config.get("disabledExtensions") if isinstance(config, dict) else None
            if isinstance(off, list | dict) and name in off:
                disabled = isinstance(off, list) or bool(off[name])
    return disabled


def check_widgets() -> list[Finding]:
    """The "Widgets" (ipywidgets, its JupyterLab front end) and "Drawing pad" (ipycanvas, its
    lab extension) findings: warnings when JupyterLab, which must have them, is not here."""
    # JupyterLab runs in its own process, perhaps from another environment: what matters is
    # whether it is here (then its extensions must be too), not whether it imports here
    lab = installed.importable("jupyterlab") and bool(installed.installed_version("jupyterlab"))
    note = ""
    if not lab:
        note = tr(
            " (JupyterLab is not installed here: if you run it from another environment, "
            "install the widget packages there too)"
        )
    return [_check_ipywidgets(lab, note), _check_ipycanvas(lab, note)]


def _check_ipywidgets(lab: bool, note: str) -> Finding:
    name, loses = "Widgets", tr("no sliders or browsers in the notebooks")
    version = installed.import_check(
        name, "ipywidgets", "ipywidgets", loses=loses, install=tr(INSTALL), note=note
    )
    if isinstance(version, Finding):
        return version
    if not version.startswith("8."):
        found = tr("ipywidgets {version}: the course needs ipywidgets 8", version=version)
        return Finding(name, PROBLEM, found, tr(INSTALL))
    if (front := installed.installed_version("jupyterlab_widgets")) is None:
        found = tr(
            "ipywidgets {version} is installed but not its JupyterLab front end "
            "(jupyterlab_widgets): widgets would show as text such as "
            "'HBox(children=...)'",
            version=version,
        )
        return Finding(name, PROBLEM, found + note, tr(INSTALL))
    said = {"version": version, "front": front, "note": note, "manager": MANAGER}
    found = tr(
        "ipywidgets {version}, JupyterLab front end jupyterlab_widgets {front}{note}", **said
    )
    subject = tr(
        "ipywidgets {version} is installed but its JupyterLab front end, the "
        "extension {manager} of jupyterlab_widgets {front},",
        **said,
    )
    breaks = tr("widgets would show as text such as 'HBox(children=...)'")
    fix = installed.reinstall("jupyterlab_widgets", front)
    return _extension_finding(name, found, lab, MANAGER, subject, breaks, fix)


def _check_ipycanvas(lab: bool, note: str) -> Finding:
    name, loses = "Drawing pad", tr("notebook 05's drawing pad will not work")
    version = installed.import_check(
        name, "ipycanvas", "ipycanvas", loses=loses, install=tr(INSTALL), note=note
    )
    if isinstance(version, Finding):
        return version
    # the extension's folder is this machine's: the doctor's report is shared and committed
    where = tr(", JupyterLab extension ipycanvas installed") if lab else note
    subject = tr(
        "ipycanvas {version} is installed but its JupyterLab extension ipycanvas", version=version
    )
    fix = installed.reinstall("ipycanvas", version)
    found = f"ipycanvas {version}{where}"
    return _extension_finding(name, found, lab, "ipycanvas", subject, loses, fix)


def _extension_finding(
    name: str, found: str, lab: bool, extension: str, subject: str, breaks: str, fix: str
) -> Finding:
    """``found`` when JupyterLab will load ``extension`` (named ``subject``), else the problem."""
    # without JupyterLab here, the extension is where that JupyterLab is: not to be judged
    if lab and (missing := _labextension(extension)):
        found = tr("{subject} {missing}: {breaks}", subject=subject, missing=missing, breaks=breaks)
        return Finding(name, PROBLEM, found, fix)
    if _disabled(extension):
        found = tr("{subject} is disabled: {breaks}", subject=subject, breaks=breaks)
        fix = tr(
            "`jupyter labextension enable {extension}`, then restart JupyterLab",
            extension=extension,
        )
        return Finding(name, PROBLEM, found, fix)
    return Finding(name, OK if lab else WARNING, found)
