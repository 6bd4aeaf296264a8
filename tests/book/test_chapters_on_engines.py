"""The chapters that take their data from the configured engine print the same numbers on
every engine, and the book renders from a PostgreSQL source.

One synthetic population of 200,000 people (the size of the example extract; smaller ones
leave groups the chapters compare without events) is stored as Parquet. Each chapter that
loads its data with ``configured_source()`` runs in a Jupyter kernel on it from DuckDB (the
reference), from Spark ``local[2]`` and from PostgreSQL (the tables written to a throwaway
server); every inline value and every cell output (tables, figures, text) must be identical,
apart from the name of the data in the data statement and the table source notes. The
synthetic areas' postcode lookup is configured (``geography.postcode_lookup``), so the records
chapter joins the people's postcodes to it in each engine. The
in-memory path (the synthetic data registered in DuckDB from memory, the default) gives the
same aggregates by construction of ``configured_source``; the old person-level chapters were
compared with these on the default data when they were converted (issue #16).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from analysis.book import load_project
from analysis.book.execute import execute_chapter
from analysis.book.offline import render_offline
from analysis.book.qmd import read_qmd
from analysis.data import generate_population
from analysis.data.dataset import TABLES, Dataset
from analysis.data.engines import SQLEngine, register_dataset
from analysis.data.postcodes import synthetic_postcode_lookup
from tests.data import test_engines

ROOT = Path(__file__).resolve().parents[2]
PROJECT = load_project(ROOT)
ENGINE_CHAPTERS = [c for c in PROJECT.chapters if c not in PROJECT.appendices and c != "index.qmd"]
N_PEOPLE = 200_000
#: The data's name where the chapters print it (data statement, table source notes), and
#: the random id great_tables gives each table (in its HTML, escaped in JSON).
DATA_NAME = re.compile(
    r"the person-level data (in [\w-]+ \(Parquet files\)|in a postgresql database)"
    r"|Data: (postgresql database|[\w-]+)"
    r'|(?<=id=\\")[a-z]{10}|(?<=#)[a-z]{10}(?= )'  # great_tables' random table ids
)

postgres_url = test_engines.postgres_url  # the throwaway server of the engine tests


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[Path, Dataset]:
    folder = tmp_path_factory.mktemp("engines") / "extract"
    folder.mkdir()
    population = generate_population(N_PEOPLE, seed=3)
    dataset = Dataset(**{name: getattr(population, name) for name in TABLES})
    for name in TABLES:
        getattr(dataset, name).to_parquet(folder / f"{name}.parquet", index=False)
    # the lookup the records chapter joins the people's postcodes to, in the engine
    synthetic_postcode_lookup(dataset.areas).to_csv(folder.parent / "lookup.csv", index=False)
    return folder, dataset


def _geography(folder: Path) -> str:
    return f"geography:\n  postcode_lookup: {folder.parent / 'lookup.csv'}\n"


def _config(folder: Path, text: str) -> Path:
    path = Path(tempfile.mkdtemp(dir=folder.parent)) / "analysis.yml"
    path.write_text(text)
    return path


def _run(chapter: str, config: Path, monkeypatch) -> tuple[list[str], list]:
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(config))
    executed = execute_chapter(
        read_qmd(ROOT / chapter),
        cache_dir=config.parent / "cache",
        fingerprint=str(config),
        label=chapter,
        refresh=True,
    )
    clean = lambda text: DATA_NAME.sub("<data>", text)  # noqa: E731
    return [clean(v) for v in executed.inline_values], json.loads(
        clean(json.dumps(executed.cell_outputs))
    )


@pytest.fixture(scope="module")
def configs(stored) -> dict[str, Path]:
    folder, _ = stored
    base = f"{_geography(folder)}data:\n  source: person\n  format: parquet\n  path: {folder}\n"
    return {
        "duckdb": _config(folder, base),
        "spark": _config(folder, base + "  engine: spark\n  connection: local[2]\n"),
    }


@pytest.fixture(scope="module")
def postgres_config(stored, postgres_url) -> Path:
    folder, dataset = stored
    with register_dataset(SQLEngine(postgres_url), dataset):
        pass  # the tables stay in the server for the module
    return _config(
        folder,
        f"{_geography(folder)}data:\n  source: person\n  format: database\n  engine: postgres\n"
        f"  connection: {postgres_url}\n",
    )


@pytest.mark.slow
@pytest.mark.parametrize("chapter", ENGINE_CHAPTERS)
def test_chapter_numbers_are_identical_on_every_engine(
    chapter, configs, postgres_config, monkeypatch
):
    if not shutil.which("java"):
        pytest.skip("Java not found: Spark needs Java 17 or later")
    reference = _run(chapter, configs["duckdb"], monkeypatch)
    assert reference[0], f"{chapter} printed no inline values"
    if chapter == "chapters/records-to-deprivation.qmd":  # the join ran, it was not skipped
        assert any("through the lookup of postcodes" in v for v in reference[0])
    for name, config in (("spark", configs["spark"]), ("postgres", postgres_config)):
        inline, outputs = _run(chapter, config, monkeypatch)
        assert inline == reference[0], f"{chapter} on {name}: inline values differ"
        for i, (got, expected) in enumerate(zip(outputs, reference[1], strict=True)):
            assert got == expected, f"{chapter} on {name}: outputs of cell {i} differ"


def test_the_book_renders_from_a_postgresql_source(postgres_config, tmp_path, monkeypatch):
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(postgres_config))
    (tmp_path / "chapters").mkdir()
    shutil.copyfile(ROOT / "index.qmd", tmp_path / "index.qmd")
    shutil.copyfile(ROOT / "chapters/how-this-book-works.qmd", tmp_path / "chapters/how.qmd")
    shutil.copyfile(ROOT / "references.bib", tmp_path / "references.bib")
    (tmp_path / "_quarto.yml").write_text(
        "book:\n  title: T\n  chapters:\n    - index.qmd\n    - chapters/how.qmd\n"
        "bibliography: references.bib\n"
    )
    render_offline(load_project(tmp_path), pdf_output=False, log=lambda _: None)
    page = (tmp_path / "_book/chapters/how.html").read_text()
    assert "the person-level data in a postgresql database" in page
    assert f"{N_PEOPLE:,}" in (tmp_path / "_book/index.html").read_text()
    assert re.search(r"died from CVD at \d+ per 100,000 person-years against \d+", page)
    assert "Traceback" not in page and "{python}" not in page
