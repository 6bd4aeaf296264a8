"""Intersectional MAIHDA: Multilevel Analysis of Individual Heterogeneity and Discriminatory Accuracy.

Method (Evans, Williams, Onnela & Subramanian 2018, *Soc Sci Med* 203:64-73; Evans, Leckie,
Subramanian, Bell & Merlo 2024, *SSM Popul Health* 26:101664, tutorial): people are grouped
into *intersectional strata*, every combination of the social dimensions (e.g. deprivation
quintile x ethnicity x sex x age group), and two random-intercept models are fitted with
strata as the level-2 units:

1. the **null model** (intercept + stratum random intercept): its variance partition
   coefficient (VPC) says how much of the individual variation lies between strata, and its
   shrunken stratum predictions estimate each stratum's outcome, borrowing strength from the
   others where strata are small;
2. the **main-effects model** adds the dimensions as fixed effects: the remaining stratum
   variance is what the additive effects do not explain (intersectional *interaction*), and
   the proportional change in variance ``PCV = (sigma2_null - sigma2_main) / sigma2_null`` is
   the share of between-stratum variance that the main effects explain.

Estimation (documented choice): statsmodels has no frequentist GLMM with Laplace or
quadrature, so the models are fitted by maximum marginal likelihood with adaptive
Gauss-Hermite quadrature on the stratum totals (:mod:`analysis.models.random_intercept`) --
exact sufficient statistics because all predictors are constant within strata. Linear
(Gaussian) models use the same engine on stratum sizes, means and within-stratum sums of
squares (maximum likelihood, identical to ``statsmodels.MixedLM(reml=False)``).

Summaries:

- VPC: Gaussian ``sigma2_u / (sigma2_u + sigma2_e)``; logistic on the latent-response scale
  ``sigma2_u / (sigma2_u + pi^2/3)`` (Snijders & Bosker 2012, *Multilevel Analysis*, 2nd ed.,
  section 17.3; Goldstein, Browne & Rasbash 2002, *Understanding Statistics* 1:223-231);
  Poisson on the count scale at the mean rate per unit of exposure mu,
  ``mu (exp(sigma2_u) - 1) / (mu (exp(sigma2_u) - 1) + 1)`` (Stryhn et al. 2006; Leckie,
  Browne, Goldstein, Merlo & Austin 2020, *Psychol Methods* 25:787-801). Intervals from the
  interval of sigma2_u (Wald on log sigma_u); when sigma2_u is estimated at its boundary (0,
  common in main-effects models without intersectional effects) the lower limit is 0 and the
  upper limit is not given (NaN).
- Shrunken stratum predictions: inverse link of ``x_j beta + E[u_j | y]`` with a Wald interval
  on the linear-predictor scale whose variance is ``lambda_j^2 x_j V x_j' + Var(u_j | y)``:
  the posterior variance of u_j plus the fixed part's variance scaled by the stratum's
  shrinkage factor ``lambda_j = Var(u_j | y) / sigma2_u`` (how much the prediction leans on the
  fixed part: the prediction-error variance of the Gaussian case, Henderson 1975,
  *Biometrics* 31:423-447; approximate for binary and count outcomes, and conditional on
  sigma2_u).
- Discriminatory accuracy: the area under the ROC curve (AUC) of the stratum predictions as a
  classifier of individuals (binary outcomes; Merlo 2018, *Soc Sci Med* 203:74-80).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special

from analysis.measures._output import confidence_label
from analysis.models.design import make_design
from analysis.models.random_intercept import (
    RandomInterceptFit,
    StratumTotals,
    fit_random_intercept,
)
from analysis.models.strata import collapse_binary, collapse_continuous, collapse_counts
from analysis.models.tidy import coefficient_table, limit_columns, wald_limits
from analysis.validation import (
    InputError,
    check_confidence,
    check_counts,
    check_not_above,
    check_positive,
    require_columns,
)

MODELS = ("null", "main effects")
#: What a stratum's prediction is the mean of, by family.
MEANS = {"binomial": "probability", "poisson": "rate", "gaussian": "mean"}


@dataclass(frozen=True)
class MaihdaResult:
    """The two MAIHDA models.

    - ``summary``: one row per model with ``sigma2_u`` (limits ``sigma2_u_lowercl``,
      ``sigma2_u_uppercl``), ``vpc`` (``vpc_lowercl``, ``vpc_uppercl``), ``pcv``, ``auc``
      (binary), ``loglik``, ``n_strata``, ``n_people`` and ``confidence``;
    - ``fixed_effects``: the main-effects model's ratios (odds/rate ratios, or differences for a
      Gaussian outcome), tidy like :func:`analysis.models.binary_model`;
    - ``strata``: one row per stratum with its size and outcome, the null model's shrunken
      prediction (``value``, ``lowercl``, ``uppercl``), the main-effects model's additive
      prediction (``additive``), the stratum's interaction effect (``interaction`` with
      ``interaction_lowercl``/``interaction_uppercl``, on the linear-predictor scale), then
      ``confidence``, ``statistic`` (what ``value`` is, e.g. ``"predicted probability per 100"``) and
      ``method`` (of the limits).

    With several confidence levels each pair is one pair per level (``lower95_0cl``,
    ``vpc_upper99_8cl``, ``interaction_lower99_8cl``, ...).
    """

    family: str
    summary: pd.DataFrame
    fixed_effects: pd.DataFrame
    strata: pd.DataFrame


def auc_from_counts(score: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> float:
    """Area under the ROC curve when every person in a group has the group's score.

    Method: the Mann-Whitney probability that a random person with the outcome scores higher
    than a random person without it, ties counting one half (Hanley & McNeil 1982,
    *Radiology* 143:29-36), computed from group counts without expanding to people.

    Parameters
    ----------
    score
        the score (e.g. predicted probability) of each group.
    positives
        the number of people with the outcome in each group.
    negatives
        the number of people without the outcome in each group.

    Returns
    -------
    float
        The area under the curve, 0.5 (no discrimination) to 1 (perfect).

    Examples
    --------
    >>> auc_from_counts(np.array([0.1, 0.5, 0.5]), np.array([0, 1, 1]), np.array([2, 1, 1]))
    0.75
    """
    unique, inverse = np.unique(np.asarray(score, dtype="float64"), return_inverse=True)
    pos = np.bincount(inverse, weights=positives, minlength=len(unique))
    neg = np.bincount(inverse, weights=negatives, minlength=len(unique))
    negatives_below = np.cumsum(neg) - neg
    return float(np.sum(pos * (negatives_below + 0.5 * neg)) / (pos.sum() * neg.sum()))


def _stratum_totals(
    data: pd.DataFrame, strata_by: list[str], x: str, family: str, n: str | None
) -> tuple[pd.DataFrame, str, str]:
    """One row per observed stratum with the outcome and size columns (validated)."""
    if family == "gaussian":
        rows = collapse_continuous(data, strata_by, x)
        return rows.rename(columns={"mean": x}), x, "n"
    if family == "binomial" and n is None:
        require_columns(data, [x, *strata_by], what="data")
        if "n" in (x, *strata_by):
            raise InputError(
                "column 'n': person-level rows are counted into a column of that name; rename it"
            )
        return collapse_binary(data, strata_by, x, n="n"), x, "n"
    if n is None:
        raise InputError("a Poisson MAIHDA needs n= (the person-time or people at risk column)")
    require_columns(data, [x, n, *strata_by], what="data")
    check_counts(data, x, context=strata_by)
    check_positive(data, n, context=strata_by)
    if family == "binomial":
        check_not_above(data, x, n, context=strata_by)
    return collapse_counts(data, strata_by, [x, n]), x, n


def _vpc(family: str, sigma2: np.ndarray, sigma_e2: float | None, mean_rate: float) -> np.ndarray:
    if family == "binomial":
        return sigma2 / (sigma2 + np.pi**2 / 3)
    if family == "gaussian":
        return sigma2 / (sigma2 + sigma_e2)
    between = mean_rate * np.expm1(sigma2)
    return between / (between + 1)


def _start(totals: StratumTotals, family: str) -> np.ndarray:
    """Return starting values: the single-level GLM coefficients, sigma_u = 0.5 (and pooled sigma_e)."""
    if family == "binomial":
        glm = sm.GLM(np.column_stack([totals.y, totals.size - totals.y]), totals.x,
                     family=sm.families.Binomial()).fit()  # fmt: skip
    elif family == "poisson":
        glm = sm.GLM(totals.y, totals.x, family=sm.families.Poisson(),
                     offset=np.log(totals.size)).fit()  # fmt: skip
    else:
        glm = sm.WLS(totals.y, totals.x, weights=totals.size).fit()
    start = [*glm.params, np.log(0.5)]
    if family == "gaussian":
        pooled = totals.within_ss.sum() / max(totals.size.sum() - len(totals.y), 1.0)
        start.append(0.5 * np.log(max(pooled, 1e-8)))
    return np.asarray(start, dtype="float64")


def maihda(
    data: pd.DataFrame,
    strata_by: Sequence[str],
    x: str,
    *,
    family: str = "binomial",
    n: str | None = None,
    reference: Mapping[str, object] | None = None,
    confidence: float | Sequence[float] = 0.95,
    n_nodes: int = 15,
    multiplier: float | None = None,
) -> MaihdaResult:
    """Fit the MAIHDA null and main-effects models with strata from ``strata_by``.

    Method: intersectional MAIHDA (Evans, Williams, Onnela & Subramanian 2018, *Soc Sci Med*
    203:64-73; Evans et al. 2024, *SSM Popul Health* 26:101664): random-intercept models with
    strata as level-2 units, fitted by maximum marginal likelihood with adaptive
    Gauss-Hermite quadrature, summarised by the VPC, the PCV and (binary outcomes) the AUC
    (Hanley & McNeil 1982); the module docstring gives the formulas and their references.

    Parameters
    ----------
    data
        One row per person (``family="binomial"`` with a 0/1 ``x``, or ``"gaussian"`` with a
        continuous one) or counts by any finer breakdown: ``x`` successes of ``n`` trials
        (binomial) or events over ``n`` person-time (``"poisson"``).
    strata_by
        The columns whose observed combinations are the strata -- the clusters of one
        model, not separate results, which is why this is not ``group_by``.
    x
        The outcome column (0/1, continuous, successes or events; see ``data``).
    family
        ``"binomial"``, ``"poisson"`` or ``"gaussian"``.
    n
        Trials (binomial) or person-time (Poisson) of counted rows; None for one row per
        person (binomial, Gaussian).
    reference
        Reference level of a stratum variable in the main-effects model,
        ``{column: level}`` (default as :func:`analysis.models.rate_model`).
    confidence
        One level or several (``0.95`` or ``[0.95, 0.998]``): every interval gets one pair of
        limit columns per level, all from the same fits (``lowercl``/``uppercl``,
        ``vpc_lowercl``, ... for one level; ``lower95_0cl``, ``vpc_upper99_8cl``, ... for
        several).
    n_nodes
        Gauss-Hermite quadrature points per stratum.
    multiplier
        Scale of the stratum predictions (default 100 = per cent for binomial, 100,000 for
        Poisson, 1 for Gaussian).

    Returns
    -------
    MaihdaResult
        ``summary``, ``fixed_effects`` and ``strata`` tables (:class:`MaihdaResult`).
    """
    if family not in ("binomial", "poisson", "gaussian"):
        raise InputError(f"family must be 'binomial', 'poisson' or 'gaussian', got {family!r}")
    levels = check_confidence(confidence)
    strata_by = list(dict.fromkeys(strata_by))
    rows, y_col, size_col = _stratum_totals(data, strata_by, x, family, n)
    if multiplier is None:
        multiplier = {"binomial": 100.0, "poisson": 100_000.0, "gaussian": 1.0}[family]
    y = rows[y_col].to_numpy(dtype="float64")
    size = rows[size_col].to_numpy(dtype="float64")
    within = rows["within_ss"].to_numpy(dtype="float64") if family == "gaussian" else None
    design = make_design(rows, strata_by, reference=reference)
    matrices = {"null": np.ones((len(rows), 1)), "main effects": design.matrix(rows)}
    fits = {}
    for name, matrix in matrices.items():  # two models
        totals = StratumTotals(family, y, size, matrix, within)
        fits[name] = fit_random_intercept(totals, _start(totals, family), n_nodes=n_nodes)
    not_converged = [k for k, f in fits.items() if not f.converged]
    if not_converged:
        raise InputError(
            f"the MAIHDA {not_converged} model(s) did not converge (the stratum variance may be "
            "zero or the strata too few); try fewer dimensions or merging levels"
        )
    mean_rate = float(np.sum(y) / np.sum(size)) if family == "poisson" else 0.0
    inverse = _inverse_link(family)
    summary, strata = [], rows.copy()
    for name, fit in fits.items():
        matrix = matrices[name]
        sigma2_limits = _sigma2_limits(fit, levels)
        eta = matrix @ fit.beta + fit.u_mean
        fixed_var = np.einsum("jp,pq,jq->j", matrix, fit.cov[: fit.n_beta, : fit.n_beta], matrix)
        shrink = fit.u_sd**2 / fit.sigma_u2 if fit.sigma_u2 > 1e-12 else np.ones(len(rows))
        se = np.sqrt(shrink**2 * fixed_var + fit.u_sd**2)
        auc = auc_from_counts(special.expit(eta), y, size - y) if family == "binomial" else np.nan
        vpc_limits = [
            tuple(_vpc(family, limit, fit.sigma_e2, mean_rate) for limit in pair)
            for pair in sigma2_limits
        ]
        summary.append(
            {
                "model": name,
                "sigma2_u": fit.sigma_u2,
                **limit_columns(sigma2_limits, levels, prefix="sigma2_u"),
                "vpc": _vpc(family, fit.sigma_u2, fit.sigma_e2, mean_rate),
                **limit_columns(vpc_limits, levels, prefix="vpc"),
                "auc": auc,
                "loglik": fit.loglik,
                "n_strata": len(rows),
                "n_people": float(size.sum()) if family != "poisson" else np.nan,
                "confidence": confidence_label(levels),
            }
        )
        if name == "null":
            strata["value"] = inverse(eta) * multiplier
            prediction = wald_limits(eta, se, levels, transform=lambda e: inverse(e) * multiplier)
            strata = strata.assign(**limit_columns(prediction, levels))
        else:
            strata["additive"] = inverse(matrix @ fit.beta) * multiplier
            strata["interaction"] = fit.u_mean
            interaction = wald_limits(fit.u_mean, fit.u_sd, levels)
            strata = strata.assign(**limit_columns(interaction, levels, prefix="interaction"))
    summary = pd.DataFrame(summary)
    null_var = summary.loc[0, "sigma2_u"]
    summary.insert(
        summary.columns.get_loc("auc"),
        "pcv",
        [np.nan, (null_var - summary.loc[1, "sigma2_u"]) / null_var],
    )
    strata.insert(0, "stratum", rows[strata_by].astype(str).agg(" | ".join, axis=1))
    strata["confidence"] = confidence_label(levels)
    strata["statistic"] = _prediction_statistic(family, multiplier)
    strata["method"] = (
        "Wald on the linear predictor (shrinkage-scaled fixed part + posterior variance)"
    )
    main = fits["main effects"]
    return MaihdaResult(
        family=family,
        summary=summary,
        fixed_effects=coefficient_table(
            design,
            main.beta,
            np.sqrt(np.diag(main.cov))[: main.n_beta],
            model=f"MAIHDA main effects ({family})",
            statistic={
                "binomial": "odds ratio",
                "poisson": "rate ratio",
                "gaussian": "difference",
            }[family],
            levels=levels,
            exponentiate=family != "gaussian",
        ),
        strata=strata,
    )


def _sigma2_limits(fit: RandomInterceptFit, levels: list[float]) -> list[tuple[float, float]]:
    """Limits of sigma2_u at each level: Wald on log sigma_u; ``(0, NaN)`` at the boundary sigma2_u = 0, where there is no Wald interval."""
    se_log_sigma = float(np.sqrt(fit.cov[fit.n_beta, fit.n_beta]))
    if np.isnan(se_log_sigma):
        return [(0.0, np.nan) for _ in levels]
    return wald_limits(fit.log_sigma_u, se_log_sigma, levels, transform=lambda t: np.exp(2 * t))


def _prediction_statistic(family: str, multiplier: float) -> str:
    """Describe the strata's ``value`` as the standardised predictions do (``"predicted probability per 100"``)."""
    if multiplier == 1:
        return f"predicted {MEANS[family]}"
    if family == "gaussian":
        return f"predicted mean x {multiplier:,g}"
    return f"predicted {MEANS[family]} per {multiplier:,.0f}"


def _inverse_link(family: str):
    return {"binomial": special.expit, "poisson": np.exp, "gaussian": lambda e: e}[family]
