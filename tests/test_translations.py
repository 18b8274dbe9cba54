"""The Chinese notebooks: generated from the English ones, never drifting from them."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import sys
import tokenize
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "translate_notebooks", ROOT / "tools" / "translate_notebooks.py"
)
tool = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = tool  # dataclasses look their module up there
_spec.loader.exec_module(tool)

CATALOGUES = sorted((ROOT / "translations" / "zh").glob("*.yml"))
NAME = "06_going_further"


def code_without_comments(source: str) -> list[tuple[int, str]]:
    lines = source.split("\n")
    python = "\n".join("" if s.lstrip().startswith(("%", "!")) else s for s in lines)
    tokens = tokenize.generate_tokens(io.StringIO(python).readline)
    return [(t.type, t.string) for t in tokens if t.type != tokenize.COMMENT]


def test_the_chinese_notebooks_are_up_to_date(capsys) -> None:
    status = tool.main(["--check"])
    assert status == 0, capsys.readouterr().out


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: p.stem)
def test_chinese_code_is_the_english_code(catalogue) -> None:
    english = nbformat.read(ROOT / "notebooks" / f"{catalogue.stem}.ipynb", as_version=4)
    chinese = nbformat.read(ROOT / "notebooks" / "zh" / f"{catalogue.stem}.ipynb", as_version=4)
    first_code = next(c for c in chinese.cells if c.cell_type == "code")
    assert first_code.id == tool.LANGUAGE_CELL_ID and 'mc.set_language("zh")' in first_code.source
    # its one possible output, the missing-font warning, must not fail `make test`
    assert first_code.metadata["tags"] == ["nbval-ignore-output"]
    cells = [c for c in chinese.cells if c.id != tool.LANGUAGE_CELL_ID]
    assert [(c.id, c.cell_type) for c in cells] == [(c.id, c.cell_type) for c in english.cells]
    labels = tool.load_catalogue(catalogue)["labels"]
    for en, zh in zip(english.cells, cells, strict=True):
        if en.cell_type == "code":
            # the same code, but for its comments and the text its figures draw
            same = tool.translate_labels(en.source, labels)[0]
            assert code_without_comments(zh.source) == code_without_comments(same), en.id
            assert zh.metadata.get("tags") == en.metadata.get("tags")
        elif en.cell_type == "markdown":
            assert re.search(r"[\u4e00-\u9fff]", zh.source), f"cell {en.id} is not Chinese"


# --------------------------------------------------------------------------- a copy to break


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of what the tool reads and writes for notebook 06."""
    for part in (
        f"notebooks/{NAME}.ipynb",
        f"notebooks/zh/{NAME}.ipynb",
        f"translations/zh/{NAME}.yml",
        "docs/glossary.md",
    ):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, tmp_path / part)
    return tmp_path


def run(repo: Path, *args: str, capsys) -> tuple[int, str]:
    status = tool.main([*args, str(repo / "notebooks" / f"{NAME}.ipynb")], root=repo)
    return status, capsys.readouterr().out


def edit_cell(path: Path, cell_id: str, change) -> None:
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.id == cell_id)
    cell.source = change(cell.source)
    nbformat.write(notebook, path)


def test_the_copy_starts_up_to_date(repo, capsys) -> None:
    assert run(repo, "--check", capsys=capsys) == (0, "")


def test_a_changed_english_cell_is_caught_and_shown_until_translated(repo, capsys) -> None:
    english = repo / "notebooks" / f"{NAME}.ipynb"
    edit_cell(english, "bf92787c", lambda s: s.replace("first 30,000", "first 20,000"))
    status, out = run(repo, "--check", capsys=capsys)
    assert status == 1
    assert "markdown cell bf92787c: the English changed since translated" in out
    status, out = run(repo, "--todo", capsys=capsys)
    assert (
        "#   -The data: to keep every run short, we train on the first 30,000 training images and"
        in out
    )
    assert (
        "#   +The data: to keep every run short, we train on the first 20,000 training images and"
        in out
    )
    # the entry to paste: the new English, the old Chinese to correct
    entry = yaml.safe_load(
        "\n".join(line for line in out.splitlines() if not line.startswith(("#", "==>")))
    )
    assert "first 20,000" in entry["bf92787c"]["en"] and "前 30,000 张" in entry["bf92787c"]["zh"]
    # the translator pastes it, corrects the Chinese, and writes the notebook again
    catalogue_path = repo / "translations" / "zh" / f"{NAME}.yml"
    catalogue = yaml.safe_load(catalogue_path.read_text())
    catalogue["cells"]["bf92787c"] = {
        "en": entry["bf92787c"]["en"],
        "zh": entry["bf92787c"]["zh"].replace("前 30,000 张", "前 20,000 张"),
    }
    catalogue_path.write_text(tool.dump_yaml(catalogue))
    assert run(repo, "--check", capsys=capsys)[0] == 1  # the notebook is not written yet
    assert run(repo, capsys=capsys)[0] == 0  # no code changed: nothing to run
    assert run(repo, "--check", capsys=capsys) == (0, "")
    written = nbformat.read(repo / "notebooks" / "zh" / f"{NAME}.ipynb", as_version=4)
    assert "前 20,000 张" in next(c for c in written.cells if c.id == "bf92787c").source


def test_an_untranslated_cell_is_caught(repo, capsys) -> None:
    english = repo / "notebooks" / f"{NAME}.ipynb"
    notebook = nbformat.read(english, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("## A new section", id="new-cell"))
    nbformat.write(notebook, english)
    status, out = run(repo, "--check", capsys=capsys)
    assert status == 1 and "markdown cell new-cell: not translated" in out
    assert (
        "new-cell:\n  en: '## A new section'\n  zh: null" in run(repo, "--todo", capsys=capsys)[1]
    )


def test_a_hand_edited_or_missing_chinese_notebook_is_caught(repo, capsys) -> None:
    chinese = repo / "notebooks" / "zh" / f"{NAME}.ipynb"
    edit_cell(chinese, "8abbc594", lambda s: s + "\n\n（手工修改）")
    status, out = run(repo, "--check", capsys=capsys)
    assert status == 1
    assert f"notebooks/zh/{NAME}.ipynb is out of date (cells 8abbc594): run the tool" in out
    chinese.unlink()
    status, out = run(repo, "--check", capsys=capsys)
    assert status == 1 and "does not exist: run the tool" in out


def test_changed_code_is_caught_and_its_comments_too(repo, capsys) -> None:
    english = repo / "notebooks" / f"{NAME}.ipynb"
    edit_cell(english, "0ad2804c", lambda s: s + "\nprint(len(x_fit))  # how many")
    status, out = run(repo, "--check", capsys=capsys)
    assert status == 1
    assert "code cell 0ad2804c: comment not translated" in out
    assert f"notebooks/zh/{NAME}.ipynb is out of date (cells 0ad2804c)" in out
    assert "comments:\n  how many: null" in run(repo, "--todo", capsys=capsys)[1]
    # written without running it, the changed cell has no outputs: still not done
    assert run(repo, "--no-run", capsys=capsys)[0] == 0
    status, out = run(repo, "--check", capsys=capsys)
    assert status == 1 and "cells 0ad2804c were not run" in out


def test_a_catalogue_entry_for_a_cell_that_is_gone(repo, capsys) -> None:
    path = repo / "translations" / "zh" / f"{NAME}.yml"
    catalogue = yaml.safe_load(path.read_text())
    catalogue["cells"]["gone"] = {"en": "x", "zh": "某"}
    path.write_text(tool.dump_yaml(catalogue))
    status, out = run(repo, "--check", capsys=capsys)
    assert status == 1 and "catalogue entry gone: no such English cell; remove it" in out


# --------------------------------------------------------------------------- pieces


def test_comments_are_translated_and_nothing_else() -> None:
    source = "\n".join(
        [
            "%matplotlib inline",
            'x = "# not a comment"  # a comment',
            "# a line",
            "y = 1  # noqa: E501",
        ]
    )
    table = {"a comment": "注释", "a line": "整行注释", "noqa: E501": "不该翻译"}
    translated, missing = tool.translate_code(source, table)
    assert translated.split("\n") == [
        "%matplotlib inline",
        'x = "# not a comment"  # 注释',
        "# 整行注释",
        "y = 1  # noqa: E501",
    ]
    assert missing == []
    assert tool.translate_code("z = 2  # new", table) == ("z = 2  # new", ["new"])


def test_figure_text_is_translated_and_other_strings_are_not() -> None:
    source = "\n".join(
        [
            'ax.set_title("input")',
            'mc.plot_history(h, labels=["raw 0-255", "scaled"], title=f"{n} epochs")',
            'print("input")  # any literal with the text of a label is the label',
            'ax.set_xlabel("new axis")',
            'key = "other"',
        ]
    )
    table = {"input": "输入", "raw 0-255": "原始像素", "{n} epochs": "{n} 轮"}
    translated, missing = tool.translate_labels(source, table)
    assert translated.split("\n") == [
        'ax.set_title("输入")',
        'mc.plot_history(h, labels=["原始像素", "scaled"], title=f"{n} 轮")',
        'print("输入")  # any literal with the text of a label is the label',
        'ax.set_xlabel("new axis")',
        'key = "other"',
    ]
    assert missing == ["new axis", "scaled"]


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: p.stem)
def test_chinese_figures_draw_no_english_text(catalogue) -> None:
    chinese = nbformat.read(ROOT / "notebooks" / "zh" / f"{catalogue.stem}.ipynb", as_version=4)
    english = [
        (cell.id, text)
        for cell in chinese.cells
        if cell.cell_type == "code"
        for text in tool.drawn_text(cell.source)
        if re.search("[A-Za-z]{3,}", re.sub(r"\{[^{}]*\}|mc\.\w+|LeNet|Keras|NumPy", "", text))
        and not re.search(r"[\u4e00-\u9fff]", text)
    ]
    assert not english, f"add these to labels: in {catalogue.name}: {english}"


def test_links_work_from_the_chinese_folder() -> None:
    text = "![a](images/a.png) [next](02_build.ipynb#top) [web](https://x.org) [r](../README.md)"
    assert tool.relink(text) == (
        "![a](../images/a.png) [next](02_build.ipynb#top) [web](https://x.org) [r](../../README.md)"
    )
    assert tool.relink('<img src="images/b.png">') == '<img src="../images/b.png">'


# --------------------------------------------------------------------------- the glossary


def glossary() -> list[tuple[str, str]]:
    """(English, Chinese) of each term of docs/glossary.md, longest English first."""
    rows = re.findall(
        r"^\| ([^|]+?) \| ([^|]+?) \|", (ROOT / "docs" / "glossary.md").read_text(), re.M
    )
    terms = [
        (english, re.sub(r"（.*?）", "", chinese))
        for chinese, english in rows
        if chinese not in ("中文", "---") and "(" not in english
    ]
    return sorted(terms, key=lambda pair: -len(pair[0]))


def test_each_glossary_row_has_the_anchor_of_its_english_term() -> None:
    rows = re.findall(
        r"^\| ([^|]+?) \| ([^|]+?) \|[^|]*\|([^|]*)\|$",
        (ROOT / "docs" / "glossary.md").read_text(),
        re.M,
    )
    rows = [r for r in rows if r[0] not in ("中文", "---")]
    anchors = [re.match(r' <a id="([^"]+)"></a>', note) for _, _, note in rows]
    assert all(anchors), [row for row, anchor in zip(rows, anchors, strict=True) if not anchor]
    slugs = [re.sub(r"[^a-z0-9]+", "-", english.lower()).strip("-") for _, english, _ in rows]
    assert [a.group(1) for a in anchors] == slugs
    assert len(set(slugs)) == len(slugs)


def test_the_glossary_is_linked_from_both_readmes() -> None:
    assert len(glossary()) > 50
    for readme in ("README.md", "README.zh-CN.md"):
        assert "docs/glossary.md" in (ROOT / readme).read_text(), readme


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: p.stem)
def test_chinese_cells_use_the_glossary_terms(catalogue) -> None:
    cells = tool.load_catalogue(catalogue)["cells"]
    wrong = []
    for cell_id, entry in cells.items():
        english, chinese = entry["en"], entry["zh"] or ""
        # Code is not translated (`metrics=["accuracy"]`, `model.evaluate`): only the prose.
        english = re.sub(r"`[^`]*`", " ", re.sub(r"```.*?```", " ", english, flags=re.S))
        for term, translation in glossary():
            if term in entry.get("not_terms", ()):
                continue  # the cell uses the word otherwise ("filter by digit"): said so there
            pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(s|es)?(?![\w-])", re.I)
            if pattern.search(english):
                english = pattern.sub(" ", english)  # a longer term took these words
                if translation not in chinese:
                    wrong.append(f"{cell_id}: {term!r} is {translation!r} (docs/glossary.md)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: p.stem)
def test_each_glossary_term_is_linked_where_it_first_appears(catalogue) -> None:
    chinese = nbformat.read(ROOT / "notebooks" / "zh" / f"{catalogue.stem}.ipynb", as_version=4)
    prose = "\n\n".join(c.source for c in chinese.cells if c.cell_type == "markdown")
    found = re.findall(r"\[([^\]]+)\]\(\.\./\.\./docs/glossary\.md(#[^)]*)?\)", prose)
    anchors = tool.glossary_anchors(ROOT)
    # each link lands on its term's row, not at the top of the page
    assert all(anchor == f"#{anchors.get(term)}" for term, anchor in found), found
    linked = [term for term, _ in found]
    link = "(../../docs/glossary.md#{})"
    unlinked = tool.load_catalogue(catalogue).get("not_glossary", [])
    terms = [t for t in tool.glossary_terms(ROOT) if t not in unlinked]
    assert set(linked) <= set(terms), "a glossary link whose text is not a term"
    # the prose without code, headings and links, each term's uses not inside a longer term's
    text = re.sub(
        r"```[\s\S]*?```|`[^`\n]*`|!?\[[^\]]*\]\([^)]*\)|^#[^\n]*$", " ", prose, flags=re.M
    )
    used = []
    for term in terms:  # longest first
        if term in text:
            used.append(term)
            text = text.replace(term, " ")
    counts = {term: linked.count(term) for term in used}
    assert all(n == 1 for n in counts.values()), {t: n for t, n in counts.items() if n != 1}
    first = {term: prose.index(f"[{term}]{link.format(anchors[term])}") for term in used}
    for term in used:  # the link is the first use
        earlier = prose[: first[term]]
        plain = re.sub(
            r"```[\s\S]*?```|`[^`\n]*`|!?\[[^\]]*\]\([^)]*\)|^#[^\n]*$", " ", earlier, flags=re.M
        )
        for longer in (t for t in terms if len(t) > len(term) and term in t):
            plain = plain.replace(longer, " ")
        assert term not in plain, f"{term} appears before its link"


# README.md's sections and their names in README.zh-CN.md, in the same order.
README_SECTIONS = {
    "What you need": "你需要什么",
    "What you will be able to do": "学完你能做什么",
    "The notebooks": "笔记本",
    "Run the course": "运行课程",
    "Run the tests": "运行测试",
    "Performance": "性能",
    "Troubleshooting": "常见问题",
    "More": "更多",
}


def sections(path: Path) -> dict[str, str]:
    """Each ``## `` section of a README (fenced code left out), by its title."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_chinese_readme_has_the_english_readmes_sections() -> None:
    english, chinese = sections(ROOT / "README.md"), sections(ROOT / "README.zh-CN.md")
    assert list(english) == list(README_SECTIONS), "a README.md section: add it here and in zh"
    assert list(chinese) == list(README_SECTIONS.values())
    run = chinese["运行课程"]
    for needed in ("Windows", "Binder", "mybinder.org", "conda"):
        assert needed in run, f"README.zh-CN's 运行课程 does not cover {needed}"
    assert "bench/bench.py" in chinese["性能"]


# --------------------------------------------------------------------------- pictures
def test_chinese_notebooks_show_chinese_pictures() -> None:
    # Each screenshot or stored figure a Chinese notebook shows is its own, from
    # notebooks/images/zh/ (make screenshots), and every English one has a Chinese twin.
    shown = set()
    for path in sorted((ROOT / "notebooks" / "zh").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for target in re.findall(r"\]\(([^)\s]+\.png)\)|src=\"([^\"]+\.png)\"", cell.source):
                target = next(t for t in target if t)
                assert target.startswith("../images/zh/"), f"{path.name} {cell.id}: {target}"
                assert (path.parent / target).is_file(), f"{path.name}: {target} is missing"
                shown.add(Path(target).name)
    english = {p.name for p in (ROOT / "notebooks" / "images").glob("*.png")}
    assert (
        english == shown == {p.name for p in (ROOT / "notebooks" / "images" / "zh").glob("*.png")}
    )
