import pandas as pd

from analysis.report.tables import nhs_table


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


def test_column_labels_use_nhs_blue():
    html = html_of(pd.DataFrame({"a": [1]}))
    assert "#005EB8" in html.upper()
