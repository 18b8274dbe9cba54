"""docs/teaching.md, the teachers' guide, stays true to the notebooks and the checkers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import mnist_course as mc
from mnist_course import exercises

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "teaching.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def exercise_titles(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return re.findall(r"^#{2,3} (Exercise \d+\.\d+: .+)$", text, re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_is_in_the_guide_under_its_own_title(path: Path) -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    assert f"]({'../notebooks/' + path.name})" in guide, "the guide links every notebook"
    for title in exercise_titles(path):
        heading = re.escape(f"**{title.rstrip('?')}") + r"[.?]?\*\*"
        assert re.search(heading, guide), f"{path.name}: {title}"


def test_the_guide_names_only_exercises_that_exist() -> None:
    titles = {t.rstrip("?") for path in NOTEBOOKS for t in exercise_titles(path)}
    named = re.findall(r"\*\*(Exercise \d+\.\d+: [^*]+?)[.?]?\*\*", GUIDE.read_text())
    assert named and set(named) <= titles, set(named) - titles


def test_every_checker_the_guide_names_exists() -> None:
    named = set(re.findall(r"\b(check_\w+)", GUIDE.read_text(encoding="utf-8")))
    assert len(named) >= 10
    found = {
        name for name in named for where in (exercises, mc) if callable(getattr(where, name, None))
    }
    missing = named - found
    assert not missing


def test_the_guide_links_lead_somewhere() -> None:
    links = re.findall(r"\]\(([^)#\s]+)", GUIDE.read_text(encoding="utf-8"))
    assert links
    broken = [link for link in links if "://" not in link and not (GUIDE.parent / link).exists()]
    assert not broken
