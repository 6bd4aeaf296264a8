"""Benchmark issue 18's Spark target: the default indicator set on Spark local[2], against DuckDB.

Target (issue 18, item 5): ``python -m analysis.indicators`` on the default data (the synthetic
population of about a million people) with ``data.engine: spark`` on ``local[2]`` completes in
bounded memory, with driver memory and shuffle partitions from the configuration
(``data.spark``), in at most 3 times DuckDB's time.

Each engine runs the whole command (configuration, data, every indicator table, disclosure
control, files written) in a fresh Python process, so Spark's time includes starting its JVM.
Printed per engine: wall time, CPU seconds (the Python process and, for Spark, the JVM: unlike
wall time this does not grow when other programs share the cores), the Python process's peak
resident memory and the JVM's (``VmHWM``), and the machine's load average. The two output
folders must hold the same CSV files, byte for byte.

Run ``.venv/bin/python benchmarks/bench_spark.py [--n-people N] [--driver-memory 2g]
[--shuffle-partitions 8] [--repeat 1]``.
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

ROOT = Path(__file__).resolve().parents[1]
#: Spark may take at most this many times DuckDB's wall time (issue 18).
TARGET_RATIO = 3.0


def _jvms() -> list[Path]:
    """``/proc/<pid>`` of this process's child JVMs (the Spark driver, where local Spark works)."""
    pid = os.getpid()
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = [Path(f"/proc/{child}") for child in children]
    return [proc for proc in found if (proc / "comm").read_text().strip() == "java"]


def _child(engine: str, config: Path, out: Path) -> None:
    """Run the indicator command in this process; print its resource use as one JSON line."""
    from analysis.indicators import main

    started = time.perf_counter()
    status = main(["--config", str(config), "--out", str(out), "--quiet"])
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, jvm_peak, tick = usage.ru_utime + usage.ru_stime, 0, os.sysconf("SC_CLK_TCK")
    for jvm in _jvms():
        fields = (jvm / "stat").read_text().rsplit(")", 1)[1].split()  # 14-15: utime, stime
        cpu += (int(fields[11]) + int(fields[12])) / tick
        peak = next(line for line in (jvm / "status").read_text().splitlines() if "VmHWM" in line)
        jvm_peak = max(jvm_peak, int(peak.split()[1]) // 1024)
    result = {
        "engine": engine,
        "status": status,
        "wall_s": wall,
        "cpu_s": cpu,
        "python_peak_mb": usage.ru_maxrss // 1024,
        "jvm_peak_mb": jvm_peak,
    }
    print(json.dumps(result), flush=True)


def _run(engine: str, config: Path, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(config), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"{engine} run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _tables(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-people", type=int, default=None, help="default: the default data")
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument("--shuffle-partitions", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, config, out = args.child
        _child(engine, Path(config), Path(out))
        return
    people = f", n_people: {args.n_people}" if args.n_people else ""
    spark = (
        f"engine: spark, connection: 'local[2]', spark: {{driver_memory: {args.driver_memory}, "
        f"shuffle_partitions: {args.shuffle_partitions}}}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as work:
        folder = Path(work)
        configs = {
            "duckdb": f"data: {{engine: duckdb{people}}}\n",
            "spark": f"data: {{{spark}{people}}}\n",
        }
        results: dict[str, list[dict]] = {"duckdb": [], "spark": []}
        for round_ in range(args.repeat):
            for engine, text in configs.items():  # interleaved: both see the same load
                config = folder / f"{engine}.yml"
                config.write_text(text)
                load = os.getloadavg()[0]
                result = _run(engine, config, folder / f"{engine}-{round_}")
                result["load"] = (load + os.getloadavg()[0]) / 2
                results[engine].append(result)
                print(
                    f"{engine:7s} round {round_ + 1}: {result['wall_s']:7.1f} s wall, "
                    f"{result['cpu_s']:7.1f} s CPU, Python peak {result['python_peak_mb']:,} MB, "
                    f"JVM peak {result['jvm_peak_mb']:,} MB, load average {result['load']:.1f}",
                    flush=True,
                )
        same = _tables(folder / "duckdb-0") == _tables(folder / "spark-0")
    best = {engine: min(r["wall_s"] for r in runs) for engine, runs in results.items()}
    cpu = {engine: min(r["cpu_s"] for r in runs) for engine, runs in results.items()}
    ratio, cpu_ratio = best["spark"] / best["duckdb"], cpu["spark"] / cpu["duckdb"]
    print(f"same CSV tables from both engines: {same}")
    print(
        f"Spark / DuckDB: {ratio:.1f}x wall time (best of {args.repeat}), {cpu_ratio:.1f}x CPU "
        f"time; target at most {TARGET_RATIO:g}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
