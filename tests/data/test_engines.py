"""The same aggregation SQL gives identical results on DuckDB, Spark and PostgreSQL.

DuckDB on the in-memory tables is the reference (``tests/data/test_aggregation.py`` checks it
against direct pandas counts); every other engine must return exactly the same frames (values,
types, row order) from the same SQL text. Spark runs in local mode on one core in one
session-scoped JVM; PostgreSQL is a throwaway cluster started for the session. Each is skipped
with the reason when its software is missing.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.config import parse_config
from analysis.data import (
    Dataset,
    aggregate_events,
    area_summary,
    generate_population,
    load_dataset,
    population_at_risk,
    validate_dataset,
)
from analysis.data.configured import attach_tables, check_tables, configured_source
from analysis.data.dataset import TABLES
from analysis.data.engines import (
    DuckDBEngine,
    EngineUnavailableError,
    SparkEngine,
    SQLEngine,
    open_engine,
    register_dataset,
)
from analysis.data.schema import THIS_YEAR
from analysis.indicators import main
from analysis.validation import InputError

# The suite runs each test file on one worker (--dist loadfile in pyproject.toml), so one JVM
# and one PostgreSQL serve every test here.

#: Spark settings for small test data: one partition, no UI, no adaptive re-planning, no
#: whole-stage code generation and a quick-start JIT (startup and compile time dominate).
SPARK_TEST_SETTINGS = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.ui.enabled": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}

# Few cases, each covering several features (every Spark query costs a second or more).
POPULATION_CASES = [
    {"group_by": ["sex", "district_name"]},
    {
        "group_by": ["ethnicity"],
        "age_bands": "life_table",
        "measure": "person_years",
        "years": [2021],
    },
]
EVENT_CASES = [
    ("deaths", "CVD", {"group_by": ["imd_quintile", "sex"]}),
    ("cancers", ["Lung", "Breast"], {"group_by": ["district_name"], "age_bands": "life_table"}),
    (
        "admissions",
        None,
        {"group_by": ["core20"], "measure": "person_years", "years": [2022, 2024]},
    ),
]


@pytest.fixture(scope="module")
def population() -> Dataset:
    people = generate_population(15_000, seed=7)
    return Dataset(**{name: getattr(people, name) for name in TABLES})


# --- Spark ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install -e '.[scale]')")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Java not found: Spark needs Java 17 or later (apt-get install default-jre)")
    from analysis.data.engines import spark_session

    try:
        session = spark_session("local[1]", **SPARK_TEST_SETTINGS)
    except EngineUnavailableError as err:
        pytest.skip(f"Spark could not start here: {err}")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# --- PostgreSQL -----------------------------------------------------------------------------


def _postgres_bin() -> Path:
    """Folder holding initdb and pg_ctl (the PATH, else Debian's /usr/lib/postgresql/N/bin)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if not found:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        )
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL cluster on a free loopback port, removed afterwards.

    PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
    (created by Debian's package) through ``runuser``.
    """
    pytest.importorskip(
        "sqlalchemy", reason="SQLAlchemy is not installed (pip install -e '.[scale]')"
    )
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[scale]')")
    bin_dir = _postgres_bin()
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="nhs-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            log = (folder / "log").read_text() if (folder / "log").exists() else ""
            pytest.fail(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}{log}")

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
        "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60",
        "-o", options, "start")  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(folder, ignore_errors=True)


# --- engines holding the population ---------------------------------------------------------


@pytest.fixture(scope="module")
def spark_engine(spark, population):
    """The population registered in Spark, in a session of its own."""
    with register_dataset(SparkEngine(spark.newSession()), population) as made:
        yield made


@pytest.fixture(scope="module")
def postgres_engine(postgres_url, population):
    """The population written to the throwaway PostgreSQL."""
    with register_dataset(SQLEngine(postgres_url), population) as made:
        yield made


@pytest.fixture(params=["spark", "postgres"])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.mark.parametrize("kwargs", POPULATION_CASES)
def test_population_at_risk_is_identical(engine, population, kwargs):
    expected = population_at_risk(population, **kwargs)
    assert expected["population"].sum() > 0
    pd.testing.assert_frame_equal(population_at_risk(engine, **kwargs), expected, check_exact=True)


@pytest.mark.parametrize(("event", "cause", "kwargs"), EVENT_CASES)
def test_aggregate_events_is_identical(engine, population, event, cause, kwargs):
    expected = aggregate_events(population, event, cause=cause, **kwargs)
    assert expected["events"].sum() > 0
    got = aggregate_events(engine, event, cause=cause, **kwargs)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_area_summary_is_identical(engine, population):
    expected = area_summary(population, years=[2020, 2021, 2022])
    got = area_summary(engine, years=[2020, 2021, 2022])
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_schema_checks_run_on_every_engine(engine):
    check_tables(engine)  # valid data: no error, and every check's SQL runs on the engine


# --- files read lazily, columns renamed -----------------------------------------------------


def _write_files(population: Dataset, folder: Path, fmt: str) -> dict[str, dict[str, str]]:
    """The tables as files, people and deaths hive-partitioned, people's columns renamed.

    Returns the ``columns`` mapping (your names -> ours) that undoes the renaming.
    """
    renamed = {"person_id": "patient_id", "sex": "Gender", "area_code": "lsoa21cd"}
    for name in TABLES:
        df = getattr(population, name)
        if name == "people":
            df = df.rename(columns=renamed)
        partition = {"people": "district_code", "deaths": "year"}.get(name)
        if fmt == "parquet" and partition:
            df.to_parquet(folder / name, partition_cols=[partition], index=False)
        elif fmt == "parquet":
            df.to_parquet(folder / f"{name}.parquet", index=False)
        elif partition:  # csv: one file per partition value, in hive folders
            for value, part in df.groupby(partition):
                target = folder / name / f"{partition}={value}"
                target.mkdir(parents=True)
                part.drop(columns=partition).to_csv(target / "part-0.csv", index=False)
        else:
            df.to_csv(folder / f"{name}.csv", index=False)
    return {"people": {yours: ours for ours, yours in renamed.items()}}


@pytest.mark.parametrize(
    ("engine_name", "fmt"), [("duckdb", "parquet"), ("duckdb", "csv"), ("spark", "parquet")]
)
def test_partitioned_files_with_renamed_columns_give_the_same_aggregates(
    request, population, tmp_path, engine_name, fmt
):
    columns = _write_files(population, tmp_path, fmt)
    if engine_name == "spark":
        made = SparkEngine(request.getfixturevalue("spark").newSession())
    else:
        made = DuckDBEngine()
    with attach_tables(
        made, path=tmp_path, format=fmt, columns=columns, validate=engine_name == "duckdb"
    ) as files:
        got = aggregate_events(files, "deaths", cause="CVD", group_by=["sex", "district_name"])
    expected = aggregate_events(
        population, "deaths", cause="CVD", group_by=["sex", "district_name"]
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_broken_rows_are_named_without_leaving_the_engine(population, tmp_path):
    people = population.people.copy()
    people.loc[people.index[:3], "sex"] = "Unknown"
    people.loc[people.index[3], "person_id"] = people["person_id"].iloc[4]
    broken = Dataset(**{**population.tables(), "people": people})
    with pytest.raises(InputError) as error, register_dataset(DuckDBEngine(), broken) as engine:
        check_tables(engine)
    message = str(error.value)
    assert "people.sex must be one of Female, Male: 3 row(s) break it, e.g. 'Unknown'" in message
    assert (
        f"people.person_id must be unique: 1 row(s) break it, e.g. {people['person_id'].iloc[4]}"
        in message
    )


def test_a_missing_column_is_named_with_the_mapping_to_fix_it(population, tmp_path):
    _write_files(population, tmp_path, "parquet")
    with pytest.raises(
        InputError,
        match=r"table people \(people\) lacks required column\(s\) person_id, area_code, sex",
    ):
        attach_tables(DuckDBEngine(), path=tmp_path, format="parquet")


def test_a_duckdb_file_with_our_table_names_and_a_renamed_column(population, tmp_path):
    """The view renaming ``people`` reads the stored ``people`` table, not itself."""
    database = tmp_path / "extract.duckdb"
    with duckdb.connect(str(database)) as con:
        for name in TABLES:
            con.register("frame", getattr(population, name))
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
        con.execute('ALTER TABLE people RENAME COLUMN sex TO "Gender"')
    config = parse_config(
        {
            "data": {
                "source": "person",
                "format": "duckdb",
                "path": str(database),
                "columns": {"people": {"Gender": "sex"}},
            }
        }
    )
    with configured_source(config) as source:
        got = population_at_risk(source, group_by=["sex"])
    pd.testing.assert_frame_equal(got, population_at_risk(population, group_by=["sex"]))


# --- configuration: the indicator command on Spark and on PostgreSQL ------------------------

INDICATORS = (
    "analysis: {outcomes: [cvd_mortality, late_stage_cancer], breakdowns: [imd_quintile], "
    "years: [2020, 2024]}\n"
)
#: A rate, a proportion and the slope index of inequality.
TABLE_FILES = [
    "cvd_mortality_by_imd_quintile.csv",
    "late_stage_cancer_by_imd_quintile.csv",
    "slope_index_of_inequality_by_deprivation_decile.csv",
]


def _indicator_files(tmp_path: Path, name: str, data: str) -> dict[str, str]:
    config = tmp_path / f"{name}.yml"
    config.write_text(f"data: {data}\n{INDICATORS}")
    out = tmp_path / name
    assert main(["--config", str(config), "--out", str(out), "--quiet"]) == 0
    return {p.name: p.read_text() for p in sorted(out.glob("*.csv"))}  # not the manifest


def test_indicator_command_on_spark_writes_the_same_tables_as_duckdb(spark, tmp_path):
    synthetic = "{source: synthetic, n_people: 20000"
    on_duckdb = _indicator_files(tmp_path, "duckdb", synthetic + "}")
    on_spark = _indicator_files(
        tmp_path, "spark", synthetic + ", engine: spark, connection: 'local[1]'}"
    )
    assert list(on_duckdb) == TABLE_FILES and on_spark == on_duckdb


def test_indicator_command_on_postgres_with_mapped_table_and_columns(
    postgres_engine, population, tmp_path
):
    others = [c for c in population.people.columns if c != "person_id"]
    postgres_engine._conn.exec_driver_sql(
        f"CREATE OR REPLACE VIEW patients AS SELECT person_id AS patient_id, "
        f"{', '.join(others)} FROM people"
    )
    url = postgres_engine.database.url.render_as_string(hide_password=False)
    on_postgres = _indicator_files(
        tmp_path,
        "postgres",
        f"{{source: person, format: database, engine: postgres, connection: '{url}', "
        "tables: {people: public.patients}, columns: {people: {patient_id: person_id}}}",
    )
    folder = tmp_path / "files"
    folder.mkdir()
    for name in TABLES:
        getattr(population, name).to_parquet(folder / f"{name}.parquet", index=False)
    on_duckdb = _indicator_files(
        tmp_path, "duckdb", f"{{source: person, format: parquet, path: '{folder}'}}"
    )
    assert list(on_duckdb) == TABLE_FILES and on_postgres == on_duckdb


# --- bad extracts: one InputError naming the file or table and the column, on every engine --

BAD_ENGINES = [("duckdb", "parquet"), ("spark", "parquet"), ("postgres", "database")]


def _with_bad_table(
    request, engine_name: str, fmt: str, population: Dataset, folder: Path, bad: dict
) -> tuple[object, dict]:
    """An engine and the ``attach_tables`` arguments for the population with the tables in
    ``bad`` (name -> frame) replaced: Parquet files for DuckDB and Spark, tables of their own
    names in the throwaway PostgreSQL."""
    if engine_name == "postgres":
        engine = request.getfixturevalue("postgres_engine")
        names = {}
        for table, frame in bad.items():
            names[table] = f"{table}_bad_{request.node.name.split('[')[-1].rstrip(']')}"
            names[table] = "".join(c if c.isalnum() else "_" for c in names[table]).lower()
            engine.register(names[table], frame)
        return engine, {"format": "database", "tables": names}
    for table in TABLES:
        bad.get(table, getattr(population, table)).to_parquet(folder / f"{table}.parquet")
    if engine_name == "spark":
        engine = SparkEngine(request.getfixturevalue("spark").newSession())
    else:
        engine = DuckDBEngine()
    return engine, {"format": fmt, "path": folder}


@pytest.mark.parametrize(("engine_name", "fmt"), BAD_ENGINES)
def test_numbers_stored_as_text_are_named_with_table_column_and_example(
    request, population, tmp_path, engine_name, fmt
):
    people = population.people.assign(age=population.people["age"].astype(str))
    engine, where = _with_bad_table(request, engine_name, fmt, population, tmp_path,
                                    {"people": people})  # fmt: skip
    with pytest.raises(InputError) as error:
        attach_tables(engine, **where)
    message = str(error.value)
    table = "people.parquet" if fmt == "parquet" else where.get("tables", {}).get("people", "")
    assert table in message
    assert "column age holds numbers stored as text, e.g. '" in message


@pytest.mark.parametrize(("engine_name", "fmt"), BAD_ENGINES)
def test_flags_stored_as_text_true_are_named_with_table_column_and_example(
    request, population, tmp_path, engine_name, fmt
):
    flags = population.people["hypertension"].map({True: "True", False: "False"})
    people = population.people.assign(hypertension=flags)
    engine, where = _with_bad_table(request, engine_name, fmt, population, tmp_path,
                                    {"people": people})  # fmt: skip
    with pytest.raises(InputError, match=r"column hypertension holds flags stored as text, "
                                         r"e\.g\. '(True|False)'"):  # fmt: skip
        attach_tables(engine, **where)


@pytest.mark.parametrize(("engine_name", "fmt"), BAD_ENGINES)
def test_a_death_in_the_future_is_rejected_by_the_engine_as_in_memory(
    request, population, tmp_path, engine_name, fmt
):
    deaths = population.deaths.copy()
    deaths.loc[deaths.index[0], "year"] = 2031
    engine, where = _with_bad_table(request, engine_name, fmt, population, tmp_path,
                                    {"deaths": deaths})  # fmt: skip
    rule = f"deaths.year must be at most {THIS_YEAR}: 1 row(s) break it, e.g. 2031"
    with pytest.raises(InputError, match=re.escape(rule)):
        attach_tables(engine, **where)
    with pytest.raises(InputError, match=f"table 'deaths': must be at most {THIS_YEAR}"):
        validate_dataset(Dataset(**{**population.tables(), "deaths": deaths}))


def _csv_files(population: Dataset, folder: Path, people: pd.DataFrame, encoding: str) -> None:
    for table in TABLES:
        frame = people if table == "people" else getattr(population, table)
        frame.to_csv(folder / f"{table}.csv", index=False, encoding=encoding)


@pytest.mark.parametrize("engine_name", ["duckdb", "spark"])
def test_csv_in_latin1_is_named_with_file_and_line_and_read_with_the_encoding(
    request, population, tmp_path, engine_name
):
    areas = population.areas.copy()
    areas.loc[areas.index[4], "district_name"] = "Ch\u00e2teau"  # a name outside ASCII
    population = Dataset(**{**population.tables(), "areas": areas})
    _csv_files(population, tmp_path, population.people, "latin-1")

    def engine():
        if engine_name == "spark":
            return SparkEngine(request.getfixturevalue("spark").newSession())
        return DuckDBEngine()

    with pytest.raises(InputError, match=r"areas\.csv: line 6 is not valid utf-8"):
        attach_tables(engine(), path=tmp_path, format="csv", validate=False)
    with attach_tables(engine(), path=tmp_path, format="csv", encoding="latin-1") as files:
        got = aggregate_events(files, "deaths", cause="CVD", group_by=["district_name"])
    expected = aggregate_events(population, "deaths", cause="CVD", group_by=["district_name"])
    assert "Ch\u00e2teau" in set(got["district_name"])
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("engine_name", ["duckdb", "spark"])
def test_csv_flags_written_as_text_are_read_by_the_rule_as_in_memory(
    request, population, tmp_path, engine_name
):
    people = population.people.assign(
        hypertension=population.people["hypertension"].map({True: "Y", False: "n"}),
        diabetes=population.people["diabetes"].map({True: " yes", False: "NO"}),
    )
    _csv_files(population, tmp_path, people, "utf-8")
    if engine_name == "spark":
        made = SparkEngine(request.getfixturevalue("spark").newSession())
    else:
        made = DuckDBEngine()
    with attach_tables(made, path=tmp_path, format="csv") as files:
        got = area_summary(files, years=[2020, 2021])
    in_memory = load_dataset(tmp_path, format="csv")
    pd.testing.assert_frame_equal(got, area_summary(in_memory, years=[2020, 2021]))
    pd.testing.assert_frame_equal(got, area_summary(population, years=[2020, 2021]))
    # a value that is no flag is named, with the file, by both executors
    people.loc[people.index[2], "diabetes"] = "maybe"
    _csv_files(population, tmp_path, people, "utf-8")
    rule = "column diabetes must be a flag written as one of true, t, yes, y, 1, false"
    with pytest.raises(InputError, match=rule):
        attach_tables(DuckDBEngine(), path=tmp_path, format="csv")
    with pytest.raises(InputError, match=r"people\.csv.*must be a flag written"):
        load_dataset(tmp_path, format="csv")


def test_a_year_stored_as_a_date_is_named_with_file_and_column(population, tmp_path):
    deaths = population.deaths.assign(
        year=pd.to_datetime(population.deaths["year"].astype(str) + "-06-01")
    )
    for table in TABLES:
        frame = deaths if table == "deaths" else getattr(population, table)
        frame.to_parquet(tmp_path / f"{table}.parquet")
    with pytest.raises(InputError, match=r"deaths\.parquet: column year holds a date"):
        attach_tables(DuckDBEngine(), path=tmp_path, format="parquet")


def test_files_that_passed_the_checks_are_checked_again_only_when_they_change(
    population, tmp_path, monkeypatch
):
    """Each chapter of the book attaches the same extract in its own process: the checks run
    once; changed files (or a database, which can change unseen) are checked again."""
    from analysis.data import configured

    monkeypatch.setenv(configured.CHECKED_DIR_ENV_VAR, str(tmp_path / "checked"))
    calls = []
    real = configured.check_tables
    monkeypatch.setattr(
        configured, "check_tables", lambda engine, **kw: (calls.append(1), real(engine, **kw))
    )
    folder = tmp_path / "extract"
    folder.mkdir()
    for table in TABLES:
        getattr(population, table).to_parquet(folder / f"{table}.parquet")
    for _ in range(2):
        attach_tables(DuckDBEngine(), path=folder, format="parquet").close()
    assert len(calls) == 1
    deaths = population.deaths.copy()
    deaths.loc[deaths.index[0], "year"] = 2031
    deaths.to_parquet(folder / "deaths.parquet")  # same name, new contents
    with pytest.raises(InputError, match=re.escape("deaths.year must be at most")):
        attach_tables(DuckDBEngine(), path=folder, format="parquet")
    assert len(calls) == 2
    database = tmp_path / "extract.duckdb"
    with duckdb.connect(str(database)) as con:
        for name in TABLES:
            con.register("frame", getattr(population, name))
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
    for _ in range(2):
        engine = DuckDBEngine(duckdb.connect(str(database)), owned=True)
        attach_tables(engine, format="database").close()
    assert len(calls) == 4


def test_spark_broadcasts_a_join_side_only_when_measured_small(spark):
    """Spark's static size estimate took 10 million distinct person ids for 3 MB and broadcast
    them (Java heap exhausted): broadcasts are left to adaptive execution's measured sizes,
    unless data.spark sets them."""
    engine = open_engine("spark", "local[1]")
    assert engine.spark.conf.get("spark.sql.autoBroadcastJoinThreshold") == "-1"
    assert engine.spark.conf.get("spark.sql.adaptive.autoBroadcastJoinThreshold") == "1m"
    chosen = open_engine(
        "spark", "local[1]", spark_settings={"spark.sql.autoBroadcastJoinThreshold": "5m"}
    )
    assert chosen.spark.conf.get("spark.sql.autoBroadcastJoinThreshold") == "5m"
