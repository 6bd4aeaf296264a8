"""Captioned HTML tables get a CSV of the cells the page shows, and a link to it."""

from __future__ import annotations

import csv
import io

import pandas as pd

from analysis.book import pandoc
from analysis.book.downloads import add_csv_downloads, csv_text
from analysis.report import nhs_table
from analysis.report.disclosure import apply_disclosure_control


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_great_tables_table_as_shown_after_disclosure_control():
    counts = pd.DataFrame(
        {
            "sex": ["Female", "Female", "Male", "Male"],
            "area": ["North", "South", "North", "South"],
            "deaths": [1234, 3, 2500, 40],
            "rate": [-0.5, 2.25, 13.0, 40.0],
        }
    )
    published = apply_disclosure_control(counts, ["deaths"], derived={"rate": ["deaths"]})
    html = nhs_table(
        published, groupname_col="sex", rowname_col="area", counts=["deaths"], decimals=1,
        labels={"deaths": "Deaths", "rate": "Rate"}, source="Synthetic data.",
    ).as_raw_html()  # fmt: skip
    rows = _rows(csv_text(html))
    assert rows[0] == ["group", "", "Deaths", "Rate"]
    assert rows[1] == ["Female", "North", "1234", "-0.5"]  # no separator, ASCII minus
    assert rows[2] == ["Female", "South", "[c]", "[c]"]  # suppressed, as on the page
    assert rows[3][:3] == ["Male", "North", "2500"]
    assert len(rows) == 5  # the source note is not a row
    assert "3" not in {cell for row in rows for cell in row}  # the small count never leaks


def test_a_plain_table_keeps_its_text_and_has_no_group_column():
    html = (
        "<table><thead><tr><th>Area</th><th>Share</th><th>Note</th></tr></thead><tbody>"
        "<tr><td>A</td><td>12.5%</td><td>1,2 and 3</td></tr></tbody></table>"
    )
    assert _rows(csv_text(html)) == [["Area", "Share", "Note"], ["A", "12.5%", "1,2 and 3"]]
    assert csv_text("<p>No table here</p>") is None


def test_each_captioned_table_gets_a_file_and_a_link(tmp_path):
    markdown = (
        "::::: {#tbl-small}\n\n```{=html}\n<table><tr><th>Area</th><th>Deaths</th></tr>"
        "<tr><td>A</td><td>12</td></tr></table>\n```\n\n::: {.table-caption}\nDeaths\n:::\n:::::\n\n"
        "::::: {#tbl-typed}\n\n| x |\n|---|\n| 1 |\n\n::: {.table-caption}\nTyped\n:::\n:::::\n"
    )
    ast = pandoc.read_markdown(markdown)
    written = add_csv_downloads(ast, page="chapters/one.html", output_dir=tmp_path)
    target = tmp_path / "chapters/one_files/tables/tbl-small.csv"
    assert written == [target]
    assert _rows(target.read_text()) == [["Area", "Deaths"], ["A", "12"]]
    blocks = ast["blocks"][0]["c"][1]
    assert blocks[1]["t"] == "RawBlock"
    assert 'href="one_files/tables/tbl-small.csv" download>Download CSV</a>' in blocks[1]["c"][1]
    assert blocks[2]["c"][0][1] == ["table-caption"]  # the caption stays last
    stale = target.with_name("tbl-removed.csv")
    stale.write_text("old")
    add_csv_downloads(pandoc.read_markdown(markdown), page="chapters/one.html", output_dir=tmp_path)
    assert not stale.exists()
