"""Failing chapter code stops the render with its location; unchanged chapters are not re-run."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.book import BookError, load_project, render_offline
from analysis.book.qmd import read_qmd

READS_DATA = """# Data

```{python}
import os
import yaml
from pathlib import Path


def configured_file():
    config = Path(os.environ["NHS_ANALYSIS_CONFIG"])
    return config.parent / yaml.safe_load(config.read_text())["data"]["path"] / "people.csv"
```

Rows: `{python} sum(1 for _ in open(configured_file()))`.
"""

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


def test_the_cache_is_keyed_on_the_configuration_and_the_data(tmp_path, book_writer, monkeypatch):
    book_writer(tmp_path, {"chapters/first.qmd": READS_DATA, "index.qmd": "# Preface\n"})
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "people.csv").write_text("person_id\n1\n")
        (tmp_path / f"{name}.yml").write_text(
            f"data: {{source: person, format: csv, path: {name}}}\n"
        )
    project = load_project(tmp_path)
    monkeypatch.chdir(tmp_path)  # a relative $NHS_ANALYSIS_CONFIG, as typed on the command line

    def render(config: str) -> list[str]:
        monkeypatch.setenv("NHS_ANALYSIS_CONFIG", config)
        executed = render_offline(project, pdf_output=False, log=lambda _: None).executed
        return [name for name in executed if name != "index.qmd"]

    def rows() -> str:
        return (tmp_path / "_book/chapters/first.html").read_text().split("Rows: ")[1][0]

    assert render("a.yml") == ["chapters/first.qmd"] and rows() == "2"
    assert render("a.yml") == []  # nothing changed
    (tmp_path / "b" / "people.csv").write_text("person_id\n1\n2\n")
    assert render("b.yml") == ["chapters/first.qmd"] and rows() == "3"  # other data: run
    assert render("a.yml") == [] and rows() == "2"  # each configuration keeps its cache
    (tmp_path / "a" / "people.csv").write_text("person_id\n1\n2\n3\n")
    assert render("a.yml") == ["chapters/first.qmd"] and rows() == "4"  # the data changed
    (tmp_path / "a.yml").write_text("data: {source: person, format: csv, path: b}\n")
    assert render("a.yml") == ["chapters/first.qmd"] and rows() == "3"  # the file changed


def test_an_invalid_configuration_stops_the_render_before_any_code_runs(
    tmp_path, book_writer, monkeypatch
):
    book_writer(tmp_path)
    (tmp_path / "bad.yml").write_text("data: {sauce: person}\n")
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(tmp_path / "bad.yml"))
    with pytest.raises(BookError, match="configuration: unknown key.*data.sauce"):
        render_offline(load_project(tmp_path), pdf_output=False, log=lambda _: None)
    assert not (tmp_path / ".cache").exists()


def test_fingerprint_covers_the_package_but_not_the_renderer(tmp_path):
    from analysis.book.execute import project_fingerprint

    book = tmp_path / "analysis" / "book"
    book.mkdir(parents=True)
    (book / "offline.py").write_text("RENDERER = 1\n")
    (tmp_path / "analysis" / "measures.py").write_text("STATISTIC = 1\n")
    before = project_fingerprint(tmp_path)
    (book / "offline.py").write_text("RENDERER = 2\n")
    assert project_fingerprint(tmp_path) == before  # renderer changes re-run nothing
    (tmp_path / "analysis" / "measures.py").write_text("STATISTIC = 2\n")
    assert project_fingerprint(tmp_path) != before  # the statistics re-run every chapter


def test_hiding_an_r_package_changes_the_fingerprint(monkeypatch):
    """The Python and R chapter names the R implementation that ran, so its cached text must
    not survive a change of R packages (installed, upgraded or hidden)."""
    from analysis.book.execute import project_fingerprint

    monkeypatch.delenv("NHS_R_HIDE_PACKAGES", raising=False)
    root = Path(__file__).resolve().parents[2]
    before = project_fingerprint(root)
    monkeypatch.setenv("NHS_R_HIDE_PACKAGES", "PHEindicatormethods")
    assert project_fingerprint(root) != before
