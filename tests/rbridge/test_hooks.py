"""Detecting R packages and calling R functions by name; the PHEindicatormethods hooks run
where the package is installed (else they skip, or fail under NHS_REQUIRE_R_PACKAGES=1)."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from analysis.rbridge import RPackageError
from analysis.rbridge.align import compare_with_r
from analysis.rbridge.hooks import (
    HIDE_VARIABLE,
    PHE,
    call_package,
    call_r,
    call_reference,
    r_packages,
    require_r_package,
)
from analysis.rbridge.rcode import r_literal, r_symbol
from analysis.rbridge.session import base_function, r_version


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
def fake_library(r_session, r_command, tmp_path_factory):
    """A throwaway R package 'bridgetestpkg' 0.1.0 installed into a temporary library."""
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
        [r_command, "CMD", "INSTALL", "--no-test-load", f"--library={library}", str(source)],
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


def test_pheindicatormethods_agrees_with_python(phe_version):
    data = pd.DataFrame({"area": list("ABCD"), "x": [0, 5, 50, 400], "n": [10, 80, 900, 5000]})
    for measure, function in [("proportion", "phe_proportion"), ("crude_rate", "phe_rate")]:
        table = compare_with_r(measure, data, x="x", n="n", group_by="area")
        assert (table["r_implementation"] == f"{PHE} {phe_version} {function}").all()
        assert table["pass"].all(), table.to_string()


def test_pheindicatormethods_hook_returns_our_columns_and_the_code_that_ran(phe_version):
    data = pd.DataFrame({"x": [5, 50], "n": [100, 900], "odd name": [1, 2]})
    out = call_package("proportion", data, x="x", n="n", confidence=[0.95, 0.998])
    assert {"value", "lower95_0cl", "upper99_8cl", "r_implementation"} <= set(out.columns)
    assert out.attrs["r_code"] == (
        "library(PHEindicatormethods)\nlibrary(dplyr)\ndata |>\n"
        "  phe_proportion(x = x, n = n, confidence = c(0.95, 0.998))"
    )


def test_r_source_text_of_python_values():
    assert r_literal([0.95, 0.998]) == "c(0.95, 0.998)"
    assert r_literal(100_000.0) == "100000.0" and r_literal(5) == "5"
    assert r_literal(True) == "TRUE" and r_literal(None) == "NULL"
    assert r_literal('say "hi"\n') == '"say \\"hi\\"\\n"'
    assert r_literal(float("nan")) == "NA_real_"
    assert r_symbol("deaths") == "deaths" and r_symbol("imd_quintile") == "imd_quintile"
    assert r_symbol("odd name") == "`odd name`" and r_symbol("if") == "`if`"
    assert r_symbol("2019") == "`2019`" and r_symbol(".x") == ".x"


def test_the_reference_says_which_function_ran(r_reference):
    data = pd.DataFrame({"x": [5, 50], "n": [100, 900]})
    out = call_reference("ref_proportion", data, x="x", n="n")
    assert (out["r_implementation"] == "base-R reference ref_proportion").all()
    assert out.attrs["r_code"].endswith('ref_proportion(data,\n  x = "x",\n  n = "n")')


def test_hidden_packages_count_as_not_installed(r_session, monkeypatch):
    monkeypatch.setenv(HIDE_VARIABLE, "stats, utils")
    assert r_packages(["stats", "base"])["version"].isna().tolist() == [True, False]
    assert not {"stats", "utils"} & set(r_packages()["package"])
    with pytest.raises(RPackageError, match="stats is not installed"):
        require_r_package("stats")
    data = pd.DataFrame({"x": [5, 50], "n": [100, 900]})
    monkeypatch.setenv(HIDE_VARIABLE, PHE)
    table = compare_with_r("proportion", data, x="x", n="n")
    assert (table["r_implementation"] == "base-R reference ref_proportion").all()
