"""How far an intruder can narrow suppressed cells, by linear programming.

Suppressed cells lie in *margin groups* whose totals an intruder may know (a breakdown adds
up to the count's total; parts and their difference add up to a whole). Writing every group
as an equation over the cells -- published cells fixed, suppressed cells unknown but at least
their smallest possible non-zero value (zeros are published) -- the largest value a
suppressed cell can take is a linear programme (the *feasibility interval* of a cell,
Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section 4.3; solved with
HiGHS through :func:`scipy.optimize.linprog`). A small count whose feasible interval lies
within ``min_count`` to ``max_count`` is *confined*: the tables show it is a small count. A
suppressed published cell is at least ``min_count`` (zeros are published), so it is confined
when its largest feasible value is below ``max_count + 1``; a difference between counts (never
published) is confined only if, besides, it cannot be zero.

A group's total is known where it is published (the margins of one table), a cell where a
table publishes it, and otherwise an unknown number shared by every group that adds up to it
(one count broken down in several tables): the intruder learns it only from a group whose
cells are all published. :mod:`analysis.report.disclosure` uses
:func:`largest_values` to check its suppression pattern and suppress more where a cell is
confined.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix


def largest_values(
    value: np.ndarray,
    hidden: np.ndarray,
    targets: np.ndarray,
    *,
    member_group: np.ndarray,
    member_cell: np.ndarray,
    total_group: np.ndarray,
    total_cell: np.ndarray,
    free_total: np.ndarray,
    smallest: np.ndarray,
    maximise: bool = True,
) -> np.ndarray:
    """Return the largest (or, with ``maximise=False``, smallest) value each target cell can take given the published cells (inf: any).

    Parameters
    ----------
    value
        The true value of every cell (to know the group totals and fix published cells).
    hidden
        Which cells are suppressed.
    targets
        Indices of the cells to maximise.
    member_group, member_cell
        The (group, cell) membership pairs.
    total_group, total_cell
        Groups whose total is itself a cell: the members add up to that cell.
    free_total
        Per group: -1 where the total is published (known), ``i >= 0`` where it is an unknown
        number shared by all groups with the same ``i``, -2 where it is a cell.
    smallest
        The least each cell can be when suppressed (``min_count`` for a published count, 0
        for one never published); a suppressed cell whose value is smaller (half a
        person-year) may go down to its value.
    maximise
        True: the largest value each target can take; False: the smallest.

    Returns
    -------
    numpy.ndarray
        One bound per target cell (``inf`` when the published cells do not bound it).
    """
    n_groups = len(free_total)
    unknown = np.flatnonzero(free_total >= 0)
    n_unknown = int(free_total.max(initial=-1)) + 1
    rows = np.r_[member_group, total_group, unknown]
    columns = np.r_[member_cell, total_cell, len(value) + free_total[unknown]]
    signs = np.r_[np.ones(len(member_group)), -np.ones(len(total_group) + len(unknown))]
    equations = csr_matrix((signs, (rows, columns)), shape=(n_groups, len(value) + n_unknown))
    published = np.bincount(member_group, weights=value[member_cell], minlength=n_groups)
    totals = np.where(free_total == -1, published, 0.0)
    lower = np.r_[np.where(hidden, np.minimum(smallest, value), value), np.zeros(n_unknown)]
    upper = np.r_[np.where(hidden, np.inf, value), np.full(n_unknown, np.inf)]
    bounds = np.c_[lower, upper]
    largest = np.empty(len(targets))
    for i, target in enumerate(targets):
        objective = np.zeros(len(lower))
        objective[target] = -1.0 if maximise else 1.0
        result = linprog(objective, A_eq=equations, b_eq=totals, bounds=bounds, method="highs")
        largest[i] = np.inf if result.status == 3 else abs(result.fun)
    return largest
