"""Rank the gaps between groups across indicators measured in different units.

The executive summary has to say where the largest inequalities are, across death rates per
100,000 person-years and percentages of cancers or of people with hypertension.
:func:`rank_gaps` puts every indicator on one scale -- the ratio of a group's adverse outcome
to its reference group's -- and ranks the groups that are clearly worse off.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.validation import (
    InputError,
    check_polarity,
    fail_rows,
    require_columns,
    require_numeric,
)

KEYS = ["indicator", "breakdown", "group"]
ESTIMATE = ["value", "lowercl", "uppercl"]


def rank_gaps(
    estimates: pd.DataFrame,
    reference: Mapping[str, object],
    *,
    polarity: Mapping[str, str] | None = None,
    maximum: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Each group against its breakdown's reference group, ranked by the relative gap.

    Method: the relative gap is the ratio of the group's value to the reference group's
    (the rate ratio or risk ratio, the "ratio" simple measure of inequality in WHO 2013,
    *Handbook on health inequality monitoring*, section 3.1, and in the WHO Health Equity
    Assessment Toolkit, Hosseinpoor et al. 2016, *BMC Med Res Methodol* 16:141), computed on the *adverse* scale so that a ratio above 1
    always means worse off: for an indicator where higher is better (a percentage of cancers
    diagnosed early), the value and its limits are first turned into the complement
    (``maximum - value``, the percentage diagnosed late). A group is *worse off* when its
    confidence interval lies wholly above the reference group's on the adverse scale; intervals
    that do not overlap imply a significant difference, conservatively (Schenker & Gentleman
    2001, *Am Stat* 55:182-186). The worse-off groups are ranked by their ratio, largest
    first.

    Parameters
    ----------
    estimates
        One row per indicator, breakdown and group: ``indicator``, ``breakdown``, ``group``,
        ``value``, ``lowercl``, ``uppercl`` (other columns are kept).
    reference
        The reference group of each breakdown (``{"Deprivation quintile": "5 (least
        deprived)", "Ethnic group": "White"}``). Breakdowns not named are left out.
    polarity
        The polarity of indicators: ``"adverse"`` (higher is worse; every indicator not
        named) or ``"favourable"`` (higher is better, ``{"Cancers diagnosed early (%)":
        "favourable"}``).
    maximum
        The largest value of each favourable indicator (``{"Cancers diagnosed early (%)":
        100}``), from which its complement is taken; required for every favourable
        indicator and only for those.

    Returns
    -------
    pandas.DataFrame
        One row per group other than the reference: the input columns, ``reference`` (the
        reference group's name), ``reference_value``, ``reference_lowercl``,
        ``reference_uppercl`` (as given), ``ratio`` (adverse scale), ``worse`` and ``rank``
        (1 = largest gap among the worse-off groups; missing for the others), sorted by rank
        and then by ratio.

    Examples
    --------
    >>> rates = pd.DataFrame({
    ...     "indicator": ["CVD deaths"] * 3, "breakdown": ["Ethnic group"] * 3,
    ...     "group": ["White", "Asian", "Black"], "value": [200.0, 342.0, 210.0],
    ...     "lowercl": [195.0, 320.0, 180.0], "uppercl": [205.0, 365.0, 240.0]})
    >>> ranked = rank_gaps(rates, {"Ethnic group": "White"})  # deaths: adverse
    >>> ranked[["group", "ratio", "worse", "rank"]]
       group  ratio  worse  rank
    0  Asian   1.71   True     1
    1  Black   1.05  False  <NA>
    """
    require_columns(estimates, [*KEYS, *ESTIMATE], what="estimates")
    favourable = _favourable_maxima(polarity or {}, maximum or {})
    for column in ESTIMATE:
        require_numeric(estimates, column)
    fail_rows(
        estimates,
        estimates.duplicated(KEYS, keep=False).to_numpy(),
        KEYS,
        "must identify one row each (an indicator, breakdown and group appear twice)",
    )
    kept = estimates[estimates["breakdown"].isin(list(reference))].reset_index(drop=True)
    adverse = _adverse(kept, favourable)
    refs = pd.DataFrame({"breakdown": list(reference), "reference": list(reference.values())})
    kept = kept.merge(refs, on="breakdown", how="left")
    is_ref = (kept["group"] == kept["reference"]).to_numpy()
    ref_rows = kept.loc[is_ref, ["indicator", "breakdown"]].assign(row=np.flatnonzero(is_ref))
    position = kept[["indicator", "breakdown"]].merge(ref_rows, how="left")["row"]
    missing = position.isna().to_numpy()
    fail_rows(kept, missing, ["indicator", "breakdown"], "has no row for its reference group")
    position = position.to_numpy(dtype="int64")
    if (adverse[position, 0] <= 0).any():
        raise InputError(
            "a reference group's value (on the adverse scale) is 0 or less, so no ratio exists"
        )
    out = kept.assign(
        **{f"reference_{c}": kept[c].to_numpy()[position] for c in ESTIMATE},
        ratio=adverse[:, 0] / adverse[position, 0],
        worse=adverse[:, 1] > adverse[position, 2],
    )[~is_ref]
    out = out.sort_values(["worse", "ratio"], ascending=False, kind="stable", ignore_index=True)
    out["rank"] = pd.array(np.where(out["worse"], np.arange(1, len(out) + 1), 0), dtype="Int64")
    out.loc[~out["worse"], "rank"] = pd.NA
    return out


def _favourable_maxima(
    polarity: Mapping[str, str], maximum: Mapping[str, float]
) -> dict[str, float]:
    """Return the maximum of each favourable indicator, checking the two mappings agree."""
    favourable = [name for name, p in polarity.items() if check_polarity(p) == "favourable"]
    lacking = [name for name in favourable if name not in maximum]
    extra = [name for name in maximum if name not in favourable]
    if lacking or extra:
        raise InputError(
            "maximum= gives the largest value of each favourable indicator and only those: "
            f"favourable without a maximum {lacking}, maximum without polarity='favourable' "
            f"{extra}"
        )
    return {name: float(maximum[name]) for name in favourable}


def _adverse(estimates: pd.DataFrame, favourable: Mapping[str, float]) -> np.ndarray:
    """Value, lower and upper limit on the adverse scale (higher = worse), one row each."""
    values = estimates[ESTIMATE].to_numpy(dtype="float64")
    maximum = estimates["indicator"].map(favourable).to_numpy(dtype="float64")
    flip = ~np.isnan(maximum)
    flipped = maximum[:, None] - values[:, [0, 2, 1]]  # the upper limit becomes the lower
    return np.where(flip[:, None], flipped, values)
