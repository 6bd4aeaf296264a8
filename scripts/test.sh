#!/usr/bin/env bash
# Set up the environment if needed, then run the whole test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/measures -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then echo "no tests were collected" >&2; fi
exit "$rc"
