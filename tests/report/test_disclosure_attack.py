"""An intruder's attack on the published indicator tables of whole runs, by linear programming.

The intruder knows every published cell of every table of a run, that the tables of one count
(deaths, person-years, cancers, ...) by different breakdowns add up to the same total, that a
part never exceeds its whole (CVD deaths of all deaths, recorded of all hypertensive people)
and that a suppressed cell is not zero (zeros are published; the rule never suppresses one):
at least 1, or half a person-year. For every cell the rule suppressed as small (1 to 7; including
the differences between a whole and its parts) the intruder maximises that cell subject to all
of this, and minimises it (``scipy.optimize.linprog``). Protection means the tables cannot
confine the cell to 1-7: its maximum reaches 8 or more, or (for a difference, which unlike a
suppressed cell may be zero) its minimum is 0.

The same attack on tables controlled one by one (the rule before disclosure control across
tables) succeeds, so the test can fail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from analysis.config import Config, parse_config
from analysis.indicators import PARTS, PERSON_YEARS, indicator_tables, publishable
from analysis.report.disclosure import TableCounts, apply_joint_disclosure_control

pytestmark = pytest.mark.slow  # six indicator runs and some hundreds of linear programmes

SMALLEST_SAFE = 8  # max_count + 1 under the default rule
BREAKDOWNS = ["imd_quintile", "ethnicity", "sex", "district_name", "age_band"]


@dataclass
class Problem:
    """The intruder's linear system: one variable per distinct cell, one per count's total."""

    truth: pd.DataFrame  # per cell: quantity, breakdown, level, value, published (NaN if not)
    equalities: np.ndarray  # rows: sum of a breakdown's cells - the count's total = 0
    inequalities: np.ndarray  # rows: sum of parts - whole <= 0
    targets: list[np.ndarray]  # objective of each small suppressed cell or difference


def _cells(raw: dict[str, TableCounts], published: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for name, spec in raw.items():
        for column, quantity in spec.quantities().items():
            rows.append(
                pd.DataFrame(
                    {
                        "quantity": quantity,
                        "breakdown": spec.table["breakdown"].astype(str).to_numpy(),
                        "level": spec.table["level"].astype(str).to_numpy(),
                        "value": spec.table[column].to_numpy(dtype=float),
                        "published": published[name][column].to_numpy(dtype=float, na_value=np.nan),
                    }
                )
            )
    cells = pd.concat(rows, ignore_index=True)
    # the intruder links equal cells across tables: they must truly be the same count, and
    # published alike everywhere
    per_cell = cells.groupby(["quantity", "breakdown", "level"], sort=False)
    assert (per_cell["value"].nunique() == 1).all(), "cells linked across tables differ"
    assert (per_cell["published"].apply(lambda s: s.isna().all() or s.notna().all())).all()
    return per_cell.first().reset_index()


def attack_problem(raw: dict[str, TableCounts], published: dict[str, pd.DataFrame]) -> Problem:
    """The linear system an intruder can write down from the published tables."""
    cells = _cells({n: s for n, s in raw.items() if s.quantities()}, published)
    quantities = list(cells["quantity"].unique())
    n_cells = len(cells)
    n_vars = n_cells + len(quantities)
    total_of = {q: n_cells + i for i, q in enumerate(quantities)}
    equalities = []
    for (quantity, _), members in cells.groupby(["quantity", "breakdown"]).groups.items():
        row = np.zeros(n_vars)
        row[np.asarray(members)] = 1
        row[total_of[quantity]] = -1
        equalities.append(row)
    index = cells.set_index(["quantity", "breakdown", "level"]).index
    inequalities, targets = [], []
    small = (cells["value"] >= 1) & (cells["value"] < SMALLEST_SAFE)
    for i in np.flatnonzero(small & cells["published"].isna()):
        target = np.zeros(n_vars)
        target[i] = 1
        targets.append(target)
    keys = cells[["breakdown", "level"]].drop_duplicates().itertuples(index=False)
    for breakdown, level in keys:
        for whole, parts in PARTS:
            wanted = [(q, breakdown, level) for q in (whole, *parts)]
            if not all(w in index for w in wanted):
                continue
            row = np.zeros(n_vars)
            row[index.get_loc(wanted[0])] = -1
            for part in wanted[1:]:
                row[index.get_loc(part)] = 1
            inequalities.append(row)
            difference = -row[:n_cells] @ cells["value"].to_numpy()
            unknown = cells["published"].to_numpy()[row[:n_cells] != 0]
            if 1 <= difference < SMALLEST_SAFE and np.isnan(unknown).any():
                targets.append(-row)  # the difference whole - parts, itself a small count
    return Problem(cells, np.array(equalities), np.array(inequalities), targets)


def feasible_ranges(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and largest value the published tables allow for each target."""
    cells = problem.truth
    published = cells["published"].to_numpy()
    totals = (
        cells.groupby("quantity", sort=False)["value"].sum()
        / cells.groupby("quantity", sort=False)["breakdown"].nunique()
    )
    truth = np.r_[cells["value"].to_numpy(), totals.to_numpy()]
    # the intruder's system holds for the true tables (so the links it uses are real)
    assert np.allclose(problem.equalities @ truth, 0), "the true tables break a margin"
    assert (problem.inequalities @ truth <= 1e-9).all(), "a part exceeds its whole"
    smallest = np.where(cells["quantity"] == PERSON_YEARS, 0.5, 1.0)
    hidden = np.isnan(published)
    assert (cells["value"].to_numpy()[hidden] >= smallest[hidden]).all(), "a zero is suppressed"
    bounds = [
        (v, v) if not h else (low, None)
        for v, h, low in zip(published, hidden, smallest, strict=True)
    ]
    bounds += [(0, None)] * len(totals)
    ranges = []
    for target in problem.targets:
        ends = []
        for sign in (1, -1):
            result = linprog(
                sign * target,
                A_ub=problem.inequalities,
                b_ub=np.zeros(len(problem.inequalities)),
                A_eq=problem.equalities,
                b_eq=np.zeros(len(problem.equalities)),
                bounds=bounds,
                method="highs",
            )
            assert result.status in (0, 3), result.message  # 3: unbounded, the best protection
            ends.append(np.inf if result.status == 3 else sign * result.fun)
        ranges.append(ends)
    lowest, largest = np.array(ranges).T
    return lowest, largest


def confined(problem: Problem) -> np.ndarray:
    """Targets the intruder can place within 1 to 7: at most 7, and certainly not zero (a
    suppressed cell is never zero; a difference may be)."""
    lowest, largest = feasible_ranges(problem)
    return (largest < SMALLEST_SAFE - 1e-6) & (lowest > 1e-6)


def raw_tables(n_people: int, seed: int) -> tuple[Config, dict[str, TableCounts]]:
    config = parse_config(
        {
            "data": {"source": "synthetic", "n_people": n_people, "seed": seed},
            "analysis": {"years": [2020, 2024], "breakdowns": BREAKDOWNS},
        }
    )
    return config, indicator_tables(config, progress=False)


@pytest.mark.filterwarnings("ignore:no slope index of inequality")
@pytest.mark.parametrize(
    ("n_people", "seed"), [(2000, 1), (2000, 3), (3000, 7), (4000, 8), (10000, 5), (20000, 6)]
)
def test_no_small_count_can_be_confined_to_one_to_seven(n_people, seed):
    config, raw = raw_tables(n_people, seed)
    problem = attack_problem(raw, publishable(raw, config))
    assert problem.targets, "a run without small counts tests nothing"
    assert not confined(problem).any()


@pytest.mark.filterwarnings("ignore:no slope index of inequality")
def test_the_attack_recovers_counts_from_tables_controlled_one_by_one():
    config, raw = raw_tables(2000, 1)
    one_by_one = {
        name: apply_joint_disclosure_control({name: spec}, rule=config.disclosure)[name]
        if spec.quantities()
        else spec.table
        for name, spec in raw.items()
    }
    assert confined(attack_problem(raw, one_by_one)).any()
