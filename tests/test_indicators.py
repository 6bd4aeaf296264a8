"""The indicator command: tables computed from the configured data, checked independently."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from analysis.config import BREAKDOWNS, OUTCOMES, ConfigError, parse_config
from analysis.data import aggregate_events, configured_dataset
from analysis.indicators import compute_indicators, expected_tables, main
from analysis.report.indicator_files import sheet_names
from analysis.report.output_folder import staged_output
from analysis.standards import ESP2013_AGE_BANDS, ESP2013_WEIGHTS

CONFIG = {
    "data": {"source": "synthetic", "n_people": 20000},
    "analysis": {
        "outcomes": ["cvd_mortality", "late_stage_cancer", "hypertension_detection"],
        "breakdowns": ["imd_quintile", "sex"],
        "years": [2020, 2024],
    },
}


@pytest.fixture(scope="module")
def tables():
    return compute_indicators(parse_config(CONFIG), progress=False)


def test_every_configured_outcome_and_breakdown_has_a_table(tables):
    expected = {
        f"{o}_by_{b}"
        for o in ("cvd_mortality", "late_stage_cancer", "hypertension_detection")
        for b in ("imd_quintile", "sex")
    } | {"slope_index_of_inequality_by_deprivation_decile"}
    assert set(tables) == expected


def test_standardised_rate_equals_esp2013_weighted_sum_of_age_specific_rates(tables):
    dataset = configured_dataset(parse_config(CONFIG))
    # rates are per person-year (analysis.measures.pooled): half a year in the year of death
    counts = aggregate_events(dataset, "deaths", cause="CVD", by=["sex"], measure="person_years")
    pooled = counts.groupby(["sex", "age_band"], observed=True)[["events", "population"]].sum()
    weights = pd.Series(ESP2013_WEIGHTS, index=list(ESP2013_AGE_BANDS), dtype=float)
    for sex, rows in pooled.groupby(level="sex"):
        rates = (rows["events"] / rows["population"]).droplevel("sex")
        by_hand = float((rates * weights.reindex(rates.index)).sum() / weights.sum() * 100_000)
        published = tables["cvd_mortality_by_sex"].set_index("level").loc[sex, "value"]
        assert published == pytest.approx(by_hand, rel=1e-12)


def test_proportions_count_the_right_people(tables):
    dataset = configured_dataset(parse_config(CONFIG))
    people = dataset.people
    hypertensive = people[people["hypertension"]]
    expected = hypertensive.groupby("sex")["hypertension_recorded"].agg(["sum", "size"])
    table = tables["hypertension_detection_by_sex"].set_index("level")
    assert table["numerator"].astype(int).to_dict() == expected["sum"].to_dict()
    assert table["denominator"].astype(int).to_dict() == expected["size"].to_dict()


def test_small_counts_are_suppressed_with_their_derived_values(tables):
    for table in tables.values():
        for column in ("total_count", "numerator", "denominator", "events"):
            if column in table.columns:
                values = table[column].dropna().to_numpy(dtype=float)
                assert not ((values >= 1) & (values <= 7)).any()
                hidden = table[column].isna().to_numpy()
                assert table.loc[hidden, "value"].isna().all()


def test_command_writes_csv_and_excel(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text(
        "data: {source: synthetic, n_people: 20000}\n"
        "analysis: {outcomes: [cvd_mortality], breakdowns: [sex]}\n"
    )
    assert (
        main(["--config", str(config), "--out", str(tmp_path / "out"), "--excel", "--quiet"]) == 0
    )
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "cvd_mortality_by_sex.csv" in written and "indicators.xlsx" in written
    sii = pd.read_csv(tmp_path / "out" / "slope_index_of_inequality_by_deprivation_decile.csv")
    assert set(sii["measure"]) == {"SII", "RII"}
    assert np.isfinite(sii["value"]).all()


def test_the_book_does_not_copy_person_rows_out_of_a_database():
    config = parse_config(
        {
            "data": {
                "source": "person",
                "format": "database",
                "engine": "postgres",
                "connection": "postgresql://analyst@warehouse/nhs",
            }
        }
    )
    with pytest.raises(ConfigError, match="Run the indicator command"):
        configured_dataset(config)


# --- the command: output folder, files, errors ------------------------------------------------

SMALL_RUN = "data: {source: synthetic, n_people: 20000}\n"


def _config(tmp_path, text: str, name: str = "config.yml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_rerun_with_a_narrower_configuration_leaves_no_stale_files(tmp_path):
    out = tmp_path / "out"
    wide = _config(
        tmp_path,
        SMALL_RUN + "analysis: {outcomes: [cvd_mortality], breakdowns: [sex, ethnicity]}\n",
    )
    narrow = _config(
        tmp_path,
        SMALL_RUN + "analysis: {outcomes: [late_stage_cancer], breakdowns: [sex]}\n",
        "narrow.yml",
    )
    assert main(["--config", wide, "--out", str(out), "--excel", "--quiet"]) == 0
    assert "cvd_mortality_by_ethnicity.csv" in {p.name for p in out.iterdir()}
    assert main(["--config", narrow, "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "late_stage_cancer_by_sex.csv",
        "manifest.json",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yml", "narrow.yml", "out"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [t["name"] for t in manifest["tables"]] == ["late_stage_cancer_by_sex"]
    assert manifest["configuration"]["analysis"]["outcomes"] == ["late_stage_cancer"]
    assert manifest["data"]["kind"] == "synthetic" and manifest["data"]["n_people"] == 20000
    assert {"numpy", "pandas", "duckdb"} <= set(manifest["packages"])
    assert set(manifest["files"]) == {"late_stage_cancer_by_sex.csv", "manifest.json"}


def test_a_second_run_into_a_locked_folder_fails_at_once(tmp_path, capsys):
    out = tmp_path / "out"
    config = _config(tmp_path, SMALL_RUN + "analysis: {outcomes: [cvd_mortality]}\n")
    assert main(["--config", config, "--out", str(out), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with staged_output(out):  # a first run, still writing (the lock is an flock)
        capsys.readouterr()
        assert main(["--config", config, "--out", str(out), "--quiet"]) == 2
        error = capsys.readouterr().err
    assert error.startswith("error: another run is writing") and f"process {os.getpid()}" in error
    assert error.count("\n") == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} != before  # the first run finished
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yml", "out"]


def test_an_error_while_writing_leaves_the_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "out"
    config = _config(tmp_path, SMALL_RUN + "analysis: {outcomes: [cvd_mortality]}\n")
    assert main(["--config", config, "--out", str(out), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    written = []

    def fail_on_third(self, path, *args, **kwargs):
        written.append(path)
        if len(written) == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle of writing
        return original(self, path, *args, **kwargs)

    original = pd.DataFrame.to_csv
    monkeypatch.setattr(pd.DataFrame, "to_csv", fail_on_third)
    assert main(["--config", config, "--out", str(out), "--quiet"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yml", "out"]


def test_ctrl_c_on_the_command_leaves_the_previous_output(tmp_path):
    out = tmp_path / "out"
    config = _config(tmp_path, SMALL_RUN + "analysis: {outcomes: [cvd_mortality]}\n")
    assert main(["--config", config, "--out", str(out), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # a run of some seconds, interrupted as soon as it starts writing; a population of its
    # own, so that an interrupted generation never touches data other tests read
    slow = _config(
        tmp_path,
        "data: {source: synthetic, n_people: 200000, seed: 424242}\n"
        "analysis: {outcomes: [cvd_mortality]}\n",
        "slow.yml",
    )
    command = [sys.executable, "-m", "analysis.indicators", "--config", slow, "--out", str(out)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.staging-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(tmp_path.glob(".out.staging-*")), "the run never started writing"
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 130, error
    assert error.strip().endswith(f"interrupted: {out} left as it was")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yml", "out", "slow.yml"]


def test_the_output_folder_is_checked_before_any_work(tmp_path, capsys, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("computed before checking the output folder")

    monkeypatch.setattr("analysis.indicators.compute_indicators", never)
    config = _config(tmp_path, SMALL_RUN)
    a_file = tmp_path / "taken.csv"
    a_file.write_text("x\n")
    assert main(["--config", config, "--out", str(a_file), "--quiet"]) == 2
    assert "is a file; name a folder" in capsys.readouterr().err
    others = tmp_path / "mine"
    others.mkdir()
    (others / "notes.txt").write_text("keep me")
    assert main(["--config", config, "--out", str(others), "--quiet"]) == 2
    assert "did not write (it has no manifest.json)" in capsys.readouterr().err
    assert (others / "notes.txt").read_text() == "keep me"
    assert main(["--config", config, "--out", str(a_file / "out"), "--quiet"]) == 2
    assert f"cannot create {a_file / 'out'}: {a_file} is a file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("disclosure: {max_count: seven}\n", "'disclosure.max_count' must be a whole number"),
        ("analysis: {outcomes: []}\n", "'analysis.outcomes' must be a non-empty list"),
        (
            SMALL_RUN + "analysis: {outcomes: [cvd_mortality], years: [1990, 1995]}\n",
            "'analysis.years' is [1990, 1995], outside the data, whose events run from 2020 "
            "to 2024",
        ),
        (None, "does not exist or is not a file"),
    ],
)
def test_configuration_errors_are_one_line_without_a_traceback(tmp_path, capsys, config, message):
    path = _config(tmp_path, config) if config else str(tmp_path / "absent.yml")
    out = tmp_path / "out"
    assert main(["--config", path, "--out", str(out), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert message in error and error.startswith("error: ") and error.count("\n") == 1
    assert "Traceback" not in error
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == (
        ["config.yml"] if config else []
    )
    with pytest.raises(ConfigError):
        main(["--config", path, "--out", str(out), "--quiet", "--debug"])


def test_csv_is_rounded_parquet_keeps_full_precision_and_excel_has_an_index(tmp_path):
    out = tmp_path / "out"
    config = _config(
        tmp_path,
        SMALL_RUN + "analysis: {outcomes: [emergency_presentation, cvd_mortality], "
        "breakdowns: [imd_quintile, district_name]}\n",
    )
    assert main(["--config", config, "--out", str(out), "--quiet", "--excel", "--parquet"]) == 0
    name = "emergency_presentation_by_imd_quintile"
    full = pd.read_parquet(out / f"{name}.parquet")
    csv = pd.read_csv(out / f"{name}.csv")
    # 4 significant figures, at least 1 decimal place (checked against Python's %g formatting)
    for column in ("value", "lower95_0cl", "upper99_8cl"):
        exact = full[column].dropna()
        by_hand = [float(f"{v:.4g}") if abs(v) < 1000 else round(v, 1) for v in exact]
        assert len(exact) and csv[column].dropna().tolist() == by_hand
        assert (exact != by_hand).any()
    sii = pd.read_csv(out / "slope_index_of_inequality_by_deprivation_decile.csv")
    rii = sii.loc[sii["measure"] == "RII", "value"].abs()
    assert (rii < 10).all() and (np.round(rii, 4) == rii).all()  # 4 significant figures
    workbook = pd.read_excel(out / "indicators.xlsx", sheet_name=None)
    index = workbook["Index"]
    assert list(index.columns) == ["sheet", "table", "description"]
    assert set(index["table"]) == {p.stem for p in out.glob("*.csv")}
    assert set(index["sheet"]) == set(workbook) - {"Index"}
    assert index.set_index("table").loc[name, "sheet"] == "Emergency route by IMD quintile"
    manifest = json.loads((out / "manifest.json").read_text())
    assert "4 significant figures" in manifest["precision"]


def test_sheet_names_of_every_configurable_table_are_whole_and_unique():
    config = parse_config(
        {"analysis": {"outcomes": list(OUTCOMES), "breakdowns": list(BREAKDOWNS)}}
    )
    names = expected_tables(config)
    sheets = sheet_names(names)
    assert len(set(sheets.values())) == len(names)
    assert all(len(s) <= 31 and not s.endswith("…") for s in sheets.values())
    unknown = ["a_very_long_table_name_nobody_abbreviated", "a_very_long_table_name_nobody_"
               "abbreviated_either"]  # fmt: skip
    assert list(sheet_names(unknown).values()) == [
        "A very long table name nobody…",
        "A very long table name nobo (2)",
    ]


def test_ctrl_c_that_an_engine_turns_into_its_own_error_is_an_interruption(
    tmp_path, capsys, monkeypatch
):
    def query_interrupted(*args, **kwargs):
        try:  # as DuckDB does when Ctrl-C comes during a query
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            raise RuntimeError("Query interrupted") from None

    monkeypatch.setattr("analysis.indicators.compute_indicators", query_interrupted)
    config = _config(tmp_path, SMALL_RUN)
    assert main(["--config", config, "--out", str(tmp_path / "out"), "--quiet"]) == 130
    assert capsys.readouterr().err.endswith("left as it was\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yml"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
