"""Benchmark: round trip of a 1,000,000-row mixed-type frame through the R bridge.

Run with ``.venv/bin/python benchmarks/bench_rbridge.py``; prints the time of each direction
and the peak memory of the process (target: round trip <= 2 s). Needs R and rpy2.
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd

from analysis.rbridge.convert import to_pandas, to_r
from analysis.rbridge.session import r_available

N_ROWS = 1_000_000


def mixed_frame(n_rows: int = N_ROWS, seed: int = 1) -> pd.DataFrame:
    """A frame like our person-level data: ids, codes, categories, flags, numbers, gaps."""
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 100, n_rows)
    bmi = rng.normal(27, 5, n_rows)
    bmi[rng.random(n_rows) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "person_id": np.arange(n_rows, dtype="int64"),
            "area_code": pd.Series(rng.integers(0, 30_000, n_rows)).map("E01{:06d}".format),
            "sex": pd.Categorical(rng.choice(["Female", "Male"], n_rows)),
            "imd_quintile": pd.Categorical(rng.integers(1, 6, n_rows), ordered=True),
            "age": age,
            "bmi": bmi,
            "smoker": pd.array(rng.random(n_rows) < 0.2, dtype="boolean"),
            "diabetes": rng.random(n_rows) < 0.08,
            "ethnicity": pd.Series(rng.choice(["White", "Asian", "Black", "Mixed", None], n_rows)),
        }
    )


def main() -> None:
    if not r_available():
        print("R or rpy2 is not installed: nothing to benchmark")
        return
    frame = mixed_frame()
    to_pandas(to_r(frame.head(10)))  # start R outside the timing
    start = time.perf_counter()
    r_frame = to_r(frame)
    middle = time.perf_counter()
    back = to_pandas(r_frame)
    end = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    assert len(back) == N_ROWS
    print(f"pandas -> R    : {middle - start:6.3f} s ({N_ROWS:,} rows, {frame.shape[1]} columns)")
    print(f"R -> pandas    : {end - middle:6.3f} s")
    print(f"round trip     : {end - start:6.3f} s (target <= 2 s)")
    print(f"peak memory (process, R included): {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
