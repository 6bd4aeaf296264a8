"""scripts/make_example_dataset.py and examples/second-dataset.yml: the second dataset loads,
through the configuration file alone, into the same tables with other names."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from analysis.config import load_config
from analysis.data import configured_dataset, dataset_checksum, generate_population

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "second-dataset.yml"


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_example_dataset", ROOT / "scripts" / "make_example_dataset.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_configuration_inverts_the_extract_names():
    script = _script()
    mapping = yaml.safe_load(CONFIG.read_text())["data"]["columns"]
    for table, ours_to_theirs in script.EXTRACT_COLUMNS.items():
        renamed = {theirs: ours for ours, theirs in ours_to_theirs.items() if theirs != ours}
        assert mapping[table] == renamed, table


def test_the_extract_loads_through_the_configuration_alone(tmp_path):
    script = _script()
    extract = tmp_path / "extract"
    assert script.main(["--out", str(extract), "--people", "3000", "--seed", "11"]) == 0
    people = (extract / "people.csv").read_text().split("\n", 1)[0].split(",")
    assert "patient_id" in people and "person_id" not in people
    assert not (extract / "people_truth.csv").exists()  # a real extract has no planted truth
    config = tmp_path / "config.yml"
    config.write_text(CONFIG.read_text().replace("../data/example-extract", "extract"))
    loaded = configured_dataset(load_config(config))
    expected = script.rename_places(generate_population(3000, seed=11))
    assert loaded.truth is None and loaded.people_truth is None
    assert dataset_checksum(loaded) == dataset_checksum(expected)
    assert set(loaded.areas["district_name"]) == set(script.DISTRICT_NAMES.values())
