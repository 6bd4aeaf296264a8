"""Input checks shared by every statistic.

Each check raises :class:`InputError` naming the column, the rule that failed and up to five
example rows, so an analyst can find and fix the data. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

N_EXAMPLES = 5


class InputError(ValueError):
    """Invalid input data: the message names the column, the rule and example rows."""


def _examples(df: pd.DataFrame, mask: np.ndarray | pd.Series, columns: Sequence[str]) -> str:
    bad = df.loc[np.asarray(mask, dtype=bool), list(dict.fromkeys(columns))]
    shown = bad.head(N_EXAMPLES).to_string()
    more = len(bad) - N_EXAMPLES
    return shown + (f"\n... and {more} more row(s)" if more > 0 else "")


def fail_rows(
    df: pd.DataFrame,
    mask: np.ndarray | pd.Series,
    column: str | Sequence[str],
    rule: str,
    *,
    context: Sequence[str] = (),
) -> None:
    """Raise :class:`InputError` if any row of ``df`` is flagged by ``mask``.

    ``column`` is the offending column (or columns), ``rule`` says what was expected, and
    ``context`` adds columns (such as the grouping) to the example rows shown.

    Parameters
    ----------
    df
        The data checked.
    mask
        True for each row that breaks the rule, in the order of ``df``'s rows.
    column
        The column (or columns) that break the rule, named in the message and shown.
    rule
        What the column should hold, in words ("must not be negative").
    context
        Further columns (such as the grouping) shown in the example rows of an error.

    Raises
    ------
    InputError
        When any row is flagged: the message names the column(s), the rule, the number of
        rows failing and up to :data:`N_EXAMPLES` of them.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    cols = [column] if isinstance(column, str) else list(column)
    raise InputError(
        f"column {', '.join(repr(c) for c in cols)}: {rule} "
        f"({int(mask.sum())} row(s) fail). Example rows:\n" + _examples(df, mask, [*context, *cols])
    )


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, what: str = "data") -> None:
    """Raise if ``df`` lacks any of ``columns`` (listing what it does have).

    Parameters
    ----------
    df
        The data; anything other than a DataFrame is refused.
    columns
        The columns ``df`` must have.
    what
        What ``df`` is, as the message should call it.

    Raises
    ------
    InputError
        When ``df`` is not a DataFrame or lacks a column; the message lists the columns
        missing and those it has.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{what} is missing column(s) {missing}; it has {list(df.columns)}. "
            "Name the columns to use with the function's column arguments."
        )


def require_numeric(df: pd.DataFrame, column: str, *, context: Sequence[str] = ()) -> np.ndarray:
    """Return ``df[column]`` as float64, raising if it is not numeric or has missing values.

    Text that reads as numbers ("12") is converted; booleans count as 0 and 1.

    Parameters
    ----------
    df
        The data.
    column
        The column to read.
    context
        Further columns (such as the grouping) shown in the example rows of an error.

    Returns
    -------
    ndarray
        The column's values as float64.

    Raises
    ------
    InputError
        Where a value is not a number, is missing or is infinite.
    """
    s = df[column]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        converted = pd.to_numeric(s, errors="coerce")
        fail_rows(df, converted.isna() & s.notna(), column, "must be numeric", context=context)
        s = converted
    fail_rows(df, s.isna(), column, "must not be missing", context=context)
    values = s.to_numpy(dtype="float64")
    reject_infinite(df, values, column, context=context)
    return values


def reject_infinite(
    df: pd.DataFrame, values: np.ndarray, column: str, *, context: Sequence[str] = ()
) -> None:
    """Raise where ``values`` (read from ``df[column]``) are infinite: an ``inf`` count, denominator or estimate is a data error (e.g. a division by zero upstream), and a statistic computed from it would be a confident-looking 0 or ``inf``.

    Parameters
    ----------
    df
        The data the values were read from (for the example rows).
    values
        The values, in the order of ``df``'s rows.
    column
        The column they were read from.
    context
        Further columns (such as the grouping) shown in the example rows of an error.

    Raises
    ------
    InputError
        Where a value is ``inf`` or ``-inf``.
    """
    fail_rows(df, np.isinf(values), column, "must be a finite number, not inf", context=context)


def check_counts(
    df: pd.DataFrame,
    column: str,
    *,
    integer: bool = True,
    context: Sequence[str] = (),
) -> np.ndarray:
    """Check a count column: numeric, not missing, non-negative and (by default) whole numbers.

    Parameters
    ----------
    df
        The data.
    column
        The count column.
    integer
        Require whole numbers (``False`` for counts that may be fractional, such as
        person-years).
    context
        Further columns (such as the grouping) shown in the example rows of an error.

    Returns
    -------
    ndarray
        The counts as float64.

    Raises
    ------
    InputError
        Where a count is not a number, is missing, infinite, negative or (with ``integer``) not
        whole.
    """
    values = require_numeric(df, column, context=context)
    fail_rows(df, values < 0, column, "counts must not be negative", context=context)
    if integer:
        fail_rows(
            df, values != np.round(values), column, "counts must be whole numbers", context=context
        )
    return values


def check_positive(df: pd.DataFrame, column: str, *, context: Sequence[str] = ()) -> np.ndarray:
    """Check a denominator column: numeric, not missing and strictly positive.

    Parameters
    ----------
    df
        The data.
    column
        The denominator column.
    context
        Further columns (such as the grouping) shown in the example rows of an error.

    Returns
    -------
    ndarray
        The values as float64.

    Raises
    ------
    InputError
        Where a value is not a number, is missing, infinite, zero or negative.
    """
    values = require_numeric(df, column, context=context)
    fail_rows(df, values <= 0, column, "must be greater than zero", context=context)
    return values


def check_not_above(
    df: pd.DataFrame, numerator: str, denominator: str, *, context: Sequence[str] = ()
) -> None:
    """Raise where the numerator exceeds the denominator (e.g. more cases than people).

    Parameters
    ----------
    df
        The data.
    numerator
        The column of the part (such as cases).
    denominator
        The column of the whole (such as people).
    context
        Further columns (such as the grouping) shown in the example rows of an error.

    Raises
    ------
    InputError
        Where the numerator is greater than the denominator.
    """
    mask = df[numerator].to_numpy(dtype="float64") > df[denominator].to_numpy(dtype="float64")
    fail_rows(
        df,
        mask,
        [numerator, denominator],
        f"{numerator!r} must not be greater than {denominator!r}",
        context=context,
    )


def level_tag(level: float) -> str:
    """Return the tag of a confidence level in limit column names: 0.95 -> ``"95_0"``, 0.998 -> ``"99_8"``.

    Levels are named to 0.1 percentage point, as PHEindicatormethods names them
    (``lower95_0cl``); :func:`check_confidence` refuses several levels that share a tag.

    Parameters
    ----------
    level
        The confidence level as a proportion (0.95).

    Returns
    -------
    str
        The level in per cent to one decimal, with ``_`` for the point.

    Examples
    --------
    >>> level_tag(0.95), level_tag(0.9991)
    ('95_0', '99_9')
    """
    return f"{level * 100:.1f}".replace(".", "_")


def check_confidence(confidence: float | Sequence[float]) -> list[float]:
    """Normalise ``confidence`` to a list of levels in [0.9, 1) as PHEindicatormethods allows.

    Levels may be given as proportions (0.95) or percentages (95), one or several
    (``[0.95, 0.998]``). Anything else (``None``, text, ``True``, NaN, an empty list, the same
    level twice) raises :class:`InputError`, and so do several levels whose limit columns
    would have the same name (0.9991 and 0.9994 both give ``lower99_9cl``: the names carry
    the level to 0.1 percentage point, :func:`level_tag`).

    Parameters
    ----------
    confidence
        One level or several, as proportions or percentages.

    Returns
    -------
    list of float
        The levels as proportions, in the order given.

    Raises
    ------
    InputError
        For anything that is not one or more distinct numbers in [0.9, 1) (or [90, 100)), or
        levels sharing a limit column name.

    Examples
    --------
    >>> check_confidence(0.95), check_confidence([95, 99.8])
    ([0.95], [0.95, 0.998])
    """
    example = "give a level such as 0.95, or several such as [0.95, 0.998]"
    if isinstance(confidence, str | bytes) or confidence is None:
        raise InputError(
            f"confidence must be a number or a list of numbers: {example}; got {confidence!r}"
        )
    levels = list(confidence) if isinstance(confidence, Iterable) else [confidence]
    out = []
    for level in levels:
        if isinstance(level, bool) or not isinstance(level, int | float | np.integer | np.floating):
            raise InputError(f"confidence level {level!r} is not a number: {example}")
        value = float(level) / 100 if float(level) >= 90 else float(level)
        if not 0.9 <= value < 1:
            raise InputError(
                f"confidence level {level!r} is not allowed: give a level between 0.9 and 1 "
                "(or 90 and 100), e.g. 0.95 or [0.95, 0.998]"
            )
        out.append(value)
    if not out:
        raise InputError(f"confidence must name at least one level: {example}")
    if len(set(out)) < len(out):
        raise InputError(f"confidence names the same level twice: {levels!r}")
    if len(out) > 1:
        first: dict[str, object] = {}
        for level, value in zip(levels, out, strict=True):
            tag = level_tag(value)
            if tag in first:
                raise InputError(
                    f"confidence levels {first[tag]!r} and {level!r} would share the limit "
                    f"columns lower{tag}cl/upper{tag}cl (several levels are named to 0.1 "
                    "percentage point, as PHEindicatormethods names them): give levels that "
                    "differ at that precision, or call once per level"
                )
            first[tag] = level
    return out


def check_single_confidence(
    confidence: float | Sequence[float], *, name: str = "confidence"
) -> float:
    """Return the one confidence level of limits the caller supplies, checked as :func:`check_confidence` checks it.

    For a level that is one by nature: the level at which limits given as input were computed
    (the slope index's ``limits_confidence``, the level of the quantiles' ``lower_cl`` and
    ``upper_cl``, from which their standard errors are derived). Results are never limited to
    one level this way: the level(s) of a function's output are checked by
    :func:`check_confidence`. Several levels raise :class:`InputError` naming ``name``.

    Parameters
    ----------
    confidence
        The level, as a proportion or a percentage (a list of one level is accepted).
    name
        The argument's name, for the message.

    Returns
    -------
    float
        The level as a proportion.

    Raises
    ------
    InputError
        When the level is invalid (:func:`check_confidence`) or several are given.

    Examples
    --------
    >>> check_single_confidence(95)
    0.95
    """
    levels = check_confidence(confidence)
    if len(levels) > 1:
        raise InputError(
            f"{name}: the limits supplied with the data were computed at one confidence level; "
            f"give that level (e.g. {name}=0.95), got {levels}"
        )
    return levels[0]


#: The polarity of an indicator, WHO HEAT's terms: higher is worse, or higher is better.
POLARITIES = ("adverse", "favourable")


def check_polarity(polarity: object) -> str:
    """Return ``polarity`` when it is ``"adverse"`` (higher is worse) or ``"favourable"``.

    Anything else, including the ``True``/``False`` of an ``invert`` flag or a negative
    multiplier's ``-1``, raises :class:`InputError` naming the two values.

    Parameters
    ----------
    polarity
        The value given for the polarity.

    Returns
    -------
    str
        ``polarity``, unchanged.

    Raises
    ------
    InputError
        When ``polarity`` is not one of :data:`POLARITIES`.

    Examples
    --------
    >>> check_polarity("adverse")
    'adverse'
    """
    if not isinstance(polarity, str) or polarity not in POLARITIES:
        raise InputError(
            f"polarity must be 'adverse' (higher is worse, e.g. mortality) or 'favourable' "
            f"(higher is better, e.g. life expectancy), got {polarity!r}"
        )
    return polarity
