"""The chapter "From records to deprivation" on data without postcodes, flags or boundaries:
it renders and says which steps it skipped (the synthetic data are rendered by the book)."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

from analysis.book import load_project, render_offline
from analysis.data import generate_population, save_dataset
from analysis.data.recording import RECORDING_COLUMNS

REPOSITORY = Path(__file__).resolve().parents[2]
CHAPTER = "chapters/records-to-deprivation.qmd"


def test_renders_on_own_data_without_the_optional_columns(tmp_path, monkeypatch):
    pop = generate_population(20_000, seed=4)
    own = replace(
        pop, people=pop.people.drop(columns=list(RECORDING_COLUMNS)), people_truth=None,
        truth=None,
    )  # fmt: skip
    save_dataset(own, tmp_path / "extract")
    config = tmp_path / "analysis.yml"
    config.write_text("data:\n  source: person\n  format: parquet\n  path: extract\n")
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(config))
    (tmp_path / "chapters").mkdir()
    shutil.copyfile(REPOSITORY / CHAPTER, tmp_path / CHAPTER)
    shutil.copyfile(REPOSITORY / "references.bib", tmp_path / "references.bib")
    (tmp_path / "index.qmd").write_text("# Preface {#sec-preface .unnumbered}\n")
    (tmp_path / "_quarto.yml").write_text(
        f"book:\n  title: T\n  chapters:\n    - index.qmd\n    - {CHAPTER}\n"
        "bibliography: references.bib\n"
    )
    render_offline(load_project(tmp_path), pdf_output=False, log=lambda _: None)
    page = (tmp_path / "_book/chapters/records-to-deprivation.html").read_text()
    assert "Traceback" not in page and "{python}" not in page
    assert re.search(r"has no \S{1,7}postcode\S{1,7} column", page)  # quotes become curly
    assert "no learning disability, autism or homelessness flags" in page
    assert "No small-area boundaries are configured" in page
    assert "Planted and recovered gaps" not in page  # only for the synthetic data
