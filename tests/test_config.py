"""The configuration file: defaults, validation messages naming the key, path resolution."""

import pytest

from analysis.config import ConfigError, load_config, parse_config


def test_no_file_means_the_synthetic_default(monkeypatch, tmp_path):
    monkeypatch.delenv("NHS_ANALYSIS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    config = parse_config(None)
    assert config.data.source == "synthetic"
    assert config.analysis.standard_population == "esp2013"
    assert config.analysis.confidence == (0.95, 0.998)
    assert config.disclosure.max_count == 7


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"data": {"source": "excel"}},
            r"'data.source' is 'excel'; allowed values: synthetic, person, aggregated",
        ),
        ({"data": {"source": "person", "format": "parquet"}}, r"'data.path' is required"),
        ({"data": {"source": "person", "format": "database"}}, r"'data.connection' is required"),
        (
            {"data": {"engine": "oracle"}},
            r"'data.engine' is 'oracle'; allowed values: duckdb, spark",
        ),
        (
            {"data": {"source": "synthetic", "engine": "postgres"}},
            r"'data.engine: postgres' aggregates tables in a database: set data.source: person",
        ),
        (
            {
                "data": {
                    "source": "person",
                    "format": "database",
                    "engine": "postgres",
                    "connection": "mssql+pyodbc://dsn",
                }
            },
            r"'data.connection' must be an SQLAlchemy URL for postgres, e.g. 'postgresql://",
        ),
        (
            {"data": {"source": "person", "format": "database", "connection": "postgresql://h/db"}},
            r"'data.format: database' needs data.engine postgres or mssql, not 'duckdb'",
        ),
        (
            {
                "data": {
                    "source": "person",
                    "format": "duckdb",
                    "path": "x.duckdb",
                    "engine": "spark",
                }
            },
            r"'data.engine: spark' reads parquet or csv files",
        ),
        ({"data": {"connection": "local[2]"}}, r"'data.connection' is for data.engine spark"),
        (
            {
                "data": {
                    "source": "person",
                    "format": "parquet",
                    "path": "x",
                    "tables": {"people": "p"},
                }
            },
            r"'data.tables' names tables in a database",
        ),
        (
            {
                "data": {
                    "source": "person",
                    "format": "database",
                    "engine": "mssql",
                    "connection": "mssql+pyodbc://dsn",
                    "tables": {"people": "dbo.people; DROP TABLE x"},
                }
            },
            r"'data.tables.people' must be a table or view name",
        ),
        ({"data": {"tables": {"patients": "x"}}}, r"unknown key\(s\) data.tables.patients"),
        ({"data": {"columns": {"people": ["a"]}}}, r"'data.columns.people' must map"),
        ({"data": {"columns": {"patients": {}}}}, r"unknown key\(s\) data.columns.patients"),
        (
            {"analysis": {"outcomes": ["flu"]}},
            r"'analysis.outcomes' is 'flu'; allowed values: cvd_mortality",
        ),
        ({"analysis": {"breakdowns": ["religion"]}}, r"'analysis.breakdowns' is 'religion'"),
        ({"analysis": {"years": [2024, 2020]}}, r"'analysis.years' must be \[first, last\]"),
        ({"analysis": {"confidence": [0.5]}}, r"'analysis.confidence' levels must lie"),
        ({"analysis": {"multiplier": 7}}, r"'analysis.multiplier' is 7"),
        ({"disclosure": {"max_count": 0}}, r"'disclosure.max_count' must be a whole number"),
        ({"disclosure": {"min_count": 5, "max_count": 3}}, r"'disclosure'.*min_count"),
        ({"disclosure": {"max_count": "seven"}}, r"'disclosure.max_count' must be a whole"),
        ({"disclosure": {"rounding_base": 2.5}}, r"'disclosure.rounding_base' must be a whole"),
        ({"analysis": {"outcomes": []}}, r"'analysis.outcomes' must be a non-empty list"),
        ({"analysis": {"breakdowns": "sex"}}, r"'analysis.breakdowns' must be a non-empty list"),
        ({"analysis": {"breakdowns": ["sex", "sex"]}}, r"lists sex more than once"),
        ({"analysis": {"years": [True, 2024]}}, r"'analysis.years' must be \[first, last\]"),
        ({"analysis": {"multiplier": True}}, r"'analysis.multiplier' is True"),
        ({"analysis": {"confidence": True}}, r"'analysis.confidence' levels must lie"),
        ({"data": {"n_people": "many"}}, r"'data.n_people' must be a whole number"),
        ({"data": {"seed": -1}}, r"'data.seed' must be a whole number of at least 0"),
        (
            {"data": {"source": "person", "format": "csv", "path": 5}},
            r"'data.path' must be text, got 5",
        ),
        ({"disclosure": {"threshold": 5}}, r"unknown key\(s\) disclosure.threshold"),
        ({"extra": {}}, r"unknown key\(s\) configuration.extra"),
    ],
)
def test_bad_configuration_names_the_key_and_what_is_allowed(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)


def test_file_paths_resolve_relative_to_the_configuration_file(tmp_path, monkeypatch):
    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "mine.yml").write_text(
        "data:\n  source: person\n  format: parquet\n  path: ../extract\n"
        "  columns:\n    people: {patient_id: person_id}\n"
        "analysis:\n  years: [2021, 2023]\n"
        "disclosure:\n  rounding_base: 5\n"
    )
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(folder / "mine.yml"))
    config = load_config()
    assert config.data.path == str((tmp_path / "extract").resolve())
    assert config.data.columns == {"people": {"patient_id": "person_id"}}
    assert config.analysis.years == (2021, 2023)
    assert config.disclosure.rounding_base == 5


def test_missing_or_invalid_files_are_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(tmp_path / "absent.yml"))
    with pytest.raises(ConfigError, match="not a file"):
        load_config()
    bad = tmp_path / "bad.yml"
    bad.write_text("data: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line 2, column 1: expected") as err:
        load_config(bad)
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="'.*absent.yml' does not exist or is not a file"):
        load_config(tmp_path / "absent.yml")


def test_cluster_paths_are_kept_as_they_are(tmp_path):
    config = tmp_path / "spark.yml"
    config.write_text(
        "data: {source: person, format: parquet, path: 's3a://bucket/extract', engine: spark, "
        "connection: 'spark://head:7077'}\n"
    )
    data = load_config(config).data
    assert (data.path, data.engine, data.connection) == (
        "s3a://bucket/extract",
        "spark",
        "spark://head:7077",
    )
