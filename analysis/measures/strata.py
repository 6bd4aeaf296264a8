"""Directly standardised rates of strata counted by the package itself, empty strata included.

When the package builds the counts (the indicator command from person-level rows, the segment
shares from people), a stratum of a group and age band in which nobody is at risk is a zero
count, not bad input: the group simply has nobody of that age. Its age-specific rate, and so
the group's standardised rate over every band of the standard, is then undefined (a rate
needs people at risk; PHEindicatormethods refuses zero denominators). So such a group gets no
rate -- value and limits NA, and ``statistic`` naming the empty bands -- exactly as a group
with fewer than 10 events gets none. The other groups are computed by
:func:`analysis.measures.directly_standardised_rate`, whose checks on callers' own data
(every band present, populations greater than zero) are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.measures._age_bands import esp2013_series
from analysis.measures._inputs import column_list
from analysis.measures._output import result_frame
from analysis.measures.dsr import directly_standardised_rate
from analysis.validation import InputError, check_confidence, fail_rows, require_columns


def complete_strata(
    counts: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: Sequence[str],
    bands: Sequence[str],
    age_band: str = "age_band",
) -> pd.DataFrame:
    """Add a zero row for every missing stratum of group and age band.

    Parameters
    ----------
    counts
        counts by group and age band, one row per stratum.
    x
        column of event counts.
    n
        column of populations at risk.
    group_by
        the group columns; every group found in ``counts`` is completed.
    bands
        every age band each group should have.
    age_band
        the column of age band labels (default ``"age_band"``).

    Returns
    -------
    pandas.DataFrame
        ``counts`` with a row for every group and every band of ``bands``; strata absent from
        ``counts`` get ``x = 0`` and ``n = 0``.

    Raises
    ------
    InputError
        If a named column is missing from ``counts``.

    Examples
    --------
    >>> counts = pd.DataFrame({"sex": ["F", "F", "M"], "age_band": ["0-4", "5-9", "0-4"],
    ...                        "deaths": [1, 2, 3], "pop": [10, 20, 30]})
    >>> complete_strata(counts, "deaths", "pop", group_by=["sex"], bands=["0-4", "5-9"])
      sex age_band  deaths  pop
    0   F      0-4       1   10
    1   F      5-9       2   20
    2   M      0-4       3   30
    3   M      5-9       0    0
    """
    keys = list(group_by)
    require_columns(counts, [*keys, age_band, x, n], what="strata counts")
    fail_rows(
        counts,
        ~counts[age_band].isin(list(bands)),
        age_band,
        f"age band must be one of the standard's bands {list(bands)}",
        context=keys,
    )
    groups = counts[keys].drop_duplicates() if keys else pd.DataFrame(index=range(1))
    grid = groups.merge(pd.DataFrame({age_band: list(bands)}), how="cross")
    out = grid.merge(counts[[*keys, age_band, x, n]], on=[*keys, age_band], how="left")
    out[[x, n]] = out[[x, n]].fillna(0)
    return out.astype({x: counts[x].dtype, n: counts[n].dtype})


def standardised_rate_of_strata(
    counts: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: str | Sequence[str],
    age_band: str = "age_band",
    standard_population: pd.Series | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Directly standardised rates of counts the package built, empty strata included.

    In counts the package builds, a stratum with nobody at risk is a zero count (see the
    module docstring).

    Method: :func:`analysis.measures.directly_standardised_rate` (Dobson et al. 1991, *Stat
    Med* 10:457-462; PHEindicatormethods ``calculate_dsr``) for every group with people at
    risk in every band of the standard population. A group with nobody in some band gets
    ``value`` and limits NA and ``statistic`` ``"dsr NA: no population in age band(s)
    ..."``; its ``total_count`` and ``total_pop`` are still given.

    Parameters
    ----------
    counts
        counts by group and age band.
    x
        column of event counts.
    n
        column of populations at risk.
    group_by
        the group column(s); at least one.
    age_band
        the column of age band labels (default ``"age_band"``).
    standard_population
        weights of the standard population, a Series indexed by band label; None (default):
        the European Standard Population 2013.
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.
    multiplier
        rate per this many people (default 100,000).

    Returns
    -------
    pandas.DataFrame
        The group columns, ``total_count``, ``total_pop``, ``value``, the limits,
        ``confidence``, ``statistic`` and ``method``, as
        :func:`analysis.measures.directly_standardised_rate`.

    Raises
    ------
    InputError
        If ``group_by`` names no column, a column is missing, or events fall in a stratum
        with nobody at risk (raised by the DSR's checks, never dropped).

    Examples
    --------
    >>> from analysis.standards import ESP2013_AGE_BANDS
    >>> counts = pd.DataFrame({"group": ["A"] * 19 + ["B"] * 17,
    ...                        "age_band": list(ESP2013_AGE_BANDS) + list(ESP2013_AGE_BANDS[:17]),
    ...                        "deaths": 10, "pop": 1000})
    >>> out = standardised_rate_of_strata(counts, "deaths", "pop", group_by="group")
    >>> out[["group", "total_count", "value", "statistic"]]
      group  total_count   value                                        statistic
    0     A        190.0  1000.0                                   dsr per 100000
    1     B        170.0     NaN  dsr NA: no population in age band(s) 85-89, 90+
    """
    keys = column_list(group_by)
    if not keys:
        raise InputError("group_by must name at least one column (the groups to rate)")
    standard = esp2013_series() if standard_population is None else standard_population
    full = complete_strata(
        counts, x, n, group_by=keys, bands=list(standard.index), age_band=age_band
    )
    nobody = (full[n].to_numpy(dtype="float64") == 0) & (full[x].to_numpy(dtype="float64") == 0)
    group_codes = full.groupby(keys, sort=False).ngroup().to_numpy()
    rated_rows = ~(np.bincount(group_codes, weights=nobody) > 0)[group_codes]
    tables = []
    if rated_rows.any():
        tables.append(
            directly_standardised_rate(
                full[rated_rows],
                x,
                n,
                age_band=age_band,
                group_by=keys,
                standard_population=standard,
                confidence=confidence,
                multiplier=multiplier,
            )  # fmt: skip
        )
    if not rated_rows.all():
        tables.append(
            _unrated(full[~rated_rows], nobody[~rated_rows], x, n, keys, age_band, confidence)
        )
    if len(tables) == 1:
        return tables[0]
    both = pd.concat(tables, ignore_index=True)
    both[["statistic", "method"]] = both[["statistic", "method"]].astype(str)
    return both.sort_values(keys, kind="stable", ignore_index=True)


def _unrated(
    strata: pd.DataFrame,
    nobody: np.ndarray,
    x: str,
    n: str,
    keys: list[str],
    age_band: str,
    confidence: float | Sequence[float],
) -> pd.DataFrame:
    """Return the result rows of groups with nobody in some band: totals, NA rate and the reason."""
    totals = strata.groupby(keys, sort=True)[[x, n]].sum().reset_index()
    empty = strata[nobody].groupby(keys, sort=True)[age_band].agg(", ".join)
    totals = totals.merge(empty.rename("_empty").reset_index(), on=keys, how="left")
    levels = check_confidence(confidence)
    nothing = np.full(len(totals), np.nan)
    return result_frame(
        totals[keys],
        {
            "total_count": totals[x].to_numpy(dtype="float64"),
            "total_pop": totals[n].to_numpy(dtype="float64"),
        },
        nothing,
        [(nothing, nothing)] * len(levels),
        levels,
        statistic=pd.Categorical("dsr NA: no population in age band(s) " + totals["_empty"]),
        method="Dobson",
    )
