"""Benchmark the measures: DSRs for 1,000,000 groups x 19 age bands, proportions and crude
rates for 10,000,000 groups.

Each case runs in its own Python subprocess so its peak memory (maximum resident set size)
is its own; the input is built first, then the call is timed twice: the first call in a
fresh process also pays for the operating system handing over its working memory (page
faults on ~1-2 GB), the repeat call is the steady state of an analysis session. Printed:
both times, the repeat call's user and system CPU time (on a loaded virtual machine the
kernel's page-fault work, "system", can dominate the wall time), and the peak memory of
the process next to that of the input alone. Run with
``.venv/bin/python benchmarks/bench_measures.py [--dsr-groups 1000000] [--groups 10000000]``.

Targets (issue 4, 2 cores): DSR <= 3 s; proportions and crude rates <= 2 s.
For comparison the issue quotes ~9 s for 20,000 DSR groups with PHEindicatormethods and
~6 s with phstatsmethods.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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


def _count_input(groups: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2)
    n = rng.integers(100, 100_000, groups)
    return pd.DataFrame({"x": rng.binomial(n, 0.1).astype("int64"), "n": n})


def run_case(case: str, size: int) -> dict:
    from analysis.measures import crude_rate, directly_standardised_rate, proportion

    if case == "dsr":
        data = _dsr_input(size)

        def call():
            return directly_standardised_rate(
                data, "deaths", "population", group_by="area", confidence=[0.95, 0.998]
            )
    else:
        data = _count_input(size)
        function = proportion if case == "proportion" else crude_rate

        def call():
            return function(data, "x", "n", confidence=[0.95, 0.998])

    before = _peak_mb()
    start = time.perf_counter()
    out = call()
    first = time.perf_counter() - start
    peak = _peak_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    call()
    again = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "case": case,
        "groups": size,
        "input_rows": len(data),
        "output_rows": len(out),
        "first_seconds": round(first, 3),
        "repeat_seconds": round(again, 3),
        "repeat_user_cpu": round(after.ru_utime - usage.ru_utime, 3),
        "repeat_system_cpu": round(after.ru_stime - usage.ru_stime, 3),
        "peak_mb": round(peak, 1),
        "input_peak_mb": round(before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsr-groups", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=10_000_000)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.size)))
        return
    targets = {"dsr": 3.0, "proportion": 2.0, "crude_rate": 2.0}
    sizes = {"dsr": args.dsr_groups, "proportion": args.groups, "crude_rate": args.groups}
    for case, size in sizes.items():
        result = subprocess.run(
            [sys.executable, __file__, "--case", case, "--size", str(size)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(result.stdout.strip().splitlines()[-1])
        verdict = "ok" if r["repeat_seconds"] <= targets[case] else "SLOWER THAN TARGET"
        print(
            f"{case:>11}: {r['groups']:>10,} groups ({r['input_rows']:,} rows): "
            f"{r['repeat_seconds']:.2f} s (target {targets[case]:.0f} s, {verdict}; CPU user "
            f"{r['repeat_user_cpu']:.2f} s, system {r['repeat_system_cpu']:.2f} s); first call "
            f"in a fresh process {r['first_seconds']:.2f} s; peak memory {r['peak_mb']:,.0f} MB "
            f"(input alone {r['input_peak_mb']:,.0f} MB)"
        )


if __name__ == "__main__":
    main()
