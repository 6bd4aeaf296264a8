"""Benchmark the data layer: generate the default population, aggregate 10 million people.

Each step runs in its own Python subprocess so its peak memory (maximum resident set size)
is its own. Run with ``.venv/bin/python benchmarks/bench_data.py [--people 10000000]``.

1. ``generate``: :func:`analysis.data.generate_population` at the default ~1,000,000 people.
2. ``aggregate``: the default tables are copied ``--people / 1,000,000`` times (new person
   ids) into a DuckDB database file; a fresh process then runs
   :func:`analysis.data.aggregate_events` (deaths by cause, by sex, IMD quintile and ethnicity,
   ESP 2013 bands, 5 years) and :func:`analysis.data.population_at_risk` on it with 2 threads.
   Target: aggregation <= 10 s and <= 3 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_generate() -> dict:
    from analysis.data import generate_population

    start = time.perf_counter()
    pop = generate_population()
    return {
        "seconds": time.perf_counter() - start,
        "peak_mb": _peak_mb(),
        "people": len(pop.people),
    }


def step_build(db: str, copies: int) -> dict:
    import duckdb

    from analysis.data import default_dataset

    base = default_dataset()
    con = duckdb.connect(db)
    offset = int(base.people["person_id"].max())
    for name in ("people", "deaths", "areas"):
        con.register(f"src_{name}", getattr(base, name))
    con.execute(
        f"CREATE TABLE people AS SELECT * REPLACE (person_id + k * {offset} AS person_id) "
        f"FROM src_people CROSS JOIN range({copies}) t(k)"
    )
    con.execute(
        f"CREATE TABLE deaths AS SELECT * REPLACE (person_id + k * {offset} AS person_id) "
        f"FROM src_deaths CROSS JOIN range({copies}) t(k)"
    )
    con.execute("CREATE TABLE areas AS SELECT * FROM src_areas")
    n = con.execute("SELECT count(*) FROM people").fetchone()[0]
    con.close()
    return {"people": n}


def step_aggregate(db: str) -> dict:
    import duckdb

    from analysis.data import aggregate_events, population_at_risk

    con = duckdb.connect(db, read_only=True)
    con.execute("SET threads = 2")
    start = time.perf_counter()
    events = aggregate_events(con, "deaths", group_by=["sex", "imd_quintile", "ethnicity"])
    t_events = time.perf_counter() - start
    start = time.perf_counter()
    popn = population_at_risk(con, group_by=["district_name", "sex"])
    t_pop = time.perf_counter() - start
    return {
        "aggregate_events_seconds": t_events,
        "population_at_risk_seconds": t_pop,
        "rows_out": len(events) + len(popn),
        "person_years": int(popn["population"].sum()),
        "peak_mb": _peak_mb(),
    }


def _run(step: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--step", choices=("generate", "build", "aggregate"))
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.step == "generate":
        print(json.dumps(step_generate()))
        return
    if args.step == "build":
        print(json.dumps(step_build(args.db, max(1, args.people // 1_000_000))))
        return
    if args.step == "aggregate":
        print(json.dumps(step_aggregate(args.db)))
        return

    gen = _run("generate")
    print(
        f"generate default population: {gen['people']:,} people in {gen['seconds']:.1f} s, "
        f"peak memory {gen['peak_mb']:,.0f} MB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "people.duckdb")
        built = _run("build", "--db", db, "--people", str(args.people))
        agg = _run("aggregate", "--db", db)
    print(
        f"aggregate {built['people']:,} people x 5 years in DuckDB (2 threads): "
        f"deaths by sex x quintile x ethnicity x year x age band {agg['aggregate_events_seconds']:.2f} s, "
        f"population at risk by district x sex {agg['population_at_risk_seconds']:.2f} s, "
        f"peak memory {agg['peak_mb']:,.0f} MB (target <= 10 s and <= 3,000 MB)"
    )


if __name__ == "__main__":
    main()
