"""Two documents for two audiences: a book whose ``_quarto.yml`` declares Quarto profiles
renders one HTML site with every chapter and one PDF per PDF profile, each with its own
chapters and numbering; title pages and source notes say when the data are synthetic; and a
figure that does not fit under the text floats instead of leaving its page empty."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from analysis.book import BookError, load_project, render_offline
from analysis.book.pdf import FIGURE_HEIGHT_CM
from analysis.book.project import merge_config

BASE = """\
project:
  type: book
  output-dir: _book
profile:
  group:
    - [site, readers, analysts]
book:
  title: "Two audiences"
  author: "Tester"
  date: "2024-01-01"
  chapters:
    - index.qmd
"""
PROFILES = {
    "site": """\
book:
  chapters: [results.qmd, methods.qmd]
format:
  html:
    code-fold: true
""",
    "readers": """\
book:
  output-file: "findings"
  chapters: [results.qmd]
format:
  typst:
    echo: false
""",
    "analysts": """\
book:
  subtitle: "Technical companion"
  output-file: "technical"
  chapters: [methods.qmd]
format:
  typst:
    echo: false
""",
}
INDEX = "# Preface {.unnumbered}\n\nFor readers.\n"
RESULTS = """\
# Results {#sec-results}

RESULTS TEXT.

```{python}
#| label: fig-rise
#| fig-cap: "A rising line"
#| fig-alt: "A line rising from left to right"
import matplotlib.pyplot as plt
plt.plot([1, 2, 3]);
```
"""
METHODS = "# Methods {#sec-methods}\n\nMETHODS TEXT.\n"


def write_profiled_book(root: Path, methods: str = METHODS) -> Path:
    (root / "_quarto.yml").write_text(BASE)
    for name, text in PROFILES.items():
        (root / f"_quarto-{name}.yml").write_text(text)
    for name, text in {"index.qmd": INDEX, "results.qmd": RESULTS, "methods.qmd": methods}.items():
        (root / name).write_text(text)
    return root


def test_profiles_merge_as_quarto_merges_them(tmp_path):
    project = load_project(write_profiled_book(tmp_path))
    assert project.chapters == ("index.qmd", "results.qmd", "methods.qmd")  # the site: all
    assert project.site_profile == "site" and project.code_fold
    readers, analysts = project.pdfs
    assert (readers.profile, readers.file_name, readers.chapters) == (
        "readers",
        "findings.pdf",
        ("index.qmd", "results.qmd"),
    )
    assert (analysts.subtitle, analysts.chapters) == (
        "Technical companion",
        ("index.qmd", "methods.qmd"),
    )
    assert merge_config({"a": [1, 2], "b": {"c": 1}}, {"a": [2, 3], "b": {"d": 2}}) == {
        "a": [1, 2, 3],
        "b": {"c": 1, "d": 2},
    }


def test_a_pdf_profile_may_list_only_chapters_of_the_site(tmp_path):
    write_profiled_book(tmp_path)
    (tmp_path / "_quarto-analysts.yml").write_text(
        "book:\n  chapters: [extra.qmd]\nformat: {typst: {}}\n"
    )
    (tmp_path / "extra.qmd").write_text("# Extra\n")
    with pytest.raises(BookError, match="the site does not: extra.qmd"):
        load_project(tmp_path)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    root = write_profiled_book(tmp_path_factory.mktemp("book"))
    result = render_offline(load_project(root), log=lambda _: None)
    return {"root": root, "result": result, "out": root / "_book"}


def test_the_site_has_every_chapter_and_each_pdf_its_own(rendered):
    out, result = rendered["out"], rendered["result"]
    assert {p.name for p in out.glob("*.html")} == {"index.html", "results.html", "methods.html"}
    assert result.pdfs == (out / "findings.pdf", out / "technical.pdf")
    readers, analysts = result.typst["findings.pdf"], result.typst["technical.pdf"]
    assert "RESULTS TEXT" in readers and "METHODS TEXT" not in readers
    assert "METHODS TEXT" in analysts and "RESULTS TEXT" not in analysts
    # each PDF is numbered as a book of its own chapters (as Quarto numbers it)
    assert "= 1 Results" in readers and "= 1 Methods" in analysts
    assert "Technical companion" in analysts
    # the site links both PDFs, and numbers chapters across the whole site
    index = (out / "index.html").read_text()
    assert 'href="findings.pdf">Download as PDF: Two audiences</a>' in index
    assert 'href="technical.pdf">Download as PDF: Technical companion</a>' in index
    assert '<span class="chapter-number">2</span> Methods' in (out / "methods.html").read_text()


def test_title_pages_and_figure_notes_say_the_data_are_synthetic(rendered):
    statement = "synthetic integrated care system: no real patients"
    for source in rendered["result"].typst.values():
        title_page = source[: source.index("#outline(")]
        assert statement in title_page
    assert "Synthetic data." in rendered["result"].typst["findings.pdf"]
    page = (rendered["out"] / "results.html").read_text()
    figure = re.search(r'<figure id="fig-rise".*?</figure>', page, re.S)[0]
    assert '<div class="figure-source">' in figure and "Synthetic data." in figure


def test_a_pdf_chapter_cannot_refer_to_a_chapter_outside_its_pdf(tmp_path):
    root = write_profiled_book(tmp_path, methods=METHODS)
    (root / "results.qmd").write_text(RESULTS + "\nSee @sec-methods.\n")
    with pytest.raises(BookError, match=r"results.qmd: refers to @sec-methods, which is not in"):
        render_offline(load_project(root), log=lambda _: None)
    assert not (root / "_book").exists()


# --- page fill: floats ------------------------------------------------------------------------

PARAGRAPH = " ".join(["The rate in the most deprived fifth was higher than in the least."] * 14)
LONG = """\
# Long chapter

{text}

```{{python}}
#| label: fig-tall
#| fig-cap: "A tall figure"
#| fig-alt: "Bars"
import matplotlib.pyplot as plt
plt.figure(figsize=(6, 6.5))
plt.bar(range(5), [3, 4, 5, 6, 7]);
```

{text}

```{{python}}
#| label: tbl-rows
#| tbl-cap: "A table"
import pandas as pd
from analysis.report import nhs_table
nhs_table(pd.DataFrame({{"group": [f"Group {{i}}" for i in range(18)], "rate": [10.5] * 18}}),
          counts=[])
```

{text}
"""


def blank_fraction_below_text(png: bytes, top: int, bottom: int) -> float:
    """Share of the page's text area (rows ``top`` to ``bottom``) below its last ink."""
    from PIL import Image

    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    ink = np.nonzero((grey[top:bottom] < 200).any(axis=1))[0]
    return 1.0 if len(ink) == 0 else (bottom - top - 1 - ink.max()) / (bottom - top)


def test_no_page_is_left_a_third_empty_by_a_figure_or_table_that_moved(tmp_path, book_writer):
    import typst

    text = "\n\n".join([PARAGRAPH] * 2)  # the figure does not fit under the first page's text
    chapters = {"index.qmd": "# Preface\n\nShort.\n", "chapters/first.qmd": LONG.format(text=text)}
    root = book_writer(tmp_path, chapters)
    result = render_offline(load_project(root), log=lambda _: None)
    # the tall figure is capped at a height that lets two figures share a page
    assert f'fig-tall.png", height: {FIGURE_HEIGHT_CM}cm' in result.typst["tiny.pdf"]
    # compile the PDF's source again as page images (beside the figures it refers to)
    folder = tmp_path / "pages"
    shutil.copytree(root / "_book", folder)
    (folder / "tiny.typ").write_text(result.typst["tiny.pdf"])
    ppi = 40
    pages = typst.compile(str(folder / "tiny.typ"), format="png", ppi=ppi)
    top, bottom = round(2.5 / 2.54 * ppi), round((29.7 - 2.5) / 2.54 * ppi)
    # pages: title, contents, preface, then the chapter; its last page may end short
    chapter = pages[3:-1]
    assert len(chapter) >= 2
    empty = [blank_fraction_below_text(png, top, bottom) for png in chapter]
    assert max(empty) <= 1 / 3, empty


def test_a_pdf_of_one_chapter_links_to_the_others_without_failing(tmp_path, book_writer):
    root = book_writer(tmp_path)  # the preface refers to a section and a figure of chapter 1
    result = render_offline(load_project(root), only=["index.qmd"], log=lambda _: None)
    assert result.pdfs[0].read_bytes().startswith(b"%PDF")
    source = result.typst["tiny.pdf"]
    assert "#link(<sec-methods>)" in source and "#metadata(none) <sec-methods>" in source


# --- this book's own documents ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
TECHNICAL = {
    "chapters/how-this-book-works.qmd",
    "chapters/python-and-r.qmd",
    "chapters/api-reference.qmd",
    "chapters/data-sources.qmd",
}


def test_this_books_site_has_every_chapter_and_the_stakeholder_pdf_no_developer_chapter():
    project = load_project(ROOT)
    on_disk = {
        str(p.relative_to(ROOT)) for p in (ROOT / "chapters").glob("*.qmd") if p.name[0] != "_"
    }
    assert set(project.chapters) == on_disk | {"index.qmd"}
    stakeholder, technical = project.pdfs
    assert stakeholder.profile == "stakeholder" and technical.profile == "technical"
    assert not set(stakeholder.chapters) & TECHNICAL
    assert set(technical.chapters) == TECHNICAL | {"index.qmd"}
    assert set(stakeholder.chapters) | set(technical.chapters) == set(project.chapters)


def test_the_readers_preface_gives_no_developer_instructions():
    preface = (ROOT / "index.qmd").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", preface, flags=re.S)
    for instruction in ("**Code**", "select Code", "click", "bash ", "scripts/", "@sec-"):
        assert instruction not in prose, instruction
