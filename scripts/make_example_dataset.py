"""Write a second, differently named example dataset: a mock NHS extract to try the book on.

The book's default data are the synthetic integrated care system in ``data/synthetic/``. This
script makes another synthetic population -- smaller (200,000 residents by default), from
another seed, with other invented district names -- and writes it the way an analyst's own
extract might arrive: CSV files with NHS-style column names (``patient_id``, ``lsoa21cd``,
``gender``, ``ethnic_category``, ``reg_year``, ...) and no planted truth. The configuration
file ``examples/second-dataset.yml`` maps those names back to the book's, so

    .venv/bin/python scripts/make_example_dataset.py
    NHS_ANALYSIS_CONFIG=examples/second-dataset.yml bash scripts/book.sh --output-dir _book-example

renders the whole book on it through the configuration file alone.

Everything here is synthetic (fictional people and places); the output folder is ignored by git.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.data import generate_population, save_dataset  # noqa: E402
from analysis.data.dataset import TABLES, Dataset  # noqa: E402

#: Our column names -> the extract's, per table. ``examples/second-dataset.yml`` holds the
#: inverse mapping; a test checks that the two agree.
EXTRACT_COLUMNS: dict[str, dict[str, str]] = {
    "areas": {
        "area_code": "lsoa21cd",
        "area_name": "lsoa21nm",
        "district_code": "lad22cd",
        "district_name": "lad22nm",
        "imd_score": "imd_score",
        "imd_rank": "imd_rank",
        "imd_decile": "imd_decile",
        "imd_quintile": "imd_quintile",
        "core20": "core20_flag",
        "population": "resident_population",
    },
    "practices": {
        "practice_code": "gp_practice_code",
        "practice_name": "gp_practice_name",
        "district_code": "lad22cd",
    },
    "people": {
        "person_id": "patient_id",
        "area_code": "lsoa21cd",
        "district_code": "lad22cd",
        "practice_code": "gp_practice_code",
        "sex": "gender",
        "age": "age_at_start",
        "age_band": "age_band_5yr",
        "ethnicity": "ethnic_category",
        "imd_decile": "imd_decile",
        "imd_quintile": "imd_quintile",
        "smoking": "smoking_status",
        "bmi_band": "bmi_category",
        "hypertension": "hypertension_true",
        "hypertension_recorded": "qof_hyp",
        "chd": "qof_chd",
        "stroke_tia": "qof_stia",
        "heart_failure": "qof_hf",
        "atrial_fibrillation": "qof_af",
        "diabetes": "qof_dm",
        "ckd": "qof_ckd",
        "copd": "qof_copd",
        "asthma": "qof_ast",
        "depression": "qof_dep",
        "dementia": "qof_dem",
        "cancer": "qof_can",
    },
    "deaths": {
        "person_id": "patient_id",
        "year": "reg_year",
        "age_at_death": "age_at_death",
        "cause_group": "underlying_cause_group",
    },
    "cancers": {
        "person_id": "patient_id",
        "diagnosis_year": "dx_year",
        "age_at_diagnosis": "age_at_dx",
        "site": "tumour_site",
        "stage": "stage_best",
        "early_stage": "early_stage_flag",
        "emergency_presentation": "route_emergency",
    },
    "admissions": {
        "person_id": "patient_id",
        "year": "admission_year",
        "cause_group": "primary_diagnosis_group",
    },
}

#: The default data's invented district names -> this extract's (also invented).
DISTRICT_NAMES = {
    "Varrowfield": "Corvanbury",
    "Brindlecombe": "Hollinshade",
    "Ostermere": "Wendlestock",
    "Pellingrove": "Amberlow",
    "Quendlebury": "Kestrelmoor",
    "Thaxmoor": "Saltinghay",
}


def rename_places(dataset: Dataset) -> Dataset:
    """The same tables with the districts (and the area and practice names that contain
    them) renamed, so nothing in the book can rely on the default data's place names."""

    def renamed(values):
        for old, new in DISTRICT_NAMES.items():
            values = values.str.replace(old, new, regex=False)
        return values

    areas = dataset.areas.assign(
        area_name=renamed(dataset.areas["area_name"]),
        district_name=dataset.areas["district_name"].map(DISTRICT_NAMES),
    )
    practices = dataset.practices.assign(practice_name=renamed(dataset.practices["practice_name"]))
    return Dataset(
        areas=areas,
        practices=practices,
        people=dataset.people,
        deaths=dataset.deaths,
        cancers=dataset.cancers,
        admissions=dataset.admissions,
    )


def as_extract(dataset: Dataset) -> Dataset:
    """Rename every column to the extract's names; the planted truth is left out."""
    return Dataset(
        **{name: getattr(dataset, name).rename(columns=EXTRACT_COLUMNS[name]) for name in TABLES}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "data" / "example-extract",
        help="folder to write the CSV files to (default: data/example-extract/)",
    )
    parser.add_argument("--people", type=int, default=200_000, help="residents (default 200,000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    population = generate_population(args.people, seed=args.seed)
    paths = save_dataset(as_extract(rename_places(population)), args.out, format="csv")
    print(f"{args.people:,} residents (seed {args.seed}) written to {args.out}:")
    for path in paths:
        print(f"  {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
