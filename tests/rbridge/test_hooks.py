"""Detecting R packages and calling R functions by name; the PHEindicatormethods/FunnelPlotR
hooks run only where those packages are installed (they need CRAN)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis.rbridge import RPackageError
from analysis.rbridge.align import compare_with_r
from analysis.rbridge.hooks import (
    FUNNELPLOTR,
    PHE,
    call_package,
    call_r,
    r_packages,
    require_r_package,
)
from analysis.rbridge.session import base_function, r_version

PHE_MISSING = (
    "PHEindicatormethods not installed (needs CRAN): install.packages('PHEindicatormethods')"
)
FUNNEL_MISSING = "FunnelPlotR not installed (needs CRAN): install.packages('FunnelPlotR')"


def test_r_packages_lists_base_r_with_its_version(r_session):
    packages = r_packages()
    assert {"base", "stats", "utils"} <= set(packages["package"])
    assert packages.set_index("package").loc["stats", "version"] == r_version()
    some = r_packages(["stats", "surely.not.a.package"])
    assert some["version"].isna().tolist() == [False, True]


def test_missing_package_error_gives_the_install_command(r_session):
    with pytest.raises(
        RPackageError, match=r"surely\.absent.*install\.packages\('surely\.absent'\)"
    ):
        require_r_package("surely.absent")


@pytest.fixture(scope="module")
def fake_library(r_session, tmp_path_factory):
    """A throwaway R package 'bridgetestpkg' 0.1.0 installed into a temporary library."""
    if shutil.which("R") is None:
        pytest.skip("the R command line is not on PATH")
    source = tmp_path_factory.mktemp("src") / "bridgetestpkg"
    (source / "R").mkdir(parents=True)
    (source / "DESCRIPTION").write_text(
        "Package: bridgetestpkg\nVersion: 0.1.0\nTitle: Test\nDescription: Test.\n"
        "License: MIT\nAuthor: t\nMaintainer: t <t@example.org>\n"
    )
    (source / "NAMESPACE").write_text("export(twice)\n")
    (source / "R" / "twice.R").write_text("twice <- function(x) 2 * x\n")
    library = tmp_path_factory.mktemp("lib")
    subprocess.run(
        ["R", "CMD", "INSTALL", "--no-test-load", f"--library={library}", str(source)],
        check=True,
        capture_output=True,
    )
    lib_paths = base_function(".libPaths")
    before = list(lib_paths())
    lib_paths(r_session.StrSexpVector([str(library), *before]))
    yield library
    lib_paths(r_session.StrSexpVector(before))


def test_installed_package_version_is_detected(fake_library):
    assert require_r_package("bridgetestpkg") == "0.1.0"
    assert require_r_package("bridgetestpkg", "0.0.9") == "0.1.0"
    assert list(call_r("twice", 21, package="bridgetestpkg")) == [42.0]


def test_too_old_package_error_says_so(fake_library):
    with pytest.raises(RPackageError, match=r"version 0\.1\.0, older than 2\.0\.0.*install"):
        require_r_package("bridgetestpkg", "2.0.0")


def test_call_r_converts_arguments_and_results(r_session):
    frame = call_r("data.frame", a=[1.0, 2.0], b=["x", "y"])
    assert isinstance(frame, pd.DataFrame) and frame["b"].tolist() == ["x", "y"]
    assert list(call_r("qnorm", 0.975))[0] == pytest.approx(1.959963984540054)


def phe_installed() -> bool:
    try:
        return bool(r_packages([PHE])["version"].notna()[0])
    except Exception:
        return False


@pytest.mark.skipif(not phe_installed(), reason=PHE_MISSING)
@pytest.mark.parametrize("measure", ["proportion", "crude_rate"])
def test_pheindicatormethods_agrees_with_python(measure):
    data = pd.DataFrame({"area": list("ABCD"), "x": [0, 5, 50, 400], "n": [10, 80, 900, 5000]})
    table = compare_with_r(measure, data, x="x", n="n", group_by="area", use_package=True)
    assert table["r_implementation"].str.startswith(PHE).all()
    assert table["pass"].all(), table.to_string()


@pytest.mark.skipif(not phe_installed(), reason=PHE_MISSING)
def test_pheindicatormethods_hook_returns_our_columns():
    data = pd.DataFrame({"x": [5, 50], "n": [100, 900]})
    out = call_package("proportion", data, x="x", n="n")
    assert {"value", "lowercl", "uppercl", "r_implementation"} <= set(out.columns)


def funnelplotr_installed() -> bool:
    try:
        return bool(r_packages([FUNNELPLOTR])["version"].notna()[0])
    except Exception:
        return False


@pytest.mark.skipif(not funnelplotr_installed(), reason=FUNNEL_MISSING)
def test_funnelplotr_hook_returns_plot_data():
    rng = np.random.default_rng(1)
    n = rng.integers(100, 5000, 30)
    data = pd.DataFrame({"unit": [f"u{i}" for i in range(30)], "x": rng.binomial(n, 0.1), "n": n})
    out = call_package("funnel_plot", data, x="x", n="n", group="unit", data_type="PR")
    assert len(out) == 30
