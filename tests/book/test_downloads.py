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
    assert rows[0] == ["row group", "area", "Deaths", "Rate"]  # every column named (the stub too)
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
    labels = {"tbl-small": {"kind": "tbl", "number": "4.1", "page": "chapters/one.html"}}
    written = add_csv_downloads(ast, page="chapters/one.html", output_dir=tmp_path, labels=labels)
    target = tmp_path / "chapters/one_files/tables/tbl-small.csv"
    assert written == [target]
    assert target.read_bytes().startswith(b"\xef\xbb\xbfArea,Deaths")  # UTF-8 with a BOM
    assert _rows(target.read_text(encoding="utf-8-sig")) == [["Area", "Deaths"], ["A", "12"]]
    blocks = ast["blocks"][0]["c"][1]
    assert blocks[1]["t"] == "RawBlock"
    link = 'href="one_files/tables/tbl-small.csv" download>Download Table\u00a04.1 as CSV</a>'
    assert link in blocks[1]["c"][1]
    assert blocks[2]["c"][0][1] == ["table-caption"]  # the caption stays last
    stale = target.with_name("tbl-removed.csv")
    stale.write_text("old")
    add_csv_downloads(pandoc.read_markdown(markdown), page="chapters/one.html", output_dir=tmp_path)
    assert not stale.exists()


def test_a_table_without_a_number_still_names_its_link(tmp_path):
    markdown = (
        "::::: {#tbl-x}\n\n```{=html}\n<table><tr><th>A</th></tr><tr><td>1</td></tr></table>\n```"
        "\n\n::: {.table-caption}\nX\n:::\n:::::\n"
    )
    ast = pandoc.read_markdown(markdown)
    add_csv_downloads(ast, page="index.html", output_dir=tmp_path)
    assert "Download this table as CSV</a>" in ast["blocks"][0]["c"][1][1]["c"][1]


def test_intervals_become_numeric_lower_and_upper_columns():
    html = (
        "<table><thead><tr><th>Group</th><th>Age band</th><th>Rate</th><th>95% CI</th>"
        "<th>Range</th></tr></thead><tbody>"
        "<tr><td>Most deprived</td><td>45\u201364</td><td>1,358.0</td>"
        "<td>1,345.2\u20131,372.9</td><td>\u22120.5 to 1.2</td></tr>"
        "<tr><td>Least deprived</td><td>65\u201374</td><td>[c]</td><td>[c]</td><td>\u2013</td></tr>"
        "</tbody></table>"
    )
    rows = _rows(csv_text(html))
    assert rows[0] == [
        "Group", "Age band", "Rate", "95% CI lower", "95% CI upper", "Range lower", "Range upper",
    ]  # fmt: skip
    assert rows[1] == ["Most deprived", "45\u201364", "1358.0", "1345.2", "1372.9", "-0.5", "1.2"]
    # suppressed and missing cells stay as shown, in both limits; an age band is not split
    assert rows[2] == ["Least deprived", "65\u201374", "[c]", "[c]", "[c]", "\u2013", "\u2013"]


def test_text_that_only_looks_like_an_interval_is_kept():
    html = (
        "<table><tr><th>Note</th><th>CI</th></tr>"
        "<tr><td>10\u201312 years</td><td>1.0\u20132.0</td></tr>"
        "<tr><td>x</td><td>see text</td></tr></table>"
    )
    assert _rows(csv_text(html)) == [
        ["Note", "CI"],
        ["10\u201312 years", "1.0\u20132.0"],
        ["x", "see text"],
    ]


def test_columns_under_spanners_and_repeated_headings_get_distinct_names():
    data = pd.DataFrame(
        {
            "area": ["North"],
            "men_pct": [51.0], "men_ci": ["50.0\u201352.0"],
            "women_pct": [48.5], "women_ci": ["47.5\u201349.5"],
        }
    )  # fmt: skip
    html = (
        nhs_table(data, rowname_col="area", counts=[], labels={"area": "Area"})
        .tab_spanner("Men", columns=["men_pct", "men_ci"])
        .tab_spanner("Women", columns=["women_pct", "women_ci"])
        .cols_label(men_pct="%", men_ci="95% CI", women_pct="%", women_ci="95% CI")
        .as_raw_html()
    )
    assert _rows(csv_text(html)) == [
        ["Area", "Men: %", "Men: 95% CI lower", "Men: 95% CI upper",
         "Women: %", "Women: 95% CI lower", "Women: 95% CI upper"],
        ["North", "51.0", "50.0", "52.0", "48.5", "47.5", "49.5"],
    ]  # fmt: skip
    plain = (
        "<table><tr><th>Outcome</th><th>SII</th><th>Lower 95%</th><th>RII</th><th>Lower 95%</th>"
        "</tr><tr><td>CVD</td><td>1.5</td><td>1.2</td><td>2.0</td><td>1.8</td></tr></table>"
    )
    assert _rows(csv_text(plain))[0] == [
        "Outcome",
        "SII",
        "SII: Lower 95%",
        "RII",
        "RII: Lower 95%",
    ]
