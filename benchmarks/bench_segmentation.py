"""Benchmark segmenting 1,000,000 people: fit latent classes on a sample, assign everyone.

Target: <= 60 s and peak memory <= 4 GB on 2 cores. Run with
``.venv/bin/python benchmarks/bench_segmentation.py [--people 1000000]``.

The synthetic population is generated first (not timed) and written to a Parquet file; a
fresh Python process (limited to 2 threads) then reads the condition flags, age and sex
and times :func:`analysis.segmentation.segment_people` (BIC over 1-8 segments, fitted on
a random sample of 200,000 people) plus :meth:`PeopleSegmentation.assign` for everyone.
Its peak memory is the maximum resident set size of that process, data included.
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


def child(path: str) -> None:
    import pandas as pd

    from analysis.segmentation import segment_people

    people = pd.read_parquet(path, columns=CONDITIONS + COVARIATES)
    start = time.perf_counter()
    seg = segment_people(
        people, CONDITIONS, COVARIATES, bins={"age": AGE_GROUPS}, sample_size=200_000, seed=1
    )
    fitted = time.perf_counter()
    assigned = seg.assign(people)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "people": len(assigned),
                "segments": seg.n_segments,
                "fit_seconds": fitted - start,
                "assign_seconds": done - fitted,
                "total_seconds": done - start,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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
        path = str(Path(folder) / "people.parquet")
        generate_population(n_people=args.people, seed=2024).people.to_parquet(path)
        threads = {k: "2" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        out = subprocess.run(
            [sys.executable, __file__, "--child", path],
            env={**os.environ, **threads},
            capture_output=True,
            text=True,
            check=True,
        )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"segment {result['people']:,} people into {result['segments']} segments (2 threads)")
    print(f"  fit on 200,000 (BIC 1-8): {result['fit_seconds']:.1f} s")
    print(f"  assign everyone:          {result['assign_seconds']:.1f} s")
    print(f"  total time:               {result['total_seconds']:.1f} s (target <= 60 s)")
    print(f"  peak memory:              {result['peak_mb']:,.0f} MB (target <= 4,096 MB)")


if __name__ == "__main__":
    main()
