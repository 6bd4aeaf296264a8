"""Standard populations and age bands used across the toolkit.

The European Standard Population 2013 (ESP 2013) is the standard OHID/ONS use for directly
standardised rates in England (Eurostat, *Revision of the European Standard Population*,
2013). Its 19 five-year bands run 0-4, 5-9, ..., 85-89 and 90+; the weights sum to 100,000.
The life-table bands (0, 1-4, 5-9, ..., 85-89, 90+) are those of the PHE/OHID life
expectancy method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.validation import fail_rows

#: Labels of the 19 five-year age bands of ESP 2013, youngest first.
ESP2013_AGE_BANDS: tuple[str, ...] = tuple([f"{lo}-{lo + 4}" for lo in range(0, 90, 5)] + ["90+"])

#: ESP 2013 weights for :data:`ESP2013_AGE_BANDS` (they sum to 100,000).
ESP2013_WEIGHTS: tuple[int, ...] = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip

#: Labels of the 20 life-table age bands (0, 1-4, 5-9, ..., 85-89, 90+).
LIFE_TABLE_AGE_BANDS: tuple[str, ...] = (
    "0", "1-4", *[f"{lo}-{lo + 4}" for lo in range(5, 90, 5)], "90+",
)  # fmt: skip

#: Lower bound in years of each life-table band.
LIFE_TABLE_START_AGES: tuple[int, ...] = (0, 1, *range(5, 95, 5))


def esp2013() -> pd.DataFrame:
    """Return the European Standard Population 2013 as a tidy table (``age_band``, ``start_age``, ``standard_population``), youngest band first."""
    return pd.DataFrame(
        {
            "age_band": pd.Categorical(
                ESP2013_AGE_BANDS, categories=ESP2013_AGE_BANDS, ordered=True
            ),
            "start_age": np.arange(0, 95, 5),
            "standard_population": np.array(ESP2013_WEIGHTS, dtype="int64"),
        }
    )


def _checked_ages(age: np.ndarray | pd.Series) -> np.ndarray:
    """Return ``age`` as floats, raising ``InputError`` with the rows of missing or negative ages."""
    a = np.asarray(age, dtype="float64")
    index = age.index if isinstance(age, pd.Series) else None
    name = age.name if isinstance(age, pd.Series) and age.name is not None else "age"
    ages = pd.DataFrame({name: a}, index=index)
    rule = "must be non-negative and not missing to assign age bands; correct or drop those rows"
    fail_rows(ages, np.isnan(a) | (a < 0), name, rule)
    return a


def five_year_age_band(age: np.ndarray | pd.Series) -> pd.Categorical:
    """Assign ages in whole years to the ESP 2013 five-year bands (90 and over -> ``"90+"``).

    Parameters
    ----------
    age
        Ages in completed years; missing or negative ages raise
        :class:`~analysis.validation.InputError` naming them.

    Returns
    -------
    pandas.Categorical
        The band of each age, ordered youngest first (``ESP2013_AGE_BANDS``).

    Examples
    --------
    >>> list(five_year_age_band([0, 4, 5, 89, 90, 104]))
    ['0-4', '0-4', '5-9', '85-89', '90+', '90+']
    """
    a = _checked_ages(age)
    codes = np.minimum(np.floor(a / 5), 18).astype("int64")
    return pd.Categorical.from_codes(codes, categories=ESP2013_AGE_BANDS, ordered=True)


def life_table_age_band(age: np.ndarray | pd.Series) -> pd.Categorical:
    """Assign ages in whole years to the life-table bands 0, 1-4, 5-9, ..., 85-89, 90+.

    Parameters
    ----------
    age
        Ages in completed years; missing or negative ages raise
        :class:`~analysis.validation.InputError` naming them.

    Returns
    -------
    pandas.Categorical
        The band of each age, ordered youngest first (``LIFE_TABLE_AGE_BANDS``), the 20
        bands of the life table used by :func:`analysis.measures.life_expectancy`.

    Examples
    --------
    >>> list(life_table_age_band([0, 1, 4, 5, 92]))
    ['0', '1-4', '1-4', '5-9', '90+']
    """
    a = _checked_ages(age)
    codes = np.where(a < 1, 0, np.where(a < 5, 1, np.minimum(np.floor(a / 5) + 1, 19)))
    return pd.Categorical.from_codes(
        codes.astype("int64"), categories=LIFE_TABLE_AGE_BANDS, ordered=True
    )
