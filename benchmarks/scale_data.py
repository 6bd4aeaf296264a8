"""Write a large person-level dataset for the scale benchmark, fast and in bounded memory.

This is **benchmark data, not the book's synthetic population**: it has exactly the
columns and types of :mod:`analysis.data.schema` (so the aggregation SQL runs on it
unchanged) and plausible, simple distributions -- England-like ages and sexes, deprivation
deciles and quintiles tied to small areas, ethnicity and smoking with deprivation gradients,
condition flags rising with age and deprivation, deaths, cancers and emergency admissions
with rates rising with age and deprivation -- but none of the planted effects, latent groups
or calibration of :func:`analysis.data.generate_population`. Do not analyse it.

How: everything is drawn with numpy, one district (~200,000 people) at a time, ``threads``
districts at once (numpy and pyarrow release the GIL), so memory holds a few districts, not
the population. Each district has its own random stream (``SFC64`` seeded with the seed and
the district's number), so the data do not depend on the order the threads finish in. Every
draw is a table look-up: 16-bit random integers are compared with thresholds tabulated by IMD
quintile (ethnicity, smoking, BMI band) or by quintile x age x sex (condition flags); age is
an inverse-CDF table by quintile. Waiting times to death and to a cancer diagnosis are
geometric draws from yearly hazards; admissions are a Poisson count over the five years, kept
in the years alive. Text columns are built as dictionary arrays (small integer codes and the
few distinct values), so the Parquet writer writes dictionary pages without hashing strings;
the files store plain ``string`` columns (no Arrow schema is stored), read back exactly as the
schema's types. People go to ``people/district_code=<code>/data_0.parquet``; the event tables,
gathered as the districts finish, to ``deaths/year=<year>/data_0.parquet`` and so on.
:func:`write_csv` copies everything to one CSV file per table. The same seed and size give the
same data with the same numpy version.

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
import pyarrow as pa
import pyarrow.parquet as pq

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
#: Cumulative shares of deaths by cause (CVD, then Cancer; the rest Other).
DEATH_CAUSE_CUTS = (0.25, 0.52)
#: Cumulative shares of admissions by primary diagnosis group (CVD, then Cancer; rest Other).
ADMISSION_CAUSE_CUTS = (0.16, 0.22)
#: Cumulative shares of cancer sites: Lung, Colorectal, then Breast (women) or Prostate (men).
SITE_CUTS = (0.13, 0.25, 0.53)
#: 16-bit random integers drawn per person (age bucket, sex, ethnicity, smoking, BMI band,
#: 11 condition flags, hypertension recording; rounded up to whole 64-bit draws).
BITS_PER_PERSON = 20
#: Parquet writing, measured at 2 million people: snappy costs little more CPU than no
#: compression and the files are a third smaller, so the aggregation reads less; person ids
#: (all distinct) are written plain, as trying a dictionary for them costs more than the rest
#: of the table's dictionaries together.
PARQUET_OPTIONS = {"compression": "snappy", "store_schema": False}
PLAIN_COLUMNS = ("person_id",)
#: Arrow type of each schema kind (what DuckDB's ``COPY`` wrote before, and reads back).
ARROW_TYPES = {
    "integer": pa.int64(),
    "number": pa.float64(),
    "text": pa.string(),
    "category": pa.string(),
    "boolean": pa.bool_(),
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


def _age_table() -> dict[str, np.ndarray]:
    """Age at ``AGE_BUCKETS`` evenly spaced quantiles for each IMD quintile, with its ESP 2013
    band (index) and the threshold for being female at that age (position
    ``(quintile - 1) * buckets + b``).

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
    band = np.minimum(age // 5, len(ESP2013_AGE_BANDS) - 1).astype("int8")
    return {"age": age, "band": band, "female_t": _threshold(np.asarray(P.FEMALE_SHARES)[band])}


def _quintile_lookups() -> dict[str, np.ndarray]:
    """Category codes for every 16-bit random integer, by IMD quintile (``(q - 1) * 65536 +
    r``); smoking also by sex (``((q - 1) * 2 + male) * 65536 + r``).

    Ethnicity: cumulative shares, more diverse where deprived (``ETHNICITY_DEPRIVATION``).
    Smoking (16+): current = logistic(-2.6 + 1.1 d + 0.25 male); a quarter of the rest former.
    BMI band: 2% underweight, obesity rising with deprivation. Codes index ``P.ETHNICITIES``,
    ``P.SMOKING`` and ``P.BMI_BANDS``.
    """
    q = np.arange(1, 6)
    d = (5 - q) / 4
    r = np.arange(65536)

    def codes(cuts: np.ndarray) -> np.ndarray:  # cuts: (rows, k) -> (rows * 65536,) codes
        return (r[None, :, None] >= cuts[:, None, :]).sum(axis=2).astype("int8").ravel()

    eth = np.asarray(P.ETHNICITY_SHARES) * np.exp(
        np.asarray(P.ETHNICITY_DEPRIVATION) * _quintile_z(q)[:, None]
    )
    eth_cuts = _threshold(np.cumsum(eth / eth.sum(axis=1, keepdims=True), axis=1)[:, :-1])
    current = _logistic(-2.6 + 1.1 * d[:, None] + 0.25 * np.array([0, 1])[None, :]).ravel()
    never, former, smoker = (P.SMOKING.index(s) for s in ("Never", "Former", "Current"))
    by_draw = np.where(
        r[None, :] < _threshold(current)[:, None],
        smoker,
        np.where(r[None, :] < _threshold(current + (1 - current) * 0.25)[:, None], former, never),
    )
    bmi = np.stack([np.full_like(d, 0.02), 0.40 - 0.08 * d, 0.74 - 0.08 * d], axis=1)
    return {
        "ethnicity": codes(eth_cuts),
        "smoking": by_draw.astype("int8").ravel(),
        "bmi_band": codes(_threshold(bmi)),
    }


def _rate(h: dict, age, male, d):
    return np.exp(h["intercept"] + h["per_year"] * age + h["male"] * male + h["d"] * d)


def _strata_table() -> dict[str, np.ndarray]:
    """Per IMD quintile x age x sex (``key = ((quintile - 1) * 121 + age) * 2 + male``):
    16-bit thresholds of the condition flags (``conditions``, one row per condition), an
    11-bit threshold for hypertension being recorded, ``ln(1 - q)`` of the yearly death and
    cancer hazards with the chance of the event within the years (``1 - (1 - q)^years``), and
    the Poisson CDF ``P(N <= j)`` of emergency admissions over all the years (``admissions``,
    one row per j).
    """
    q, age, male = (
        g.ravel() for g in np.meshgrid(np.arange(1, 6), np.arange(121), (0, 1), indexing="ij")
    )
    d = (5 - q) / 4
    n_years = len(P.YEARS)
    conditions = [
        _threshold(
            np.where(
                (age >= 18) | (name == "asthma"), _logistic(a + b * (age - 50) / 10 + c * d), 0.0
            )
        )
        for name, (a, b, c) in CONDITION_LOGITS.items()
    ]
    out = {
        "conditions": np.stack(conditions).astype("int32"),
        "recorded": np.round((0.6 - 0.15 * d) * 2048).astype("int32"),
    }
    for event, hazard, cap in (("death", DEATH_HAZARD, 0.5), ("cancer", CANCER_HAZARD, 0.2)):
        out[f"ln1m_{event}"] = np.log1p(-np.minimum(cap, _rate(hazard, age, male, d)))
        out[f"within_{event}"] = -np.expm1(n_years * out[f"ln1m_{event}"])
    lam = n_years * np.minimum(3.0, _rate(ADMISSION_RATE, age, male, d))
    terms = np.exp(-lam) * np.cumprod(
        np.vstack([np.ones_like(lam), *(lam / j for j in range(1, MAX_ADMISSIONS))]), axis=0
    )
    out["admissions"] = np.cumsum(terms, axis=0)
    return out


def _uniform(raw: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) from the top 53 bits of 64-bit random integers."""
    return (raw >> np.uint64(11)) * (1.0 / 2**53)


def _cut(u: np.ndarray, cuts) -> np.ndarray:
    """Category code of each uniform: the number of cumulative ``cuts`` at or below it."""
    return np.searchsorted(np.asarray(cuts), u, side="right").astype("int8")


def _draw_district(areas: pd.DataFrame, lookups: dict, seed: int, number: int):
    """The people of one district (``areas``: its rows) and their events.

    Returns the ``people`` columns (dictionary arrays for text) and, per event table, its
    columns as numpy arrays with ``k``: the year's offset from the first year.
    """
    bits_gen = np.random.SFC64(np.random.SeedSequence([seed, number]))
    rng = np.random.Generator(bits_gen)
    pop = areas["population"].to_numpy()
    n = int(pop.sum())
    local = np.repeat(np.arange(len(areas), dtype="int32"), pop)
    q0 = np.repeat(areas["imd_quintile"].to_numpy() - 1, pop)  # 0 = most deprived
    bits = bits_gen.random_raw(n * BITS_PER_PERSON // 4).view("uint16").reshape(-1, n)
    ages, strata = lookups["ages"], lookups["strata"]

    akey = q0 * AGE_BUCKETS + (bits[0] & (AGE_BUCKETS - 1))
    age = ages["age"][akey]
    female = bits[1] < ages["female_t"][akey]
    male = ~female
    skey = (q0 * 121 + age) * 2 + male
    flags = bits[5:16] < strata["conditions"][:, skey]
    recorded = flags[0] & ((bits[16] & 2047) < strata["recorded"][skey])
    smoking = lookups["smoking"][(q0 * 2 + male) * 65536 + bits[3]]
    smoking[age < 16] = P.SMOKING.index("Never")

    u_death, u_cancer, u_adm = _uniform(bits_gen.random_raw((3, n)))
    died = np.flatnonzero(u_death < strata["within_death"][skey])
    death_k = np.full(n, 127, dtype="int8")  # 127: alive at the end
    death_k[died] = np.minimum(
        np.log1p(-u_death[died]) // strata["ln1m_death"][skey[died]], len(P.YEARS) - 1
    )
    diagnosed = np.flatnonzero(u_cancer < strata["within_cancer"][skey])
    cancer_k = np.minimum(
        np.log1p(-u_cancer[diagnosed]) // strata["ln1m_cancer"][skey[diagnosed]],
        len(P.YEARS) - 1,
    ).astype("int8")
    alive = cancer_k <= death_k[diagnosed]
    diagnosed, cancer_k = diagnosed[alive], cancer_k[alive]
    cancer = np.zeros(n, dtype=bool)
    cancer[diagnosed] = True
    admitted = np.flatnonzero(u_adm > strata["admissions"][0][skey])
    n_adm = (u_adm[admitted] > strata["admissions"][:, skey[admitted]]).sum(axis=0)

    person_id = np.arange(1, n + 1, dtype="int64") + int(areas["first_id"].iloc[0])
    practices, practice_local = np.unique(areas["practice_code"].to_numpy(), return_inverse=True)
    people = {
        "person_id": person_id,
        "area_code": _coded(local, areas["area_code"].to_numpy()),
        "practice_code": _coded(practice_local.astype("int32")[local], practices),
        "sex": _coded(male.astype("int8"), P.SEXES),
        "age": age,
        "age_band": _coded(ages["band"][akey], ESP2013_AGE_BANDS),
        "ethnicity": _coded(lookups["ethnicity"][q0 * 65536 + bits[2]], P.ETHNICITIES),
        "imd_decile": np.repeat(areas["imd_decile"].to_numpy(), pop),
        "imd_quintile": q0 + 1,
        "smoking": _coded(smoking, P.SMOKING),
        "bmi_band": _coded(lookups["bmi_band"][q0 * 65536 + bits[4]], P.BMI_BANDS),
        **dict(zip(CONDITION_LOGITS, flags, strict=True)),
        "hypertension_recorded": recorded,
        "cancer": cancer,
    }

    site = _cut(rng.random(diagnosed.size), SITE_CUTS)
    site[(site == 2) & male[diagnosed]] = 3  # Prostate in men where Breast in women
    stage_u = rng.random(diagnosed.size)
    stage = np.where(stage_u >= 0.07, 1 + ((stage_u - 0.07) / 0.93 * 4) // 1, np.nan)
    emergency = rng.random(diagnosed.size) < 0.15 + 0.12 * (4 - q0[diagnosed]) / 4
    who = np.repeat(admitted, n_adm)
    year_k = (rng.random(who.size) * len(P.YEARS)).astype("int8")
    kept = year_k <= death_k[who]
    events = {
        "deaths": {
            "person_id": person_id[died],
            "k": death_k[died],
            "age_at_death": age[died] + death_k[died],
            "cause_group": _cut(rng.random(died.size), DEATH_CAUSE_CUTS),
        },
        "cancers": {
            "person_id": person_id[diagnosed],
            "k": cancer_k,
            "age_at_diagnosis": age[diagnosed] + cancer_k,
            "site": site,
            "stage": stage,
            "emergency_presentation": emergency,
        },
        "admissions": {
            "person_id": person_id[who[kept]],
            "k": year_k[kept],
            "cause_group": _cut(rng.random(int(kept.sum())), ADMISSION_CAUSE_CUTS),
        },
    }
    return people, events


def _coded(codes: np.ndarray, values) -> pa.DictionaryArray:
    """A text column as integer ``codes`` into its distinct ``values``."""
    return pa.DictionaryArray.from_arrays(codes, pa.array(list(values), pa.string()))


def _arrow(table: str, columns: dict, *, exclude: str | None = None) -> pa.Table:
    """``columns`` as an Arrow table in the schema's order and types (``exclude``: the hive
    partition column, which the folder names carry). Dictionary arrays are kept as they are;
    their values are the schema's type and Parquet stores them as plain text columns."""
    arrays, names = [], []
    for column in PERSON_LEVEL[table]:
        if column.name == exclude:
            continue
        value, want = columns[column.name], ARROW_TYPES[column.kind]
        if isinstance(value, pa.DictionaryArray):
            if value.type.value_type != want:
                raise TypeError(f"{table}.{column.name}: {value.type} is not {want}")
        else:
            value = pa.array(value, want, from_pandas=True)
        arrays.append(value)
        names.append(column.name)
    return pa.Table.from_arrays(arrays, names=names)


def _write(table: pa.Table, path: Path) -> None:
    """``table`` as one Parquet file (``PARQUET_OPTIONS``; dictionaries except for
    ``PLAIN_COLUMNS``)."""
    dictionary = [c for c in table.column_names if c not in PLAIN_COLUMNS]
    pq.write_table(table, path, use_dictionary=dictionary, **PARQUET_OPTIONS)


def _event_columns(table: str, parts: list[dict], k: int) -> dict:
    """The rows of event ``table`` in the year with offset ``k``, from every district's part."""
    chosen = [{c: v[part["k"] == k] for c, v in part.items()} for part in parts]
    out = {c: np.concatenate([part[c] for part in chosen]) for c in chosen[0] if c != "k"}
    if table == "cancers":
        out["stage"] = pd.array(out["stage"], dtype="Int64")
        out["early_stage"] = out["stage"] <= 2
        out["site"] = _coded(out["site"], P.CANCER_SITES)
    else:
        out["cause_group"] = _coded(out["cause_group"], P.CAUSE_GROUPS)
    return out


def write_dataset(
    root: str | Path,
    n_people: int,
    *,
    seed: int = 20240601,
    threads: int = 2,
) -> dict[str, int]:
    """Write the benchmark tables as hive-partitioned Parquet under ``root``.

    People are drawn and written one district at a time (``threads`` districts at once);
    the event tables are gathered as the districts finish and written one file per year.
    Returns the number of rows written per table. ``root`` must be empty or absent.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    areas = make_areas(n_people, seed)
    tables = {"areas": areas, "practices": make_practices(areas)}
    counts = {}
    for table, frame in tables.items():
        (root / table).mkdir()
        _write(_arrow(table, {c: frame[c] for c in frame}), root / table / f"{table}.parquet")
        counts[table] = len(frame)
    lookups = {**_quintile_lookups(), "ages": _age_table(), "strata": _strata_table()}

    def district(job: tuple[int, tuple[str, pd.DataFrame]]) -> tuple[int, dict]:
        number, (code, rows) = job
        people, events = _draw_district(rows, lookups, seed, number)
        folder = root / "people" / f"district_code={code}"
        folder.mkdir(parents=True)
        table = _arrow("people", people, exclude="district_code")
        _write(table, folder / "data_0.parquet")
        return table.num_rows, events

    def event_file(job: tuple[str, int]) -> int:
        table, k = job
        year = P.FIRST_YEAR + k
        columns = _event_columns(table, [events[table] for events in drawn], k)
        folder = root / table / f"{PARTITIONS[table]}={year}"
        folder.mkdir(parents=True)
        arrow = _arrow(table, columns, exclude=PARTITIONS[table])
        _write(arrow, folder / "data_0.parquet")
        return arrow.num_rows

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(district, enumerate(areas.groupby("district_code", sort=True))))
        counts["people"] = sum(n for n, _ in results)
        drawn = [events for _, events in results]
        del results
        jobs = [(t, k) for t in ("deaths", "cancers", "admissions") for k in range(len(P.YEARS))]
        for (table, _), n in zip(jobs, pool.map(event_file, jobs), strict=True):
            counts[table] = counts.get(table, 0) + n
    return counts


def configure(con: duckdb.DuckDBPyConnection, *, threads: int, memory_limit: str, temp: str):
    """Bound DuckDB: ``threads``, ``memory_limit`` and a spill directory ``temp``."""
    con.execute(f"SET GLOBAL threads = {int(threads)}")
    con.execute(f"SET GLOBAL memory_limit = '{memory_limit}'")
    con.execute(f"SET GLOBAL temp_directory = '{temp}'")
    con.execute("SET GLOBAL preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")


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
            engine.con.execute(f"COPY ({query}) TO '{csv_dir / f'{table}.csv'}' (HEADER)")
