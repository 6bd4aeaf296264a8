"""Benchmark the measures: DSRs for 1,000,000 groups x 19 age bands, proportions and crude
rates for 10,000,000 groups (one row each), from DataFrame in to DataFrame out.

Each case runs in its own Python subprocess so its peak memory (maximum resident set size)
is its own. The input is built first; the first call in a fresh process (which also pays for
the operating system handing over its working memory) is timed on its own, then the call is
repeated (``--repeats``, default 5) and the median wall time and the median CPU time (user
and system) of the repeats are printed, with the peak memory of the process next to that of
the input alone. The machine's load average is printed with each case: on a shared 2-core
machine the wall time of a loaded run can be several times its CPU time, so compare CPU
times across runs. Run with
``.venv/bin/python benchmarks/bench_measures.py [--dsr-groups 1000000] [--groups 10000000]``.

Targets (issue 4, 2 cores): DSR <= 3 s; proportions and crude rates <= 2 s.
For comparison the issue quotes ~9 s for 20,000 DSR groups with PHEindicatormethods and
~6 s with phstatsmethods.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: case -> (what is timed, target in seconds)
CASES = {
    "dsr": ("DSR, 95% and 99.8%", 3.0),
    "proportion": ("proportion, 95%", 2.0),
    "proportion_2": ("proportion, 95% and 99.8%", 2.0),
    "crude_rate": ("crude rate, 95% and 99.8%, mostly Byar's", 2.0),
    "crude_rate_small": ("crude rate, 95% and 99.8%, mostly exact (counts < 10)", 2.0),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _dsr_input(groups: int):
    import numpy as np
    import pandas as pd

    from analysis.standards import ESP2013_AGE_BANDS

    rng = np.random.default_rng(1)
    rows = groups * 19
    bands = pd.Categorical.from_codes(
        np.tile(np.arange(19), groups), categories=ESP2013_AGE_BANDS, ordered=True
    )
    return pd.DataFrame(
        {
            "area": np.repeat(np.arange(groups, dtype="int64"), 19),
            "age_band": bands,
            "deaths": rng.poisson(5, rows).astype("int64"),
            "population": rng.integers(500, 5000, rows),
        }
    )


def _count_input(groups: int, *, small: bool = False):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2)
    n = rng.integers(100, 100_000, groups)
    x = rng.poisson(5, groups) if small else rng.binomial(n, 0.1)
    return pd.DataFrame({"x": x.astype("int64"), "n": n})


def _call(case: str, size: int):
    from analysis.measures import crude_rate, directly_standardised_rate, proportion

    if case == "dsr":
        data = _dsr_input(size)
        return data, lambda: directly_standardised_rate(
            data, "deaths", "population", group_by="area", confidence=[0.95, 0.998]
        )
    data = _count_input(size, small=case == "crude_rate_small")
    if case == "proportion":
        return data, lambda: proportion(data, "x", "n")
    function = proportion if case == "proportion_2" else crude_rate
    return data, lambda: function(data, "x", "n", confidence=[0.95, 0.998])


def run_case(case: str, size: int, repeats: int) -> dict:
    data, call = _call(case, size)
    before = _peak_mb()
    start = time.perf_counter()
    out = call()
    first = time.perf_counter() - start
    output_rows = len(out)
    del out
    walls, cpus = [], []
    for _ in range(repeats):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        call()
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpus.append((after.ru_utime - usage.ru_utime, after.ru_stime - usage.ru_stime))
    return {
        "case": case,
        "groups": size,
        "input_rows": len(data),
        "output_rows": output_rows,
        "first_seconds": round(first, 3),
        "median_seconds": round(statistics.median(walls), 3),
        "fastest_seconds": round(min(walls), 3),
        "median_user_cpu": round(statistics.median(c[0] for c in cpus), 3),
        "median_system_cpu": round(statistics.median(c[1] for c in cpus), 3),
        "peak_mb": round(_peak_mb(), 1),
        "input_peak_mb": round(before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsr-groups", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=sorted(CASES), action="append", help="cases to run")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.size, args.repeats)))
        return
    for case in args.only or CASES:
        what, target = CASES[case]
        size = args.dsr_groups if case == "dsr" else args.groups
        load = os.getloadavg()[0]
        result = subprocess.run(
            [sys.executable, __file__, "--case", case, "--size", str(size),
             "--repeats", str(args.repeats)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(result.stdout.strip().splitlines()[-1])
        cpu = r["median_user_cpu"] + r["median_system_cpu"]
        verdict = "ok" if r["median_seconds"] <= target else "SLOWER THAN TARGET"
        print(
            f"{what}: {r['groups']:,} groups ({r['input_rows']:,} rows): median "
            f"{r['median_seconds']:.2f} s of {args.repeats} (fastest {r['fastest_seconds']:.2f} "
            f"s; target {target:.0f} s, {verdict}); CPU {cpu:.2f} s (user "
            f"{r['median_user_cpu']:.2f}, system {r['median_system_cpu']:.2f}); first call in "
            f"a fresh process {r['first_seconds']:.2f} s; peak memory {r['peak_mb']:,.0f} MB "
            f"(input alone {r['input_peak_mb']:,.0f} MB); load average {load:.1f} -> "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
