"""Summaries of :func:`~analysis.rbridge.align.compare_with_r` tables for a report: what ran in R, how far apart the two languages are for each measure, and the R code that ran.

>>> table = pd.DataFrame({"compared": ["value", "lowercl"], "python": [1.0, 0.5],
...                       "r": [1.0, 0.5], "abs_diff": [0.0, 1e-16], "rel_diff": [0.0, 2e-16],
...                       "tolerance": [1e-9, 1e-9], "pass": [True, True],
...                       "r_implementation": "PHEindicatormethods 2.0.0 phe_dsr"})
>>> ran_in_r(table)
('PHEindicatormethods 2.0.0', 'phe_dsr')
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.validation import InputError, require_columns

#: The columns of a :func:`~analysis.rbridge.align.compare_with_r` table read here.
COMPARISON_COLUMNS = ("abs_diff", "rel_diff", "tolerance", "pass", "r_implementation")


def ran_in_r(table: pd.DataFrame) -> tuple[str, str]:
    """Return what ran in R for one comparison: the implementation and the function.

    Parameters
    ----------
    table
        A table from :func:`~analysis.rbridge.align.compare_with_r`; its ``r_implementation``
        column names the implementation and, as its last word, the R function.

    Returns
    -------
    tuple of str
        ``("PHEindicatormethods 2.0.0", "phe_dsr")`` or ``("base-R reference", "ref_dsr")``.

    Raises
    ------
    InputError
        If the table has no rows or no ``r_implementation``, or names more than one
        implementation.
    """
    require_columns(table, ["r_implementation"], what="comparison table")
    ran = pd.unique(table["r_implementation"].astype(str))
    if len(ran) != 1 or " " not in ran[0]:
        raise InputError(
            f"column 'r_implementation': one 'implementation function' expected, got {list(ran)}"
        )
    implementation, function = ran[0].rsplit(" ", 1)
    return implementation, function


def agreement_summary(comparisons: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Summarise how far Python and R are apart, one row per comparison.

    Parameters
    ----------
    comparisons
        Label -> table from :func:`~analysis.rbridge.align.compare_with_r` (or part of one,
        for example the point estimates of the slope index apart from its simulated limits).

    Returns
    -------
    pandas.DataFrame
        One row per label, in the order given: ``measure`` (the label), ``r_function``,
        ``values`` (numbers compared), ``max_abs_diff``, ``max_rel_diff`` (an infinite
        relative difference, against an R value of 0, is left out), ``largest_tolerance``,
        ``agree`` (every value within tolerance) and ``r_side`` (the implementation).

    Raises
    ------
    InputError
        If a table lacks a column of :data:`COMPARISON_COLUMNS` or names more than one
        implementation.

    Examples
    --------
    >>> table = pd.DataFrame({"abs_diff": [0.0, 2e-14], "rel_diff": [0.0, 1e-16],
    ...                       "tolerance": [1e-9, 1e-9], "pass": [True, True],
    ...                       "r_implementation": "base-R reference ref_dsr"})
    >>> agreement_summary({"DSR": table})[["measure", "r_function", "values", "agree"]]
      measure r_function  values  agree
    0     DSR    ref_dsr       2   True
    """
    rows = []
    for label, table in comparisons.items():
        require_columns(table, COMPARISON_COLUMNS, what=f"comparison table {label!r}")
        implementation, function = ran_in_r(table)
        rows.append(
            {
                "measure": label,
                "r_function": function,
                "values": len(table),
                "max_abs_diff": table["abs_diff"].max(),
                "max_rel_diff": table["rel_diff"].replace(np.inf, np.nan).max(),
                "largest_tolerance": table["tolerance"].max(),
                "agree": bool(table["pass"].all()),
                "r_side": implementation,
            }
        )
    return pd.DataFrame(rows)


def r_code_markdown(table: pd.DataFrame, heading: str) -> str:
    """Write the R code a comparison ran as markdown, under a heading naming what ran.

    Parameters
    ----------
    table
        A table from :func:`~analysis.rbridge.align.compare_with_r`, with the R code in
        ``table.attrs["r_code"]``.
    heading
        Markdown saying what the code computes (for example ``"**Local quintiles**"``).

    Returns
    -------
    str
        The heading, the function and implementation that ran, and the code as a fenced R code block.

    Raises
    ------
    InputError
        If the table holds no R code.
    """
    code = table.attrs.get("r_code", "")
    if not code:
        raise InputError("the comparison table holds no R code (attrs['r_code'] is empty)")
    implementation, function = ran_in_r(table)
    return f"{heading} -- `{function}` from {implementation}:\n\n```r\n{code}\n```\n"
