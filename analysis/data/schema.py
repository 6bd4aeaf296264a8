"""The documented schema of person-level and aggregated input.

Each table is a tuple of :class:`Column` (name, kind, whether it is required, allowed values
or range). ``data/README.md`` shows the same schema for people bringing their own data; the
validation in :mod:`analysis.data.validate` enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.data import parameters as P
from analysis.standards import ESP2013_AGE_BANDS, LIFE_TABLE_AGE_BANDS

#: Kinds of column: integer, number, text, category (``allowed`` lists the values), boolean.
KINDS = ("integer", "number", "text", "category", "boolean")


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    kind: str
    description: str
    required: bool = True
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False


MAX_AGE = 120
CONDITION_COLUMNS = (*P.CONDITIONS, "hypertension_recorded", "cancer")

AREAS = (
    Column("area_code", "text", "small-area code (unique)"),
    Column("area_name", "text", "small-area name", required=False),
    Column("district_code", "text", "district (local authority) code"),
    Column("district_name", "text", "district name"),
    Column("imd_score", "number", "IMD score (higher = more deprived)", required=False, minimum=0),
    Column(
        "imd_rank", "integer", "national IMD rank (1 = most deprived)", required=False, minimum=1
    ),
    Column(
        "imd_decile", "integer", "national IMD decile (1 = most deprived)", minimum=1, maximum=10
    ),
    Column(
        "imd_quintile",
        "integer",
        "national IMD quintile (1 = most deprived, Core20)",
        minimum=1,
        maximum=5,
    ),
    Column("core20", "boolean", "in national IMD quintile 1 (Core20)", required=False),
    Column(
        "population",
        "integer",
        "residents at the start of the first year",
        required=False,
        minimum=0,
    ),
)
PRACTICES = (
    Column("practice_code", "text", "GP practice code (unique)"),
    Column("practice_name", "text", "GP practice name", required=False),
    Column("district_code", "text", "district of the practice", required=False),
)
PEOPLE = (
    Column("person_id", "integer", "pseudonymised person identifier (unique)"),
    Column("area_code", "text", "small area of residence (must be in areas)"),
    Column("district_code", "text", "district of residence", required=False),
    Column(
        "practice_code", "text", "registered GP practice (must be in practices)", required=False
    ),
    Column("sex", "category", "sex", allowed=P.SEXES),
    Column(
        "age",
        "integer",
        "age in whole years at 1 January of the first year",
        minimum=0,
        maximum=MAX_AGE,
    ),
    Column(
        "age_band",
        "category",
        "ESP 2013 five-year band of age",
        required=False,
        allowed=ESP2013_AGE_BANDS,
    ),
    Column("ethnicity", "category", "ONS 5 groups or Not stated", allowed=P.ETHNICITIES),
    Column(
        "imd_decile", "integer", "IMD decile of the area", required=False, minimum=1, maximum=10
    ),
    Column(
        "imd_quintile", "integer", "IMD quintile of the area", required=False, minimum=1, maximum=5
    ),
    Column("smoking", "category", "smoking status", required=False, allowed=P.SMOKING),
    Column("bmi_band", "category", "BMI band", required=False, allowed=P.BMI_BANDS),
    *(Column(c, "boolean", f"on the {c} register", required=False) for c in CONDITION_COLUMNS),
)
DEATHS = (
    Column("person_id", "integer", "who died (must be in people; at most once)"),
    Column("year", "integer", "calendar year of death"),
    Column(
        "age_at_death",
        "integer",
        "age at 1 January of the year of death",
        required=False,
        minimum=0,
        maximum=MAX_AGE,
    ),
    Column("cause_group", "category", "underlying cause group", allowed=P.CAUSE_GROUPS),
)
CANCERS = (
    Column("person_id", "integer", "who was diagnosed (must be in people)"),
    Column("diagnosis_year", "integer", "calendar year of diagnosis"),
    Column(
        "age_at_diagnosis",
        "integer",
        "age at 1 January of the diagnosis year",
        required=False,
        minimum=0,
        maximum=MAX_AGE,
    ),
    Column("site", "category", "cancer site", allowed=P.CANCER_SITES),
    Column(
        "stage",
        "integer",
        "stage at diagnosis (missing = unknown)",
        required=False,
        minimum=1,
        maximum=4,
        nullable=True,
    ),
    Column(
        "early_stage", "boolean", "stage 1-2 (missing = unknown)", required=False, nullable=True
    ),
    Column(
        "emergency_presentation",
        "boolean",
        "diagnosed after an emergency presentation",
        required=False,
    ),
)
ADMISSIONS = (
    Column("person_id", "integer", "who was admitted (must be in people)"),
    Column("year", "integer", "calendar year of the emergency admission"),
    Column("cause_group", "category", "primary diagnosis group", allowed=P.CAUSE_GROUPS),
)
PEOPLE_TRUTH = (
    Column("person_id", "integer", "person (synthetic data only)"),
    Column(
        "latent_group",
        "integer",
        "planted multimorbidity group",
        minimum=0,
        maximum=len(P.LATENT_GROUPS) - 1,
    ),
    Column(
        "latent_group_name",
        "category",
        "name of the group",
        required=False,
        allowed=P.LATENT_GROUPS,
    ),
)

#: Person-level tables by name.
PERSON_LEVEL: dict[str, tuple[Column, ...]] = {
    "areas": AREAS,
    "practices": PRACTICES,
    "people": PEOPLE,
    "deaths": DEATHS,
    "cancers": CANCERS,
    "admissions": ADMISSIONS,
    "people_truth": PEOPLE_TRUTH,
}

#: Aggregated input: one row per stratum (the caller's breakdowns, year, age band).
AGGREGATED = (
    Column("year", "integer", "calendar year"),
    Column(
        "age_band",
        "category",
        "ESP 2013 or life-table age band",
        allowed=tuple(dict.fromkeys((*ESP2013_AGE_BANDS, *LIFE_TABLE_AGE_BANDS))),
    ),
    Column("events", "integer", "number of events in the stratum", minimum=0),
    Column(
        "population",
        "number",
        "population at risk (mid-year or start-of-year count, or person-years)",
        minimum=0,
    ),
)
