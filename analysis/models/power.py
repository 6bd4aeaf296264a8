"""Could intersectional strata have revealed a given interaction? Power from stratum sizes.

A MAIHDA main-effects model (:func:`analysis.models.maihda`) looks for intersectional effects as
between-stratum variance left over after the additive effects. Whether it can find a given
interaction depends on how much of that interaction the additive effects absorb and on how
many people (and outcomes) the strata that carry it hold. :func:`interaction_power` computes
both from the strata's sizes and outcome percentages, for an interaction known in advance (for
example one planted in synthetic data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.models.design import make_design
from analysis.validation import (
    InputError,
    check_counts,
    check_not_above,
    check_single_confidence,
    fail_rows,
    require_columns,
    require_numeric,
)


def interaction_power(
    strata: pd.DataFrame,
    effect: str,
    dimensions: Sequence[str],
    *,
    events: str,
    trials: str,
    reference: Mapping[str, object] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How much of an interaction the main effects leave, and the power to detect the rest.

    Method: each stratum's log-odds ``eta_j`` is estimated with variance ``1 / w_j``,
    ``w_j = n_j p_j (1 - p_j)`` (the binomial Fisher information; Cox & Snell 1989, *Analysis
    of Binary Data*, 2nd ed., ch. 2). The interaction ``delta_j`` (on the log-odds scale) is
    projected on the main-effects design ``X`` by weighted least squares; the residual
    ``r = delta - X (X'WX)^-1 X'W delta`` is the part no additive model can absorb. Its
    non-centrality is ``lambda = sum_j w_j r_j^2``, and the power of a Wald or likelihood-ratio
    test at level ``alpha`` is ``P(chi2_df(lambda) > chi2_df,1-alpha)`` (Self, Mauritsen &
    Ohara 1992, *Biometrics* 48:31-39): with one degree of freedom for a test of the known
    pattern ``r`` (the most powerful test there is) and ``J - p`` degrees of freedom for an
    omnibus test of all stratum departures (``J`` strata, ``p`` main-effect parameters), which
    is what a between-stratum variance measures. The interaction's intersectional variance is
    ``mean(r_j^2)``, on the scale of the MAIHDA stratum variance ``sigma2_u``.

    Parameters
    ----------
    strata
        One row per stratum: the ``dimensions``, ``events`` and ``trials`` (people) and
        ``effect``, the interaction on the log-odds scale (0 where it does not apply).
    effect, events, trials
        Column names.
    dimensions
        The categorical dimensions that define the strata (the main effects).
    reference
        Reference level of each dimension (only the coding changes; the results do not).
    confidence
        ``1 - alpha`` of the tests: one level (several raise
        :class:`~analysis.validation.InputError`).

    Returns
    -------
    pandas.DataFrame
        One row: ``strata``, ``affected_strata`` (``effect != 0``), ``affected_people``,
        ``median_affected_size``, ``absorbed`` (share of the interaction's weighted sum of
        squares that the main effects absorb), ``intersectional_variance``,
        ``noncentrality``, ``df``, ``power_targeted`` and ``power_omnibus``.

    A 2 x 2 table with an interaction in one cell and equal weights: the main effects absorb
    3/4 of it (the residual is +-1/4 in every cell).

    Examples
    --------
    >>> grid = pd.DataFrame({"a": [0, 0, 1, 1], "b": [0, 1, 0, 1], "x": [50] * 4,
    ...                      "n": [100] * 4, "delta": [0, 0, 0, 1.0]})
    >>> out = interaction_power(grid, "delta", ["a", "b"], events="x", trials="n")
    >>> out[["absorbed", "df"]].round(3).to_dict("records")
    [{'absorbed': 0.75, 'df': 1}]
    """
    level = check_single_confidence(confidence)
    require_columns(strata, [*dimensions, effect, events, trials], what="strata")
    delta = require_numeric(strata, effect)
    x_events, n = check_counts(strata, events), check_counts(strata, trials)
    check_not_above(strata, events, trials)
    fail_rows(
        strata, (x_events == 0) | (x_events == n), [events, trials],
        "every stratum needs people with and without the outcome (its log-odds has no variance "
        "otherwise)",
    )  # fmt: skip
    weight = x_events * (n - x_events) / n  # n p (1 - p)
    x = make_design(strata, list(dimensions), reference=reference).matrix(strata)
    weighted = x * weight[:, None]
    fitted = x @ np.linalg.lstsq(x.T @ weighted, weighted.T @ delta, rcond=None)[0]
    residual = delta - fitted
    noncentrality = float(weight @ residual**2)
    total = float(weight @ delta**2)
    df = len(strata) - np.linalg.matrix_rank(x)
    if df < 1:
        raise InputError(
            f"{len(strata)} strata leave no degrees of freedom beyond the main effects"
        )
    affected = delta != 0

    def power(k: int) -> float:
        return float(stats.ncx2.sf(stats.chi2.ppf(level, k), k, noncentrality))

    return pd.DataFrame(
        {
            "strata": [len(strata)],
            "affected_strata": [int(affected.sum())],
            "affected_people": [float(n[affected].sum())],
            "median_affected_size": [float(np.median(n[affected])) if affected.any() else np.nan],
            "absorbed": [1 - noncentrality / total if total > 0 else np.nan],
            "intersectional_variance": [float(np.mean(residual**2))],
            "noncentrality": [noncentrality],
            "df": [int(df)],
            "power_targeted": [power(1)],
            "power_omnibus": [power(int(df))],
        }
    )
