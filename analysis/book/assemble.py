"""Turn a parsed chapter plus its executed outputs into plain pandoc markdown.

Each cell becomes, in order: its code (a ``.cell-code`` block, folded in HTML) when echoed,
then its outputs -- images written to ``<page>_files/figure-html/`` (a numbered figure when
the cell has ``fig-cap``), HTML as a raw block (tables), text as a ``.cell-output`` block,
markdown as is. A cell labelled ``tbl-...`` is wrapped in a ``#tbl-...`` div whose last
child holds the caption; the Lua filters turn it into a numbered table.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from analysis.book.execute import ExecutedChapter
from analysis.book.qmd import INLINE_EXPRESSION, Cell, Chapter, Markdown


def chapter_markdown(
    chapter: Chapter,
    executed: ExecutedChapter,
    *,
    figure_dir: Path,
    figure_href: str,
    echo: bool,
    code_fold: bool,
) -> str:
    """Pandoc markdown for ``chapter``.

    Figures are written under ``figure_dir`` and linked as ``figure_href/<name>.png`` (a
    path relative to the book's output folder).
    """
    blocks: list[str] = []
    title = chapter.front_matter.get("title")
    if title:
        blocks.append(f"# {title}\n")
    inline = iter(executed.inline_values)
    cell_number = 0
    for part in chapter.parts:
        if isinstance(part, Markdown):
            blocks.append(_substitute_inline(part, inline))
            continue
        outputs = executed.cell_outputs[cell_number]
        cell_number += 1
        blocks.append(
            _cell_markdown(
                part,
                outputs,
                number=cell_number,
                figure_dir=figure_dir,
                figure_href=figure_href,
                echo=echo,
                code_fold=code_fold,
            )
        )
    return "\n".join(blocks)


def _substitute_inline(part: Markdown, values) -> str:
    lines = part.text.split("\n")
    for line_number, _ in part.prose_lines():
        i = line_number - part.line
        lines[i] = INLINE_EXPRESSION.sub(lambda _m: next(values), lines[i])
    return "\n".join(lines)


def _cell_markdown(
    cell: Cell,
    outputs: list[dict],
    *,
    number: int,
    figure_dir: Path,
    figure_href: str,
    echo: bool,
    code_fold: bool,
) -> str:
    options = cell.options
    if options.get("include", True) is False:
        return ""
    parts: list[str] = []
    if options.get("echo", echo):
        fold = options.get("code-fold", code_fold)
        fold = "show" if fold == "show" else str(bool(fold)).lower()
        summary = options.get("code-summary", "Code")
        parts.append(
            _fenced(cell.code, f'{{.python .cell-code fold="{fold}" summary="{_attr(summary)}"}}')
        )
    code_blocks = len(parts)
    if options.get("output", True) is not False:
        label = str(options.get("label", ""))
        images = 0
        for output in _merge_text(outputs):
            kind, data = output["kind"], output["data"]
            if kind == "image":
                images += 1
                name = label or f"cell-{number}"
                name = name if images == 1 else f"{name}-{images}"
                figure_dir.mkdir(parents=True, exist_ok=True)
                (figure_dir / f"{name}.png").write_bytes(base64.b64decode(data))
                parts.append(_figure(options, f"{figure_href}/{name}.png", first=images == 1))
            elif kind == "html":
                parts.append(_fenced(data, "{=html}"))
            elif kind == "markdown" or options.get("output") == "asis":
                parts.append(data)
            else:
                parts.append(_fenced(data.rstrip("\n"), "{.cell-output}"))
        if label.startswith("tbl-"):
            caption = options.get("tbl-cap", "")
            outputs_md = parts[code_blocks:]
            parts[code_blocks:] = [
                f"::::: {{#{label}}}",
                *outputs_md,
                f"::: {{.table-caption}}\n{caption}\n:::",
                ":::::",
            ]
    return "\n\n".join(parts) + "\n"


def _figure(options: dict, src: str, *, first: bool) -> str:
    label = str(options.get("label", ""))
    caption = options.get("fig-cap", "") if first else ""
    attributes = []
    if first and label.startswith("fig-"):
        attributes.append(f"#{label}")
    alt = options.get("fig-alt")
    if alt:
        attributes.append(f'fig-alt="{_attr(alt)}"')
    attribute_text = "{" + " ".join(attributes) + "}" if attributes else ""
    # A lone image with a caption is a figure; a trailing "\" keeps captionless images inline.
    return f"![{caption}]({src}){attribute_text}" + ("" if caption else "\\")


def _merge_text(outputs: list[dict]) -> list[dict]:
    merged: list[dict] = []
    for output in outputs:
        if merged and output["kind"] == "text" and merged[-1]["kind"] == "text":
            merged[-1] = {"kind": "text", "data": merged[-1]["data"] + output["data"]}
        else:
            merged.append(output)
    return merged


def _fenced(text: str, info: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _attr(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"')
