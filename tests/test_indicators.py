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
import yaml
from scipy.stats import norm

from analysis.config import BREAKDOWNS, OUTCOMES, ConfigError, parse_config
from analysis.data import aggregate_events, configured_dataset
from analysis.indicators import compute_indicators, expected_tables, main, sii_left_out_reason
from analysis.measures import indicator_counts
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
    counts = aggregate_events(
        dataset, "deaths", cause="CVD", group_by=["sex"], measure="person_years"
    )
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
    # Whatever handled SIGINT before (Python's default, or PySpark's when a Spark test ran
    # earlier in this process) handles it again afterwards.
    handler_before = signal.getsignal(signal.SIGINT)
    assert main(["--config", config, "--out", str(tmp_path / "out"), "--quiet"]) == 130
    assert capsys.readouterr().err.endswith("left as it was\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yml"]
    assert signal.getsignal(signal.SIGINT) is handler_before  # handler restored


# --- the slope index on small populations (issue #18) -----------------------------------------


def _deciles(values, lowers) -> pd.DataFrame:
    return pd.DataFrame(
        {"imd_decile": range(1, len(values) + 1), "value": values, "lowercl": lowers}
    )


def test_the_slope_index_is_left_out_only_for_the_reasons_the_ohid_method_gives():
    rates = [500.0, 400.0, 300.0, 200.0, 100.0]
    assert sii_left_out_reason(_deciles(rates, [50.0] * 5)) is None
    assert "only 4 deprivation decile(s)" in sii_left_out_reason(_deciles(rates[:4], [50.0] * 4))
    no_rate = sii_left_out_reason(_deciles([500.0, np.nan, 300.0, np.nan, 100.0], [50.0] * 5))
    assert no_rate.startswith("decile(s) 2, 4 have fewer than 10 events")
    for low in (0.0, -12.5):  # zero is as unusable as negative: its log is taken
        reason = sii_left_out_reason(_deciles(rates, [low, 50.0, 50.0, 50.0, 50.0]))
        assert reason.startswith(f"the Dobson lower 95% limit of decile(s) 1 ({low:.4g})")


def _dobson_lower(counts: pd.DataFrame) -> float:
    """Dobson et al. (1991) lower 95% limit (on Byar's) of an ESP 2013 rate per 100,000, by hand."""
    weights = counts["age_band"].map(dict(zip(ESP2013_AGE_BANDS, ESP2013_WEIGHTS, strict=True)))
    share = weights / weights.sum()
    rate = 100_000 * float((share * counts["events"] / counts["population"]).sum())
    variance = 100_000**2 * float((share**2 * counts["events"] / counts["population"] ** 2).sum())
    events = float(counts["events"].sum())
    z = norm.ppf(0.975)  # Byar's approximate lower limit of the events (Breslow & Day 1987)
    byar_lower = events * (1 - 1 / (9 * events) - z / (3 * np.sqrt(events))) ** 3
    return rate + np.sqrt(variance / events) * (byar_lower - events)


def test_command_on_a_small_population_states_why_a_slope_index_is_left_out(tmp_path):
    # issue #18: on 5,000 people (seed 4) all-cause mortality in decile 1 has 41 deaths, one
    # of them in 0.5 person-years aged 90+, and a Dobson lower limit below zero (-221.96,
    # as PHEindicatormethods::phe_dsr gives); the command used to stop there
    text = (
        "data: {source: synthetic, n_people: 5000, seed: 4}\n"
        "analysis: {outcomes: [all_cause_mortality, cvd_mortality, cancer_mortality], "
        "breakdowns: [sex], years: [2020, 2024]}\n"
    )
    config = _config(tmp_path, text)
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match="no slope index of inequality") as caught:
        assert main(["--config", config, "--out", str(out), "--quiet"]) == 0
    assert len(caught) == 2
    sii = pd.read_csv(out / "slope_index_of_inequality_by_deprivation_decile.csv")
    assert list(sii.columns)[-1] == "reason"
    assert sii.groupby("outcome", sort=False)["measure"].agg(list).to_dict() == {
        o: ["SII", "RII"] for o in ("all_cause_mortality", "cvd_mortality", "cancer_mortality")
    }

    counts = indicator_counts(
        configured_dataset(parse_config(yaml.safe_load(text))), "all_cause_mortality",
        ["imd_decile"], years=range(2020, 2025),
    )  # fmt: skip
    lowers = counts.groupby("imd_decile")[["age_band", "events", "population"]].apply(_dobson_lower)
    assert lowers.loc[1] == pytest.approx(-221.9576, abs=1e-4) and (lowers.drop(1) > 0).all()
    left_out = sii[sii["outcome"] == "all_cause_mortality"]
    assert left_out["value"].isna().all() and left_out["lowercl"].isna().all()
    assert (
        left_out["reason"].str.startswith("the Dobson lower 95% limit of decile(s) 1 (-222)")
    ).all()

    cvd = sii[sii["outcome"] == "cvd_mortality"]
    cvd_counts = indicator_counts(
        configured_dataset(parse_config(yaml.safe_load(text))), "cvd_mortality",
        ["imd_decile"], years=range(2020, 2025),
    )  # fmt: skip
    few = cvd_counts.groupby("imd_decile")["events"].sum().loc[lambda n: n < 10].index.tolist()
    assert few == [3, 7]
    assert cvd["value"].isna().all()
    assert (cvd["reason"].str.startswith("decile(s) 3, 7 have fewer than 10 events")).all()

    computed = sii[sii["outcome"] == "cancer_mortality"]
    assert np.isfinite(computed[["value", "lowercl", "uppercl"]]).all().all()
    assert computed["reason"].isna().all()
