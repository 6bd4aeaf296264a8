"""Benchmark: render the whole book (HTML + PDF) offline, cold and with nothing changed.

The book's sources (``_quarto.yml`` and its profiles, ``index.qmd``, ``chapters/``, ``references.bib``) are copied
to a temporary folder and rendered there with their own output folder and render cache, so the
project's ``_book/`` and ``.cache/book/`` are untouched and edits others make meanwhile do not
disturb the timing. Steps, on the default (synthetic) data:

1. **cold**: empty render cache, so every chapter runs; with ``--fresh-data`` the default
   dataset is also generated on first use into a temporary ``NHS_SYNTHETIC_DIR``, as on a new
   machine (otherwise the project's generated data files are read). Target <= 5 minutes on
   2 cores.
2. **warm**: the same render again with nothing changed: no chapter runs. Target <= 30 s.
3. **one chapter edited**: a sentence is appended to one chapter's copy and the book rendered
   again; only that chapter should run (the cache is keyed by each chapter's own source).

Wall-clock times are the targets; CPU times (this process and the chapters' kernels) are
printed too, since wall-clock times on a shared machine grow with its load (printed).
Run: ``.venv/bin/python benchmarks/bench_book.py [--fresh-data] [--edit chapters/x.qmd]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (
    "_quarto.yml",
    "_quarto-site.yml",
    "_quarto-stakeholder.yml",
    "_quarto-technical.yml",
    "index.qmd",
    "chapters",
    "references.bib",
)
COLD_TARGET, WARM_TARGET = 300.0, 30.0


def copy_sources(target: Path) -> None:
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("_*", ".*"))
        else:
            shutil.copyfile(source, target / name)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the chapters' kernels, pandoc)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def render(
    root: Path, cache: Path, *, chapter_times: bool = False
) -> tuple[float, float, list[str]]:
    """Wall-clock and CPU seconds of one offline render of the book at ``root``, and the
    chapters that ran."""
    from analysis.book import load_project, render_offline

    def log(line: str) -> None:
        if chapter_times and line.startswith("  "):
            print(line)

    start, cpu = time.perf_counter(), cpu_seconds()
    result = render_offline(load_project(root), cache_dir=cache, log=log)
    return time.perf_counter() - start, cpu_seconds() - cpu, result.executed


def verdict(seconds: float, cpu: float, target: float) -> str:
    met = "PASS" if seconds <= target else "MISS"
    return f"{seconds:.1f} s wall, {cpu:.1f} s CPU (target <= {target:.0f} s wall: {met})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--fresh-data", action="store_true", help="generate the default data too (new machine)"
    )
    parser.add_argument(
        "--edit", default="chapters/how-this-book-works.qmd", help="chapter to edit in step 3"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-book-") as folder:
        root, cache = Path(folder) / "book", Path(folder) / "cache"
        root.mkdir()
        copy_sources(root)
        if args.fresh_data:
            os.environ["NHS_SYNTHETIC_DIR"] = str(Path(folder) / "synthetic")
        print(
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
            f"default data {'generated on first use' if args.fresh_data else 'already on disk'}"
        )
        cold, cpu, executed = render(root, cache, chapter_times=True)
        print(f"cold render, {len(executed)} chapters run: {verdict(cold, cpu, COLD_TARGET)}")
        warm, cpu, executed = render(root, cache)
        print(
            f"warm render, nothing changed ({len(executed)} chapters run): "
            f"{verdict(warm, cpu, WARM_TARGET)}"
        )
        with (root / args.edit).open("a", encoding="utf-8") as chapter:
            chapter.write("\nOne more sentence, added by the benchmark.\n")
        edited, cpu, executed = render(root, cache)
        print(
            f"after editing {args.edit}: {edited:.1f} s wall, {cpu:.1f} s CPU; "
            f"chapters run: {', '.join(executed)}"
        )
        print(f"load average now {os.getloadavg()[0]:.1f} (wall times grow with other work)")


if __name__ == "__main__":
    main()
