"""Benchmark segmenting 1,000,000 people as the book does: on pattern counts from the engine.

Target: <= 60 s and peak memory <= 4 GB on 2 cores. Run with
``.venv/bin/python benchmarks/bench_segmentation.py [--people 1000000]``.

The synthetic population is generated first (not timed) and written to Parquet files; a
fresh Python process (limited to 2 threads) then opens them in DuckDB and times the steps of
the *Segments and peers* chapter: the people counted by response pattern in the engine
(:func:`analysis.data.chapter_aggregates.strata_counts`), the latent class fit on every
person's pattern counts (:func:`analysis.segmentation.segment_patterns`, BIC over 1-8
segments, elbow), the bootstrap stability (30 resamples) and everyone assigned and counted by
deprivation decile in the engine (:func:`analysis.data.chapter_aggregates.class_counts`). Its
peak memory is the maximum resident set size of that process, the engine included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONDITIONS = [
    "hypertension_recorded", "chd", "stroke_tia", "heart_failure", "atrial_fibrillation",
    "diabetes", "ckd", "copd", "asthma", "depression", "dementia", "cancer",
]  # fmt: skip
COVARIATES = ["age", "sex"]
AGE_GROUPS = [18, 40, 65, 80]


def child(folder: str) -> None:
    from analysis.data.chapter_aggregates import class_counts, strata_counts
    from analysis.data.engines import DuckDBEngine
    from analysis.segmentation import segment_patterns

    engine = DuckDBEngine()
    for name in ("people", "areas"):
        engine.attach_files(name, Path(folder) / f"{name}.parquet", "parquet")
    steps = {"start": time.perf_counter()}
    patterns = strata_counts(engine, [*CONDITIONS, "sex"], age_groups=AGE_GROUPS)
    steps["count"] = time.perf_counter()
    seg = segment_patterns(
        patterns, CONDITIONS, COVARIATES, bins={"age": AGE_GROUPS}, n_segments="elbow", seed=1
    )
    steps["fit"] = time.perf_counter()
    seg.stability(repetitions=30, seed=1)
    steps["stability"] = time.perf_counter()
    assigned = class_counts(
        engine, seg.pattern_classes(patterns), ["imd_decile"], age_groups=AGE_GROUPS
    )
    steps["assign"] = time.perf_counter()
    names = list(steps)
    usage = resource.getrusage(resource.RUSAGE_SELF)  # CPU of the whole process, setup included
    print(
        json.dumps(
            {
                "people": int(assigned["n"].sum()),
                "patterns": len(patterns),
                "segments": seg.n_segments,
                **{
                    f"{b}_seconds": steps[b] - steps[a]
                    for a, b in zip(names[:-1], names[1:], strict=True)
                },
                "total_seconds": steps["assign"] - steps["start"],
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from analysis.data import generate_population

    with tempfile.TemporaryDirectory() as folder:
        population = generate_population(n_people=args.people, seed=2024)
        for name in ("people", "areas"):
            getattr(population, name).to_parquet(Path(folder) / f"{name}.parquet")
        del population
        threads = {k: "2" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        out = subprocess.run(
            [sys.executable, __file__, "--child", folder],
            env={**os.environ, **threads},
            capture_output=True,
            text=True,
            check=True,
        )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"segment {r['people']:,} people into {r['segments']} segments (2 threads, DuckDB)")
    print(f"  count {r['patterns']:,} patterns in the engine: {r['count_seconds']:.1f} s")
    print(f"  fit on every person's pattern (BIC 1-8):  {r['fit_seconds']:.1f} s")
    print(f"  bootstrap stability (30 resamples):       {r['stability_seconds']:.1f} s")
    print(f"  assign everyone in the engine:            {r['assign_seconds']:.1f} s")
    print(f"  total time: {r['total_seconds']:.1f} s (target <= 60 s)")
    print(f"  CPU time of the process: {r['cpu_seconds']:.1f} s (wall time above counts the load)")
    print(f"  peak memory: {r['peak_mb']:,.0f} MB (target <= 4,096 MB)")


if __name__ == "__main__":
    main()
