"""Values for a chapter's text: one number looked up in a tidy result, an estimate with its interval, and how a crude ratio compares with an age-adjusted one.

Chapters compute results as tidy tables (one row per group, ``value``, ``lowercl``,
``uppercl``); these functions take the number a sentence needs out of such a table and write
it as text, so a chapter's inline values are short and checked.

>>> rates = pd.DataFrame({"outcome": ["CVD", "CVD"], "decile": [1, 10],
...                       "value": [412.3, 201.0], "lowercl": [398.0, 190.5],
...                       "uppercl": [426.9, 211.9]})
>>> lookup(rates, outcome="CVD", decile=10)
201.0
>>> format_estimate(*lookup_row(rates, outcome="CVD", decile=1)[["value", "lowercl", "uppercl"]], 0)
'412 (95% CI 398 to 427)'
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from analysis.validation import InputError, require_columns

#: How a crude ratio stands against the adjusted one (:func:`crude_versus_adjusted`).
CrudeReading = Literal["reversed", "understated", "overstated", "equal"]


def lookup_row(table: pd.DataFrame, /, **keys: object) -> pd.Series:
    """Return the one row of ``table`` whose columns equal ``keys``.

    Parameters
    ----------
    table
        A tidy result, for example the output of a measure.
    **keys
        Column name = value pairs that together pick out one row
        (``outcome="CVD mortality", measure="SII"``).

    Returns
    -------
    pandas.Series
        The matching row.

    Raises
    ------
    InputError
        If a key is not a column, or no row or more than one row matches: a sentence
        would otherwise quote an arbitrary or missing number.

    Examples
    --------
    >>> table = pd.DataFrame({"sex": ["Female", "Male"], "value": [1.5, 2.5]})
    >>> lookup_row(table, sex="Male")["value"]
    np.float64(2.5)
    """
    if not keys:
        raise InputError("lookup needs at least one column=value pair to pick out a row")
    require_columns(table, keys, what="table")
    match = np.logical_and.reduce(
        [(table[column] == value).to_numpy() for column, value in keys.items()]
    )
    found = int(match.sum())
    if found != 1:
        wanted = ", ".join(f"{column}={value!r}" for column, value in keys.items())
        raise InputError(f"{found} rows have {wanted}; exactly one must match")
    return table.loc[match].iloc[0]


def lookup(table: pd.DataFrame, column: str = "value", /, **keys: object) -> float:
    """Return ``column`` of the one row of ``table`` whose columns equal ``keys``, as a float.

    Parameters
    ----------
    table
        A tidy result, for example the output of a measure.
    column
        The column to read (``"value"``, ``"lowercl"``, ``"total_count"``, ...).
    **keys
        Column name = value pairs that pick out one row, as for :func:`lookup_row`.

    Returns
    -------
    float
        The value.

    Raises
    ------
    InputError
        As :func:`lookup_row`, or if ``column`` is not a column of ``table``.

    Examples
    --------
    >>> table = pd.DataFrame({"sex": ["Female", "Male"], "value": [1.5, 2.5], "n": [10, 12]})
    >>> lookup(table, sex="Female"), lookup(table, "n", sex="Male")
    (1.5, 12.0)
    """
    require_columns(table, [column], what="table")
    return float(lookup_row(table, **keys)[column])


def format_estimate(
    value: float, lower: float, upper: float, digits: int, *, level: str = "95%"
) -> str:
    """Write an estimate with its confidence interval for a sentence.

    Parameters
    ----------
    value, lower, upper
        The estimate and its lower and upper confidence limits.
    digits
        Decimal places; thousands are separated by commas.
    level
        The confidence level as written in the text.

    Returns
    -------
    str
        ``"1,234.5 (95% CI 1,200.0 to 1,270.1)"``.

    Raises
    ------
    InputError
        If a number is missing: no interval can be quoted for it.

    Examples
    --------
    >>> format_estimate(1.8712, 1.42, 2.466, 2)
    '1.87 (95% CI 1.42 to 2.47)'
    """
    numbers = np.array([value, lower, upper], dtype="float64")
    if np.isnan(numbers).any():
        raise InputError(f"estimate {value!r} or a limit ({lower!r}, {upper!r}) is missing")
    shown = [f"{number:,.{digits}f}" for number in numbers]
    return f"{shown[0]} ({level} CI {shown[1]} to {shown[2]})"


def crude_versus_adjusted(crude: float, adjusted: float, null: float = 1.0) -> CrudeReading:
    """Say how a crude ratio misstates the adjusted (for example age-standardised) one.

    Method: the difference between a crude and an adjusted measure of association is the
    confounding by the adjusted-for variable (Rothman, Greenland & Lash 2008, *Modern
    Epidemiology*, 3rd ed., ch. 9). Compared on their distance from ``null`` (1 for a ratio),
    the crude measure lies on the other side of the null (confounding reverses it), nearer to
    it (understates the association), farther from it (overstates it), or at the same
    distance on the same side.

    Parameters
    ----------
    crude, adjusted
        The crude and the adjusted measure, for example the ratio of the most to the least
        deprived group's crude rates and of their age-standardised rates.
    null
        The value of no association: 1 for ratios, 0 for differences.

    Returns
    -------
    str
        ``"reversed"``, ``"understated"``, ``"overstated"`` or ``"equal"``.

    Raises
    ------
    InputError
        If either measure is missing.

    Examples
    --------
    >>> crude_versus_adjusted(1.2, 1.5), crude_versus_adjusted(0.9, 1.5)
    ('understated', 'reversed')
    """
    if pd.isna(crude) or pd.isna(adjusted):
        raise InputError(f"crude ({crude!r}) or adjusted ({adjusted!r}) measure is missing")
    crude_side, adjusted_side = crude - null, adjusted - null
    if crude_side * adjusted_side < 0:
        return "reversed"
    if abs(crude_side) < abs(adjusted_side):
        return "understated"
    return "overstated" if abs(crude_side) > abs(adjusted_side) else "equal"
