"""The indicator command: tables computed from the configured data, checked independently."""

import numpy as np
import pandas as pd
import pytest

from analysis.config import ConfigError, parse_config
from analysis.data import aggregate_events, configured_dataset
from analysis.indicators import compute_indicators, main
from analysis.standards import ESP2013_AGE_BANDS, ESP2013_WEIGHTS

CONFIG = {
    "data": {"source": "synthetic", "n_people": 20000},
    "analysis": {
        "outcomes": ["cvd_mortality", "late_stage_cancer", "hypertension_detection"],
        "breakdowns": ["imd_quintile", "sex"],
        "years": [2020, 2024],
    },
}


@pytest.fixture(scope="module")
def tables():
    return compute_indicators(parse_config(CONFIG), progress=False)


def test_every_configured_outcome_and_breakdown_has_a_table(tables):
    expected = {
        f"{o}_by_{b}"
        for o in ("cvd_mortality", "late_stage_cancer", "hypertension_detection")
        for b in ("imd_quintile", "sex")
    } | {"slope_index_of_inequality_by_deprivation_decile"}
    assert set(tables) == expected


def test_standardised_rate_equals_esp2013_weighted_sum_of_age_specific_rates(tables):
    dataset = configured_dataset(parse_config(CONFIG))
    # rates are per person-year (analysis.measures.pooled): half a year in the year of death
    counts = aggregate_events(dataset, "deaths", cause="CVD", by=["sex"], measure="person_years")
    pooled = counts.groupby(["sex", "age_band"], observed=True)[["events", "population"]].sum()
    weights = pd.Series(ESP2013_WEIGHTS, index=list(ESP2013_AGE_BANDS), dtype=float)
    for sex, rows in pooled.groupby(level="sex"):
        rates = (rows["events"] / rows["population"]).droplevel("sex")
        by_hand = float((rates * weights.reindex(rates.index)).sum() / weights.sum() * 100_000)
        published = tables["cvd_mortality_by_sex"].set_index("level").loc[sex, "value"]
        assert published == pytest.approx(by_hand, rel=1e-12)


def test_proportions_count_the_right_people(tables):
    dataset = configured_dataset(parse_config(CONFIG))
    people = dataset.people
    hypertensive = people[people["hypertension"]]
    expected = hypertensive.groupby("sex")["hypertension_recorded"].agg(["sum", "size"])
    table = tables["hypertension_detection_by_sex"].set_index("level")
    assert table["numerator"].astype(int).to_dict() == expected["sum"].to_dict()
    assert table["denominator"].astype(int).to_dict() == expected["size"].to_dict()


def test_small_counts_are_suppressed_with_their_derived_values(tables):
    for table in tables.values():
        for column in ("total_count", "numerator", "denominator", "events"):
            if column in table.columns:
                values = table[column].dropna().to_numpy(dtype=float)
                assert not ((values >= 1) & (values <= 7)).any()
                hidden = table[column].isna().to_numpy()
                assert table.loc[hidden, "value"].isna().all()


def test_command_writes_csv_and_excel(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text(
        "data: {source: synthetic, n_people: 20000}\n"
        "analysis: {outcomes: [cvd_mortality], breakdowns: [sex]}\n"
    )
    assert (
        main(["--config", str(config), "--out", str(tmp_path / "out"), "--excel", "--quiet"]) == 0
    )
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "cvd_mortality_by_sex.csv" in written and "indicators.xlsx" in written
    sii = pd.read_csv(tmp_path / "out" / "slope_index_of_inequality_by_deprivation_decile.csv")
    assert set(sii["statistic"]) == {"SII", "RII"}
    assert np.isfinite(sii["value"]).all()


def test_the_book_does_not_copy_person_rows_out_of_a_database():
    config = parse_config(
        {
            "data": {
                "source": "person",
                "format": "database",
                "engine": "postgres",
                "connection": "postgresql://analyst@warehouse/nhs",
            }
        }
    )
    with pytest.raises(ConfigError, match="Run the indicator command"):
        configured_dataset(config)
