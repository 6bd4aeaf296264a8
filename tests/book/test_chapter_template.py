"""House rules every chapter follows, checked mechanically on each chapter in ``_quarto.yml`` and
on the chapter template (``chapters/_template.qmd``), which must also render.

Checked here: a title with a ``{#sec-...}`` identifier; every figure cell with ``fig-cap`` and
``fig-alt``, ending with ``check_figure(...)`` (so the render checks each figure against the
house rules of :mod:`analysis.report.figures`); every table cell with ``tbl-cap``; data loaded with ``data = configured_source()``
(the configured engine: chapters receive aggregates, never person rows)
(appendices, such as the API reference, show no data) and read in no other way; no hand-typed results in prose, captions or alt text (numbers
followed by ``%``, "per cent", "percentage points" or "per 100,000"; see
:data:`TYPED_NUMBERS_ALLOWED`); the offline validator. Checked elsewhere: the data statement
callout (``test_chapters_state_data.py``) and disclosure control
(``test_disclosure_check.py``).
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from analysis.book import load_project, render_offline
from analysis.book.qmd import Cell, Chapter, read_qmd
from analysis.book.reference import CHAPTER as REFERENCE_CHAPTER
from analysis.book.validate import (
    bibliography_keys,
    book_problems,
    chapter_labels,
    chapter_problems,
)

REPOSITORY = Path(__file__).resolve().parents[2]
PROJECT = load_project(REPOSITORY)
TEMPLATE = "chapters/_template.qmd"
SOURCES = [*PROJECT.chapters, TEMPLATE]

#: Numbers that may be typed in prose because they are definitions or fixed targets, not
#: results computed from the data (value -> why). Everything else is an inline expression.
TYPED_NUMBERS_ALLOWED = {
    "95%": "the confidence level of intervals and the inner funnel-plot limits",
    "99.8%": "the outer funnel-plot limits",
    "20%": "Core20: the most deprived fifth of areas in England, by definition",
    "75%": "the NHS ambition: 75% of cancers diagnosed at stage 1 or 2",
    "80%": "the NHS ambition: 80% of expected hypertension detected",
}
NUMBER = r"(?<![\w.,])\d(?:[\d,.]*\d)?"
TYPED_RESULT = re.compile(
    rf"{NUMBER}\s*(?:%|per ?cent\b|percentage points?\b)"
    rf"|{NUMBER}\s+per\s+(?:100,000|100 000|10,000|1,000|1000|100)\b"
)
#: Ways of reading data other than configured_source().
OTHER_LOADERS = re.compile(
    r"\b(?:default_dataset|generate_population|load_dataset|configured_dataset)\("
    r"|\bread_(?:csv|parquet|excel|table|json|feather|sql|sql_query)\("
    r"|\bopen\(|\bduckdb\.connect\(|\bnp\.load(?:txt)?\(|\.read_(?:text|bytes)\("
)
CAPTIONS = ("fig-cap", "fig-alt", "tbl-cap")


def title_problems(chapter: Chapter) -> list[str]:
    for part in chapter.parts:
        if isinstance(part, Cell):
            continue
        for line, text in part.prose_lines():
            if text.startswith("# "):
                ok = re.search(r"\{[^}]*#sec-[\w-]+", text)
                return (
                    [] if ok else [f"{line}: the title needs an identifier: '# Title {{#sec-...}}'"]
                )
    return ["1: no '# Title {#sec-...}' line"]


def ends_with_check_figure(code: str) -> bool:
    """Whether the cell's last statement is the expression ``check_figure(...)``."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    last = body[-1] if body else None
    return (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and getattr(last.value.func, "id", None) == "check_figure"
    )


def cell_problems(chapter: Chapter) -> list[str]:
    problems = []
    for cell in chapter.cells:
        label = str(cell.options.get("label", ""))
        if label.startswith("fig-"):
            problems += [
                f"{cell.line}: figure '{label}' has no '#| {key}:'"
                for key in ("fig-cap", "fig-alt")
                if not str(cell.options.get(key, "")).strip()
            ]
            if not ends_with_check_figure(cell.code):
                problems.append(
                    f"{cell.line}: figure '{label}' must end with check_figure(<the plot>), "
                    "which checks it against the house rules for figures"
                )
        if label.startswith("tbl-") and not str(cell.options.get("tbl-cap", "")).strip():
            problems.append(f"{cell.line}: table '{label}' has no '#| tbl-cap:'")
    return problems


def definition_problems(chapter: Chapter) -> list[str]:
    """Functions and classes defined in the Python cells (chapters call the package).

    Lambdas are allowed: a lambda is one expression written where it is used (``assign(
    value=lambda d: ...)``), the pandas idiom for a computed column, and cannot hold the
    multi-step logic that belongs in a tested package function.
    """
    problems = []
    for cell in chapter.cells:
        try:
            tree = ast.parse(cell.code)
        except SyntaxError as error:
            problems.append(f"{cell.line}: the cell is not valid Python ({error.msg})")
            continue
        problems += [
            f"{cell.line}: the cell starting here defines "
            f"{'class' if isinstance(node, ast.ClassDef) else 'function'} '{node.name}': "
            "put it in the analysis package, with a docstring and tests, and call it"
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ]
    return problems


def data_loading_problems(chapter: Chapter, *, shows_data: bool = True) -> list[str]:
    loader = "configured_source"
    problems = [
        f"{cell.line}: '{match[0]}' in the cell starting here: load data only with {loader}()"
        for cell in chapter.cells
        for code in cell.code.split("\n")
        for match in OTHER_LOADERS.finditer(code.split("#", 1)[0])
        if match[0] != f"{loader}("
    ]
    if shows_data and not any(f"data = {loader}()" in c.code for c in chapter.cells):
        problems.append(f"1: load the data with 'data = {loader}()'")
    return problems


def typed_number_problems(chapter: Chapter) -> list[str]:
    texts = [
        (cell.line, f"'#| {key}:'", str(cell.options[key]))
        for cell in chapter.cells
        for key in CAPTIONS
        if key in cell.options
    ]
    texts += [
        (line, "prose", re.sub(r"`[^`]*`|<!--.*?-->", "", text))
        for part in chapter.parts
        if not isinstance(part, Cell)
        for line, text in part.prose_lines()
    ]
    problems = []
    for line, where, text in texts:
        for match in TYPED_RESULT.finditer(text):
            value = re.sub(r"\s*(?:per ?cent)\b|\s+%", "%", match[0])
            if value in TYPED_NUMBERS_ALLOWED:
                continue
            problems.append(
                f"{line}: '{match[0]}' typed in {where}: compute it with `{{python}} ...` "
                "(or, for a definition or target, add it to TYPED_NUMBERS_ALLOWED with why)"
            )
    return problems


def house_rule_problems(chapter: Chapter, name: str) -> list[str]:
    problems = (
        title_problems(chapter)
        + cell_problems(chapter)
        + data_loading_problems(
            chapter,
            shows_data=name not in PROJECT.appendices,
        )
        # the generated API reference documents code (defaults, definitions), not results
        + ([] if name == str(REFERENCE_CHAPTER) else typed_number_problems(chapter))
        + definition_problems(chapter)
    )
    return [f"{name}:{p}" for p in problems]


@pytest.mark.parametrize("name", SOURCES)
def test_chapter_follows_the_house_rules(name):
    problems = house_rule_problems(read_qmd(REPOSITORY / name), name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", SOURCES)
def test_chapter_passes_the_validator(name):
    chapters = [read_qmd(REPOSITORY / c) for c in PROJECT.chapters]
    if name == TEMPLATE:  # not in the book: its labels are its own
        template = read_qmd(REPOSITORY / name)
        labels = {label for c in [*chapters, template] for label, _ in chapter_labels(c)}
        problems = chapter_problems(
            PROJECT, template, labels, bibliography_keys(PROJECT.bibliography)
        )
    else:
        problems = [p for p in book_problems(PROJECT, chapters) if p.startswith(f"{name}:")]
    assert not problems, "\n".join(problems)


def test_template_is_not_in_the_book_and_contributing_points_to_it():
    assert TEMPLATE not in PROJECT.chapters
    assert Path(TEMPLATE).name.startswith("_")  # Quarto does not render files starting with _
    contributing = (REPOSITORY / "CONTRIBUTING.md").read_text()
    assert f"Copy `{TEMPLATE}`" in contributing
    section = contributing.split("### Chapter template", 1)[1]
    opening = section.split("````markdown\n", 1)[1].split("\n````", 1)[0]
    template = re.sub(r"<!--.*?-->\n\n", "", (REPOSITORY / TEMPLATE).read_text(), flags=re.S)
    assert template.startswith(opening)  # quoted verbatim (less the template's comments)


BAD_CHAPTER = """\
# A title without an identifier

Deaths were 12.5% higher, 340 per 100,000, and 3 percentage points more; intervals are 95%.
Values in code (`{python} f"{x:.0f}%"` and `7%`) are fine, and so is ESP 2013.

```{python}
#| label: fig-a
#| fig-cap: "A figure with 41% in its caption"
import pandas as pd
people = pd.read_csv("people.csv")  # default_dataset( in a comment is fine
```

```{python}
#| label: tbl-b
from analysis.data import default_dataset
data = default_dataset()
```

```{python}
double = lambda v: 2 * v  # noqa: E731 -- lambdas are allowed
def helper(v):
    return v
class Holder:
    pass
```
"""


def test_the_rules_report_each_breach_with_its_line(tmp_path):
    path = tmp_path / "chapters" / "bad.qmd"
    path.parent.mkdir()
    path.write_text(BAD_CHAPTER)
    problems = house_rule_problems(read_qmd(path), "chapters/bad.qmd")
    text = "\n".join(problems)
    assert "chapters/bad.qmd:1: the title needs an identifier" in text
    assert "figure 'fig-a' has no '#| fig-alt:'" in text
    assert "figure 'fig-a' must end with check_figure(" in text
    assert "table 'tbl-b' has no '#| tbl-cap:'" in text
    assert ":6: 'read_csv(' in the cell" in text and ":13: 'default_dataset(' in the cell" in text
    for typed in ("'12.5%' typed in prose", "'340 per 100,000'", "'3 percentage points'", "'41%'"):
        assert typed in text
    assert "chapters/bad.qmd:1: load the data with 'data = configured_source()'" in text
    assert "'95%'" not in text and "7%" not in text.replace("'41%'", "")
    assert ":19: the cell starting here defines function 'helper'" in text
    assert ":19: the cell starting here defines class 'Holder'" in text
    assert "'<lambda>'" not in text
    assert len(problems) == 13


def test_the_template_renders_on_a_small_synthetic_population(tmp_path, monkeypatch):
    config = tmp_path / "analysis.yml"
    config.write_text("data:\n  source: synthetic\n  n_people: 20000\n")
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(config))
    # the population is generated beside this folder: no race with other tests' data
    monkeypatch.setenv("NHS_SYNTHETIC_DIR", str(tmp_path / "data" / "synthetic"))
    (tmp_path / "chapters").mkdir()
    shutil.copyfile(REPOSITORY / TEMPLATE, tmp_path / "chapters" / "template.qmd")
    shutil.copyfile(REPOSITORY / "references.bib", tmp_path / "references.bib")
    (tmp_path / "index.qmd").write_text("# Preface {#sec-preface .unnumbered}\n")
    (tmp_path / "_quarto.yml").write_text(
        "book:\n  title: T\n  chapters:\n    - index.qmd\n    - chapters/template.qmd\n"
        "bibliography: references.bib\n"
    )
    render_offline(load_project(tmp_path), pdf_output=False, log=lambda _: None)
    page = (tmp_path / "_book/chapters/template.html").read_text()
    assert "Figure\u00a01.1" in page and "Table\u00a01.1" in page
    assert re.search(r"died from CVD at \d+ per 100,000 person-years against \d+", page)
    assert "Traceback" not in page and "{python}" not in page
