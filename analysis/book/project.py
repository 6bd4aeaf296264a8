"""The book project as `_quarto.yml` describes it: title, chapters, bibliography, options."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml


class BookError(RuntimeError):
    """A problem that stops the book rendering, with a message meant for the chapter author."""


@dataclass(frozen=True)
class BookProject:
    root: Path
    title: str
    subtitle: str
    author: str
    date: str
    chapters: tuple[str, ...]  # paths relative to root, e.g. "chapters/intro.qmd"; appendices last
    bibliography: Path | None
    output_dir: Path
    output_file: str  # PDF file stem
    code_fold: bool
    html_toc: bool
    pdf_echo: bool
    echo: bool
    appendices: tuple[str, ...] = ()  # the chapters listed under book.appendices (lettered A, B)

    def html_page(self, chapter: str) -> str:
        """Root-relative path of a chapter's HTML page (as Quarto names it)."""
        return str(Path(chapter).with_suffix(".html"))


def load_project(root: str | Path) -> BookProject:
    """Read ``_quarto.yml`` under ``root``. ``book.appendices`` (as in Quarto) are chapters
    that follow ``book.chapters`` and are lettered A, B, ... instead of numbered."""
    root = Path(root).resolve()
    config_path = root / "_quarto.yml"
    if not config_path.exists():
        raise BookError(f"{config_path}: no _quarto.yml here (run from the project root)")
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    book = config.get("book") or {}
    appendices = book.get("appendices") or []
    chapters = [*(book.get("chapters") or []), *appendices]
    for entry in chapters:
        if not isinstance(entry, str):
            raise BookError(
                f"{config_path}: chapter entry {entry!r} is not supported by the offline "
                "renderer; list chapter files only (e.g. '- chapters/my-chapter.qmd')"
            )
    missing = [c for c in chapters if not (root / c).exists()]
    if missing:
        raise BookError(f"{config_path}: chapters listed but not found: {', '.join(missing)}")
    if not chapters:
        raise BookError(f"{config_path}: book.chapters lists no chapters")
    formats = config.get("format") or {}
    html = formats.get("html") or {}
    typst = formats.get("typst") or {}
    execute = config.get("execute") or {}
    bibliography = config.get("bibliography")
    title = str(book.get("title", "Book"))
    date = book.get("date", "")
    if date == "today":
        date = dt.date.today().isoformat()
    return BookProject(
        root=root,
        title=title,
        subtitle=str(book.get("subtitle", "")),
        author=str(book.get("author", "")),
        date=str(date),
        chapters=tuple(chapters),
        bibliography=root / bibliography if bibliography else None,
        output_dir=root / (config.get("project") or {}).get("output-dir", "_book"),
        output_file=str(book.get("output-file") or _slug(title)),
        code_fold=bool(html.get("code-fold", False)),
        html_toc=bool(html.get("toc", True)),
        pdf_echo=bool(typst.get("echo", execute.get("echo", True))),
        echo=bool(execute.get("echo", True)),
        appendices=tuple(appendices),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "book"
