"""Rate and binary-outcome regression models for inequalities (Poisson, negative binomial, logistic).

Methods
-------
- **Rate models**: Poisson generalised linear model with a log link and log person-time
  offset, giving adjusted *rate ratios* (exp of the coefficients); negative binomial (NB2,
  variance mu + alpha mu^2) when counts are overdispersed, alpha estimated by maximum
  likelihood and the coefficients' standard errors taken at the estimated alpha, as R's
  ``MASS::glm.nb`` does (Venables & Ripley 2002, *Modern Applied Statistics with S*, 4th ed.,
  section 7.4; Hilbe 2011, *Negative Binomial Regression*, 2nd ed.).
- **Binary models**: binomial GLM with a logit link on successes/trials, giving adjusted
  *odds ratios* (Hosmer, Lemeshow & Sturdivant 2013, *Applied Logistic Regression*, 3rd ed.).
- **Sufficient statistics**: when every predictor is categorical, person-level rows are first
  collapsed to strata (see :mod:`analysis.models.strata`); the fit is identical and fast.
  A continuous predictor keeps the rows as given.
- **Wald intervals** on the log scale, exponentiated; **robust** standard errors are the
  Huber-White sandwich (HC0) over the rows fitted -- for a collapsed table that is the strata,
  not people.
- **Likelihood-ratio tests** for nested models (e.g. deprivation x ethnicity interaction);
  **test for trend** across ordered groups by entering the group as a score.
- **Overdispersion**: Pearson chi-squared / residual df of the Poisson fit (about 1 when the
  Poisson variance holds; Cameron & Trivedi 2013, *Regression Analysis of Count Data*, 2nd ed.,
  section 3.4) and the NB alpha with a likelihood-ratio test of alpha = 0 (half the
  chi-squared(1) tail probability, as alpha = 0 is on the boundary).

Outputs are tidy: ``term, variable, level, reference, value``, the limits (``lowercl,
uppercl`` for one confidence level, ``lower95_0cl, upper95_0cl, lower99_8cl, ...`` for
several, all from the same fit), ``p, coefficient, std_error, model, confidence, statistic,
method``, with ``statistic`` saying what ``value`` is ("rate ratio" or "odds ratio").
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, special, stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning
from threadpoolctl import threadpool_limits

from analysis.measures._output import confidence_label
from analysis.models.design import INTERCEPT, Design, make_design
from analysis.models.numerics import hessian_from_gradient
from analysis.models.strata import collapse_binary, collapse_counts
from analysis.models.tidy import coefficient_table, limit_columns, wald_limits
from analysis.validation import (
    InputError,
    check_confidence,
    check_counts,
    check_not_above,
    check_positive,
    fail_rows,
    require_columns,
)

#: What a coefficient table's ``value`` is (its ``statistic``), by family.
STATISTICS = {"poisson": "rate ratio", "negative_binomial": "rate ratio", "binomial": "odds ratio"}
#: IRLS stops when the deviance changes by at most 1e-12 in absolute terms or relative to
#: itself (R's ``glm`` stops at 1e-8 relative). An absolute bound alone cannot be met by a
#: deviance in the tens of thousands (strata of a national extract), whose rounding error is
#: larger: IRLS would run to ``maxiter``.
IRLS = {"tol": 1e-12, "rtol": 1e-12, "maxiter": 200}
MODEL_NAMES = {
    "poisson": "Poisson",
    "negative_binomial": "negative binomial",
    "binomial": "logistic",
}


@dataclass(frozen=True)
class ModelSpec:
    """What was asked for: enough to refit a variant (e.g. with an interaction added)."""

    family: str
    x: str
    predictors: tuple[str, ...]
    n: str | None = None
    continuous: tuple[str, ...] = ()
    reference: Mapping[str, object] = field(default_factory=dict)
    interactions: tuple[tuple[str, str], ...] = ()
    robust: bool = False
    confidence: tuple[float, ...] = (0.95,)
    aggregate: bool = True


@dataclass(frozen=True)
class ModelFit:
    """A fitted model: the tidy ``table`` plus what is needed for predictions and tests.

    ``data`` holds the rows actually fitted (collapsed strata when predictors are categorical),
    ``weights`` the people (binary) or person-time (rates) in each row -- the observed
    covariate distribution used for standardised predictions.
    """

    spec: ModelSpec
    design: Design
    data: pd.DataFrame
    weights: np.ndarray
    params: np.ndarray
    cov: np.ndarray
    loglik: float
    n_params: int
    pearson_chi2: float
    df_resid: float
    alpha: float | None
    alpha_se: float | None
    table: pd.DataFrame

    @property
    def model(self) -> str:
        """The model's name: ``"Poisson"``, ``"negative binomial"`` or ``"logistic"``."""
        return MODEL_NAMES[self.spec.family]

    @property
    def statistic(self) -> str:
        """What the table's values are: ``"rate ratio"`` or ``"odds ratio"``."""
        return STATISTICS[self.spec.family]

    def linear_predictor(self, data: pd.DataFrame) -> np.ndarray:
        """Linear predictor (no offset) for rows of ``data`` coded like the fitted data."""
        return self.design.matrix(data) @ self.params


def rate_model(
    data: pd.DataFrame,
    x: str,
    n: str,
    predictors: Sequence[str],
    *,
    family: str = "poisson",
    continuous: Sequence[str] = (),
    reference: Mapping[str, object] | None = None,
    interactions: Sequence[tuple[str, str]] = (),
    robust: bool = False,
    confidence: float | Sequence[float] = 0.95,
    aggregate: bool = True,
) -> ModelFit:
    """Return adjusted rate ratios from a Poisson or negative binomial model with a log-population offset.

    Method: Poisson generalised linear model with a log link, or negative binomial (NB2) with
    alpha by maximum likelihood as R's ``MASS::glm.nb`` (Venables & Ripley 2002, *Modern
    Applied Statistics with S*, section 7.4; Hilbe 2011, *Negative Binomial Regression*);
    Wald intervals on the log scale; ``robust=True`` for Huber-White (HC0) standard errors.

    Parameters
    ----------
    data
        One row per person (``x`` events per person, ``n`` the person-time) or counts by
        strata. With only categorical ``predictors`` (and ``aggregate=True``) the rows are
        collapsed to strata first, which gives the same fit.
    x
        Column of event counts (whole numbers, not negative).
    n
        Column of person-time or population at risk (the offset is its log; greater than 0).
    predictors
        Columns of the explanatory variables; put adjustment variables such as ``age_band``
        among them.
    family
        ``"poisson"`` or ``"negative_binomial"`` (NB2); the negative binomial fits the rows as
        given (collapsing changes what the extra-Poisson variation means).
    continuous
        Predictors entered as numbers (one slope) rather than as categories.
    reference
        Reference level of a categorical predictor, ``{column: level}`` (default: the first
        category of a categorical column, otherwise the smallest value).
    interactions
        Pairs of predictors whose interaction is added, for example
        ``[("imd_quintile", "ethnicity")]``; both must also be predictors.
    robust
        Huber-White (HC0) standard errors instead of the model-based ones.
    confidence
        One level or several (``0.95``, ``95`` or ``[0.95, 0.998]``): the table has one pair
        of limit columns per level, all from the same fit (``lowercl``/``uppercl`` for one
        level, ``lower95_0cl``, ``upper99_8cl``, ... for several).
    aggregate
        Collapse person-level rows to strata before fitting (Poisson only).

    Returns
    -------
    ModelFit
        The fit; ``table`` holds one row per term: ``term``, the rate ratio in ``value``, its
        limits, ``confidence``, ``statistic`` (``"rate ratio"``) and ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"group": ["a", "b"], "deaths": [10, 30], "years": [1000, 1500]})
    >>> fit = rate_model(df, "deaths", "years", ["group"])
    >>> round(float(fit.table.loc[0, "value"]), 6)  # (30/1500) / (10/1000)
    2.0
    """
    if family not in ("poisson", "negative_binomial"):
        raise InputError(f"family must be 'poisson' or 'negative_binomial', got {family!r}")
    spec = ModelSpec(
        family=family,
        x=x,
        predictors=tuple(predictors),
        n=n,
        continuous=tuple(continuous),
        reference=dict(reference or {}),
        interactions=tuple(tuple(p) for p in interactions),
        robust=robust,
        confidence=tuple(check_confidence(confidence)),
        aggregate=aggregate and family == "poisson",
    )
    return fit_model(data, spec)


def binary_model(
    data: pd.DataFrame,
    x: str,
    predictors: Sequence[str],
    *,
    n: str | None = None,
    continuous: Sequence[str] = (),
    reference: Mapping[str, object] | None = None,
    interactions: Sequence[tuple[str, str]] = (),
    robust: bool = False,
    confidence: float | Sequence[float] = 0.95,
    aggregate: bool = True,
) -> ModelFit:
    """Return adjusted odds ratios from a logistic (binomial) model.

    Method: binomial generalised linear model with a logit link on successes out of trials
    (Hosmer, Lemeshow & Sturdivant 2013, *Applied Logistic Regression*, 3rd ed.); Wald
    intervals on the log scale; ``robust=True`` for Huber-White (HC0) standard errors.

    Parameters
    ----------
    data
        Person-level rows with a 0/1 ``x`` (``n=None``; collapsed to successes and trials by
        strata when all predictors are categorical and ``aggregate=True``) or counts by
        strata with ``x`` successes out of ``n`` trials.
    x
        Column of the outcome: 0/1 (or True/False) per person, or successes per stratum.
    predictors
        Columns of the explanatory variables, adjustment variables included.
    n
        Column of trials per stratum (``x`` at most ``n``); None for person-level rows.
    continuous
        Predictors entered as numbers (one slope) rather than as categories.
    reference
        Reference level of a categorical predictor, ``{column: level}`` (default: the first
        category of a categorical column, otherwise the smallest value).
    interactions
        Pairs of predictors whose interaction is added; both must also be predictors.
    robust
        Huber-White (HC0) standard errors instead of the model-based ones.
    confidence
        One level or several (``0.95``, ``95`` or ``[0.95, 0.998]``): one pair of limit
        columns per level, all from the same fit, named as in :func:`rate_model`.
    aggregate
        Collapse person-level rows to strata before fitting.

    Returns
    -------
    ModelFit
        The fit; ``table`` holds one row per term: ``term``, the odds ratio in ``value``, its
        limits, ``confidence``, ``statistic`` (``"odds ratio"``) and ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"group": ["a", "b"], "late": [20, 40], "cases": [100, 100]})
    >>> fit = binary_model(df, "late", ["group"], n="cases")
    >>> round(float(fit.table.loc[0, "value"]), 6)  # (40/60) / (20/80)
    2.666667
    """
    spec = ModelSpec(
        family="binomial",
        x=x,
        predictors=tuple(predictors),
        n=n,
        continuous=tuple(continuous),
        reference=dict(reference or {}),
        interactions=tuple(tuple(p) for p in interactions),
        robust=robust,
        confidence=tuple(check_confidence(confidence)),
        aggregate=aggregate,
    )
    return fit_model(data, spec)


#: The trials column of person-level binary rows once collapsed (or given one trial each).
PERSON_TRIALS = "n"


def _prepare(data: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, str, str]:
    """Validate and (where allowed) collapse the rows; return the rows and their ``x`` and ``n`` columns."""
    predictors = list(spec.predictors)
    if spec.family == "binomial" and spec.n is None:
        require_columns(data, [spec.x, *predictors], what="data")
        if PERSON_TRIALS in (spec.x, *predictors):
            raise InputError(
                f"column {PERSON_TRIALS!r}: person-level rows are counted into a column of that "
                "name; rename it"
            )
        if spec.aggregate and not spec.continuous:
            rows = collapse_binary(data, predictors, spec.x, n=PERSON_TRIALS)
            return rows, spec.x, PERSON_TRIALS
        values = check_counts(data, spec.x)
        fail_rows(data, values > 1, spec.x, "a binary outcome must be 0/1 or True/False")
        rows = data[[spec.x, *predictors]].copy()
        rows[spec.x] = values
        rows[PERSON_TRIALS] = 1.0
        return rows, spec.x, PERSON_TRIALS
    size = spec.n
    require_columns(data, [spec.x, size, *predictors], what="data")
    check_counts(data, spec.x, context=predictors)
    check_positive(data, size, context=predictors)
    if spec.family == "binomial":
        check_not_above(data, spec.x, size, context=predictors)
    rows = data[[spec.x, size, *predictors]]
    if spec.aggregate and not spec.continuous:
        rows = collapse_counts(rows, predictors, [spec.x, size])
    return rows.reset_index(drop=True), spec.x, size


def _check_estimable(
    rows: pd.DataFrame,
    x: np.ndarray,
    design: Design,
    y: np.ndarray,
    size: np.ndarray,
    spec: ModelSpec,
) -> None:
    """Raise for empty cells and for levels whose ratio is zero or infinite (separation)."""
    binomial = spec.family == "binomial"
    for j, term in enumerate(design.terms):
        if term.name == INTERCEPT or term.variable in design.continuous:
            continue
        inside = x[:, j] != 0
        if not inside.any():
            raise InputError(
                f"term {term.name!r}: no rows have this combination of levels (an empty "
                "stratum), so its effect cannot be estimated; drop the interaction or merge levels"
            )
    for variable, levels in design.levels.items():
        codes = pd.Categorical(rows[variable], categories=list(levels)).codes
        events = np.bincount(codes, weights=y, minlength=len(levels))
        totals = np.bincount(codes, weights=size, minlength=len(levels))
        bad = (events == 0) | (binomial & (events == totals))
        if bad.any():
            what = (
                "all or none of the people have the outcome" if binomial else "there are no events"
            )
            fail_rows(
                rows,
                np.isin(codes, np.flatnonzero(bad)),
                variable,
                f"in level(s) {[str(levels[k]) for k in np.flatnonzero(bad)]} {what} "
                "(perfect separation): the ratio is zero or infinite; merge levels or remove the "
                "predictor",
                context=[spec.x],
            )


def _fit_glm(endog, x, family, offset, robust: bool):
    model = sm.GLM(endog, x, family=family, offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # separation is checked before fitting (_check_estimable); statsmodels also warns for a
        # saturated model whose fitted values equal the data, which is not an error
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # zero residual df in IRLS's WLS step
        try:
            result = model.fit(**IRLS, cov_type="HC0" if robust else "nonrobust")
        except ConvergenceWarning as err:
            raise InputError(f"the model did not converge ({err}); merge sparse levels") from err
    if not result.converged:  # statsmodels' IRLS stops at maxiter without a warning
        raise InputError(
            f"the model did not converge in {IRLS['maxiter']} iterations; merge sparse levels"
        )
    return result


def _negative_binomial_gradient(y, x, offset, theta: np.ndarray) -> np.ndarray:
    """Score of the NB2 log-likelihood in (beta, log alpha)."""
    mu = np.exp(x @ theta[:-1] + offset)
    r = np.exp(-theta[-1])  # 1 / alpha
    d_eta = r * (y - mu) / (r + mu)
    d_r = (
        special.digamma(y + r) - special.digamma(r) + np.log(r / (r + mu)) + 1 - (r + y) / (r + mu)
    )
    return np.append(d_eta @ x, -r * d_r.sum())


def _fit_negative_binomial(y, x, offset, robust: bool):
    """NB2 by solving the profile score equation in log(alpha) (the coefficients by IRLS at each alpha, as ``MASS::glm.nb`` alternates).

    The SE of alpha from the observed information of (beta, log alpha).
    """
    poisson = _fit_glm(y, x, sm.families.Poisson(), offset, robust=False)

    def profile_score(log_alpha: float) -> float:
        """d(profile log-likelihood)/d(log alpha): by the envelope theorem, the partial derivative at the coefficients that maximise the likelihood for this alpha."""
        family = sm.families.NegativeBinomial(alpha=float(np.exp(log_alpha)))
        beta = (
            sm.GLM(y, x, family=family, offset=offset)
            .fit(**IRLS, start_params=poisson.params)
            .params
        )
        return float(_negative_binomial_gradient(y, x, offset, np.append(beta, log_alpha))[-1])

    low, high = -15.0, 5.0
    if profile_score(low) <= 0:  # the likelihood falls as soon as alpha leaves 0: Poisson
        log_alpha = low
    elif profile_score(high) >= 0:
        raise InputError("the negative binomial alpha exceeds exp(5): the counts are too sparse")
    else:
        log_alpha = optimize.brentq(profile_score, low, high, xtol=1e-12)
    alpha = float(np.exp(log_alpha))
    result = _fit_glm(y, x, sm.families.NegativeBinomial(alpha=alpha), offset, robust)
    theta = np.append(result.params, np.log(alpha))
    hess = hessian_from_gradient(lambda t: _negative_binomial_gradient(y, x, offset, t), theta)
    log_alpha_var = float(np.linalg.inv(-hess)[-1, -1])
    alpha_se = alpha * np.sqrt(log_alpha_var) if log_alpha_var > 0 else float("nan")  # nan at 0
    return result, float(result.llf), alpha, alpha_se, poisson


# One BLAS thread: the least-squares steps on a tall, narrow design gain little from threads,
# and on a shared machine threads that wait for busy cores made them 25 times slower.
@threadpool_limits.wrap(limits=1, user_api="blas")
def fit_model(data: pd.DataFrame, spec: ModelSpec) -> ModelFit:
    """Fit the model described by a specification (used by :func:`rate_model` and :func:`binary_model`).

    Method: a Poisson or negative binomial GLM with a log person-time offset, or a binomial
    GLM with a logit link, with Wald limits (see the module docstring).

    Parameters
    ----------
    data
        the rows to fit (people or strata).
    spec
        what to fit: family, outcome and size columns, predictors, references,
        interactions, robust standard errors and confidence levels.

    Returns
    -------
    ModelFit
        The fit; ``table`` holds one row per term with the ratio in ``value``, its limits,
        ``confidence``, ``statistic`` and ``method``.

    Raises
    ------
    InputError
        For missing or invalid columns, a model that cannot be estimated from the data (e.g.
        a reference level absent, perfect separation) or collinear predictors.
    """
    rows, outcome, size_col = _prepare(data, spec)
    design = make_design(
        rows,
        spec.predictors,
        continuous=spec.continuous,
        reference=spec.reference,
        interactions=spec.interactions,
    )
    x = design.matrix(rows)
    y = rows[outcome].to_numpy(dtype="float64")
    size = rows[size_col].to_numpy(dtype="float64")
    _check_estimable(rows, x, design, y, size, spec)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise InputError(
            "the predictors are collinear (some combinations of levels never occur or one "
            f"predictor determines another): {design.names}"
        )
    alpha = alpha_se = None
    if spec.family == "binomial":
        result = _fit_glm(
            np.column_stack([y, size - y]), x, sm.families.Binomial(), None, spec.robust
        )
        loglik = float(result.llf)
        mu = result.fittedvalues * size
        pearson = float(np.sum((y - mu) ** 2 / (mu * (1 - mu / size))))
    else:
        offset = np.log(size)
        if spec.family == "poisson":
            result = _fit_glm(y, x, sm.families.Poisson(), offset, spec.robust)
            loglik, poisson = float(result.llf), result
        else:
            result, loglik, alpha, alpha_se, poisson = _fit_negative_binomial(
                y, x, offset, spec.robust
            )
        pearson = float(poisson.pearson_chi2)
    params = np.asarray(result.params)
    cov = np.asarray(result.cov_params())
    n_params = x.shape[1] + (spec.family == "negative_binomial")
    return ModelFit(
        spec=spec,
        design=design,
        data=rows,
        weights=size,
        params=params,
        cov=cov,
        loglik=loglik,
        n_params=n_params,
        pearson_chi2=pearson,
        df_resid=float(len(rows) - x.shape[1]),
        alpha=alpha,
        alpha_se=alpha_se,
        table=coefficient_table(
            design,
            params,
            np.sqrt(np.diag(cov)),
            model=MODEL_NAMES[spec.family],
            statistic=STATISTICS[spec.family],
            levels=spec.confidence,
            method="Wald, robust (HC0) standard errors" if spec.robust else "Wald",
        ),
    )


def likelihood_ratio_test(reduced: ModelFit, full: ModelFit) -> pd.DataFrame:
    """Likelihood-ratio test of a nested reduced model against a full one.

    Method: twice the difference in log-likelihoods against the chi-squared distribution with
    the difference in parameters as degrees of freedom (Wilks 1938, *Ann Math Stat* 9:60-62).

    Parameters
    ----------
    reduced
        the smaller model.
    full
        the larger model, of the same family and fitted to the same rows.

    Returns
    -------
    pandas.DataFrame
        One row: ``test``, ``chi2`` (2 x the log-likelihood difference), ``df``, ``p``,
        ``model``.

    Raises
    ------
    InputError
        If the models differ in family or rows, or ``full`` does not have more parameters
        than ``reduced``.
    """
    if len(reduced.data) != len(full.data) or reduced.spec.family != full.spec.family:
        raise InputError("the two models must be of the same family and fitted to the same rows")
    df = full.n_params - reduced.n_params
    if df <= 0:
        raise InputError("the full model must have more parameters than the reduced model")
    chi2 = max(2 * (full.loglik - reduced.loglik), 0.0)
    return pd.DataFrame(
        {
            "test": ["likelihood ratio"],
            "chi2": [chi2],
            "df": [df],
            "p": [float(stats.chi2.sf(chi2, df))],
            "model": [full.model],
        }
    )


def interaction_test(data: pd.DataFrame, fit: ModelFit, a: str, b: str) -> pd.DataFrame:
    """Likelihood-ratio test of an interaction between two predictors added to a fitted model.

    Method: :func:`likelihood_ratio_test` (Wilks 1938) of the model with the product terms
    against ``fit``.

    Parameters
    ----------
    data
        the data ``fit`` was fitted to (refitted with the interaction).
    fit
        the model without the interaction.
    a
        the first predictor of the interaction, e.g. ``"imd_quintile"``.
    b
        the second predictor, e.g. ``"ethnicity"``.

    Returns
    -------
    pandas.DataFrame
        One row: ``term`` naming the interaction (e.g. ``imd_quintile:ethnicity``) and the
        columns of :func:`likelihood_ratio_test`.

    Raises
    ------
    InputError
        If the model with the interaction cannot be estimated (as :func:`fit_model`).
    """
    full = fit_model(data, replace(fit.spec, interactions=(*fit.spec.interactions, (a, b))))
    out = likelihood_ratio_test(fit, full)
    out.insert(0, "term", f"{a}:{b}")
    return out


def trend_test(data: pd.DataFrame, fit: ModelFit, variable: str) -> pd.DataFrame:
    """Test for (log-linear) trend: refit with a predictor entered as a numeric score.

    Method: the ordered groups scored 1, 2, ... in the same model and the score's coefficient
    tested by its Wald statistic -- the regression test for trend (Breslow & Day 1987,
    *Statistical Methods in Cancer Research* vol. II, IARC).

    Parameters
    ----------
    data
        the data ``fit`` was fitted to.
    fit
        the fitted model.
    variable
        the predictor to score (e.g. ``"imd_quintile"``); not in an interaction.

    Returns
    -------
    pandas.DataFrame
        One row of the coefficient table: ``term`` (``"<variable> (trend per step)"``),
        ``value`` the ratio per one-step increase of the score (e.g. per quintile) with its
        Wald limits and p-value, adjusted for the other predictors of ``fit``.

    Raises
    ------
    InputError
        If ``variable`` is not a predictor of ``fit`` or is in an interaction.
    """
    if variable not in fit.spec.predictors:
        raise InputError(f"{variable!r} is not a predictor of the model")
    if any(variable in pair for pair in fit.spec.interactions):
        raise InputError(f"{variable!r} is in an interaction; test trend in a main-effects model")
    score_fit = fit_model(
        data,
        replace(
            fit.spec,
            continuous=(*fit.spec.continuous, variable),
            reference={k: v for k, v in fit.spec.reference.items() if k != variable},
            aggregate=fit.spec.aggregate,
        ),
    )
    out = score_fit.table[score_fit.table["term"] == variable].reset_index(drop=True)
    out["term"] = f"{variable} (trend per step)"
    return out


def overdispersion(fit: ModelFit) -> pd.DataFrame:
    """Overdispersion check: Pearson chi-squared / df, and (rate models) the NB alpha.

    Method: Pearson chi-squared over residual degrees of freedom (Cameron & Trivedi 2013,
    *Regression Analysis of Count Data*, 2nd ed., section 3.4) and a likelihood-ratio test of
    alpha = 0 with the boundary correction of Self & Liang (1987, *JASA* 82:605-610). For a
    Poisson ``fit`` the negative binomial model is fitted to the same rows to estimate alpha
    and test alpha = 0 (likelihood ratio, boundary-corrected p = half the chi-squared(1)
    tail).

    Parameters
    ----------
    fit
        a fitted rate or binary model.

    Returns
    -------
    pandas.DataFrame
        One row: ``pearson_chi2``, ``df_resid``, ``dispersion``, ``p_dispersion``, and for
        rate models ``alpha``, its Wald limits on the log scale at each of the fit's
        confidence levels (``alpha_lowercl``, ``alpha_uppercl``, or ``alpha_lower95_0cl``,
        ... for several), ``lr_statistic``, ``p_alpha``, ``confidence``.
    """
    if fit.spec.family == "negative_binomial":
        nb = fit
        poisson_loglik = fit_model(
            fit.data, replace(fit.spec, family="poisson", aggregate=False)
        ).loglik
    elif fit.spec.family == "poisson":
        nb = fit_model(fit.data, replace(fit.spec, family="negative_binomial", aggregate=False))
        poisson_loglik = fit.loglik
    else:
        nb, poisson_loglik = None, None
    dispersion = fit.pearson_chi2 / fit.df_resid
    row = {
        "pearson_chi2": fit.pearson_chi2,
        "df_resid": fit.df_resid,
        "dispersion": dispersion,
        "p_dispersion": float(stats.chi2.sf(fit.pearson_chi2, fit.df_resid)),
    }
    if nb is not None:
        lr = max(2 * (nb.loglik - poisson_loglik), 0.0)
        limits = wald_limits(
            np.log(nb.alpha), nb.alpha_se / nb.alpha, fit.spec.confidence, transform=np.exp
        )
        row |= {
            "alpha": nb.alpha,
            **limit_columns(limits, fit.spec.confidence, prefix="alpha"),
            "lr_statistic": lr,
            "p_alpha": 0.5 * float(stats.chi2.sf(lr, 1)),
            "confidence": confidence_label(fit.spec.confidence),
        }
    return pd.DataFrame([row])
