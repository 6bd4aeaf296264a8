"""Every chapter of the book says which data it shows, near its top: the data callout.

The book renders on whatever the configuration file names, so each chapter opens with a
callout whose text is ``data_statement(data)`` (the synthetic default says "no real
patients"). The chapter template in CONTRIBUTING.md has it too. How chapters load the data
(``configured_dataset()`` only) is a house rule in ``test_chapter_template.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.book import load_project
from analysis.book.qmd import Markdown, read_qmd

ROOT = Path(__file__).resolve().parents[2]
PROJECT = load_project(ROOT)  # the site's chapters: every chapter of every document
CHAPTERS = [c for c in PROJECT.chapters if c not in PROJECT.appendices]
STATEMENT = re.compile(r"`\{python\}\s*data_statement\(data(, scope=\"book\")?\)`")
CALLOUT = re.compile(r"^:::+\s*\{\.callout-(note|important)")


def _data_callout(markdown: str) -> bool:
    """A callout (note or important) before the first section (a ``## `` line outside
    callouts) whose body holds the inline data statement."""
    inside = False
    for line in markdown.split("\n"):
        if CALLOUT.match(line):
            inside = True
        elif line.startswith(":::"):
            inside = False
        elif inside and STATEMENT.search(line):
            return True
        elif not inside and line.startswith("## "):
            return False
    return False


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_opens_with_the_data_statement(name):
    chapter = read_qmd(ROOT / name)
    markdown = "\n".join(p.text for p in chapter.parts if isinstance(p, Markdown))
    assert _data_callout(markdown), (
        f"{name}: open the chapter with the data callout before its first section:\n"
        "::: {.callout-note}\n## The data in this chapter\n`{python} data_statement(data)`\n:::"
    )


def test_the_chapter_template_has_it():
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    template = contributing.split("### Chapter template", 1)[1].split("### Supported syntax")[0]
    assert _data_callout(template)


def test_the_check_fails_without_the_callout():
    assert not _data_callout("Some text `{python} data_statement(data)` outside a callout.")
    assert not _data_callout("::: {.callout-tip}\n`{python} data_statement(data)`\n:::")
    assert _data_callout("::: {.callout-note}\n## The data\n`{python} data_statement(data)`\n:::")
    assert not _data_callout(
        "## Results\n\n::: {.callout-note}\n`{python} data_statement(data)`\n:::"
    )
