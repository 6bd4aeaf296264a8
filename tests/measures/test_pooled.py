"""The headline rate indicators (analysis.measures.pooled) against an independent computation
from the person-level tables: person-years counted person by person in pandas (half a year in
the year of death) and the ESP 2013 weighted sum written out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import generate_population
from analysis.data import parameters as P
from analysis.measures import RATE_INDICATORS, indicator_counts, indicator_rates
from analysis.standards import ESP2013_AGE_BANDS, esp2013
from analysis.validation import InputError


@pytest.fixture(scope="module")
def population():
    return generate_population(30_000, seed=7)


def _by_hand(data, cause: str, by: str) -> pd.DataFrame:
    """Deaths, person-years and DSR per 100,000 by ``by``, one person-year at a time."""
    people = data.people[["person_id", "age", by]].merge(
        data.deaths[["person_id", "year", "cause_group"]].rename(columns={"year": "died"}),
        on="person_id",
        how="left",
    )
    rows = []
    for year in P.YEARS:
        alive = people[people["died"].isna() | (people["died"] >= year)]
        band = np.minimum((alive["age"] + year - P.FIRST_YEAR) // 5, 18)
        time = np.where(alive["died"] == year, 0.5, 1.0)
        death = (alive["died"] == year) & (alive["cause_group"] == cause)
        rows.append(pd.DataFrame({by: alive[by], "band": band, "py": time, "d": death}))
    long = pd.concat(rows)
    cells = long.groupby([by, "band"]).agg(py=("py", "sum"), d=("d", "sum")).reset_index()
    weights = esp2013()["standard_population"].to_numpy()
    cells["w"] = weights[cells["band"]]
    cells["weighted"] = cells["w"] * cells["d"] / cells["py"]
    out = cells.groupby(by).agg(d=("d", "sum"), py=("py", "sum"), weighted=("weighted", "sum"))
    out["dsr"] = out["weighted"] / weights.sum() * 100_000
    return out


def test_rates_match_an_independent_person_year_computation(population):
    rates = indicator_rates(population, ["cvd_mortality", "cancer_mortality"], group_by=["sex"])
    for indicator, cause in (("cvd_mortality", "CVD"), ("cancer_mortality", "Cancer")):
        ours = rates[rates["indicator"] == indicator].set_index("sex")
        expected = _by_hand(population, cause, "sex")
        np.testing.assert_array_equal(ours["total_count"], expected.loc[ours.index, "d"])
        np.testing.assert_allclose(ours["total_pop"], expected.loc[ours.index, "py"], rtol=1e-12)
        np.testing.assert_allclose(ours["value"], expected.loc[ours.index, "dsr"], rtol=1e-10)
        assert (ours["lowercl"] < ours["value"]).all() and (ours["value"] < ours["uppercl"]).all()


def test_deaths_count_half_a_year_in_the_year_of_death(population):
    counts = indicator_counts(population, "all_cause_mortality")
    years_alive = (
        population.deaths["year"].to_numpy()[:, None] >= np.array(P.YEARS)[None, :]
    ).sum()
    deaths = len(population.deaths)
    survivors = len(population.people) - deaths
    # each survivor lives every year; each death is alive whole years before dying, half after
    expected = survivors * len(P.YEARS) + (years_alive - deaths) + 0.5 * deaths
    assert counts["population"].sum() == pytest.approx(expected)
    assert counts["events"].sum() == deaths


def test_counts_cover_every_age_band_of_each_group(population):
    counts = indicator_counts(population, ["cvd_mortality", "cancer_incidence"], group_by="sex")
    per_group = counts.groupby(["indicator", "sex"])["age_band"].apply(list)
    for bands in per_group:
        assert bands == list(ESP2013_AGE_BANDS)


def test_years_are_pooled_over_the_requested_period(population):
    one = indicator_counts(population, "cvd_mortality", years=[P.FIRST_YEAR])
    deaths = population.deaths
    first = deaths[(deaths["year"] == P.FIRST_YEAR) & (deaths["cause_group"] == "CVD")]
    assert one["events"].sum() == len(first)


@pytest.mark.parametrize(
    ("indicator", "group_by", "message"),
    [
        ("cvd_deaths", [], "unknown; allowed: " + ", ".join(RATE_INDICATORS)),
        ([], [], "unknown"),
        ("cvd_mortality", ["age_band"], "cannot be broken down by age band"),
    ],
)
def test_bad_arguments_are_refused(population, indicator, group_by, message):
    with pytest.raises(InputError, match=message):
        indicator_rates(population, indicator, group_by=group_by)
