"""How far an intruder can narrow suppressed cells, by linear programming.

Suppressed cells lie in *margin groups* whose totals an intruder may know (a breakdown adds
up to the count's total; parts and their difference add up to a whole). Writing every group
as an equation over the cells -- published cells fixed, suppressed cells unknown but at least
their smallest possible non-zero value (zeros are published) -- the largest value a
suppressed cell can take is a linear programme (the *feasibility interval* of a cell,
Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section 4.3; solved with
HiGHS through :func:`scipy.optimize.linprog`). A small count whose largest feasible value is
below ``max_count + 1`` is *confined*: the tables show it is a small count.

The intruder here is stronger than a real one: it knows the total of every group exactly,
whether or not that total is published. :mod:`analysis.report.disclosure` uses
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
    smallest: float,
) -> np.ndarray:
    """The largest value each target cell can take given the published cells (inf: any).

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
    smallest
        The smallest value a suppressed cell can take (``min_count``); a suppressed cell
        whose value is smaller (half a person-year) may go down to its value.
    """
    n_groups = int(member_group.max()) + 1 if len(member_group) else 0
    rows = np.r_[member_group, total_group]
    columns = np.r_[member_cell, total_cell]
    signs = np.r_[np.ones(len(member_group)), -np.ones(len(total_group))]
    equations = csr_matrix((signs, (rows, columns)), shape=(n_groups, len(value)))
    totals = equations @ value
    lower = np.where(hidden, np.minimum(smallest, value), value)
    upper = np.where(hidden, np.inf, value)
    bounds = np.c_[lower, upper]
    largest = np.empty(len(targets))
    for i, target in enumerate(targets):
        objective = np.zeros(len(value))
        objective[target] = -1.0
        result = linprog(objective, A_eq=equations, b_eq=totals, bounds=bounds, method="highs")
        largest[i] = np.inf if result.status == 3 else -result.fun
    return largest
