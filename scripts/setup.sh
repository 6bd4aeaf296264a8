#!/usr/bin/env bash
# Create (or reuse) the project environment. Safe to run again: finished steps are skipped.
#   - installs R from Debian packages when R is absent and we are root with apt-get
#   - creates .venv and installs the pinned Python dependencies (constraints.txt)
# Environment: PYTHON (default python3), SKIP_R=1 to never install R.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

log() { printf '[setup] %s\n' "$*" >&2; }

# 1. R (optional: the R bridge and the R comparison tests need it)
R_PACKAGES="r-base-core r-base-dev"
if ! command -v R >/dev/null 2>&1 && [ "${SKIP_R:-0}" != 1 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "R not found: installing $R_PACKAGES from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || log "apt-get update failed; trying the install anyway"
    apt-get install -y -qq --no-install-recommends $R_PACKAGES >/dev/null \
      || log "could not install R: the R bridge will be unavailable and R tests will skip"
  else
    log "R not found and cannot install it here (needs root and apt-get): R tests will skip"
  fi
fi

# 2. Python environment
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
extras="dev"
if command -v R >/dev/null 2>&1; then extras="dev,r"; fi
stamp_key=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-$extras
if [ "$(cat .setup-stamp 2>/dev/null)" != "$stamp_key" ]; then
  log "installing Python dependencies (extras: $extras)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[$extras]"
  echo "$stamp_key" > .setup-stamp
else
  log "Python environment up to date"
fi
