"""Atomic publishing: the book is rendered into a staging folder and checked there; a failed
check publishes nothing and leaves the previous book byte for byte as it was, on the offline
path, with ``--pdf-only`` and on the Quarto path (a stand-in ``quarto`` on PATH)."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import pytest

from analysis.book import BookError, load_project, render_offline
from analysis.book.__main__ import main
from analysis.book.disclosure_check import check_book, check_pdf
from analysis.book.publish import staged
from analysis.report.disclosure import DisclosureRule
from tests.book.test_disclosure_check import CHAPTER, PUBLISHED_RAW, PUBLISHED_SAFE

QUARTO_YML = """\
project:
  type: book
  output-dir: _book
book:
  title: "Publishing test"
  output-file: "publishing"
  chapters:
    - index.qmd
    - chapters/deaths.qmd
"""


def write_book(root: Path, chapter: str) -> Path:
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    (root / "_quarto.yml").write_text(QUARTO_YML)
    (root / "index.qmd").write_text("# Preface {.unnumbered}\n\nAggregates only.\n")
    (root / "chapters" / "deaths.qmd").write_text(chapter)
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def leftovers(root: Path) -> list[str]:
    """Staging or retired folders left beside the output folder."""
    return sorted(p.name for p in root.iterdir() if ".staging-" in p.name or ".retired-" in p.name)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A tiny book published with a disclosure-controlled table (HTML, CSV and PDF)."""
    root = write_book(tmp_path_factory.mktemp("book"), CHAPTER.format(table=PUBLISHED_SAFE))
    render_offline(load_project(root), log=lambda _: None)
    return root


def test_a_clean_book_is_published_without_intermediate_files(published):
    files = snapshot(published / "_book")
    assert {"index.html", "chapters/deaths.html", "publishing.pdf"} <= set(files)
    assert "chapters/deaths_files/tables/tbl-deaths.csv" in files
    assert not [name for name in files if name.endswith(".typ")]  # no Typst source
    assert leftovers(published) == []


@pytest.mark.parametrize(
    "options",
    [{}, {"html_output": False}, {"only": ["chapters/deaths.qmd"]}],
    ids=["whole-book", "pdf-only", "only-one-chapter"],
)
def test_a_small_count_publishes_nothing_and_keeps_the_old_book(published, options):
    before = snapshot(published / "_book")
    (published / "chapters" / "deaths.qmd").write_text(CHAPTER.format(table=PUBLISHED_RAW))
    try:
        with pytest.raises(BookError, match="3 is a count of 1 to 7"):
            render_offline(load_project(published), log=lambda _: None, **options)
    finally:
        (published / "chapters" / "deaths.qmd").write_text(CHAPTER.format(table=PUBLISHED_SAFE))
    assert snapshot(published / "_book") == before
    assert leftovers(published) == []


def test_a_first_render_that_fails_leaves_no_output_folder(tmp_path):
    root = write_book(tmp_path, CHAPTER.format(table=PUBLISHED_RAW))
    with pytest.raises(BookError):
        render_offline(load_project(root), pdf_output=False, log=lambda _: None)
    assert not (root / "_book").exists() and leftovers(root) == []


def test_a_partial_render_keeps_the_rest_of_the_published_book(published):
    before = snapshot(published / "_book")
    render_offline(load_project(published), html_output=False, log=lambda _: None)
    after = snapshot(published / "_book")
    assert set(after) == set(before)
    assert after["chapters/deaths.html"] == before["chapters/deaths.html"]


def test_a_download_that_shows_more_than_its_page_is_found(published, tmp_path):
    folder = tmp_path / "copy"
    with staged(folder, keep_published=False) as staging:
        for name, data in snapshot(published / "_book").items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
    csv = folder / "chapters/deaths_files/tables/tbl-deaths.csv"
    assert check_book(folder, [], DisclosureRule()) == []
    csv.write_text(csv.read_text() + "West,3,1000,3.0\n")
    found = [str(f) for f in check_book(folder, [], DisclosureRule())]
    assert any("tbl-deaths.csv" in f and "does not show: 3" in f for f in found), found
    (folder / "chapters/orphan_files/tables").mkdir(parents=True)
    (folder / "chapters/orphan_files/tables/tbl-x.csv").write_text("a,b\n1,2\n")
    found = [str(f) for f in check_book(folder, [], DisclosureRule())]
    assert any("tbl-x.csv" in f and "no table of that label" in f for f in found), found


def test_pdf_text_is_checked_for_small_counts_in_prose(tmp_path):
    import typst

    source = tmp_path / "a.typ"
    source.write_text(
        "= Results\n\nIn the smallest area 3 deaths were recorded; 12 deaths in all.\n"
    )
    typst.compile(str(source), output=str(tmp_path / "a.pdf"))
    found = [str(f) for f in check_pdf(tmp_path / "a.pdf", tmp_path, DisclosureRule())]
    assert found == ['a.pdf, page 1: text "3 deaths" publishes a count of 1 to 7']


# --- the Quarto path, with a stand-in `quarto` that writes what the real one would ---------

FAKE_QUARTO = """\
#!{python}
import pathlib, sys
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--output-dir") + 1])
to = args[args.index("--to") + 1]
count = pathlib.Path({count_file!r}).read_text().strip()
out.mkdir(parents=True, exist_ok=True)
if to == "html":
    (out / "index.html").write_text("<p>Preface</p>")
    (out / "chapters").mkdir(exist_ok=True)
    (out / "chapters" / "deaths.html").write_text(
        '<table><thead><tr><th>Area</th><th><span class="sdc-count">Deaths</span></th></tr>'
        f'</thead><tbody><tr><td>North</td><td>{{count}}</td></tr></tbody></table>')
else:
    import typst
    (out / "publishing.typ").write_text("Deaths by area.")
    typst.compile(str(out / "publishing.typ"), output=str(out / "publishing.pdf"))
"""


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch) -> Path:
    """A ``quarto`` on PATH; the count its chapter shows is read from the returned file."""
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    count_file = tmp_path / "count.txt"
    script = bin_dir / "quarto"
    script.write_text(FAKE_QUARTO.format(python=sys.executable, count_file=str(count_file)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return count_file


def test_quarto_path_publishes_only_a_clean_book(tmp_path, fake_quarto, capsys):
    root = write_book(tmp_path / "book", textwrap.dedent("# Deaths\n"))
    fake_quarto.write_text("40")
    assert main(["--quarto", "--root", str(root)]) == 0
    before = snapshot(root / "_book")
    assert set(before) == {"index.html", "chapters/deaths.html", "publishing.pdf"}  # no .typ
    for options in ([], ["--pdf-only"]):
        fake_quarto.write_text("3")
        capsys.readouterr()
        assert main(["--quarto", "--root", str(root), *options]) == 1
        assert "3 is a count of 1 to 7" in capsys.readouterr().err
        assert snapshot(root / "_book") == before
        assert leftovers(root) == []
