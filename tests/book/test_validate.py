"""Unsupported syntax fails before any code runs, naming the file, the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.book import BookError, load_project
from analysis.book.validate import load_and_validate

REPOSITORY = Path(__file__).resolve().parents[2]


def problems_for(root: Path, book_writer, chapter: str) -> str:
    book_writer(root, {"chapters/first.qmd": chapter, "index.qmd": "# Preface\n"})
    with pytest.raises(BookError) as error:
        load_and_validate(load_project(root))
    return str(error.value)


@pytest.mark.parametrize(
    ("chapter", "expected"),
    [
        ("# T\n\n{{< include other.qmd >}}\n", ["chapters/first.qmd:3:", "shortcodes", "inline"]),
        ("# T\n\n```{r}\n1 + 1\n```\n", ["chapters/first.qmd:3:", "'{r}' cells", "```{python}"]),
        (
            "# T\n\n```{python}\n#| fig-width: 4\n1\n```\n",
            ["first.qmd:3:", "'#| fig-width'", "supported:"],
        ),
        ("# T\n\nSee @fig-missing.\n", ["first.qmd:3:", "'@fig-missing' points to no label"]),
        ("# T\n\nSee @eq-one.\n", ["first.qmd:3:", "'@eq-one' is not supported", "@fig-"]),
        (
            "# T\n\nAs [@nobody2000] said.\n",
            ["first.qmd:3:", "'@nobody2000' is not in the bibliography"],
        ),
        ("# T\n\n::: {.panel-tabset}\nx\n:::\n", ["first.qmd:3:", "'.panel-tabset'", "callout"]),
        ("# T\n\n::: {.callout-danger}\nx\n:::\n", ["first.qmd:3:", "'.callout-danger'"]),
        ("# T\n\n```{python}\n#| label: fig-a\n1\n```\n", ["first.qmd:3:", "needs '#| fig-cap:'"]),
        ("---\nformat: html\n---\n# T\n", ["first.qmd:1:", "front matter key 'format'"]),
        ("No title here.\n", ["first.qmd:1:", "no title"]),
        ("# T\n\n```{python}\n1\n", ["first.qmd:3:", "never closed"]),
    ],
)
def test_unsupported_syntax_is_reported_with_file_line_and_fix(
    tmp_path, book_writer, chapter, expected
):
    message = problems_for(tmp_path, book_writer, chapter)
    for text in expected:
        assert text in message


def test_duplicate_labels_are_reported(tmp_path, book_writer):
    cell = "```{python}\n#| label: fig-a\n#| fig-cap: A\n1\n```\n"
    message = problems_for(tmp_path, book_writer, f"# T\n\n{cell}\n{cell}")
    assert "label 'fig-a' is already used at chapters/first.qmd:3" in message


def test_code_blocks_and_inline_code_are_not_checked(tmp_path, book_writer):
    chapter = "# T\n\n```markdown\n{{< include x >}} and @fig-nowhere\n```\n\nUse `@fig-label` to refer.\n"
    book_writer(tmp_path, {"chapters/first.qmd": chapter, "index.qmd": "# Preface\n"})
    chapters = load_and_validate(load_project(tmp_path))
    assert [c.path.name for c in chapters] == ["index.qmd", "first.qmd"]


def test_every_chapter_of_the_book_passes_the_validator():
    project = load_project(REPOSITORY)
    chapters = load_and_validate(project)
    assert len(chapters) == len(project.chapters) >= 2
