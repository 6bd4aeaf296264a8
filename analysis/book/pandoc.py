"""Run pandoc (from pypandoc-binary) and read what the book needs from its JSON AST.

The renderer reads each chapter's markdown once into pandoc's JSON AST, numbers sections,
figures and tables in Python (:func:`number_labels`, per chapter like Quarto: "Figure 2.1"),
then writes HTML and Typst from the same AST through the Lua filters in ``filters/``, which
apply those numbers, resolve ``@fig-``/``@tbl-``/``@sec-`` references and shape callouts,
folded code, alt text and tables.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from analysis.book.project import BookError

FILTERS = Path(__file__).parent / "filters"
CROSSREF_PREFIXES = ("fig-", "tbl-", "sec-")


@cache
def pandoc_path() -> str:
    """Return the path of the pandoc executable that pypandoc-binary ships."""
    import pypandoc

    return pypandoc.get_pandoc_path()


def run_pandoc(args: list[str], text: str, *, context: dict | None = None) -> str:
    """Run pandoc on ``text``; ``context`` is handed to the Lua filters as JSON."""
    env = dict(os.environ)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(context or {}, handle)
    env["BOOK_CONTEXT"] = handle.name
    try:
        result = subprocess.run(
            [pandoc_path(), *args], input=text, capture_output=True, text=True, env=env
        )
    finally:
        os.unlink(handle.name)
    if result.returncode != 0:
        raise BookError(f"pandoc failed ({' '.join(args)}):\n{result.stderr}")
    return result.stdout


def read_markdown(markdown: str) -> dict:
    """Pandoc's JSON AST of pandoc markdown."""
    return json.loads(run_pandoc(["-f", "markdown", "-t", "json"], markdown))


def write(ast: dict, to: str, *, filters: list[str], context: dict, args: list[str]) -> str:
    """Write ``ast`` as ``to`` through the named Lua filters (then citeproc, if in args)."""
    filter_args = [f"--lua-filter={FILTERS / name}" for name in filters]
    return run_pandoc(
        ["-f", "json", "-t", to, *filter_args, *args], json.dumps(ast), context=context
    )


def walk_blocks(blocks: list[dict], *, skip_callouts: bool = True) -> Iterator[dict]:
    """Blocks in document order, descending into divs (but not callouts, whose ``##`` title is not a section) and block quotes."""
    for block in blocks:
        yield block
        if block["t"] == "Div":
            classes = block["c"][0][1]
            if skip_callouts and any(c.startswith("callout") for c in classes):
                continue
            yield from walk_blocks(block["c"][1], skip_callouts=skip_callouts)
        elif block["t"] == "BlockQuote":
            yield from walk_blocks(block["c"], skip_callouts=skip_callouts)


def number_labels(ast: dict, chapter_number: int | str | None, page: str) -> dict[str, dict]:
    """Numbers of the chapter's headers, figures and tables, keyed by identifier.

    Values are ``{"kind": "chapter"|"sec"|"fig"|"tbl", "number": "2.1", "page": page}``.
    Headers of a numbered chapter get "2", "2.1", "2.1.1"; ``.unnumbered`` headers and all
    headers of an unnumbered chapter get none. Figures and tables count per chapter.
    """
    labels: dict[str, dict] = {}
    sections = [0, 0, 0, 0, 0, 0]
    counters = {"fig": 0, "tbl": 0}
    prefix = f"{chapter_number}." if chapter_number is not None else ""
    for block in walk_blocks(ast["blocks"]):
        kind = block["t"]
        if kind == "Header":
            level, (identifier, classes, _), inlines = block["c"]
            header = {"kind": "chapter" if level == 1 else "sec", "number": "", "page": page}
            header["title"] = stringify(inlines)
            labels[identifier] = header
            if chapter_number is None or "unnumbered" in classes:
                continue
            if level == 1:
                header["number"] = str(chapter_number)
                continue
            sections[level - 2] += 1
            sections[level - 1 :] = [0] * (len(sections) - level + 1)
            header["number"] = prefix + ".".join(str(n) for n in sections[: level - 1])
        elif kind in {"Figure", "Div"}:
            identifier = block["c"][0][0]
            figure_kind = identifier.split("-", 1)[0]
            if figure_kind in counters and identifier.startswith(CROSSREF_PREFIXES):
                counters[figure_kind] += 1
                number = f"{prefix}{counters[figure_kind]}"
                labels[identifier] = {"kind": figure_kind, "number": number, "page": page}
    return labels


def stringify(node) -> str:
    """Plain text of an AST node or list of nodes."""
    if isinstance(node, list):
        return "".join(stringify(n) for n in node)
    if not isinstance(node, dict):
        return ""
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return content
    if kind in {"Space", "SoftBreak", "LineBreak"}:
        return " "
    if kind in {"Code", "Math"}:
        return content[-1]
    if kind in {"CodeBlock", "RawBlock", "RawInline"}:
        return ""
    if kind == "Cite":
        return stringify(content[1])
    if kind == "Image":
        return ""
    return stringify(content) if isinstance(content, list) else ""


def take_title(ast: dict) -> dict | None:
    """Remove the chapter's first level-1 header from ``ast`` and return it (or None)."""
    for i, block in enumerate(ast["blocks"]):
        if block["t"] == "Header" and block["c"][0] == 1:
            return ast["blocks"].pop(i)
    return None
