"""Output conventions shared by the measures, following PHEindicatormethods 2.x.

- One confidence level gives the limit columns ``lowercl`` and ``uppercl``; several levels
  give one pair per level named like ``lower95_0cl``/``upper95_0cl`` and
  ``lower99_8cl``/``upper99_8cl``.
- ``confidence`` is the text ``"95%"`` (or ``"95%, 99.8%"``), ``statistic`` names the measure
  and its scale (e.g. ``"rate per 100000"``) and ``method`` names the interval method.

>>> limit_column_names([0.95])
[('lowercl', 'uppercl')]
>>> limit_column_names([0.95, 0.998])
[('lower95_0cl', 'upper95_0cl'), ('lower99_8cl', 'upper99_8cl')]
>>> confidence_label([0.95, 0.998]), multiplier_label(100_000), multiplier_label(0.5)
('95%, 99.8%', '100000', '0.5')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.validation import InputError, level_tag


def limit_column_names(levels: Sequence[float]) -> list[tuple[str, str]]:
    """Names of the (lower, upper) limit columns for each confidence level, in order."""
    if len(levels) == 1:
        return [("lowercl", "uppercl")]
    return [(f"lower{level_tag(c)}cl", f"upper{level_tag(c)}cl") for c in levels]


def confidence_label(levels: Sequence[float]) -> str:
    """Return the ``confidence`` column text: ``"95%"`` or ``"95%, 99.8%"``."""
    return ", ".join(f"{round(c * 100, 10):g}%" for c in levels)


def multiplier_label(multiplier: float) -> str:
    """Return a multiplier written out in full without scientific notation (``100000``, ``0.5``)."""
    value = float(multiplier)
    if value.is_integer():
        return str(int(value))
    return np.format_float_positional(value, trim="-")


def check_multiplier(multiplier: float) -> float:
    """Return ``multiplier`` as a float, raising :class:`InputError` unless it is positive."""
    try:
        value = float(multiplier)
    except (TypeError, ValueError):
        raise InputError(f"multiplier must be a positive number, got {multiplier!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise InputError(f"multiplier must be a positive number, got {multiplier!r}")
    return value


def labels(codes: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
    """Text labels as a categorical from integer ``codes`` into ``categories`` (-1 = NA): cheap for millions of rows, and compares equal to the plain strings."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype="int8"), categories=list(categories))


def _label_column(value: str | pd.Categorical, size: int) -> pd.Categorical:
    if isinstance(value, str):
        return labels(np.zeros(size, dtype="int8"), [value])
    return value


def _column(values: object, index: pd.Index) -> object:
    """Return a result column on ``index``, not copied: numpy arrays are wrapped as they are unless read-only or views (then they may belong to someone else's frame and are copied).

    Pandas objects are used as they are (pandas copies them only when one side is written).
    """
    if isinstance(values, np.ndarray):
        owned = values.flags.owndata and values.flags.writeable
        return pd.Series(values if owned else values.copy(), index=index, copy=False)
    if isinstance(values, pd.Categorical):
        return pd.Series(values, index=index, copy=False)
    if isinstance(values, pd.Series):
        return values.set_axis(index)
    return values


def result_frame(
    keys: pd.DataFrame,
    columns: Mapping[str, np.ndarray | pd.Series],
    value: np.ndarray,
    limits: Sequence[tuple[np.ndarray, np.ndarray]],
    levels: Sequence[float],
    *,
    statistic: str | pd.Categorical,
    method: str | pd.Categorical,
    extra: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Assemble a tidy result: ``keys``, ``columns``, ``value``, limit pairs, ``extra``, ``confidence``, ``statistic``, ``method`` (the PHEindicatormethods column order).

    The arrays become columns without being copied (for 10 million rows each copy is 80 MB),
    and the three text columns are categoricals (one code per row instead of one string).
    """
    out = keys.reset_index(drop=True)
    size = len(out)
    named = dict(columns)
    named["value"] = value
    for (lower_name, upper_name), (lower, upper) in zip(
        limit_column_names(levels), limits, strict=True
    ):
        named[lower_name] = lower
        named[upper_name] = upper
    named.update(extra or {})
    named["confidence"] = _label_column(confidence_label(levels), size)
    named["statistic"] = _label_column(statistic, size)
    named["method"] = _label_column(method, size)
    for name, values in named.items():
        out[name] = _column(values, out.index)
    return out
