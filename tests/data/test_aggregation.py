"""DuckDB aggregation equals a direct pandas count on the person rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import aggregate_events, area_summary, generate_population, population_at_risk
from analysis.standards import five_year_age_band, life_table_age_band
from analysis.validation import InputError


@pytest.fixture(scope="module")
def pop():
    return generate_population(40_000, seed=11)


def _person_years(pop, by, band=five_year_age_band):
    """Direct pandas count: person x year rows for everyone alive on 1 January."""
    people = pop.people.merge(pop.areas[["area_code", "district_name"]], on="area_code")
    death = people["person_id"].map(pop.deaths.set_index("person_id")["year"])
    frames = []
    for year in range(2020, 2025):
        alive = people[death.isna() | (death >= year)]
        frames.append(
            alive[by].assign(
                year=year, age_band=np.asarray(band(alive["age"] + year - 2020).astype(str))
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_population_at_risk_equals_direct_count(pop):
    expected = _person_years(pop, ["sex", "district_name"]).value_counts().rename("population")
    got = population_at_risk(pop, by=["sex", "district_name"]).set_index(
        ["sex", "district_name", "year", "age_band"]
    )["population"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.reorder_levels(got.index.names).sort_index(), check_names=False
    )


def test_people_who_die_leave_the_population_at_risk(pop):
    pop_by_year = population_at_risk(pop).groupby("year")["population"].sum()
    deaths_by_year = pop.deaths.groupby("year").size()
    assert pop_by_year[2020] == len(pop.people)
    assert (pop_by_year.diff().dropna().to_numpy() == -deaths_by_year.iloc[:-1].to_numpy()).all()


def test_cvd_deaths_equal_direct_count_with_life_table_bands(pop):
    deaths = pop.deaths[pop.deaths["cause_group"] == "CVD"].merge(pop.people, on="person_id")
    band = np.asarray(life_table_age_band(deaths["age"] + deaths["year"] - 2020).astype(str))
    expected = deaths.assign(age_band=band).groupby(["ethnicity", "year", "age_band"]).size()
    got = aggregate_events(pop, "deaths", cause="CVD", by=["ethnicity"], age_bands="life_table")
    nonzero = got[got["events"] > 0].set_index(["ethnicity", "year", "age_band"])["events"]
    pd.testing.assert_series_equal(nonzero.sort_index(), expected.sort_index(), check_names=False)
    assert got["events"].sum() == len(deaths)
    # Denominators are the population at risk of the same strata.
    popn = population_at_risk(pop, by=["ethnicity"], age_bands="life_table")
    merged = got.merge(popn, on=["ethnicity", "year", "age_band"], suffixes=("", "_direct"))
    assert len(merged) == len(got) and (merged["population"] == merged["population_direct"]).all()


def test_cancers_by_site_and_area_summary_totals(pop):
    lung = aggregate_events(pop, "cancers", cause="Lung", by=["imd_quintile"])
    assert lung["events"].sum() == (pop.cancers["site"] == "Lung").sum()
    summary = area_summary(pop)
    assert len(summary) == len(pop.areas)
    assert summary["population"].sum() == len(pop.people)
    assert summary["deaths"].sum() == len(pop.deaths)
    assert summary["admissions"].sum() == len(pop.admissions)
    assert summary["cancers_emergency"].sum() == pop.cancers["emergency_presentation"].sum()
    assert summary["n_diabetes"].sum() == pop.people["diabetes"].sum()
    direct = pop.people.groupby("area_code")["hypertension_recorded"].sum()
    assert (summary.set_index("area_code")["n_hypertension_recorded"] == direct).all()


def test_person_years_count_half_a_year_in_the_year_of_death(pop):
    start = population_at_risk(pop)["population"].sum()
    py = population_at_risk(pop, measure="person_years")["population"].sum()
    assert py == pytest.approx(start - 0.5 * len(pop.deaths))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": ["postcode"]}, "cannot break down by 'postcode'"),
        ({"event": "births"}, "event is 'births'"),
        ({"cause": "Diabetes"}, "unknown for deaths"),
        ({"age_bands": "decades"}, "age_bands is 'decades'"),
    ],
)
def test_bad_arguments_are_named(pop, kwargs, message):
    with pytest.raises(InputError, match=message):
        aggregate_events(pop, **kwargs)
