"""The shipped reference tables in data/reference/ agree with analysis.standards."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.standards import (
    ESP2013_AGE_BANDS,
    ESP2013_WEIGHTS,
    LIFE_TABLE_AGE_BANDS,
    LIFE_TABLE_START_AGES,
)

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"


def test_esp2013_csv_matches_standards():
    esp = pd.read_csv(REFERENCE / "esp2013.csv")
    assert esp["age_band"].tolist() == list(ESP2013_AGE_BANDS)
    assert esp["standard_population"].tolist() == list(ESP2013_WEIGHTS)
    assert esp["standard_population"].sum() == 100_000
    assert esp["start_age"].tolist() == list(range(0, 95, 5))


def test_age_bands_csv_matches_standards_and_covers_every_age():
    bands = pd.read_csv(REFERENCE / "age_bands.csv")
    esp = bands[bands["scheme"] == "esp2013"]
    life = bands[bands["scheme"] == "life_table"]
    assert esp["age_band"].tolist() == list(ESP2013_AGE_BANDS)
    assert life["age_band"].tolist() == list(LIFE_TABLE_AGE_BANDS)
    assert life["start_age"].tolist() == list(LIFE_TABLE_START_AGES)
    for scheme in (esp, life):  # contiguous, no gaps or overlaps, open top band
        assert (
            scheme["start_age"].iloc[1:].to_numpy() == scheme["end_age"].iloc[:-1].to_numpy() + 1
        ).all()
        assert scheme["start_age"].iloc[0] == 0 and scheme["end_age"].iloc[-1] >= 120
