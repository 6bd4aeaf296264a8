"""The render's disclosure check: small counts in published tables and text, person-level rows
in pages and caches; unit tests on hand-written HTML and end-to-end renders of a tiny book."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.book import BookError, load_project, render_offline
from analysis.book.disclosure_check import (
    MAX_PUBLISHED_ROWS,
    check_cache_file,
    check_page,
    person_identifiers,
    report,
)
from analysis.report.disclosure import DisclosureRule

RULE = DisclosureRule()


def table(heading: str, rows: list[str], caption: str = "") -> str:
    """A small HTML table: ``heading`` is the <tr> of <th>s, ``rows`` the body's <tr>s."""
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead>{heading}</thead><tbody>{''.join(rows)}</tbody></table>"


DECLARED = (
    '<tr><th><span class="sdc-other">Area</span></th>'
    '<th><span class="sdc-count">Deaths</span></th>'
    '<th><span class="sdc-other">Rate</span></th></tr>'
)


def problems(html: str, rule: DisclosureRule = RULE) -> list[str]:
    return [str(f) for f in check_page(html, "page.html", rule)]


def test_compliant_declared_table_passes():
    html = table(
        DECLARED,
        [
            "<tr><td>North</td><td>0</td><td>0.0</td></tr>",
            "<tr><td>South</td><td>1,234</td><td>5.5</td></tr>",
            "<tr><td>East</td><td>8</td><td>3</td></tr>",  # 8 is allowed; the rate 3 is not a count
        ],
    )
    assert problems(html) == []


def test_small_count_reported_with_page_caption_row_and_column():
    html = table(
        DECLARED,
        ["<tr><td>North</td><td>12</td><td>1.0</td></tr>", "<tr><td>South</td><td>3</td><td>2.0</td></tr>"],
        caption="Deaths by area",
    )  # fmt: skip
    assert problems(html) == [
        'page.html, Deaths by area, row "South", column "Deaths": 3 is a count of 1 to 7'
    ]


@pytest.mark.parametrize("value", ["1", "7", "5 (12.5%)", "4.0"])
def test_every_small_count_form_is_caught(value):
    html = table(DECLARED, [f"<tr><td>North</td><td>{value}</td><td>1.0</td></tr>"])
    assert len(problems(html)) == 1


@pytest.mark.parametrize("value", ["[c]", "", "–", "0", "8", "10,005"])
def test_suppressed_markers_zero_and_large_counts_pass(value):
    html = table(DECLARED, [f"<tr><td>North</td><td>{value}</td><td>[c]</td></tr>"])
    assert problems(html) == []


def test_configured_rule_changes_the_range():
    html = table(DECLARED, ["<tr><td>North</td><td>9</td><td>1.0</td></tr>"])
    assert problems(html) == []
    assert problems(html, DisclosureRule(max_count=10)) == [
        'page.html, table 1, row "North", column "Deaths": 9 is a count of 1 to 10'
    ]


def test_rounding_rule_requires_multiples_of_the_base():
    rule = DisclosureRule(rounding_base=5)
    rows = [
        "<tr><td>North</td><td>1,234</td><td>1.3</td></tr>",
        "<tr><td>South</td><td>1,240</td><td>1.2</td></tr>",
    ]
    assert problems(table(DECLARED, rows), rule) == [
        'page.html, table 1, row "North", column "Deaths": 1,234 is a count not rounded to '
        "the nearest 5"
    ]


def test_undeclared_table_reports_small_whole_numbers_once_per_column():
    html = table(
        "<tr><th>Area</th><th>Deaths</th><th>Rate</th></tr>",
        [
            "<tr><td>North</td><td>3</td><td>2.5</td></tr>",
            "<tr><td>South</td><td>6</td><td>7</td></tr>",
            "<tr><td>West</td><td>40</td><td>7.5</td></tr>",
        ],
    )
    found = problems(html)
    assert len(found) == 2
    assert found[0].startswith('page.html, table 1, column "Deaths": whole numbers of 1 to 7')
    assert '3 (row "North"), 6 (row "South")' in found[0]
    assert 'column "Rate"' in found[1] and '7 (row "South")' in found[1]


def test_row_labels_and_declared_other_columns_are_not_counts():
    html = table(
        '<tr><th></th><th><span class="sdc-other">Rank</span></th></tr>',
        ['<tr><th scope="row">1</th><td>2</td></tr>'],
    )
    assert problems(html) == []


def test_a_cell_can_be_marked_on_its_own():
    html = table("<tr><th>Area</th><th>Note</th></tr>", [
        '<tr><td>North</td><td>deaths: <span class="sdc-count">2</span></td></tr>'
    ])  # fmt: skip
    assert problems(html) == [
        'page.html, table 1, row "North", column "Note": 2 is a count of 1 to 7'
    ]


def test_spanners_groups_and_rowspans_map_cells_to_their_columns():
    html = """<table><thead>
      <tr><th rowspan="2"></th><th colspan="2">CVD</th></tr>
      <tr><th><span class="sdc-count">Deaths</span></th><th><span class="sdc-other">Rate</span></th></tr>
    </thead><tbody>
      <tr><th colspan="3">Sex</th></tr>
      <tr><th scope="row">Female</th><td>50</td><td>4</td></tr>
      <tr><th scope="row">Male</th><td>5</td><td>4</td></tr>
    </tbody></table>"""
    assert problems(html) == [
        'page.html, table 1, row "Sex / Male", column "Deaths": 5 is a count of 1 to 7'
    ]


def test_caption_of_a_numbered_table_figure():
    html = (
        '<figure id="tbl-x"><div>' + table(DECLARED, ["<tr><td>A</td><td>2</td><td>1</td></tr>"])
        + '</div><figcaption><span>Table 1.1: </span>Deaths by area</figcaption></figure>'
    )  # fmt: skip
    assert problems(html)[0].startswith("page.html, Table 1.1: Deaths by area, row")


def test_small_counts_in_prose_captions_and_alt_text():
    html = (
        "<p>In 2020, <strong>3</strong> deaths were recorded in 2 areas.</p>"
        '<figure><img src="a.png" alt="Bars; the smallest is 5 patients."><figcaption>'
        "Rates for 6 people</figcaption></figure>"
        "<pre class='python cell-code'><code>print('4 deaths')</code></pre>"
        "<p>Counts of 1 to 7 are suppressed; 8 deaths and 12 cases are shown.</p>"
        '<h1><span class="chapter-number">3</span> People and places</h1>'
    )
    found = problems(html)
    assert found == [
        'page.html: text "3 deaths" publishes a count of 1 to 7',
        'page.html: text "6 people" publishes a count of 1 to 7',
        'page.html: figure alt text "5 patients" publishes a count of 1 to 7',
    ]


def test_prose_check_follows_the_configured_rule():
    wider = DisclosureRule(min_count=1, max_count=10)
    assert problems("<p>9 deaths and 11 cases.</p>", wider) == [
        'page.html: text "9 deaths" publishes a count of 1 to 10'
    ]


def test_person_identifier_columns_and_long_tables_are_person_level():
    html = table(
        "<tr><th>Person ID</th><th>Age</th></tr>", ["<tr><td>10</td><td>50</td></tr>"]
    ) + table(
        '<tr><th><span class="sdc-other">Area</span></th></tr>',
        ["<tr><td>a</td></tr>"] * (MAX_PUBLISHED_ROWS + 1),
    )
    found = problems(html)
    assert 'column "Person ID": a person identifier column' in found[0]
    assert f"{MAX_PUBLISHED_ROWS + 1:,} rows" in found[1]
    assert len(found) == 2


def test_printed_outputs_naming_identifiers_or_long_frames_are_person_level():
    html = (
        '<div class="cell-output"><pre><code>   person_id  age\n0  1  50</code></pre></div>'
        '<pre class="cell-output"><code>[1000000 rows x 30 columns]</code></pre>'
        '<pre class="python cell-code"><code>people["person_id"].nunique()</code></pre>'
        '<pre class="cell-output"><code>Each `person_id` is unique (documentation)</code></pre>'
    )
    assert problems(html) == [
        "page.html: printed output names the person identifier person_id",
        'page.html: printed data frame of "1000000 rows x 30 columns" (person-level?)',
    ]


def test_configured_column_names_of_person_id_are_identifiers():
    names = person_identifiers({"people": {"Patient Key": "person_id", "lsoa": "area_code"}})
    assert "patient_key" in names and "lsoa" not in names
    html = table("<tr><th>Patient Key</th></tr>", ["<tr><td>x</td></tr>"])
    assert check_page(html, "p.html", RULE, names)
    assert not check_page(html, "p.html", RULE)


def test_cache_files_hidden_person_level_outputs(tmp_path):
    clean = {
        "key": "k",
        "cells": [[{"kind": "html", "data": table(DECLARED, ["<tr><td>A</td><td>3</td><td>1</td></tr>"])}]],
        "inline": ["1,000"],
    }  # fmt: skip
    leaky = {
        "key": "k",
        "cells": [
            [{"kind": "text", "data": "   person_id  age\n0          1   50"}],
            [{"kind": "html", "data": table("<tr><th>person_id</th></tr>", ["<tr><td>1</td></tr>"])}],
            [{"kind": "image", "data": "iVBORw0KGgo="}],
        ],
        "inline": [],
    }  # fmt: skip
    (tmp_path / "clean.json").write_text(json.dumps(clean))
    (tmp_path / "leaky.json").write_text(json.dumps(leaky))
    assert check_cache_file(tmp_path / "clean.json") == []  # small counts: the pages' business
    found = [f.problem for f in check_cache_file(tmp_path / "leaky.json")]
    assert found == [
        "printed output names the person identifier person_id",
        "a person identifier column (person-level rows)",
    ]


def test_an_identifier_is_person_level_as_a_printed_column_not_as_a_word(tmp_path):
    outputs = {
        "prose": "Your postcode lookup and small-area boundaries (paths in the config).",
        "series": "0    LS1 4AP\n1    LS2 9JT\nName: postcode, dtype: object",
        "frame": "  sex  postcode\n0   F  LS1 4AP",
    }
    cache = {"cells": [[{"kind": "text", "data": text}] for text in outputs.values()]}
    (tmp_path / "c.json").write_text(json.dumps(cache))
    found = [f.problem for f in check_cache_file(tmp_path / "c.json")]
    assert found == ["printed output names the person identifier postcode"] * 2  # not prose


def test_quarto_freeze_files_are_read_for_outputs_only(tmp_path):
    markdown = (
        "::: {.cell}\n```{.python .cell-code}\npeople[['person_id']]\n```\n\n"
        "::: {.cell-output .cell-output-stdout}\n```\n   person_id\n0  1\n```\n:::\n:::\n"
    )
    (tmp_path / "freeze.json").write_text(json.dumps({"result": {"markdown": markdown}}))
    assert [f.problem for f in check_cache_file(tmp_path / "freeze.json")] == [
        "printed output names the person identifier person_id"
    ]


def test_report_states_rule_findings_and_fix():
    findings = check_page(table(DECLARED, ["<tr><td>A</td><td>3</td><td>1</td></tr>"]), "p", RULE)
    text = report(findings, RULE)
    assert "1 disclosive item(s)" in text and "counts of 1 to 7 are suppressed" in text
    assert 'p, table 1, row "A", column "Deaths": 3 is a count of 1 to 7' in text
    assert "apply_disclosure_control" in text and "nhs_table(..., counts=[...])" in text


# --- end to end: a tiny book through the real offline renderer -------------------------------

CHAPTER = """\
# Deaths {{#sec-deaths}}

```{{python}}
#| label: tbl-deaths
#| tbl-cap: "Deaths by area (synthetic)."
import pandas as pd
from analysis.report import nhs_table
from analysis.report.disclosure import apply_disclosure_control

counts = pd.DataFrame({{"nation": "N", "area": ["North", "South", "East"],
                        "deaths": [3, 40, 52], "population": [1000, 2000, 2500]}})
counts["rate"] = counts["deaths"] / counts["population"] * 1000
{table}
```
"""
PUBLISHED_RAW = 'nhs_table(counts, counts=["deaths", "population"])'
PUBLISHED_SAFE = (
    "nhs_table(apply_disclosure_control(counts, ['deaths', 'population'],\n"
    "    derived={'rate': ['deaths', 'population']}, margins=[['nation']]),\n"
    "    counts=['deaths', 'population'])"
)
HIDDEN_PEOPLE = """\

```{python}
#| output: false
pd.DataFrame({"person_id": [1, 2], "age": [40, 50]})
```
"""

QUARTO_YML = """\
project:
  type: book
  output-dir: _book
book:
  title: "Disclosure test"
  chapters:
    - index.qmd
    - chapters/deaths.qmd
"""


def render_tiny_book(root: Path, chapter: str, **options) -> str:
    """Render a two-page book whose chapter is ``chapter``; return the render's log."""
    (root / "chapters").mkdir(parents=True)
    (root / "_quarto.yml").write_text(QUARTO_YML)
    (root / "index.qmd").write_text("# Preface {.unnumbered}\n\nAggregates only.\n")
    (root / "chapters" / "deaths.qmd").write_text(chapter)
    lines: list[str] = []
    render_offline(load_project(root), log=lines.append, **options)
    return "\n".join(lines)


def test_render_fails_when_a_small_count_is_published(tmp_path):
    with pytest.raises(BookError) as error:
        render_tiny_book(tmp_path, CHAPTER.format(table=PUBLISHED_RAW), pdf_output=False)
    message = str(error.value)
    assert (
        'chapters/deaths.html, Table 1.1: Deaths by area (synthetic). Synthetic data., row "N", '
        'column "deaths": 3 is a count of 1 to 7'
    ) in message
    assert "apply_disclosure_control" in message


def test_render_passes_when_the_table_is_disclosure_controlled(tmp_path):
    log = render_tiny_book(tmp_path, CHAPTER.format(table=PUBLISHED_SAFE), pdf_output=False)
    assert "Disclosure check: 2 page(s)" in log
    page = (tmp_path / "_book" / "chapters" / "deaths.html").read_text()
    # North (3 deaths) and, so the total cannot reveal it, South (the next smallest): deaths
    # and rate of both are suppressed; populations are large and published
    assert page.count(">[c]<") == 4
    assert ">2,500<" in page and ">52<" in page


def test_pdf_only_render_is_checked_and_writes_no_pdf(tmp_path):
    with pytest.raises(BookError, match="3 is a count of 1 to 7"):
        render_tiny_book(tmp_path, CHAPTER.format(table=PUBLISHED_RAW), html_output=False)
    assert not list((tmp_path / "_book").glob("*.pdf"))


def test_render_fails_on_person_level_rows_in_the_cache_even_when_hidden(tmp_path):
    chapter = CHAPTER.format(table=PUBLISHED_SAFE) + HIDDEN_PEOPLE
    with pytest.raises(BookError, match="a person identifier column"):
        render_tiny_book(tmp_path, chapter, pdf_output=False)
