"""The offline path: render the Quarto book without Quarto (Jupyter + pandoc + Typst).

Steps, each in its own module: read and validate the chapters (:mod:`.validate`), run their
code or reuse the cache (:mod:`.execute`), write pandoc markdown with the outputs
(:mod:`.assemble`), number and convert with pandoc and the Lua filters (:mod:`.pandoc`),
write the site (:mod:`.site`) with each table's CSV (:mod:`.downloads`) and the PDFs
(:mod:`.pdf`: one per document of :attr:`BookProject.pdfs`, each numbered on its own) into a
staging folder, check everything there for small counts and person-level rows
(:mod:`.disclosure_check`) and only then publish it in place of the old book
(:mod:`.publish`). When a figure's or table's data are synthetic, its source note says so.
"""

from __future__ import annotations

import copy
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis.book import pandoc, pdf, site
from analysis.book.assemble import chapter_markdown
from analysis.book.disclosure_check import check_published
from analysis.book.downloads import add_csv_downloads
from analysis.book.execute import ExecutedChapter, data_key, execute_chapter, project_fingerprint
from analysis.book.project import BookError, BookProject, PdfDocument
from analysis.book.publish import staged
from analysis.book.qmd import INLINE_EXPRESSION, Chapter, Markdown
from analysis.book.validate import load_and_validate
from analysis.config import load_config
from analysis.data.provenance import data_label, data_statement

FILTERS = ["cells.lua", "callouts.lua", "crossref.lua"]


@dataclass(frozen=True)
class RenderResult:
    """What an offline render produced: the HTML index, the PDFs, the chapters run and the Typst."""

    html_index: Path | None
    pdfs: tuple[Path, ...]
    executed: list[str]  # chapters whose code ran (the others came from the cache)
    typst: dict[str, str] = field(default_factory=dict)  # each PDF's Typst source, by file name


@dataclass
class _Chapter:
    name: str  # path relative to the project root
    page: str  # root-relative HTML page
    ast: dict
    number: int | str | None = None  # str: an appendix letter
    title: str = ""
    title_id: str = ""


def render_offline(
    project: BookProject,
    *,
    only: list[str] | None = None,
    html_output: bool = True,
    pdf_output: bool = True,
    log: Callable[[str], None] = print,
    cache_dir: Path | None = None,
    refresh: bool = False,
) -> RenderResult:
    """Render the book (or only the chapters in ``only``) and publish it in ``project.output_dir`` once the disclosure check of everything written has passed.

    Chapters run on the configured data (:mod:`analysis.config`); their cached outputs are
    kept per configuration file, under ``cache_dir`` (default ``.cache/book/``), and reused
    only for the same code and data. ``refresh`` re-runs every selected chapter. A partial
    render (``only``, or one format) keeps the rest of the published book.
    """
    chapters = load_and_validate(project)
    selected = set(only or project.chapters)
    data = data_key()
    cache_dir = (cache_dir or project.root / ".cache" / "book") / data.folder
    fingerprint = project_fingerprint(project.root) + data.fingerprint
    config = load_config()
    synthetic = config.data.source == "synthetic"
    partial = bool(only) or not (html_output and pdf_output)
    executed_names: list[str] = []
    typst: dict[str, str] = {}
    with staged(project.output_dir, keep_published=partial) as staging:
        output = replace(project, output_dir=staging)
        book: list[_Chapter] = []
        with tempfile.TemporaryDirectory(prefix="book-placeholders-") as scratch:
            for name, chapter in zip(project.chapters, chapters, strict=True):
                page = project.html_page(name)
                if name in selected:
                    started = time.perf_counter()
                    executed = execute_chapter(
                        chapter,
                        cache_dir=cache_dir,
                        fingerprint=fingerprint,
                        label=name,
                        refresh=refresh,
                    )
                    took = time.perf_counter() - started
                    how = "cached" if executed.from_cache else f"executed in {took:.1f} s"
                    log(f"  {name}: {how}")
                    if not executed.from_cache:
                        executed_names.append(name)
                else:
                    executed = _placeholder(chapter)
                stem = Path(page).with_suffix("").name
                figure_href = str(Path(page).parent / f"{stem}_files" / "figure-html")
                markdown = chapter_markdown(
                    chapter,
                    executed,
                    figure_dir=staging / figure_href if name in selected else Path(scratch),
                    figure_href=figure_href,
                    echo=project.echo,
                    code_fold=project.code_fold,
                )
                ast = pandoc.read_markdown(markdown)
                if synthetic:
                    _add_source_notes(ast["blocks"], data_label(config))
                book.append(_Chapter(name, page, ast))
        labels = _number_chapters(book, set(project.appendices))
        documents = [d for d in project.pdfs if selected & set(d.chapters)] if pdf_output else []
        pdf_links = [(d.file_name, d.subtitle or d.title) for d in documents]
        if html_output:
            _write_site(output, book, selected, labels, pdf_links)
        else:  # the PDFs' tables are checked on their HTML pages: write them aside
            with tempfile.TemporaryDirectory(prefix="book-check-") as aside:
                _write_site(replace(project, output_dir=Path(aside)), book, selected, labels, None)
                check_published(project, Path(aside), cache_dir=cache_dir)
        note = data_statement(config=config, scope="book") if synthetic else ""
        for document in documents:
            chosen = [c for c in book if c.name in document.chapters]
            typst[document.file_name] = _write_pdf(output, document, chosen, selected, note)
        log(check_published(project, staging, cache_dir=cache_dir))
    out = project.output_dir
    result = RenderResult(
        out / project.html_page(project.chapters[0]) if html_output else None,
        tuple(out / d.file_name for d in documents),
        executed_names,
        typst,
    )
    if result.html_index:
        log(f"HTML: {result.html_index}")
    for path in result.pdfs:
        log(f"PDF:  {path}")
    return result


def _add_source_notes(blocks: list[dict], label: str) -> None:
    """Say under every figure, and in every table's caption whose source note does not already, that the data are ``label`` (e.g. "Synthetic data")."""
    for block in blocks:
        if block["t"] == "Figure" and block["c"][0][0].startswith("fig-"):
            note = {"t": "Para", "c": [{"t": "Str", "c": f"{label}."}]}
            block["c"][2].append({"t": "Div", "c": [["", ["figure-source"], []], [note]]})
        elif block["t"] == "Div":
            identifier, content = block["c"][0][0], block["c"][1]
            if identifier.startswith("tbl-") and label not in _text_and_html(content):
                caption = content[-1] if content else None
                if caption and caption["t"] == "Div" and "table-caption" in caption["c"][0][1]:
                    caption["c"][1].append({"t": "Para", "c": [{"t": "Str", "c": f"{label}."}]})
            _add_source_notes(content, label)


def _text_and_html(blocks: list[dict]) -> str:
    raw = [b["c"][1] for b in pandoc.walk_blocks(blocks) if b["t"] == "RawBlock"]
    return pandoc.stringify(blocks) + " ".join(raw)


def _placeholder(chapter: Chapter) -> ExecutedChapter:
    """Return outputs standing in for a chapter that is not rendered this time (``--only``): one empty figure per figure cell, so numbers and cross-references stay right."""
    outputs = [
        [{"kind": "image", "data": ""}]
        if str(c.options.get("label", "")).startswith("fig-")
        else []
        for c in chapter.cells
    ]
    inline = sum(
        len(INLINE_EXPRESSION.findall(text))
        for part in chapter.parts
        if isinstance(part, Markdown)
        for _, text in part.prose_lines()
    )
    return ExecutedChapter(outputs, [""] * inline, from_cache=True)


def _number_chapters(book: list[_Chapter], appendices: set[str]) -> dict[str, dict]:
    """Return the chapter numbers and all labels.

    The index and ``.unnumbered`` chapters get no number; appendices get letters, as in
    Quarto.
    """
    labels: dict[str, dict] = {}
    number = letters = 0
    for chapter in book:
        title = next(
            (b for b in chapter.ast["blocks"] if b["t"] == "Header" and b["c"][0] == 1), None
        )
        classes = title["c"][1][1] if title else []
        if Path(chapter.name).name != "index.qmd" and "unnumbered" not in classes:
            if chapter.name in appendices:
                letters += 1
                chapter.number = chr(ord("A") + letters - 1)
            else:
                number += 1
                chapter.number = number
        chapter.title = pandoc.stringify(title["c"][2]) if title else chapter.name
        chapter.title_id = title["c"][1][0] if title else ""
        chapter_labels = pandoc.number_labels(chapter.ast, chapter.number, chapter.page)
        if chapter.name in appendices and chapter.title_id in chapter_labels:
            chapter_labels[chapter.title_id]["kind"] = "appendix"
        labels.update(chapter_labels)
    return labels


def _context(chapter: _Chapter, labels: dict, **extra) -> dict:
    return {
        "labels": labels,
        "page": chapter.page,
        "root": site.relative_root(chapter.page),
        **extra,
    }


def _citeproc_args(project: BookProject) -> list[str]:
    if project.bibliography is None:
        return []
    return ["--citeproc", f"--bibliography={project.bibliography}", "-M", "link-citations=true"]


def _write_site(project, book, selected, labels, pdfs) -> Path:
    pages = [site.Page(c.page, str(c.number or ""), c.title, c.title_id) for c in book]
    search_entries = []
    indexed = site.indexed_pages(project.output_dir)  # of the book being re-rendered in part
    for chapter, page in zip(book, pages, strict=True):
        if chapter.name not in selected and page.href in indexed:
            search_entries += indexed[page.href]  # its text as last rendered
            continue
        ast = copy.deepcopy(chapter.ast)
        pandoc.take_title(ast)
        if chapter.name in selected:
            add_csv_downloads(ast, page=chapter.page, output_dir=project.output_dir, labels=labels)
        text = pandoc.write(
            ast,
            "html5",
            filters=FILTERS,
            context=_context(chapter, labels),
            args=[
                *_citeproc_args(project),
                "-M",
                "reference-section-title=References",
                *(["--toc", "--toc-depth=3"] if project.html_toc else []),
                "--section-divs",
                "--wrap=none",
                "--mathml",
                f"--template={site.ASSETS / 'fragment.html'}",
            ],
        )
        toc, body = text.split("<!-- book-body -->", 1)
        # chapters are indexed from their rendered text (citations and cross-references as
        # the reader sees them); pages are written for the selected chapters only
        search_entries += site.search_entries(page, body)
        if chapter.name not in selected:
            continue
        site.write_page(
            project,
            site.Page(page.href, page.number, page.title, page.title_id, toc, body),
            pages,
            pdfs,
        )
    site.write_assets(project, search_entries)
    return project.output_dir / pages[0].href


def _write_pdf(
    project: BookProject,
    document: PdfDocument,
    chapters: list[_Chapter],
    selected: set[str],
    data_note: str,
) -> str:
    """Write one PDF into ``project.output_dir``: its chapters numbered as in that document (as Quarto numbers a book of those chapters), the selected ones only.

    Returns its Typst source.
    """
    chapters = [replace(c) for c in chapters]
    labels = _number_chapters(chapters, set(document.appendices))
    bodies = []
    cited: set[str] = set()
    for chapter in (c for c in chapters if c.name in selected):
        cited |= _citations(chapter.ast, labels)
        elsewhere = sorted(k for k in cited if k.startswith(pandoc.CROSSREF_PREFIXES))
        if elsewhere:  # Quarto renders each PDF as a book of its own chapters
            raise BookError(
                f"{chapter.name}: refers to {', '.join('@' + k for k in elsewhere)}, which is "
                f"not in the PDF {document.file_name} (profile {document.profile or 'none'}); "
                "refer to it in words, or list its chapter in that PDF's profile"
            )
        ast = copy.deepcopy(chapter.ast)
        pdf.cap_figure_heights(ast, project.output_dir)
        bodies.append(
            pandoc.write(
                ast,
                "typst",
                filters=FILTERS,
                context=_context(chapter, labels, echo=document.echo),
                args=[
                    *_citeproc_args(project),
                    "-M",
                    "suppress-bibliography=true",
                    "--syntax-highlighting=none",
                    "--wrap=none",
                    f"--template={site.ASSETS / 'body.typ'}",
                ],
            )
        )
    references = ""
    if cited and project.bibliography is not None:
        nocite = ", ".join(f"@{key}" for key in sorted(cited))
        references = pandoc.run_pandoc(
            [
                "-f",
                "markdown",
                "-t",
                "typst",
                *_citeproc_args(project),
                f"--template={site.ASSETS / 'body.typ'}",
            ],
            f"---\nnocite: '{nocite}'\n---\n\n# References\n\n::: {{#refs}}\n:::\n",
        )
    # a PDF of some chapters only (--only): links to the others lead to anchors at its end
    pages = {c.page for c in chapters if c.name in selected}
    absent = "".join(
        f"#metadata(none) <{i}>\n" for i, v in labels.items() if v["page"] not in pages
    )
    source = pdf.book_source(project, document, bodies, references + absent, data_note=data_note)
    output = project.output_dir
    pdf.compile_pdf(source, output / f"{document.output_file}.typ", output / document.file_name)
    return source


def _citations(node, labels: dict) -> set[str]:
    """Bibliography keys cited anywhere in an AST node."""
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("t") == "Cite":
            found |= {c["citationId"] for c in node["c"][0] if c["citationId"] not in labels}
        for value in node.values():
            found |= _citations(value, labels)
    elif isinstance(node, list):
        for value in node:
            found |= _citations(value, labels)
    return found
