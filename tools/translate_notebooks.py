"""Write the Chinese notebooks from the English ones and their translation catalogues.

One course, two languages that cannot drift: ``notebooks/NN_name.ipynb`` is the only
source. ``translations/zh/NN_name.yml`` holds, for each markdown cell (by its stable cell
id), the English it translates and the Chinese; and, for code, the Chinese of each English
comment. From the two this tool writes ``notebooks/zh/NN_name.ipynb``:

* markdown cells: the Chinese, with relative links made relative to ``notebooks/zh/``
  (a link to a course notebook, ``02_build.ipynb``, stays: it means the Chinese one);
* code cells: the English code exactly, only its ``#`` comments translated, and the text
  it draws in figures or prints (titles, axis labels, printed lines: each string literal
  whose whole text is in the catalogue's ``labels``);
* glossary links: the first time a term of ``docs/glossary.md`` appears in the notebook's
  prose, it links to the glossary (terms of one character, such as 轮, excepted);
* one more code cell before the first code cell, ``mc.set_language("zh")``, so that what the
  package prints, plots and raises is Chinese too;
* outputs: those of the last run, for each code cell whose code has not changed; when a
  code cell is new or changed, the notebook is run (nbclient, in ``notebooks/zh/``, as
  ``jupyter nbconvert --execute`` does for the English ones), so every output is what the
  Chinese notebook really prints. nbval then checks them, as it checks the English ones.

Usage (from the repository root, with the course's environment)::

    .venv/bin/python tools/translate_notebooks.py            # write the Chinese notebooks
    .venv/bin/python tools/translate_notebooks.py --check    # exit 1 if anything is stale
    .venv/bin/python tools/translate_notebooks.py --todo     # what to translate, as YAML
    .venv/bin/python tools/translate_notebooks.py --init notebooks/07_new.ipynb

When an English cell changes, ``--check`` (run by the tests) fails and names it; ``--todo``
shows what changed in the English (a diff) and an entry to paste into the catalogue, with
the new English as ``en`` and the old Chinese as ``zh`` to be corrected. Then run the tool
with no option to write the notebook, and commit both.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import io
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "zh"
# Notebooks whose Chinese edition is not written yet: --check lists them, without failing.
# Remove a notebook from here when its catalogue is added.
PENDING: set[str] = set()
LANGUAGE_CELL_ID = "set-language-zh"
LANGUAGE_CELL = (
    "# 中文版：让课程的辅助包也说中文（练习反馈、控件、图表和错误信息）\n"
    "import mnist_course as mc\n"
    "\n"
    'mc.set_language("zh")'
)
HEADER = """\
# The Chinese (简体中文) edition of notebooks/{name}: tools/translate_notebooks.py writes
# notebooks/zh/{name} from the English notebook and this file. Do not edit the
# generated notebook; edit this file and run the tool (see its docstring).
#
# cells: for each markdown cell, by cell id: `en`, the English it translates (the tool
# compares it with the notebook's, so a changed English cell is caught), and `zh`.
# comments: each comment of the code cells, English (without "# ") -> Chinese.
# labels: each string the code draws in a figure or prints, English -> Chinese.
# not_glossary: glossary terms this notebook uses only in another sense: not linked.
# Terms as in docs/glossary.md.
"""
# Comments that are instructions to tools, not to people: never translated.
_TOOL_COMMENT = re.compile(r"(noqa(:|\s|$)|type:|pragma:|fmt:)")
# A markdown link or image target, or an HTML src/href.
_LINK = re.compile(r"(\]\(|src=\"|href=\")([^)\"\s]+)")
_NOTEBOOK = re.compile(r"^\d\d_[\w-]+\.ipynb(#.*)?$")


# --------------------------------------------------------------------------- catalogues


class _Dumper(yaml.SafeDumper):
    """Multi-line text as YAML blocks (|-), readable and editable by a translator."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def paths(english: Path, root: Path) -> tuple[Path, Path]:
    """The catalogue and the generated notebook of the English notebook ``english``."""
    catalogue = root / "translations" / LANGUAGE / f"{english.stem}.yml"
    return catalogue, root / "notebooks" / LANGUAGE / english.name


def load_catalogue(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("cells", {})
    data.setdefault("comments", {})
    data["labels"] = dict(data.get("labels") or {})
    data["cells"] = {str(k): v for k, v in (data["cells"] or {}).items()}
    data["comments"] = dict(data["comments"] or {})
    return data


# --------------------------------------------------------------------------- code comments


def comments(source: str) -> list[tuple[int, int, int, str]]:
    """(line, start, end, text) of each ``#`` comment in ``source`` (lines from 0)."""
    # IPython's %magic and !shell lines are not Python: blank them (same line numbers).
    python = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")
    )
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(python).readline):
            if token.type == tokenize.COMMENT:
                (row, col), (_, end) = token.start, token.end
                found.append((row - 1, col, end, token.string))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        found = []  # not Python (an exercise's blanks?): no comment is translated
    return found


def comment_body(comment: str) -> tuple[str, str]:
    """Split ``#  text`` into its marker (``#  ``) and its text."""
    marker = re.match(r"#+\s*", comment).group()
    return marker, comment[len(marker) :]


def translate_code(source: str, table: dict[str, str | None]) -> tuple[str, list[str]]:
    """``source`` with each comment translated by ``table``; and the comments it lacks."""
    lines, missing = source.split("\n"), []
    for row, start, end, comment in reversed(comments(source)):
        marker, body = comment_body(comment)
        if not body.strip() or _TOOL_COMMENT.match(body):
            continue
        chinese = table.get(body)
        if not chinese:
            missing.append(body)
            continue
        lines[row] = lines[row][:start] + marker + chinese + lines[row][end:]
    return "\n".join(lines), missing[::-1]


# A string literal given to matplotlib, or to a course plot, as text to draw: a title, an
# axis label, the labels of a legend.
_STRING = r"(f?\"[^\"\n]*\"|f?'[^'\n]*')"
_DRAWN = re.compile(r"\b(?:set_title|set_xlabel|set_ylabel|suptitle)\(\s*" + _STRING)
_TITLE = re.compile(r"\btitle\s*=\s*" + _STRING)
_LABELS = re.compile(r"\blabels\s*=\s*\[([^\]]*)\]")


def drawn_text(source: str) -> list[str]:
    """The string literals ``source`` gives to a figure to draw."""
    literals = [m.group(1) for m in (*_DRAWN.finditer(source), *_TITLE.finditer(source))]
    for match in _LABELS.finditer(source):
        literals += re.findall(_STRING, match.group(1))
    return [literal.lstrip("f")[1:-1] for literal in literals]


def translate_labels(source: str, table: dict[str, str | None]) -> tuple[str, list[str]]:
    """``source`` with each string literal whose text is in ``table`` translated (the text a
    figure draws); and the drawn strings the table lacks."""
    python = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")
    )
    lines = source.split("\n")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source, []
    for token in reversed(tokens):
        if token.type != tokenize.STRING or token.start[0] != token.end[0]:
            continue
        match = re.fullmatch(r"([fFrRbB]*)(\"|')(.*)\2", token.string)
        chinese = table.get(match.group(3)) if match else None
        if chinese:
            row, (start, end) = token.start[0] - 1, (token.start[1], token.end[1])
            quoted = match.group(1) + match.group(2) + chinese + match.group(2)
            lines[row] = lines[row][:start] + quoted + lines[row][end:]
    drawn = drawn_text(source)
    missing = [text for text in drawn if re.search("[A-Za-z]{3,}", text) and text not in table]
    return "\n".join(lines), missing


def relink(markdown: str) -> str:
    """Make relative links of a notebooks/ cell work from notebooks/zh/."""

    def fix(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|/|#)", target, re.I) or _NOTEBOOK.match(target):
            return match.group()
        return match.group(1) + "../" + target

    return _LINK.sub(fix, markdown)


# --------------------------------------------------------------------------- glossary links

GLOSSARY = "docs/glossary.md"
GLOSSARY_LINK = "../../" + GLOSSARY  # from notebooks/zh/
# What is not prose: fenced code, `code`, links and images, HTML tags, heading lines.
_NOT_PROSE = re.compile(r"```[\s\S]*?```|`[^`\n]*`|!?\[[^\]]*\]\([^)]*\)|<[^>\n]*>|^#[^\n]*$", re.M)


# Everyday words of the glossary (kept there for consistent wording): linking them on every
# page would bury the links that help.
EVERYDAY = {
    "笔记本",
    "模型",
    "练习",
    "训练",
    "图像",
    "预测",
    "评估",
    "概率",
    "标签",
    "像素",
    "数据集",
}


def glossary_anchors(root: Path) -> dict[str, str]:
    """Each Chinese term of the glossary -> the anchor of its row (``<a id="...">``)."""
    text = (root / GLOSSARY).read_text("utf-8")
    rows = re.findall(r'^\| ([^|]+?) \| [^|]+? \|[^|]*\| <a id="([^"]+)"></a>', text, re.M)
    return {re.sub(r"（.*?）", "", term).strip(): anchor for term, anchor in rows}


def glossary_terms(root: Path) -> list[str]:
    """The Chinese terms of the glossary worth a link (two characters or more, not everyday
    words), longest first."""
    terms = {t for t in glossary_anchors(root) if len(t) >= 2 and t not in EVERYDAY}
    return sorted(terms, key=lambda t: (-len(t), t))


def prose_spans(markdown: str) -> list[tuple[int, int]]:
    """Where ``markdown`` is prose a link may be added to: (start, end) of each stretch."""
    spans, start = [], 0
    for match in _NOT_PROSE.finditer(markdown):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(markdown)))
    return [(a, b) for a, b in spans if a < b]


def first_uses(markdowns: list[str], terms: list[str]) -> dict[str, tuple[int, int]]:
    """For each term used in the prose: (cell index, offset) of its first use that is not
    part of a longer term."""
    found: dict[str, tuple[int, int]] = {}
    for index, markdown in enumerate(markdowns):
        taken: list[tuple[int, int]] = []  # occurrences of longer terms: not this one's
        for term in terms:
            for a, b in prose_spans(markdown):
                for match in re.finditer(re.escape(term), markdown[a:b]):
                    where = (a + match.start(), a + match.end())
                    if any(x <= where[0] and where[1] <= y for x, y in taken):
                        continue
                    found.setdefault(term, (index, where[0]))
            taken += [
                (a + m.start(), a + m.end())
                for a, b in prose_spans(markdown)
                for m in re.finditer(re.escape(term), markdown[a:b])
            ]
    return found


def link_glossary(
    markdowns: list[str], terms: list[str], anchors: dict[str, str] | None = None
) -> list[str]:
    """``markdowns`` with the first use of each glossary term linked to its row of the
    glossary (``anchors``: term -> the row's anchor; without it, to the page)."""
    inserts: dict[int, list[tuple[int, str]]] = {}
    for term, (index, offset) in first_uses(markdowns, terms).items():
        inserts.setdefault(index, []).append((offset, term))
    linked = list(markdowns)
    for index, places in inserts.items():
        text = linked[index]
        for offset, term in sorted(places, reverse=True):
            end = offset + len(term)
            anchor = f"#{anchors[term]}" if anchors and term in anchors else ""
            text = text[:offset] + f"[{term}]({GLOSSARY_LINK}{anchor})" + text[end:]
        linked[index] = text
    return linked


# --------------------------------------------------------------------------- one notebook


@dataclass
class Result:
    """What the tool found for one notebook, and the notebook it would write."""

    english: Path
    problems: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    notebook: nbformat.NotebookNode | None = None
    needs_run: list[str] = field(default_factory=list)  # code new or changed since the run
    ran: set[str] = field(default_factory=set)  # code cells a run executes (and counts)


def build(english_path: Path, root: Path) -> Result:
    """The Chinese notebook for ``english_path``, and what is missing or stale."""
    result = Result(english_path)
    catalogue_path, target = paths(english_path, root)
    english = nbformat.read(english_path, as_version=4)
    catalogue = load_catalogue(catalogue_path)
    cells, table, labels = catalogue["cells"], catalogue["comments"], catalogue["labels"]
    previous, before = {}, None
    if target.exists():
        before = nbformat.read(target, as_version=4)
        previous = {c.get("id"): c for c in before.cells}
    out = copy.deepcopy(english)
    # What a run writes in the metadata (the widgets' state, which the outputs' widget views
    # point to) comes from the Chinese notebook's own last run, never from the English one.
    for key in ("widgets", "language_info"):
        out.metadata.pop(key, None)
        if before is not None and key in before.metadata:
            out.metadata[key] = before.metadata[key]
    out.metadata["mnist_course"] = {
        "language": LANGUAGE,
        "generated_from": f"../{english_path.name}",
        "generated_by": "tools/translate_notebooks.py",
    }
    out.cells = []
    ids = set()
    for cell in english.cells:
        cell = copy.deepcopy(cell)
        ids.add(cell.get("id"))
        if cell.cell_type == "code" and LANGUAGE_CELL_ID not in {c.get("id") for c in out.cells}:
            language = nbformat.v4.new_code_cell(LANGUAGE_CELL, id=LANGUAGE_CELL_ID)
            # Without a Chinese font it warns (once, and rightly); `make test` must still pass.
            language.metadata["tags"] = ["nbval-ignore-output"]
            out.cells.append(language)
        if cell.cell_type == "markdown":
            cell.source = _markdown(cell, cells.get(cell.get("id")), result)
        elif cell.cell_type == "code":
            if cell.get("execution_count") is not None:
                result.ran.add(cell.get("id"))
            cell.source, missing = translate_code(cell.source, table)
            for body in missing:
                result.problems.append(f"code cell {cell.get('id')}: comment not translated")
                result.todo.append(dump_yaml({"comments": {body: None}}))
            cell.source, missing = translate_labels(cell.source, labels)
            for text in missing:
                result.problems.append(f"code cell {cell.get('id')}: figure text not translated")
                result.todo.append(dump_yaml({"labels": {text: None}}))
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        out.cells.append(cell)
    for cell in out.cells:  # keep the last run's outputs where the code is the same
        if cell.cell_type != "code":
            continue
        old = previous.get(cell.get("id"))
        if old is not None and old.cell_type == "code" and old.source == cell.source:
            cell.outputs, cell.execution_count = old.outputs, old.get("execution_count")
            if "execution" in old.metadata:
                cell.metadata["execution"] = old.metadata["execution"]
        else:
            result.needs_run.append(cell.get("id"))
    prose = [c for c in out.cells if c.cell_type == "markdown"]
    # terms this notebook uses only in another sense (副本, a copy of a file, not a replica)
    terms = [t for t in glossary_terms(root) if t not in catalogue.get("not_glossary", ())]
    linked = link_glossary([c.source for c in prose], terms, glossary_anchors(root))
    for cell, text in zip(prose, linked, strict=True):
        cell.source = text
    for orphan in sorted(set(cells) - ids):
        result.problems.append(f"catalogue entry {orphan}: no such English cell; remove it")
    result.notebook = out
    return result


def _markdown(cell: nbformat.NotebookNode, entry: dict | None, result: Result) -> str:
    cell_id, english = cell.get("id"), cell.source
    if not entry or not entry.get("zh"):
        result.problems.append(f"markdown cell {cell_id}: not translated")
        result.todo.append(
            f"# {cell_id}: not translated\n" + dump_yaml({cell_id: {"en": english, "zh": None}})
        )
        return relink(english)
    if entry.get("en") != english:
        result.problems.append(f"markdown cell {cell_id}: the English changed since translated")
        diff = difflib.unified_diff(
            str(entry.get("en")).splitlines(),
            english.splitlines(),
            "translated",
            "now",
            lineterm="",
        )
        result.todo.append(
            f"# {cell_id}: the English changed; what changed:\n"
            + "".join(f"#   {line}\n" for line in diff)
            + "# update zh to match, then replace the entry with:\n"
            + dump_yaml({cell_id: {"en": english, "zh": entry["zh"]}})
        )
    return relink(entry["zh"])


def _comparable(notebook: nbformat.NotebookNode) -> list[tuple]:
    """What must match between the written notebook and the expected one: not outputs
    (nbval compares those with a fresh run), nor what a run stamps on cells."""
    return [
        (
            c.get("id"),
            c.cell_type,
            c.source,
            {k: v for k, v in c.metadata.items() if k != "execution"},
        )
        for c in notebook.cells
    ]


def check(result: Result, root: Path) -> list[str]:
    """Problems, plus differences between the notebook on disk and the one to write."""
    problems = list(result.problems)
    _, target = paths(result.english, root)
    name = target.relative_to(root)
    if not target.exists():
        return [*problems, f"{name} does not exist: run the tool"]
    written = nbformat.read(target, as_version=4)
    expected = result.notebook
    mine, theirs = _comparable(written), _comparable(expected)
    if mine != theirs:
        ids = [e[0] for e, w in zip(theirs, mine, strict=False) if e != w]
        if len(mine) != len(theirs):
            ids.append(f"{len(mine)} cells instead of {len(theirs)}")
        problems.append(f"{name} is out of date (cells {', '.join(ids)}): run the tool")
    stamped = ("language_info", "widgets")  # what a run writes
    if {k: v for k, v in written.metadata.items() if k not in stamped} != {
        k: v for k, v in expected.metadata.items() if k not in stamped
    }:
        problems.append(f"{name}: its metadata is out of date: run the tool")
    ran = result.ran | {LANGUAGE_CELL_ID}
    unrun = [c.get("id") for c in written.cells if c.get("id") in ran and not c.execution_count]
    if unrun:
        problems.append(f"{name}: cells {', '.join(unrun)} were not run: run the tool")
    return problems


def execute(notebook: nbformat.NotebookNode, folder: Path) -> None:
    """Run ``notebook`` in ``folder`` with this Python's kernel, filling in its outputs."""
    from nbclient import NotebookClient

    NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        # What C libraries write straight to descriptor 2 (TensorFlow's start-up lines) is
        # not an output: nbval's kernel does not report it either, so it would never match.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(folder)}},
    ).execute()


# --------------------------------------------------------------------------- command line


def english_notebooks(root: Path, given: list[Path]) -> list[Path]:
    for path in given:
        if (
            not path.is_file()
            or path.suffix != ".ipynb"
            or path.resolve().parent != root / "notebooks"
        ):
            raise SystemExit(f"{path}: not an English notebook (notebooks/NN_name.ipynb)")
    if given:
        return [p.resolve() for p in given]
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def init(english_path: Path, root: Path) -> Path:
    """Write a catalogue for ``english_path`` with every cell and comment to translate."""
    catalogue_path, _ = paths(english_path, root)
    if catalogue_path.exists():
        raise SystemExit(f"{catalogue_path} exists already: edit it, or delete it first")
    english = nbformat.read(english_path, as_version=4)
    cells = {c.id: {"en": c.source, "zh": None} for c in english.cells if c.cell_type == "markdown"}
    table = {}
    for cell in english.cells:
        if cell.cell_type == "code":
            _, missing = translate_code(cell.source, {})
            table.update(dict.fromkeys(missing))
    catalogue_path.parent.mkdir(parents=True, exist_ok=True)
    body = dump_yaml({"notebook": english_path.name, "cells": cells, "comments": table})
    catalogue_path.write_text(HEADER.format(name=english_path.name) + body, encoding="utf-8")
    return catalogue_path


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if anything is out of date")
    mode.add_argument("--todo", action="store_true", help="print what to translate, as YAML")
    mode.add_argument("--init", action="store_true", help="write a new catalogue to fill in")
    parser.add_argument("--no-run", action="store_true", help="write, but do not run it")
    parser.add_argument(
        "--run",
        action="store_true",
        help="run it even if no code changed (after a change of the package's output)",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="English notebooks (default all)")
    args = parser.parse_args(argv)
    if args.init:
        for path in english_notebooks(root, args.notebooks):
            print(f"wrote {init(path.resolve(), root)}: fill in every zh (null) and comment")
        return 0
    failed = False
    for english in english_notebooks(root, args.notebooks):
        catalogue_path, target = paths(english, root)
        if not catalogue_path.exists():
            if english.name in PENDING:
                print(f"{english.name}: no Chinese edition yet (pending)")
                continue
            print(
                f"{english.name}: no catalogue {catalogue_path.relative_to(root)}: "
                f"create it with --init {english.relative_to(root)}"
            )
            failed = True
            continue
        result = build(english, root)
        if args.todo:
            print(f"==> {catalogue_path.relative_to(root)}")
            print("\n".join(result.todo) if result.todo else "# nothing to translate")
            continue
        if args.check:
            problems = check(result, root)
            for problem in problems:
                print(f"{english.name}: {problem}")
            failed |= bool(problems)
            continue
        for problem in result.problems:
            print(f"{english.name}: {problem} (see --todo)")
        target.parent.mkdir(parents=True, exist_ok=True)
        if (result.needs_run or args.run) and not args.no_run:
            changed = ", ".join(result.needs_run) or "none, --run"
            print(f"{english.name}: running it in Chinese (code new or changed: {changed})")
            try:
                execute(result.notebook, target.parent)
            except Exception as error:  # nbclient's CellExecutionError, a dead kernel...
                print(f"{english.name}: running it failed, nothing written:\n{error}")
                return 1
        nbformat.write(result.notebook, target)
        print(f"wrote {target.relative_to(root)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
