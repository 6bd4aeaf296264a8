"""Standard populations and age bands against their published definitions."""

import numpy as np
import pandas as pd
import pytest

from analysis import standards
from analysis.validation import InputError


def test_esp2013_weights_match_eurostat_2013_and_sum_to_100000():
    # Eurostat (2013) Revision of the European Standard Population, table 1 (0-4 ... 90+).
    published = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
                 7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000]  # fmt: skip
    table = standards.esp2013()
    assert table["standard_population"].tolist() == published
    assert table["standard_population"].sum() == 100_000
    assert table["age_band"].tolist()[0] == "0-4"
    assert table["age_band"].tolist()[-1] == "90+"
    assert len(table) == 19


def test_five_year_band_boundaries():
    ages = np.array([0, 4, 5, 9, 10, 84, 85, 89, 90, 120])
    assert list(standards.five_year_age_band(ages)) == [
        "0-4", "0-4", "5-9", "5-9", "10-14", "80-84", "85-89", "85-89", "90+", "90+",
    ]  # fmt: skip


def test_life_table_band_boundaries():
    ages = np.array([0, 0.5, 1, 4, 5, 9, 89, 90, 101])
    assert list(standards.life_table_age_band(ages)) == [
        "0", "0", "1-4", "1-4", "5-9", "5-9", "85-89", "90+", "90+",
    ]  # fmt: skip
    assert len(standards.LIFE_TABLE_AGE_BANDS) == len(standards.LIFE_TABLE_START_AGES) == 20


@pytest.mark.parametrize("bad", [[-1], [np.nan]])
def test_age_bands_reject_negative_or_missing_ages(bad):
    with pytest.raises(ValueError, match="non-negative"):
        standards.five_year_age_band(bad)
    with pytest.raises(ValueError, match="non-negative"):
        standards.life_table_age_band(bad)


def test_age_band_error_names_the_offending_rows():
    ages = pd.Series([30, -2, 45, np.nan], index=[10, 11, 12, 13], name="age_at_death")
    for assign in (standards.five_year_age_band, standards.life_table_age_band):
        with pytest.raises(InputError, match=r"column 'age_at_death'.*\(2 row\(s\) fail\)") as err:
            assign(ages)
        shown = str(err.value).splitlines()[1:]
        assert [line.split()[0] for line in shown[1:]] == ["11", "13"]  # rows, not 10 or 12
