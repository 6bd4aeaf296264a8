#!/usr/bin/env bash
# Create (or reuse) the project environment. Safe to run again: finished steps are skipped.
#   - installs R, Java, a PostgreSQL server and headless Chromium (browser test) from Debian
#     packages when they are absent and we are root with apt-get
#   - creates .venv and installs the pinned Python dependencies (constraints.txt), with the
#     extras book (the renderer), dev (tests), scale (PySpark, SQLAlchemy, psycopg) and r
#     (rpy2, when R is present)
# Environment: PYTHON (default python3), SKIP_R=1 to never install R, SKIP_SCALE=1 to never
# install Java or PostgreSQL, SKIP_BROWSER=1 to never install Chromium.
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

# 1b. The R packages the R bridge compares with: PHEindicatormethods and FunnelPlotR. Their
#     dependencies come from Debian (root with apt-get); the packages from CRAN where CRAN
#     answers within a few seconds (a user with internet gets the CRAN releases), otherwise
#     from the folder NHS_R_PACKAGES (default ../shared/r-packages when it exists) holding
#     <package>_<version>.tar.gz. Skipped when both are installed and no local file is newer.
#     R_PACKAGES_CRAN (default https://cloud.r-project.org) names the CRAN mirror.
R_BRIDGE_PACKAGES="PHEindicatormethods FunnelPlotR"
R_BRIDGE_DEBIAN="r-cran-dplyr r-cran-tidyr r-cran-purrr r-cran-rlang r-cran-tibble \
r-cran-tidyselect r-cran-broom r-cran-ggplot2 r-cran-ggrepel r-cran-scales"
if command -v Rscript >/dev/null 2>&1 && [ "${SKIP_R:-0}" != 1 ]; then
  if [ -z "${NHS_R_PACKAGES:-}" ] && [ -d ../shared/r-packages ]; then
    NHS_R_PACKAGES=$(cd ../shared/r-packages && pwd)
  fi
  r_installed() {  # "package version" lines for R_BRIDGE_PACKAGES (version NA when absent)
    Rscript --vanilla -e 'for (p in commandArgs(TRUE)) cat(p, tryCatch(format(packageVersion(p)),
      error = function(e) "NA"), "\n")' $R_BRIDGE_PACKAGES 2>/dev/null
  }
  r_wanted() {  # packages absent, or older than their file in NHS_R_PACKAGES
    r_installed | while read -r package version; do
      file=$(ls "${NHS_R_PACKAGES:-/nonexistent}/${package}"_*.tar.gz 2>/dev/null | sort -V | tail -1 || true)
      local_version=$(basename "${file:-none}" .tar.gz | sed "s/^${package}_//")
      if [ "$version" = NA ] || { [ -n "$file" ] && [ "$(printf '%s\n%s\n' "$version" \
        "$local_version" | sort -V | tail -1)" != "$version" ]; }; then
        echo "$package"
      fi
    done
  }
  wanted=$(r_wanted | xargs)
  if [ -n "$wanted" ]; then
    if ! Rscript --vanilla -e 'for (p in c("dplyr", "tidyr", "purrr", "rlang", "tibble",
      "tidyselect", "broom", "ggplot2", "ggrepel", "scales")) if (!requireNamespace(p,
      quietly = TRUE)) quit(status = 1)' >/dev/null 2>&1; then
      # shellcheck disable=SC2086
      apt_install "R packages for PHEindicatormethods and FunnelPlotR" $R_BRIDGE_DEBIAN
    fi
    # the first library folder we may write to (else the user's own, created)
    r_lib=$(Rscript --vanilla -e 'w <- .libPaths()[file.access(.libPaths(), 2) == 0]
      if (!length(w)) { w <- Sys.getenv("R_LIBS_USER"); dir.create(w, recursive = TRUE,
      showWarnings = FALSE) }; cat(w[1])' 2>/dev/null)
    cran=${R_PACKAGES_CRAN:-https://cloud.r-project.org}
    if timeout 8 "$PYTHON" -c "import urllib.request as u; u.urlopen('$cran/src/contrib/PACKAGES', timeout=5)" \
      >/dev/null 2>&1; then
      log "installing $wanted from CRAN ($cran) into $r_lib"
      # shellcheck disable=SC2086
      Rscript --vanilla -e 'a <- commandArgs(TRUE); install.packages(a[-(1:2)], lib = a[1],
        repos = a[2], quiet = TRUE)' "$r_lib" "$cran" $wanted >/dev/null 2>&1 \
        || log "CRAN install of $wanted failed"
      wanted=$(r_wanted | xargs)  # e.g. a CRAN release that needs a newer R than this one
    fi
    for package in $wanted; do
      file=$(ls "${NHS_R_PACKAGES:-/nonexistent}/${package}"_*.tar.gz 2>/dev/null | sort -V | tail -1 || true)
      if [ -z "$file" ]; then
        log "$package: not on CRAN from here and no ${package}_*.tar.gz in NHS_R_PACKAGES" \
          "(${NHS_R_PACKAGES:-unset}): its R bridge tests will skip (fail in CI)"
        continue
      fi
      log "installing $package from $file into $r_lib"
      R CMD INSTALL --library="$r_lib" "$file" >/dev/null 2>&1 || log "could not install $file"
    done
    log "R packages for the R bridge now: $(r_installed | xargs)"
  else
    log "R packages for the R bridge present: $(r_installed | xargs)"
  fi
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
extras="book,dev,scale"
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
