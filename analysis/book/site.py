"""Assemble the HTML site: one page per chapter with a sidebar (chapters, search, PDF link),
the page's table of contents, previous/next links, and the shared CSS/JS assets."""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from analysis.book.project import BookProject

ASSETS = Path(__file__).parent / "assets"


@dataclass(frozen=True)
class Page:
    href: str  # root-relative, e.g. "chapters/intro.html"
    number: str  # "" for unnumbered chapters
    title: str
    title_id: str
    toc_html: str = ""
    body_html: str = ""

    @property
    def label(self) -> str:
        return f"{self.number}\u00a0\u00a0{self.title}" if self.number else self.title


def write_page(project: BookProject, page: Page, pages: list[Page], pdf_name: str | None) -> Path:
    """Write ``page`` into the output folder; ``pages`` (all chapters) feed the sidebar."""
    root = relative_root(page.href)
    index = [p.href for p in pages].index(page.href)
    previous = pages[index - 1] if index > 0 else None
    following = pages[index + 1] if index + 1 < len(pages) else None
    sidebar = "\n".join(
        f'<li><a href="{root}{p.href}"{" class=active" if p.href == page.href else ""}>'
        f"{html.escape(p.label)}</a></li>"
        for p in pages
    )
    navigation = "".join(
        f'<a class="page-{kind}" href="{root}{p.href}">{arrow} {html.escape(p.label)}</a>'
        for kind, arrow, p in (("previous", "&larr;", previous), ("next", "&rarr;", following))
        if p is not None
    )
    pdf_link = (
        f'<p class="book-pdf"><a href="{root}{pdf_name}">Download the book as PDF</a></p>'
        if pdf_name
        else ""
    )
    toc = f'<nav class="book-toc" aria-label="On this page"><h2>On this page</h2>{page.toc_html}</nav>'
    text = TEMPLATE.format(
        page_title=html.escape(page.title),
        book_title=html.escape(project.title),
        root=root,
        sidebar=sidebar,
        pdf_link=pdf_link,
        title_id=html.escape(page.title_id),
        heading=_heading(page),
        body=page.body_html,
        navigation=navigation,
        toc=toc if page.toc_html.strip() else "",
    )
    target = project.output_dir / page.href
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def write_assets(project: BookProject, search_entries: list[dict]) -> None:
    """Copy CSS/JS and write the search index (a script, so it also works from file://)."""
    target = project.output_dir / "assets"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("book.css", "book.js"):
        shutil.copyfile(ASSETS / name, target / name)
    index = json.dumps(search_entries, ensure_ascii=False)
    (target / "search-index.js").write_text(f"window.BOOK_SEARCH = {index};\n", encoding="utf-8")


def _heading(page: Page) -> str:
    number = f'<span class="chapter-number">{page.number}</span> ' if page.number else ""
    return number + html.escape(page.title)


def relative_root(href: str) -> str:
    """Prefix from a page to the output folder ("" or "../")."""
    return "../" * len(Path(href).parent.parts)


TEMPLATE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title} | {book_title}</title>
<link rel="stylesheet" href="{root}assets/book.css">
</head>
<body data-root="{root}">
<a class="skip-link" href="#content">Skip to content</a>
<header class="book-header"><a href="{root}index.html">{book_title}</a></header>
<div class="book-layout">
<nav class="book-sidebar" aria-label="Chapters">
<form class="book-search" role="search" onsubmit="return false">
<label for="search-box">Search the book</label>
<input id="search-box" type="search" placeholder="Search" autocomplete="off">
<ol id="search-results" aria-live="polite"></ol>
</form>
<ol class="book-chapters">
{sidebar}
</ol>
{pdf_link}
</nav>
<main id="content" class="book-content">
<h1 id="{title_id}" class="chapter-title">{heading}</h1>
{body}
<nav class="page-navigation" aria-label="Previous and next chapter">{navigation}</nav>
</main>
{toc}
</div>
<script src="{root}assets/search-index.js"></script>
<script src="{root}assets/book.js"></script>
</body>
</html>
"""
