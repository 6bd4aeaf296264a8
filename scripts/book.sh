#!/usr/bin/env bash
# Set up the environment if needed, then render the book (HTML site + PDF) into _book/.
# Uses Quarto when it is installed, otherwise the offline path (Jupyter + pandoc + Typst).
# Extra arguments go to the renderer, e.g. `bash scripts/book.sh --offline`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m analysis.book "$@"
