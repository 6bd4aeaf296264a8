"""Core20PLUS5: the most deprived fifth of areas against the rest, and gaps to an ambition.

**Core20** is the most deprived 20% of the national population as identified by the national
Index of Multiple Deprivation: residents of small areas in national IMD quintile 1 (NHS England
2021, *Core20PLUS5: an approach to reducing healthcare inequalities*). Two of its five clinical areas
for adults carry a national ambition used in this book:

- **early cancer diagnosis**: 75% of cancers diagnosed at stage 1 or 2 by 2028 (NHS Long Term
  Plan, 2019), measured among cancers with a known stage;
- **hypertension case-finding**: 80% of the expected number of people with high blood pressure
  diagnosed by 2029 (Public Health England and NHS England CVD prevention ambitions, 2019).

:func:`ambition_gap` sets a table of proportions (e.g. from
:func:`analysis.measures.proportion`) against such an ambition: the gap in percentage points
with the proportion's own confidence limits carried over, whether the interval lies wholly
below or above the ambition, and how many more people would need the outcome (diagnosed early,
detected) for the group to reach it.

>>> core20_group(pd.Series([1, 2, 5])).tolist()
['Core20', 'Rest', 'Rest']
>>> table = pd.DataFrame({"x": [60], "n": [100], "value": [60.0], "lowercl": [50.2],
...                       "uppercl": [69.1]})
>>> ambition_gap(table, AMBITIONS["early_diagnosis"].target)[["gap", "additional",
...                                                             "comparison"]]
    gap  additional      comparison
0  15.0          15  Below ambition
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.measures._output import check_multiplier
from analysis.validation import InputError, check_counts, fail_rows, require_columns

#: National IMD quintile of Core20 (1 = most deprived).
CORE20_QUINTILE = 1
#: Label of the group made by :func:`core20_group` of people in Core20 areas.
CORE20 = "Core20"
#: Label of the group made by :func:`core20_group` of everyone else.
REST = "Rest"

#: A group whose interval lies below the ambition (higher is better).
BELOW = "Below ambition"
#: A group whose interval includes the ambition.
SIMILAR = "Not significantly different"
#: A group whose interval lies at or above the ambition.
ABOVE = "At or above ambition"


@dataclass(frozen=True)
class Ambition:
    """A national ambition: at least ``target`` (a proportion) of the people counted in ``n`` are counted in ``x``.

    ``x`` and ``n`` describe, in words, the count and the denominator of the proportion
    (the columns ``x`` and ``n`` that :func:`ambition_gap` reads).
    """

    name: str
    target: float
    x: str  #: what the count of the proportion counts
    n: str  #: what its denominator counts
    source: str


#: The Core20PLUS5 clinical ambitions this book measures.
AMBITIONS: dict[str, Ambition] = {
    "early_diagnosis": Ambition(
        name="Early cancer diagnosis",
        target=0.75,
        x="cancers diagnosed at stage 1 or 2",
        n="cancers with a known stage",
        source="NHS Long Term Plan (2019)",
    ),
    "hypertension_detection": Ambition(
        name="Hypertension case-finding",
        target=0.80,
        x="people with hypertension on the GP register",
        n="people expected to have hypertension",
        source="PHE and NHS England CVD prevention ambitions (2019)",
    ),
}


def core20_group(quintile: pd.Series) -> pd.Series:
    """Name each national IMD quintile as Core20 (quintile 1) or the rest (quintiles 2-5).

    Parameters
    ----------
    quintile
        National IMD quintiles, 1 (most deprived) to 5.

    Returns
    -------
    pandas.Series
        An ordered categorical named ``core20`` with the index of ``quintile``: ``"Core20"``
        for quintile 1, ``"Rest"`` for quintiles 2-5.

    Raises
    ------
    InputError
        For a missing quintile or one outside 1-5, naming the column and rows.
    """
    name = quintile.name if quintile.name is not None else "imd_quintile"
    values = pd.to_numeric(quintile, errors="coerce")
    bad = ~values.isin(range(1, 6)).to_numpy()
    fail_rows(
        quintile.to_frame(name),
        bad,
        name,
        "must be a national IMD quintile, 1 to 5 (1 = most deprived)",
    )
    codes = np.where(values.to_numpy() == CORE20_QUINTILE, 0, 1)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=[CORE20, REST], ordered=True),
        index=quintile.index,
        name="core20",
    )


def ambition_gap(
    table: pd.DataFrame,
    target: float,
    *,
    x: str = "x",
    n: str = "n",
    multiplier: float = 100,
) -> pd.DataFrame:
    """Set proportions against an ambition of at least ``target`` (a proportion, e.g. 0.75).

    Parameters
    ----------
    table
        Proportions as :func:`analysis.measures.proportion` returns them at one confidence
        level: the count ``x``, the denominator ``n``, and ``value``, ``lowercl`` and
        ``uppercl`` on the ``multiplier`` scale (100 for percentages). A table with limits at
        several levels (``lower95_0cl``, ``lower99_8cl``, ...) raises
        :class:`~analysis.validation.InputError`: the comparison with the ambition is made
        with one interval, so compute the proportions at that one level.
    target
        The ambition, a proportion between 0 and 1 (e.g. ``AMBITIONS["early_diagnosis"].target``).
    x, n
        Columns of the count and the denominator (default ``"x"`` and ``"n"``).
    multiplier
        Scale of ``value`` and its limits (100 for percentages).

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with:

        - ``ambition``: ``target`` on the same scale;
        - ``gap`` = ambition - value (positive = short of the ambition), with ``gap_lowercl``
          = ambition - uppercl and ``gap_uppercl`` = ambition - lowercl (the proportion's own
          limits; the ambition is a fixed number, not an estimate);
        - ``comparison``: ``"Below ambition"`` when the whole interval is below it, ``"At or
          above ambition"`` when the lower limit reaches it, otherwise ``"Not significantly
          different"``;
        - ``additional``: the fewest extra people with the outcome that would bring the group
          to the ambition, ``ceil(target * n - x)`` and at least 0.
    """
    if not 0 < target < 1:
        raise InputError(f"target must be a proportion between 0 and 1, got {target!r}")
    scale = check_multiplier(multiplier)
    levels = [c for c in table.columns if re.fullmatch(r"lower\d+_\d+cl", str(c))]
    if levels and "lowercl" not in table.columns:
        raise InputError(
            f"table has limits at several confidence levels ({', '.join(levels)}); ambition_gap "
            "compares one interval with the ambition: compute the proportions at one level "
            "(e.g. proportion(..., confidence=0.95))"
        )
    require_columns(table, [x, n, "value", "lowercl", "uppercl"], what="table")
    counts = check_counts(table, x)
    denominators = check_counts(table, n)
    fail_rows(table, counts > denominators, [x, n], f"{x!r} must not be greater than {n!r}")
    ambition = target * scale
    out = table.copy()
    out["ambition"] = ambition
    out["gap"] = ambition - out["value"]
    out["gap_lowercl"] = ambition - out["uppercl"]
    out["gap_uppercl"] = ambition - out["lowercl"]
    out["comparison"] = pd.Categorical(
        np.select([out["uppercl"] < ambition, out["lowercl"] >= ambition], [BELOW, ABOVE], SIMILAR),
        categories=[BELOW, SIMILAR, ABOVE],
    )
    # round away floating-point noise first: 0.8 * 35 is 28.000000000000004, not 28
    shortfall = np.round(target * denominators - counts, 9)
    out["additional"] = np.maximum(np.ceil(shortfall), 0).astype("int64")
    return out
