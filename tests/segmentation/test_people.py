"""Segmenting people: recovery of planted groups, determinism, row order, input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from analysis.segmentation import segment_people
from analysis.segmentation.simulate import (
    PLANTED_AGES,
    PLANTED_PREVALENCE,
    PLANTED_SHARES,
    simulate_condition_groups,
)
from analysis.validation import InputError

CONDITIONS = list(PLANTED_PREVALENCE.index)
#: Age cut points at the edges of the planted age ranges, so the age groups carry all the
#: information about group membership that age has.
AGE_CUTS = {"age": [10, 50, 60, 80]}


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, np.ndarray]:
    return simulate_condition_groups(5000, seed=11)


@pytest.fixture(scope="module")
def fitted(simulated):
    people, _ = simulated
    return segment_people(people, CONDITIONS, ["age", "sex"], bins=AGE_CUTS, max_segments=5, seed=1)


def _oracle_assignment(people: pd.DataFrame) -> np.ndarray:
    """Bayes-optimal group of each person given the TRUE planted parameters."""
    x = people[CONDITIONS].to_numpy(dtype=float)
    p = np.clip(PLANTED_PREVALENCE.to_numpy(), 1e-12, 1 - 1e-12)
    log_post = np.log(PLANTED_SHARES) + x @ np.log(p) + (1 - x) @ np.log(1 - p)
    low, high = np.array(PLANTED_AGES).T
    age = people["age"].to_numpy()[:, None]
    with np.errstate(divide="ignore"):
        log_post = log_post + np.where((age >= low) & (age < high), -np.log(high - low), -np.inf)
    return log_post.argmax(axis=1)


def test_bic_finds_the_three_planted_groups(fitted):
    assert fitted.n_segments == 3
    curve = fitted.selection_curve
    assert curve.loc[curve["chosen"], "n_segments"].item() == 3
    assert curve["bic"].idxmin() == curve.index[curve["chosen"]][0]


def test_elbow_keeps_the_fit_at_the_elbow_of_the_same_curve(simulated, fitted):
    # The elbow read independently from the BIC sweep: the first k whose step to k + 1
    # improves the BIC by less than 2% of the first step.
    people, _ = simulated
    curve = fitted.selection_curve.set_index("n_segments")["bic"]
    gains = curve.diff(-1)  # bic[k] - bic[k + 1]
    expected = int(gains.index[(gains < 0.02 * gains.iloc[0]).to_numpy()][0])
    at_elbow = segment_people(
        people, CONDITIONS, ["age", "sex"], bins=AGE_CUTS, max_segments=5, seed=1,
        n_segments="elbow",
    )  # fmt: skip
    assert at_elbow.n_segments == expected
    chosen = at_elbow.selection_curve
    assert chosen.loc[chosen["chosen"], "n_segments"].item() == expected
    # each number of segments has its own seed: asking for it directly gives the same model
    direct = segment_people(
        people, CONDITIONS, ["age", "sex"], bins=AGE_CUTS, seed=1, n_segments=expected,
        max_segments=5,
    )  # fmt: skip
    np.testing.assert_allclose(direct.class_shares, at_elbow.class_shares)


def test_recovers_planted_groups_nearly_as_well_as_the_true_model(simulated, fitted):
    # The groups overlap (e.g. well people can have asthma), so even the true model
    # misclassifies some people: its ARI (about 0.79 here) is the ceiling. An estimated model
    # should come within 0.05 of it; a wrong model (e.g. two groups merged) falls far below.
    people, truth = simulated
    oracle = adjusted_rand_score(truth, _oracle_assignment(people))
    ours = adjusted_rand_score(truth, fitted.predict(people))
    assert oracle > 0.7
    assert ours >= oracle - 0.05


def test_labels_and_profiles_describe_the_planted_groups(fitted):
    table = fitted.segments
    assert table["segment_label"].tolist() == [
        "Generally well",
        "Respiratory conditions",
        "Cardiometabolic multimorbidity",
    ]
    assert table["high_need"].tolist() == [False, False, True]
    assert fitted.high_need_segments == [3]
    np.testing.assert_allclose(table["share"], [0.6, 0.2, 0.2], atol=0.03)
    profile = fitted.profile()
    prevalence = profile[profile["kind"] == "condition"].pivot(
        index="variable", columns="segment", values="value"
    )
    expected = PLANTED_PREVALENCE[["Generally well", "Respiratory", "Cardiometabolic"]]
    np.testing.assert_allclose(prevalence.loc[CONDITIONS].to_numpy(), expected, atol=0.05)
    sex = profile[profile["variable"] == "sex"]
    assert set(sex["category"]) == {"Female", "Male"}
    assert np.allclose(sex.groupby("segment")["value"].sum(), 1)


def test_same_seed_same_segments_and_different_seed_same_partition(simulated):
    people, _ = simulated
    a = segment_people(people, CONDITIONS, n_segments=3, sample_size=3000, seed=5)
    b = segment_people(people, CONDITIONS, n_segments=3, sample_size=3000, seed=5)
    np.testing.assert_array_equal(a.item_probabilities, b.item_probabilities)
    np.testing.assert_array_equal(a.predict(people), b.predict(people))
    c = segment_people(people, CONDITIONS, n_segments=3, sample_size=3000, seed=6)
    assert adjusted_rand_score(a.predict(people), c.predict(people)) > 0.8


def test_row_order_does_not_change_anyone_s_segment(simulated):
    people, _ = simulated
    shuffled = people.sample(frac=1, random_state=3)
    a = segment_people(people, CONDITIONS, ["age"], bins=AGE_CUTS, sample_size=2000, seed=2)
    b = segment_people(shuffled, CONDITIONS, ["age"], bins=AGE_CUTS, sample_size=2000, seed=2)
    assigned_a = a.assign(people)["segment"]
    assigned_b = b.assign(shuffled)["segment"].loc[people.index]
    # canonical numbering: identical labels, not merely identical up to permutation
    np.testing.assert_array_equal(assigned_a.to_numpy(), assigned_b.to_numpy())


def test_assign_keeps_the_index_and_gives_probabilities(fitted, simulated):
    people, _ = simulated
    new = people.iloc[[5, 1, 3]].set_index(pd.Index(["x", "y", "z"]))
    out = fitted.assign(new)
    assert out.index.tolist() == ["x", "y", "z"]
    assert list(out.columns) == ["segment", "segment_label", "probability"]
    assert out["probability"].between(1 / 3, 1).all()
    assert (
        out["segment_label"].astype(str) == [fitted.labels[s - 1] for s in out["segment"]]
    ).all()


def test_stability_is_high_for_well_separated_groups(fitted):
    out = fitted.stability(repetitions=20, seed=1)
    assert out["measure"].tolist() == ["adjusted Rand index"] + ["Jaccard"] * 3
    assert (out["value"] > 0.8).all()
    assert (out["lowercl"] <= out["value"]).all() and (out["value"] <= out["uppercl"]).all()


def test_stability_is_low_when_there_is_no_structure():
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(rng.random((3000, 5)) < 0.3, columns=list("abcde"))
    seg = segment_people(noise, list("abcde"), n_segments=3, seed=1)
    ari = seg.stability(repetitions=20, seed=2)["value"].iloc[0]
    assert ari < 0.5


def test_no_features_is_an_error(simulated):
    with pytest.raises(InputError, match="no features"):
        segment_people(simulated[0], [])


def test_constant_column_is_an_error(simulated):
    people = simulated[0].assign(cancer=False)
    with pytest.raises(InputError, match="'cancer'.*constant"):
        segment_people(people, [*CONDITIONS, "cancer"])


def test_non_binary_condition_is_an_error(simulated):
    people = simulated[0].assign(diabetes=simulated[0]["diabetes"].astype(int) * 2)
    with pytest.raises(InputError, match="'diabetes'.*True/False or 1/0"):
        segment_people(people, CONDITIONS)


def test_missing_values_need_a_strategy_and_drop_reports_rows(simulated):
    people = simulated[0].copy()
    people["chd"] = people["chd"].astype("object")
    people.loc[[7, 42], "chd"] = None
    with pytest.raises(InputError, match="'chd'.*must not be missing.*missing='exclude'"):
        segment_people(people, CONDITIONS)
    with pytest.warns(UserWarning, match=r"dropped 2 row\(s\).*\[7, 42\]"):
        seg = segment_people(people, CONDITIONS, n_segments=2, missing="exclude", seed=1)
    assert seg.dropped_rows.tolist() == [7, 42]
    assert seg.n_people == len(people) - 2
    with pytest.warns(UserWarning):
        out = seg.assign(people, missing="exclude")
    assert out.attrs["dropped_rows"] == [7, 42] and 7 not in out.index
    with pytest.raises(InputError, match="missing='banana' is not a strategy"):
        segment_people(people, CONDITIONS, missing="banana")


def test_unseen_category_when_assigning_is_an_error(fitted, simulated):
    people = simulated[0].head(3).assign(sex=["Female", "Unknown", "Male"])
    with pytest.raises(InputError, match="'sex'.*not seen when the segments were fitted"):
        fitted.assign(people)


def test_bad_number_of_segments_is_an_error(simulated):
    with pytest.raises(InputError, match="n_segments"):
        segment_people(simulated[0], CONDITIONS, n_segments="aic")
    tiny = pd.DataFrame({"a": [True, False, True, False], "b": [True, False, True, False]})
    with pytest.raises(InputError, match="only 2 distinct combinations"):
        segment_people(tiny, ["a", "b"], n_segments=4)
