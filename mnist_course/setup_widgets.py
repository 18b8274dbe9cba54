"""The setup check's look at the notebook widgets: ipywidgets and ipycanvas, and their
JupyterLab extensions (found on disk: nothing here imports a widget package)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import setup_report as installed
from .setup_report import OK, PROBLEM, WARNING, Finding

__all__ = ["check_widgets"]


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


def check_widgets() -> list[Finding]:
    install = "run `make lab` (or `pip install -r requirements.txt`), then restart JupyterLab"
    lab = installed.installed_version("jupyterlab") if installed.importable("jupyterlab") else None
    other_lab = (
        ""
        if lab
        else " (JupyterLab is not installed here: if you run it from another "
        "environment, install the widget packages there too)"
    )
    findings = []

    ipywidgets = (
        installed.installed_version("ipywidgets") if installed.importable("ipywidgets") else None
    )
    front = (
        installed.installed_version("jupyterlab_widgets")
        if installed.importable("jupyterlab_widgets")
        else None
    )
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

    canvas = installed.installed_version("ipycanvas") if installed.importable("ipycanvas") else None
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
                f"{installed.pins().get('ipycanvas', canvas)}`, then restart JupyterLab",
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
        # the extension's folder is this machine's: the doctor's report is shared and committed
        where = f", JupyterLab extension {extension.name} installed" if extension else other_lab
        findings.append(
            Finding("Drawing pad", OK if lab else WARNING, f"ipycanvas {canvas}{where}")
        )
    return findings
