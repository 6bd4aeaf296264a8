"""``python -m analysis.book``: render the book with Quarto, or offline without it.

Examples::

    python -m analysis.book                      # Quarto if installed, else offline
    python -m analysis.book --offline --only chapters/how-this-book-works.qmd --html-only
    NHS_ANALYSIS_CONFIG=examples/second-dataset.yml python -m analysis.book --output-dir _book-example

The chapters read the data named by the configuration file (``analysis.yml`` or
``$NHS_ANALYSIS_CONFIG``; see ``analysis.example.yml``). The book is written into a staging
folder and published in place of the old one only when the disclosure check of everything in
it passes; otherwise the published book is left as it was.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from analysis.book.offline import render_offline
from analysis.book.project import BookError, load_project
from analysis.book.quarto import quarto_available, render_with_quarto
from analysis.book.reference import write_reference


def main(argv: list[str] | None = None) -> int:
    """Render the book from the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis.book", description=__doc__.split("\n")[0]
    )
    path = parser.add_mutually_exclusive_group()
    path.add_argument("--offline", action="store_true", help="never use Quarto")
    path.add_argument("--quarto", action="store_true", help="require Quarto")
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--html-only", action="store_true", help="only the HTML site")
    formats.add_argument("--pdf-only", action="store_true", help="only the PDF")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="CHAPTER",
        help="chapter files to render, e.g. chapters/intro.qmd",
    )
    parser.add_argument("--root", default=".", help="project folder (default: current)")
    parser.add_argument(
        "--output-dir",
        metavar="FOLDER",
        help="write the book here instead of _quarto.yml's output-dir (e.g. for other data)",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="run every chapter's code again, even when its cached results match (offline)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        project = load_project(args.root)
        if args.output_dir:
            project = replace(project, output_dir=Path(args.output_dir).resolve())
        unknown = [c for c in args.only or [] if c not in project.chapters]
        if unknown:
            raise BookError(
                f"--only: not chapters of the book (see _quarto.yml): {', '.join(unknown)}"
            )
        use_quarto = args.quarto or (not args.offline and quarto_available())
        if args.quarto and not quarto_available():
            raise BookError("--quarto: quarto is not on PATH (use --offline, or install Quarto)")
        if use_quarto:
            print("Rendering with Quarto (quarto render)")
            for path in render_with_quarto(
                project,
                only=args.only,
                html_output=not args.pdf_only,
                pdf_output=not args.html_only,
            ):
                print(f"Published: {path}")
        else:
            print("Rendering offline (Jupyter + pandoc + Typst; Quarto not used)")
            write_reference(project.root)  # Quarto runs it as the project's pre-render step
            render_offline(
                project,
                only=args.only,
                html_output=not args.pdf_only,
                pdf_output=not args.html_only,
                refresh=args.refresh,
            )
    except BookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
