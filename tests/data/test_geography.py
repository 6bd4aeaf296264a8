"""Configured postcode lookup and boundaries (analysis.data.geography), and area ratios."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.config import CONFIG_ENV_VAR, ConfigError, parse_config
from analysis.data import aggregate_events, generate_population
from analysis.data.dataset import Dataset
from analysis.data.geography import (
    configured_boundaries,
    configured_postcode_lookup,
    read_postcode_lookup,
)
from analysis.measures.area_ratios import smoothed_area_ratios
from analysis.validation import InputError


@pytest.fixture(scope="module")
def population():
    return generate_population(20_000, seed=5)


def test_synthetic_data_get_synthetic_geography_and_own_data_none(population, monkeypatch):
    monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)
    assert (
        configured_postcode_lookup(population)["area_code"]
        .isin(population.areas["area_code"])
        .all()
    )
    assert configured_boundaries(population)["area_code"].nunique() == len(population.areas)
    own = Dataset(**{k: v for k, v in population.tables().items() if k != "people_truth"})
    assert configured_postcode_lookup(own) is None and configured_boundaries(own) is None


def test_configured_files_are_read_relative_to_the_configuration(population, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    pd.DataFrame({"PCDS": ["AB1 2CD"], "LSOA21CD": ["E01000001"], "other": [1]}).to_csv(
        tmp_path / "nspl.csv", index=False
    )
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    feature = {"type": "Feature", "properties": {"code": "E01000001"},
               "geometry": {"type": "Polygon", "coordinates": [square]}}  # fmt: skip
    (tmp_path / "lsoa.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]})
    )
    (tmp_path / "analysis.yml").write_text(
        "geography:\n  postcode_lookup: nspl.csv\n  boundaries: lsoa.geojson\n"
        "  boundary_code: code\n"
    )
    monkeypatch.setenv(CONFIG_ENV_VAR, str(tmp_path / "analysis.yml"))
    lookup = configured_postcode_lookup(population)
    assert lookup.to_dict("records") == [{"postcode": "AB1 2CD", "area_code": "E01000001"}]
    assert set(configured_boundaries(population)["area_code"]) == {"E01000001"}


def test_lookup_without_known_columns_and_unknown_geography_key(tmp_path):
    pd.DataFrame({"pc": ["AB1 2CD"]}).to_csv(tmp_path / "x.csv", index=False)
    with pytest.raises(InputError, match="needs the columns postcode and area_code"):
        read_postcode_lookup(tmp_path / "x.csv")
    with pytest.raises(ConfigError, match="geography.boundary"):
        parse_config({"geography": {"boundary": "x"}})


def test_area_ratios_are_indirectly_standardised_then_smoothed(population):
    out = smoothed_area_ratios(population, cause="CVD")
    deaths = aggregate_events(population, "deaths", cause="CVD", group_by=["area_code"])
    assert out["observed"].sum() == deaths["events"].sum()
    # expected by hand: the system's age-specific rates applied to each area's population
    bands = deaths.groupby("age_band", observed=True)[["events", "population"]].sum()
    rate = bands["events"] / bands["population"]
    by_area = deaths.groupby(["area_code", "age_band"], observed=True)["population"].sum()
    expected = (
        (by_area * rate.reindex(by_area.index.get_level_values(1)).to_numpy())
        .groupby(level=0)
        .sum()
    )
    np.testing.assert_allclose(
        out.set_index("area_code")["expected"], expected.reindex(out["area_code"]), rtol=1e-10
    )
    np.testing.assert_allclose(out["raw"], out["observed"] / out["expected"] * 100)
    # smoothed values lie between each raw ratio and the overall ratio (100)
    low = np.minimum(out["raw"], 100) - 1e-9
    high = np.maximum(out["raw"], 100) + 1e-9
    assert ((out["value"] >= low) & (out["value"] <= high)).all()
