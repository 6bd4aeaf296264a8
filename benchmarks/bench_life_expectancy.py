"""Benchmark: life expectancy (Chiang II with Silcocks variance) for 100,000 groups.

Target (issue 4): 100,000 groups x 20 age bands in at most 5 s on a 2-core machine.
Printed: the median wall and CPU time of five calls after a warm-up call (on a shared
machine the wall time of a loaded run can be several times its CPU time; the load average
is printed too) and the peak traced memory of one more call.
Run: ``.venv/bin/python benchmarks/bench_life_expectancy.py [n_groups]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from analysis.measures import life_expectancy
from analysis.standards import LIFE_TABLE_AGE_BANDS

REPEATS = 5


def make_data(n_groups: int, seed: int = 1) -> pd.DataFrame:
    """Synthetic groups: populations of ~10,000-60,000 per band, Gompertz-like death rates."""
    rng = np.random.default_rng(seed)
    n_bands = len(LIFE_TABLE_AGE_BANDS)
    population = rng.integers(2_000, 12_000, size=(n_groups, n_bands))
    start = np.array([0, 1, *range(5, 95, 5)], dtype=float)
    rate = 0.00004 * np.exp(0.095 * start) * rng.uniform(0.7, 1.3, size=(n_groups, 1))
    rate[:, 0] = 0.004
    deaths = rng.poisson(population * rate)
    deaths[:, -1] = np.maximum(deaths[:, -1], 1)
    return pd.DataFrame(
        {
            "area": np.repeat(np.arange(n_groups), n_bands),
            "age_band": np.tile(np.array(LIFE_TABLE_AGE_BANDS, dtype=object), n_groups),
            "deaths": deaths.ravel(),
            "population": population.ravel(),
        }
    )


def main(n_groups: int = 100_000) -> None:
    data = make_data(n_groups)
    out = life_expectancy(data, "deaths", "population", group_by="area")  # warm-up
    load = os.getloadavg()[0]
    walls, cpus = [], []
    for _ in range(REPEATS):
        start, cpu = time.perf_counter(), time.process_time()
        life_expectancy(data, "deaths", "population", group_by="area")
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    # memory in a second run: tracing allocations slows the code, so it is not timed
    tracemalloc.start()
    life_expectancy(data, "deaths", "population", group_by="area")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    at_birth = out.loc[out["age_band"] == "0", "value"]
    input_mib = data.memory_usage(deep=True).sum() / 2**20
    print(
        f"life_expectancy: {n_groups:,} groups x {len(LIFE_TABLE_AGE_BANDS)} bands "
        f"({len(data):,} rows): median {statistics.median(walls):.2f} s of {REPEATS} "
        f"(target <= 5 s), CPU {statistics.median(cpus):.2f} s; peak traced memory "
        f"{peak / 2**20:.0f} MiB for {input_mib:.0f} MiB of input; median life expectancy at "
        f"birth {at_birth.median():.1f} years; load average {load:.1f} -> "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
