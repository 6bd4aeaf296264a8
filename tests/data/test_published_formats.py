"""Loaders of published files (analysis.data.published) on fixtures in the published layouts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.data.published import read_fingertips_csv, read_imd2019_lsoa
from analysis.validation import InputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "published_formats"


def test_fingertips_export_rows_are_kept_with_numbers_and_notes():
    rows = read_fingertips_csv(FIXTURES / "fingertips_export.csv")
    assert len(rows) == 4
    assert rows["value"].tolist()[:2] == [77.1, 101.25]
    assert rows.loc[1, ["lowercl", "uppercl", "count", "denominator"]].tolist() == [
        95.5,
        107.3,
        1204,
        1189000,
    ]
    # the suppressed row stays, with its note and no value
    suppressed = rows.iloc[2]
    assert pd.isna(suppressed["value"]) and pd.isna(suppressed["count"])
    assert suppressed["value_note"].startswith("Value suppressed")
    assert rows.loc[3, "category"] == "Most deprived decile (IMD2019)"
    assert pd.isna(rows.loc[0, "category_type"])
    assert rows["indicator_id"].tolist() == ["40401"] * 4  # codes stay text


def test_fingertips_text_in_a_number_column_is_named(tmp_path):
    text = (FIXTURES / "fingertips_export.csv").read_text().replace(",101.25,", ",n/a,")
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(InputError, match="value.*must be a number"):
        read_fingertips_csv(tmp_path / "bad.csv")


def test_a_file_that_is_not_a_fingertips_export_is_refused():
    with pytest.raises(InputError, match="not a Fingertips export"):
        read_fingertips_csv(FIXTURES / "imd2019_lsoa_file7.csv")


def test_imd2019_file7_becomes_an_areas_table():
    areas = read_imd2019_lsoa(FIXTURES / "imd2019_lsoa_file7.csv")
    assert areas["area_code"].tolist() == [f"ZZ0100000{i}" for i in range(1, 5)]
    assert areas["imd_score"].tolist() == [55.123, 31.004, 4.25, 17.8]
    assert areas["imd_decile"].tolist() == [1, 3, 10, 6]
    assert areas["imd_quintile"].tolist() == [1, 2, 5, 3]  # deciles paired, national
    assert areas["core20"].tolist() == [True, False, False, False]
    assert areas["district_name"].iloc[2] == "Fictional District B"


def test_imd2019_file1_layout_without_score(tmp_path):
    table = pd.read_csv(FIXTURES / "imd2019_lsoa_file7.csv", dtype=str).iloc[:, [0, 1, 2, 3, 5, 6]]
    table.columns = [*table.columns[:4], "Index of Multiple Deprivation (IMD) Rank",
                     "Index of Multiple Deprivation (IMD) Decile"]  # fmt: skip
    table.to_csv(tmp_path / "file1.csv", index=False)
    areas = read_imd2019_lsoa(tmp_path / "file1.csv")
    assert "imd_score" not in areas and areas["imd_rank"].tolist() == [150, 6843, 31990, 16500]


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [(",150,1,", ",150,11,", "imd_decile.*1 to 10"), ("ZZ01000002", "ZZ01000001", "unique")],
)
def test_imd2019_bad_rows_are_named(tmp_path, old, new, rule):
    text = (FIXTURES / "imd2019_lsoa_file7.csv").read_text().replace(old, new, 1)
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(InputError, match=rule):
        read_imd2019_lsoa(tmp_path / "bad.csv")
