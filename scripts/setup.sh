#!/usr/bin/env bash
# Create (or reuse) the project environment. Safe to run again: finished steps are skipped.
#   - installs R, Java and a PostgreSQL server from Debian packages when they are absent and
#     we are root with apt-get
#   - creates .venv and installs the pinned Python dependencies (constraints.txt), with the
#     extras dev (tests), scale (PySpark, SQLAlchemy, psycopg) and r (rpy2, when R is present)
# Environment: PYTHON (default python3), SKIP_R=1 to never install R, SKIP_SCALE=1 to never
# install Java or PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

log() { printf '[setup] %s\n' "$*" >&2; }

# Debian packages, installed only when missing and we are root with apt-get.
apt_updated=0
apt_install() {  # apt_install WHAT PACKAGE...: log and carry on if it fails
  local what=$1; shift
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "$what not found and cannot install it here (needs root and apt-get): its tests will skip"
    return 0
  fi
  log "$what not found: installing $* from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq >/dev/null || log "apt-get update failed; trying the install anyway"
    apt_updated=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || log "could not install $what: its tests will skip"
}

# 1. R (optional: the R bridge and the R comparison tests need it)
if ! command -v R >/dev/null 2>&1 && [ "${SKIP_R:-0}" != 1 ]; then
  apt_install R r-base-core r-base-dev r-cran-mass
elif command -v Rscript >/dev/null 2>&1 && [ "${SKIP_R:-0}" != 1 ] \
  && ! Rscript -e 'library(MASS)' >/dev/null 2>&1; then
  apt_install "R's MASS package (negative binomial comparison)" r-cran-mass
fi

# 2. Java and a PostgreSQL server (optional: the Spark and PostgreSQL engine tests need them;
#    the tests start their own throwaway PostgreSQL cluster, nothing is configured here)
if [ "${SKIP_SCALE:-0}" != 1 ]; then
  command -v java >/dev/null 2>&1 || apt_install Java default-jre-headless
  if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install "PostgreSQL server" postgresql
  fi
fi

# Headless Chromium and its WebDriver (optional: the book's browser test,
# tests/book/test_browser.py, needs them; SKIP_BROWSER=1 to never install them)
if [ "${SKIP_BROWSER:-0}" != 1 ] \
  && { ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; }; then
  apt_install "Chromium (browser test)" chromium chromium-driver
fi

# 3. Python environment
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
extras="dev,scale"
if command -v R >/dev/null 2>&1; then extras="$extras,r"; fi
stamp_key=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-$extras
if [ "$(cat .setup-stamp 2>/dev/null)" != "$stamp_key" ]; then
  log "installing Python dependencies (extras: $extras)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[$extras]"
  echo "$stamp_key" > .setup-stamp
else
  log "Python environment up to date"
fi
