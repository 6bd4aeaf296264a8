"""Write a large person-level dataset for the scale benchmark, fast and in bounded memory.

This is **benchmark data, not the book's synthetic population**: it has exactly the
columns and types of :mod:`analysis.data.schema` (so the aggregation SQL runs on it
unchanged) and plausible, simple distributions -- England-like ages and sexes, deprivation
deciles and quintiles tied to small areas, ethnicity and smoking with deprivation gradients,
condition flags rising with age and deprivation, deaths, cancers and emergency admissions
with rates rising with age and deprivation -- but none of the planted effects, latent groups
or calibration of :func:`analysis.data.generate_population`. Do not analyse it.

How: the small tables (areas, practices) and lookup tables (ages by quintile, hazards and
prevalences by quintile x age x sex) are made with numpy. People are drawn in DuckDB SQL from a
table of blocks of person ids (``unnest(range(size))``), with pseudo-random values from
DuckDB's ``hash(person_id * 128 + stream + seed)``: a counter-based generator, so each value is
a pure function of the person and the stream and any pass redraws the same people. Each
district is one ``COPY ... TO 'people/district_code=<code>/data_0.parquet'`` (``threads``
districts at once), so memory holds a district, not the population. Waiting times to death and
to a cancer diagnosis are geometric draws from yearly hazards; admissions are a Poisson count
over the five years, kept in the years alive. The people with events are kept compactly and
the event tables written partitioned by year (``deaths/year=2020/...``). :func:`write_csv`
copies everything to one CSV file per table. The same seed and size give the same data with
the same DuckDB version.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     counts = write_dataset(tmp, 2_000)
>>> counts["people"]
2000
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.data.engines import DuckDBEngine
from analysis.data.schema import PERSON_LEVEL
from analysis.standards import ESP2013_AGE_BANDS

#: Tables written, their hive partition column (None: one file) and the CSV file name.
PARTITIONS = {
    "areas": None,
    "practices": None,
    "people": "district_code",
    "deaths": "year",
    "cancers": "diagnosis_year",
    "admissions": "year",
}
RESIDENTS_PER_DISTRICT = 200_000
#: People per block of the generator's source table (see :func:`_blocks`).
BLOCK = 16
#: Buckets of the inverse-CDF age table (ages rarer than 1 in this many are rounded away).
AGE_BUCKETS = 4096
#: Condition prevalence: logit = intercept + per_decade * (age - 50) / 10 + d * deprivation,
#: adults only except asthma; hypertension is recorded for 60% (less where deprived).
CONDITION_LOGITS = {
    "hypertension": (-0.9, 0.55, 0.3),
    "chd": (-3.6, 0.6, 0.4),
    "stroke_tia": (-4.2, 0.65, 0.4),
    "heart_failure": (-5.0, 0.8, 0.4),
    "atrial_fibrillation": (-4.6, 0.85, 0.1),
    "diabetes": (-2.6, 0.35, 0.6),
    "ckd": (-4.0, 0.9, 0.3),
    "copd": (-3.9, 0.5, 0.9),
    "asthma": (-2.4, 0.0, 0.3),
    "depression": (-2.0, -0.05, 0.5),
    "dementia": (-7.0, 1.3, 0.2),
}
#: Yearly hazards: log rate = intercept + per_year * age + male + d * deprivation.
DEATH_HAZARD = {"intercept": -10.55, "per_year": 0.093, "male": 0.15, "d": 0.55}
CANCER_HAZARD = {"intercept": -9.2, "per_year": 0.07, "male": 0.05, "d": 0.1}
ADMISSION_RATE = {"intercept": -3.5, "per_year": 0.028, "male": 0.0, "d": 0.5}
MAX_ADMISSIONS = 6
#: Shares of deaths by cause (CVD, Cancer, then Other).
DEATH_CAUSE_SHARES = (0.25, 0.27)
#: Shares of admissions by primary diagnosis group (CVD, Cancer, then Other).
ADMISSION_CAUSE_SHARES = (0.16, 0.06)
#: The people with any event, kept compactly so the event tables need not redraw everyone.
EVENT_COLUMNS = (
    "person_id, age::SMALLINT AS age, female, imd_quintile::TINYINT AS imd_quintile, "
    "died_k::TINYINT AS died_k, cancer_at_k::TINYINT AS cancer_at_k, "
    "n_admissions::TINYINT AS n_admissions"
)
HAS_EVENT = "WHERE died_k IS NOT NULL OR cancer_at_k IS NOT NULL OR n_admissions > 0"
_SQL_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "text": "VARCHAR",
    "category": "VARCHAR",
    "boolean": "BOOLEAN",
}


def _threshold(p) -> np.ndarray:
    """Probabilities as thresholds for a 16-bit uniform integer (0-65535)."""
    return np.round(np.clip(np.asarray(p, dtype=float), 0.0, 1.0) * 65536).astype("int64")


def _quintile_z(quintile) -> np.ndarray:
    """Deprivation z score standing for each IMD quintile (1 = most deprived)."""
    return (3 - np.asarray(quintile)) * 0.7


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def make_areas(n_people: int, seed: int) -> pd.DataFrame:
    """Small areas (~1,500 residents) in districts (~200,000), with IMD ranks among them.

    Besides the ``areas`` columns it holds ``practice_code`` (the area's practice) and
    ``first_id`` (the person id before the area's first resident).
    """
    rng = np.random.default_rng(seed)
    n_areas = max(1, round(n_people / P.RESIDENTS_PER_AREA))
    n_districts = max(1, round(n_people / RESIDENTS_PER_DISTRICT))
    n_practices = max(1, round(n_people / P.RESIDENTS_PER_PRACTICE))
    idx = np.arange(n_areas)
    district = idx * n_districts // n_areas
    z = rng.normal(0.0, 0.6, n_districts)[district] + rng.normal(0.0, 0.7, n_areas)
    score = np.round(np.exp(P.IMD_LOG_MEAN + P.IMD_LOG_SD * z), 3)
    rank = np.empty(n_areas, dtype="int64")
    rank[np.argsort(-score, kind="stable")] = idx + 1
    decile = (rank * 10 + n_areas - 1) // n_areas
    size = rng.uniform(0.7, 1.3, n_areas)
    population = rng.multinomial(n_people, size / size.sum())
    district_code = np.char.add("ZD", np.char.zfill(district.astype(str), 4))
    district_name = np.char.add("Benchmark district ", np.char.zfill(district.astype(str), 4))
    practice = idx * n_practices // n_areas
    return pd.DataFrame(
        {
            "area_code": np.char.add("ZA", np.char.zfill(idx.astype(str), 7)),
            "area_name": np.char.add(np.char.add(district_name, " area "), idx.astype(str)),
            "district_code": district_code,
            "district_name": district_name,
            "imd_score": score,
            "imd_rank": rank,
            "imd_decile": decile,
            "imd_quintile": (decile + 1) // 2,
            "core20": (decile + 1) // 2 == 1,
            "population": population.astype("int64"),
            "practice_code": np.char.add("ZP", np.char.zfill(practice.astype(str), 6)),
            "first_id": np.concatenate([[0], np.cumsum(population)[:-1]]).astype("int64"),
        }
    )


def make_practices(areas: pd.DataFrame) -> pd.DataFrame:
    """One row per practice named in ``areas``."""
    first = areas.drop_duplicates("practice_code")
    return pd.DataFrame(
        {
            "practice_code": first["practice_code"].to_numpy(),
            "practice_name": np.char.add("Benchmark practice ", first["practice_code"].to_numpy()),
            "district_code": first["district_code"].to_numpy(),
        }
    )


def _blocks(areas: pd.DataFrame) -> pd.DataFrame:
    """Each area's residents as runs of at most ``BLOCK`` consecutive person ids.

    A district's query selects its blocks by id range (DuckDB's zone maps skip the others)
    and expands each to its people with ``unnest(range(size))``; measured, this is faster
    than expanding whole areas, whose many columns are then copied to every person.
    """
    population = areas["population"].to_numpy()
    n_blocks = -(-population // BLOCK)
    area_row = np.repeat(np.arange(len(areas)), n_blocks)
    k = np.arange(n_blocks.sum()) - np.repeat(np.cumsum(n_blocks) - n_blocks, n_blocks)
    start = k * BLOCK
    return pd.DataFrame(
        {
            "area_row": area_row,
            "first_id": areas["first_id"].to_numpy()[area_row] + start,
            "size": np.minimum(BLOCK, population[area_row] - start),
        }
    )


def _area_draws(areas: pd.DataFrame) -> pd.DataFrame:
    """``areas`` plus the 16-bit thresholds people of each area are drawn with.

    Ethnicity: cumulative shares, more diverse where deprived (``ETHNICITY_DEPRIVATION``).
    Smoking (16+): current = logistic(-2.6 + 1.1 d + 0.25 male); a quarter of the rest former.
    BMI band: 2% underweight, obesity rising with deprivation.
    """
    q = areas["imd_quintile"].to_numpy()
    d = (5 - q) / 4
    eth = np.asarray(P.ETHNICITY_SHARES) * np.exp(
        np.asarray(P.ETHNICITY_DEPRIVATION) * _quintile_z(q)[:, None]
    )
    eth_cuts = _threshold(np.cumsum(eth / eth.sum(axis=1, keepdims=True), axis=1))
    out = areas.assign(d=d, area_row=np.arange(len(areas)))
    for i in range(len(P.ETHNICITIES) - 1):
        out[f"eth_t{i}"] = eth_cuts[:, i]
    for sex, male in (("female", 0), ("male", 1)):
        current = _logistic(-2.6 + 1.1 * d + 0.25 * male)
        out[f"smoke_current_{sex}"] = _threshold(current)
        out[f"smoke_former_{sex}"] = _threshold(current + (1 - current) * 0.25)
    bmi = np.stack([np.full_like(d, 0.02), 0.40 - 0.08 * d, 0.74 - 0.08 * d], axis=1)
    for i in range(bmi.shape[1]):
        out[f"bmi_t{i}"] = _threshold(bmi[:, i])
    return out


def _age_table() -> pd.DataFrame:
    """Age at ``AGE_BUCKETS`` evenly spaced quantiles for each IMD quintile, with the band
    and the threshold for being female at that age (``key = (quintile - 1) * buckets + b``).

    Single years share their ESP band's share equally (90+ decays over 90-104); deprived
    quintiles are tilted younger by ``AGE_TILT_PER_DEPRIVATION``.
    """
    ages = np.arange(105)
    weights = np.concatenate(
        [
            np.repeat(np.asarray(P.AGE_BAND_SHARES[:-1]) / 5, 5),
            P.AGE_BAND_SHARES[-1] * 0.8 ** np.arange(15) / (0.8 ** np.arange(15)).sum(),
        ]
    )
    z = _quintile_z(np.arange(1, 6))[:, None]
    tilted = weights * np.exp(P.AGE_TILT_PER_DEPRIVATION * z * (ages - 40) / 20)
    cdf = np.cumsum(tilted, axis=1) / tilted.sum(axis=1, keepdims=True)
    p = (np.arange(AGE_BUCKETS) + 0.5) / AGE_BUCKETS
    age = np.concatenate([np.searchsorted(row, p) for row in cdf]).astype("int64")
    band = np.minimum(age // 5, len(ESP2013_AGE_BANDS) - 1)
    return pd.DataFrame(
        {
            "key": np.arange(age.size, dtype="int64"),
            "age": age,
            "age_band": np.asarray(ESP2013_AGE_BANDS)[band],
            "female_t": _threshold(np.asarray(P.FEMALE_SHARES)[band]),
        }
    )


def _rate(h: dict, age, male, d):
    return np.exp(h["intercept"] + h["per_year"] * age + h["male"] * male + h["d"] * d)


def _strata_table() -> pd.DataFrame:
    """Per IMD quintile x age x sex (``key = ((quintile - 1) * 121 + age) * 2 + male``):
    16-bit thresholds of the condition flags, an 11-bit threshold for hypertension being
    recorded, ``ln(1 - q)`` of the yearly death and cancer hazards, and the Poisson CDF
    ``P(N <= j)`` of emergency admissions over all the years.
    """
    q, age, male = (
        g.ravel() for g in np.meshgrid(np.arange(1, 6), np.arange(121), (0, 1), indexing="ij")
    )
    d = (5 - q) / 4
    out = {"key": ((q - 1) * 121 + age) * 2 + male}
    for name, (a, b, c) in CONDITION_LOGITS.items():
        p = _logistic(a + b * (age - 50) / 10 + c * d)
        out[f"t_{name}"] = _threshold(np.where((age >= 18) | (name == "asthma"), p, 0.0))
    out["t_recorded"] = np.round((0.6 - 0.15 * d) * 2048).astype("int64")
    out["ln1m_death"] = np.log1p(-np.minimum(0.5, _rate(DEATH_HAZARD, age, male, d)))
    out["ln1m_cancer"] = np.log1p(-np.minimum(0.2, _rate(CANCER_HAZARD, age, male, d)))
    lam = len(P.YEARS) * np.minimum(3.0, _rate(ADMISSION_RATE, age, male, d))
    term = np.exp(-lam)
    cdf = term.copy()
    for j in range(MAX_ADMISSIONS):
        out[f"adm_c{j}"] = cdf.copy()
        term = term * lam / (j + 1)
        cdf = cdf + term
    return pd.DataFrame(out)


def _u53(h: str) -> str:
    """A uniform in [0, 1) from the top 53 bits of the 64-bit hash ``h``."""
    return f"(({h} >> 11)::DOUBLE / 9007199254740992.0)"


def _hash(stream: int | str, seed: int) -> str:
    """A 64-bit pseudo-random integer for each person and ``stream`` (0-127).

    DuckDB's ``hash`` of one integer is well mixed in every bit; the multi-argument form's
    low bits are correlated between arguments, so streams are folded into one integer.
    """
    return f"hash(person_id * 128 + {stream} + {(seed % 2**20) << 40})"


def _bits(h: str, shift: int, width: int = 16) -> str:
    """``width`` bits of the 64-bit hash ``h`` from bit ``shift``, as an integer."""
    return f"(({h} >> {shift}) & {(1 << width) - 1})"


def _persons_sql(seed: int) -> str:
    """The person view: the ``people`` columns plus the draws the event tables need.

    Hashes per person: ``h1`` age bucket (12 bits), sex, ethnicity, smoking (16 bits each);
    ``h2``-``h4`` BMI band and the 11 condition flags (16 bits each); ``h5``/``h6`` waiting
    times to death (53 bits; the low 11 decide hypertension recording) and to a cancer;
    ``h7`` the admission count.
    """
    n_years = len(P.YEARS)
    hashes = ", ".join(f"{_hash(k, seed)} AS h{k}" for k in range(1, 8))
    eth = " ".join(
        f"WHEN {_bits('h1', 28)} < eth_t{i} THEN '{lab}'"
        for i, lab in enumerate(P.ETHNICITIES[:-1])
    )
    bmi = " ".join(
        f"WHEN {_bits('h2', 0)} < bmi_t{i} THEN '{lab}'" for i, lab in enumerate(P.BMI_BANDS[:-1])
    )
    slots = [("h2", 1), ("h2", 2), ("h2", 3), *((f"h{k}", f) for k in (3, 4) for f in range(4))]
    flags = ", ".join(
        f"{_bits(h, 16 * f)} < t_{name} AS {name}"
        for (h, f), name in zip(slots, CONDITION_LOGITS, strict=False)
    )
    admissions = " + ".join(f"({_u53('h7')} > adm_c{j})::INT" for j in range(MAX_ADMISSIONS))
    return f"""
    WITH base AS (
        SELECT a.*, b.first_id + 1 + unnest(range(b.size)) AS person_id
        FROM bench_blocks b JOIN bench_draw_areas a ON a.area_row = b.area_row
        WHERE b.first_id >= lo AND b.first_id < hi
    ),
    hashed AS (SELECT *, {hashes} FROM base),
    aged AS (
        SELECT h.*, g.age, g.age_band, {_bits("h.h1", 12)} < g.female_t AS female
        FROM hashed h JOIN bench_ages g ON g.key = (h.imd_quintile - 1) * {AGE_BUCKETS} + (h.h1 & {AGE_BUCKETS - 1})
    ),
    drawn AS (
        SELECT p.*, s.* EXCLUDE (key),
               floor(ln(1 - {_u53("p.h5")}) / s.ln1m_death)::BIGINT AS death_k,
               floor(ln(1 - {_u53("p.h6")}) / s.ln1m_cancer)::BIGINT AS cancer_k
        FROM aged p JOIN bench_strata s ON s.key = ((p.imd_quintile - 1) * 121 + p.age) * 2 + (NOT p.female)::INT
    )
    SELECT person_id, area_code, district_code, practice_code,
           CASE WHEN female THEN 'Female' ELSE 'Male' END AS sex, age, age_band,
           CASE {eth} ELSE '{P.ETHNICITIES[-1]}' END AS ethnicity, imd_decile, imd_quintile,
           CASE WHEN age < 16 THEN 'Never'
                WHEN {_bits("h1", 44)} < CASE WHEN female THEN smoke_current_female ELSE smoke_current_male END THEN 'Current'
                WHEN {_bits("h1", 44)} < CASE WHEN female THEN smoke_former_female ELSE smoke_former_male END THEN 'Former'
                ELSE 'Never' END AS smoking,
           CASE {bmi} ELSE '{P.BMI_BANDS[-1]}' END AS bmi_band,
           {flags},
           hypertension AND (h5 & 2047) < t_recorded AS hypertension_recorded,
           cancer_k < {n_years} AND cancer_k <= death_k AS cancer,
           female, CASE WHEN death_k < {n_years} THEN death_k END AS died_k,
           CASE WHEN cancer_k < {n_years} AND cancer_k <= death_k THEN cancer_k END AS cancer_at_k,
           {admissions} AS n_admissions
    FROM drawn
    """


def _event_sql(table: str, seed: int) -> str:
    """SELECT of one event table from the people with events (``bench_events``)."""
    u = lambda stream: _u53(_hash(stream, seed))  # noqa: E731
    first = P.FIRST_YEAR
    if table == "deaths":
        cvd, cancer = DEATH_CAUSE_SHARES
        return f"""
        SELECT person_id, {first} + died_k AS year, age + died_k AS age_at_death,
               CASE WHEN {u(40)} < {cvd} THEN 'CVD' WHEN {u(40)} < {cvd + cancer} THEN 'Cancer'
                    ELSE 'Other' END AS cause_group
        FROM bench_events WHERE died_k IS NOT NULL"""
    if table == "cancers":
        site = (
            f"CASE WHEN {u(41)} < 0.13 THEN 'Lung' WHEN {u(41)} < 0.25 THEN 'Colorectal' "
            f"WHEN {u(41)} < 0.53 THEN CASE WHEN female THEN 'Breast' ELSE 'Prostate' END "
            "ELSE 'Other' END"
        )
        stage = f"CASE WHEN {u(42)} >= 0.07 THEN 1 + floor(({u(42)} - 0.07) / 0.93 * 4)::BIGINT END"
        return f"""
        SELECT *, stage <= 2 AS early_stage FROM (
            SELECT person_id, {first} + cancer_at_k AS diagnosis_year,
                   age + cancer_at_k AS age_at_diagnosis, {site} AS site, {stage} AS stage,
                   {u(43)} < 0.15 + 0.12 * (5 - imd_quintile) / 4.0 AS emergency_presentation
            FROM bench_events WHERE cancer_at_k IS NOT NULL
        )"""
    cvd, cancer = ADMISSION_CAUSE_SHARES
    v, w = _u53(_hash("50 + j", seed)), _u53(_hash("60 + j", seed))
    return f"""
    SELECT person_id, {first} + year_k AS year,
           CASE WHEN {w} < {cvd} THEN 'CVD' WHEN {w} < {cvd + cancer} THEN 'Cancer'
                ELSE 'Other' END AS cause_group
    FROM (
        SELECT person_id, j, died_k, floor({v} * {len(P.YEARS)})::BIGINT AS year_k
        FROM (SELECT person_id, died_k, unnest(range(n_admissions)) AS j
              FROM bench_events WHERE n_admissions > 0)
    )
    WHERE died_k IS NULL OR year_k <= died_k"""


def _typed(table: str, exclude: tuple[str, ...] = ()) -> str:
    """The table's schema columns cast to their SQL types (as :mod:`analysis.data.schema`)."""
    return ", ".join(
        f"CAST({c.name} AS {_SQL_TYPES[c.kind]}) AS {c.name}"
        for c in PERSON_LEVEL[table]
        if c.name not in exclude
    )


def configure(con: duckdb.DuckDBPyConnection, *, threads: int, memory_limit: str, temp: str):
    """Bound DuckDB: ``threads``, ``memory_limit`` and a spill directory ``temp``."""
    con.execute(f"SET GLOBAL threads = {int(threads)}")
    con.execute(f"SET GLOBAL memory_limit = '{memory_limit}'")
    con.execute(f"SET GLOBAL temp_directory = '{temp}'")
    con.execute("SET GLOBAL preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")


def _copy(con, query: str, target: Path, options: str = "FORMAT parquet") -> int:
    return int(con.execute(f"COPY ({query}) TO '{target}' ({options})").fetchone()[0])


def _write_district(con, root: Path, code: str, lo: int, hi: int) -> int:
    """Write the people with ids in ``(lo, hi]`` (one district) to
    ``people/district_code=<code>/`` and append those with events to ``bench_events``.

    Two passes over the district's draws: a temporary table of all its columns costs more
    than drawing the few columns ``bench_events`` needs a second time.
    """
    cur = con.cursor()
    folder = root / "people" / f"district_code={code}"
    folder.mkdir(parents=True)
    cols = _typed("people", exclude=("district_code",))
    n = _copy(cur, f"SELECT {cols} FROM bench_persons({lo}, {hi})", folder / "data_0.parquet")
    cur.execute(
        f"INSERT INTO bench_events SELECT {EVENT_COLUMNS} FROM bench_persons({lo}, {hi}) {HAS_EVENT}"
    )
    cur.close()
    return n


def write_dataset(
    root: str | Path,
    n_people: int,
    *,
    seed: int = 20240601,
    threads: int = 2,
    memory_limit: str = "3GB",
) -> dict[str, int]:
    """Write the benchmark tables as hive-partitioned Parquet under ``root``.

    People are drawn one district at a time (``threads`` districts at once, each on its own
    DuckDB cursor), so memory holds a district, not the population; the people with events
    are kept compactly and the event tables are then written partitioned by year. Returns
    the number of rows written per table. ``root`` must be empty or absent.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    areas = make_areas(n_people, seed)
    con = duckdb.connect()
    configure(con, threads=threads, memory_limit=memory_limit, temp=str(root / ".spill"))
    frames = {
        "bench_areas": areas,
        "bench_practices": make_practices(areas),
        "bench_draw_areas": _area_draws(areas),
        "bench_blocks": _blocks(areas),
        "bench_ages": _age_table(),
        "bench_strata": _strata_table(),
    }
    for name, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        con.unregister("frame")
    con.execute(f"CREATE MACRO bench_persons(lo, hi) AS TABLE {_persons_sql(seed)}")
    con.execute(f"CREATE TABLE bench_events AS SELECT {EVENT_COLUMNS} FROM bench_persons(0, 0)")
    counts = {}
    for table in ("areas", "practices"):
        (root / table).mkdir()
        query = f"SELECT {_typed(table)} FROM bench_{table}"
        counts[table] = _copy(con, query, root / table / f"{table}.parquet")
    ranges = areas.groupby("district_code", sort=True).agg(
        lo=("first_id", "min"), n=("population", "sum")
    )
    with ThreadPoolExecutor(max_workers=threads) as pool:
        written = pool.map(
            lambda row: _write_district(con, root, row[0], row[1], row[1] + row[2]),
            ranges.itertuples(),
        )
        counts["people"] = sum(written)
    for table in ("deaths", "cancers", "admissions"):
        query = f"SELECT {_typed(table)} FROM ({_event_sql(table, seed)})"
        options = f"FORMAT parquet, PARTITION_BY ({PARTITIONS[table]})"
        counts[table] = _copy(con, query, root / table, options)
    con.close()
    return counts


def write_csv(
    root: str | Path, csv_dir: str | Path, *, threads: int = 2, memory_limit: str = "3GB"
) -> None:
    """Copy the Parquet tables under ``root`` to one CSV file per table in ``csv_dir``."""
    root, csv_dir = Path(root), Path(csv_dir)
    csv_dir.mkdir(parents=True, exist_ok=True)
    with DuckDBEngine() as engine:
        configure(
            engine.con, threads=threads, memory_limit=memory_limit, temp=str(csv_dir / ".spill")
        )
        for table in PARTITIONS:
            engine.attach_files(table, root / table, "parquet")
            query = f"SELECT {', '.join(c.name for c in PERSON_LEVEL[table])} FROM {table}"
            _copy(engine.con, query, csv_dir / f"{table}.csv", "HEADER")
