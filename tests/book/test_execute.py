"""Failing chapter code stops the render with its location; unchanged chapters are not re-run."""

from __future__ import annotations

import pytest

from analysis.book import BookError, load_project, render_offline
from analysis.book.qmd import read_qmd

SECOND = "# Second\n\nValue `{python} 1 + 1`.\n\n```{python}\nprint('second ran')\n```\n"


def test_a_raising_cell_names_chapter_line_and_traceback(tmp_path, book_writer):
    chapter = "# T\n\nText.\n\n```{python}\nx = 1\n```\n\n```{python}\ndef f():\n    return 1 / 0\nf()\n```\n"
    book_writer(tmp_path, {"chapters/first.qmd": chapter, "index.qmd": "# Preface\n"})
    with pytest.raises(BookError) as error:
        render_offline(load_project(tmp_path), pdf_output=False, log=lambda _: None)
    message = str(error.value)
    assert "chapters/first.qmd:9: the cell starting on line 9 raised an error" in message
    assert "ZeroDivisionError" in message and "return 1 / 0" in message
    assert "\x1b[" not in message  # no terminal colour codes


def test_a_raising_inline_expression_names_its_line(tmp_path, book_writer):
    book_writer(
        tmp_path,
        {"chapters/first.qmd": "# T\n\nSee `{python} undefined_name`.\n", "index.qmd": "# P\n"},
    )
    with pytest.raises(BookError, match=r"(?s)first.qmd:3: the inline expression .*NameError"):
        render_offline(load_project(tmp_path), pdf_output=False, log=lambda _: None)


def test_unchanged_chapters_come_from_the_cache(tmp_path, book_writer):
    book_writer(
        tmp_path, {"index.qmd": "# Preface\n\n`{python} 2 * 21`\n", "chapters/first.qmd": SECOND}
    )
    project = load_project(tmp_path)
    quiet = {"pdf_output": False, "log": lambda _: None}
    assert render_offline(project, **quiet).executed == ["index.qmd", "chapters/first.qmd"]
    assert render_offline(project, **quiet).executed == []
    page = (tmp_path / "_book/chapters/first.html").read_text()
    assert "Value 2." in page and "second ran" in page  # outputs restored from the cache
    (tmp_path / "chapters/first.qmd").write_text(SECOND.replace("1 + 1", "1 + 2"))
    assert render_offline(project, **quiet).executed == ["chapters/first.qmd"]
    assert "Value 3." in (tmp_path / "_book/chapters/first.html").read_text()
    cached = (tmp_path / ".cache/book/chapters__first.qmd.json").read_text()
    assert "second ran" in cached and "print(" not in cached  # outputs only, no code or data


def test_only_renders_the_chosen_chapter_with_book_wide_numbers(tmp_path, book_writer):
    book_writer(tmp_path)
    result = render_offline(
        load_project(tmp_path), only=["index.qmd"], pdf_output=False, log=lambda _: None
    )
    assert result.executed == ["index.qmd"]
    index = (tmp_path / "_book/index.html").read_text()
    assert "Figure\u00a01.1" in index and "Section\u00a01.1" in index
    assert not (tmp_path / "_book/chapters/first.html").exists()


def test_cell_options_and_lines_are_read(tmp_path):
    path = tmp_path / "c.qmd"
    path.write_text(
        "---\ntitle: X\n---\n\nText\n\n```{python}\n#| label: fig-a\n#| echo: false\nx = 1\n```\n"
    )
    chapter = read_qmd(path)
    (cell,) = chapter.cells
    assert cell.line == 7 and cell.options == {"label": "fig-a", "echo": False}
    assert cell.code == "x = 1" and chapter.front_matter == {"title": "X"}
