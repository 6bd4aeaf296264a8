"""Command line: ``python -m analysis.data truth|reference|default``.

- ``truth`` writes ``data/truth.json`` from :mod:`analysis.data.parameters`;
- ``reference`` writes the reference tables in ``data/reference/``;
- ``default`` generates (or checks) the default dataset in ``data/synthetic/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def main(argv: list[str]) -> int:
    """Run a data command (``truth``, ...) from the command line; return the exit status."""
    command = argv[0] if argv else ""
    if command == "truth":
        from analysis.data.synthetic import write_truth

        print(write_truth(DATA_DIR / "truth.json"))
    elif command == "reference":
        from analysis.data.reference import write_reference_tables

        for path in write_reference_tables(DATA_DIR / "reference"):
            print(path)
    elif command == "default":
        from analysis.data.loaders import default_dataset

        print(f"{len(default_dataset().people):,} people")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
