import re

import pandas as pd
import pytest

from analysis.report.tables import nhs_table
from analysis.validation import InputError


def html_of(data, **kwargs):
    return nhs_table(data, **kwargs).as_raw_html()


def test_numbers_are_formatted_as_an_analyst_expects():
    data = pd.DataFrame(
        {
            "area": ["North", "South"],
            "deaths": [12345, 7],
            "rate": [101.26, 9.04],
            "share": [0.1234, 0.5],
        }
    )
    html = html_of(data, percent=["share"], decimals={"rate": 1})
    assert "12,345" in html
    assert "101.3" in html and "9.0" in html
    assert "12.3%" in html and "50.0%" in html


def test_title_source_and_labels_appear():
    data = pd.DataFrame({"area": ["North"], "value": [1.5]})
    html = html_of(
        data, title="Rates", subtitle="2020-2024", source="Synthetic data", labels={"value": "Rate"}
    )
    for text in ("Rates", "2020-2024", "Synthetic data", ">Rate<"):
        assert text in html


def test_numbers_and_intervals_stay_on_one_line_long_text_wraps():
    data = pd.DataFrame(
        {
            "group": ["All"],
            "rate": [51.04],
            "interval": ["51.0–52.3"],
            "note": ["Gap between the two compared subgroups"],
        }
    )
    html = html_of(data, rowname_col="group")
    cells = {text: attributes for attributes, text in re.findall(r"<td([^>]*)>([^<]*)</td>", html)}
    assert "white-space: nowrap" in cells["51.0"] and "white-space: nowrap" in cells["51.0–52.3"]
    assert "nowrap" not in cells["Gap between the two compared subgroups"]


def test_column_labels_use_nhs_blue():
    html = html_of(pd.DataFrame({"a": [1]}))
    assert "#005EB8" in html.upper()


def test_declared_count_columns_are_marked_for_the_disclosure_check():
    data = pd.DataFrame({"area": ["North"], "deaths": [12], "rate": [1.5]})
    html = html_of(data, counts=["deaths"], labels={"deaths": "Deaths & more"})
    assert '<span class="sdc-count">Deaths &amp; more</span>' in html
    assert '<span class="sdc-other">area</span>' in html
    assert '<span class="sdc-other">rate</span>' in html
    assert "sdc-" not in html_of(data)  # undeclared: the check treats it with suspicion


def test_suppressed_cells_show_the_confidential_symbol_and_the_marker_column_is_hidden():
    data = pd.DataFrame(
        {
            "area": ["North", "South", "East"],
            "deaths": pd.array([None, 40, None], dtype="Int64"),
            "rate": [float("nan"), 16.0, float("nan")],
            "note": [None, None, None],
            "suppressed": ["deaths,rate", "", "deaths"],
        }
    )
    html = html_of(data, counts=["deaths"])
    body = html[html.index("<tbody") :]
    assert body.count(">[c]<") == 3  # deaths twice, rate once (East's rate is not suppressed)
    assert body.count(">–<") == 4  # East's rate and every note: missing, not suppressed
    assert "suppressed" not in html and "deaths,rate" not in html
    assert "40" in body


def test_counts_must_name_shown_columns():
    data = pd.DataFrame({"area": ["North"], "deaths": [12]})
    with pytest.raises(InputError, match="counts names column.*death.*shown columns: area, deaths"):
        html_of(data, counts=["death"])
