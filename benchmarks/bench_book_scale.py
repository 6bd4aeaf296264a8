"""Benchmark: the book's chapters on a national-sized extract, aggregated in the engine.

Writes (or reuses) ``--people`` synthetic people as hive-partitioned Parquet with every table
the chapters use (:mod:`benchmarks.scale_data`: areas, practices, people, deaths, cancers,
admissions), points a configuration file at it (``data.engine`` DuckDB, or Spark
``local[2]`` with ``--engine spark``) and runs each chapter that takes its data from
``configured_source()`` in a Jupyter kernel, as the book's renderer does (no render cache).
For each chapter it prints the wall-clock time, the CPU time (of this process and the ended
kernel with its JVM) and the peak resident memory of all processes together (this one, the
chapter's kernel and, for Spark, its JVM), sampled every 0.2 s from the process tree; and the
load average before and after, since wall-clock times on a shared machine grow with its load
(CPU time does not). Targets (issue #16, 10 million people, DuckDB): peak < 4 GB, whole run < 10 minutes.
The schema checks' record of extracts that passed (:func:`analysis.data.configured.checked_directory`)
starts empty, so the first chapter checks the extract and the others skip it, as in a render.

The chapters that still load person rows into memory (listed in
``tests/book/test_chapter_template.py``) are skipped and named: they would hold the whole
extract in pandas.

Run: ``.venv/bin/python benchmarks/bench_book_scale.py --people 10M [--engine spark]
[--data /tmp/scale-10M] [--chapters chapters/population.qmd ...]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from bench_scale import parse_size
from scale_data import write_dataset

from analysis.data.configured import CHECKED_DIR_ENV_VAR

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the list of chapters still on person rows


MEMORY_TARGET_GB, TIME_TARGET_S = 4.0, 600.0


class PeakMemory:
    """Peak summed RSS of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = psutil.Process()
        total = 0
        for process in [me, *me.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.Error:  # a process that just ended
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """CPU time of this process and of its ended children (the kernels, and their JVMs)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def engine_chapters() -> list[str]:
    from analysis.book import load_project

    project = load_project(ROOT)
    return [c for c in project.chapters if c not in project.appendices]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", default="10M", help="number of people: 10M, 50M, 200000")
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--data", help="folder of the Parquet tables (written if absent)")
    parser.add_argument("--chapters", nargs="+", help="run only these chapters (default: all)")
    args = parser.parse_args()
    n_people = parse_size(args.people)
    data = Path(args.data or Path(tempfile.gettempdir()) / f"bench-book-scale-{args.people}")
    if not (data / "people").exists():
        start = time.perf_counter()
        write_dataset(data, n_people)
        print(f"wrote {n_people:,} people to {data} in {time.perf_counter() - start:.0f} s")
    from analysis.book.execute import execute_chapter
    from analysis.book.qmd import read_qmd

    with tempfile.TemporaryDirectory(prefix="bench-book-scale-") as folder:
        config = Path(folder) / "analysis.yml"
        spark = "  engine: spark\n  connection: local[2]\n" if args.engine == "spark" else ""
        config.write_text(f"data:\n  source: person\n  format: parquet\n  path: {data}\n{spark}")
        os.environ["NHS_ANALYSIS_CONFIG"] = str(config)
        os.environ[CHECKED_DIR_ENV_VAR] = str(Path(folder) / "checked")
        print(
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
            f"{n_people:,} people, {args.engine}"
        )
        total, total_cpu, overall_peak = 0.0, 0.0, 0
        for chapter in args.chapters or engine_chapters():
            start, load_before, cpu_before = time.perf_counter(), os.getloadavg()[0], cpu_seconds()
            with PeakMemory() as memory:
                try:
                    execute_chapter(
                        read_qmd(ROOT / chapter),
                        cache_dir=Path(folder) / "cache",
                        fingerprint="bench",
                        label=chapter,
                        refresh=True,
                        timeout=3600,
                    )
                    status = "ok"
                except Exception as error:  # report and go on with the next chapter
                    status = f"FAILED: {str(error).splitlines()[0]}"
            seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_before
            total, total_cpu = total + seconds, total_cpu + cpu
            overall_peak = max(overall_peak, memory.peak)
            print(
                f"  {chapter}: {seconds:.1f} s (CPU {cpu:.0f} s), peak {memory.peak / 1e9:.2f} GB, "
                f"load {load_before:.1f}-{os.getloadavg()[0]:.1f} -- {status}",
                flush=True,
            )
        memory_ok = "PASS" if overall_peak / 1e9 < MEMORY_TARGET_GB else "MISS"
        time_ok = "PASS" if total < TIME_TARGET_S else "MISS"
        print(
            f"all chapters: {total:.0f} s, CPU {total_cpu:.0f} s "
            f"(target < {TIME_TARGET_S:.0f} s: {time_ok}), "
            f"peak {overall_peak / 1e9:.2f} GB (target < {MEMORY_TARGET_GB:.0f} GB: {memory_ok}); "
            f"load average now {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
