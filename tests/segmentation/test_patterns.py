"""Segmentation on pattern counts from the engine: the fit is the fit to every person, the
classes joined in the engine are the classes assigned in pandas, and the engine-drawn sample
is the MD5 order sample, the same on every engine.

The person-level checks are independent of the package's EM: the log-likelihood and one EM
step on the person rows are written out here from the latent class model's formulas
(Linzer & Lewis 2011, equations 1-4).
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.data.chapter_aggregates import class_counts, strata_counts
from analysis.segmentation import compare_with_k_modes, segment_patterns, segment_people
from analysis.segmentation.inequality import high_need_gradient, segment_shares
from analysis.segmentation.latent_class import _em, one_hot
from analysis.validation import InputError
from tests.data import test_engines

population = test_engines.population  # 15,000 synthetic people, shared with the engine tests
spark, spark_engine = test_engines.spark, test_engines.spark_engine
postgres_url, postgres_engine = test_engines.postgres_url, test_engines.postgres_engine

CONDITIONS = ["hypertension_recorded", "diabetes", "chd", "copd", "depression", "ckd"]
AGE_CUTS = [18, 40, 65, 80]
SETTINGS = {"bins": {"age": AGE_CUTS}, "n_segments": 3, "seed": 4}


@pytest.fixture(scope="module")
def patterns(population) -> pd.DataFrame:
    return strata_counts(population, [*CONDITIONS, "sex"], age_groups=AGE_CUTS)


@pytest.fixture(scope="module")
def fitted(patterns):
    return segment_patterns(patterns, CONDITIONS, ["age", "sex"], **SETTINGS)


def _person_onehot(people: pd.DataFrame) -> np.ndarray:
    """People's answers as 0/1 columns: each condition (no, yes), age group, sex (sorted)."""
    columns = []
    for condition in CONDITIONS:
        flag = people[condition].astype(bool).to_numpy()
        columns += [~flag, flag]
    group = np.searchsorted(AGE_CUTS, people["age"].to_numpy(), side="right")
    columns += [group == g for g in range(len(AGE_CUTS) + 1)]
    columns += [people["sex"].to_numpy() == s for s in sorted(people["sex"].unique())]
    return np.column_stack(columns).astype(float)


def _person_em(x: np.ndarray, shares: np.ndarray, items: np.ndarray, steps: int):
    """EM on one row per person (Linzer & Lewis 2011, eqs 3-4), written out for the test."""
    for _ in range(steps):
        joint = np.exp(x @ np.log(items).T) * shares
        resp = joint / joint.sum(axis=1, keepdims=True)
        shares, items = resp.mean(axis=0), (resp.T @ x) / resp.sum(axis=0)[:, None]
    return shares, items


def test_fit_on_pattern_counts_is_the_maximum_likelihood_fit_to_every_person(
    population, patterns, fitted
):
    x = _person_onehot(population.people)
    shares, items = fitted.class_shares, fitted.item_probabilities
    # P(person, class) = share * product over indicators of the answered category's probability
    log_likelihood = np.log((np.exp(x @ np.log(items).T) * shares).sum(axis=1)).sum()
    chosen = fitted.selection_curve.query("chosen").iloc[0]
    assert chosen["log_likelihood"] == pytest.approx(log_likelihood, rel=1e-12)
    n_parameters = 3 - 1 + 3 * (len(CONDITIONS) + (len(AGE_CUTS) + 1 - 1) + 1)
    assert chosen["bic"] == pytest.approx(
        -2 * log_likelihood + n_parameters * np.log(len(population.people)), rel=1e-12
    )
    # from the same start, EM on the counted patterns follows EM on the person rows exactly
    codes = fitted.patterns
    onehot = one_hot(codes, fitted.encoding.n_categories)
    start_items = 0.6 * items + 0.4 * items.mean(axis=0)  # away from the maximum
    start_shares = np.full(3, 1 / 3)
    uniform = np.repeat(1 / np.asarray(fitted.encoding.n_categories), fitted.encoding.n_categories)
    on_patterns = _em(
        onehot,
        fitted.counts[None, :].astype(float),
        start_shares[None],
        start_items[None],
        uniform,
        max_iter=60,
        tolerance=0,
    )
    on_people = _person_em(x, start_shares, start_items, 60)
    # (the package keeps probabilities at least 1e-12 inside the logarithm: hence atol)
    np.testing.assert_allclose(on_patterns[0][0], on_people[0], rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(on_patterns[1][0], on_people[1], rtol=1e-8, atol=1e-11)
    assert len(patterns) < len(population.people) / 5  # the fit saw patterns, not people


def test_pattern_fit_equals_the_in_memory_fit_on_everyone(population, fitted):
    on_people = segment_people(
        population.people, CONDITIONS, ["age", "sex"], sample_size=None, **SETTINGS
    )
    pd.testing.assert_frame_equal(fitted.selection_curve, on_people.selection_curve, rtol=1e-12)
    np.testing.assert_allclose(fitted.item_probabilities, on_people.item_probabilities, rtol=1e-10)
    assert fitted.labels == on_people.labels
    assert fitted.n_people == len(population.people)


def test_classes_joined_in_the_engine_are_the_classes_assigned_in_pandas(
    population, patterns, fitted
):
    classes = fitted.pattern_classes(patterns)
    assert list(classes.columns) == [*CONDITIONS, "age_group", "sex", "class"]
    got = class_counts(population, classes, ["imd_quintile"], age_groups=AGE_CUTS, age_bands=True)
    people = population.people
    expected = (
        people[["imd_quintile", "age_band"]]
        .assign(**{"class": fitted.assign(people)["segment"].to_numpy()})
        .groupby(["class", "imd_quintile", "age_band"], observed=True)
        .size()
        .rename("n")
        .reset_index()
    )
    expected["age_band"] = expected["age_band"].astype(str)
    key = ["class", "imd_quintile", "age_band"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )


def test_shares_and_gradient_from_counts_equal_those_from_person_rows(population, fitted):
    people = population.people[["imd_decile", "age_band", "sex"]].assign(
        segment=fitted.assign(population.people)["segment"].to_numpy()
    )
    counted = people.groupby(["imd_decile", "age_band", "sex", "segment"], observed=True).size()
    counted = counted.rename("n").reset_index()
    pd.testing.assert_frame_equal(
        segment_shares(counted, group_by=["sex"], n="n"),
        segment_shares(people, group_by=["sex"]),
    )
    high = fitted.high_need_segments or [fitted.n_segments]
    on_counts = high_need_gradient(counted, high, n="n", repetitions=1000, seed=2)
    on_people = high_need_gradient(people, high, repetitions=1000, seed=2)
    for got, expected in zip(on_counts, on_people, strict=True):
        pd.testing.assert_frame_equal(got, expected)


def _md5_sample(people: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    keys = [hashlib.md5(f"{seed}/{i}".encode()).hexdigest() for i in people["person_id"]]
    return people.assign(key=keys).sort_values(["key", "person_id"]).head(size)


def test_sample_drawn_in_the_engine_is_the_md5_order_sample(population):
    got = strata_counts(population, ["sex"], age_groups=[65], sample_size=700, seed=9)
    drawn = _md5_sample(population.people, 700, 9)
    expected = (
        drawn.assign(age_group=(drawn["age"] >= 65).astype("int64"))
        .groupby(["sex", "age_group"])
        .size()
        .rename("n")
        .reset_index()
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    other = strata_counts(population, ["sex"], age_groups=[65], sample_size=700, seed=10)
    assert not other.equals(got)
    with pytest.raises(InputError, match="needs table='people'"):
        strata_counts(population, ["sex"], table="deaths", sample_size=10)
    with pytest.raises(InputError, match="at least 1"):
        strata_counts(population, ["sex"], sample_size=0)


@pytest.fixture(params=["spark", "postgres"])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


def test_every_engine_draws_the_same_sample_and_segments(engine, population, patterns, fitted):
    columns = [*CONDITIONS, "sex"]
    pd.testing.assert_frame_equal(
        strata_counts(engine, columns, age_groups=AGE_CUTS, sample_size=500, seed=3),
        strata_counts(population, columns, age_groups=AGE_CUTS, sample_size=500, seed=3),
    )
    classes = fitted.pattern_classes(strata_counts(engine, columns, age_groups=AGE_CUTS))
    pd.testing.assert_frame_equal(classes, fitted.pattern_classes(patterns))
    by = ["imd_decile", "ethnicity"]
    pd.testing.assert_frame_equal(
        class_counts(engine, classes, by, age_groups=AGE_CUTS, age_bands=True),
        class_counts(population, classes, by, age_groups=AGE_CUTS, age_bands=True),
    )


def test_k_modes_runs_on_a_counted_sample(population, fitted):
    sample = strata_counts(
        population, [*CONDITIONS, "sex"], age_groups=AGE_CUTS, sample_size=400, seed=1
    )
    out = compare_with_k_modes(fitted, sample, max_segments=3, n_init=2, seed=1)
    assert out["method"].tolist() == ["k-modes", "k-modes", "latent class"]
    assert out["silhouette"].between(-1, 1).all()
    with pytest.raises(InputError, match="silhouettes need"):
        compare_with_k_modes(fitted, sample.assign(n=sample["n"] * 100), seed=1)


def test_bad_pattern_counts_are_refused_or_reported(patterns):
    args = (CONDITIONS, ["age", "sex"])
    with pytest.raises(InputError, match="'n'.*negative"):
        segment_patterns(patterns.assign(n=-patterns["n"]), *args, **SETTINGS)
    with pytest.raises(InputError, match="age_group.*group number from 0 to 4"):
        segment_patterns(patterns.assign(age_group=patterns["age_group"] + 1), *args, **SETTINGS)
    with pytest.raises(InputError, match="age_group"):
        segment_patterns(patterns.drop(columns="age_group"), *args, **SETTINGS)
    gap = patterns.copy()
    gap.loc[gap.index[:2], "sex"] = None
    with pytest.raises(InputError, match="sex.*must not be missing"):
        segment_patterns(gap, *args, **SETTINGS)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        kept = segment_patterns(gap, *args, missing="exclude", **SETTINGS)
    assert list(kept.dropped_rows) == list(gap.index[:2])
    assert kept.n_people == patterns["n"].sum() - patterns["n"].iloc[:2].sum()
    # a pattern repeated on two rows counts once, with the counts added
    doubled = pd.concat([patterns, patterns.iloc[:5].assign(n=1)], ignore_index=True)
    doubled.loc[:4, "n"] -= 1
    same = segment_patterns(doubled, *args, **SETTINGS)
    np.testing.assert_array_equal(same.counts, segment_patterns(patterns, *args, **SETTINGS).counts)
