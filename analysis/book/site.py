"""Assemble the HTML site: one page per chapter with a sidebar (chapters, search, PDF link), the page's table of contents, previous/next links, and the shared CSS/JS assets.

Every page has one ``h1`` (the chapter title: other level-1 headings in the body, such as
"References", become ``h2``) and unique element ids. On a narrow screen the sidebar folds
behind a "Contents" button (``assets/book.js``). The search index is built from each page's
rendered text (:func:`search_entries`), so it reads as the page does.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.book.html_tables import Node, parse
from analysis.book.project import BookError, BookProject

ASSETS = Path(__file__).parent / "assets"
#: The search index is a script (so it also loads from file://) setting this variable.
SEARCH_INDEX_PREFIX = "window.BOOK_SEARCH = "


@dataclass(frozen=True)
class Page:
    """A page of the HTML site: its address, number, title and heading id."""

    href: str  # root-relative, e.g. "chapters/intro.html"
    number: str  # "" for unnumbered chapters
    title: str
    title_id: str
    toc_html: str = ""
    body_html: str = ""

    @property
    def label(self) -> str:
        """The page's number and title as the sidebar shows them."""
        return f"{self.number}\u00a0\u00a0{self.title}" if self.number else self.title


def write_page(
    project: BookProject,
    page: Page,
    pages: list[Page],
    pdfs: Sequence[tuple[str, str]] | None,
) -> Path:
    """Write ``page`` into the output folder.

    ``pages`` (all chapters) feed the sidebar, and ``pdfs`` (file name and what it holds,
    one per PDF) its download links.
    """
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
    pdf_link = "".join(
        f'<p class="book-pdf"><a href="{root}{html.escape(name)}">Download as PDF: '
        f"{html.escape(what)}</a></p>"
        for name, what in pdfs or ()
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
        body=scope_table_ids(LEVEL_ONE.sub(r"<\1h2", page.body_html)),
        navigation=navigation,
        toc=toc if page.toc_html.strip() else "",
    )
    repeated = duplicate_ids(text)
    if repeated:
        raise BookError(f"{page.href}: element ids used more than once: {', '.join(repeated)}")
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
    (target / "search-index.js").write_text(f"{SEARCH_INDEX_PREFIX}{index};\n", encoding="utf-8")


def scope_table_ids(body_html: str) -> str:
    """great-tables gives the cells of every table ids named after their text (a column "Rate", a row group "Female", rows "stub-1", ...), which ``headers=`` attributes then refer to, so two tables on a page share ids.

    Inside each great-tables table, prefix them with the id of the table's own box (random,
    one per table) and keep ``headers=`` pointing at them; ids become valid (no spaces).

    >>> scope_table_ids('<div id="box"><style></style><table><th id="Age group">A</th>'
    ...                 '<td headers="Age group stub-1">1</td></table></div>')
    '<div id="box"><style></style><table><th id="box-Age-group">A</th><td headers="box-Age-group box-stub-1">1</td></table></div>'
    """
    return GT_TABLE.sub(_scope_ids, body_html)


def _scope_ids(match: re.Match) -> str:
    box, text = match["box"], match[0]
    start = text.index("<table")
    table = text[start:]
    scoped = {old: f"{box}-{'-'.join(old.split())}" for old in ID.findall(table)}

    def headers(value: str) -> str:
        words, names = value.split(), []
        while words:  # an id may hold spaces: take the longest known id first
            size = next((n for n in range(len(words), 0, -1) if " ".join(words[:n]) in scoped), 1)
            name = " ".join(words[:size])
            names.append(scoped.get(name, f"{box}-{name}"))
            words = words[size:]
        return " ".join(names)

    table = ID.sub(lambda m: f' id="{scoped[m[1]]}"', table)
    table = HEADERS.sub(lambda m: f' headers="{headers(m[1])}"', table)
    return text[:start] + table


def duplicate_ids(text: str) -> list[str]:
    """Element ids that occur more than once in an HTML page."""
    counts = Counter(n.attrs["id"] for n in parse(text).descendants() if n.attrs.get("id"))
    return sorted(name for name, count in counts.items() if count > 1)


def search_entries(page: Page, body_html: str) -> list[dict]:
    r"""Return the search-index entries of a page, one per section.

    Sections are ``h2``/``h3`` (the body's ``h1`` headings become ``h2`` on the page). Each
    entry has the page, anchor, section title,
    chapter and the section's text as rendered (code, printed output, styles and download
    links left out).

    >>> page = Page("chapters/a.html", "1", "Intro", "sec-intro")
    >>> body = ('<p>As <a href="#ref-x">Smith 2020</a> says.</p><section id="sec-m">'
    ...         '<h2><span>1.1</span> Method</h2><p>See Table 1.1.</p><pre>code</pre></section>')
    >>> [(e["anchor"], e["title"], e["text"]) for e in search_entries(page, body)]
    [('', '1  Intro', 'As Smith 2020 says.'), ('sec-m', '1.1 Method', 'See Table 1.1.')]
    """
    entries = [{"anchor": "", "title": page.label, "text": []}]

    def walk(node: Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                entries[-1]["text"].append(child)
            elif child.tag in {"h1", "h2", "h3"}:
                section = child.parent
                anchor = child.attrs.get("id") or (section.attrs.get("id", "") if section else "")
                entries.append({"anchor": anchor, "title": child.text(), "text": []})
            elif child.tag not in NOT_INDEXED and not child.classes & NOT_INDEXED_CLASSES:
                gap = [" "] if child.tag in BLOCKS else []  # "end.</p><p>Next", not "end.Next"
                entries[-1]["text"] += gap
                walk(child)
                entries[-1]["text"] += gap

    walk(parse(body_html))
    return [
        {**entry, "page": page.href, "chapter": page.label, "text": text}
        for entry in entries
        if (text := " ".join("".join(entry["text"]).split())) or entry["anchor"]
    ]


def indexed_pages(output_dir: Path) -> dict[str, list[dict]]:
    """Return the search entries of each page in the search index already in ``output_dir`` (a book being re-rendered in part keeps the entries of the chapters it does not render).

    Empty when there is none.
    """
    index = output_dir / "assets" / "search-index.js"
    if not index.is_file():
        return {}
    text = index.read_text(encoding="utf-8").strip()
    entries = json.loads(text.removeprefix(SEARCH_INDEX_PREFIX).removesuffix(";"))
    pages: dict[str, list[dict]] = {}
    for entry in entries:
        pages.setdefault(entry["page"], []).append(entry)
    return pages


def _heading(page: Page) -> str:
    number = f'<span class="chapter-number">{page.number}</span> ' if page.number else ""
    return number + html.escape(page.title)


#: Elements and classes whose text is not searched: code, printed output, download links.
NOT_INDEXED = {"pre", "style", "script", "summary"}
NOT_INDEXED_CLASSES = {"table-download", "code-fold"}
#: Elements whose text is a block of its own.
BLOCKS = {
    *("p", "div", "section", "figure", "figcaption", "table", "tr", "td", "th", "caption"),
    *("ul", "ol", "li", "dl", "dt", "dd", "blockquote", "h4", "h5", "h6", "br"),
}
#: A great-tables table: its box (``<div id=...>`` with a scoped ``<style>``) to ``</table>``.
GT_TABLE = re.compile(r'<div id="(?P<box>[^"]+)"[^>]*>\s*<style>.*?</table>', re.S)
ID = re.compile(r'\sid="([^"]*)"')
HEADERS = re.compile(r'\sheaders="([^"]*)"')
#: A level-1 heading in a page body (the page's own title is the only h1).
LEVEL_ONE = re.compile(r"<(/?)h1(?=[\s>])")


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
<header class="book-header"><a href="{root}index.html">{book_title}</a>
<button class="nav-toggle" type="button" aria-expanded="false" aria-controls="book-sidebar" hidden>Contents</button>
</header>
<div class="book-layout">
<nav id="book-sidebar" class="book-sidebar" aria-label="Chapters">
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
