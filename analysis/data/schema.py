"""The documented schema of person-level and aggregated input, and the rules that check it.

Each table is a tuple of :class:`Column` (name, kind, whether it is required, allowed values
or range); :data:`UNIQUE_KEYS`, :data:`LINKS` and :data:`EVENT_YEARS` state the rules between
tables. ``data/README.md`` shows the same schema for people bringing their own data. One rule
set, two executors: :mod:`analysis.data.validate` checks tables in memory (pandas) and
:func:`analysis.data.configured.check_tables` checks them where they live (DuckDB, Spark, a
database) with SQL; both read these definitions.

**Stored types.** A Parquet file or a database table has column types, and they must fit the
kind: numbers stored as numbers, flags as booleans or as the numbers 1 and 0. A number or a
flag stored as *text* there is rejected, naming the table, the column and an example value
(convert the column in the extract; text in a typed column usually means the extract went
wrong, e.g. ``'40 yrs'``). A CSV file has no types, so in CSV (``from_text``) numbers and flags
are read from their written form: numbers written in digits (:data:`NUMBER_TEXT`, e.g. ``42``
or ``3.5``) and flags written as one of :data:`TRUE_TEXT` or :data:`FALSE_TEXT` (any case,
surrounding spaces ignored); any other value is rejected with an example. Codes and
categories are compared as text whatever their stored type.
"""

from __future__ import annotations

import datetime
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
#: Event years must lie from this year to the current calendar year (no future events).
MIN_YEAR = 1900
THIS_YEAR = datetime.date.today().year
#: Flag values written as text (CSV): read as true / false, case and spaces ignored.
TRUE_TEXT = ("true", "t", "yes", "y", "1")
FALSE_TEXT = ("false", "f", "no", "n", "0")
#: A number written as text (CSV), spaces trimmed: optional sign, digits, optional decimals.
NUMBER_TEXT = r"^[-+]?[0-9]+(\.[0-9]+)?$"
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
    Column("year", "integer", "calendar year of death", minimum=MIN_YEAR, maximum=THIS_YEAR),
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
    Column(
        "diagnosis_year",
        "integer",
        "calendar year of diagnosis",
        minimum=MIN_YEAR,
        maximum=THIS_YEAR,
    ),
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
    Column(
        "year",
        "integer",
        "calendar year of the emergency admission",
        minimum=MIN_YEAR,
        maximum=THIS_YEAR,
    ),
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


#: Columns whose values must be unique: (table, column).
UNIQUE_KEYS = (
    ("areas", "area_code"),
    ("practices", "practice_code"),
    ("people", "person_id"),
    ("deaths", "person_id"),  # one death per person
)
#: Codes that must be found in another table: (table, column, other table, other column);
#: checked where the column is present.
LINKS = (
    ("people", "area_code", "areas", "area_code"),
    ("people", "practice_code", "practices", "practice_code"),
    ("people", "district_code", "areas", "district_code"),
    ("deaths", "person_id", "people", "person_id"),
    ("cancers", "person_id", "people", "person_id"),
    ("admissions", "person_id", "people", "person_id"),
)
#: Event tables and their year column: an event must not come after the person's death (and,
#: when the caller names the years, lie within them).
EVENT_YEARS = {"deaths": "year", "cancers": "diagnosis_year", "admissions": "year"}
