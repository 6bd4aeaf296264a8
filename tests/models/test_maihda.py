"""MAIHDA: AUC from counts, recovery of planted stratum variance, VPC/PCV, shrinkage, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.metrics import roc_auc_score

from analysis.models.maihda import auc_from_counts, maihda
from analysis.validation import InputError

STRATA_BY = ["quintile", "ethnicity", "sex", "age_group"]


def simulate_strata(seed: int, sigma_interaction: float, n: int = 300_000) -> pd.DataFrame:
    """People in 5 x 4 x 2 x 3 = 120 strata; additive effects plus a stratum interaction."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "quintile": rng.integers(1, 6, n),
            "ethnicity": rng.choice(
                ["White", "Asian", "Black", "Other"], n, p=[0.7, 0.15, 0.1, 0.05]
            ),
            "sex": rng.choice(["Female", "Male"], n),
            "age_group": rng.choice(["18-44", "45-64", "65+"], n),
        }
    )
    stratum = df.groupby(STRATA_BY).ngroup().to_numpy()
    u = rng.normal(0, sigma_interaction, stratum.max() + 1)
    age = np.select([df["age_group"] == "45-64", df["age_group"] == "65+"], [1.0, 2.0], 0.0)
    eta = -2.5 + 0.15 * (5 - df["quintile"]) + 0.3 * (df["sex"] == "Male") + age + u[stratum]
    df["outcome"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype("int64")
    df["years"] = 1.0
    df["events"] = rng.poisson(np.exp(eta - 2.0))
    return df


@pytest.fixture(scope="module")
def result():
    people = simulate_strata(1, 0.25)
    return maihda(
        people, STRATA_BY, "outcome", reference={"quintile": 5, "ethnicity": "White"}
    ), people


def test_auc_from_counts_equals_sklearn_on_expanded_people():
    rng = np.random.default_rng(0)
    score = rng.integers(0, 6, 40) / 5.0  # many ties
    positives = rng.integers(0, 20, 40)
    negatives = rng.integers(0, 20, 40)
    labels = np.concatenate([np.ones(positives.sum()), np.zeros(negatives.sum())])
    scores = np.concatenate([np.repeat(score, positives), np.repeat(score, negatives)])
    assert auc_from_counts(score, positives, negatives) == pytest.approx(
        roc_auc_score(labels, scores), abs=1e-12
    )


def test_main_effects_and_interaction_variance_recover_the_truth(result):
    fit, _ = result
    main = fit.summary.set_index("model").loc["main effects"]
    assert main["sigma2_u_lowercl"] <= 0.25**2 <= main["sigma2_u_uppercl"]
    truth = {"quintile=1": 0.6, "quintile=2": 0.45, "quintile=3": 0.3, "quintile=4": 0.15,
             "sex=Male": 0.3, "age_group=45-64": 1.0, "age_group=65+": 2.0,
             "ethnicity=Asian": 0.0, "ethnicity=Black": 0.0, "ethnicity=Other": 0.0}  # fmt: skip
    fe = fit.fixed_effects.set_index("term")
    covered = [fe.loc[t, "lowercl"] <= np.exp(v) <= fe.loc[t, "uppercl"] for t, v in truth.items()]
    assert sum(covered) >= 9  # ten 95% intervals
    assert set(fe["statistic"]) == {"odds ratio"}


def test_vpc_pcv_and_auc_follow_their_definitions(result):
    fit, people = result
    s = fit.summary.set_index("model")
    for model in ("null", "main effects"):
        sigma2 = s.loc[model, "sigma2_u"]
        assert s.loc[model, "vpc"] == pytest.approx(sigma2 / (sigma2 + np.pi**2 / 3))
        assert s.loc[model, "vpc_lowercl"] < s.loc[model, "vpc"] < s.loc[model, "vpc_uppercl"]
    null, main = s.loc["null", "sigma2_u"], s.loc["main effects", "sigma2_u"]
    assert s.loc["main effects", "pcv"] == pytest.approx((null - main) / null)
    assert s.loc["main effects", "pcv"] > 0.8  # the main effects explain most stratum variance
    # AUC of the null model equals sklearn's on the people, scored by their stratum prediction
    strata = fit.strata.set_index(STRATA_BY)["value"]
    scores = strata.loc[pd.MultiIndex.from_frame(people[STRATA_BY])].to_numpy()
    assert s.loc["null", "auc"] == pytest.approx(roc_auc_score(people["outcome"], scores), abs=1e-9)
    assert s.loc["null", "n_strata"] == 120 and s.loc["null", "n_people"] == len(people)


def test_stratum_estimates_are_shrunk_most_where_strata_are_small(result):
    fit, _ = result
    strata = fit.strata
    observed = 100 * strata["outcome"] / strata["n"]

    def logit(p):
        return np.log(p / (100 - p))

    assert logit(strata["value"]).std() < logit(observed).std()  # pulled together
    shrinkage = np.abs(logit(strata["value"]) - logit(observed))
    small = strata["n"] <= strata["n"].quantile(0.25)
    large = strata["n"] >= strata["n"].quantile(0.75)
    assert shrinkage[small].mean() > shrinkage[large].mean()
    assert (strata["lowercl"] < strata["value"]).all() and (
        strata["value"] < strata["uppercl"]
    ).all()
    assert (strata["interaction_lowercl"] < strata["interaction_uppercl"]).all()
    assert list(strata.columns[-3:]) == ["confidence", "statistic", "method"]
    assert set(strata["statistic"]) == {"predicted probability per 100"}
    assert set(strata["confidence"]) == {"95%"}


def test_null_model_gaussian_maihda_equals_mixedlm():
    rng = np.random.default_rng(7)
    people = simulate_strata(7, 0.3, n=20_000)
    people["bmi"] = 27 + 0.5 * (5 - people["quintile"]) + rng.normal(0, 4, len(people))
    people["bmi"] += people.groupby(STRATA_BY)["quintile"].transform(lambda s: 0) + np.repeat(
        0, len(people)
    )
    fit = maihda(people, STRATA_BY, "bmi", family="gaussian")
    groups = people.groupby(STRATA_BY).ngroup().to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.MixedLM(people["bmi"].to_numpy(), np.ones((len(people), 1)), groups=groups).fit(
            reml=False, method="bfgs", gtol=1e-10
        )
    null = fit.summary.set_index("model").loc["null"]
    assert null["sigma2_u"] == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), rel=1e-3)
    assert null["vpc"] == pytest.approx(
        float(np.asarray(ref.cov_re)[0, 0]) / (float(np.asarray(ref.cov_re)[0, 0]) + ref.scale),
        rel=1e-3,
    )
    assert null["loglik"] == pytest.approx(ref.llf, abs=1e-4)


def test_poisson_maihda_on_counts_recovers_the_interaction_variance():
    people = simulate_strata(3, 0.3)
    counts = people.groupby(STRATA_BY, as_index=False)[["events", "years"]].sum()
    fit = maihda(counts, STRATA_BY, "events", family="poisson", n="years")
    main = fit.summary.set_index("model").loc["main effects"]
    assert main["sigma2_u_lowercl"] <= 0.3**2 <= main["sigma2_u_uppercl"]
    assert set(fit.fixed_effects["statistic"]) == {"rate ratio"}
    assert set(fit.strata["statistic"]) == {"predicted rate per 100,000"}
    assert 0 < main["vpc"] < 1 and np.isnan(main["auc"])


def test_input_errors_name_the_column():
    counts = pd.DataFrame(
        {
            "sex": ["F", "M", "F"],
            "age": ["a", "a", "b"],
            "events": [3, 4, 5],
            "pop": [10.0, 0.0, 9.0],
        }
    )
    with pytest.raises(InputError, match="column 'pop': must be greater than zero"):
        maihda(counts, ["sex", "age"], "events", family="poisson", n="pop")
    with pytest.raises(InputError, match="needs n="):
        maihda(counts, ["sex", "age"], "events", family="poisson")
    with pytest.raises(InputError, match="family must be"):
        maihda(counts, ["sex", "age"], "events", family="gamma")
    people = pd.DataFrame({"sex": ["F", None, "M"], "age": ["a", "b", "a"], "y": [1, 0, 1]})
    with pytest.raises(InputError, match="column 'sex': must not be missing"):
        maihda(people, ["sex", "age"], "y")


def test_large_strata_intervals_match_their_own_binomial_precision(result):
    """A stratum with thousands of people hardly borrows strength: its interval on the logit
    scale is close to the stratum's own Wald interval (independent closed form)."""
    fit, _ = result
    strata = fit.strata.nlargest(10, "n")
    p = strata["outcome"] / strata["n"]
    own_se = 1 / np.sqrt(strata["n"] * p * (1 - p))

    def logit(v):
        return np.log(v / (100 - v))

    model_se = (logit(strata["uppercl"]) - logit(strata["lowercl"])) / (2 * 1.959964)
    np.testing.assert_allclose(model_se, own_se, rtol=0.1)
