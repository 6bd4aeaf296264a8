"""The HTML site: one h1 and unique ids per page, search from rendered text, the contents
button for narrow screens."""

from __future__ import annotations

import json
import re
from collections import Counter

import pandas as pd
import pytest

from analysis.book import BookError, load_project, render_offline, site
from analysis.book.html_tables import parse
from analysis.report import nhs_table


@pytest.fixture(scope="module")
def book(tmp_path_factory, book_writer) -> dict:
    root = book_writer(tmp_path_factory.mktemp("site"))
    render_offline(load_project(root), log=lambda _: None, pdf_output=False)
    out = root / "_book"
    pages = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*.html")}
    index = (out / "assets" / "search-index.js").read_text()
    entries = json.loads(index.removeprefix("window.BOOK_SEARCH = ").rstrip().rstrip(";"))
    return {"pages": pages, "search": entries}


def test_every_page_has_one_h1_and_unique_ids(book):
    assert set(book["pages"]) == {"index.html", "chapters/first.html"}
    for name, text in book["pages"].items():
        nodes = list(parse(text).descendants())
        assert [n.tag for n in nodes].count("h1") == 1, name
        ids = Counter(n.attrs["id"] for n in nodes if "id" in n.attrs)
        assert [i for i, count in ids.items() if count > 1] == [], name
    # the bibliography's "References" heading is a section of the chapter, not a second title
    assert re.search(
        r'<h2 class="unnumbered">References</h2>', book["pages"]["chapters/first.html"]
    )


def test_search_index_holds_the_text_as_rendered(book):
    text = " ".join(e["title"] + " " + e["text"] for e in book["search"])
    assert "@" not in text and "[@" not in text  # no raw citation keys or cross-references
    first = next(
        e for e in book["search"] if e["anchor"] == "" and e["page"].endswith("first.html")
    )
    assert first["text"] == "Intro citing (Smith 2020). The answer is 42."
    preface = next(e for e in book["search"] if e["page"] == "index.html")
    assert preface["text"] == "Welcome. See Section 1.1 and Figure 1.1."
    methods = next(e for e in book["search"] if e["anchor"] == "sec-methods")
    assert methods["title"] == "1.1 Methods" and "Body of the warning." in methods["text"]
    assert "import" not in methods["text"]  # folded code is not indexed
    assert any(
        e["anchor"] == "bibliography" and "A Book on Things" in e["text"] for e in book["search"]
    )


def test_the_sidebar_folds_behind_an_accessible_button(book):
    page = book["pages"]["chapters/first.html"]
    button = re.search(r"<button[^>]*nav-toggle[^>]*>(.*?)</button>", page)
    assert button and button[1] == "Contents"
    assert 'aria-expanded="false"' in button[0] and 'aria-controls="book-sidebar"' in button[0]
    assert " hidden" in button[0]  # shown by book.js: without JavaScript the sidebar stays open
    assert '<nav id="book-sidebar" class="book-sidebar" aria-label="Chapters">' in page


def _two_tables() -> str:
    data = pd.DataFrame(
        {"sex": ["Female", "Male"], "group": ["Most deprived", "Most deprived"], "deaths": [10, 12]}
    )
    tables = [
        nhs_table(data, groupname_col="sex", rowname_col="group", counts=["deaths"]).as_raw_html()
        for _ in range(2)
    ]
    return "\n".join(tables)


def test_great_tables_ids_are_made_unique_and_headers_still_point_at_them():
    body = _two_tables()
    assert site.duplicate_ids(body)  # great-tables repeats "deaths", "Female", "stub-1", ...
    scoped = site.scope_table_ids(body)
    assert site.duplicate_ids(scoped) == []
    nodes = list(parse(scoped).descendants())
    ids = {n.attrs["id"] for n in nodes if "id" in n.attrs}
    assert all(" " not in i for i in ids)
    referenced = [h for n in nodes for h in n.attrs.get("headers", "").split()]
    assert referenced and set(referenced) <= ids  # every cell still names its headings


def test_a_page_with_repeated_ids_is_refused(tmp_path, book_writer):
    project = load_project(book_writer(tmp_path))
    page = site.Page("chapters/first.html", "1", "First", "first", body_html='<p id="x"></p>' * 2)
    with pytest.raises(BookError, match="chapters/first.html: element ids used more than once: x"):
        site.write_page(project, page, [page], None)


def test_a_partial_render_keeps_the_other_chapters_search_text(tmp_path, book_writer):
    project = load_project(book_writer(tmp_path))
    render_offline(project, log=lambda _: None, pdf_output=False)
    render_offline(project, only=["index.qmd"], log=lambda _: None, pdf_output=False)
    entries = site.indexed_pages(project.output_dir)
    assert set(entries) == {"index.html", "chapters/first.html"}
    # first.qmd was not run this time: its text is as last rendered, inline value included
    # (its placeholder outputs would have read "The answer is .")
    assert (
        entries["chapters/first.html"][0]["text"] == "Intro citing (Smith 2020). The answer is 42."
    )
    assert site.indexed_pages(tmp_path / "nowhere") == {}
