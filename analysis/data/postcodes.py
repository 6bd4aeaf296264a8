"""Postcode to small area to deprivation: the lookup join, in pandas and in SQL.

Patient records hold a postcode, not a small area. Deprivation is attached in two steps, as
NHS analysts do with the ONS National Statistics Postcode Lookup (NSPL): the postcode gives
the small area (LSOA), and the area gives its Index of Multiple Deprivation (IMD) score,
rank, decile and quintile. Every record keeps a ``match_status`` saying why it has no area
when it has none, so unmatched records are counted and reported, never silently dropped:

- ``matched`` -- the normalised postcode is in the lookup;
- ``no fixed abode`` -- the pseudo-postcode ``ZZ99 3VZ`` (NHS Data Dictionary: "no fixed
  abode"), or any ``ZZ99`` pseudo-postcode (``ZZ99 3CZ`` England, not otherwise specified,
  ...), which has no area by definition;
- ``missing`` -- no postcode recorded;
- ``invalid`` -- not in the shape of a UK postcode (after removing spaces and case);
- ``not in lookup`` -- well formed but absent from the lookup (mistyped, terminated, or
  outside the lookup's coverage).

Normalisation follows the published postcode format (ONS NSPL user guide; the ``pcds``
form): upper case, spaces removed, then one space before the three-character inward code.

The same join is written in SQL (:data:`ATTACH_SQL`), run in DuckDB by
:func:`attach_deprivation_sql`; tests check both give identical rows.

The synthetic data's postcodes (:func:`synthetic_postcode_lookup`) begin with ``X``, a
letter no real postcode area begins with, so they can never be mistaken for real ones.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.validation import InputError, fail_rows, require_columns

#: Match statuses, in reporting order.
MATCH_STATUSES = ("matched", "no fixed abode", "missing", "invalid", "not in lookup")
#: Pseudo-postcode for people of no fixed abode (NHS Data Dictionary).
NO_FIXED_ABODE = "ZZ99 3VZ"
#: A UK postcode without spaces: outward code (area letters, district) and inward code.
POSTCODE_SHAPE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
#: Area columns carried over to each record.
IMD_COLUMNS = ("imd_score", "imd_rank", "imd_decile", "imd_quintile")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in inward codes (no C, I, K, M, O, V)
_DISTRICT_LETTERS = "ABDEFGHJKLMNPRSTUWY"


def normalise_postcodes(postcodes: pd.Series) -> pd.Series:
    """Postcodes in the ``pcds`` form (``"XA1 2BD"``); missing or blank become ``<NA>``.

    >>> normalise_postcodes(pd.Series([" xa12bd", "XA1  2BD", "", None])).tolist()
    ['XA1 2BD', 'XA1 2BD', <NA>, <NA>]
    """
    compact = postcodes.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    compact = compact.mask(compact == "")
    return compact.str[:-3] + " " + compact.str[-3:]


def match_status(postcodes: pd.Series, lookup_postcodes: pd.Series) -> pd.Series:
    """Each record's :data:`MATCH_STATUSES` entry, from postcodes already normalised."""
    compact = postcodes.str.replace(" ", "", regex=False)
    status = np.select(
        [
            postcodes.isna().to_numpy(),
            compact.str.startswith("ZZ99").fillna(False).to_numpy(bool),
            ~compact.str.match(POSTCODE_SHAPE).fillna(False).to_numpy(bool),
            postcodes.isin(lookup_postcodes).to_numpy(bool),
        ],
        ["missing", "no fixed abode", "invalid", "matched"],
        default="not in lookup",
    )
    return pd.Series(pd.Categorical(status, categories=MATCH_STATUSES), index=postcodes.index)


def _check_lookup(lookup: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    require_columns(lookup, ["postcode", "area_code"])
    require_columns(areas, ["area_code", *IMD_COLUMNS])
    lookup = lookup.assign(postcode=normalise_postcodes(lookup["postcode"]))
    fail_rows(lookup, lookup["postcode"].isna(), "postcode", "must not be missing in the lookup")
    fail_rows(
        lookup,
        lookup["postcode"].duplicated(keep=False),
        "postcode",
        "must appear once in the lookup (one small area per postcode)",
    )
    fail_rows(
        lookup,
        ~lookup["area_code"].isin(areas["area_code"]),
        "area_code",
        "every area of the lookup must be in the areas table",
    )
    return lookup


def attach_deprivation(
    records: pd.DataFrame, lookup: pd.DataFrame, areas: pd.DataFrame, *, postcode: str = "postcode"
) -> pd.DataFrame:
    """Attach each record's small area and IMD columns through its postcode.

    Parameters
    ----------
    records
        One row per record with a ``postcode`` column (any case and spacing).
    lookup
        Postcode lookup: ``postcode`` and ``area_code`` (e.g. the ONS NSPL's ``pcds`` and
        ``lsoa21cd``), one row per postcode.
    areas
        ``area_code`` with ``imd_score``, ``imd_rank``, ``imd_decile`` and ``imd_quintile``.

    Returns
    -------
    pandas.DataFrame
        ``records`` (same rows, same order) with ``postcode_clean``, ``match_status``,
        ``lsoa_code`` and the IMD columns (missing unless matched). Nothing is dropped.

    Raises
    ------
    InputError
        A lookup with a missing or repeated postcode, or an area not in ``areas``.

    Examples
    --------
    >>> areas = pd.DataFrame({"area_code": ["ZA1"], "imd_score": [40.0], "imd_rank": [10],
    ...                       "imd_decile": [1], "imd_quintile": [1]})
    >>> lookup = pd.DataFrame({"postcode": ["XA1 2BD"], "area_code": ["ZA1"]})
    >>> people = pd.DataFrame({"postcode": ["xa12bd", "ZZ99 3VZ", None, "XA1 9ZZ"]})
    >>> attach_deprivation(people, lookup, areas)[["match_status", "imd_decile"]]
         match_status  imd_decile
    0         matched           1
    1  no fixed abode        <NA>
    2         missing        <NA>
    3   not in lookup        <NA>
    """
    require_columns(records, [postcode])
    lookup = _check_lookup(lookup, areas)
    clean = normalise_postcodes(records[postcode])
    status = match_status(clean, lookup["postcode"])
    area = clean.map(lookup.set_index("postcode")["area_code"]).where(status == "matched")
    imd = areas.set_index("area_code")[list(IMD_COLUMNS)]
    out = records.assign(postcode_clean=clean, match_status=status, lsoa_code=area.astype("string"))
    for column in IMD_COLUMNS:
        values = area.map(imd[column])
        out[column] = values.astype("Float64" if column == "imd_score" else "Int64")
    return out


def match_summary(matched: pd.DataFrame) -> pd.DataFrame:
    """Return records by match status: ``match_status``, ``records`` and ``share`` (of all records)."""
    counts = matched["match_status"].value_counts(sort=False).reindex(MATCH_STATUSES, fill_value=0)
    return pd.DataFrame(
        {
            "match_status": list(MATCH_STATUSES),
            "records": counts.to_numpy("int64"),
            "share": counts.to_numpy("float64") / max(len(matched), 1),
        }
    )


#: The same join in SQL (DuckDB dialect; tables ``records``, ``lookup`` and ``areas``).
ATTACH_SQL = """
WITH cleaned AS (
    SELECT *, NULLIF(upper(regexp_replace("postcode", '\\s+', '', 'g')), '') AS compact
    FROM records
),
pcds AS (
    SELECT *,
        CASE WHEN compact IS NULL THEN NULL
             ELSE left(compact, length(compact) - 3) || ' ' || right(compact, 3) END
            AS postcode_clean
    FROM cleaned
)
SELECT pcds.* EXCLUDE (compact),
    CASE WHEN pcds.postcode_clean IS NULL THEN 'missing'
         WHEN starts_with(pcds.compact, 'ZZ99') THEN 'no fixed abode'
         WHEN NOT regexp_full_match(pcds.compact, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
             THEN 'invalid'
         WHEN lookup.area_code IS NOT NULL THEN 'matched'
         ELSE 'not in lookup' END AS match_status,
    CASE WHEN NOT starts_with(pcds.compact, 'ZZ99') THEN lookup.area_code END AS lsoa_code,
    areas.imd_score, areas.imd_rank, areas.imd_decile, areas.imd_quintile
FROM pcds
LEFT JOIN lookup
    ON lookup."postcode" = pcds.postcode_clean AND NOT starts_with(pcds.compact, 'ZZ99')
LEFT JOIN areas ON areas.area_code = lookup.area_code AND NOT starts_with(pcds.compact, 'ZZ99')
"""


def attach_deprivation_sql(
    records: pd.DataFrame, lookup: pd.DataFrame, areas: pd.DataFrame
) -> pd.DataFrame:
    """:func:`attach_deprivation` run as SQL (:data:`ATTACH_SQL`) in an in-memory DuckDB.

    The lookup is checked as in :func:`attach_deprivation`; rows come back in record order.
    """
    require_columns(records, ["postcode"])
    lookup = _check_lookup(lookup, areas)
    with duckdb.connect() as con:
        con.register("records_in", records.assign(_row=np.arange(len(records))))
        con.execute("CREATE VIEW records AS SELECT * FROM records_in")
        con.register("lookup", lookup[["postcode", "area_code"]])
        con.register("areas", areas[["area_code", *IMD_COLUMNS]])
        out = con.execute(f"SELECT * FROM ({ATTACH_SQL}) ORDER BY _row").df()
    return out.drop(columns="_row")


def synthetic_postcode_lookup(areas: pd.DataFrame) -> pd.DataFrame:
    """Return a deterministic postcode lookup for the synthetic areas (no random numbers).

    Each area gets :data:`~analysis.data.parameters.POSTCODES_PER_AREA` postcodes. The
    postcode area is ``X`` plus a letter for the district (no real postcode area begins with
    ``X``), the postcode district number counts blocks of 20 areas within the district, and
    the inward code enumerates digit and letter pairs, so every postcode is unique.

    >>> areas = pd.DataFrame({"area_code": ["ZA1", "ZA2"], "district_code": ["ZD1", "ZD1"]})
    >>> synthetic_postcode_lookup(areas).groupby("area_code").size().tolist()
    [12, 12]
    """
    require_columns(areas, ["area_code", "district_code"])
    per = P.POSTCODES_PER_AREA
    district = pd.factorize(areas["district_code"], sort=True)[0]
    if district.max(initial=0) >= len(_DISTRICT_LETTERS):
        raise InputError(
            f"district_code: at most {len(_DISTRICT_LETTERS)} districts get synthetic postcodes"
        )
    within = areas.groupby(district).cumcount().to_numpy()
    area_index = np.repeat(np.arange(len(areas)), per)
    j = np.tile(np.arange(per), len(areas)) + (np.repeat(within, per) % 20) * per
    letters = np.array(list(_INWARD_LETTERS))
    outward = np.char.add(
        np.char.add("X", np.array(list(_DISTRICT_LETTERS))[district[area_index]]),
        (np.repeat(within, per) // 20 + 1).astype(str),
    )
    inward = np.char.add(
        np.char.add((j % 10).astype(str), letters[(j // 10) // len(letters)]),
        letters[(j // 10) % len(letters)],
    )
    return pd.DataFrame(
        {
            "postcode": np.char.add(np.char.add(outward, " "), inward),
            "area_code": areas["area_code"].to_numpy()[area_index],
        }
    )
