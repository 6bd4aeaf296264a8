#!/usr/bin/env bash
# Set up the environment if needed, lint, then run the whole test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/measures -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
# the house style (ruff's rules and format, numpy docstrings) is part of the checks
.venv/bin/ruff check . && .venv/bin/ruff format --check .
lint=$?
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then echo "no tests were collected" >&2; fi
if [ "$lint" != 0 ] && [ "$rc" = 0 ]; then
  echo "ruff found style problems (above): run '.venv/bin/ruff check --fix . && .venv/bin/ruff format .'" >&2
  rc=1
fi
exit "$rc"
