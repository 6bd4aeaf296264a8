r"""Who is in which segment: age-standardised shares by group and the SII of high need.

The share of people in a segment is a proportion of the population, so it is
age-standardised exactly like a prevalence: a directly standardised rate per 100 people
(European Standard Population 2013, Dobson limits; :func:`analysis.measures.
directly_standardised_rate`). The slope index of inequality (Low and Low 2004; OHID method,
:func:`analysis.inequality.slope_index_of_inequality`) of the age-standardised share in
high-need segments across deprivation deciles summarises the social gradient in one number.

>>> import pandas as pd
>>> from analysis.standards import ESP2013_AGE_BANDS
>>> people = pd.DataFrame({"age_band": list(ESP2013_AGE_BANDS) * 40,
...                        "segment": [1, 2] * 380, "sex": ["Female"] * 760})
>>> out = segment_shares(people, group_by=["sex"])
>>> out[["sex", "segment", "value"]].to_string(index=False)
'   sex  segment  value\nFemale        1   50.0\nFemale        2   50.0'
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.inequality import slope_index_of_inequality
from analysis.measures._age_bands import esp2013_series
from analysis.measures.strata import standardised_rate_of_strata
from analysis.validation import check_counts, require_columns


def _counts(
    people: pd.DataFrame, segment: str, group_by: Sequence[str], age_band: str, n: str | None
) -> pd.DataFrame:
    """People per group, age band and segment, with every segment present (zeros kept)."""
    keys = [*group_by, age_band]
    grouped = people.groupby([*keys, segment], observed=True)
    sizes = grouped.size() if n is None else grouped[n].sum()
    wide = sizes.unstack(segment, fill_value=0)
    total = wide.sum(axis=1).rename("n")
    return wide.stack().rename("x").reset_index().merge(total.reset_index(), on=keys)


def segment_shares(
    people: pd.DataFrame,
    *,
    segment: str = "segment",
    group_by: Sequence[str] = ("imd_quintile",),
    age_band: str = "age_band",
    n: str | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Age-standardised percentage of people in each segment, by groups.

    Method: a directly standardised rate per 100 people (European Standard Population 2013)
    with Dobson limits (Dobson et al. 1991, *Stat Med* 10:457-462). Age bands in which nobody
    in ``people`` is (children, when the data are adults only) are left out: the standard is
    the ESP 2013 over the bands the data cover, the same for every group. A group with nobody
    in one of those bands gets no share (``value`` and limits NA, ``statistic`` naming the
    empty bands; :func:`analysis.measures.strata.standardised_rate_of_strata`), since its
    share in that band is unknown.

    Parameters
    ----------
    people
        one row per person with their ``segment`` (e.g. from
        :meth:`PeopleSegmentation.assign`), ESP 2013 ``age_band`` and the ``group_by``
        columns; or, with ``n``, one row per stratum of those columns (as
        :func:`analysis.data.chapter_aggregates.class_counts` counts them in a database
        engine with ``age_bands=True``).
    segment
        the column of segments (default ``"segment"``).
    group_by
        the group columns (default ``("imd_quintile",)``).
    age_band
        the column of ESP 2013 age bands (default ``"age_band"``).
    n
        the column of people per stratum; None (default): one row per person.
    confidence
        level(s), e.g. 0.95 or ``[0.95, 0.998]``.

    Returns
    -------
    pandas.DataFrame
        As :func:`~analysis.measures.directly_standardised_rate` with ``multiplier=100``,
        plus the ``group_by`` and ``segment`` columns: limits ``lowercl``/``uppercl``, or one
        pair per level (``lower95_0cl``, ...) when ``confidence`` gives several levels.

    Raises
    ------
    InputError
        If a named column is missing or the counts in ``n`` are not whole numbers of at
        least 0.
    """
    group_by = list(group_by)
    require_columns(people, [segment, age_band, *group_by, *([n] if n else [])], what="people")
    if n is not None:
        check_counts(people, n)
    counts = _counts(people, segment, group_by, age_band, n)
    standard = esp2013_series()
    covered = standard[standard.index.isin(counts[age_band].unique())]
    return standardised_rate_of_strata(
        counts,
        "x",
        "n",
        age_band=age_band,
        group_by=[*group_by, segment],
        standard_population=covered,
        confidence=confidence,
        multiplier=100,
    )


def high_need_gradient(
    people: pd.DataFrame,
    high_need_segments: Sequence[int],
    *,
    segment: str = "segment",
    quantile: str = "imd_decile",
    age_band: str = "age_band",
    group_by: Sequence[str] = (),
    n: str | None = None,
    repetitions: int = 100_000,
    seed: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Age-standardised percentage in high-need segments per deprivation quantile, and its SII.

    Method: shares as :func:`segment_shares` (Dobson et al. 1991) and the slope index of
    inequality by the OHID method (Low & Low 2004, *J Public Health* 26:388-395;
    PHEindicatormethods ``phe_sii``).

    Parameters
    ----------
    people
        one row per person, or with ``n`` one row per stratum with its number of people in
        column ``n`` (as :func:`segment_shares`).
    high_need_segments
        the segments counted as high need.
    segment
        the column of segments (default ``"segment"``).
    quantile
        the column of deprivation quantiles (default ``"imd_decile"``; 1 = most deprived).
    age_band
        the column of ESP 2013 age bands (default ``"age_band"``).
    group_by
        further group columns, one gradient per group (default: none).
    n
        the column of people per stratum; None (default): one row per person.
    repetitions
        Monte-Carlo repetitions of the SII's limits (default 100,000; at least 1,000).
    seed
        the random seed of the simulation (default None).

    Returns
    -------
    tuple of pandas.DataFrame
        ``(shares, sii)``: the standardised shares (one row per quantile, columns as
        :func:`segment_shares`) and the OHID slope index of inequality in percentage points
        (as :func:`~analysis.inequality.slope_index_of_inequality`), signed so that a
        positive SII means a higher share in the more deprived quantiles.

    Raises
    ------
    InputError
        If a named column is missing, and for the bad inputs of :func:`segment_shares` and
        :func:`~analysis.inequality.slope_index_of_inequality`.
    """
    group_by = list(group_by)
    counted = [n] if n else []
    require_columns(people, [segment, quantile, age_band, *group_by, *counted], what="people")
    flagged = people[[quantile, age_band, *group_by, *counted]].assign(
        high_need=people[segment].isin(list(high_need_segments))
    )
    shares = segment_shares(
        flagged,
        segment="high_need",
        group_by=[*group_by, quantile],
        age_band=age_band,
        n=n,
    )
    shares = shares[shares["high_need"]].drop(columns="high_need").reset_index(drop=True)
    as_proportion = shares.assign(
        share=shares["value"] / 100, low=shares["lowercl"] / 100, high=shares["uppercl"] / 100
    )
    sii = slope_index_of_inequality(
        as_proportion.sort_values([*group_by, quantile]),
        quantile,
        "total_pop",
        "share",
        group_by=group_by or None,
        value_type="proportion",
        lower_cl="low",
        upper_cl="high",
        repetitions=repetitions,
        multiplier=100,
        polarity="adverse",
        seed=seed,
    )
    return shares, sii
