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

from analysis.measures._output import confidence_label
from analysis.models.design import make_design
from analysis.validation import (
    InputError,
    check_confidence,
    check_counts,
    check_not_above,
    fail_rows,
    require_columns,
    require_numeric,
)


def interaction_power(
    strata: pd.DataFrame,
    effect: str,
    dimensions: Sequence[str],
    *,
    x: str,
    n: str,
    reference: Mapping[str, object] | None = None,
    confidence: float | Sequence[float] = 0.95,
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
        One row per stratum: the ``dimensions``, ``x`` (people with the outcome) and ``n``
        (people) and ``effect``, the interaction on the log-odds scale (0 where it does not
        apply).
    effect, x, n
        Column names.
    dimensions
        The categorical dimensions that define the strata (the main effects).
    reference
        Reference level of each dimension (only the coding changes; the results do not).
    confidence
        ``1 - alpha`` of the tests: one level or several (``[0.95, 0.998]``).

    Returns
    -------
    pandas.DataFrame
        One row per confidence level (the power is that of a test at that level; there are
        no limits): ``strata``, ``affected_strata`` (``effect != 0``), ``affected_people``,
        ``median_affected_size``, ``absorbed`` (share of the interaction's weighted sum of
        squares that the main effects absorb), ``intersectional_variance``,
        ``noncentrality``, ``df`` (the same on every row), ``power_targeted``,
        ``power_omnibus`` and ``confidence`` (the row's level, ``"95%"``).

    A 2 x 2 table with an interaction in one cell and equal weights: the main effects absorb
    3/4 of it (the residual is +-1/4 in every cell).

    Examples
    --------
    >>> grid = pd.DataFrame({"a": [0, 0, 1, 1], "b": [0, 1, 0, 1], "x": [50] * 4,
    ...                      "n": [100] * 4, "delta": [0, 0, 0, 1.0]})
    >>> out = interaction_power(grid, "delta", ["a", "b"], x="x", n="n")
    >>> out[["absorbed", "df"]].round(3).to_dict("records")
    [{'absorbed': 0.75, 'df': 1}]
    """
    levels = np.asarray(check_confidence(confidence))
    require_columns(strata, [*dimensions, effect, x, n], what="strata")
    delta = require_numeric(strata, effect)
    events, people = check_counts(strata, x), check_counts(strata, n)
    check_not_above(strata, x, n)
    fail_rows(
        strata, (events == 0) | (events == people), [x, n],
        "every stratum needs people with and without the outcome (its log-odds has no variance "
        "otherwise)",
    )  # fmt: skip
    weight = events * (people - events) / people  # n p (1 - p)
    design = make_design(strata, list(dimensions), reference=reference).matrix(strata)
    weighted = design * weight[:, None]
    fitted = design @ np.linalg.lstsq(design.T @ weighted, weighted.T @ delta, rcond=None)[0]
    residual = delta - fitted
    noncentrality = float(weight @ residual**2)
    total = float(weight @ delta**2)
    df = len(strata) - np.linalg.matrix_rank(design)
    if df < 1:
        raise InputError(
            f"{len(strata)} strata leave no degrees of freedom beyond the main effects"
        )
    affected = delta != 0

    def power(k: int) -> np.ndarray:
        """Power of a chi-squared test on ``k`` df at every level at once."""
        return stats.ncx2.sf(stats.chi2.ppf(levels, k), k, noncentrality)

    return pd.DataFrame(
        {
            "strata": len(strata),
            "affected_strata": int(affected.sum()),
            "affected_people": float(people[affected].sum()),
            "median_affected_size": (
                float(np.median(people[affected])) if affected.any() else np.nan
            ),
            "absorbed": 1 - noncentrality / total if total > 0 else np.nan,
            "intersectional_variance": float(np.mean(residual**2)),
            "noncentrality": noncentrality,
            "df": int(df),
            "power_targeted": power(1),
            "power_omnibus": power(int(df)),
            "confidence": [confidence_label([level]) for level in levels],
        }
    )
