"""Design matrices for the inequality models: treatment-coded categories, scores, interactions.

Every predictor is categorical (one indicator column per non-reference level, "treatment" or
"dummy" coding) unless the caller names it in ``continuous``, in which case it enters as a
number (one coefficient per unit: a deprivation quintile entered this way is the usual
*test for trend* score, e.g. Kirkwood & Sterne 2003, *Essential Medical Statistics*, 2nd ed.,
section 22.5). Interactions are products of the indicator (or score) columns of their parts.

The :class:`Design` remembers the levels and reference of each categorical predictor so that
the same coding can be rebuilt on new data (e.g. to standardise predictions with every person
set to one level).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.validation import InputError, fail_rows, require_columns, require_numeric

INTERCEPT = "(Intercept)"


@dataclass(frozen=True)
class Term:
    """One column of the design matrix: its name, predictor(s) and level(s)."""

    name: str
    variable: str
    level: str
    reference: str


@dataclass(frozen=True)
class Design:
    """How predictors are coded: categorical levels (reference first) and continuous scores."""

    levels: Mapping[str, tuple]
    continuous: tuple[str, ...]
    interactions: tuple[tuple[str, str], ...]
    terms: tuple[Term, ...]

    @property
    def names(self) -> list[str]:
        """Names of the design matrix's columns after the intercept, one a term."""
        return [t.name for t in self.terms]

    @property
    def variables(self) -> list[str]:
        """Columns of the data the design reads: categorical, then continuous."""
        return [*self.levels, *self.continuous]

    def matrix(self, data: pd.DataFrame) -> np.ndarray:
        """Build the design matrix (intercept first) for ``data`` with this coding."""
        return _build(data, self)[0]


def _level_label(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _levels(data: pd.DataFrame, column: str, reference: object | None) -> tuple:
    s = data[column]
    fail_rows(data, s.isna(), column, "must not be missing (give missing values their own level, "
              "e.g. 'Not stated')")  # fmt: skip
    if isinstance(s.dtype, pd.CategoricalDtype):
        observed = set(s.unique())
        levels = [c for c in s.cat.categories if c in observed]
    else:
        levels = sorted(s.unique().tolist(), key=lambda v: (str(type(v)), v))
    if reference is not None:
        if reference not in levels:
            raise InputError(
                f"column {column!r}: reference level {reference!r} does not occur in the data; "
                f"levels are {[_level_label(v) for v in levels]}"
            )
        levels = [reference, *[v for v in levels if v != reference]]
    if len(levels) < 2:
        raise InputError(
            f"column {column!r}: a categorical predictor needs at least two levels in the data, "
            f"found {[_level_label(v) for v in levels]}"
        )
    return tuple(levels)


def make_design(
    data: pd.DataFrame,
    predictors: Sequence[str],
    *,
    continuous: Sequence[str] = (),
    reference: Mapping[str, object] | None = None,
    interactions: Sequence[tuple[str, str]] = (),
) -> Design:
    """Work out the coding of predictors from data (levels, references, term names).

    Parameters
    ----------
    data
        the rows the model will be fitted to.
    predictors
        the predictor columns.
    continuous
        the predictors entered as numbers (one coefficient each); the others are
        categorical.
    reference
        the reference level of a categorical predictor, by column (default: the first
        category of a categorical column, otherwise the smallest value).
    interactions
        pairs of predictors whose product terms are added.

    Returns
    -------
    Design
        The coding. Term names read ``variable=level`` (``imd_quintile=1``) or, for an
        interaction, ``imd_quintile=1:ethnicity=Asian``; the intercept comes first.

    Raises
    ------
    InputError
        For a missing column, a missing value in a categorical predictor, a non-numeric
        continuous predictor, a categorical predictor with fewer than two levels, a reference
        level not found in the data, or ``continuous``, ``reference`` or ``interactions``
        naming a column that is not a predictor.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["Female", "Male", "Male"], "age": [40, 50, 60]})
    >>> make_design(df, ["sex", "age"], continuous=["age"]).names
    ['(Intercept)', 'sex=Male', 'age']
    """
    predictors = list(dict.fromkeys(predictors))
    require_columns(data, predictors, what="data")
    unknown = [c for c in [*continuous, *(reference or {})] if c not in predictors]
    if unknown:
        raise InputError(f"{unknown} named in continuous/reference but not among the predictors")
    for pair in interactions:
        missing = [c for c in pair if c not in predictors]
        if missing:
            raise InputError(f"interaction {pair}: {missing} must also be a main-effect predictor")
    reference = dict(reference or {})
    levels = {c: _levels(data, c, reference.get(c)) for c in predictors if c not in set(continuous)}
    for c in continuous:
        require_numeric(data, c)
    terms = [Term(INTERCEPT, "", "", "")]
    for c in predictors:
        if c in levels:
            ref = _level_label(levels[c][0])
            terms += [
                Term(f"{c}={_level_label(v)}", c, _level_label(v), ref) for v in levels[c][1:]
            ]
        else:
            terms.append(Term(c, c, "per unit", ""))
    for a, b in interactions:
        for ta in [t for t in terms if t.variable == a]:
            for tb in [t for t in terms if t.variable == b]:
                terms.append(Term(f"{ta.name}:{tb.name}", f"{a}:{b}", f"{ta.level}:{tb.level}", ""))
    return Design(levels, tuple(continuous), tuple(tuple(p) for p in interactions), tuple(terms))


def _columns(data: pd.DataFrame, design: Design) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for c, lv in design.levels.items():
        values = data[c]
        known = values.isin(lv).to_numpy()
        fail_rows(data, ~known, c, f"has levels not seen when the model was set up ({lv})")
        codes = pd.Categorical(values, categories=list(lv)).codes
        for k, v in enumerate(lv[1:], start=1):
            cols[f"{c}={_level_label(v)}"] = (codes == k).astype("float64")
    for c in design.continuous:
        cols[c] = require_numeric(data, c)
    return cols


def _build(data: pd.DataFrame, design: Design) -> tuple[np.ndarray, list[str]]:
    require_columns(data, design.variables, what="data")
    cols = _columns(data, design)
    out = np.empty((len(data), len(design.terms)), dtype="float64")
    for j, term in enumerate(design.terms):
        if term.name == INTERCEPT:
            out[:, j] = 1.0
        elif ":" in term.variable:
            left, right = term.name.split(":", 1)
            out[:, j] = cols[left] * cols[right]
        else:
            out[:, j] = cols[term.name]
    return out, design.names
