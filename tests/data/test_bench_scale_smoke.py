"""Smoke test of the scale benchmark (``benchmarks/bench_scale.py``) at 20,000 people.

The benchmark runs outside the test suite; this keeps its writer and its aggregation route from
rotting unnoticed: the files follow the schema and pass validation, the totals of the lazily
read aggregation equal an independent count with pyarrow, the population beside the events (the
benchmark times ``aggregate_events`` alone) equals ``population_at_risk``'s, and the Parquet,
CSV and in-memory routes give the same aggregate.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest

from analysis.data import Dataset, aggregate_events, population_at_risk, validate_dataset
from analysis.data import parameters as P
from analysis.data.dataset import TABLES
from analysis.data.schema import PERSON_LEVEL
from tests.conftest import PROJECT_ROOT

N_PEOPLE = 20_000


@pytest.fixture(scope="module")
def bench():
    """The benchmark module, imported from ``benchmarks/`` (a folder of scripts, not a package)."""
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    try:
        import bench_scale

        yield bench_scale
    finally:
        sys.path.remove(str(PROJECT_ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def written(bench, tmp_path_factory):
    root = tmp_path_factory.mktemp("bench_scale")
    rows = bench.scale_data.write_dataset(root / "parquet", N_PEOPLE, seed=7)
    return root, rows


def _read(folder) -> pd.DataFrame:
    """A hive-partitioned Parquet folder read with pyarrow (partition keys as columns)."""
    partitioning = ds.HivePartitioning.discover(infer_dictionary=False)
    return ds.dataset(folder, format="parquet", partitioning=partitioning).to_table().to_pandas()


@pytest.fixture(scope="module")
def tables(written) -> dict[str, pd.DataFrame]:
    root, _ = written
    return {name: _read(root / "parquet" / name) for name in TABLES}


@pytest.fixture(scope="module")
def from_files(bench, written):
    """CVD deaths with their population, the population at risk and person-years,
    aggregated by DuckDB from the lazily read Parquet files."""
    root, _ = written
    engine = bench.open_engine("duckdb", root)
    bench.attach(engine, root / "parquet", "parquet")
    events, _ = bench.aggregate(engine)
    pop = population_at_risk(engine, group_by=list(bench.BY))
    person_years = population_at_risk(engine, measure="person_years")
    engine.close()
    return pop, events, person_years


def test_files_follow_the_schema_and_pass_validation(written, tables):
    _, rows = written
    assert rows["people"] == N_PEOPLE
    for name, df in tables.items():
        assert len(df) == rows[name], name
        assert set(df.columns) == {c.name for c in PERSON_LEVEL[name]}, name
    ordered = {n: df[[c.name for c in PERSON_LEVEL[n]]] for n, df in tables.items()}
    checked = validate_dataset(Dataset(**ordered))
    assert len(checked.deaths) > 0 and len(checked.cancers) > 0 and len(checked.admissions) > 0


def test_aggregate_totals_equal_an_independent_count(bench, tables, from_files):
    pop, events, person_years = from_files
    death_year = tables["deaths"]["year"].to_numpy()
    alive = {y: N_PEOPLE - int((death_year < y).sum()) for y in P.YEARS}
    assert pop.groupby("year")["population"].sum().to_dict() == alive
    assert events.groupby("year")["population"].sum().to_dict() == alive
    both = events.merge(pop, on=bench.KEYS, how="outer", suffixes=("", "_pop")).fillna(0)
    assert np.array_equal(both["population"], both["population_pop"])
    dying = {y: int((death_year == y).sum()) for y in P.YEARS}
    assert person_years["population"].sum() == sum(alive[y] - 0.5 * dying[y] for y in P.YEARS)
    cvd = tables["deaths"]["cause_group"] == "CVD"
    assert events["events"].sum() == int(cvd.sum()) > 0


def test_benchmark_checks_pass_and_catch_a_wrong_aggregate(bench, written, from_files):
    root, _ = written
    _, events, _ = from_files
    counts = bench.file_counts(root / "parquet")
    assert bench.check(events, counts) == []
    short = events.assign(population=events["population"] - (events.index == 0))
    assert len(bench.check(short, counts)) == 1  # a year's population
    extra = events.assign(events=events["events"] + (events.index == 0))
    assert len(bench.check(extra, counts)) == 1  # the CVD deaths


def test_lazy_files_equal_csv_and_in_memory_runs(bench, written, tables, from_files):
    root, _ = written
    _, events, _ = from_files
    memory = Dataset(**{n: df[[c.name for c in PERSON_LEVEL[n]]] for n, df in tables.items()})
    in_memory = aggregate_events(memory, "deaths", cause="CVD", group_by=list(bench.BY))
    pd.testing.assert_frame_equal(events, in_memory, check_dtype=False)

    bench.scale_data.write_csv(root / "parquet", root / "csv")
    engine = bench.open_engine("duckdb", root)
    bench.attach(engine, root / "csv", "csv")
    csv_events, _ = bench.aggregate(engine)
    engine.close()
    pd.testing.assert_frame_equal(csv_events, events, check_dtype=False)


def test_the_same_seed_writes_the_same_people(bench, tmp_path, tables):
    bench.scale_data.write_dataset(tmp_path, N_PEOPLE, seed=7)
    again = _read(tmp_path / "people")
    key = ["person_id"]
    pd.testing.assert_frame_equal(
        again.sort_values(key).reset_index(drop=True),
        tables["people"].sort_values(key).reset_index(drop=True),
    )
    assert np.array_equal(np.sort(again["person_id"]), np.arange(1, N_PEOPLE + 1))
