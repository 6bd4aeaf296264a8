"""The offline path renders each supported element, in HTML and in the Typst source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.book import load_project, render_offline
from tests.book.conftest import QUARTO_YML


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, book_writer) -> dict:
    root = book_writer(tmp_path_factory.mktemp("book"))
    result = render_offline(load_project(root), log=lambda _: None)
    out = root / "_book"
    return {
        "root": root,
        "result": result,
        "index": (out / "index.html").read_text(),
        "chapter": (out / "chapters" / "first.html").read_text(),
        "typst": result.typst["tiny.pdf"],
        "search": (out / "assets" / "search-index.js").read_text(),
    }


def test_outputs_are_written(rendered):
    result = rendered["result"]
    assert result.html_index == rendered["root"] / "_book" / "index.html"
    assert result.pdfs == (rendered["root"] / "_book" / "tiny.pdf",)
    assert result.pdfs[0].read_bytes().startswith(b"%PDF")
    assert result.executed == ["index.qmd", "chapters/first.qmd"]


def test_figure_is_numbered_per_chapter_with_alt_text(rendered):
    html = rendered["chapter"]
    figure = re.search(r'<figure id="fig-line">.*?</figure>', html, re.S).group(0)
    assert 'alt="A straight line rising from left to right"' in figure
    assert "Figure\u00a01.1: </span>A rising line" in figure
    png = rendered["root"] / "_book/chapters/first_files/figure-html/fig-line.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert 'alt: "A straight line rising from left to right"' in rendered["typst"]


def test_table_is_numbered_and_a_real_table_in_typst(rendered):
    html = rendered["chapter"]
    assert re.search(r'<figure id="tbl-small" class="table-figure">.*<table', html, re.S)
    assert "Table\u00a01.1: </span>A small table" in html
    typst = rendered["typst"]
    table = typst[typst.index("#table(") : typst.index("<tbl-small>")]
    assert "[North]" in table and "[4.25]" in table
    assert "Table~1.1: A small table" in table
    assert "align: (right,left,right,)" in table  # numbers right, text left
    # a short table stays on one page with its caption
    assert re.search(
        r"#block\(breakable: false\)\[\s*#figure\((?:(?!#block).)*<tbl-small>", typst, re.S
    )


def test_table_is_downloadable_as_csv_from_the_html_only(rendered):
    link = 'href="first_files/tables/tbl-small.csv" download>Download Table\u00a01.1 as CSV</a>'
    assert link in rendered["chapter"]
    csv = rendered["root"] / "_book/chapters/first_files/tables/tbl-small.csv"
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["column 1,area,rate", "0,North,3.50", "1,South,4.25"]
    assert "as CSV" not in rendered["typst"]


def test_cross_references_resolve_in_html_and_typst(rendered):
    chapter, index = rendered["chapter"], rendered["index"]
    assert '<a href="#tbl-small" class="cross-ref">Table\u00a01.1</a>' in chapter
    assert '<a href="#fig-line" class="cross-ref">Figure\u00a01.1</a>' in chapter
    assert 'href="chapters/first.html#sec-methods" class="cross-ref">Section\u00a01.1</a>' in index
    typst = rendered["typst"]
    assert "#link(<sec-methods>)[Section~1.1]" in typst
    assert "#link(<fig-line>)[Figure~1.1]" in typst
    assert "== 1.1 Methods" in typst and "= 1 First chapter" in typst


def test_callouts_with_header_or_attribute_titles(rendered):
    html = rendered["chapter"]
    for kind, title in (("note", "Remember"), ("warning", "Careful")):
        pattern = rf'<div class="callout callout-{kind}">\s*<div class="callout-title">\s*{title}\s*</div>'
        assert re.search(pattern, html)
    typst = rendered["typst"]
    assert '#block(width: 100%, fill: rgb("#E8F1FA")' in typst
    assert "#strong[Remember]" in typst and "#strong[Careful]" in typst


def test_citations_and_references(rendered):
    html = rendered["chapter"]
    assert "Smith 2020" in html and 'id="ref-smith2020"' in html
    typst = rendered["typst"]
    assert "Smith 2020" in typst
    references = typst[typst.index("= References") :]
    assert "Smith, Jane. 2020." in references


def test_inline_expression_values(rendered):
    assert "The answer is 42." in rendered["chapter"]
    assert "The answer is 42." in rendered["typst"]


def test_code_is_folded_in_html_and_left_out_of_pdf(rendered):
    html = rendered["chapter"]
    assert html.count('<details class="code-fold"><summary>Code</summary>') == 2
    assert "matplotlib.pyplot" in html
    assert "matplotlib.pyplot" not in rendered["typst"]


def test_warnings_and_stderr_do_not_leak(rendered):
    for text in (rendered["chapter"], rendered["typst"]):
        assert "LEAKED WARNING" not in text
        assert "STDERR TEXT" not in text


def test_site_navigation_toc_and_search(rendered):
    index, chapter = rendered["index"], rendered["chapter"]
    assert '<a href="chapters/first.html">1\u00a0\u00a0First chapter</a>' in index
    assert '<a href="../index.html">Preface</a>' in chapter
    assert 'class="page-next" href="chapters/first.html"' in index
    assert 'href="#sec-methods"' in chapter.split("book-toc", 1)[1]  # page table of contents
    assert '"title": "1.1 Methods"' in rendered["search"]
    assert '<script src="../assets/search-index.js">' in chapter


def test_html_only_writes_no_pdf(tmp_path: Path, book_writer):
    root = book_writer(
        tmp_path, {"index.qmd": "# Preface\n", "chapters/first.qmd": "# Only text\n\nNo code.\n"}
    )
    result = render_offline(load_project(root), pdf_output=False, log=lambda _: None)
    assert result.pdfs == () and not (root / "_book" / "tiny.pdf").exists()
    assert "No code." in (root / "_book/chapters/first.html").read_text()


def test_appendices_are_lettered_after_the_chapters(tmp_path: Path, book_writer):
    config = QUARTO_YML.replace(
        "    - chapters/first.qmd\n", "    - chapters/first.qmd\n  appendices:\n    - extra.qmd\n"
    )
    appendix = "# Extra {#sec-extra}\n\n## Details {#sec-details}\n\nSee @sec-methods.\n"
    chapter = "# Only text\n\n## Methods {#sec-methods}\n\nSee @sec-extra and @sec-details.\n"
    root = book_writer(
        tmp_path,
        {"index.qmd": "# Preface\n", "chapters/first.qmd": chapter, "extra.qmd": appendix},
        config=config,
    )
    project = load_project(root)
    assert project.chapters[-1] == "extra.qmd" and project.appendices == ("extra.qmd",)
    typst = render_offline(project, log=lambda _: None).typst["tiny.pdf"]
    first = (root / "_book/chapters/first.html").read_text()
    assert ">Appendix\u00a0A</a>" in first and ">Section\u00a0A.1</a>" in first
    assert '<a href="../extra.html">A\u00a0\u00a0Extra</a>' in first  # sidebar
    extra = (root / "_book/extra.html").read_text()
    assert '<span class="chapter-number">A</span> Extra' in extra
    assert ">Section\u00a01.1</a>" in extra
    assert "= A Extra" in typst and "== A.1 Details" in typst
