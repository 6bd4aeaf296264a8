#!/usr/bin/env bash
# Set up the environment if needed, then render the book into _book/: the HTML site (every
# chapter), the stakeholder PDF and the technical PDF (the Quarto profiles in _quarto-*.yml).
# The book is rendered into a staging folder and replaces _book/ only when the disclosure check
# of everything in it passes. Uses Quarto when it is installed, otherwise the offline path
# (Jupyter + pandoc + Typst).
# Extra arguments go to the renderer, e.g. `bash scripts/book.sh --offline`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m analysis.book "$@"
