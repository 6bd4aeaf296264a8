"""Benchmark issue 10's scale targets: write, then aggregate 10 and 50 million people.

Targets (issue 10, "Speed and memory"): 10 million person rows aggregated by DuckDB in <= 10 s
and 50 million in <= 45 s on 2 cores with peak memory <= 4 GB; PySpark (``local[2]``) timings
printed alongside. The issue says "generate and aggregate": both figures are printed, and the
sum is compared with the target too.

Each step runs in its own Python process; its peak memory is that process's maximum resident
set size (``os.wait4``: data, engine and Python together).

1. ``write``: :func:`scale_data.write_dataset` draws the *benchmark* population (plausible,
   schema-exact, not the book's synthetic population) and writes hive-partitioned Parquet
   (``people/district_code=.../``, ``deaths/year=.../`` ...); for the ``--csv`` sizes,
   :func:`scale_data.write_csv` copies it to one CSV file per table.
2. ``aggregate``: a fresh engine attaches the files lazily
   (:meth:`analysis.data.engines.Engine.attach_files`: views over Parquet, or CSV streamed;
   nothing is loaded into pandas) and runs :func:`analysis.data.aggregate_events` for CVD
   deaths by IMD quintile x sex x year x ESP 2013 age band, 2020-2024: one query returning the
   events with their population at risk, all a directly standardised rate needs. DuckDB: 2 threads, ``memory_limit`` 3 GB, spilling to a temporary
   directory. Spark: ``local[2]`` with 3 GB of driver memory; the JVM's peak (``VmHWM``) is
   printed beside the Python process's. The files were just written, so they are read from
   the operating system's cache, as on a warehouse node that holds them.

Checks, printed with the figures: the population in each year equals the people written minus
those who died in earlier years, and the CVD deaths equal the deaths file's count (both counted
independently with pyarrow); the CSV and Spark results equal DuckDB's on Parquet. (That the
population beside the events equals :func:`analysis.data.population_at_risk`'s is tested in
``tests/data/test_bench_scale_smoke.py``.)

Run ``.venv/bin/python benchmarks/bench_scale.py [--sizes 10M,50M] [--engines duckdb,spark]
[--csv 10M]``. Files go to ``.cache/bench_scale/`` (or ``--workdir``) and are deleted at the
end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import scale_data

from analysis.data import aggregate_events
from analysis.data import parameters as P
from analysis.data.engines import DuckDBEngine, Engine, SparkEngine, spark_session

ROOT = Path(__file__).resolve().parents[1]
#: Seconds allowed for aggregating each size (issue 10) and the peak memory for all of them.
TARGET_SECONDS = {10_000_000: 10.0, 50_000_000: 45.0}
TARGET_MB = 4096
BY = ("imd_quintile", "sex")
KEYS = [*BY, "year", "age_band"]
THREADS, DUCKDB_MEMORY = 2, "3GB"
SPARK_MASTER, SPARK_MEMORY = "local[2]", "3g"
#: Tables the aggregation reads (the others are written but not needed here).
READ_TABLES = ("people", "areas", "deaths")


def parse_size(text: str) -> int:
    """``"10M"`` -> 10,000,000; ``"20k"`` -> 20,000; plain digits as they are."""
    text = text.strip().upper().replace("_", "")
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * scale)


def open_engine(name: str, workdir: Path) -> Engine:
    """DuckDB limited to 2 threads and 3 GB (spilling under ``workdir``), or Spark local[2]."""
    if name == "duckdb":
        engine = DuckDBEngine()
        scale_data.configure(
            engine.con, threads=THREADS, memory_limit=DUCKDB_MEMORY, temp=str(workdir / "spill")
        )
        return engine
    if name == "spark":
        spark = spark_session(
            SPARK_MASTER,
            **{"spark.driver.memory": SPARK_MEMORY, "spark.local.dir": str(workdir / "spill")},
        )
        spark.sparkContext.setLogLevel("ERROR")
        return SparkEngine(spark)
    raise ValueError(f"engine is {name!r}; allowed: duckdb, spark")


def attach(engine: Engine, data_dir: Path, fmt: str) -> None:
    """The tables the aggregation reads, as lazily read files (Parquet folders or CSV files)."""
    for table in READ_TABLES:
        path = data_dir / table if fmt == "parquet" else data_dir / f"{table}.csv"
        engine.attach_files(table, path, fmt)


def _jvm_proc(engine: SparkEngine) -> Path:
    """``/proc/<pid>`` of the Spark driver's JVM (where a local Spark does its work)."""
    pid = engine.spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    return Path(f"/proc/{pid}")


def cpu_clock(engine: Engine) -> Callable[[], float]:
    """CPU seconds used so far by all threads doing the work: this Python process (DuckDB
    runs inside it), plus the JVM for Spark. Unlike wall time, this does not grow when other
    programs share the cores."""
    if not isinstance(engine, SparkEngine):
        return time.process_time
    stat, tick = _jvm_proc(engine) / "stat", os.sysconf("SC_CLK_TCK")

    def clock() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()  # fields 14-15: utime, stime
        return (int(fields[11]) + int(fields[12])) / tick + time.process_time()

    return clock


def aggregate(engine: Engine) -> tuple[pd.DataFrame, dict[str, float]]:
    """CVD deaths with their population at risk by IMD quintile x sex x year x age band,
    timed (wall seconds ``seconds`` and CPU seconds ``cpu_s``)."""
    cpu = cpu_clock(engine)
    wall0, cpu0 = time.perf_counter(), cpu()
    events = aggregate_events(engine, "deaths", cause="CVD", group_by=list(BY))
    return events, {"seconds": time.perf_counter() - wall0, "cpu_s": cpu() - cpu0}


# --- steps, each run in a child process ------------------------------------------------------


def step_write(data_dir: str, n_people: int) -> dict:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    rows = scale_data.write_dataset(data_dir, n_people, threads=THREADS)
    return {
        "seconds": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0,
        "rows": rows,
    }


def step_csv(data_dir: str, csv_dir: str) -> dict:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    scale_data.write_csv(data_dir, csv_dir, threads=THREADS, memory_limit=DUCKDB_MEMORY)
    return {"seconds": time.perf_counter() - wall0, "cpu_s": time.process_time() - cpu0}


def _jvm_peak_mb(engine: SparkEngine) -> float:
    for line in (_jvm_proc(engine) / "status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def step_aggregate(engine_name: str, data_dir: str, fmt: str, out: str, workdir: str) -> dict:
    start = time.perf_counter()
    engine = open_engine(engine_name, Path(workdir))
    started = time.perf_counter() - start
    attach(engine, Path(data_dir), fmt)
    events, timings = aggregate(engine)
    events.to_parquet(f"{out}_events.parquet")
    result = {"start_s": started, **timings}
    if isinstance(engine, SparkEngine):
        result["jvm_peak_mb"] = _jvm_peak_mb(engine)
        engine.spark.stop()
    return result


STEPS = {"write": step_write, "csv": step_csv, "aggregate": step_aggregate}


def run_step(folder: Path, step: str, **kwargs) -> tuple[dict, float]:
    """Run ``step`` in a child process; return its result and its peak memory in MB."""
    result_file = folder / f"{step}-result.json"
    log_file = folder / f"{step}.log"
    cmd = [sys.executable, __file__, "--step", step, "--kwargs", json.dumps(kwargs)]
    with log_file.open("w") as log:
        proc = subprocess.Popen(
            [*cmd, "--result", str(result_file)], cwd=ROOT, stdout=log, stderr=log
        )
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        tail = "\n".join(log_file.read_text().splitlines()[-30:])
        raise RuntimeError(f"step {step} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(result_file.read_text()), usage.ru_maxrss / 1024


# --- checks -----------------------------------------------------------------------------------


def file_counts(data_dir: Path) -> dict:
    """Independent counts with pyarrow: people, alive on 1 January of each year, CVD deaths."""
    people = ds.dataset(data_dir / "people", format="parquet", partitioning="hive").count_rows()
    deaths = ds.dataset(data_dir / "deaths", format="parquet", partitioning="hive").to_table(
        columns=["year", "cause_group"]
    )
    year = deaths.column("year").to_numpy()
    cvd = deaths.column("cause_group").to_numpy(zero_copy_only=False) == "CVD"
    return {
        "people": people,
        "alive": {y: people - int((year < y).sum()) for y in P.YEARS},
        "cvd_deaths": int((cvd & np.isin(year, P.YEARS)).sum()),
    }


def check(events: pd.DataFrame, counts: dict) -> list[str]:
    """Failures of the aggregate against the independent counts (empty when all agree)."""
    failures = []
    alive = events.groupby("year")["population"].sum().to_dict()
    if alive != counts["alive"]:
        failures.append(f"population by year {alive} != pyarrow {counts['alive']}")
    if int(events["events"].sum()) != counts["cvd_deaths"]:
        failures.append(f"CVD deaths {events['events'].sum()} != pyarrow {counts['cvd_deaths']}")
    return failures


def same_frames(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    except AssertionError:
        return False
    return True


# --- the benchmark ----------------------------------------------------------------------------


def verdict(value: float, limit: float | None, unit: str) -> str:
    """``"target <= 10 s: PASS"`` (or ``MISS``); ``"no target"`` without a limit."""
    if limit is None:
        return "no target"
    return f"target <= {limit:,.0f} {unit}: {'PASS' if value <= limit else 'MISS'}"


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def bench_size(
    n_people: int, engines: list[str], csv: bool, workdir: Path, rows: list[dict]
) -> None:
    label = f"{n_people:,} people"
    data_dir, csv_dir = workdir / "parquet", workdir / "csv"
    for folder in (data_dir, csv_dir, workdir / "spill"):
        shutil.rmtree(folder, ignore_errors=True)
    written, write_mb = run_step(workdir, "write", data_dir=str(data_dir), n_people=n_people)
    r = written["rows"]
    print(
        f"\n{label} (load average {os.getloadavg()[0]:.1f}): wrote {r['deaths']:,} deaths, {r['cancers']:,} cancers, "
        f"{r['admissions']:,} admissions, {r['areas']:,} areas as hive-partitioned Parquet "
        f"({folder_mb(data_dir):,.0f} MB) in {written['seconds']:.1f} s ({written['cpu_s']:.1f} s CPU), "
        f"peak memory {write_mb:,.0f} MB",
        flush=True,
    )
    rows.append(
        {
            "work": f"write {label} (Parquet)",
            "seconds": written["seconds"],
            "cpu": written["cpu_s"],
            "mb": write_mb,
        }
    )
    counts = file_counts(data_dir)
    limit = TARGET_SECONDS.get(n_people)
    routes = [(e, "parquet") for e in engines]
    if csv:
        done, csv_mb = run_step(workdir, "csv", data_dir=str(data_dir), csv_dir=str(csv_dir))
        print(
            f"  copied to CSV ({folder_mb(csv_dir):,.0f} MB) in {done['seconds']:.1f} s "
            f"({done['cpu_s']:.1f} s CPU), "
            f"peak memory {csv_mb:,.0f} MB",
            flush=True,
        )
        routes.append(("duckdb", "csv"))
    reference = None
    for engine, fmt in routes:
        out = workdir / f"{engine}_{fmt}"
        source = data_dir if fmt == "parquet" else csv_dir
        res, peak = run_step(
            workdir,
            "aggregate",
            engine_name=engine,
            data_dir=str(source),
            fmt=fmt,
            out=str(out),
            workdir=str(workdir),
        )
        events = pd.read_parquet(f"{out}_events.parquet")
        failures = check(events, counts)
        if reference is None:
            reference = events
        elif not same_frames(events, reference):
            failures.append("result differs from DuckDB on Parquet")
        seconds, cpu = res["seconds"], res["cpu_s"]
        memory = f"peak memory {peak:,.0f} MB"
        if "jvm_peak_mb" in res:
            memory += f" (Python) + {res['jvm_peak_mb']:,.0f} MB (JVM)"
        target = limit if engine == "duckdb" else None
        print(
            f"  {engine} on {fmt.upper()}: aggregate_events (events and population) "
            f"{seconds:.2f} s ({cpu:.1f} s CPU) "
            f"({verdict(seconds, target, 's')}); {memory}"
            + (f" ({verdict(peak, TARGET_MB, 'MB')})" if engine == "duckdb" else "")
            + (f"; session start {res['start_s']:.1f} s" if engine == "spark" else "")
            + f"; checks {'OK' if not failures else 'FAILED: ' + '; '.join(failures)}",
            flush=True,
        )
        if engine == "duckdb" and fmt == "parquet" and target is not None:
            total, total_cpu = written["seconds"] + seconds, written["cpu_s"] + cpu
            print(
                f"  write + aggregate with DuckDB: {total:.1f} s ({total_cpu:.1f} s CPU) "
                f"({verdict(total, target, 's')})"
            )
        mb = peak + res.get("jvm_peak_mb", 0.0)
        rows.append(
            {
                "work": f"aggregate {label}, {engine}, {fmt}",
                "seconds": seconds,
                "cpu": cpu,
                "mb": mb,
            }
        )
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(csv_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10M,50M", help="people per run, e.g. 10M,50M")
    parser.add_argument("--engines", default="duckdb,spark", help="duckdb and/or spark")
    parser.add_argument("--csv", default="10M", help="sizes also aggregated from CSV ('' none)")
    parser.add_argument("--workdir", default=str(ROOT / ".cache" / "bench_scale"))
    parser.add_argument("--keep", action="store_true", help="keep the work folder's logs")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--kwargs", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        result = STEPS[args.step](**json.loads(args.kwargs))
        Path(args.result).write_text(json.dumps(result))
        return

    sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    csv_sizes = {parse_size(s) for s in args.csv.split(",") if s}
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    free_gb = shutil.disk_usage(workdir).free / 1e9
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, load average "
        f"{os.getloadavg()[0]:.1f}; free disk {free_gb:,.0f} GB; DuckDB {THREADS} threads, "
        f"memory_limit {DUCKDB_MEMORY}; Spark {SPARK_MASTER}, driver memory {SPARK_MEMORY}"
    )
    rows: list[dict] = []
    try:
        for n in sizes:
            bench_size(n, engines, n in csv_sizes, workdir, rows)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n| work | wall s | CPU s | peak MB |\n| --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['work']} | {row['seconds']:.1f} | {row['cpu']:.1f} | {row['mb']:,.0f} |")


if __name__ == "__main__":
    main()
