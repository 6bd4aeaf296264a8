"""Choosing the number of segments at the elbow of the BIC curve.

With a large fitting sample the Bayesian information criterion keeps falling as segments are
added, because it rewards even small departures from the model (such as conditions becoming
more common with age within a segment), so its strict minimum can split people into many
similar, unstable segments. The usual remedy is to read the "elbow" of the curve, the point
after which extra segments improve the fit only a little (Nylund, Asparouhov and Muthén 2007,
*Struct Equ Modeling* 14:535-569; Masyn 2013, in *The Oxford Handbook of Quantitative Methods*
vol. 2). :func:`elbow` makes that reading reproducible: the smallest number of
segments after which one more segment improves the criterion by less than ``tolerance``
times the improvement of the first step. The tolerance is a convention, to be stated.

>>> curve = pd.DataFrame({"n_segments": [1, 2, 3, 4, 5],
...                       "bic": [1000.0, 600.0, 500.0, 495.0, 493.0]})
>>> elbow(curve)
3
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.validation import InputError, fail_rows, require_columns, require_numeric


def elbow(curve: pd.DataFrame, *, tolerance: float = 0.02, criterion: str = "bic") -> int:
    """Return the number of segments at the elbow of an information-criterion curve (lower is better).

    Method: the first number of segments whose step to the next improves the criterion by
    less than ``tolerance`` times the first step's improvement (see the module docstring;
    Nylund, Asparouhov and Muthén 2007).

    Parameters
    ----------
    curve
        one row per number of segments tried, with consecutive numbers: ``n_segments`` and
        ``criterion``, as :attr:`PeopleSegmentation.selection_curve`.
    tolerance
        the share of the first step's improvement below which a step counts as small
        (default 0.02); between 0 and 1.
    criterion
        the column of the criterion (default ``"bic"``).

    Returns
    -------
    int
        The number of segments at the elbow; the largest number tried when every step
        improves the criterion by more (the curve has not flattened: try more segments).

    Raises
    ------
    InputError
        For ``tolerance`` outside 0 to 1, a missing or non-numeric column, fewer than two
        numbers of segments, numbers that are not consecutive, or a criterion that does not
        improve at the first step.

    Examples
    --------
    >>> curve = pd.DataFrame({"n_segments": [1, 2, 3, 4, 5],
    ...                       "bic": [1000.0, 600.0, 500.0, 495.0, 493.0]})
    >>> elbow(curve)
    3
    """
    if not 0 < tolerance < 1:
        raise InputError(f"tolerance must be between 0 and 1, got {tolerance!r}")
    require_columns(curve, ["n_segments", criterion], what="selection curve")
    ordered = curve.sort_values("n_segments").reset_index(drop=True)
    segments = require_numeric(ordered, "n_segments")
    values = require_numeric(ordered, criterion)
    if len(ordered) < 2:
        raise InputError("the selection curve needs at least two numbers of segments")
    steps = np.diff(segments)
    fail_rows(ordered.iloc[1:], steps != 1, "n_segments", "must be consecutive whole numbers")
    gains = values[:-1] - values[1:]  # improvement from k to k + 1 segments
    if gains[0] <= 0:
        raise InputError(
            f"{criterion} does not improve from {segments[0]:.0f} to {segments[1]:.0f} "
            "segments: there is no elbow to read (take the minimum instead)"
        )
    flat = np.flatnonzero(gains < tolerance * gains[0])
    return int(segments[flat[0]] if flat.size else segments[-1])
