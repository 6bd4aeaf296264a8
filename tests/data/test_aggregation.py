"""DuckDB aggregation equals a direct pandas count on the person rows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analysis.data import aggregate_events, area_summary, generate_population, population_at_risk
from analysis.data.aggregate import set_rollup
from analysis.data.engines import DuckDBEngine, register_dataset
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
    got = population_at_risk(pop, group_by=["sex", "district_name"]).set_index(
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
    got = aggregate_events(
        pop, "deaths", cause="CVD", group_by=["ethnicity"], age_bands="life_table"
    )
    nonzero = got[got["events"] > 0].set_index(["ethnicity", "year", "age_band"])["events"]
    pd.testing.assert_series_equal(nonzero.sort_index(), expected.sort_index(), check_names=False)
    assert got["events"].sum() == len(deaths)
    # Denominators are the population at risk of the same strata.
    popn = population_at_risk(pop, group_by=["ethnicity"], age_bands="life_table")
    merged = got.merge(popn, on=["ethnicity", "year", "age_band"], suffixes=("", "_direct"))
    assert len(merged) == len(got) and (merged["population"] == merged["population_direct"]).all()


def test_cancers_by_site_and_area_summary_totals(pop):
    lung = aggregate_events(pop, "cancers", cause="Lung", group_by=["imd_quintile"])
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
    # area_summary's person-years are the same definition (issue #19: one definition), area
    # by area: the strata of population_at_risk by area, summed over years and ages.
    by_area = population_at_risk(pop, group_by=["area_code"], measure="person_years")
    expected = by_area.groupby("area_code")["population"].sum()
    got = area_summary(pop).set_index("area_code")["person_years"]
    pd.testing.assert_series_equal(
        got.loc[expected.index].astype(float), expected.astype(float), check_names=False
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_by": ["postcode"]}, "cannot break down by 'postcode'"),
        ({"event": "births"}, "event is 'births'"),
        ({"cause": "Diabetes"}, "unknown for deaths"),
        ({"age_bands": "decades"}, "age_bands is 'decades'"),
    ],
)
def test_bad_arguments_are_named(pop, kwargs, message):
    with pytest.raises(InputError, match=message):
        aggregate_events(pop, **kwargs)


def test_rolled_up_counts_equal_direct_counts_for_every_breakdown():
    """An engine with roll-up breakdowns counts once by all of them and sums in pandas: the
    frames equal those of one query per breakdown (values, types, order), NULL keys kept."""
    people = generate_population(8_000, seed=5)
    ethnicity = people.people["ethnicity"].astype(object)
    ethnicity.iloc[:40] = None  # NULL keys group together in both ways
    people = replace(people, people=people.people.assign(ethnicity=ethnicity))
    dims = ["imd_quintile", "ethnicity", "sex", "district_name", "imd_decile"]
    with register_dataset(DuckDBEngine(), people) as engine:
        set_rollup(engine, [*dims, "no_such_column"])
        assert engine.rollup_from == tuple(dims)
        for by in [[], ["sex"], ["district_name"], ["imd_decile", "sex"]]:
            for event, cause, measure in [
                ("deaths", "CVD", "person_years"),
                ("cancers", None, "start_of_year"),
            ]:
                by = [*by, "ethnicity"] if event == "cancers" else by
                kwargs = dict(cause=cause, group_by=by, measure=measure, years=[2021, 2022])
                rolled = aggregate_events(engine, event, **kwargs)
                direct = aggregate_events(people, event, **kwargs)
                pd.testing.assert_frame_equal(rolled, direct, check_exact=True)
        # one query per event and cause, and one of the population per measure
        assert len(engine._remembered) == 4


def test_binary_counts_rolled_up_equal_direct_counts_and_pandas():
    from analysis.data.aggregate import binary_counts, is_true

    people = generate_population(8_000, seed=6)
    emergency = is_true("e.emergency_presentation")
    with register_dataset(DuckDBEngine(), people) as engine:
        set_rollup(engine, ["sex", "district_name", "imd_quintile"])
        for by in (["sex"], ["district_name"], []):
            rolled = binary_counts(
                engine, "cancers", emergency, "1 = 1", group_by=by, years=[2021, 2023]
            )
            direct = binary_counts(
                people, "cancers", emergency, "1 = 1", group_by=by, years=[2021, 2023]
            )
            pd.testing.assert_frame_equal(
                rolled.sort_values(by).reset_index(drop=True) if by else rolled,
                direct.sort_values(by).reset_index(drop=True) if by else direct,
            )
    cancers = people.cancers.merge(people.people[["person_id", "sex"]], on="person_id")
    cancers = cancers[cancers["diagnosis_year"].between(2021, 2023)]
    expected = cancers.groupby("sex")["emergency_presentation"].agg(["sum", "count"])
    got = binary_counts(people, "cancers", emergency, "1 = 1", group_by=["sex"], years=[2021, 2023])
    got = got.set_index("sex").sort_index()
    assert got["x"].tolist() == expected["sum"].tolist()
    assert got["n"].tolist() == expected["count"].tolist()


def test_remembered_counts_are_dropped_when_a_table_is_replaced():
    people = generate_population(5_000, seed=8)
    with register_dataset(DuckDBEngine(), people) as engine:
        set_rollup(engine, ["sex"])
        before = aggregate_events(engine, "deaths", group_by=["sex"])
        engine.register("deaths", people.deaths.iloc[:10])
        after = aggregate_events(engine, "deaths", group_by=["sex"])
    assert before["events"].sum() == len(people.deaths) and after["events"].sum() == 10
